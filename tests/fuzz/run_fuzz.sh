#!/bin/sh
# Run one libFuzzer target for a fixed time: replay saved regression inputs,
# take the seeds kept in seeds/TARGET or build them from the shared corpus
# captures (when present), then fuzz.
# Usage: run_fuzz.sh FUZZER SECONDS WORKDIR
set -eu
fuzzer=$1
seconds=$2
work=$3
name=$(basename "$fuzzer")
regressions="$FUZZ_SOURCE_DIR/regressions/$name"

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"

if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    echo "$name: replaying $(ls "$regressions" | wc -l) regression inputs"
    "$fuzzer" -runs=0 "$regressions"
fi

# The file reader also starts from the bundled samples, corpus or not.
if [ "$name" = fuzz_input ]; then
    python3 "$FUZZ_SOURCE_DIR/make_seeds.py" "$FUZZ_SOURCE_DIR/../../samples" "$name" "$work/corpus"
    # dnstap files and text logs reach the same reader.
    if [ -n "${DRAGNET_CORPUS:-}" ] && [ -d "$DRAGNET_CORPUS/dnstap" ]; then
        i=0
        for f in "$DRAGNET_CORPUS"/dnstap/*/* "$DRAGNET_CORPUS"/zeek/btest/*.log \
            "$DRAGNET_CORPUS"/suricata/eve/surevego-eve_broken.json; do
            [ -f "$f" ] || continue
            i=$((i + 1))
            head -c 65536 "$f" >"$work/corpus/text-or-dnstap-$i"
        done
    fi
fi

# The RDAP parser also starts from the corpus's RDAP responses of up to 64 KiB.
if [ "$name" = fuzz_rdap ] && [ -n "${DRAGNET_CORPUS:-}" ] && [ -d "$DRAGNET_CORPUS/rdap" ]; then
    i=0
    for f in $(find "$DRAGNET_CORPUS/rdap" -name '*.json' -size -65k | sort); do
        i=$((i + 1))
        cp "$f" "$work/corpus/rdap-$i.json"
    done
    echo "$name: $i seeds from $DRAGNET_CORPUS/rdap"
fi

# A target whose input is not a capture starts from seeds kept in the tree.
if [ "$name" = fuzz_mmdb ] && [ -n "${DRAGNET_CORPUS:-}" ] && [ -d "$DRAGNET_CORPUS/asn" ]; then
    i=0
    for f in $(find "$DRAGNET_CORPUS/asn" -name '*.mmdb' -size -65k | sort); do
        i=$((i + 1))
        cp "$f" "$work/corpus/mmdb-$i"
    done
    echo "$name: $i seeds from $DRAGNET_CORPUS/asn"
fi

if [ -d "$FUZZ_SOURCE_DIR/seeds/$name" ]; then
    echo "$name: $(ls "$FUZZ_SOURCE_DIR/seeds/$name" | wc -l) seeds from the tree"
    cp "$FUZZ_SOURCE_DIR/seeds/$name"/* "$work/corpus/"
elif [ -n "${DRAGNET_CORPUS:-}" ] && [ -d "$DRAGNET_CORPUS/pcap" ]; then
    python3 "$FUZZ_SOURCE_DIR/make_seeds.py" "$DRAGNET_CORPUS/pcap" "$name" "$work/corpus"
else
    echo "$name: shared corpus not found; fuzzing from an empty seed set"
fi

echo "$name: fuzzing for $seconds s"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus"
