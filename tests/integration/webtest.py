"""Helpers for the web view's tests: a `dragnet serve` process on a free loopback port, and a
store of the samples plus records whose values are HTML and script."""
import datetime
import json
import os
import re
import signal
import subprocess
import time

import dnstest

# Values that would run or add elements if the page put them into HTML. Each sets
# window.__xss when it runs, so the browser test can tell.
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '"><img src=x onerror="window.__xss=2">'
XSS_SVG = '<svg onload="window.__xss=3">'

HOSTILE_DOMAIN = "hostile.example"

# pDNS records of hostile.example: (rrtype, rdata, count, first, last). 203.0.113.10 is also an
# address of login.paypa1-secure.example in samples/provider-export.json, so the map reaches the
# sample campaign.
HOSTILE_PDNS = [
    ("TXT", f'"{XSS_SCRIPT}"', 5, 1704067200, 1706745600),
    ("A", "192.0.2.66", 9, 1704067200, 1709251200),
    ("A", "198.51.100.66", 4, 1709251200, 1714521600),
    ("A", "203.0.113.10", 4, 1709251200, 1714521600),
]

# The two WHOIS documents of hostile.example differ in these fields only.
HOSTILE_WHOIS = [
    {"updated": "2024-01-01T00:00:00Z", "observed": "2024-01-02T00:00:00Z",
     "email": "a@mail.example.net"},
    {"updated": "2024-03-01T00:00:00Z", "observed": "2024-03-02T00:00:00Z",
     "email": f"b{XSS_IMG}@mail.example.net"},
]


def whois_text(doc):
    """A port-43 style WHOIS answer of hostile.example with hostile contact values."""
    return f"""Domain Name: HOSTILE.EXAMPLE
Registry Domain ID: D1-EXAMPLE
Registrar WHOIS Server: whois.registrar.example
Updated Date: {doc["updated"]}
Creation Date: 2024-01-01T00:00:00Z
Registrar: {XSS_SCRIPT} Registrar
Registrar IANA ID: 9999
Registrant Name: {XSS_IMG}
Registrant Organization: {XSS_SCRIPT}
Registrant Street: {XSS_SVG}
Registrant City: London
Registrant Country: GB
Registrant Email: {doc["email"]}
Name Server: NS1.HOSTILE.EXAMPLE
DNSSEC: unsigned
>>> Last update of WHOIS database: {doc["observed"]} <<<
"""


def hostile_certificate(path):
    """Write a self-signed certificate for hostile.example whose subject contains HTML; returns
    the cryptography certificate object, the oracle for the page's values."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, HOSTILE_DOMAIN),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, XSS_IMG),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, XSS_SCRIPT),
    ])
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(4242)
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName(HOSTILE_DOMAIN), x509.DNSName(f"www.{HOSTILE_DOMAIN}")]),
                critical=False)
            .sign(key, hashes.SHA256()))
    with open(path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def build_store(tmp):
    """Ingest the samples and the hostile records into tmp/web.db; returns (db, certificate)."""
    db = os.path.join(tmp, "web.db")
    dnstest.run("ingest", "--source", "acme-pdns", dnstest.sample("provider-export.json"),
                db=db, check=0)
    dnstest.run("whois", "--import", "--source", "registrar-archive",
                os.path.join(dnstest.SOURCE_DIR, "samples", "whois"), db=db, check=0)

    cof = os.path.join(tmp, "hostile.json")
    with open(cof, "w") as f:
        for rrtype, rdata, count, first, last in HOSTILE_PDNS:
            f.write(json.dumps({"count": count, "time_first": first, "time_last": last,
                                "rrtype": rrtype, "rrname": HOSTILE_DOMAIN + ".",
                                "rdata": rdata}) + "\n")
    dnstest.run("ingest", "--source", "hostile", cof, db=db, check=0)

    # One folder per document, so that each import is one observation.
    for i, doc in enumerate(HOSTILE_WHOIS):
        folder = os.path.join(tmp, f"whois{i}")
        os.makedirs(folder)
        with open(os.path.join(folder, HOSTILE_DOMAIN + ".txt"), "w") as f:
            f.write(whois_text(doc))
        dnstest.run("whois", "--import", "--source", "archive", folder, db=db, check=0)

    pem = os.path.join(tmp, "hostile.pem")
    cert = hostile_certificate(pem)
    dnstest.run("ingest", "--source", "scan", pem, db=db, check=0)
    return db, cert


def add_key(db):
    """Make a read key for db's keys file and return it."""
    key = dnstest.run("apikey", "add", "--name", "web test", db=db, check=0).stdout.strip()
    assert key, "dragnet apikey add printed no key"
    return key


class Server:
    """A `dragnet serve` process on a port the kernel picks, stopped by stop().

    db is the SQLite store, or None when args name the store (--store); the
    log goes next to db, or into log_dir. env replaces the environment."""

    def __init__(self, db, *args, env=None, log_dir=None):
        log_dir = log_dir if log_dir is not None else os.path.dirname(db)
        self.log_path = os.path.join(log_dir, f"serve-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "w+")
        store = ["--db", db] if db is not None else []
        self.proc = subprocess.Popen(
            [dnstest.DRAGNET, "serve", *store, "--listen", "127.0.0.1:0", "-v", *args],
            stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            match = re.search(r"serving http://(127\.0\.0\.1):(\d+)/", self.text())
            if match:
                self.host, self.port = match.group(1), int(match.group(2))
                self.url = f"http://{self.host}:{self.port}"
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"dragnet serve exited {self.proc.returncode}:\n"
                                     f"{self.text()}")
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"dragnet serve did not report its address:\n{self.text()}")

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        """Stop the server with SIGTERM; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("dragnet serve did not stop within 20 s of SIGTERM")
        self.log.close()
        return self.proc.returncode
