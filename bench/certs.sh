#!/bin/sh
# Benchmark certificate parsing and storing: `dragnet ingest` of a PEM
# bundle of N generated certificates (bench/gen_certs.c: EC P-256, five
# keys, two SANs each), first with --dry-run (read and parse only), then
# into a new SQLite store. Three bundles: self-signed certificates with key
# identifiers (as `openssl req -x509` makes them), self-signed ones without
# (gen_certs -b: the parser checks each signature), and leaves a CA issued
# (gen_certs -c). Prints the CPU time (user + system) of each and
# certificates per CPU second, the figure the target of 20,000/s per core
# is stated in.
#
#   bench/certs.sh [N]        default 100000
#
# Environment: ROUNDS (default 3), BUILD (default build-bench). Needs
# time(1). Writes into bench/out/certs/ (ignored by git).
set -eu

n=${1:-100000}
rounds=${ROUNDS:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/out/certs"
build=${BUILD:-$top/build-bench}
mkdir -p "$out"
cd "$top"

if [ ! -f "$build/build.ninja" ]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
fi
ninja -C "$build" dragnet gen_certs >/dev/null

for kind in self-signed self-signed-bare issued; do
    bundle="$out/$kind-$n.pem"
    if [ ! -f "$bundle" ]; then
        flag=""
        [ "$kind" = issued ] && flag=-c
        [ "$kind" = self-signed-bare ] && flag=-b
        "$build/bench/gen_certs" -o "$bundle.tmp" -n "$n" -k 5 $flag
        mv "$bundle.tmp" "$bundle"
    fi
done

# Print "user+sys seconds" of one run of the command.
cpu_seconds() {
    /usr/bin/time -f '%U %S' -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || {
        cat "$out/stderr" >&2
        exit 1
    }
    awk '{ printf "%.2f", $1 + $2 }' "$out/time"
}

echo "| input | step | round | CPU s | certificates/s per core |"
echo "|---|---|---|---|---|"
for kind in self-signed self-signed-bare issued; do
    bundle="$out/$kind-$n.pem"
    for round in $(seq 1 "$rounds"); do
        cpu=$(cpu_seconds "$build/dragnet" ingest -q --dry-run "$bundle")
        rate=$(awk "BEGIN { printf \"%.0f\", $n / $cpu }")
        echo "| $kind | parse (--dry-run) | $round | $cpu | $rate |"
        rm -f "$out/store.db" "$out/store.db-wal" "$out/store.db-shm"
        cpu=$(cpu_seconds "$build/dragnet" ingest -q --db "$out/store.db" "$bundle")
        rate=$(awk "BEGIN { printf \"%.0f\", $n / $cpu }")
        echo "| $kind | parse and store (SQLite) | $round | $cpu | $rate |"
    done
done
