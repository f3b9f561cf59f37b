#!/bin/sh
# Set up dragnet on Debian 12 and run the demo or the whole test suite.
#
#   tools/setup.sh demo   install missing build packages, build, ingest the
#                         sample captures, logs and exports, run example
#                         lookups, and map the sample world (report on
#                         standard output, graph files in build/map/)
#   tools/setup.sh test   install missing build and test packages, build the
#                         normal and the sanitizer/fuzzing configurations,
#                         run every test in both
#
# Run it as root or as a user who may use sudo; packages are installed with
# apt-get only when missing.
set -eu

mode=${1:-}
case "$mode" in
demo | test) ;;
*)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

build_packages="build-essential cmake ninja-build pkg-config libknot-dev libpcap-dev
    libsqlite3-dev libjansson-dev libzstd-dev zlib1g-dev libxxhash-dev libidn2-dev libunistring-dev
    libcurl4-openssl-dev libpsl-dev libfstrm-dev libprotobuf-c-dev protobuf-c-compiler
    golang-github-dnstap-golang-dnstap-dev libmaxminddb-dev libssl-dev libmicrohttpd-dev nodejs"
# tshark, editcap and mergecap are test oracles; clang and its runtime build
# the sanitizer and libFuzzer configuration. The ClickHouse tests start their
# own clickhouse-server processes on loopback; ZooKeeper (it brings a Java
# runtime) serves the tests of replicated ClickHouse tables. mmdblookup
# (mmdb-bin) is the oracle of the MMDB import tests, and the openssl binary
# and pyca/cryptography (python3-cryptography) those of the certificate
# tests; openssl s_server serves them TLS. Graphviz's dot, xmllint and
# NetworkX read back the graph files `dragnet map` writes. Knot DNS with its
# dnstap module, Unbound, kdig and dnstap-ldns produce and check real dnstap.
# Chromium runs the web view's browser tests (driven by playwright-core from npm).
test_packages="libcmocka-dev python3 tshark zstd clang libclang-rt-14-dev clickhouse-server
    zookeeper knot knot-module-dnstap knot-dnsutils unbound dnstap-ldns fstrm-bin mmdb-bin dnsdbq wrk
    openssl python3-cryptography graphviz libxml2-utils python3-networkx chromium"

packages=$build_packages
[ "$mode" = test ] && packages="$packages $test_packages"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    as_root=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "setup: need root or sudo to install:$missing" >&2
            exit 1
        }
        as_root="sudo"
    fi
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

jobs=$(nproc 2>/dev/null || echo 2)

# Node.js builds the web view (web/build.sh bundles the npm packages into web/dist).
# NodeSource's nodejs package brings npm; Debian's own nodejs needs the npm
# package, which conflicts with NodeSource's, so it is installed only when npm is missing.
if ! command -v npm >/dev/null; then
    echo "setup: installing Debian's npm for the web view"
    root=""
    [ "$(id -u)" -ne 0 ] && root="sudo"
    $root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm ||
        echo "setup: npm could not be installed" >&2
fi
echo "setup: bundling the web view into web/dist"
if command -v npm >/dev/null && (cd web && npm ci --no-audit --no-fund --loglevel=error) &&
    web/build.sh; then
    :
elif [ "$mode" = demo ]; then
    # The demo does not need the web view; dragnet serve then reports the missing files.
    echo "setup: the web view was not built; the demo goes on without it" >&2
else
    echo "setup: building the web view failed (it needs Node.js 20 or later and npm)" >&2
    exit 1
fi

echo "setup: building build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j "$jobs"

if [ "$mode" = demo ]; then
    db=build/demo.db
    rm -f "$db" "$db-wal" "$db-shm"
    set -x
    build/dragnet ingest --db "$db" samples/dnscap-resolver.pcap
    build/dragnet ingest --db "$db" --source resolver samples/phishing-campaign.pcap.gz
    build/dragnet ingest --db "$db" --source branch-zeek samples/branch-office.dns.log
    build/dragnet ingest --db "$db" --source acme-pdns samples/provider-export.json
    build/dragnet ingest --db "$db" --source resolver-tap samples/resolver-tap.fstrm
    build/dragnet pdns --db "$db" login.paypa1-secure.example -t A
    build/dragnet pdns --db "$db" login.paypa1-secure.example -t A --source acme-pdns
    build/dragnet pdns --db "$db" 203.0.113.0/24 --min-sources 2
    build/dragnet pdns --db "$db" '*.paypa1-secure.example' --last-after 2024-03-01
    build/dragnet pdns --db "$db" --negative '*.example'
    build/dragnet whois --import --db "$db" --source registrar-archive samples/whois
    build/dragnet whois --db "$db" --history paypa1-secure.example
    build/dragnet whois --db "$db" --reverse phone='+44 20 7946 0555'
    build/dragnet registrants correlate --db "$db" paypa1-secure.example account-crestline22.example
    samples/certs/make_shared_issuer.sh build/shared-issuer.pem
    build/dragnet ingest --db "$db" --source cert-scan build/shared-issuer.pem
    build/dragnet cert --db "$db" --issuer 'O=Blue Lantern Hosting' --limit 3
    build/dragnet cert patterns --db "$db"
    build/dragnet stats --db "$db"
    # The map: the sample world (samples/world: a capture, WHOIS, certificates
    # and an ip2asn table with six operators among benign noise) in a store of
    # its own, mapped from one operator's domain with the world's own
    # shared providers added to the built-in list, so the seed's cluster
    # holds only that operator's domains. The graph files go to build/map/
    # next to the report.
    world_db=build/world.db
    rm -f "$world_db" "$world_db-wal" "$world_db-shm"
    build/dragnet ingest -q --db "$world_db" --source world-capture \
        samples/world/captures/dns.pcap.gz
    build/dragnet ingest -q --db "$world_db" --source world-certs samples/world/certs/*.pem
    build/dragnet whois --import -q --db "$world_db" --source world-whois samples/world/whois
    build/dragnet asn --load -q --db "$world_db" samples/world/asn/ip2asn.tsv
    build/dragnet map --db "$world_db" --depth 3 --output-dir build/map \
        --shared-list samples/world/shared-infra.txt auth-lakeside96.example
    exit 0
fi

echo "setup: building build-san/ (clang, AddressSanitizer, UndefinedBehaviorSanitizer, libFuzzer)"
CC=clang cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDRAGNET_SANITIZE=ON -DDRAGNET_FUZZ=ON >/dev/null
ninja -C build-san -j "$jobs"

status=0
echo "setup: running the test suite (build/)"
ctest --test-dir build --output-on-failure -j "$jobs" || status=1
echo "setup: running the test suite under ASan and UBSan, and the fuzzers (build-san/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-san --output-on-failure -j "$jobs" || status=1
exit $status
