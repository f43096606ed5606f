#!/usr/bin/env bash
# Echo load test: Weft against Netty 4.2 (NIO, epoll, io_uring), the C epoll ceiling and a virtual-thread server,
# all driven by the same native load generator (benchmarks/native/echo-load.c), so the client is not Java.
#
#   benchmarks/echo-load.sh                                     # 3 rounds, 5 s per cell
#   ROUNDS=5 DURATION=10 SERVERS="weft netty-epoll c" benchmarks/echo-load.sh
#   SERVERS="weft weft@25 netty-epoll netty-epoll@25" benchmarks/echo-load.sh   # both JDKs
#   CELLS="1 65536 stream" SERVERS="weft netty-epoll" benchmarks/echo-load.sh     # one cell
#
# Cells: ping-pong (every connection sends SIZE bytes and waits for the echo) at 1 connection × 64 B,
# 64 connections × 64 B and 64 connections × 16 KiB, and streaming (64 KiB writes, 1 MiB in flight, 1 connection).
# Every server gets THREADS (default 2) I/O threads and the same JVM flags; each round starts every server afresh,
# in an order rotated by one place per round. The table gives medians over rounds, Weft/X ratios, the server's
# CPU time per operation (from /proc, user + system) and the generator's p50/p99 round-trip latency.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/load-common.sh

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18090}
LOAD_THREADS=${LOAD_THREADS:-1}
read -r -a SERVER_LIST <<<"${SERVERS:-weft netty-nio netty-epoll netty-io_uring c vt}"
# CELLS="CONNS SIZE MODE;..." picks cells, e.g. CELLS="1 65536 stream;64 64 pingpong" (default: all four).
IFS=';' read -r -a CELLS <<<"${CELLS:-1 64 pingpong;64 64 pingpong;64 16384 pingpong;1 65536 stream}"

build_all
ready() { "$NATIVE_DIR/echo-load" "$PORT" 1 16 1 pingpong >/dev/null 2>&1; }

declare -A SCORE CPU P50 P99
for round in $(seq 1 "$ROUNDS"); do
  for server in $(rotated "$round" "${SERVER_LIST[@]}"); do
    start_server echo "$server" "$PORT" ready
    "$NATIVE_DIR/echo-load" "$PORT" 16 1024 "$WARMUP" pingpong "$LOAD_THREADS" >/dev/null
    for cell in "${CELLS[@]}"; do
      read -r conns size mode <<<"$cell"
      before=$(server_cpu)
      out=$("$NATIVE_DIR/echo-load" "$PORT" "$conns" "$size" "$DURATION" "$mode" "$LOAD_THREADS")
      after=$(server_cpu)
      ops=$(sed -n 's/.*ops_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
      mib=$(sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
      score=$([[ $mode == stream ]] && echo "$mib" || echo "$ops")
      # server CPU µs per round trip (ping-pong) or per MiB echoed (stream)
      cpu=$(awk -v a="$before" -v b="$after" -v s="$score" -v d="$DURATION" 'BEGIN { printf "%.2f", (b - a) * 1e6 / (s * d) }')
      key="$server|$cell"
      SCORE[$key]="${SCORE[$key]:-} $score"; CPU[$key]="${CPU[$key]:-} $cpu"
      P50[$key]="${P50[$key]:-} $(sed -n 's/.*p50_us=\([-0-9]*\).*/\1/p' <<<"$out")"
      P99[$key]="${P99[$key]:-} $(sed -n 's/.*p99_us=\([-0-9]*\).*/\1/p' <<<"$out")"
      echo "round $round: $server $cell: $out server_cpu_us_per_op=$cpu" >&2
    done
    stop_server
  done
done

echo
echo "Echo through the native load generator ($LOAD_THREADS thread(s)), ${DURATION}s per cell, median of $ROUNDS interleaved round(s); $(machine_line)"
echo
header="| cell | unit |"; rule="|---|---|"
for s in "${SERVER_LIST[@]}"; do header+=" $s |"; rule+="---:|"; done
REF=$(reference_server "${SERVER_LIST[@]}")
for s in "${SERVER_LIST[@]}"; do [[ $s == "$REF" ]] || { header+=" $REF/$s |"; rule+="---:|"; }; done
echo "$header"; echo "$rule"
for cell in "${CELLS[@]}"; do
  read -r conns size mode <<<"$cell"
  unit=$([[ $mode == stream ]] && echo "MiB/s" || echo "round trips/s")
  line="| $mode, $conns conn(s), $size B | $unit |"
  for s in "${SERVER_LIST[@]}"; do line+=" $(median <<<"${SCORE[$s|$cell]}") |"; done
  w=$(median <<<"${SCORE[$REF|$cell]:-}")
  for s in "${SERVER_LIST[@]}"; do [[ $s == "$REF" ]] || line+=" $(ratio "$w" "$(median <<<"${SCORE[$s|$cell]}")") |"; done
  echo "$line"
done
echo
echo "Server CPU µs per round trip (ping-pong) or per MiB (stream), and p50 / p99 round-trip latency in µs (medians):"
echo
header="| cell |"; rule="|---|"
for s in "${SERVER_LIST[@]}"; do header+=" $s CPU | $s p50/p99 |"; rule+="---:|---:|"; done
echo "$header"; echo "$rule"
for cell in "${CELLS[@]}"; do
  read -r conns size mode <<<"$cell"
  line="| $mode, $conns conn(s), $size B |"
  for s in "${SERVER_LIST[@]}"; do
    line+=" $(median <<<"${CPU[$s|$cell]}") | $(median <<<"${P50[$s|$cell]}")/$(median <<<"${P99[$s|$cell]}") |"
  done
  echo "$line"
done
