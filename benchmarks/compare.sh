#!/usr/bin/env bash
# Runs a chosen set of Weft-vs-Netty JMH benchmarks and prints a Markdown table:
#   benchmark | params | Netty variant | unit | Weft ± error | Netty ± error | Weft/Netty ± error | B/op (both) [| CPU µs/op]
#
# usage: benchmarks/compare.sh [options] [INCLUDE_REGEX]
#   -R N        interleaved rounds                       (default 3): each round runs the Weft side and then the
#               Netty side (the order alternates between rounds), each in its own fresh JVM fork, so the two
#               sides are measured minutes apart at most and share the machine's drift; cells are medians
#   -f N        forks per benchmark and round            (default 1)
#   -i N        measurement iterations                   (default 5)
#   -w N        warmup iterations                        (default 3)
#   -t TIME     time per measurement iteration, JMH form (default 2s)
#   -W TIME     time per warmup iteration                (default 1s)
#   -p K=V,..   override @Param values, e.g. -p payload=64 (repeatable)
#   -o FILE     JMH JSON output prefix                   (default benchmarks/target/jmh-result.json; one file per
#               round and side: jmh-result.r1-weft.json, ...)
#   -j JAR      benchmarks jar                           (default benchmarks/target/benchmarks.jar)
#   -c          also measure CPU time per operation (whole process, Linux perf task-clock via JMH perfnorm);
#               adds "CPU µs/op" columns: steadier than throughput on a loaded machine
#   -x ARGS     extra JMH arguments, quoted, e.g. -x "-prof stack"
#   -p transport=epoll  restricts Netty to one transport (nio, epoll, io_uring; default all three)
#   -h          this help
# INCLUDE_REGEX selects benchmarks as JMH does (default: "EchoBenchmark|StreamBenchmark|HandoffBenchmark";
# the others are FrameBenchmark, ChecksumBenchmark, CompressBenchmark, AllocatorBenchmark).
# The gc profiler always runs, so B/op (gc.alloc.rate.norm, all threads) is reported.
#
# Build the jar first:  mvn -q -DskipTests package   (or mvn verify; both build benchmarks/target/benchmarks.jar)
# Example, quick:       benchmarks/compare.sh -f 1 -i 3 -w 2 -t 1s 'EchoBenchmark'
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
forks=1 iterations=5 warmups=3 time=2s warmup_time=1s rounds=3
out="$here/target/jmh-result.json"
jar="$here/target/benchmarks.jar"
extra=""
cpu=""
params=()

while getopts "R:f:i:w:t:W:p:o:j:x:ch" opt; do
    case "$opt" in
        R) rounds="$OPTARG" ;;
        f) forks="$OPTARG" ;;
        i) iterations="$OPTARG" ;;
        w) warmups="$OPTARG" ;;
        t) time="$OPTARG" ;;
        W) warmup_time="$OPTARG" ;;
        p) params+=(-p "$OPTARG") ;;
        o) out="$OPTARG" ;;
        j) jar="$OPTARG" ;;
        x) extra="$OPTARG" ;;
        c) cpu="-prof perfnorm:events=task-clock" ;;
        h) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
include="${1:-EchoBenchmark|StreamBenchmark|HandoffBenchmark}"

if [[ ! -f "$jar" ]]; then
    echo "no $jar: build it with 'mvn -q -DskipTests package' from the repository root" >&2
    exit 1
fi
mkdir -p "$(dirname "$out")"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
files=()
for round in $(seq 1 "$rounds"); do
    if (( round % 2 == 1 )); then sides=(weft netty); else sides=(netty weft); fi
    for side in "${sides[@]}"; do
        file="${out%.json}.r$round-$side.json"
        if ! java -jar "$jar" -l "(${include})\.${side}[A-Z]" | grep -q '\.'; then
            continue    # a Weft-only benchmark (SeamBenchmark) has no Netty side
        fi
        echo "round $round/$rounds: $side" >&2
        # shellcheck disable=SC2086
        java -jar "$jar" "(${include})\.${side}[A-Z]" -f "$forks" -i "$iterations" -wi "$warmups" -r "$time" \
            -w "$warmup_time" "${params[@]}" -prof gc $cpu -rf json -rff "$file" $extra >&2
        files+=("$file")
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "JMH JSON: ${files[*]}" >&2
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(java -version 2>&1 | head -1)," \
    "load average $load_before before and $load_after after the run"
echo
python3 "$here/compare.py" "${files[@]}"
