"""The store returns the same results on SQLite, on one ClickHouse server and
on a two-shard ClickHouse cluster.

First the backend-agnostic unit suite (tests/test_store in the build directory)
runs once per backend. Then the bundled samples, and the corpus captures when
present, are ingested into all three stores with the same commands, and every
lookup below, in each output format, and `stats -j` must print the same bytes
on all three."""

import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

EXIT_FOUND = 0
EXIT_NONE_FOUND = 1

# pdns lookups over the samples and the corpus, each run as a table and as
# JSON. With the corpus, each must find something on SQLite.
QUERIES = [
    # forward, exact and by type
    ["login.paypa1-secure.example"],
    ["login.paypa1-secure.example", "-t", "A"],
    ["google.com"],
    ["."],
    ["2048-a.size.dns.netmeister.org", "--limit", "0"],
    # "*.zone" and "name.*" wildcards
    ["*.paypa1-secure.example"],
    ["*.example", "--limit", "0"],
    ["*.com", "--limit", "0"],
    ["*.org", "--limit", "0"],
    ["*.net", "--limit", "0"],
    ["*.de", "--limit", "0"],
    ["*.edu", "--limit", "0"],
    ["*.arpa", "--limit", "0"],
    ["*.local", "--limit", "0"],
    ["*.no", "--limit", "0"],
    ["*.test", "--limit", "0"],
    ["www.*", "--limit", "0"],
    ["google.*"],
    ["login.*"],
    ["ns2.weberdns.*"],
    # reverse by address, prefix and range
    ["203.0.113.10"],
    ["203.0.113.0/24"],
    ["--rdata", "0.0.0.0/0", "--limit", "0"],
    ["--rdata", "::/0", "--limit", "0"],
    ["--rdata", "2001:db8::/32"],
    ["198.51.100.0-203.0.113.255", "--limit", "0"],
    ["127.0.0.0/8", "--limit", "0"],
    # reverse by target name
    ["--rdata", "ns1.bulletproof-dns.example"],
    ["--rdata", "*.bulletproof-dns.example"],
    ["--rdata", "ns1.*", "--limit", "0"],
    ["--rdata", "*.google.com"],
    ["--rdata", "login.paypa1-secure.example"],
    # type and bailiwick filters
    ["-t", "NS", "*.com", "--limit", "0"],
    ["-t", "AAAA", "*.de"],
    ["-t", "RRSIG", "*.de"],
    ["-t", "SOA", "*.edu"],
    ["-b", "upenn.edu.", "*.edu", "--limit", "0"],
    ["-b", ".", "."],
    ["-b", "weberlab.de", "*.de", "-S", "name"],
    # time fences
    ["*.paypa1-secure.example", "--first-after", "2024-02-01", "--last-before", "2024-03-01"],
    ["*.example", "--last-after", "2024-03-01", "--limit", "0"],
    ["*.com", "--first-before", "2017-01-01", "--limit", "0"],
    ["--rdata", "0.0.0.0/0", "--first-after", "2024-01-21", "--first-before", "2024-01-22"],
    # limit and offset
    ["*.example", "--limit", "5", "--offset", "3"],
    ["*.example", "--limit", "0", "--offset", "2"],
    ["--rdata", "0.0.0.0/0", "--limit", "10", "--offset", "2000"],
    ["*.org", "--limit", "3"],
    # sort orders
    ["*.org", "-S", "first", "--limit", "0"],
    ["*.org", "-S", "last", "--limit", "0"],
    ["*.org", "-S", "count", "--limit", "0"],
    ["*.org", "-S", "name", "--limit", "0"],
    ["--rdata", "0.0.0.0/0", "-S", "count", "--limit", "0"],
    ["*.example", "-S", "last", "--limit", "7", "--offset", "1"],
    # negative answers
    ["--negative", "*.paypa1-secure.example"],
    ["--negative", "*.test.com", "--limit", "0"],
    ["--negative", "*.com", "-S", "count", "--limit", "0"],
    ["--negative", "*.com", "-t", "A", "--limit", "0"],
    ["--negative", "*.com", "-S", "name", "--limit", "4", "--offset", "5"],
    ["--negative", "\\,\\.."],
]

# Lookups that find nothing, on SQLite too.
EMPTY_QUERIES = [
    ["nothing.invalid"],
    ["192.0.2.222"],
    ["--negative", "*.invalid"],
    ["*.example", "--offset", "100000"],
]

# Lookups also compared as CSV, which adds the bailiwick and sources columns.
CSV_QUERIES = [
    ["*.com", "--limit", "0", "-S", "count"],
    ["--rdata", "0.0.0.0/0", "--limit", "0"],
    ["--rdata", "*.google.com"],
    ["--negative", "*.com", "--limit", "0"],
    ["*.de", "--limit", "0", "-S", "name"],
]

# Fields of `stats -j` that name the backend or its file, or measure it.
# schema_version is numbered per backend.
BACKEND_FIELDS = re.compile(r'^\s*"(database|backend|size_bytes|schema_version)":')


def clean_env(**changes):
    """The test's environment without any store setting, and with a
    configuration file that sets nothing."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DRAGNET_DB", "DRAGNET_STORE", "DRAGNET_CONFIG", "XDG_CONFIG_HOME")}
    env["DRAGNET_CONFIG"] = os.devnull
    env.update(changes)
    return env


def server_location(hosts, database, spool, cluster=None):
    """A clickhouse:// location for the given servers, with its own spool."""
    servers = ",".join(f"{chserver.HOST}:{host.http_port}" for host in hosts)
    params = f"spool={spool}&spool_wait=0"
    if cluster is not None:
        params = f"cluster={cluster.name}&{params}"
    return f"clickhouse://{servers}/{database}?{params}"


def spool_files(root):
    found = []
    for folder, _, files in os.walk(root):
        found += [os.path.join(folder, name) for name in files]
    return found


# ---- the unit suite on each backend ----

def failed_blocks(output):
    """The output of every failed test in a cmocka run, from its RUN line to
    its FAILED line."""
    blocks = re.findall(r"^\[ RUN      \] (test_\w+)\n(.*?)^\[  FAILED  \] \1$", output,
                        re.M | re.S)
    return [f"{name}:\n{body.rstrip()}" for name, body in blocks]


def run_unit_suite(label, template, spool_root):
    """Run tests/test_store with DRAGNET_TEST_STORE=template. Returns what
    went wrong: a failed or skipped test, or a batch left in the spool."""
    binary = os.path.join(t.BUILD_DIR, "tests", "test_store")
    if not os.access(binary, os.X_OK):
        raise AssertionError(f"{binary} not found; build the tests or set DRAGNET_BUILD_DIR")
    started = time.monotonic()
    proc = subprocess.run([binary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=300,
                          env=clean_env(DRAGNET_TEST_STORE=template))
    output = proc.stdout
    problems = []
    failures = failed_blocks(output)
    if proc.returncode != 0:
        problems.append(f"test_store on {label} exited {proc.returncode}:\n" +
                        ("\n".join(failures) or output))
    ran = re.search(r"^\[==========\] (\d+) test\(s\) run\.$", output, re.M)
    if not ran or int(ran.group(1)) < 20:
        problems.append(f"test_store on {label} ran too few tests:\n{output}")
    if "[  SKIPPED ]" in output:
        problems.append(f"test_store on {label} skipped tests:\n{output}")
    left = spool_files(spool_root)
    if left:
        problems.append(f"test_store on {label} left batches in the spool: {left}")
    print(f"unit suite on {label}: {ran.group(1) if ran else '?'} tests, "
          f"{len(failures)} failed, in {time.monotonic() - started:.1f} s")
    return problems


def run_unit_suites(tmp, single, cluster):
    """The suite on SQLite, one server and the cluster, at the same time."""
    def spool(label):
        return os.path.join(tmp, f"unit-spool-{label}")
    suites = [
        ("SQLite", os.path.join(tmp, "unit-sqlite", "{n}.db"), spool("sqlite")),
        ("one ClickHouse server",
         server_location([single], "t_{n}", os.path.join(spool("single"), "{n}")),
         spool("single")),
        ("a two-shard cluster",
         server_location(cluster.shards, "t_{n}", os.path.join(spool("cluster"), "{n}"),
                         cluster=cluster),
         spool("cluster")),
    ]
    with ThreadPoolExecutor(len(suites)) as pool:
        results = pool.map(lambda suite: run_unit_suite(*suite), suites)
    return [problem for problems in results for problem in problems]


# ---- end to end ----

# Corpus captures with DNS the samples lack: DNS over TCP with a 2048-record
# answer, ports 8053 and 53000, multicast DNS and LLMNR, VLAN, SLL2, IPv6,
# IPv4 fragments, DNSSEC and rare types, and names with escapes. Each file
# is a run and a flush of its own, and a ClickHouse commit costs far more
# than a SQLite one, so the list is short.
CORPUS_CAPTURES = [
    "dnscap/dns.pcap", "dnscap/dns6.pcap", "dnscap/frags.pcap", "dnscap/sll2.pcap",
    "dnscap/vlan11.pcap",
    "go-dnscollector/dnsdump_udp_truncated+tcp_fragmented.pcap",
    "pktvisor/dns_ipv4_udp.pcap", "pktvisor/dns_ipv6_udp.pcap", "pktvisor/ecs.pcap",
    "tcpdump/dns-badcookie.pcap", "tcpdump/dns-badvers.pcap", "tcpdump/dns-uri.pcap",
    "tcpdump/dns_tcp_8053.pcap", "tcpdump/dnssec.pcap",
    "zeek/dns-spf.pcap", "zeek/dns-txt-multiple.pcap", "zeek/dns53.pcap",
    "zeek/dns_dns-wks.pcap", "zeek/dns_loc-29-trunc.pcap", "zeek/dnssec_ed25519.no.pcap",
    "zeek/dnssec_nsec3.pcap", "zeek/dnssec_rrsig.pcap", "zeek/pcapng-multi-interface.pcapng",
    "zeek/wikipedia.pcap",
]


def ingest_commands(corpus):
    """The ingests every store receives, in order. Small flushes write many
    batches, and a second source reads one sample again so that records
    have two sources."""
    samples = [t.sample("dnscap-resolver.pcap"), t.sample("phishing-campaign.pcap.gz")]
    commands = [["--flush-records", "50", *samples]]
    if corpus is not None:
        captures = [os.path.join(corpus, name) for name in CORPUS_CAPTURES]
        missing = [path for path in captures if not os.path.isfile(path)]
        assert not missing, f"corpus captures not found: {missing}"
        commands.append(["-p", "53", "-p", "8053", "-p", "53000", "--mdns", "--llmnr",
                         *captures])
    commands.append(["--source", "sensor-2", "--again", samples[0]])
    return commands


def ingest(label, location, commands):
    """Run every ingest and return their exit statuses."""
    codes = []
    for args in commands:
        proc = t.run("ingest", "-q", "--store", location, *args, env=clean_env())
        if proc.returncode not in (0, 3):
            raise AssertionError(f"ingest into {label} exited {proc.returncode}:\n"
                                 f"{proc.stderr}")
        codes.append(proc.returncode)
    return codes


def lookup(location, args):
    proc = t.run("pdns", "--store", location, *args, env=clean_env())
    return proc.returncode, proc.stdout, proc.stderr.replace(location, "STORE")


def comparable_stats(location):
    proc = t.run("stats", "-j", "--store", location, env=clean_env(), check=0)
    return "".join(line for line in proc.stdout.splitlines(keepends=True)
                   if not BACKEND_FIELDS.match(line))


def first_difference(a, b):
    """The first line where texts a and b differ, for a short message."""
    lines_a, lines_b = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(lines_a, lines_b)):
        if x != y:
            return f"line {i + 1}:\n    {x!r}\n    {y!r}"
    return f"the end: {len(lines_a)} lines against {len(lines_b)}"


def lookups(corpus):
    """Every pdns command line to compare, with the exit status SQLite must
    give, or None when many of the queries are about corpus data that is
    absent."""
    found = EXIT_FOUND if corpus is not None else None
    jobs = [(query + output_format, found)
            for query in QUERIES for output_format in ([], ["-j"])]
    jobs += [(query + ["--csv"], found) for query in CSV_QUERIES]
    jobs += [(query, EXIT_NONE_FOUND) for query in EMPTY_QUERIES]
    return jobs


def compare_end_to_end(stores, corpus):
    """Ingest into every store and compare lookups and stats. stores maps
    labels to locations, and the first is the reference. Returns every
    result that differs from the reference's."""
    commands = ingest_commands(corpus)
    started = time.monotonic()
    with ThreadPoolExecutor(len(stores)) as pool:
        codes = dict(zip(stores, pool.map(lambda item: ingest(*item, commands),
                                          stores.items())))
    reference, *others = stores
    for label in others:
        assert codes[label] == codes[reference], \
            f"ingest exit statuses differ: {reference} {codes[reference]}, {label} {codes[label]}"
    print(f"ingested {len(commands)} runs into {len(stores)} stores in "
          f"{time.monotonic() - started:.1f} s")

    started = time.monotonic()
    jobs = lookups(corpus)
    with ThreadPoolExecutor(len(stores)) as pool:
        answers = {label: list(pool.map(lambda job, location=location: lookup(location, job[0]),
                                        jobs))
                   for label, location in stores.items()}
    mismatches = []
    lines = 0
    for i, (args, want) in enumerate(jobs):
        command = "pdns " + " ".join(args)
        expected = answers[reference][i]
        if want is not None and expected[0] != want:
            raise AssertionError(f"{command} on {reference} exited {expected[0]}, expected "
                                 f"{want}:\n{expected[2]}")
        lines += expected[1].count("\n")
        for label in others:
            code, stdout, stderr = answers[label][i]
            if code != expected[0]:
                mismatches.append(f"{command}: exit {code} on {label}, {expected[0]} on "
                                  f"{reference}\n    {stderr.strip()}")
            elif stdout != expected[1]:
                mismatches.append(f"{command}: output on {label} differs at "
                                  f"{first_difference(expected[1], stdout)}")
            elif stderr != expected[2]:
                mismatches.append(f"{command}: messages on {label} differ:\n    {stderr!r}\n"
                                  f"    {expected[2]!r}")

    answered = sum(1 for code, _, _ in answers[reference] if code == EXIT_FOUND)
    assert answered >= 40, f"only {answered} lookups found something on {reference}"

    stats = {label: comparable_stats(location) for label, location in stores.items()}
    assert '"rrsets": ' in stats[reference], stats[reference]
    for label in others:
        if stats[label] != stats[reference]:
            mismatches.append(f"stats -j on {label} differs at "
                              f"{first_difference(stats[reference], stats[label])}")
    print(f"compared {len(jobs)} lookups ({lines} lines on {reference}) and stats on "
          f"{len(stores)} stores in {time.monotonic() - started:.1f} s")
    return mismatches


def main():
    chserver.require_clickhouse()
    corpus = t.optional_corpus("pcap", "the corpus captures in the end-to-end comparison")
    tmp = t.scratch()
    with chserver.ClickHouse() as single, chserver.Cluster() as cluster:
        problems = run_unit_suites(tmp, single, cluster)

        spool = os.path.join(tmp, "spool")
        stores = {
            "SQLite": os.path.join(tmp, "e2e.db"),
            "one ClickHouse server": server_location([single], "e2e",
                                                     os.path.join(spool, "single")),
            "a two-shard cluster": server_location(cluster.shards, "e2e",
                                                   os.path.join(spool, "cluster"),
                                                   cluster=cluster),
        }
        mismatches = compare_end_to_end(stores, corpus)
        if mismatches:
            problems.append(f"{len(mismatches)} answers differ between backends:\n" +
                            "\n".join(mismatches))
        left = spool_files(spool)
        if left:
            problems.append(f"batches left in the spool after the ingests: {left}")
    if problems:
        raise AssertionError("\n\n".join(problems))
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
