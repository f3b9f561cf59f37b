"""dragnet ingest of certificate files: the ingested-before rule, resuming a
run cut short, --max-memory, standard input and pipes, files in which
nothing could be stored, get-entry-and-proof, the log lines, and the
figures `dragnet stats` prints.

Expected fingerprints and counts come from decoding the corpus files here
(PEM base64, the RFC 6962 MerkleTreeLeaf and extra_data) and from the
`openssl` binary, never from dragnet. The ingested-before rule and the
stats figures run against a ClickHouse server on loopback as well when
clickhouse-server is installed.

Environment: DRAGNET is the dragnet binary, DRAGNET_SOURCE_DIR the checkout,
DRAGNET_CORPUS the shared corpus, TMPDIR the scratch folder."""

import base64
import hashlib
import ipaddress
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

EXIT_OK, EXIT_INPUT = 0, 3
PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----",
                       re.S)


def pem_ders(path):
    """The DER of every CERTIFICATE block of a PEM file."""
    with open(path, "rb") as f:
        return [base64.b64decode(b"".join(m.group(1).split()))
                for m in PEM_BLOCK.finditer(f.read())]


def sha256(der):
    return hashlib.sha256(der).hexdigest()


def u24_list(data):
    """A TLS vector of ASN.1Cert<1..2^24-1>, each with a 3-byte length."""
    out, at = [], 0
    while at < len(data):
        n = int.from_bytes(data[at:at + 3], "big")
        out.append(data[at + 3:at + 3 + n])
        at += 3 + n
    return out


def ct_entry_certs(entry):
    """The certificates of one get-entries entry (RFC 6962 section 4.6):
    the x509_entry leaf and its certificate_chain from extra_data."""
    leaf = base64.b64decode(entry["leaf_input"])
    assert leaf[10:12] == b"\x00\x00", "the corpus file holds x509 entries only"
    length = int.from_bytes(leaf[12:15], "big")
    extra = base64.b64decode(entry["extra_data"])
    chain_len = int.from_bytes(extra[:3], "big")
    return [leaf[15:15 + length]] + u24_list(extra[3:3 + chain_len])


def cert(where, *args):
    proc = t.run("cert", *where, *args, "--json")
    return json.loads(proc.stdout) if proc.returncode == EXIT_OK else []


def sightings(where, der, kind):
    """The sightings of kind of the certificate der, as (detail, count)."""
    found = cert(where, "--fingerprint", sha256(der))
    assert len(found) == 1, (sha256(der), found)
    return sorted((s["detail"], s["count"]) for s in found[0]["sightings"] if s["kind"] == kind)


def check_ingested_before(where, tmp, corpus):
    """A second ingest of a certificate file skips it and adds no sighting."""
    src = os.path.join(corpus, "x509", "ct-go", "TestCertPEM.pem")
    path = os.path.realpath(os.path.join(tmp, "again.pem"))
    shutil.copy(src, path)
    (der,) = pem_ders(path)
    ct = os.path.realpath(os.path.join(corpus, "ct", "ct-go", "get-entries-4.json"))
    with open(ct) as f:
        leaf = ct_entry_certs(json.load(f)["entries"][0])[0]

    proc = t.run("ingest", *where, path, path, ct, check=EXIT_OK)
    assert proc.stderr.count("skipped, ingested before") == 1, proc.stderr
    proc = t.run("ingest", *where, path, ct, check=EXIT_OK)
    assert proc.stderr.count("skipped, ingested before") == 2, proc.stderr
    assert sightings(where, der, "file") == [(path, 1)]
    assert sightings(where, leaf, "ct") == [(f"{ct}#0", 1)]

    t.run("ingest", *where, "--again", path, check=EXIT_OK)
    assert sightings(where, der, "file") == [(path, 2)]
    # A file that changed is read again, with a warning.
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    proc = t.run("ingest", *where, path, check=EXIT_OK)
    assert "changed since run" in proc.stderr, proc.stderr
    assert sightings(where, der, "file")[0][1] == 3


def check_resume(tmp, corpus):
    """A run cut short after its first item resumes after it."""
    db = os.path.join(tmp, "resume.db")
    path = os.path.realpath(os.path.join(tmp, "two.pem"))
    names = ("TestCertPEM.pem", "TestPreCertPEM.pem")
    with open(path, "wb") as out:
        for name in names:
            with open(os.path.join(corpus, "x509", "ct-go", name), "rb") as f:
                out.write(f.read())
    first, second = pem_ders(path)
    t.run("ingest", "--db", db, path, check=EXIT_OK)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE run SET finished = 0, owner = 0, packets = 1")
    con.close()
    proc = t.run("ingest", "--db", db, path, check=EXIT_OK)
    assert "resuming after them" in proc.stderr, proc.stderr
    where = ["--db", db]
    assert sightings(where, first, "file") == [(path, 1)]
    assert sightings(where, second, "file") == [(path, 2)]
    (run,) = t.runs(db)
    assert run["finished"] == 1, run
    assert run["owner"] == 0, run
    assert run["packets"] == 2, run


def check_all_malformed(tmp, corpus):
    """Nothing stored from a file is an input error; some stored is not."""
    db = os.path.join(tmp, "bad.db")
    der = os.path.join(corpus, "x509", "ct-go", "der", "precert.der")
    trailing = os.path.join(tmp, "trailing.der")
    with open(der, "rb") as f, open(trailing, "wb") as out:
        out.write(f.read() + b"abc")
    proc = t.run("ingest", "--db", db, trailing, check=EXIT_INPUT)
    assert f"{trailing}: der, no certificate stored: 1 malformed" in proc.stderr, proc.stderr
    bad_b64 = os.path.join(tmp, "bad-base64.pem")
    with open(bad_b64, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nMIIB!!!notbase64\n-----END CERTIFICATE-----\n")
    t.run("ingest", "--db", db, bad_b64, check=EXIT_INPUT)
    # The good file given with them is still stored.
    good = os.path.join(corpus, "x509", "ct-go", "TestCertPEM.pem")
    t.run("ingest", "--db", db, bad_b64, good, check=EXIT_INPUT)
    assert len(sightings(["--db", db], pem_ders(good)[0], "file")) == 1


def check_max_memory(tmp, corpus):
    """A file larger than --max-memory allows is rejected, naming both."""
    db = os.path.join(tmp, "memory.db")
    src = os.path.join(corpus, "x509", "ct-go", "TestCertPEM.pem")
    with open(src, "rb") as f:
        block = f.read()
    big = os.path.join(tmp, "big.pem")
    with open(big, "wb") as out:
        out.write(block * (20 * (1 << 20) // len(block) + 1))
    mib = os.path.getsize(big) >> 20
    proc = t.run("ingest", "--db", db, "-m", "64M", big, check=EXIT_INPUT)
    assert f"{big}: not read: {mib} MiB of pem input" in proc.stderr, proc.stderr
    assert "--max-memory 64 MiB" in proc.stderr, proc.stderr
    assert t.runs(db) == [], "a file not read has no run"
    proc = t.run("ingest", "--db", db, "-m", "128M", big, check=EXIT_OK)
    assert f"stored {len(pem_ders(big))} certificates" in proc.stderr, proc.stderr
    # Standard input is read up to the same limit.
    with open(big, "rb") as f:
        data = f.read()
    proc = t.run("ingest", "-n", "-m", "64M", "--format", "pem", "-", input=data,
                 check=EXIT_INPUT)
    assert "standard input: not read: more certificate data than --max-memory 64 MiB" in (
        proc.stderr.decode()), proc.stderr


def check_pipes(tmp, corpus):
    """Certificates on standard input or a FIFO need --format."""
    db = os.path.join(tmp, "pipe.db")
    src = os.path.join(corpus, "x509", "ct-go", "TestCertPEM.pem")
    with open(src) as f:
        text = f.read()
    (der,) = pem_ders(src)
    proc = t.run("ingest", "--db", db, "-", input=text, check=EXIT_INPUT)
    assert "-: contains certificates (pem), which are detected in regular files only" in (
        proc.stderr), proc.stderr
    proc = t.run("ingest", "--db", db, "--format", "pem", "-", input=text, check=EXIT_OK)
    assert "standard input: pem, stored 1 certificates" in proc.stderr, proc.stderr
    assert sightings(["--db", db], der, "file") == [("stdin", 1)]

    fifo = os.path.join(tmp, "certs.fifo")
    os.mkfifo(fifo)
    def write():
        with open(fifo, "w") as f:
            f.write(text)
    writer = threading.Thread(target=write)
    writer.start()
    proc = t.run("ingest", "--db", db, "--format", "pem", fifo, check=EXIT_OK, timeout=60)
    writer.join()
    assert f"{fifo}: pem, stored 1 certificates" in proc.stderr, proc.stderr
    t.run("ingest", "--db", db, "--format", "x509", "-", input=text, check=2)


def check_messages(tmp, corpus):
    """Unrecognised input names the certificate formats; messages name the
    file as given; certificate files get one line each and no totals."""
    roots = os.path.join(corpus, "ct", "ct-go", "get-roots.json")
    proc = t.run("ingest", "-n", roots, check=EXIT_INPUT)
    assert "certificate formats (PEM, CT get-entries JSON, crt.sh JSON)" in proc.stderr, (
        proc.stderr)

    work = os.path.join(tmp, "relative")
    os.mkdir(work)
    shutil.copy(os.path.join(corpus, "x509", "ct-go", "TestCertPEM.pem"),
                os.path.join(work, "good.pem"))
    with open(os.path.join(work, "mixed.pem"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nMIIB!!!\n-----END CERTIFICATE-----\n")
        with open(os.path.join(corpus, "x509", "ct-go", "CACertPEM.pem")) as g:
            f.write(g.read())
    proc = t.run("ingest", "--db", "certs.db", "good.pem", "mixed.pem", cwd=work,
                 check=EXIT_OK)
    lines = proc.stderr.splitlines()
    assert "dragnet: warning: mixed.pem: certificate 1 at byte 0:" in proc.stderr, lines
    infos = [line for line in lines if line.startswith("dragnet: info:")]
    assert len(infos) == 2, lines
    assert infos[0].startswith("dragnet: info: good.pem: pem, stored 1 certificates;"), infos
    assert infos[1].startswith("dragnet: info: mixed.pem: pem, stored 1 certificates;"), infos
    assert "all files" not in proc.stderr, lines

    # get-entry-and-proof: the reason extra_data does not decode is logged,
    # and the detail has no index, which the response does not carry.
    proof = os.path.realpath(os.path.join(corpus, "ct", "ct-go", "get-entry-and-proof.json"))
    db = os.path.join(tmp, "proof.db")
    proc = t.run("ingest", "--db", db, proof, check=EXIT_OK)
    assert f"{proof}: the entry: extra_data not decoded (" in proc.stderr, proc.stderr
    with open(proof) as f:
        leaf = base64.b64decode(json.load(f)["leaf_input"])
    length = int.from_bytes(leaf[12:15], "big")
    assert sightings(["--db", db], leaf[15:15 + length], "ct") == [(proof, 1)]


def expected_stats(tmp, corpus):
    """Inputs for the stats check and the figures they give, computed here."""
    pems = [os.path.join(corpus, "x509", "ct-go", n)
            for n in ("TestCertPEM.pem", "TestPreCertPEM.pem", "CACertPEM.pem")]
    ct = os.path.join(corpus, "ct", "ct-go", "get-entries-4.json")
    crtsh = os.path.join(tmp, "crtsh.json")
    with open(crtsh, "w") as f:
        json.dump([{"issuer_ca_id": 9, "issuer_name": f"C=NL, O=Stats CA, CN=S{i}",
                    "common_name": f"stats-{i}.example", "name_value": f"stats-{i}.example",
                    "id": 9000 + i, "entry_timestamp": "2024-01-02T03:04:05",
                    "not_before": "2024-01-01T00:00:00", "not_after": "2024-12-31T00:00:00",
                    "serial_number": f"{i + 10:02x}"} for i in range(3)], f)
    seen = set()
    certs = set()
    for path in pems:
        for der in pem_ders(path):
            certs.add(sha256(der))
            seen.add((sha256(der), "file", os.path.realpath(path)))
    with open(ct) as f:
        for index, entry in enumerate(json.load(f)["entries"]):
            for der in ct_entry_certs(entry):
                certs.add(sha256(der))
                seen.add((sha256(der), "ct", f"{os.path.realpath(ct)}#{index}"))
    asn_file = os.path.join(t.SOURCE_DIR, "samples", "asn", "ip2asn-sample.tsv")
    ranges = 0
    with open(asn_file) as f:
        for line in f:
            start, end, asn = line.split("\t")[:3]
            try:
                ok = (ipaddress.ip_address(start) <= ipaddress.ip_address(end)
                      and int(asn) < 2**32)
            except ValueError:
                ok = False
            ranges += ok
    want = {"certificates": len(certs), "crtsh_entries": 3,
            "cert_sightings": len(seen) + 3, "asn_ranges": ranges, "asn_sources": 1}
    return [*pems, ct, crtsh], asn_file, want


def check_stats(where, inputs, asn_file, want):
    t.run("ingest", *where, *inputs, check=EXIT_OK)
    t.run("asn", *where, "--load", asn_file, check=EXIT_OK)
    got = json.loads(t.run("stats", *where, "--json", check=EXIT_OK).stdout)
    for key, value in want.items():
        assert got[key] == value, (key, got[key], value)
    text = t.run("stats", *where, check=EXIT_OK).stdout
    assert (f"certificates   {want['certificates']} with DER, {want['crtsh_entries']} crt.sh "
            "entries without DER") in text, text


def main():
    corpus = t.corpus_dir()
    t.corpus_dir(os.path.join("x509", "ct-go"))
    tmp = t.scratch()
    check_resume(tmp, corpus)
    check_all_malformed(tmp, corpus)
    check_max_memory(tmp, corpus)
    check_pipes(tmp, corpus)
    check_messages(tmp, corpus)
    print("sqlite: resume, malformed files, --max-memory, pipes, messages")
    inputs, asn_file, want = expected_stats(tmp, corpus)
    check_ingested_before(["--db", os.path.join(tmp, "again.db")], tmp, corpus)
    check_stats(["--db", os.path.join(tmp, "stats.db")], inputs, asn_file, want)
    print("sqlite: ingested-before rule, stats figures")
    if chserver.find_server() is None:
        print("NOTE: clickhouse-server is not installed; the ClickHouse checks are skipped")
        return
    with chserver.ClickHouse() as server:
        base = f"clickhouse://{chserver.HOST}:{server.http_port}"
        check_ingested_before(["--store", f"{base}/again"], tmp, corpus)
        check_stats(["--store", f"{base}/stats"], inputs, asn_file, want)
        print("clickhouse: ingested-before rule, stats figures")

if __name__ == "__main__":
    main()
