"""dragnet asn: loading MMDB, ip2asn and pfx2as files, address and AS
lookups, --domains over ingested pDNS records, pdns --asn, broken files.

Expected values come from the MaxMind test databases' source JSON in the
shared corpus (every CIDR there must resolve to its record), from the real
mmdblookup program, and from the hand-written samples in samples/asn (their
lines, not dragnet's output). The checks run on SQLite and, when
clickhouse-server is installed, on a ClickHouse server started on loopback.

Environment: DRAGNET is the dragnet binary, DRAGNET_CORPUS the shared
corpus, DRAGNET_SOURCE_DIR the checkout, TMPDIR the scratch folder."""

import gzip
import ipaddress
import json
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

EXIT_OK, EXIT_NONE, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3
SAMPLES = os.path.join(t.SOURCE_DIR, "samples", "asn")
IP2ASN = os.path.join(SAMPLES, "ip2asn-sample.tsv")
PFX2AS = os.path.join(SAMPLES, "pfx2as-sample.txt")


def asn(where, *args, check=None):
    return t.run("asn", *where, *args, check=check)


def lookup(where, ips):
    """dragnet asn --json for ips, as a dict from address to its object."""
    out = asn(where, "--json", *ips).stdout.splitlines()
    assert len(out) == len(ips), out
    return {obj["ip"]: obj for obj in map(json.loads, out)}


# ---- MaxMind databases against their source JSON and mmdblookup ----

def expected_networks(json_path):
    """(first, last, record) for every CIDR of a MaxMind source JSON file,
    IPv4 inside ::/96 turned into plain IPv4 networks."""
    with open(json_path, encoding="utf-8") as f:
        entries = json.load(f)
    networks = []
    for entry in entries:
        (cidr, record), = entry.items()
        net = ipaddress.ip_network(cidr)
        if net.version == 6 and net.prefixlen >= 96 and int(net.network_address) >> 32 == 0:
            net = ipaddress.ip_network((int(net.network_address), net.prefixlen - 96))
        networks.append((net, record))
    return networks


def most_specific(networks, ip):
    """The record of the smallest network containing ip."""
    best = None
    for net, record in networks:
        if net.version == ip.version and ip in net:
            if best is None or net.prefixlen > best[0].prefixlen:
                best = (net, record)
    return best


def check_mmdb_source_json(where, mmdb, json_path):
    networks = expected_networks(json_path)
    probes = []
    for net, _ in networks:
        probes += [net.network_address, net.broadcast_address]
    probes = sorted(set(probes), key=lambda a: (a.version, int(a)))
    found = lookup(where, [str(ip) for ip in probes])
    for ip in probes:
        net, record = most_specific(networks, ip)
        got = found[str(ip)]
        want_asn = record.get("autonomous_system_number", 0)
        assert got["asn"] == want_asn, (str(ip), str(net), got, record)
        assert got["as_org"] == record.get("autonomous_system_organization"), (str(ip), got)
        assert got["isp"] == record.get("isp"), (str(ip), got)
        assert got["organization"] == record.get("organization"), (str(ip), got)
        assert got["source"] == os.path.basename(mmdb), got
    print(f"{os.path.basename(mmdb)}: {len(probes)} addresses match {len(networks)} networks")


def mmdblookup(mmdb, ip, *path):
    """The value at path for ip from the mmdblookup program, or None."""
    proc = subprocess.run(["mmdblookup", "-f", mmdb, "-i", ip, *path], capture_output=True,
                          text=True, timeout=60)
    text = proc.stdout.strip()
    if proc.returncode != 0 or not text or "Could not find" in proc.stdout + proc.stderr:
        return None
    value = text.rsplit("<", 1)[0].strip()
    return json.loads(value) if value.startswith('"') else int(value)


def check_mmdb_oracle(where, mmdb):
    if shutil.which("mmdblookup") is None:
        print("NOTE: mmdblookup (mmdb-bin) is not installed; the oracle check is skipped")
        return
    rng = random.Random(6)
    networks = expected_networks(mmdb[:-len(".mmdb")] + ".json")
    ips = []
    for net, _ in rng.sample(networks, min(60, len(networks))):
        offset = rng.randrange(net.num_addresses)
        ips.append(str(net.network_address + offset))
    ips += ["10.0.0.1", "2001:db8::1", "127.0.0.1"]
    found = lookup(where, ips)
    for ip in ips:
        want_asn = mmdblookup(mmdb, ip, "autonomous_system_number")
        want_org = mmdblookup(mmdb, ip, "autonomous_system_organization")
        want_isp = mmdblookup(mmdb, ip, "isp")
        want_organization = mmdblookup(mmdb, ip, "organization")
        got = found[ip]
        if (want_asn, want_org, want_isp, want_organization) == (None, None, None, None):
            assert got["asn"] is None, (ip, got)
            continue
        assert got["asn"] == (want_asn or 0), (ip, got, want_asn)
        assert got["as_org"] == want_org, (ip, got, want_org)
        assert got["isp"] == want_isp, (ip, got, want_isp)
        assert got["organization"] == want_organization, (ip, got, want_organization)
    print(f"{os.path.basename(mmdb)}: {len(ips)} addresses match mmdblookup")


def check_bad_mmdb(where, corpus):
    """Broken files fail with the file and a reason, and leave the source's
    earlier load as it was."""
    good = os.path.join(corpus, "GeoLite2-ASN-Test.mmdb")
    asn(where, "--load", "--source", "victim", good, check=EXIT_OK)
    before = asn(where, "--list", "--json", check=EXIT_OK).stdout
    bad = [os.path.join(corpus, "bad", name) for name in sorted(os.listdir(os.path.join(corpus, "bad")))]
    bad += [os.path.join(corpus, "format", name)
            for name in sorted(os.listdir(os.path.join(corpus, "format"))) if "broken" in name]
    assert len(bad) >= 6, bad
    for path in bad:
        proc = asn(where, "--load", "--source", "victim", path, check=EXIT_INPUT)
        line = [l for l in proc.stderr.splitlines() if "error" in l]
        assert len(line) == 1, proc.stderr
        assert path in line[0], line
        reason = line[0].split(path + ": ", 1)[1]
        assert len(reason) > 10, line
    after = asn(where, "--list", "--json", check=EXIT_OK).stdout
    assert after == before, (before, after)
    got = lookup(where, ["1.128.0.1"])["1.128.0.1"]
    assert got["asn"] == 1221, got
    assert got["source"] == "victim", got
    print(f"{len(bad)} broken MMDB files rejected with their reason")


# ---- Text formats ----

def check_text_formats(where):
    proc = asn(where, "--load", IP2ASN, PFX2AS, check=EXIT_OK)
    # The malformed lines at the end of each sample, by line number.
    for where_line in (f"{IP2ASN}:7: invalid range_start", f"{IP2ASN}:8: range_end is below",
                       f"{IP2ASN}:9: invalid AS_number", f"{PFX2AS}:6: prefix has host bits",
                       f"{PFX2AS}:7: invalid prefix length"):
        assert where_line in proc.stderr, (where_line, proc.stderr)

    got = lookup(where, ["192.0.2.10", "192.0.2.70", "192.0.2.200", "198.51.100.7",
                         "203.0.113.50", "203.0.113.100", "203.0.113.101", "2001:db8::1",
                         "2001:db8:1000::9", "8.8.8.8"])
    # ip2asn 192.0.2.0-127 (/25) is more specific than pfx2as 192.0.2.0/24,
    # and pfx2as 192.0.2.64/26 more specific than both.
    assert got["192.0.2.10"]["asn"] == 64500, got["192.0.2.10"]
    assert got["192.0.2.10"]["prefixes"] == ["192.0.2.0/25"], got["192.0.2.10"]
    assert got["192.0.2.10"]["country"] == "NL", got["192.0.2.10"]
    assert got["192.0.2.10"]["as_org"] == "EXAMPLE-HOSTING-A Example Hosting BV"
    assert got["192.0.2.70"]["asn"] == 64511, got["192.0.2.70"]
    assert got["192.0.2.70"]["prefixes"] == ["192.0.2.64/26"], got["192.0.2.70"]
    assert got["192.0.2.200"]["asn"] == 64501, got["192.0.2.200"]
    # Equal sizes: the pfx2as file was loaded after the ip2asn file.
    assert got["198.51.100.7"]["asn"] == 64512, got["198.51.100.7"]
    assert got["198.51.100.7"]["origins"] == "64512_64513", got["198.51.100.7"]
    # ip2asn's 203.0.113.0-99 is one range given as three prefixes.
    assert got["203.0.113.50"]["asn"] == 64502, got["203.0.113.50"]
    assert got["203.0.113.50"]["prefixes"] == ["203.0.113.0/26", "203.0.113.64/27",
                                               "203.0.113.96/30"], got["203.0.113.50"]
    assert got["203.0.113.100"]["asn"] == 64500, got["203.0.113.100"]
    assert got["203.0.113.101"]["asn"] == 64514, got["203.0.113.101"]
    assert got["203.0.113.101"]["origins"] == "64514,64515", got["203.0.113.101"]
    assert got["2001:db8::1"]["asn"] == 64496, got["2001:db8::1"]
    assert got["2001:db8::1"]["country"] == "GB", got["2001:db8::1"]
    assert got["2001:db8:1000::9"]["prefixes"] == ["2001:db8:1000::/36"]
    assert got["8.8.8.8"]["asn"] is None, got["8.8.8.8"]

    text = asn(where, "AS64500", check=EXIT_OK).stdout.splitlines()
    assert [line.split("\t")[0] for line in text] == ["192.0.2.0/25", "203.0.113.100/32"], text
    asn(where, "AS64999", check=EXIT_NONE)
    asn(where, "AS4294967295", check=EXIT_NONE)
    print("ip2asn and pfx2as samples: lookups, nesting and bad lines as written")


def check_every_origin(where):
    """Each AS of a pfx2as multi-origin (64512_64513) or AS set
    (64514,64515) line finds that prefix, and an address shows them all."""
    for as_number, prefix in (("AS64512", "198.51.100.0/24"), ("AS64513", "198.51.100.0/24"),
                              ("AS64514", "203.0.113.0/24"), ("AS64515", "203.0.113.0/24")):
        lines = asn(where, as_number, check=EXIT_OK).stdout.splitlines()
        prefixes = [line.split("\t")[0] for line in lines]
        assert prefixes == [prefix], (as_number, lines)
        assert lines[0].split("\t")[3] == "pfx2as-sample.txt", lines
    obj = json.loads(asn(where, "AS64513", "--json", check=EXIT_OK).stdout)
    assert obj["asn"] == 64512, obj
    assert obj["origins"] == "64512_64513", obj
    # 64513 is a substring of no other origin, but 6451 and 4513 are parts.
    asn(where, "AS6451", check=EXIT_NONE)
    asn(where, "AS4513", check=EXIT_NONE)
    line = asn(where, "198.51.100.7", check=EXIT_OK).stdout.rstrip("\n").split("\t")
    assert line[1] == "AS64512 64512_64513", line
    line = asn(where, "203.0.113.101", check=EXIT_OK).stdout.rstrip("\n").split("\t")
    assert line[1] == "AS64514 64514,64515", line
    print("every origin of a multi-origin prefix and an AS set is found")


def check_arguments(where):
    """Invalid arguments exit 2 with the argument named, and nothing is
    looked up, also when valid ones come with them."""
    cases = [(["192.0.2.256"], "not an IPv4 or IPv6 address"),
             (["192.0.2.0/24"], "a prefix, not an address"),
             (["AS4294967296"], "AS number out of range"),
             (["4294967296"], "AS number out of range"),
             (["ASx"], "invalid AS number"),
             (["192.0.2.10", "bogus"], "not an IPv4 or IPv6 address"),
             (["AS64500", "192.0.2.10"], "not both"),
             (["AS64500", "AS64501"], "one AS number at a time")]
    for args, reason in cases:
        proc = asn(where, *args, check=EXIT_USAGE)
        assert proc.stdout == "", (args, proc.stdout)
        assert reason in proc.stderr, (args, proc.stderr)
    proc = asn(where, "AS4294967296", check=EXIT_USAGE)
    assert "'AS4294967296'" in proc.stderr, proc.stderr
    print(f"{len(cases)} invalid argument lists exit 2")


def check_replace(where):
    """A new load of a source replaces its ranges."""
    asn(where, "--load", "--source", "swap", IP2ASN, check=EXIT_OK)
    assert lookup(where, ["2001:db8::1"])["2001:db8::1"]["source"] == "swap"
    asn(where, "--load", "--source", "swap", "--format", "pfx2as", PFX2AS, check=EXIT_OK)
    loads = [json.loads(line) for line in asn(where, "--list", "--json").stdout.splitlines()]
    swap = [load for load in loads if load["source"] == "swap"]
    assert len(swap) == 1, loads
    assert swap[0]["format"] == "pfx2as", swap
    assert swap[0]["ranges"] == 5, swap
    # Of the ranges covering 2001:db8::1, only the ip2asn sample's own
    # source is left: "swap" lost its ip2asn ranges.
    assert lookup(where, ["2001:db8::1"])["2001:db8::1"]["source"] == "ip2asn-sample.tsv"
    print("a new load of a source replaces its ranges")


# ---- pDNS ----

COF_RECORDS = [
    ("a.example.", "A", "192.0.2.10"),        # AS64500 (ip2asn /25)
    ("b.example.", "A", "192.0.2.200"),       # AS64501
    ("c.example.", "A", "203.0.113.100"),     # AS64500 (/32)
    ("d.example.", "AAAA", "2001:db8::5"),    # AS64496
    ("e.example.", "A", "192.0.2.70"),        # AS64500's /25, but pfx2as /26 is AS64511
    ("f.example.", "CNAME", "a.example."),
    ("g.example.", "A", "198.51.100.7"),      # AS64512 and AS64513 (multi-origin)
]


def check_pdns(where, tmp):
    path = os.path.join(tmp, "records.json")
    with open(path, "w", encoding="utf-8") as f:
        for name, rtype, rdata in COF_RECORDS:
            f.write(json.dumps({"count": 2, "time_first": 1700000000, "time_last": 1700003600,
                                "rrtype": rtype, "rrname": name, "rdata": [rdata]}) + "\n")
    t.run("ingest", "-q", *where, "--source", "feed", path, check=EXIT_OK)

    text = asn(where, "AS64500", "--domains", check=EXIT_OK).stdout.splitlines()
    names = sorted(line.split("\t")[0] for line in text)
    assert names == ["a.example.", "c.example."], text
    rows = [json.loads(line) for line in
            asn(where, "AS64500", "--domains", "--json", check=EXIT_OK).stdout.splitlines()]
    assert sorted((r["rrname"], r["rdata"]) for r in rows) == [
        ("a.example.", "192.0.2.10"), ("c.example.", "203.0.113.100")], rows
    text = asn(where, "AS64496", "--domains", check=EXIT_OK).stdout
    assert text.split("\t")[0] == "d.example.", text
    for origin in ("AS64512", "AS64513"):
        text = asn(where, origin, "--domains", check=EXIT_OK).stdout
        assert text.split("\t")[0] == "g.example.", (origin, text)
    # AS64502 has ranges but no ingested record inside them.
    proc = asn(where, "AS64502", "--domains", check=EXIT_NONE)
    assert proc.stdout == "", proc.stdout
    assert "no A or AAAA record that resolves to AS64502" in proc.stderr, proc.stderr

    rows = [json.loads(line) for line in t.run("pdns", *where, "--rdata", "192.0.2.0/24",
                                               "--asn", "--json", check=EXIT_OK).stdout.splitlines()]
    by_name = {r["rrname"]: r for r in rows}
    assert by_name["a.example."]["asn"] == 64500, rows
    assert by_name["a.example."]["as_org"] == "EXAMPLE-HOSTING-A Example Hosting BV", rows
    assert by_name["b.example."]["asn"] == 64501, rows
    assert by_name["e.example."]["asn"] == 64511, rows
    csv = t.run("pdns", *where, "f.example", "--asn", "--csv", check=EXIT_OK).stdout
    header, row = csv.splitlines()
    assert header.endswith(",bailiwick,asn,as_org"), header
    assert row.endswith(",,,"), row  # a CNAME has no address
    csv = t.run("pdns", *where, "a.example", "--asn", "--csv", check=EXIT_OK).stdout
    assert csv.splitlines()[1].endswith(",64500,EXAMPLE-HOSTING-A Example Hosting BV"), csv
    table = t.run("pdns", *where, "d.example", "--asn", check=EXIT_OK).stdout.splitlines()
    assert table[0].split()[-2:] == ["asn", "as_org"], table
    assert "64496" in table[1].split(), table
    # The records carry no bailiwick, so the table has no such column,
    # with --asn as without it.
    plain = t.run("pdns", *where, "d.example", check=EXIT_OK).stdout.splitlines()
    assert "bailiwick" not in plain[0].split(), plain
    assert table[0].split() == plain[0].split() + ["asn", "as_org"], (table, plain)
    print("--domains and pdns --asn over ingested records")


# ---- A minimal MaxMind DB writer, for records the corpus lacks ----

def mmdb_encode(value):
    """value in the MaxMind DB data format (spec 2.0): str as utf8_string,
    ("uint16" | "uint32" | "uint64", n) as unsigned integers, dict as map,
    list as array. Sizes stay below 29, so each control byte is one byte,
    followed by a type byte for the extended types uint64 and array."""
    if isinstance(value, str):
        data = value.encode()
        assert len(data) < 29
        return bytes([0x40 | len(data)]) + data
    if isinstance(value, tuple):
        kind, number = value
        data = number.to_bytes((number.bit_length() + 7) // 8, "big")
        if kind == "uint64":  # extended type 9: type bits 0, then 9 - 7
            return bytes([len(data), 2]) + data
        return bytes([{"uint16": 0xA0, "uint32": 0xC0}[kind] | len(data)]) + data
    if isinstance(value, list):  # extended type 11: type bits 0, then 11 - 7
        return bytes([len(value), 4]) + b"".join(mmdb_encode(v) for v in value)
    assert len(value) < 29
    return bytes([0xE0 | len(value)]) + b"".join(
        mmdb_encode(k) + mmdb_encode(v) for k, v in value.items())


def write_mmdb(path, record):
    """An IPv4 database of one search tree node: 0.0.0.0/1 has record, and
    128.0.0.0/1 nothing. mmdblookup reads it the same way."""
    node_count = 1
    # A record value above node_count points into the data section, at
    # value - node_count - 16; node_count itself means no data.
    tree = (node_count + 16).to_bytes(3, "big") + node_count.to_bytes(3, "big")
    metadata = {"node_count": ("uint32", node_count), "record_size": ("uint16", 24),
                "ip_version": ("uint16", 4), "database_type": "dragnet-test",
                "languages": ["en"], "binary_format_major_version": ("uint16", 2),
                "binary_format_minor_version": ("uint16", 0),
                "build_epoch": ("uint64", 1700000000), "description": {"en": "test"}}
    with open(path, "wb") as f:
        f.write(tree + bytes(16) + mmdb_encode(record) + b"\xab\xcd\xefMaxMind.com"
                + mmdb_encode(metadata))


def check_country_only_mmdb(where, tmp):
    """An MMDB whose records have a country but no AS data (as a City
    database) gives no range; the same record with an AS number loads."""
    country = os.path.join(tmp, "country-only.mmdb")
    write_mmdb(country, {"country": {"iso_code": "NL"}})
    with_as = os.path.join(tmp, "country-as.mmdb")
    write_mmdb(with_as, {"autonomous_system_number": ("uint32", 64500),
                         "country": {"iso_code": "NL"}})
    if shutil.which("mmdblookup") is not None:
        assert mmdblookup(with_as, "1.2.3.4", "autonomous_system_number") == 64500
        assert mmdblookup(country, "1.2.3.4", "country", "iso_code") == "NL"
    proc = asn(where, "--load", "--source", "country", country, check=EXIT_INPUT)
    assert "not an ASN or ISP database" in proc.stderr, proc.stderr
    asn(where, "--load", "--source", "country", with_as, check=EXIT_OK)
    got = lookup(where, ["1.2.3.4", "128.0.0.1"])
    assert got["1.2.3.4"]["asn"] == 64500, got
    assert got["1.2.3.4"]["country"] == "NL", got
    assert got["1.2.3.4"]["prefixes"] == ["0.0.0.0/1"], got
    assert got["128.0.0.1"]["asn"] is None, got
    print("an MMDB with countries but no AS data gives no range")


def check_no_ranges(where, tmp, corpus):
    """A file that gives no range fails with exit 3 and its name, and the
    source keeps the ranges of its earlier load."""
    asn(where, "--load", "--source", "keep", IP2ASN, check=EXIT_OK)
    before = asn(where, "--list", "--json", check=EXIT_OK).stdout
    empty = os.path.join(tmp, "empty.tsv")
    open(empty, "w").close()
    comments = os.path.join(tmp, "comments.tsv")
    with open(comments, "w", encoding="ascii") as f:
        f.write("# only a comment\n\n")
    all_bad = os.path.join(tmp, "all-bad.tsv")
    with open(all_bad, "w", encoding="ascii") as f:
        # The three malformed lines of the sample.
        f.write("not-an-address\t192.0.2.10\t64500\tNL\tx\n"
                "203.0.113.200\t203.0.113.150\t64502\tUS\tx\n"
                "203.0.113.150\t203.0.113.160\t4294967296\tUS\tx\n")
    cases = [(empty, [], "empty"), (comments, ["--format", "ip2asn"], "no data lines"),
             (all_bad, [], "all 3 data lines are invalid")]
    if corpus is not None:
        # MaxMind's decoder test database has records, none with AS data.
        decoder = os.path.join(corpus, "format", "MaxMind-DB-test-decoder.mmdb")
        cases.append((decoder, [], "not an ASN or ISP database"))
    for path, extra, reason in cases:
        proc = asn(where, "--load", "--source", "keep", *extra, path, check=EXIT_INPUT)
        errors = [line for line in proc.stderr.splitlines() if "error" in line]
        assert len(errors) == 1, proc.stderr
        assert path in errors[0], errors
        assert reason in errors[0], errors
        assert "keeps its earlier ranges" in errors[0], errors
    # A compressed copy of the sample, with and without --format.
    packed = os.path.join(tmp, "ip2asn-sample.tsv.gz")
    with open(IP2ASN, "rb") as f, gzip.open(packed, "wb") as out:
        out.write(f.read())
    for extra in ([], ["--format", "ip2asn"]):
        proc = asn(where, "--load", "--source", "keep", *extra, packed, check=EXIT_INPUT)
        assert f"{packed}: compressed with gzip; uncompress it first" in proc.stderr, proc.stderr
    assert asn(where, "--list", "--json", check=EXIT_OK).stdout == before
    # The sample's line 2001:db8:: - 2001:db8:ffff:... AS64496 is still loaded.
    got = lookup(where, ["2001:db8::1"])["2001:db8::1"]
    assert got["asn"] == 64496, got
    assert got["source"] == "keep", got
    print(f"{len(cases)} files without ranges rejected; the earlier load is kept")


def run_all(store, tmp, corpus):
    """Run every check; store(name) gives the store options of a store of
    that name, so that checks that must see one source alone get their own."""
    if corpus is not None:
        for name in ("GeoLite2-ASN-Test", "GeoIP2-ISP-Test"):
            where = store(name.lower().replace("-", "_"))
            mmdb = os.path.join(corpus, name + ".mmdb")
            proc = asn(where, "--load", mmdb, check=EXIT_OK)
            assert "bad lines" not in proc.stderr, proc.stderr
            assert "ranges loaded as source" in proc.stderr, proc.stderr
            check_mmdb_source_json(where, mmdb, os.path.join(corpus, name + ".json"))
            check_mmdb_oracle(where, mmdb)
            assert os.path.basename(mmdb) in asn(where, "--list").stdout
        check_bad_mmdb(store("bad_mmdb"), corpus)
    check_no_ranges(store("no_ranges"), tmp, corpus)
    check_country_only_mmdb(store("country_only"), tmp)
    where = store("asn")
    check_text_formats(where)
    check_every_origin(where)
    check_arguments(where)
    check_replace(where)
    check_pdns(where, tmp)
    asn(where, "--domains", "192.0.2.1", check=EXIT_USAGE)
    asn(where, "--load", check=EXIT_USAGE)


def main():
    tmp = t.scratch()
    corpus = t.optional_corpus("asn/maxmind", "the MMDB checks")
    run_all(lambda name: ["--db", os.path.join(tmp, name + ".db")], tmp, corpus)
    print("sqlite: all checks passed")
    if chserver.find_server() is None:
        print("NOTE: clickhouse-server is not installed; the ClickHouse checks are skipped")
        return
    with chserver.ClickHouse() as server:
        run_all(lambda name: ["--store", f"clickhouse://{chserver.HOST}:{server.http_port}/{name}"],
                tmp, corpus)
        print("clickhouse: the same checks passed")
        # store copy carries each source's latest load and its ranges.
        copy = f"clickhouse://{chserver.HOST}:{server.http_port}/asncopy"
        sqlite = ["--db", os.path.join(tmp, "asn.db")]
        t.run("store", "copy", "--from", sqlite[1], "--to", copy, check=EXIT_OK)
        ips = ["192.0.2.10", "192.0.2.70", "198.51.100.7", "203.0.113.50", "2001:db8::1",
               "1.128.0.1", "8.8.8.8"]
        assert lookup(["--store", copy], ips) == lookup(sqlite, ips)
        want = asn(sqlite, "--list", "--json", check=EXIT_OK).stdout
        assert asn(["--store", copy], "--list", "--json", check=EXIT_OK).stdout == want
        print("store copy: the copy gives the same lookups and loads")


if __name__ == "__main__":
    main()
