#!/bin/sh
# Compare the store backends: the same synthetic observations written by
# bench/store_bench into a new SQLite file and into a throwaway two-shard
# ClickHouse cluster on loopback, then the same lookups on both. Prints a
# Markdown report (the figures in docs/benchmarks.md come from this script).
#
#   bench/store_run.sh [OBSERVATIONS]        default 100000000
#
# UNIVERSE (default 5000000), FLUSH (10000000), SEED (1), QUERIES (500) and
# SOURCES (2) in the environment set the store_bench options of the same
# names. Needs the packages of `tools/setup.sh test` (clickhouse-server
# among them). Writes into bench/out/store/ (ignored by git): the SQLite
# file, deleted before the cluster starts, and the cluster's data, deleted
# at the end. A run of 100 million observations left a 1 GB SQLite file and
# 4.6 GB of cluster data, most of it inactive parts that ClickHouse had not
# yet removed. The peak in between was not measured.
set -eu

observations=${1:-100000000}
universe=${UNIVERSE:-5000000}
flush=${FLUSH:-10000000}
seed=${SEED:-1}
queries=${QUERIES:-500}
sources=${SOURCES:-2}

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/out/store"
build="$top/build-bench"
mkdir -p "$out/tmp"
cd "$top"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C "$build" store_bench >/dev/null
bench="$build/bench/store_bench"
set -- -n "$observations" --universe "$universe" --flush "$flush" --seed "$seed" \
    --queries "$queries" --sources "$sources"

# value FILE KEY: the value of KEY in a key=value summary file.
value() {
    sed -n "s/^$2=//p" "$1"
}

# Other programs on the machine move every figure, and the load average at
# each step shows whether they ran.
load() {
    echo "$1: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/load"
}
: >"$out/load"

# SQLite: ingest, then two lookup passes, as on the cluster.
db="$out/bench.db"
rm -f "$db" "$db-wal" "$db-shm"
load "start"
"$bench" --store "$db" --no-lookups --summary "$out/sqlite-ingest.summary" "$@" \
    >"$out/sqlite-ingest.md"
load "end of the SQLite ingest"
"$bench" --store "$db" --lookups-only --summary "$out/sqlite-lookups1.summary" "$@" \
    >"$out/sqlite-lookups1.md"
"$bench" --store "$db" --lookups-only --summary "$out/sqlite-lookups2.summary" "$@" \
    >"$out/sqlite-lookups2.md"
sqlite_bytes=$(stat -c %s "$db")
sqlite_version=$(sqlite3 --version | cut -d' ' -f1)
rm -f "$db" "$db-wal" "$db-shm"

load "end of the SQLite lookups"
TMPDIR="$out/tmp" python3 "$top/bench/store_cluster.py" "$bench" "$out" "$@"
load "end of the ClickHouse runs"

cat <<EOF
## Store backends: $observations observations

Machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),
$(free -g | awk '/^Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"),
kernel $(uname -r), $(cc --version | head -1), SQLite $sqlite_version, ClickHouse
$(value "$out/clickhouse-cluster.summary" version) (two servers on loopback).

Command: \`bench/store_run.sh $observations\` with universe $universe, flush $flush,
seed $seed, $queries queries of each kind, $sources sources, built from commit
$(git rev-parse --short HEAD) with $(git status --porcelain -- src | wc -l) files under src/ changed
or added since.

EOF

si="$out/sqlite-ingest.summary"
ci="$out/clickhouse-ingest.summary"
cc="$out/clickhouse-cluster.summary"
stored=$(value "$si" stored_rrsets)
ch_stored=$(value "$ci" stored_rrsets)
echo "| | SQLite | ClickHouse, 2 shards |"
echo "| --- | ---: | ---: |"
echo "| ingest, observations/s | $(value "$si" observations_per_s) | $(value "$ci" observations_per_s) |"
echo "| rrsets written/s (write phase) | $(value "$si" rrsets_written_per_s) | $(value "$ci" rrsets_written_per_s) |"
echo "| ingest wall seconds | $(value "$si" ingest_s) | $(value "$ci" ingest_s) |"
echo "| store_bench CPU seconds during the ingest | $(value "$si" ingest_cpu_s) | $(value "$ci" ingest_cpu_s) |"
echo "| ClickHouse server CPU seconds during the ingest | | $(value "$cc" server_cpu_ingest_s) |"
echo "| peak RSS of store_bench, KiB | $(value "$si" peak_rss_kib) | $(value "$ci" peak_rss_kib) |"
echo "| peak RSS of the servers, KiB | | $(value "$cc" server_peak_rss_kib) |"
echo "| distinct rrsets stored | $stored | $ch_stored |"
echo "| observations stored (sum of counts) | $(value "$si" stored_observations) | $(value "$ci" stored_observations) |"
echo "| bytes on disk | $sqlite_bytes | $(value "$cc" bytes_ingest) after ingest, $(value "$cc" bytes_optimized) after OPTIMIZE FINAL |"
echo "| bytes per distinct rrset | $((sqlite_bytes / stored)) | $(($(value "$cc" bytes_ingest) / ch_stored)) after ingest, $(($(value "$cc" bytes_optimized) / ch_stored)) after OPTIMIZE FINAL |"
echo
echo "Lookup latency in ms, p50 / p99 (first pass right after the ingest; second"
echo "pass after OPTIMIZE FINAL on ClickHouse and unchanged on SQLite):"
echo
echo "| lookup | SQLite pass 1 | SQLite pass 2 | ClickHouse pass 1 | ClickHouse pass 2 | mean rows |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for kind in forward wildcard reverse_ip cidr24 reverse_name; do
    cells=""
    for file in sqlite-lookups1 sqlite-lookups2 clickhouse-lookups1 clickhouse-lookups2; do
        cells="$cells | $(value "$out/$file.summary" "lookup_${kind}_p50_ms") / $(value \
            "$out/$file.summary" "lookup_${kind}_p99_ms")"
    done
    echo "| $kind$cells | $(value "$out/sqlite-lookups1.summary" "lookup_${kind}_mean_rows") |"
done
echo
echo "ClickHouse: OPTIMIZE FINAL took $(value "$cc" optimize_s) s" \
    "($(value "$cc" server_cpu_optimize_s) CPU seconds); the data directories held" \
    "$(value "$cc" data_dir_bytes) bytes at the end."
echo
echo "Load average (1, 5 and 15 minutes) during the run, as a sign of other programs:"
echo
sed 's/^/- /' "$out/load"
echo
for file in sqlite-ingest sqlite-lookups1 sqlite-lookups2 clickhouse-ingest \
    clickhouse-lookups1 clickhouse-lookups2; do
    echo "#### $file"
    echo
    sed 1,2d "$out/$file.md"
done
echo "#### ClickHouse parts"
echo
cat "$out/clickhouse-cluster.md"
