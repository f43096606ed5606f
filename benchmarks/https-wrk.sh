#!/usr/bin/env bash
# HTTPS load test: Weft's TlsHandler on the JDK provider and on Conscrypt (BoringSSL) against Netty 4.2's SslHandler
# on the JDK provider and on BoringSSL (netty-tcnative), all with TLS 1.3 and the same EC P-256 certificate
# (generated here with openssl), driven by wrk. The JDK-provider servers offer TLS_AES_128_GCM_SHA256 only;
# BoringSSL's TLS 1.3 suites cannot be narrowed, so the table prints the suite each server negotiated.
#
#   benchmarks/https-wrk.sh                                     # 3 rounds, 10 s per cell
#   ROUNDS=5 SERVERS="weft-jdk netty-jdk" NETTY_TLS_TRANSPORT=epoll benchmarks/https-wrk.sh
#
# Cells: keep-alive (64 connections), 16-deep pipelined (64 connections), a new TLS connection per request
# (64 connections, "Connection: close": requests/s is connections/s, each with a handshake) and bulk (16
# connections fetching a 1 MiB body: MiB/s). Rounds rotate the order of the servers; cells are medians; the second
# table gives the server's CPU time per request (from /proc).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/load-common.sh

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
WRK_THREADS=${WRK_THREADS:-2}
DEPTH=${DEPTH:-16}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18443}
read -r -a SERVER_LIST <<<"${SERVERS:-weft-jdk weft-conscrypt netty-jdk netty-boringssl}"
CELLS=(keepalive pipelined newconn bulk)

command -v wrk >/dev/null 2>&1 || { echo "wrk not found; installing it" >&2; apt-get install -y wrk >/dev/null; }
command -v openssl >/dev/null 2>&1 || { echo "openssl not found; installing it" >&2; apt-get install -y openssl >/dev/null; }
build_all
mkdir -p "$TLS_DIR"
if [[ ! -f $TLS_DIR/cert.pem ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=localhost \
    -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" 2>/dev/null
fi
ready() { curl -fsSk -o /dev/null "https://127.0.0.1:$PORT/plaintext"; }

run_cell() { # cell duration -> wrk output
  local url="https://127.0.0.1:$PORT/plaintext" args=(-t"$WRK_THREADS" -c64 -d"$2")
  case "$1" in
    pipelined) args+=(-s benchmarks/http-pipeline.lua) ;;
    newconn) args+=(-H "Connection: close") ;;
    bulk) args=(-t"$WRK_THREADS" -c16 -d"$2"); url="https://127.0.0.1:$PORT/bulk" ;;
  esac
  local out
  if [[ $1 == pipelined ]]; then out=$(wrk "${args[@]}" "$url" -- "$DEPTH"); else out=$(wrk "${args[@]}" "$url"); fi
  if grep -q "Non-2xx" <<<"$out"; then echo "warning: $(grep "Non-2xx" <<<"$out" | xargs) ($1)" >&2; fi
  echo "$out"
}

mib() { # wrk "Transfer/sec: 1.23GB" -> MiB/s
  awk '/Transfer\/sec/ { v = $2; m = 1; if (v ~ /GB$/) m = 1024; else if (v ~ /KB$/) m = 1 / 1024; else if (v ~ /B$/ && v !~ /MB$/) m = 1 / 1048576;
        sub(/[KMG]?B$/, "", v); printf "%.1f", v * m }'
}

declare -A SCORE CPU SUITE
for round in $(seq 1 "$ROUNDS"); do
  for server in $(rotated "$round" "${SERVER_LIST[@]}"); do
    start_server https "$server" "$PORT" ready
    SUITE[$server]=$(openssl s_client -connect "127.0.0.1:$PORT" -servername localhost </dev/null 2>/dev/null \
      | awk '/Cipher is/ {print $NF; exit}')
    run_cell keepalive "$WARMUP" >/dev/null
    run_cell newconn "$WARMUP" >/dev/null
    for cell in "${CELLS[@]}"; do
      before=$(server_cpu)
      out=$(run_cell "$cell" "$DURATION")
      after=$(server_cpu)
      requests=$(awk '/requests in/ {print $1}' <<<"$out")
      if [[ $cell == bulk ]]; then score=$(mib <<<"$out"); else score=$(awk '/Requests\/sec/ {print $2}' <<<"$out"); fi
      cpu=$(awk -v a="$before" -v b="$after" -v n="$requests" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')
      SCORE[$server|$cell]="${SCORE[$server|$cell]:-} $score"; CPU[$server|$cell]="${CPU[$server|$cell]:-} $cpu"
      echo "round $round: $server $cell: $score, server CPU $cpu µs/req" >&2
    done
    stop_server
  done
done

echo
echo "HTTPS (TLS 1.3, TLS_AES_128_GCM_SHA256, EC P-256), wrk -t$WRK_THREADS -d$DURATION, Netty transport ${NETTY_TLS_TRANSPORT:-nio}, median of $ROUNDS interleaved round(s); $(machine_line)"
echo
header="| cell | unit |"; rule="|---|---|"
for s in "${SERVER_LIST[@]}"; do header+=" $s |"; rule+="---:|"; done
pairs=()
for w in "${SERVER_LIST[@]}"; do [[ $w == weft-* ]] || continue
  for n in "${SERVER_LIST[@]}"; do [[ $n == netty-* ]] && pairs+=("$w $n"); done; done
for p in "${pairs[@]}"; do header+=" ${p/ //} |"; rule+="---:|"; done
echo "$header"; echo "$rule"
for cell in "${CELLS[@]}"; do
  unit=$([[ $cell == bulk ]] && echo "MiB/s" || echo "req/s")
  line="| $cell | $unit |"
  for s in "${SERVER_LIST[@]}"; do line+=" $(median <<<"${SCORE[$s|$cell]}") |"; done
  for p in "${pairs[@]}"; do read -r w n <<<"$p"
    line+=" $(ratio "$(median <<<"${SCORE[$w|$cell]}")" "$(median <<<"${SCORE[$n|$cell]}")") |"; done
  echo "$line"
done
echo
echo "Negotiated with an OpenSSL client (as wrk): $(for s in "${SERVER_LIST[@]}"; do printf '%s %s; ' "$s" "${SUITE[$s]:-?}"; done)"
echo
echo "Server CPU µs per request (medians):"
echo
header="| cell |"; rule="|---|"
for s in "${SERVER_LIST[@]}"; do header+=" $s |"; rule+="---:|"; done
echo "$header"; echo "$rule"
for cell in "${CELLS[@]}"; do
  line="| $cell |"
  for s in "${SERVER_LIST[@]}"; do line+=" $(median <<<"${CPU[$s|$cell]}") |"; done
  echo "$line"
done
