#!/usr/bin/env bash
# HTTP load test: the Weft hello server against Netty 4.2 (NIO, epoll, io_uring), the C epoll ceiling and a
# blocking server on virtual threads, all driven by wrk on GET /plaintext.
#
#   benchmarks/http-wrk.sh                                         # 3 rounds, 10 s per cell
#   ROUNDS=5 DURATION=10s SERVERS="weft netty-epoll c" benchmarks/http-wrk.sh
#   SERVERS="weft weft@25 netty-epoll netty-epoll@25" benchmarks/http-wrk.sh     # both JDKs
#   BASE_DIR=/tmp/base SERVERS="weft@base weft c" benchmarks/http-wrk.sh            # before/after (built checkout)
#
# Every server gets THREADS (default 2) I/O threads and the same JVM flags. Each round starts every server afresh,
# in an order rotated by one place per round (no server always runs first), warms it up, then runs wrk
# (WRK_THREADS, default 2) non-pipelined and DEPTH-deep pipelined (default 16) with 64 and 256 connections. The
# tables give medians over rounds of requests/s, Weft/X ratios, the server's CPU time per request (from /proc,
# user + system, and user alone) and wrk's p50/p99 latency (per request, or per pipelined batch), with the load
# average. Ratio columns divide weft (or, when it does not run, the first server named) by each other server.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/load-common.sh

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
WRK_THREADS=${WRK_THREADS:-2}
DEPTH=${DEPTH:-16}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18080}
read -r -a SERVER_LIST <<<"${SERVERS:-weft netty-nio netty-epoll netty-io_uring c vt}"
CELLS=("64 0" "64 1" "256 0" "256 1")

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk not found; installing it (apt-get install -y wrk)" >&2
  apt-get install -y wrk >/dev/null
fi
build_all
ready() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/plaintext"; }

to_us() { # wrk latency like 1.23ms / 456.00us / 1.01s -> µs
  awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); print v + 0 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 }
         else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000000 } else print "nan" }'
}

run_wrk() { # connections pipelined(0/1) duration -> wrk output
  local extra=()
  if [[ "$2" == 1 ]]; then extra=(-s benchmarks/http-pipeline.lua); fi
  local out
  out=$(wrk -t"$WRK_THREADS" -c"$1" -d"$3" --latency "${extra[@]}" "http://127.0.0.1:$PORT/plaintext" ${2/1/-- $DEPTH})
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "warning: $(grep "Non-2xx\|Socket errors" <<<"$out" | xargs) (c=$1 pipelined=$2)" >&2
  fi
  echo "$out"
}

declare -A RPS CPU USER_CPU P50 P99
for round in $(seq 1 "$ROUNDS"); do
  for server in $(rotated "$round" "${SERVER_LIST[@]}"); do
    start_server http "$server" "$PORT" ready
    run_wrk 64 1 "$WARMUP" >/dev/null
    run_wrk 64 0 "$WARMUP" >/dev/null
    for cell in "${CELLS[@]}"; do
      read -r conns pipe <<<"$cell"
      before=$(server_cpu); before_user=$(server_user_cpu)
      out=$(run_wrk "$conns" "$pipe" "$DURATION")
      after=$(server_cpu); after_user=$(server_user_cpu)
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      requests=$(awk '/requests in/ {print $1}' <<<"$out")
      cpu=$(awk -v a="$before" -v b="$after" -v n="$requests" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
      user=$(awk -v a="$before_user" -v b="$after_user" -v n="$requests" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
      key="$server|$cell"
      RPS[$key]="${RPS[$key]:-} $rps"; CPU[$key]="${CPU[$key]:-} $cpu"; USER_CPU[$key]="${USER_CPU[$key]:-} $user"
      P50[$key]="${P50[$key]:-} $(awk '$1 == "50%" {print $2}' <<<"$out" | to_us)"
      P99[$key]="${P99[$key]:-} $(awk '$1 == "99%" {print $2}' <<<"$out" | to_us)"
      echo "round $round: $server c=$conns pipelined=$pipe: $rps req/s, server CPU $cpu µs/req ($user user)" >&2
    done
    stop_server
  done
done

echo
echo "GET /plaintext, wrk -t$WRK_THREADS -d$DURATION, median of $ROUNDS interleaved round(s); $(machine_line)"
echo
header="| connections | pipelining |"; rule="|---:|---:|"
for s in "${SERVER_LIST[@]}"; do header+=" $s req/s |"; rule+="---:|"; done
REF=$(reference_server "${SERVER_LIST[@]}")
for s in "${SERVER_LIST[@]}"; do [[ $s == "$REF" ]] || { header+=" $REF/$s |"; rule+="---:|"; }; done
echo "$header"; echo "$rule"
for cell in "${CELLS[@]}"; do
  read -r conns pipe <<<"$cell"
  line="| $conns | $([[ $pipe == 1 ]] && echo "$DEPTH" || echo 1) |"
  for s in "${SERVER_LIST[@]}"; do line+=" $(median <<<"${RPS[$s|$cell]}" | awk '{printf "%.0f", $1}') |"; done
  w=$(median <<<"${RPS[$REF|$cell]:-}")
  for s in "${SERVER_LIST[@]}"; do [[ $s == "$REF" ]] || line+=" $(ratio "$w" "$(median <<<"${RPS[$s|$cell]}")") |"; done
  echo "$line"
done
echo
echo "Server CPU µs per request (user + system, with user alone in parentheses: the server's own code, the rest being"
echo "the kernel's), and wrk's p50 / p99 latency in µs (medians):"
echo
header="| connections | pipelining |"; rule="|---:|---:|"
for s in "${SERVER_LIST[@]}"; do header+=" $s CPU | $s p50/p99 |"; rule+="---:|---:|"; done
echo "$header"; echo "$rule"
for cell in "${CELLS[@]}"; do
  read -r conns pipe <<<"$cell"
  line="| $conns | $([[ $pipe == 1 ]] && echo "$DEPTH" || echo 1) |"
  for s in "${SERVER_LIST[@]}"; do
    line+=" $(median <<<"${CPU[$s|$cell]}") ($(median <<<"${USER_CPU[$s|$cell]}")) | $(median <<<"${P50[$s|$cell]}" | awk '{printf "%.0f", $1}')/$(median <<<"${P99[$s|$cell]}" | awk '{printf "%.0f", $1}') |"
  done
  echo "$line"
done
