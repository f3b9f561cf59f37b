#!/bin/sh
# Benchmark the IP-to-ASN lookup table. bench_asn_lookup builds a table of
# generated ranges: the IPv4 space cut into V4 ranges as ip2asn files cut
# it, and V6 random /32 to /48 prefixes in 2000::/4. It then times LOOKUPS
# lookups of random addresses per family on one thread. Prints a Markdown
# table; the figures in docs/benchmarks.md come from it.
#
#   bench/asn.sh [ip2asn-file]    with a file, its ranges instead
#
# Environment: V4 (default 500000), V6 (default 200000), LOOKUPS (default
# 20000000), ROUNDS (default 3), BUILD (default build-bench, configured
# as Release). Run it on a quiet machine.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build-bench}
rounds=${ROUNDS:-3}
cd "$top"

if [ ! -f "$build/build.ninja" ]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
fi
ninja -C "$build" bench_asn_lookup >/dev/null

set -- ${1:+--ip2asn "$1"}
echo "| round | ranges | segments | build s | IPv4 million lookups/s | IPv6 million lookups/s |"
echo "|---|---|---|---|---|---|"
i=1
while [ "$i" -le "$rounds" ]; do
    "$build/bench/bench_asn_lookup" --v4 "${V4:-500000}" --v6 "${V6:-200000}" \
        --lookups "${LOOKUPS:-20000000}" "$@" |
        awk -v round="$i" -F '\t' '
            $1 == "build" { split($2, r, " "); split($3, s, " "); split($4, b, " ") }
            $1 == "ipv4" { split($4, v4, " ") }
            $1 == "ipv6" { split($4, v6, " ") }
            END { printf "| %d | %s | %s | %s | %s | %s |\n", round, r[1], s[1], b[1], v4[1], v6[1] }'
    i=$((i + 1))
done
