# Shared by benchmarks/http-wrk.sh and benchmarks/echo-load.sh (sourced, not run): the servers they compare, how
# to start each one, interleaved rotating rounds, server CPU accounting and medians.
#
# A server is named NAME or NAME@JDK: weft, netty-nio, netty-epoll, netty-io_uring, c (the C epoll ceiling) and vt
# (a blocking server on virtual threads); @25 runs a Java server on the newest JDK under /usr/lib/jvm (default: the
# `java` on PATH) and @base runs it from another commit's build, for a same-run before/after: BASE_DIR=a built
# checkout of that commit (any Weft server), or BASE_JAR=its benchmarks.jar (Weft echo and HTTPS servers).
# vt always runs on the newest JDK. HTTPS servers (https-wrk.sh): weft-jdk, weft-conscrypt,
# netty-jdk, netty-boringssl.

THREADS=${THREADS:-2}
JAVA_OPTS=${JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC -Dweft.leakDetection=off -Dio.netty.leakDetection.level=disabled}
# Netty on JDK 24 and later: Netty 4.2 stops using sun.misc.Unsafe there by default (JEP 498 warnings), which also
# stops it freeing direct buffers eagerly; its echo at 16 KiB then costs about 5x the CPU. A user who measures turns
# it back on, so the Netty servers get these flags on such a JDK (NETTY_NEW_JDK_OPTS= gives Netty's defaults).
NETTY_NEW_JDK_OPTS=${NETTY_NEW_JDK_OPTS--Dio.netty.noUnsafe=false --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED}
NATIVE_DIR=benchmarks/target/native
TLS_DIR=benchmarks/target/tls
SERVER_PID=

newest_java() {
  local j
  j=$(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | while read -r p; do
        v=$("$p" -version 2>&1 | awk -F'"' '/version/ {print $2}' | cut -d. -f1); echo "$v $p"; done | sort -n | tail -1 | cut -d' ' -f2)
  echo "${j:-java}"
}

java_major() { # java binary -> its feature version (17, 25, ...)
  "$1" -version 2>&1 | awk -F'"' '/version/ {print $2}' | cut -d. -f1
}

java_for() { # JDK suffix ("" or 25) -> java binary
  if [[ -z "$1" ]]; then echo java; else
    local p; p=$(ls -d /usr/lib/jvm/*"$1"*/bin/java 2>/dev/null | head -1)
    [[ -n "$p" ]] || { echo "no JDK $1 under /usr/lib/jvm" >&2; exit 1; }
    echo "$p"
  fi
}

build_all() {
  if [[ ! -f examples/target/weft-examples.jar || ! -f benchmarks/target/benchmarks.jar ]]; then
    echo "building the jars..." >&2
    mvn -q -pl examples,benchmarks -am package -DskipTests >&2
  fi
  mkdir -p "$NATIVE_DIR"
  for prog in ceiling echo-load; do
    if [[ ! -x "$NATIVE_DIR/$prog" || "benchmarks/native/$prog.c" -nt "$NATIVE_DIR/$prog" ]]; then
      command -v gcc >/dev/null || { echo "gcc is needed for the C ceiling and load generator" >&2; exit 1; }
      gcc -O2 -Wall -pthread -o "$NATIVE_DIR/$prog" "benchmarks/native/$prog.c"
    fi
  done
}

# server_cmd KIND(http|echo) NAME[@JDK] PORT -> prints the command line
server_cmd() {
  local kind=$1 spec=$2 port=$3 name=${2%@*} jdk=""
  [[ "$spec" == *@* ]] && jdk=${spec#*@}
  local jar=benchmarks/target/benchmarks.jar examples=examples/target/weft-examples.jar
  if [[ $jdk == base ]]; then # NAME@base: the same server from another commit's build (before/after)
    if [[ -n ${BASE_DIR:-} ]]; then # a checkout of that commit, built with mvn package
      jar=${BASE_JAR:-$BASE_DIR/benchmarks/target/benchmarks.jar}; examples=$BASE_DIR/examples/target/weft-examples.jar
    else
      jar=${BASE_JAR:?NAME@base needs BASE_DIR=checkout or BASE_JAR=path/to/benchmarks.jar}
      [[ $name != weft || $kind != http ]] || { echo "weft@base needs BASE_DIR (a built checkout of the base commit)" >&2; exit 2; }
    fi
    jdk=""
  fi
  local java; java=$(java_for "$jdk")
  case "$name" in
    weft)
      if [[ $kind == http ]]; then
        # No cap on requests per connection (2147483647), as the other servers have none: with the default
        # (100,000) a pipelined cell closes every connection within seconds and wrk reconnects. Builds from before
        # the example took that argument (NAME@base) run with their default.
        local cap=2147483647
        if [[ $examples != examples/target/weft-examples.jar ]]; then
          unzip -p "$examples" io/weft/examples/http/HttpHelloServer.class 2>/dev/null \
            | grep -aq maxRequestsPerConnection || cap=""
        fi
        echo "$java $JAVA_OPTS -cp $examples io.weft.examples.http.HttpHelloServer $port $THREADS $cap"
      else
        echo "$java $JAVA_OPTS -cp $jar io.weft.benchmarks.servers.WeftEchoServer $port $THREADS"
      fi ;;
    netty-nio|netty-epoll|netty-io_uring)
      local cls=io.weft.benchmarks.servers.NettyEchoServer
      [[ $kind == http ]] && cls=io.weft.benchmarks.http.NettyHelloServer
      echo "$java $JAVA_OPTS $(netty_opts "$java") -cp benchmarks/target/benchmarks.jar $cls $port $THREADS ${name#netty-}" ;;
    c) echo "$NATIVE_DIR/ceiling $kind $port $THREADS" ;;
    weft-jdk|weft-conscrypt)
      echo "$java $JAVA_OPTS -cp $jar io.weft.benchmarks.tls.WeftHttpsServer $port $THREADS ${name#weft-} $TLS_DIR/cert.pem $TLS_DIR/key.pem" ;;
    netty-jdk|netty-boringssl)
      echo "$java $JAVA_OPTS $(netty_opts "$java") -cp benchmarks/target/benchmarks.jar io.weft.benchmarks.tls.NettyHttpsServer $port $THREADS ${name#netty-} $TLS_DIR/cert.pem $TLS_DIR/key.pem ${NETTY_TLS_TRANSPORT:-nio}" ;;
    vt) echo "$(newest_java) -Xms512m -Xmx512m -XX:+UseParallelGC benchmarks/vthreads/VirtualThreadServer.java $kind $port" ;;
    *) echo "unknown server '$spec' (weft, netty-nio, netty-epoll, netty-io_uring, c, vt; NAME@JDK for Java ones)" >&2
       exit 2 ;;
  esac
}

netty_opts() { # java binary -> the extra flags a Netty server gets on it (see NETTY_NEW_JDK_OPTS)
  if (( $(java_major "$1") >= 24 )); then echo "$NETTY_NEW_JDK_OPTS"; fi
}

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}

# start_server KIND SPEC PORT READY_CHECK...: starts it in the background and waits until READY_CHECK succeeds.
start_server() {
  local kind=$1 spec=$2 port=$3; shift 3
  # The previous server's listener may outlive its process for a moment (an io_uring close is asynchronous).
  for _ in $(seq 1 50); do
    ss -Hltn "sport = :$port" 2>/dev/null | grep -q . || break
    sleep 0.2
  done
  # shellcheck disable=SC2046
  $(server_cmd "$kind" "$spec" "$port") >"/tmp/load-$spec.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    if "$@" 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$spec exited: $(tail -3 "/tmp/load-$spec.log")" >&2; exit 1; }
    sleep 0.2
  done
  echo "$spec on port $port did not come up" >&2; exit 1
}

# CPU seconds (user + system) the server process has used so far.
server_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$SERVER_PID/stat"
}

# CPU seconds in user mode alone: what the server's own code costs, the rest being the kernel's.
server_user_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ print $14 / hz }' "/proc/$SERVER_PID/stat"
}

# The servers of round R (1-based), rotated by R-1 places so that no server always runs first or last.
rotated() { # round servers...
  local r=$1; shift
  local n=$# i
  local list=("$@")
  for ((i = 0; i < n; i++)); do echo "${list[$(( (i + r - 1) % n ))]}"; done
}

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The server the ratio columns divide by the others: weft when it runs, else the first one named.
reference_server() {
  local s
  for s in "$@"; do [[ $s == weft ]] && { echo weft; return; }; done
  echo "$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.2f", a / b; else print "n/a" }'; }

machine_line() {
  echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(java -version 2>&1 | head -1), $THREADS server threads, Netty on JDK 24+ with '${NETTY_NEW_JDK_OPTS:-its defaults}', load average $LOAD_BEFORE before and $(cut -d' ' -f1-3 /proc/loadavg) after"
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
trap stop_server EXIT
