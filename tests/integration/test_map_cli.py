"""dragnet map end to end on a SQLite store.

A passivedns log, saved WHOIS responses, certificates made with the openssl
binary and an ip2asn table go in through the ordinary commands. The map's
JSON must then show the links this input contains: pDNS addresses and CNAME
chains, reverse pDNS, WHOIS values and a phone number one digit off, the
names of a self-signed issuer's certificates, prefixes and ASNs. The test
also checks the time fence, the overlap rule, the six output files and the
errors for bad seeds, times and lists."""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest  # noqa: E402
from dnstest import run  # noqa: E402

DAY = 86400
T0 = 1704067200  # 2024-01-01

# (time, rrname, rrtype, rdata): each line is one passivedns observation.
RECORDS = [
    (T0, "www.alpha.example.", "A", "192.0.2.10"),
    (T0 + 20 * DAY, "www.alpha.example.", "A", "192.0.2.10"),
    (T0 + 5 * DAY, "beta.example.", "A", "192.0.2.10"),
    (T0 + 400 * DAY, "late.example.", "A", "192.0.2.10"),
    (T0, "alpha.example.", "NS", "ns1.alpha-dns.example."),
    (T0, "gamma.example.", "NS", "ns1.alpha-dns.example."),
    (T0, "cdn.alpha.example.", "CNAME", "edge.alpha-cdn.example."),
    (T0, "edge.alpha-cdn.example.", "A", "192.0.2.20"),
]

WHOIS = """Domain Name: {domain}
Registrar: Sample Names Ltd
Creation Date: 2024-01-01T00:00:00Z
Registrant Name: {name}
Registrant Street: 1 High Street
Registrant City: Leeds
Registrant Postal Code: LS1 1AA
Registrant Country: GB
Registrant Phone: {phone}
Registrant Email: {email}
Name Server: NS1.ALPHA-DNS.EXAMPLE
"""

REGISTRANTS = [
    ("alpha.example", "Ella Davies", "+44.2079460310", "ops@alpha-mail.example"),
    ("ring1.example", "Tom Brown", "+44.2079460311", "tom@mail.example"),
    ("ring2.example", "Ann Green", "+44.2079460310", "ann@mail.example"),
    ("far.example", "Ian Other", "+44.2079469999", "ian@mail.example"),
    # A privacy service's address: a masked value, which is never expanded.
    ("hidden.example", "Registration Private", "+1.4806242599",
     "hidden.example@domainsbyproxy.com"),
]


def dn(where, command, *args, check=None):
    """Run dragnet COMMAND on the store that where (its options) names."""
    return run(command, *where, *args, check=check)


def write_store(where, tmp):
    """Build the store through dragnet's own import commands."""
    log = os.path.join(tmp, "sensor.log")
    with open(log, "w") as f:
        f.write("#timestamp||dns-client||dns-server||RR class||Query||Query Type||Answer||"
                "TTL||Count\n")
        for t, name, rtype, answer in RECORDS:
            f.write(f"{t}.000000||192.0.2.1||198.51.100.53||IN||{name}||{rtype}||{answer}"
                    "||300||1\n")
    dn(where, "ingest", "--source", "sensor", log, check=0)

    whois_dir = os.path.join(tmp, "whois")
    os.mkdir(whois_dir)
    for domain, name, phone, email in REGISTRANTS:
        with open(os.path.join(whois_dir, domain + ".txt"), "w") as f:
            f.write(WHOIS.format(domain=domain.upper(), name=name, phone=phone, email=email))
    dn(where, "whois", "--import", whois_dir, check=0)

    certs = os.path.join(tmp, "certs.pem")
    fingerprints = {}
    with open(certs, "w") as out:
        for org, name in [("Blue Lantern Hosting", "parcel-1.example"),
                          ("Blue Lantern Hosting", "parcel-2.example"),
                          ("Unrelated Owner Ltd", "other-owner.example")]:
            pem = make_cert(tmp, org, name)
            out.write(pem)
            fingerprints[name] = fingerprint(pem)
    dn(where, "ingest", certs, check=0)

    table = os.path.join(tmp, "ip2asn.tsv")
    with open(table, "w") as f:
        f.write("192.0.2.0\t192.0.2.255\t64496\tZZ\tEXAMPLE-HOSTING\n")
    dn(where, "asn", "--load", "--source", "ip2asn", table, check=0)
    return fingerprints


def make_cert(tmp, org, name):
    key = os.path.join(tmp, "key.pem")
    cert = os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-days", "730",
                    "-subj", f"/C=NL/O={org}/CN={name}", "-addext",
                    f"subjectAltName=DNS:{name},DNS:www.{name}", "-out", cert],
                   check=True, capture_output=True, timeout=60)
    with open(cert) as f:
        return f.read()


def fingerprint(pem):
    """SHA-256 of the certificate's DER, by the openssl binary."""
    der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=pem.encode(),
                         check=True, capture_output=True, timeout=60).stdout
    return hashlib.sha256(der).hexdigest()


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def map_json(where, *args, check=0):
    proc = dn(where, "map", "--format", "json", *args, check=check)
    return json.loads(proc.stdout)


def nodes(doc):
    return {(n["kind"], n["key"]): n for n in doc["nodes"]}


def edges(doc):
    return {(e["from"]["key"], e["to"]["key"], e["relation"]): e for e in doc["edges"]}


def details(edge):
    return [ev["detail"] for ev in edge["evidence"]]


def check_domain_map(where):
    doc = map_json(where, "www.alpha.example")
    n = nodes(doc)
    e = edges(doc)
    assert n[("domain", "www.alpha.example")]["depth"] == 0, n[("domain", "www.alpha.example")]
    a = e[("www.alpha.example", "192.0.2.10", "resolves")]
    assert "A 192.0.2.10" in details(a), a
    assert a["evidence"][0]["time_first"] == iso(T0), a
    assert a["evidence"][0]["time_last"] == iso(T0 + 20 * DAY), a
    assert a["evidence"][0]["count"] == 2, a
    # Reverse pDNS of the address at hop 2, with no time rule.
    assert ("beta.example", "192.0.2.10", "resolves") in e
    assert ("late.example", "192.0.2.10", "resolves") in e
    # Prefix and AS of the address from the loaded table.
    assert ("192.0.2.10", "192.0.2.0/24", "in-prefix") in e, sorted(e)
    assert ("192.0.2.0/24", "AS64496", "origin") in e, sorted(e)
    # WHOIS values of the registered domain, and reverse WHOIS on the phone.
    mail = e[("alpha.example", "ops@alpha-mail.example", "registrant")]
    assert "registrant email" in details(mail), mail
    assert ("alpha.example", "sample names", "registrar") in e
    assert ("alpha.example", "ns1.alpha-dns.example", "ns") in e
    assert ("ring2.example", "+442079460310", "registrant") in e
    variant = e[("ring1.example", "+442079460311", "registrant")]
    assert any("a variant of +442079460310" in d for d in details(variant)), variant
    assert ("ring1.example", "+442079460310", "registrant") not in e
    assert ("far.example", "+442079460310", "registrant") not in e
    # Names that use the same nameserver.
    assert ("gamma.example", "ns1.alpha-dns.example", "ns") in e
    assert isinstance(doc["clusters"], list)


def check_cname_chain(where):
    e = edges(map_json(where, "cdn.alpha.example"))
    assert ("cdn.alpha.example", "edge.alpha-cdn.example", "cname") in e, sorted(e)
    assert ("edge.alpha-cdn.example", "192.0.2.20", "resolves") in e, sorted(e)


def check_time_rules(where):
    e = edges(map_json(where, "--overlap", "www.alpha.example"))
    assert ("beta.example", "192.0.2.10", "resolves") in e
    assert ("late.example", "192.0.2.10", "resolves") not in e
    e = edges(map_json(where, "--until", "2024-06-01", "www.alpha.example"))
    assert ("beta.example", "192.0.2.10", "resolves") in e
    assert ("late.example", "192.0.2.10", "resolves") not in e
    e = edges(map_json(where, "--since", "2024-12-01", "192.0.2.10"))
    assert ("late.example", "192.0.2.10", "resolves") in e
    assert ("beta.example", "192.0.2.10", "resolves") not in e


def check_certificate_seed(where, fingerprints):
    doc = map_json(where, fingerprints["parcel-1.example"])
    n = nodes(doc)
    e = edges(doc)
    seed = n[("cert", fingerprints["parcel-1.example"])]
    assert seed["depth"] == 0, seed
    issuer = n[("issuer", "O=Blue Lantern Hosting")]
    assert issuer["share"] == 2, issuer
    second = fingerprints["parcel-2.example"]
    assert (second, "O=Blue Lantern Hosting", "cert-issuer") in e, sorted(e)
    assert (second, "www.parcel-2.example", "cert-name") in e, sorted(e)
    assert ("cert", fingerprints["other-owner.example"]) not in n


def check_shared_hold(where):
    # A held seed has no links: exit 1, with the reason and the way on.
    proc = dn(where, "map", "--format", "json", "--share-max", "2", "192.0.2.10", check=1)
    assert ("seed ip 192.0.2.10 was not expanded: shared by 3 names (limit 2) "
            "(use --expand to follow it)") in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    ip = nodes(doc)[("ip", "192.0.2.10")]
    assert ip["hold"] == "shared", ip
    assert ip["share"] == 3, ip
    doc = map_json(where, "--share-max", "2", "--expand", "192.0.2.10", "192.0.2.10")
    assert nodes(doc)[("ip", "192.0.2.10")]["hold"] != "shared"


def check_output_dir(where, tmp):
    # Missing parents are created, and no temporary file is left behind.
    out = os.path.join(tmp, "nested", "maps", "out")
    proc = dn(where, "map", "--output-dir", out, "www.alpha.example", check=0)
    assert proc.stdout.strip(), "no text report on stdout"
    assert oct(os.stat(os.path.join(tmp, "nested")).st_mode & 0o777) == "0o755"
    assert sorted(os.listdir(out)) == ["map.dot", "map.graphml", "map.json", "map.misp.json",
                                       "map.stix.json", "map.txt"], os.listdir(out)
    for name in ["map.txt", "map.json", "map.dot", "map.graphml", "map.stix.json",
                 "map.misp.json"]:
        path = os.path.join(out, name)
        assert os.path.getsize(path) > 0, path
    for name in ["map.json", "map.stix.json", "map.misp.json"]:
        with open(os.path.join(out, name)) as f:
            json.load(f)
    with open(os.path.join(out, "map.txt")) as f:
        assert f.read() == proc.stdout
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg", "-o", os.devnull, os.path.join(out, "map.dot")],
                       check=True, timeout=120)
    if shutil.which("xmllint"):
        subprocess.run(["xmllint", "--noout", os.path.join(out, "map.graphml")], check=True,
                       timeout=60)


def check_errors(where, tmp):
    proc = dn(where, "map", "hello", check=2)
    assert "unknown seed kind for 'hello'" in proc.stderr, proc.stderr
    proc = dn(where, "map", "--since", "someday", "www.alpha.example", check=2)
    assert "invalid time 'someday'" in proc.stderr, proc.stderr
    proc = dn(where, "map", "--since", "2024-02-01", "--until", "2024-01-01", "x.example",
              check=2)
    assert "--since must be before --until" in proc.stderr, proc.stderr
    run("map", "--share-max", "0", "x.example", check=2)
    proc = run("map", "--share-max", "1000001", "x.example", check=2)
    assert "invalid --share-max '1000001' (1 to 1000000)" in proc.stderr, proc.stderr
    dn(where, "map", check=2)

    bad = os.path.join(tmp, "bad-list.txt")
    with open(bad, "w") as f:
        f.write("asn | AS13335 | Cloudflare\nasn | ASX | broken\n")
    proc = run("map", "--shared-list", bad, "www.alpha.example", check=2)
    assert f"{bad}:2: invalid AS number 'ASX'" in proc.stderr, proc.stderr

    proc = dn(where, "map", "nothing-here.example", check=1)
    assert "no data found in the store for seed domain nothing-here.example" in proc.stderr, proc.stderr
    proc = dn(where, "map", "*.alpha.example", check=2)
    assert "wildcard seed '*.alpha.example' is not supported" in proc.stderr, proc.stderr


def check_exit_status(where):
    """0 only when the map found a link the store observed; else 1 and why."""
    proc = dn(where, "map", "--depth", "0", "www.alpha.example", check=1)
    assert "seed domain www.alpha.example was not expanded: --depth 0" in proc.stderr, proc.stderr
    proc = dn(where, "map", "--since", "2030-01-01", "www.alpha.example", check=1)
    assert ("the store has data on seed domain www.alpha.example, but all of it lies outside "
            "the time fence") in proc.stderr, proc.stderr
    assert "no data found" not in proc.stderr, proc.stderr
    proc = dn(where, "map", "--expand", "nonexistent.example", "www.alpha.example", check=0)
    assert proc.stderr.count("--expand nonexistent.example matched no value in the map") == 1, \
        proc.stderr
    proc = dn(where, "map", "--expand", "BETA.example.", "www.alpha.example", check=0)
    assert "matched no value" not in proc.stderr, proc.stderr
    # A masked seed: its hint must not offer --expand, which never follows it.
    proc = dn(where, "map", "--no-shared-list", "hidden.example@domainsbyproxy.com", check=1)
    assert "was not expanded: masked" in proc.stderr, proc.stderr
    assert "use --expand" not in proc.stderr, proc.stderr


def check_shared_list_file(where, tmp):
    listed = os.path.join(tmp, "list.txt")
    with open(listed, "w") as f:
        f.write("# the test's own list\nprefix | 192.0.2.0/24 | Test hosting\n")
    doc = map_json(where, "--shared-list", listed, "www.alpha.example")
    ip = nodes(doc)[("ip", "192.0.2.10")]
    assert ip["hold"] == "listed", ip
    assert ("beta.example", "192.0.2.10", "resolves") not in edges(doc)
    # The file adds to the built-in list, which names AS13335.
    doc = map_json(where, "--shared-list", listed, "AS13335", check=1)
    assert nodes(doc)[("asn", "AS13335")]["hold"] == "listed"
    doc = map_json(where, "--no-shared-list", "www.alpha.example")
    assert nodes(doc)[("ip", "192.0.2.10")]["hold"] != "listed"
    # Several files add up; with --no-shared-list only the files apply.
    second = os.path.join(tmp, "list2.txt")
    with open(second, "w") as f:
        f.write("nameserver | ns1.alpha-dns.example | Test DNS\n")
    doc = map_json(where, "--no-shared-list", "--shared-list", listed, "--shared-list", second,
                   "www.alpha.example")
    n = nodes(doc)
    assert n[("ip", "192.0.2.10")]["hold"] == "listed", n[("ip", "192.0.2.10")]
    assert n[("nameserver", "ns1.alpha-dns.example")]["hold"] == "listed"
    doc = map_json(where, "--no-shared-list", "--shared-list", second, "AS13335", check=1)
    assert nodes(doc)[("asn", "AS13335")]["hold"] != "listed"


def run_all(where, tmp):
    fingerprints = write_store(where, tmp)
    check_domain_map(where)
    check_cname_chain(where)
    check_time_rules(where)
    check_certificate_seed(where, fingerprints)
    check_shared_hold(where)
    check_shared_list_file(where, tmp)
    check_output_dir(where, tmp)
    check_errors(where, tmp)
    check_exit_status(where)


def main():
    if not shutil.which("openssl"):
        dnstest.skip("the openssl binary is not installed")
    tmp = dnstest.scratch()
    run_all(["--db", os.path.join(tmp, "map.db")], tmp)
    proc = run("map", "www.alpha.example", db=os.path.join(tmp, "missing.db"), check=4)
    assert proc.stderr, "no message for a missing store"
    print("sqlite: all checks passed")

    if chserver.find_server() is None:
        print("NOTE: clickhouse-server is not installed; the ClickHouse checks are skipped")
    else:
        with chserver.ClickHouse() as server:
            cdir = os.path.join(tmp, "clickhouse")
            os.mkdir(cdir)
            run_all(["--store", f"clickhouse://{chserver.HOST}:{server.http_port}/map"], cdir)
            print("clickhouse: the same checks passed")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
