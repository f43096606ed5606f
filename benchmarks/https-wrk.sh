#!/usr/bin/env bash
# HTTPS load test: Weft's TlsHandler on the JDK provider and on Conscrypt (BoringSSL) against Netty 4.2's SslHandler
# on the JDK provider and on BoringSSL (netty-tcnative), all with TLS 1.3, TLS_AES_128_GCM_SHA256 and the same EC
# P-256 certificate (generated here with openssl), driven by wrk (OpenSSL). BoringSSL's TLS 1.3 suites cannot be
# narrowed on the server side, so the client is: wrk, curl and openssl run with an OpenSSL configuration that offers
# TLS_AES_128_GCM_SHA256 only, and the table prints the suites each server logged as negotiated.
#
#   benchmarks/https-wrk.sh                                     # 3 rounds, 10 s per cell after 5 s of warm-up
#   ROUNDS=5 SERVERS="weft-jdk netty-jdk" NETTY_TLS_TRANSPORT=epoll benchmarks/https-wrk.sh
#   BASE_JAR=/tmp/base/benchmarks.jar SERVERS="weft-jdk@base weft-jdk netty-jdk" benchmarks/https-wrk.sh
#
# Cells (64 connections unless said): keep-alive requests/s; 16-deep pipelined requests/s; handshakes/s (wrk with
# "Connection: close": every request opens a new TLS connection and the server closes it after the response; wrk
# keeps each connection's TLS session and resumes it on the next one with the server's session ticket, a TLS 1.3
# PSK handshake with a fresh ECDHE exchange but no certificate or signature, as a returning browser does; every
# server issues tickets, Conscrypt because WeftHttpsServer asks it to); bulk MiB/s (16 connections fetching a 1 MiB body). Each
# server first runs every cell for WARMUP, then each cell again for WARMUP just before it is measured. Rounds rotate the order of the servers; cells are medians; the second table gives the
# server's CPU time per operation (from /proc): per request, per handshake, per MiB. A server named NAME@base runs
# from BASE_JAR (a build of another commit) for a same-run before/after.
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
read -r -a CELLS <<<"${CELLS:-keepalive pipelined handshake bulk}"

command -v wrk >/dev/null 2>&1 || { echo "wrk not found; installing it" >&2; apt-get install -y wrk >/dev/null; }
command -v openssl >/dev/null 2>&1 || { echo "openssl not found; installing it" >&2; apt-get install -y openssl >/dev/null; }
build_all
mkdir -p "$TLS_DIR"
if [[ ! -f $TLS_DIR/cert.pem ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=localhost \
    -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" 2>/dev/null
fi
# The client side's OpenSSL configuration: TLS 1.3 with TLS_AES_128_GCM_SHA256 only (wrk, curl and openssl load it).
cat >"$TLS_DIR/client.cnf" <<'CNF'
openssl_conf = weft_client
[weft_client]
ssl_conf = weft_ssl
[weft_ssl]
system_default = weft_tls
[weft_tls]
MinProtocol = TLSv1.3
Ciphersuites = TLS_AES_128_GCM_SHA256
CNF
export OPENSSL_CONF=$TLS_DIR/client.cnf
ready() { curl -fsSk -o /dev/null "https://127.0.0.1:$PORT/plaintext"; }

run_cell() { # cell duration -> wrk output
  local url="https://127.0.0.1:$PORT/plaintext" args=(-t"$WRK_THREADS" -c64 -d"$2")
  case "$1" in
    pipelined) args+=(-s benchmarks/http-pipeline.lua) ;;
    handshake) args+=(-H "Connection: close") ;;
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
    # A first pass through every cell lets the JIT finish (its threads' CPU would be charged to the first cell).
    for cell in "${CELLS[@]}"; do [[ $WARMUP == 0* ]] || run_cell "$cell" "$WARMUP" >/dev/null; done
    for cell in "${CELLS[@]}"; do
      [[ $WARMUP == 0* ]] || run_cell "$cell" "$WARMUP" >/dev/null
      before=$(server_cpu)
      out=$(run_cell "$cell" "$DURATION")
      after=$(server_cpu)
      requests=$(awk '/requests in/ {print $1}' <<<"$out")
      if [[ $cell == bulk ]]; then score=$(mib <<<"$out"); else score=$(awk '/Requests\/sec/ {print $2}' <<<"$out"); fi
      cpu=$(awk -v a="$before" -v b="$after" -v n="$requests" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')
      SCORE[$server|$cell]="${SCORE[$server|$cell]:-} $score"; CPU[$server|$cell]="${CPU[$server|$cell]:-} $cpu"
      echo "round $round: $server $cell: $score, server CPU $cpu µs/op" >&2
    done
    stop_server
    SUITE[$server]=$(awk '/^negotiated / { $1 = ""; print substr($0, 2) }' "/tmp/load-$server.log" | sort -u | paste -sd, -)
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
  case $cell in bulk) unit="MiB/s" ;; handshake) unit="handshakes/s" ;; *) unit="req/s" ;; esac
  line="| $cell | $unit |"
  for s in "${SERVER_LIST[@]}"; do line+=" $(median <<<"${SCORE[$s|$cell]}") |"; done
  for p in "${pairs[@]}"; do read -r w n <<<"$p"
    line+=" $(ratio "$(median <<<"${SCORE[$w|$cell]}")" "$(median <<<"${SCORE[$n|$cell]}")") |"; done
  echo "$line"
done
echo
echo "Negotiated (as each server logged it): $(for s in "${SERVER_LIST[@]}"; do printf '%s %s; ' "$s" "${SUITE[$s]:-?}"; done)"
echo
echo "Server CPU µs per operation (medians): per request, per handshake (one request each), per MiB (bulk):"
echo
header="| cell |"; rule="|---|"
for s in "${SERVER_LIST[@]}"; do header+=" $s |"; rule+="---:|"; done
echo "$header"; echo "$rule"
for cell in "${CELLS[@]}"; do
  line="| $cell |"
  for s in "${SERVER_LIST[@]}"; do line+=" $(median <<<"${CPU[$s|$cell]}") |"; done
  echo "$line"
done
