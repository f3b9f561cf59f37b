#!/bin/sh
# Load `dragnet serve` with wrk: DNSDB API v2 rrset lookups of many names
# over keep-alive connections. bench/store_bench writes OBSERVATIONS
# synthetic observations drawn from UNIVERSE rrsets into a SQLite store
# (once, kept in OUT); NAMES of its owner names, picked with a fixed seed,
# go into a wrk Lua script that requests them in turn as
# /dnsdb/v2/lookup/rrset/name/NAME with an X-Api-Key header. The script
# prints the command, the load average before and after, and wrk's report,
# whose "Non-2xx or 3xx responses" and "Socket errors" lines count failures.
#
#   bench/api.sh
#
# Environment: UNIVERSE (default 1000000), OBSERVATIONS (3000000), NAMES
# (10000), THREADS (wrk threads, 2), CONNECTIONS (64), DURATION (seconds,
# 30), BUILD (the Release build folder, default build-api-bench), DRAGNET
# (a dragnet binary to use instead of building one), OUT (default
# bench/out/api; delete it to rebuild the store). Needs wrk and curl. Run
# it on a quiet machine: wrk shares the CPUs with the server.
set -eu

universe=${UNIVERSE:-1000000}
observations=${OBSERVATIONS:-3000000}
names=${NAMES:-10000}
threads=${THREADS:-2}
connections=${CONNECTIONS:-64}
duration=${DURATION:-30}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build-api-bench}
out=${OUT:-$top/bench/out/api}
db="$out/store.db"
keys="$out/store.keys"
mkdir -p "$out"
cd "$top"

for tool in wrk curl; do
    command -v "$tool" >/dev/null || { echo "bench/api.sh: $tool not found; install it" >&2; exit 2; }
done
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C "$build" -j 2 store_bench >/dev/null
if [ -z "${DRAGNET:-}" ]; then
    ninja -C "$build" -j 2 dragnet >/dev/null
fi
dragnet=${DRAGNET:-$build/dragnet}

if [ ! -f "$out/.done" ]; then
    rm -f "$db" "$db-wal" "$db-shm" "$keys"
    "$build/bench/store_bench" --store "$db" --no-lookups -n "$observations" \
        --universe "$universe" --zipf 0.3 --flush 1000000 --seed 1 >"$out/store.md"
    touch "$out/.done"
fi

# The names to look up, and a key to send.
python3 - "$db" "$names" "$out/names.lua" <<'EOF'
import random, sqlite3, sys
db, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
owners = sorted(r[0] for r in con.execute("SELECT DISTINCT rrname FROM rrset"))
picked = random.Random(1).sample(owners, min(n, len(owners)))
with open(path, "w") as f:
    f.write("names = {\n")
    for name in picked:
        f.write('  "%s",\n' % name.replace("\\", "\\\\").replace('"', '\\"'))
    f.write("}\n")
EOF
rm -f "$keys"
key=$("$dragnet" apikey add -q --db "$db" --keys "$keys" --name bench)

cat >"$out/lookup.lua" <<EOF
dofile("$out/names.lua")
local key = "$key"
local i = 0
function init(args)
    i = math.random(#names)
end
function request()
    i = i % #names + 1
    return wrk.format("GET", "/dnsdb/v2/lookup/rrset/name/" .. names[i],
                      {["X-Api-Key"] = key})
end
EOF

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$dragnet" serve -q --db "$db" --keys "$keys" --listen "127.0.0.1:$port" 2>"$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/dnsdb/v2/ping" >/dev/null && break
    sleep 0.1
done
url="http://127.0.0.1:$port"
# One response in full, to show what is measured.
curl -s -H "X-Api-Key: $key" "$url/dnsdb/v2/lookup/rrset/name/$(sed -n 2p "$out/names.lua" |
    tr -d ' ",')" | head -3

# A short warm-up fills SQLite's page cache, then the run that counts.
wrk -t "$threads" -c "$connections" -d 5 -s "$out/lookup.lua" "$url" >/dev/null
# CPU seconds the server has used (user + system), from /proc.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server/stat"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t $threads -c $connections -d ${duration}s -s lookup.lua --latency $url"
before=$(cpu)
wrk -t "$threads" -c "$connections" -d "$duration" -s "$out/lookup.lua" --latency "$url" |
    tee "$out/wrk.txt"
after=$(cpu)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v b="$before" -v a="$after" '/^Requests\/sec/ { rps = $2 } /requests in/ { n = $1 }
    END { printf "server CPU: %.1f s for %d requests, %.0f requests per CPU second\n",
          a - b, n, n / (a - b) }' "$out/wrk.txt"
