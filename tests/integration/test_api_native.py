"""The native JSON API (/api/v1) of dragnet serve against the commands.

The store is built from samples/ with the commands of tools/setup.sh demo.
Each route must return what the matching command prints with --json for the
same question, wrapped as {"records": [...]}. The test also checks the
errors for bad parameters, SQL metacharacters in every parameter (no 500,
the store unchanged), the max_results cap, and the map formats read back by
Graphviz dot and xmllint."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import dnstest  # noqa: E402
from dnstest import run  # noqa: E402


def build_store(tmp):
    db = os.path.join(tmp, "demo.db")
    run("ingest", "--db", db, dnstest.sample("dnscap-resolver.pcap"), check=0)
    run("ingest", "--db", db, "--source", "resolver", dnstest.sample("phishing-campaign.pcap.gz"),
        check=0)
    run("ingest", "--db", db, "--source", "branch-zeek", dnstest.sample("branch-office.dns.log"),
        check=0)
    run("ingest", "--db", db, "--source", "acme-pdns", dnstest.sample("provider-export.json"),
        check=0)
    run("ingest", "--db", db, "--source", "resolver-tap", dnstest.sample("resolver-tap.fstrm"),
        check=0)
    run("whois", "--import", "--db", db, "--source", "registrar-archive",
        os.path.join(dnstest.SOURCE_DIR, "samples", "whois"), check=0)
    pem = os.path.join(tmp, "shared-issuer.pem")
    subprocess.run([os.path.join(dnstest.SOURCE_DIR, "samples", "certs", "make_shared_issuer.sh"),
                    pem, "12"], check=True, capture_output=True, timeout=300)
    run("ingest", "--db", db, "--source", "cert-scan", pem, check=0)
    run("asn", "--load", "--db", db, os.path.join(dnstest.SOURCE_DIR, "samples", "asn",
                                                   "ip2asn-sample.tsv"), check=0)
    return db


class Server:
    """dragnet serve on a free loopback port, with one read key."""

    def __init__(self, db, *options):
        self.key = run("apikey", "add", "--db", db, "--name", "test", check=0).stdout.strip()
        self.log = open(os.path.join(os.path.dirname(db), f"serve-{len(options)}.log"), "w+")
        self.proc = subprocess.Popen(
            [dnstest.DRAGNET, "serve", "--db", db, "--listen", "127.0.0.1:0", *options],
            stdout=subprocess.DEVNULL, stderr=self.log, text=True)
        self.base = None
        deadline = time.time() + 30
        while self.base is None and time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dragnet serve exited {self.proc.returncode}: "
                                     f"{self.read_log()}")
            found = re.search(r"serving (http://127\.0\.0\.1:\d+)/", self.read_log())
            if found:
                self.base = found.group(1)
            else:
                time.sleep(0.05)
        if self.base is None:
            self.stop()
            raise AssertionError(f"dragnet serve did not start: {self.read_log()}")

    def read_log(self):
        self.log.seek(0)
        return self.log.read()

    def get(self, path, params=None, key=True):
        """GET path with params (a list of pairs); returns (status, type, body bytes)."""
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(url)
        if key:
            request.add_header("X-Api-Key", self.key)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers.get("Content-Type"), response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()

    def json(self, path, params=None, status=200):
        code, ctype, body = self.get(path, params)
        assert code == status, (path, params, code, body[:300])
        assert ctype.startswith("application/json"), (path, ctype)
        return json.loads(body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()


def cli_lines(*args):
    """The JSON lines a command prints, parsed."""
    proc = run(*args)
    assert proc.returncode in (0, 1), (args, proc.returncode, proc.stderr)
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


# (API parameters, the same question as dragnet pdns arguments)
PDNS_CASES = [
    ([("q", "login.paypa1-secure.example"), ("type", "A")],
     ["login.paypa1-secure.example", "-t", "A"]),
    ([("q", "login.paypa1-secure.example"), ("type", "A"), ("source", "acme-pdns")],
     ["login.paypa1-secure.example", "-t", "A", "--source", "acme-pdns"]),
    ([("q", "203.0.113.0/24")], ["203.0.113.0/24"]),
    ([("q", "*.paypa1-secure.example"), ("since", "2024-03-01")],
     ["*.paypa1-secure.example", "--last-after", "2024-03-01"]),
    ([("q", "*.example"), ("since", "2024-01-01"), ("until", "2024-02-01")],
     ["*.example", "--last-after", "2024-01-01", "--first-before", "2024-02-01"]),
    ([("q", "login.paypa1-secure.example"), ("rdata", "1")],
     ["--rdata", "login.paypa1-secure.example"]),
    ([("q", "ns1.bulletproof-dns.example"), ("rdata", "1"), ("type", "NS")],
     ["--rdata", "ns1.bulletproof-dns.example", "-t", "NS"]),
    ([("q", "*.example"), ("limit", "3")], ["*.example", "--limit", "3"]),
    ([("q", "*.example"), ("limit", "3"), ("offset", "2")],
     ["*.example", "--limit", "3", "--offset", "2"]),
    ([("q", "nothing-here.example")], ["nothing-here.example"]),
]


def check_pdns(server, db):
    for params, args in PDNS_CASES:
        body = server.json("/api/v1/pdns", params)
        expected = cli_lines("pdns", "--db", db, "--json", *args)
        assert body["records"] == expected, (params, body["records"][:3], expected[:3])
    # Limits: truncated reports whether the CLI finds more than the limit.
    every = cli_lines("pdns", "--db", db, "--json", "--limit", "0", "*.example")
    assert len(every) > 3, len(every)
    assert server.json("/api/v1/pdns", [("q", "*.example"), ("limit", "3")])["truncated"]
    whole = server.json("/api/v1/pdns", [("q", "*.example"), ("limit", str(len(every)))])
    assert not whole["truncated"]
    assert len(whole["records"]) == len(every)


def check_whois(server, db):
    for domain in ("paypa1-secure.example", "invoice-paypa1.example", "unknown-domain.example"):
        latest = server.json("/api/v1/whois/" + domain)
        assert latest["records"] == cli_lines("whois", "--db", db, "--json", domain), domain
        history = server.json("/api/v1/whois/" + domain, [("history", "1")])
        assert history["records"] == cli_lines("whois", "--db", db, "--json", "--history",
                                               domain), domain
        redacted = server.json("/api/v1/whois/" + domain, [("redact", "1")])
        assert redacted["records"] == cli_lines("whois", "--db", db, "--json",
                                                "--redact-personal", domain), domain
    history = server.json("/api/v1/whois/paypa1-secure.example", [("history", "1")])
    assert len(history["records"]) >= 2, history


def cert_cli(db, *args):
    proc = run("cert", "--db", db, "--json", *args)
    assert proc.returncode in (0, 1), (args, proc.stderr)
    return json.loads(proc.stdout)


CERT_CASES = [
    ([("issuer", "O=Blue Lantern Hosting"), ("limit", "3")],
     ["--issuer", "O=Blue Lantern Hosting", "--limit", "3"]),
    ([("issuer", "Blue Lantern")], ["--issuer", "Blue Lantern"]),
    ([("subject", "O=Blue Lantern Hosting"), ("dedupe", "1")],
     ["--subject", "O=Blue Lantern Hosting", "--dedupe"]),
    ([("san", "*.example"), ("limit", "5")], ["--san", "*.example", "--limit", "5"]),
    ([("san", "no-cert.example")], ["--san", "no-cert.example"]),
]


def check_cert(server, db):
    for params, args in CERT_CASES:
        body = server.json("/api/v1/cert", params)
        assert body["records"] == cert_cli(db, *args), params
    one = cert_cli(db, "--issuer", "O=Blue Lantern Hosting", "--limit", "1")[0]
    for name, value in (("sha256", one["sha256"]), ("spki", one["spki_sha256"]),
                        ("serial", one["serial"]), ("san", one["sans"][0][4:])):
        body = server.json("/api/v1/cert", [(name, value)])
        assert one["sha256"] in [c["sha256"] for c in body["records"]], name
    assert server.json("/api/v1/cert", [("issuer", "O=Blue Lantern Hosting"),
                                        ("limit", "3")])["truncated"]


def check_asn(server, db):
    for value in ("AS64500", "64500", "192.0.2.5", "203.0.113.100", "198.18.0.1", "AS4294967295"):
        body = server.json("/api/v1/asn/" + value)
        assert body["records"] == cli_lines("asn", "--db", db, "--json", value), value
    assert server.json("/api/v1/asn/198.18.0.1")["records"] == [{"ip": "198.18.0.1",
                                                                  "asn": None}]


def check_search(server, db):
    cases = [
        ("paypa1-secure.example", "domain"),
        ("203.0.113.10", "ip"),
        ("203.0.113.0/24", "cidr"),
        ("AS64500", "asn"),
        ("+44.2079460555", "phone"),
    ]
    for query, kind in cases:
        body = server.json("/api/v1/search", [("q", query)])
        assert body["query"] == query, body
        assert body["kind"] == kind, (query, body)
        assert set(body["counts"]) == {"pdns", "whois", "certs"}, body

    domain = server.json("/api/v1/search", [("q", "paypa1-secure.example")])["counts"]
    assert domain["pdns"] == len(cli_lines("pdns", "--db", db, "--json", "--limit", "0",
                                           "paypa1-secure.example"))
    assert domain["whois"] == len(cli_lines("whois", "--db", db, "--json", "--history",
                                            "paypa1-secure.example"))

    ip = server.json("/api/v1/search", [("q", "203.0.113.0/24")])["counts"]
    assert ip["pdns"] == len(cli_lines("pdns", "--db", db, "--json", "--limit", "0",
                                       "203.0.113.0/24"))

    # A certificate's name finds it.
    one = cert_cli(db, "--issuer", "O=Blue Lantern Hosting", "--limit", "1")[0]
    name = one["sans"][0][4:]
    counts = server.json("/api/v1/search", [("q", name)])["counts"]
    assert counts["certs"] == len(cert_cli(db, "--san", name)), (name, counts)
    by_hash = server.json("/api/v1/search", [("q", one["sha256"])])
    assert by_hash["kind"] == "cert", by_hash
    assert by_hash["counts"]["certs"] == 1, by_hash


    # A name server counts the records that point to it and the domains
    # whose WHOIS records list it.
    ns = "ns1.bulletproof-dns.example"
    counts = server.json("/api/v1/search", [("q", "ns:" + ns)])["counts"]
    assert counts["pdns"] == len(cli_lines("pdns", "--db", db, "--json", "--limit", "0",
                                           "--rdata", ns)), counts
    assert counts["pdns"] > 0, counts
    domains = {r["domain"] for r in cli_lines("whois", "--db", db, "--json", "--reverse",
                                              "nameserver=" + ns)}
    assert counts["whois"] == len(domains), (counts, domains)

    phone = server.json("/api/v1/search", [("q", "+44.2079460555")])["counts"]
    domains = {r["domain"] for r in cli_lines("whois", "--db", db, "--json", "--reverse",
                                              "phone=+44 20 7946 0555")}
    assert phone["whois"] == len(domains), (phone, domains)


def map_json_without_time(body):
    doc = json.loads(body)
    doc["run"].pop("generated", None)
    return doc


def check_map(server, db, tmp):
    for tool, package in (("dot", "graphviz"), ("xmllint", "libxml2-utils")):
        assert shutil.which(tool), f"{tool} not found; install {package} (tools/setup.sh test)"
    code, ctype, body = server.get("/api/v1/map", [("seed", "paypa1-secure.example")])
    assert code == 200, (code, body[:200])
    assert ctype.startswith("application/json"), ctype
    cli = run("map", "--db", db, "--json", "paypa1-secure.example", check=0).stdout
    assert map_json_without_time(body) == map_json_without_time(cli)

    params = [("seed", "paypa1-secure.example"), ("seed", "203.0.113.14"), ("depth", "1"),
              ("since", "2024-01-01"), ("overlap", "1")]
    code, _, body = server.get("/api/v1/map", params)
    cli = run("map", "--db", db, "--json", "--depth", "1", "--since", "2024-01-01",
              "--overlap", "paypa1-secure.example", "203.0.113.14", check=0).stdout
    assert code == 200
    assert map_json_without_time(body) == map_json_without_time(cli)

    types = {"text": "text/plain", "dot": "text/vnd.graphviz",
             "graphml": "application/graphml+xml", "stix": "application/stix+json",
             "misp": "application/json"}
    for fmt, expected_type in types.items():
        code, ctype, body = server.get("/api/v1/map", [("seed", "paypa1-secure.example"),
                                                       ("format", fmt)])
        assert code == 200, (fmt, body[:200])
        assert ctype.startswith(expected_type), (fmt, ctype)
        path = os.path.join(tmp, "map." + fmt)
        with open(path, "wb") as f:
            f.write(body)
        if fmt == "dot":
            proc = subprocess.run(["dot", "-Tsvg", path], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
            assert "<svg" in proc.stdout
        if fmt == "graphml":
            proc = subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
        if fmt in ("stix", "misp"):
            json.loads(body)
    text = run("map", "--db", db, "paypa1-secure.example", check=0).stdout
    with open(os.path.join(tmp, "map.text")) as f:
        served = f.read()
    # The reports differ only in the line with the generation time.
    strip = [line for line in text.splitlines() if not line.startswith("Generated ")]
    assert [line for line in served.splitlines() if not line.startswith("Generated ")] == strip


# (route, parameters, the parameter the 400 message must name)
BAD_REQUESTS = [
    ("/api/v1/pdns", [], "q"),
    ("/api/v1/pdns", [("q", "a.example"), ("limit", "abc")], "limit"),
    ("/api/v1/pdns", [("q", "a.example"), ("limit", "-1")], "limit"),
    ("/api/v1/pdns", [("q", "a.example"), ("limit", "99999999999999999999")], "limit"),
    ("/api/v1/pdns", [("q", "a.example"), ("offset", "x")], "offset"),
    ("/api/v1/pdns", [("q", "a.example"), ("since", "yesterday")], "since"),
    ("/api/v1/pdns", [("q", "a.example"), ("until", "2024-13-45")], "until"),
    ("/api/v1/pdns", [("q", "a.example"), ("type", "BOGUS")], "type"),
    ("/api/v1/pdns", [("q", "a.example"), ("rdata", "maybe")], "rdata"),
    ("/api/v1/pdns", [("q", "192.0.2.0/33")], "q"),
    ("/api/v1/pdns", [("q", "a.example"), ("source", "no-such-source")], "source"),
    ("/api/v1/whois/not%20a%20domain", [], "domain"),
    ("/api/v1/whois/a.example", [("history", "2")], "history"),
    ("/api/v1/cert", [], "san"),
    ("/api/v1/cert", [("spki", "xyz")], "spki"),
    ("/api/v1/cert", [("sha256", "not-hex")], "sha256"),
    ("/api/v1/cert", [("serial", "0xZZ")], "serial"),
    ("/api/v1/cert", [("san", "a.example"), ("limit", "many")], "limit"),
    ("/api/v1/cert", [("san", "a.example"), ("valid_at", "soon")], "valid_at"),
    ("/api/v1/asn/not-an-address", [], "asn"),
    ("/api/v1/asn/AS99999999999", [], "asn"),
    ("/api/v1/search", [], "q"),
    ("/api/v1/search", [("q", "!!!")], "q"),
    ("/api/v1/map", [], "seed"),
    ("/api/v1/map", [("seed", "bad seed text")], "seed"),
    ("/api/v1/map", [("seed", "a.example"), ("depth", "4")], "depth"),
    ("/api/v1/map", [("seed", "a.example"), ("depth", "two")], "depth"),
    ("/api/v1/map", [("seed", "a.example"), ("format", "pdf")], "format"),
    ("/api/v1/map", [("seed", "a.example"), ("since", "later")], "since"),
    ("/api/v1/map", [("seed", "a.example"), ("since", "2024-02-01"), ("until", "2024-01-01")],
     "since"),
    ("/api/v1/map", [("seed", "a.example")] * 17, "seed"),
]


def check_bad_requests(server):
    for path, params, name in BAD_REQUESTS:
        code, ctype, body = server.get(path, params)
        assert code == 400, (path, params, code, body[:200])
        assert ctype.startswith("application/json"), (path, ctype)
        message = json.loads(body)["error"]
        assert message.startswith(name + ": "), (path, params, message)


HOSTILE = ["' OR '1'='1", "x'; DROP TABLE rrset; --", '"); DELETE FROM whois; --', "%", "_",
           "\\", "a.example' UNION SELECT sqlite_version() --", "1 OR 1=1", "*", "' --"]

# Every parameter of every route, with a valid value for the others.
PARAMETERS = [
    ("/api/v1/pdns", "q", []),
    ("/api/v1/pdns", "type", [("q", "a.example")]),
    ("/api/v1/pdns", "source", [("q", "a.example")]),
    ("/api/v1/pdns", "since", [("q", "a.example")]),
    ("/api/v1/pdns", "until", [("q", "a.example")]),
    ("/api/v1/pdns", "limit", [("q", "a.example")]),
    ("/api/v1/pdns", "offset", [("q", "a.example")]),
    ("/api/v1/pdns", "rdata", [("q", "a.example")]),
    ("/api/v1/cert", "san", []),
    ("/api/v1/cert", "issuer", []),
    ("/api/v1/cert", "subject", []),
    ("/api/v1/cert", "spki", []),
    ("/api/v1/cert", "sha256", []),
    ("/api/v1/cert", "serial", []),
    ("/api/v1/cert", "limit", [("san", "a.example")]),
    ("/api/v1/search", "q", []),
    ("/api/v1/map", "seed", []),
    ("/api/v1/map", "depth", [("seed", "a.example")]),
    ("/api/v1/map", "format", [("seed", "a.example")]),
    ("/api/v1/map", "since", [("seed", "a.example")]),
    ("/api/v1/whois/a.example", "history", []),
]


def store_snapshot(db):
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        counts = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return counts
    finally:
        con.close()


def check_metacharacters(server, db):
    before = store_snapshot(db)
    records = cli_lines("pdns", "--db", db, "--json", "--limit", "0", "*.example")
    for path, name, base in PARAMETERS:
        for value in HOSTILE:
            code, _, body = server.get(path, base + [(name, value)])
            assert code in (200, 400, 404), (path, name, value, code, body[:200])
            json.loads(body)
    for value in HOSTILE:
        for path in ("/api/v1/whois/", "/api/v1/asn/"):
            code, _, body = server.get(path + urllib.parse.quote(value, safe=""))
            assert code in (200, 400, 404), (path, value, code, body[:200])
    assert store_snapshot(db) == before
    assert cli_lines("pdns", "--db", db, "--json", "--limit", "0", "*.example") == records
    assert server.proc.poll() is None, "the server died"


def check_result_cap(db):
    server = Server(db, "--max-results", "2")
    try:
        body = server.json("/api/v1/pdns", [("q", "*.example")])
        assert len(body["records"]) == 2, body
        assert body["truncated"], body
        body = server.json("/api/v1/pdns", [("q", "*.example"), ("limit", "50")])
        assert len(body["records"]) == 2, body
        assert body["truncated"], body
        body = server.json("/api/v1/pdns", [("q", "*.example"), ("limit", "0")])
        assert len(body["records"]) == 2, body
        body = server.json("/api/v1/cert", [("issuer", "O=Blue Lantern Hosting")])
        assert len(body["records"]) == 2, body
        assert body["truncated"], body
        body = server.json("/api/v1/asn/AS64500")
        assert len(body["records"]) <= 2
        body = server.json("/api/v1/whois/paypa1-secure.example", [("history", "1")])
        assert len(body["records"]) == 2, body
        search = server.json("/api/v1/search", [("q", "paypa1-secure.example")])
        assert search["counts"]["pdns"] == 2, search
        assert search["more"]["pdns"], search
        code, _, body = server.get("/api/v1/map", [("seed", "paypa1-secure.example")])
        assert code == 503, (code, body[:200])
        assert "limit" in json.loads(body)["error"]
    finally:
        server.stop()


def check_keys(server):
    code, _, body = server.get("/api/v1/pdns", [("q", "a.example")], key=False)
    assert code == 401, (code, body)
    for path in ("/api/v1/search", "/api/v1/map", "/api/v1/cert"):
        code, _, _ = server.get(path, [("q", "a.example")], key=False)
        assert code == 401, path


def main():
    tmp = dnstest.scratch()
    db = build_store(tmp)
    server = Server(db)
    try:
        check_keys(server)
        check_pdns(server, db)
        check_whois(server, db)
        check_cert(server, db)
        check_asn(server, db)
        check_search(server, db)
        check_map(server, db, tmp)
        check_bad_requests(server)
        check_metacharacters(server, db)
    finally:
        server.stop()
    check_result_cap(db)
    shutil.rmtree(tmp)
    print("ok")


if __name__ == "__main__":
    main()
