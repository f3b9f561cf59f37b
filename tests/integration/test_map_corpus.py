"""dragnet map over the real data of the shared corpus, ingested together.

Every capture, dnstap file, Zeek and Suricata log, the likexian WHOIS
responses, an RDAP response, the certificates, a CT get-entries response and
the GeoLite2-ASN test database go into one SQLite store through the
ordinary commands. Maps from seeds taken from that data must then show the
links the data supports, with the expected values taken from an oracle,
never from dragnet:
- a name from a real capture (meta.wikimedia.org in Zeek's wikipedia.pcap):
  its CNAME chain, the chain's address and the zone's nameservers, as
  tshark decodes them;
- a domain from a real WHOIS record (apache.org): the nameservers,
  registrar and registrant email of the corpus's expected JSON;
- certificates: the DNS names of their subjectAltName and their key, as the
  openssl binary prints them;
- an address the MMDB covers: its AS, as mmdblookup prints it."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest  # noqa: E402
from dnstest import run  # noqa: E402

# Certificates whose subjectAltName lists DNS names, as paths under x509/.
CERTS = ["zlint/ct3mo2SCTs.pem", "zlint/subjectRDNSIPv4GoodIP.pem", "zlint/ecdsaP256.pem"]


def files_under(folder, pattern=None):
    out = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            if pattern is None or re.search(pattern, name):
                out.append(os.path.join(root, name))
    return sorted(out)


def dn(db, command, *args, check=None, input=None):
    return run(command, *args, db=db, check=check, input=input)


def ingest_all(db, corpus):
    """Ingest every kind of corpus input into the store. Some corpus files
    are damaged on purpose, so a run may exit 3 (some input failed), but it
    must not crash and must store the rest."""
    groups = [
        ("corpus-pcap", files_under(os.path.join(corpus, "pcap"), r"\.pcap(ng)?$")),
        ("corpus-dnstap", files_under(os.path.join(corpus, "dnstap"),
                                      r"\.(dnstap|fstrm)$")),
        ("corpus-zeek", files_under(os.path.join(corpus, "zeek"), r"\.log$")),
        ("corpus-eve", files_under(os.path.join(corpus, "suricata"), r"\.json$")),
        ("corpus-x509", files_under(os.path.join(corpus, "x509"), r"\.(pem|der|crt)$")),
    ]
    for source, files in groups:
        assert files, f"no {source} files in the corpus"
        proc = dn(db, "ingest", "--source", source, *files)
        assert proc.returncode in (0, 3), (source, proc.returncode, proc.stderr[-2000:])
    with open(os.path.join(corpus, "ct", "ct-go", "get-entries-4.json"), "rb") as f:
        proc = run("ingest", "--source", "corpus-ct", "--format", "ct", "-", db=db,
                   input=f.read())
    assert proc.returncode == 0, proc.stderr
    proc = dn(db, "whois", "--import", "--source", "corpus-whois",
              os.path.join(corpus, "whois", "likexian"))
    assert proc.returncode in (0, 3), proc.stderr[-2000:]
    dn(db, "whois", "--import", "--source", "corpus-rdap",
       os.path.join(corpus, "rdap", "openrdap", "domain-example.cz.json"), check=0)
    dn(db, "asn", "--load", os.path.join(corpus, "asn", "maxmind", "GeoLite2-ASN-Test.mmdb"),
       check=0)


def map_json(db, *args):
    proc = dn(db, "map", "--format", "json", *args, check=0)
    return json.loads(proc.stdout)


def edge_set(doc):
    return {(e["from"]["kind"], e["from"]["key"], e["relation"], e["to"]["kind"],
             e["to"]["key"]) for e in doc["edges"]}


def node_map(doc):
    return {(n["kind"], n["key"]): n for n in doc["nodes"]}


def tshark_rows(pcap, fields):
    if shutil.which("tshark") is None:
        dnstest.skip("tshark is not installed; tools/setup.sh test installs it")
    args = ["tshark", "-r", pcap, "-Y", "dns.flags.response == 1", "-T", "fields",
            "-E", "separator=\t", "-E", "aggregator=,"]
    for f in fields:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120)
    return [line.split("\t") for line in out.stdout.splitlines()]


def check_capture_seed(db, corpus):
    """The CNAME chain of meta.wikimedia.org, its address and the zone's
    nameservers, as tshark decodes the capture."""
    pcap = os.path.join(corpus, "pcap", "zeek", "wikipedia.pcap")
    cnames, addrs, ns = {}, {}, set()
    for row in tshark_rows(pcap, ["dns.resp.name", "dns.resp.type", "dns.cname", "dns.a",
                                  "dns.ns"]):
        names, types = row[0].split(","), row[1].split(",")
        cname_vals = [v for v in row[2].split(",") if v]
        a_vals = [v for v in row[3].split(",") if v]
        ns_vals = [v for v in row[4].split(",") if v]
        # tshark lists each kind's values in record order, so walk the
        # records and take the next value of the record's type.
        ci = ai = ni = 0
        for name, rtype in zip(names, types):
            name = name.lower()
            if rtype == "5" and ci < len(cname_vals):
                cnames[name] = cname_vals[ci].lower()
                ci += 1
            elif rtype == "1" and ai < len(a_vals):
                addrs.setdefault(name, set()).add(a_vals[ai])
                ai += 1
            elif rtype == "2" and ni < len(ns_vals):
                if name == "wikimedia.org":
                    ns.add(ns_vals[ni].lower())
                ni += 1
    chain = ["meta.wikimedia.org"]
    while chain[-1] in cnames:
        chain.append(cnames[chain[-1]])
    assert len(chain) >= 3, f"tshark shows no CNAME chain for meta.wikimedia.org: {cnames}"
    assert chain[-1] in addrs, (chain, addrs)
    assert ns, "tshark shows no NS records of wikimedia.org"

    doc = map_json(db, "--depth", "3", "meta.wikimedia.org")
    edges = edge_set(doc)
    for a, b in zip(chain, chain[1:]):
        assert ("domain", a, "cname", "domain", b) in edges, f"no CNAME edge {a} -> {b}"
    for addr in addrs[chain[-1]]:
        assert ("domain", chain[-1], "resolves", "ip", addr) in edges, \
            f"no address edge {chain[-1]} -> {addr}"
    for host in ns:
        assert ("domain", "wikimedia.org", "ns", "nameserver", host) in edges, \
            f"no NS edge wikimedia.org -> {host}"
    for name in chain:
        assert ("domain", name, "registered", "regdomain", "wikimedia.org") in edges, name
    seeds = [n for n in doc["nodes"] if n["seed"]]
    assert [(n["kind"], n["key"]) for n in seeds] == [("domain", "meta.wikimedia.org")]
    print(f"capture seed: chain {' -> '.join(chain)}, {len(addrs[chain[-1]])} address(es), "
          f"{len(ns)} nameservers: all present")


def check_whois_seed(db, corpus):
    """apache.org's nameservers, registrar and registrant email, as the
    corpus's expected JSON gives them."""
    with open(os.path.join(corpus, "whois", "likexian", "org_apache.org.json")) as f:
        expected = json.load(f)
    doc = map_json(db, "--depth", "1", "apache.org")
    edges = edge_set(doc)
    nodes = node_map(doc)
    for host in expected["domain"]["name_servers"]:
        assert ("regdomain", "apache.org", "ns", "nameserver", host.lower()) in edges, host
    registrars = [n for n in doc["nodes"] if n["kind"] == "registrar"]
    assert len(registrars) == 1, registrars
    want = expected["registrar"]["name"].lower()
    got = registrars[0]["label"].lower()
    assert want.split()[0] in got, (want, got)
    assert ("regdomain", "apache.org", "registrar", "registrar", registrars[0]["key"]) in edges
    email = expected["registrant"]["email"].lower()
    assert ("regdomain", "apache.org", "registrant", "email", email) in edges, email
    assert nodes[("email", email)]["hold"] in ("none", "depth"), nodes[("email", email)]
    print(f"WHOIS seed: {len(expected['domain']['name_servers'])} nameservers, registrar "
          f"{got!r} and {email} present")


def openssl(*args, input=None):
    if shutil.which("openssl") is None:
        dnstest.skip("the openssl binary is not installed; tools/setup.sh test installs it")
    return subprocess.run(["openssl", *args], capture_output=True, input=input, check=True,
                          timeout=60).stdout


def check_certificate_seeds(db, corpus):
    """Each certificate's DNS names and key, as openssl prints them."""
    for rel in CERTS:
        path = os.path.join(corpus, "x509", rel)
        with open(path, "rb") as f:
            pem = f.read()
        der = openssl("x509", "-outform", "DER", input=pem)
        sha256 = hashlib.sha256(der).hexdigest()
        spki = hashlib.sha256(openssl("pkey", "-pubin", "-outform", "DER",
                                      input=openssl("x509", "-pubkey", "-noout",
                                                    input=pem))).hexdigest()
        san_text = openssl("x509", "-noout", "-ext", "subjectAltName", input=pem).decode()
        sans = {v.strip().lower() for v in re.findall(r"DNS:([^,\n]+)", san_text)}
        assert sans, f"openssl shows no DNS names in {rel}"
        doc = map_json(db, "--depth", "1", sha256)
        names = {e[4] for e in edge_set(doc)
                 if e[0] == "cert" and e[1] == sha256 and e[2] == "cert-name"}
        missing = sans - names
        assert not missing, f"{rel}: SAN names missing from the map: {sorted(missing)}"
        assert ("cert", sha256, "cert-key", "spki", spki) in edge_set(doc), rel
        print(f"certificate seed {rel}: {len(sans)} SAN names and the key present")


def check_asn_seed(db, corpus):
    """An address of the MMDB's test data maps to its AS."""
    if shutil.which("mmdblookup") is None:
        dnstest.skip("mmdblookup is not installed; tools/setup.sh test installs mmdb-bin")
    mmdb = os.path.join(corpus, "asn", "maxmind", "GeoLite2-ASN-Test.mmdb")
    addr = "1.128.0.1"
    out = subprocess.run(["mmdblookup", "--file", mmdb, "--ip", addr,
                          "autonomous_system_number"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    asn = int(re.search(r"(\d+) <uint32>", out).group(1))
    doc = map_json(db, "--depth", "1", addr)
    kinds = {(e[2], e[3], e[4]) for e in edge_set(doc)}
    prefixes = {k for r, kind, k in kinds if r == "in-prefix" and kind == "prefix"}
    assert prefixes, f"no prefix for {addr}: {sorted(kinds)}"
    origins = {(e[1], e[4]) for e in edge_set(doc) if e[2] == "origin"}
    assert any(a == f"AS{asn}" for _, a in origins), (asn, origins)
    print(f"address seed {addr}: prefix {sorted(prefixes)} and AS{asn} present")


def main():
    corpus = dnstest.corpus_dir()
    tmp = dnstest.scratch()
    try:
        db = os.path.join(tmp, "corpus.db")
        ingest_all(db, corpus)
        check_capture_seed(db, corpus)
        check_whois_seed(db, corpus)
        check_certificate_seeds(db, corpus)
        check_asn_seed(db, corpus)
        # Every seed together: one run, every output format.
        out = os.path.join(tmp, "maps")
        dn(db, "map", "--depth", "2", "--output-dir", out, "meta.wikimedia.org",
           "apache.org", "1.128.0.1", check=0)
        for name in ("map.txt", "map.json", "map.dot", "map.graphml", "map.stix.json",
                     "map.misp.json"):
            path = os.path.join(out, name)
            assert os.path.getsize(path) > 0, path
        if shutil.which("dot"):
            subprocess.run(["dot", "-Tsvg", "-o", os.devnull, os.path.join(out, "map.dot")],
                           check=True, timeout=120)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
