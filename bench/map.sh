#!/bin/sh
# Time `dragnet map --depth 3` in a big SQLite store. The store is built once
# in bench/out/map/ and kept for later runs. bench/store_bench writes
# OBSERVATIONS synthetic pDNS observations drawn from UNIVERSE rrsets, which
# belong to universe / 10 zones (the registrable domains) and
# universe * 2 / 5 host names. A world of tools/gen_world.py (operators with
# WHOIS, certificates and an ASN table, and benign noise) is ingested on
# top, so that the seeds have every kind of pivot. The script then maps from
# each operator's seed domain of the world and from a few host names of the
# synthetic store, RUNS times each. It prints a Markdown table of the median
# wall time and the largest maximum RSS, both from /usr/bin/time -v.
# With the defaults, building the store took 894 s on 2 vCPUs under other
# load and left a 2.1 GB file of 9.26 million rrsets.
#
#   bench/map.sh
#
# Environment: UNIVERSE (default 10000000, which makes 1,000,000 zones),
# OBSERVATIONS (30000000), ZIPF (0.3, flat, so that most of the universe is
# stored), FLUSH (5000000), RUNS (5), DEPTH (3), FORMAT (text: the format
# timed; one more JSON run gives the counts), BUILD (the Release build
# folder, default build-bench). Needs python3-cryptography for the world
# and sqlite3 for the store's seeds. OUT (default bench/out/map) is the
# folder of the store; delete it to rebuild the store after changing these.
# Run it on a quiet machine.
set -eu

universe=${UNIVERSE:-10000000}
observations=${OBSERVATIONS:-30000000}
zipf=${ZIPF:-0.3}
flush=${FLUSH:-5000000}
runs=${RUNS:-5}
depth=${DEPTH:-3}
format=${FORMAT:-text}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build-bench}
out=${OUT:-$top/bench/out/map}
db="$out/store.db"
mkdir -p "$out"
cd "$top"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C "$build" dragnet store_bench >/dev/null
dragnet="$build/dragnet"

if [ ! -f "$out/.done" ]; then
    rm -f "$db" "$db-wal" "$db-shm"
    start=$(date +%s)
    "$build/bench/store_bench" --store "$db" --no-lookups -n "$observations" \
        --universe "$universe" --zipf "$zipf" --flush "$flush" --seed 1 \
        --summary "$out/store.summary" >"$out/store.md"
    python3 tools/gen_world.py "$out/world" --seed 3 --domains 12 --noise 2000 \
        --ring --blue-lantern 340 >/dev/null
    "$dragnet" ingest -q --db "$db" --source world-capture "$out/world/captures/dns.pcap.gz"
    "$dragnet" ingest -q --db "$db" "$out/world/certs/"*.pem
    "$dragnet" whois --import -q --db "$db" "$out/world/whois"
    "$dragnet" asn --load -q --db "$db" "$out/world/asn/ip2asn.tsv"
    echo "$(($(date +%s) - start))" >"$out/build-seconds"
    touch "$out/.done"
fi

if ! "$dragnet" map --help >/dev/null 2>&1; then
    echo "bench/map.sh: $dragnet has no map command; the store is ready in $db" >&2
    exit 1
fi

# Seeds: the world's operators, then host names of the synthetic store's A
# records, taken at fixed row numbers so that every run maps the same names.
# Each seed is written LABEL=NAME.
seeds=$(python3 -c 'import json, sys
truth = json.load(open(sys.argv[1]))
print(" ".join(name + "=" + truth["seeds"][name] for name in sorted(truth["seeds"])))' \
    "$out/world/truth.json")
rows=$(sqlite3 "$db" "SELECT count(*) FROM rrset")
for fraction in 7 31 63; do
    name=$(sqlite3 "$db" "SELECT rrname FROM rrset WHERE rrtype = 1 AND id >= $((rows * fraction / 100))
        ORDER BY id LIMIT 1")
    seeds="$seeds store=${name%.}"
done

names=$(sqlite3 "$db" "SELECT count(DISTINCT rrname) FROM rrset")
echo "Store: $rows rrsets of $names owner names ($(sed -n 's/^stored_rrsets=//p' "$out/store.summary") from store_bench), built in $(cat "$out/build-seconds") s."
echo
echo "| seed | from | nodes | edges | clusters | median wall ms | max RSS MiB |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
for labelled in $seeds; do
    label=${labelled%%=*}
    seed=${labelled#*=}
    : >"$out/times"
    i=0
    while [ "$i" -lt "$runs" ]; do
        /usr/bin/time -v -o "$out/time.txt" "$dragnet" map "$seed" --depth "$depth" \
            --format "$format" --store "$db" >"$out/map.out" 2>"$out/map.err" || true
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time.txt")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time.txt")
        echo "$wall $rss" | awk '{n = split($1, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k];
            printf "%.0f %d\n", s * 1000, $2}' >>"$out/times"
        i=$((i + 1))
    done
    # One more run in JSON, untimed, for the node, edge and cluster counts.
    "$dragnet" map "$seed" --depth "$depth" --format json --store "$db" >"$out/map.json" \
        2>"$out/map.err" || true
    counts=$(python3 -c 'import json, sys
try:
    doc = json.load(open(sys.argv[1]))
    print(len(doc["nodes"]), len(doc["edges"]), len(doc["clusters"]))
except (ValueError, KeyError):
    print("error error error")' "$out/map.json")
    median=$(cut -d' ' -f1 "$out/times" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
    rss=$(cut -d' ' -f2 "$out/times" | sort -n | tail -1)
    set -- $counts
    echo "| $seed | $label | $1 | $2 | $3 | $median | $((rss / 1024)) |"
done
