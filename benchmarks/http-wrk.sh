#!/usr/bin/env bash
# Load test: the Weft HTTP hello server against a Netty 4.1 NIO twin, both driven by wrk.
#
#   benchmarks/http-wrk.sh            # 10 s per cell
#   DURATION=30s THREADS=2 benchmarks/http-wrk.sh
#
# Builds what is missing, starts each server with the same number of event loops (THREADS, default 2), warms
# it up, then runs wrk (2 threads) on GET /plaintext, non-pipelined and 16-deep pipelined, with 64 and 256
# connections, and prints requests/s and the Weft/Netty ratio as a Markdown table. With ROUNDS > 1 the two servers
# take turns ROUNDS times and the median of each cell is reported (useful on a noisy machine).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
THREADS=${THREADS:-2}
WRK_THREADS=${WRK_THREADS:-2}
DEPTH=${DEPTH:-16}
ROUNDS=${ROUNDS:-1}
WEFT_PORT=${WEFT_PORT:-18080}
NETTY_PORT=${NETTY_PORT:-18081}
JAVA_OPTS=${JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC -Dweft.leakDetection=off}

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk not found; installing it (apt-get install -y wrk)" >&2
  apt-get install -y wrk >/dev/null
fi

if [[ ! -f examples/target/weft-examples.jar || ! -f benchmarks/target/classes/io/weft/benchmarks/http/NettyHelloServer.class ]]; then
  echo "building..." >&2
  mvn -q -pl examples,benchmarks -am package -DskipTests >&2
fi
NETTY_CP="benchmarks/target/classes:$(mvn -q -pl benchmarks -am dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=runtime 2>/dev/null | tail -1)"

SERVER_PID=
cleanup() { if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

wait_for() {
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$1/plaintext" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "server on port $1 did not come up" >&2; exit 1
}

rps() { # url connections pipelined(0/1) duration
  local extra=()
  if [[ "$3" == 1 ]]; then extra=(-s benchmarks/http-pipeline.lua); fi
  local out
  out=$(wrk -t"$WRK_THREADS" -c"$2" -d"$4" "${extra[@]}" "$1" ${3/1/-- $DEPTH})
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "warning: $(grep "Non-2xx\|Socket errors" <<<"$out" | xargs) ($1 c=$2 pipelined=$3)" >&2
  fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

declare -A RESULT
run_server() { # name round port command...
  local name=$1 round=$2 port=$3; shift 3
  "$@" >/tmp/http-wrk-$name.log 2>&1 &
  SERVER_PID=$!
  wait_for "$port"
  rps "http://127.0.0.1:$port/plaintext" 64 1 "$WARMUP" >/dev/null
  rps "http://127.0.0.1:$port/plaintext" 64 0 "$WARMUP" >/dev/null
  for conns in 64 256; do
    for pipe in 0 1; do
      local r
      r=$(rps "http://127.0.0.1:$port/plaintext" "$conns" "$pipe" "$DURATION")
      RESULT[$name,$conns,$pipe]="${RESULT[$name,$conns,$pipe]:-} $r"
      echo "round $round: $name c=$conns pipelined=$pipe: $r req/s" >&2
    done
  done
  cleanup
  SERVER_PID=
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for round in $(seq 1 "$ROUNDS"); do
  run_server weft "$round" "$WEFT_PORT" java $JAVA_OPTS -cp examples/target/weft-examples.jar \
    io.weft.examples.http.HttpHelloServer "$WEFT_PORT" "$THREADS"
  run_server netty "$round" "$NETTY_PORT" java $JAVA_OPTS -Dio.netty.leakDetection.level=disabled -cp "$NETTY_CP" \
    io.weft.benchmarks.http.NettyHelloServer "$NETTY_PORT" "$THREADS"
done

echo
echo "GET /plaintext, $THREADS server loops, wrk -t$WRK_THREADS -d$DURATION, median of $ROUNDS round(s); $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(java -version 2>&1 | head -1)"
echo
echo "| connections | pipelining | Weft req/s | Netty req/s | Weft / Netty |"
echo "|---:|---:|---:|---:|---:|"
for conns in 64 256; do
  for pipe in 0 1; do
    w=$(median <<<"${RESULT[weft,$conns,$pipe]}"); n=$(median <<<"${RESULT[netty,$conns,$pipe]}")
    depth=$([[ $pipe == 1 ]] && echo "$DEPTH" || echo 1)
    ratio=$(awk -v w="$w" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", w / n; else print "n/a" }')
    printf "| %s | %s | %.0f | %.0f | %s× |\n" "$conns" "$depth" "$w" "$n" "$ratio"
  done
done
