#!/bin/sh
# Benchmark the passive-DNS ingest path on a generated capture and print a
# Markdown report (the figures in docs/benchmarks.md come from this script).
#
#   bench/run.sh [PACKETS]        default 2000000
#
# Needs the packages of `tools/setup.sh test` plus time(1) and, for the
# profile, linux-perf. Writes into bench/out/ (ignored by git). Run it on a
# quiet machine: other load moves every figure.
set -eu

packets=${1:-2000000}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/out"
build="$top/build-bench"
mkdir -p "$out"
cd "$top"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C "$build" dragnet gen_capture pcap_floor >/dev/null
dragnet="$build/dragnet"

capture="$out/dns-$packets.pcap"
truth="$out/dns-$packets.truth"
if [ ! -s "$capture" ] || [ ! -s "$truth" ]; then
    "$build/bench/gen_capture" -o "$capture" --truth "$truth" -n "$packets" --seed 1
fi
cat "$capture" >/dev/null # warm the page cache

# Median of three runs of a command that prints "... in S s, R packets/s".
median3() {
    for i in 1 2 3; do "$@" 2>&1 | grep -o '[0-9.]* packets/s' | head -1; done |
        sort -n | sed -n 2p
}

echo "## Run of $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "- capture: $capture, $(stat -c %s "$capture") bytes, $packets frames"
echo

floor=$(for i in 1 2 3; do "$build/bench/pcap_floor" "$capture"; done |
    awk '{print $5}' | sort -n | sed -n 2p)
echo "| step | packets/s (median of 3) |"
echo "| --- | --- |"
echo "| libpcap read loop (floor) | $floor |"

dry=$(median3 "$dragnet" ingest --dry-run "$capture")
echo "| decode + aggregate (\`ingest --dry-run\`) | ${dry% packets/s} |"

e2e() {
    rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
    /usr/bin/time -f '%e s wall, %M KB peak RSS' "$dragnet" ingest --db "$out/bench.db" \
        "$@" "$capture" 2>"$out/e2e.log"
    wall=$(tail -1 "$out/e2e.log" | awk '{print $1}')
    awk -v p="$packets" -v w="$wall" 'BEGIN {printf "%.0f\n", p / w}'
}
e2e_rates=$(for i in 1 2 3; do e2e; done | sort -n)
echo "| \`ingest\` into a new SQLite file, whole process | $(echo "$e2e_rates" | sed -n 2p) |"

start=$(date +%s.%N)
tshark -n -r "$capture" -T fields -e dns.qry.name -e dns.resp.name -e dns.a -e dns.aaaa \
    -e dns.cname -e dns.ns -e dns.mx.mail_exchange -e dns.txt -e dns.ptr.domain_name \
    >/dev/null 2>&1
end=$(date +%s.%N)
echo "| tshark decoding the DNS fields | $(awk -v p="$packets" -v s="$start" -v e="$end" \
    'BEGIN {printf "%.0f", p / (e - s)}') |"
echo

echo "### Last end-to-end run"
echo
echo '```'
cat "$out/e2e.log"
echo '```'
echo
size=$(stat -c %s "$out/bench.db")
rows=$("$dragnet" stats --db "$out/bench.db" -j | python3 -c \
    'import json,sys; s=json.load(sys.stdin); print(s["rrsets"] + s["negatives"])')
echo "- database: $size bytes for $rows records and negative answers," \
    "$((size / rows)) bytes each"

echo "- check against the generator's expected records:"
python3 "$top/bench/check_truth.py" "$out/bench.db" "$truth" | sed 's/^/  /'

echo
echo "### Memory bound"
echo
for limit in 96M 128M 512M; do
    rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
    /usr/bin/time -f '%M' -o "$out/rss" "$dragnet" ingest --db "$out/bench.db" \
        --max-memory "$limit" "$capture" 2>"$out/limit.log"
    flushes=$(grep -o 'in [0-9]* flush[es]*' "$out/limit.log" | head -1)
    echo "- \`--max-memory $limit\`: peak RSS $(cat "$out/rss") KB, written $flushes"
done

if command -v perf >/dev/null; then
    echo
    echo "### Where the time goes (perf, end to end)"
    echo
    rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
    perf record -q -o "$out/perf.data" "$dragnet" ingest -q --db "$out/bench.db" "$capture" \
        2>/dev/null
    echo '```'
    perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null |
        grep -E '^ +[0-9]' | head -8
    echo
    perf report -i "$out/perf.data" --no-children --sort sym --stdio 2>/dev/null |
        grep -E '^ +[0-9]+\.[0-9]+%' | grep -v ' 0x0' | head -15
    echo '```'
fi
