#!/bin/sh
# Benchmark WHOIS parsing and storing: `dragnet whois --import` of N
# generated responses (nine in ten WHOIS text, one in ten RDAP JSON), one file
# each, into a new SQLite store. Prints a Markdown table; the figures in
# docs/benchmarks.md come from it.
#
#   bench/whois.sh [N]        default 100000
#
# Environment: ROUNDS (default 3), INPUT (generated or corpus, below). Needs time(1). Writes into
# bench/out/whois/ (ignored by git). Run it on a quiet machine.
set -eu

n=${1:-100000}
rounds=${ROUNDS:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/out/whois"
build="$top/build-bench"
mkdir -p "$out"
cd "$top"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C "$build" dragnet >/dev/null
dragnet="$build/dragnet"

# INPUT=generated (default): responses written by gen_whois.py, every
# contact public and the admin contact distinct, the most index values per
# record. INPUT=corpus: copies of the shared corpus's real responses.
kind=${INPUT:-generated}
corpus=${DRAGNET_CORPUS:-$top/../shared/corpus}
inputs="$out/$kind-$n"
if [ ! -f "$inputs/.done" ]; then
    rm -rf "$inputs"
    if [ "$kind" = corpus ]; then
        python3 bench/gen_whois.py --from-corpus "$corpus" "$inputs" "$n"
    else
        python3 bench/gen_whois.py "$inputs" "$n"
    fi
    touch "$inputs/.done"
fi
bytes=$(du -sb --exclude=.done "$inputs" | cut -f1)

median() {
    sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# Warm the page cache so that every round reads the files from memory.
find "$inputs" -type f -exec cat {} + >/dev/null

: >"$out/rounds"
i=0
while [ "$i" -lt "$rounds" ]; do
    rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
    # Start each round with the previous round's writes on disk and its
    # deleted store's blocks released: without this, the kernel does that
    # work during the next round and adds 0.2 to 0.5 s of system time to it.
    sync
    sleep 5
    /usr/bin/time -f '%e %U %S %M' -o "$out/time" \
        "$dragnet" whois --import -q --db "$out/bench.db" "$inputs" || true
    cat "$out/time" >>"$out/rounds"
    i=$((i + 1))
done

wall=$(cut -d' ' -f1 "$out/rounds" | median)
cpu=$(awk '{print $2 + $3}' "$out/rounds" | median)
rss=$(cut -d' ' -f4 "$out/rounds" | median)
db=$(du -b "$out/bench.db" | cut -f1)

echo "| measure | result |"
echo "| --- | --- |"
echo "| responses | $n, $kind ($(awk -v b="$bytes" 'BEGIN {printf "%.0f MB", b / 1e6}')) |"
echo "| import, wall (median of $rounds) | ${wall} s: $(awk -v n="$n" -v t="$wall" 'BEGIN {printf "%.0f", n / t}') records/s |"
echo "| import, CPU (user + system) | ${cpu} s: $(awk -v n="$n" -v t="$cpu" 'BEGIN {printf "%.0f", n / t}') records/s per core |"
echo "| peak RSS | $((rss / 1024)) MiB |"
echo "| store | $(awk -v b="$db" 'BEGIN {printf "%.0f MB", b / 1e6}') |"
echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |"
