#!/bin/sh
# Benchmark the dnstap and log inputs on generated files and print a Markdown
# report; the feed figures in docs/benchmarks.md come from this script. It
# times `dragnet ingest` of a dnstap file, of a Zeek dns.log and of a
# Suricata eve.json, with dnstap-ldns and jq reading the same files as
# reference points. Then it feeds `dragnet capture --dnstap` frames at
# fixed rates and counts the frames lost.
#
#   bench/feeds.sh [FRAMES]        default 2000000
#
# Environment:
#   ROUNDS          interleaved rounds of the file ingests (default 5)
#   LISTEN_ROUNDS   rounds of the listener runs (default 3)
#   RATES           listener rates in frames/s (default "200000 300000 400000")
#   TRANSPORTS      how the sender reaches the listener (default "unix tcp")
#   LISTEN_SECONDS  how long each rate is held (default 10)
#   LONG_SECONDS    one more run per transport at the first rate, this long,
#                   so that the listener's default 60 s flushes happen
#                   during it; 0 skips it (default 130)
#   PARTS           the parts to run (default "files listener profile")
#
# Needs dnstap-ldns, jq, taskset, time(1) and, for the profiles, linux-perf.
# The listener runs on CPU 0 and the sender on CPU 1, so the machine needs
# two CPUs. The sender runs under chrt -f 10 when that is allowed, so that
# a late wake-up of the sender is not counted against the listener. Writes
# into bench/out/feeds/ (ignored by git). Run it on a quiet machine: other
# load moves every figure, and on the listener's CPU it causes drops.
set -eu

frames=${1:-2000000}
rounds=${ROUNDS:-5}
listen_rounds=${LISTEN_ROUNDS:-3}
rates=${RATES:-"200000 300000 400000"}
transports=${TRANSPORTS:-"unix tcp"}
listen_seconds=${LISTEN_SECONDS:-10}
long_seconds=${LONG_SECONDS:-130}
parts=${PARTS:-"files listener profile"}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/out/feeds"
build="$top/build-bench"
mkdir -p "$out"
cd "$top"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C "$build" dragnet gen_dnstap dnstap_send >/dev/null
dragnet="$build/dragnet"
sender="$build/bench/dnstap_send"

dnstap="$out/dnstap-$frames.fstrm"
zeek="$out/dns-$frames.log"
eve="$out/eve-$frames.json"
truth="$out/dnstap-$frames.truth"
summary="$out/gen-$frames.txt"
if [ ! -s "$dnstap" ] || [ ! -s "$zeek" ] || [ ! -s "$eve" ] || [ ! -s "$truth" ] ||
    [ ! -s "$summary" ]; then
    "$build/bench/gen_dnstap" -o "$dnstap" -n "$frames" --seed 1 --zeek "$zeek" --eve "$eve" \
        --truth "$truth" 2>"$summary"
fi
zeek_lines=$(grep -vc '^#' "$zeek")
eve_lines=$(wc -l <"$eve")

capture_pid=
cleanup() {
    if [ -n "$capture_pid" ]; then
        kill -INT "$capture_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# ---- Helpers ----

want() {
    case " $parts " in *" $1 "*) return 0 ;; esac
    return 1
}

median() {
    sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

new_db() {
    rm -f "$out/$1.db" "$out/$1.db-wal" "$out/$1.db-shm"
}

# Runs a command and prints "SECONDS PEAK_RSS_KB" of the whole process.
timed() {
    log=$1
    shift
    /usr/bin/time -f '%e %M' -o "$out/time" "$@" >/dev/null 2>"$log"
    cat "$out/time"
}

# Runs a command and prints its wall-clock seconds.
wall() {
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f", e - s}'
}

load() {
    cut -d' ' -f1-3 /proc/loadavg
}

# Busy share of all CPUs over one second, from /proc/stat.
busy() {
    a=$(head -1 /proc/stat)
    sleep 1
    b=$(head -1 /proc/stat)
    printf '%s\n%s\n' "$a" "$b" |
        awk '{idle[NR] = $5 + $6; total[NR] = 0; for (i = 2; i <= NF; i++) total[NR] += $i}
            END {printf "%.0f%%", 100 * (1 - (idle[2] - idle[1]) / (total[2] - total[1]))}'
}

busiest() {
    top -b -n 2 -d 1 -o %CPU -w 200 |
        awk '/^top -/ {frame++} frame == 2 && $1 ~ /^[0-9]+$/ {print $12 " " $9 "%"}' |
        head -3 | paste -sd, | sed 's/,/, /g'
}

stored() {
    "$dragnet" stats --db "$1" -j | python3 -c 'import json, sys
s = json.load(sys.stdin)
print(s["rrsets"], "records and", s["negatives"], "negative answers")'
}

# A log format is measured only once its parser turns lines into records:
# until then the placeholder parser reports every line as unsupported.
parser_works() {
    head -2000 "$1" >"$out/probe.$2"
    records=$("$dragnet" ingest --dry-run "$out/probe.$2" 2>&1 |
        sed -n 's/.* \([0-9]*\) records read.*/\1/p' | head -1)
    rm -f "$out/probe.$2"
    [ "${records:-0}" -gt 0 ]
}
zeek_ok=false
eve_ok=false
if parser_works "$zeek" log; then zeek_ok=true; fi
if parser_works "$eve" json; then eve_ok=true; fi

# ---- File ingests ----

# Medians over the rounds of COUNT / column C of $out/rounds, and of column
# C itself.
rate_of() {
    awk -v c="$1" -v n="$2" '$c != "-" {printf "%.0f\n", n / $c}' "$out/rounds" | median
}
value_of() {
    awk -v c="$1" '$c != "-" {print $c}' "$out/rounds" | median
}

# One round runs every reader back to back, so that each ratio compares
# runs made under the same conditions.
run_files() {
    cat "$dnstap" "$zeek" "$eve" >/dev/null # warm the page cache
    : >"$out/rounds"
    for _ in $(seq "$rounds"); do
        ldns=$(wall dnstap-ldns -r "$dnstap")
        dry=$(timed "$out/dry.log" "$dragnet" ingest --dry-run "$dnstap")
        new_db dnstap
        whole=$(timed "$out/dnstap.log" "$dragnet" ingest --db "$out/dnstap.db" "$dnstap")
        zeek_t="- -"
        eve_t="- -"
        jq_t="-"
        if $zeek_ok; then
            new_db zeek
            zeek_t=$(timed "$out/zeek.log" "$dragnet" ingest --db "$out/zeek.db" "$zeek")
        fi
        if $eve_ok; then
            new_db eve
            eve_t=$(timed "$out/eve.log" "$dragnet" ingest --db "$out/eve.db" "$eve")
            jq_t=$(wall jq -c . "$eve")
        fi
        echo "$ldns $dry $whole $zeek_t $eve_t $jq_t" >>"$out/rounds"
    done
}

report_files() {
    echo "### File ingests, median of $rounds interleaved rounds"
    echo
    echo "| step | input | rate | peak RSS |"
    echo "| --- | --- | --- | --- |"
    echo "| \`dnstap-ldns -r FILE >/dev/null\` | dnstap | $(rate_of 1 "$frames") frames/s | |"
    echo "| \`dragnet ingest --dry-run\` | dnstap | $(rate_of 2 "$frames") frames/s |" \
        "$(value_of 3) KB |"
    echo "| \`dragnet ingest --db\` (new SQLite file), whole process | dnstap |" \
        "$(rate_of 4 "$frames") frames/s | $(value_of 5) KB |"
    if $zeek_ok; then
        echo "| \`dragnet ingest --db\`, whole process | Zeek dns.log |" \
            "$(rate_of 6 "$zeek_lines") lines/s | $(value_of 7) KB |"
    else
        echo "| Zeek dns.log | not measured: the parser turned no line into a record | | |"
    fi
    if $eve_ok; then
        echo "| \`dragnet ingest --db\`, whole process | eve.json |" \
            "$(rate_of 8 "$eve_lines") lines/s | $(value_of 9) KB |"
        echo "| \`jq -c . FILE >/dev/null\` | eve.json | $(rate_of 10 "$eve_lines") lines/s | |"
    else
        echo "| eve.json | not measured: the parser turned no line into a record | | |"
    fi

    echo
    echo "Per-round seconds and peak RSS in KB (dnstap-ldns; dry run, RSS; ingest, RSS;" \
        "Zeek, RSS; eve, RSS; jq):"
    echo
    sed 's/^/    /' "$out/rounds"

    echo
    echo "Last dnstap ingest:"
    echo
    echo '```'
    cat "$out/dnstap.log"
    echo '```'

    echo
    echo "- check against the generator's expected records:" \
        "$(python3 "$top/bench/check_truth.py" "$out/dnstap.db" "$truth" | head -1)"
    for kind in zeek eve; do
        if [ -s "$out/$kind.log" ] && [ -s "$out/$kind.db" ]; then
            echo "- last $kind ingest: $(grep ' lines (' "$out/$kind.log" | sed 's/^.*: //');" \
                "stored $(stored "$out/$kind.db")"
        fi
    done
    echo
}

# ---- The listener ----

chrt_cmd=
if chrt -f 10 true 2>/dev/null; then
    chrt_cmd="chrt -f 10"
fi
port=$((20000 + $$ % 20000))

# One listener run: TRANSPORT RATE SECONDS. RATE 0 sends FRAMES x 3 frames
# as fast as the listener reads them. Appends one line to $out/listen:
# transport rate offered sent dropped dropped_writing dropped_asleep
# longest_write_ms send_seconds received cpu_seconds
listen_once() {
    transport=$1
    run_rate=$2
    run_seconds=$3
    socket="$out/dnstap.sock"
    if [ "$transport" = unix ]; then
        address="unix:$socket"
        target="-u $socket"
    else
        address="tcp:127.0.0.1:$port"
        target="-a 127.0.0.1 -p $port"
    fi

    new_db listen
    rm -f "$socket"
    taskset -c 0 "$dragnet" capture --dnstap "$address" --db "$out/listen.db" \
        >"$out/capture.log" 2>&1 &
    capture_pid=$!
    until grep -q 'listening for dnstap' "$out/capture.log"; do
        if ! kill -0 "$capture_pid" 2>/dev/null; then
            cat "$out/capture.log" >&2
            exit 1
        fi
        sleep 0.05
    done

    if [ "$run_rate" = 0 ]; then
        amount="--frames $((frames * 3))"
    else
        amount="--rate $run_rate --seconds $run_seconds"
    fi
    # dnstap_send exits 1 when it dropped frames; the report counts them.
    # shellcheck disable=SC2086 # $chrt_cmd, $target and $amount are word lists
    $chrt_cmd taskset -c 1 "$sender" -r "$dnstap" $target $amount >"$out/send.log" || true
    sleep 1 # let the pipeline finish the frames already received

    cpu=$(awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' \
        "/proc/$capture_pid/stat")
    kill -INT "$capture_pid"
    wait "$capture_pid" || true
    capture_pid=

    received=$(sed -n 's/.*: \([0-9]*\) dnstap frames (.*/\1/p' "$out/capture.log" | tail -1)
    sed -n 's/^dnstap_send: \([0-9]*\) frames offered at [0-9]*\/s, \([0-9]*\) sent, \([0-9]*\) dropped (queue of [0-9]* frames full; \([0-9]*\) while writing, \([0-9]*\) while asleep); sent in \([0-9.]*\) s, .*longest write \([0-9.]*\) ms.*/\1 \2 \3 \4 \5 \7 \6/p' \
        "$out/send.log" | {
        read -r offered sent dropped writing asleep longest send_time
        echo "$transport $run_rate $offered $sent $dropped $writing $asleep $longest" \
            "$send_time ${received:-0} $cpu" >>"$out/listen"
    }
}

run_listener() {
    : >"$out/listen"
    for _ in $(seq "$listen_rounds"); do
        for t in $transports; do
            for r in $rates 0; do
                listen_once "$t" "$r" "$listen_seconds"
            done
        done
    done
    : >"$out/listen.long"
    if [ "$long_seconds" -gt 0 ]; then
        for t in $transports; do
            listen_once "$t" "${rates%% *}" "$long_seconds"
            echo "$(tail -1 "$out/listen")" \
                "$(grep -o 'in [0-9]* flush[es]*' "$out/capture.log" | head -1)" \
                >>"$out/listen.long"
            sed -i '$d' "$out/listen"
        done
    fi
}

percent_dropped() {
    awk '{printf "%.4f\n", 100 * $5 / $3}' "$1"
}

report_listener() {
    echo "### dnstap listener, $listen_rounds rounds"
    echo
    echo "\`taskset -c 0 dragnet capture --dnstap unix:SOCKET|tcp:127.0.0.1:PORT --db FILE\`," \
        "fed by \`${chrt_cmd:+$chrt_cmd }taskset -c 1 dnstap_send --rate R --seconds" \
        "$listen_seconds\` (queue of 512 frames, writes of up to 64 frames once 32 wait)."
    echo
    echo "| transport | offered rate | dropped by the sender, median (max) |" \
        "received = sent in every round | listener CPU, median | CPU per frame |"
    echo "| --- | --- | --- | --- | --- | --- |"

    for t in $transports; do
        for r in $rates 0; do
            awk -v t="$t" -v r="$r" '$1 == t && $2 == r' "$out/listen" >"$out/listen.rate"
            same=$(awk '$4 != $10 {bad = 1} END {print bad ? "**no**" : "yes"}' \
                "$out/listen.rate")
            per=$(awk '{printf "%.2f\n", 1e6 * $11 / $4}' "$out/listen.rate" | median)
            if [ "$r" = 0 ]; then
                max_rate=$(awk '{printf "%.0f\n", $4 / $9}' "$out/listen.rate" | median)
                echo "| $t | unpaced, $((frames * 3)) frames: $max_rate frames/s |" \
                    "none (no queue) | $same | | $per µs |"
                continue
            fi
            drop=$(percent_dropped "$out/listen.rate" | median)
            drop_max=$(percent_dropped "$out/listen.rate" | sort -n | tail -1)
            cpu=$(awk -v s="$listen_seconds" '{printf "%.1f\n", 100 * $11 / s}' \
                "$out/listen.rate" | median)
            echo "| $t | $r frames/s | $drop% ($drop_max%) | $same | $cpu% of CPU 0 |" \
                "$per µs |"
        done
    done

    echo
    echo "- unpaced, the rate is that of the sender's writes (median), which the listener" \
        "slows down once its 32 MiB queue is full: its reading and decoding rate on one CPU."
    echo "- per run (transport, rate, offered, sent, dropped, of which while writing and" \
        "while asleep, longest write in ms, seconds sending, received, listener CPU seconds):"
    echo
    sed 's/^/    /' "$out/listen"

    if [ -s "$out/listen.long" ]; then
        echo
        while read -r lt lr lo ls ld lw la lmax _ lrecv lcpu lflushes; do
            echo "- $long_seconds s at $lr frames/s over $lt with the default 60 s flush" \
                "interval (written $lflushes): $lo offered, $ls sent, $ld dropped ($lw while" \
                "writing, $la while asleep), $lrecv received, longest write $lmax ms," \
                "listener CPU $lcpu s."
        done <"$out/listen.long"
    fi
    echo
}

# ---- Profiles ----

profile() {
    name=$1
    shift
    new_db profile
    perf record -q -o "$out/perf.data" "$dragnet" ingest -q --db "$out/profile.db" "$@" \
        2>/dev/null
    echo
    echo "$name:"
    echo
    echo '```'
    perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null |
        grep -E '^ +[0-9]' | head -6
    echo
    perf report -i "$out/perf.data" --no-children --sort sym --stdio 2>/dev/null |
        grep -E '^ +[0-9]+\.[0-9]+%' | grep -v ' 0x0' | head -12
    echo '```'
}

report_profiles() {
    echo "### Where the time goes (perf, whole ingest)"
    profile "dnstap file" "$dnstap"
    if $zeek_ok; then profile "Zeek dns.log" "$zeek"; fi
    if $eve_ok; then profile "eve.json" "$eve"; fi
    echo
}

# ---- Report ----

echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)," \
    "kernel $(uname -r); load average at the start $(load); CPUs busy in the second" \
    "before: $(busy); busiest processes then: $(busiest)."
echo
echo "Input: \`gen_dnstap -n $frames --seed 1\`: $(sed 's/^gen_dnstap: //' "$summary")"
echo
if want files; then
    run_files
    report_files
fi
if want listener; then
    run_listener
    report_listener
fi
if want profile && command -v perf >/dev/null; then
    report_profiles
fi
echo "Load average at the end: $(load); CPUs busy in the second after: $(busy)."
