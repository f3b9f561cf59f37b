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

rounds=${ROUNDS:-7}

# One round runs the floor, the decode path and the whole ingest back to
# back, so that each ratio compares runs made under the same conditions.
# The report gives medians over the rounds, because other load on a shared
# machine moves single runs by 20% or more.
e2e() {
    rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
    /usr/bin/time -f '%e s wall, %M KB peak RSS' "$dragnet" ingest --db "$out/bench.db" \
        "$@" "$capture" 2>"$out/e2e.log"
    tail -1 "$out/e2e.log" | awk '{print $1}'
}

: >"$out/rounds"
for round in $(seq "$rounds"); do
    floor=$("$build/bench/pcap_floor" "$capture" | awk '{print $3}')
    dry=$("$dragnet" ingest --dry-run "$capture" 2>&1 | grep -o 'in [0-9.]* s' | awk '{print $2}')
    whole=$(e2e)
    echo "$floor $dry $whole" >>"$out/rounds"
done

median() {
    sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
col() {
    awk -v c="$1" -v p="$packets" '{printf "%.0f\n", p / $c}' "$out/rounds" | median
}
ratio() {
    awk -v a="$1" -v b="$2" '{printf "%.3f\n", $b / $a}' "$out/rounds" | median
}

echo "| step | packets/s, median of $rounds rounds |"
echo "| --- | --- |"
echo "| libpcap read loop (floor) | $(col 1) |"
echo "| decode + aggregate (\`ingest --dry-run\`) | $(col 2) |"
echo "| \`ingest\` into a new SQLite file, whole process | $(col 3) |"

start=$(date +%s.%N)
tshark -n -r "$capture" -T fields -e dns.qry.name -e dns.resp.name -e dns.a -e dns.aaaa \
    -e dns.cname -e dns.ns -e dns.mx.mail_exchange -e dns.txt -e dns.ptr.domain_name \
    >/dev/null 2>&1
end=$(date +%s.%N)
echo "| tshark decoding the DNS fields (one run) | $(awk -v p="$packets" -v s="$start" \
    -v e="$end" 'BEGIN {printf "%.0f", p / (e - s)}') |"
echo
echo "- decode + aggregate as a share of the floor, median of the per-round ratios:" \
    "$(ratio 2 1)"
echo "- per-round seconds (floor, decode + aggregate, whole ingest):" \
    "$(tr '\n' ';' <"$out/rounds" | sed 's/;$//; s/;/; /g')"
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
