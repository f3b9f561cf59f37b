"""dragnet whois on the bundled WHOIS samples: import, latest record, history
as changes, reverse WHOIS, privacy and redaction marks, --redact-personal,
--raw, --parse, and bad files among good ones.

The expected values come from samples/make_whois.py, which wrote the
responses (its data, not dragnet's output, is the oracle). The same checks run
against a ClickHouse server started on loopback when clickhouse-server is
installed.

Environment: DRAGNET is the dragnet binary, DRAGNET_SOURCE_DIR the checkout,
TMPDIR the scratch folder."""

import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

SAMPLES = os.path.join(t.SOURCE_DIR, "samples", "whois")
sys.path.insert(0, os.path.join(t.SOURCE_DIR, "samples"))
import make_whois  # noqa: E402

EXIT_OK, EXIT_NONE, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3
RING_PREFIX = "+4420794603"


def whois(where, *args, check=None):
    return t.run("whois", *where, *args, check=check)


def ring_domains():
    """The 44 domains of the fraud ring that share the phone run, from the
    sample files (the generator's phone field)."""
    found = []
    for name in sorted(os.listdir(os.path.join(SAMPLES, "ring"))):
        with open(os.path.join(SAMPLES, "ring", name), encoding="utf-8") as f:
            text = f.read()
        if f"Registrant Phone: +44.207946031" in text:
            found.append(name[:-len(".txt")])
    return found


def check_import(where, tmp):
    proc = whois(where, "--import", "--source", "archive", SAMPLES, check=EXIT_OK)
    files = sum(len(files) for _, _, files in os.walk(SAMPLES))
    assert f"files read: {files};" in proc.stderr, proc.stderr
    assert f"responses stored: {files} (found {files}," in proc.stderr, proc.stderr


def check_latest(where):
    out = whois(where, "paypa1-secure.example", check=EXIT_OK).stdout
    assert "ns1.flux-hosting.example" in out, out
    assert "ns1.bulletproof-dns.example" not in out, out
    assert "viktor.example@mail.example.net" in out, out
    assert "Example Registrar, LLC" in out, out
    assert "clientUpdateProhibited" in out, out
    assert "2023-12-01T09:14:00Z" in out, out  # created
    # Upper case and a trailing dot name the same domain.
    again = whois(where, "PAYPA1-SECURE.EXAMPLE.", check=EXIT_OK).stdout
    assert again == out
    whois(where, "never-registered.example", check=EXIT_NONE)


def check_history(where):
    out = whois(where, "--history", "paypa1-secure.example", check=EXIT_OK).stdout
    blocks = [b for b in out.split("\n\n") if b.strip()]
    assert len(blocks) == 2, out
    first, second = blocks
    assert "seen 2023-12-02T00:00:00Z" in first, first
    assert "ns1.bulletproof-dns.example" in first, first
    assert "seen 2024-02-11T00:00:00Z" in second, second
    lines = [" ".join(line.split()) for line in second.splitlines()[1:]]
    for expected in ("- nameserver ns1.bulletproof-dns.example",
                     "+ nameserver ns1.flux-hosting.example",
                     "+ domain status clientUpdateProhibited",
                     "- registrant email v.example+reg@mail.example.net",
                     "+ registrant email viktor.example@mail.example.net",
                     "- updated 2023-12-01T09:14:00Z",
                     "+ updated 2024-02-10T17:40:00Z"):
        assert expected in lines, (expected, lines)
    # Unchanged fields are not repeated in the change list.
    assert not any("Example Registrar" in line for line in lines), lines


def check_reimport(where):
    whois(where, "--import", "--source", "second-archive", SAMPLES, check=EXIT_OK)
    docs = [json.loads(line) for line in
            whois(where, "--history", "--json", "paypa1-secure.example",
                  check=EXIT_OK).stdout.splitlines()]
    assert len(docs) == 2, docs
    assert [d["count"] for d in docs] == [2, 2], docs
    assert docs[0]["source"] == "archive", docs
    assert docs[1]["nameservers"] == ["ns1.flux-hosting.example", "ns2.flux-hosting.example"]


def reverse(where, query, check=EXIT_OK):
    out = whois(where, "--reverse", query, "--json", "--limit", "0", check=check).stdout
    return [json.loads(line) for line in out.splitlines()]


def check_reverse(where):
    rows = reverse(where, "email=Viktor.Example@MAIL.example.net")
    assert sorted({r["domain"] for r in rows}) == ["paypa1-secure.example",
                                                   "paypa1-support.example"], rows
    # The "+reg" tag is dropped, so the old address meets the variant on invoice-paypa1.
    rows = reverse(where, "email=v.example+other@mail.example.net")
    assert sorted({r["domain"] for r in rows}) == ["invoice-paypa1.example",
                                                   "paypa1-secure.example"], rows
    rows = reverse(where, "phone=+44 20 7946 0555")
    assert sorted({r["domain"] for r in rows}) == ["invoice-paypa1.example",
                                                   "paypa1-secure.example",
                                                   "paypa1-support.example"], rows
    rows = reverse(where, f"phone={RING_PREFIX}*")
    assert sorted({r["domain"] for r in rows}) == ring_domains(), rows
    assert len(ring_domains()) == 44
    rows = reverse(where, "nameserver=NS1.Cheap-DNS.example")
    assert len({r["domain"] for r in rows}) == 47, rows
    rows = reverse(where, "name=viktor   EXAMPLE")
    assert {r["domain"] for r in rows} >= {"paypa1-secure.example",
                                           "paypa1-support.example"}, rows
    # Addresses match on their leading parts; email prefixes are only lowered.
    rows = reverse(where, "address=12 Sample Street")
    assert {r["domain"] for r in rows} == {"invoice-paypa1.example", "paypa1-secure.example"}, \
        rows
    rows = reverse(where, "address=12 sample st, LONDON")
    assert {r["domain"] for r in rows} == {"invoice-paypa1.example", "paypa1-secure.example"}, \
        rows
    reverse(where, "address=12 Sample", check=EXIT_NONE)
    rows = reverse(where, "email=Viktor.Example@*")
    assert {r["domain"] for r in rows} == {"paypa1-secure.example", "paypa1-support.example"}, \
        rows
    reverse(where, "email=nobody@example.org", check=EXIT_NONE)
    whois(where, "--reverse", "colour=red", check=EXIT_USAGE)
    whois(where, "--reverse", "email", check=EXIT_USAGE)


def check_masks(where):
    out = whois(where, "secure-bank-login.example", check=EXIT_OK).stdout
    assert "registrant masked" in out, out
    assert "privacy service" in out, out
    rows = reverse(where, "email=contact@privacyprotect.org")
    assert rows and all(r["masked"] for r in rows), rows
    out = whois(where, "account-verify-paypa1.example", check=EXIT_OK).stdout
    assert "registrant masked" in out, out
    assert "redacted" in out, out
    assert "REDACTED FOR PRIVACY" not in out, out


def check_redact(where):
    out = whois(where, "paypa1-secure.example", "--redact-personal", check=EXIT_OK).stdout
    for personal in ("Viktor Example", "viktor.example@", "+44.2079460555",
                     "12 Sample Street"):
        assert personal not in out, (personal, out)
    assert "[personal data removed]" in out, out
    whois(where, "paypa1-secure.example", "--raw", "--redact-personal", check=EXIT_USAGE)
    assert "Example Registrar, LLC" in out, out  # a company stays
    hist = whois(where, "--history", "--redact-personal", "paypa1-secure.example",
                 check=EXIT_OK).stdout
    assert "v.example+reg@" not in hist, hist
    assert "Viktor" not in hist, hist
    rows = reverse(where, "phone=+442079460555")
    redacted = json.loads(whois(where, "--reverse", "phone=+442079460555", "--json",
                                "--redact-personal", check=EXIT_OK).stdout.splitlines()[0])
    assert rows[0]["shown"] == "+44.2079460555", rows
    assert redacted["shown"] == "[personal data removed]", redacted


def check_raw(where):
    out = whois(where, "--raw", "paypa1-secure.example", check=EXIT_OK).stdout
    with open(os.path.join(SAMPLES, "paypa1-secure.example.txt"), encoding="utf-8") as f:
        assert out == f.read()


def check_parse():
    path = os.path.join(SAMPLES, "paypa1-support.example.json")
    doc = json.loads(t.run("whois", "--parse", "--json", path, check=EXIT_OK).stdout)
    assert doc["domain"] == "paypa1-support.example", doc
    assert doc["registrar"]["name"] == "Example Registrar, LLC", doc
    assert doc["registrar"]["iana_id"] == "9999", doc
    assert doc["registrar"]["abuse_email"] == "abuse@registrar.example", doc
    assert doc["created"] == "2024-03-01T12:00:00Z", doc
    assert doc["statuses"] == ["clientTransferProhibited"], doc
    assert doc["contacts"]["registrant"]["email"] == "viktor.example@mail.example.net", doc


def check_refetch(where, tmp):
    """A response that differs only in its "last update of WHOIS database"
    time is the same record seen again, not a change."""
    folder = os.path.join(tmp, "refetch")
    os.makedirs(folder)
    with open(os.path.join(SAMPLES, "secure-bank-login.example.txt"), encoding="utf-8") as f:
        text = f.read()
    later = text.replace("Last update of WHOIS database: 2024-02-03T00:00:00Z",
                         "Last update of WHOIS database: 2024-05-06T07:08:09Z")
    assert later != text
    with open(os.path.join(folder, "secure-bank-login.example.txt"), "w",
              encoding="utf-8") as f:
        f.write(later)
    whois(where, "--import", "--source", "refetch", folder, check=EXIT_OK)
    docs = [json.loads(line) for line in
            whois(where, "--history", "--json", "secure-bank-login.example",
                  check=EXIT_OK).stdout.splitlines()]
    assert len(docs) == 1, docs
    assert docs[0]["time_first"] == "2024-02-03T00:00:00Z", docs
    assert docs[0]["time_last"] == "2024-05-06T07:08:09Z", docs


def check_bad_inputs(where, tmp):
    bad = os.path.join(tmp, "mixed")
    os.makedirs(bad)
    shutil.copy(os.path.join(SAMPLES, "invoice-paypa1.example.txt"), bad)
    with open(os.path.join(bad, "binary.example.txt"), "wb") as f:
        f.write(bytes(range(256)) * 4)
    open(os.path.join(bad, "empty.example.txt"), "w").close()
    with open(os.path.join(bad, "prose.example.txt"), "w", encoding="utf-8") as f:
        f.write("hello world\nthis is not a registration\n")
    # A link back to the folder must not read it again.
    os.symlink(bad, os.path.join(bad, "loop"))
    proc = whois(where, "--import", bad, check=EXIT_INPUT)
    assert "binary.example.txt" in proc.stderr, proc.stderr
    assert "empty.example.txt" in proc.stderr, proc.stderr
    assert "prose.example.txt: not stored: not a WHOIS or RDAP response" in proc.stderr, \
        proc.stderr
    assert "a link back to a folder being read" in proc.stderr, proc.stderr
    assert "files read: 4; responses stored: 1 " in proc.stderr, proc.stderr
    assert "inputs failed: 3" in proc.stderr, proc.stderr
    whois(where, "prose.example", check=EXIT_NONE)
    whois(where, "--import", os.path.join(tmp, "no-such-file"), check=EXIT_INPUT)


def run_all(where, tmp):
    tmp = tempfile.mkdtemp(dir=tmp)
    check_import(where, tmp)
    check_latest(where)
    check_history(where)
    check_reverse(where)
    check_masks(where)
    check_redact(where)
    check_raw(where)
    check_reimport(where)
    check_refetch(where, tmp)
    check_bad_inputs(where, tmp)


def main():
    tmp = t.scratch()
    make_whois.OUT = os.path.join(tmp, "regenerated")
    make_whois.main()
    for root, _, files in os.walk(SAMPLES):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as a, \
                 open(os.path.join(make_whois.OUT, os.path.relpath(path, SAMPLES)), "rb") as b:
                assert a.read() == b.read(), f"{path} differs from what make_whois.py writes"
    check_parse()
    run_all(["--db", os.path.join(tmp, "whois.db")], tmp)
    print("sqlite: import, latest, history, reverse, masks, redaction, raw, bad inputs")
    if chserver.find_server() is None:
        print("NOTE: clickhouse-server is not installed; the ClickHouse checks are skipped")
        return
    with chserver.ClickHouse() as server:
        location = f"clickhouse://{chserver.HOST}:{server.http_port}/whois"
        run_all(["--store", location], tmp)
        print("clickhouse: the same checks")
        # store copy carries documents and index values across backends.
        copy = f"clickhouse://{chserver.HOST}:{server.http_port}/whoiscopy"
        t.run("store", "copy", "--from", os.path.join(tmp, "whois.db"), "--to", copy,
              check=EXIT_OK)
        for args in (["--history", "--json", "paypa1-secure.example"],
                     ["--reverse", "phone=+4420794603*", "--json", "--limit", "0"],
                     ["--raw", "invoice-paypa1.example"]):
            a = whois(["--db", os.path.join(tmp, "whois.db")], *args, check=EXIT_OK).stdout
            b = whois(["--store", copy], *args, check=EXIT_OK).stdout
            assert a == b, (args, a, b)
    print("store copy: SQLite to ClickHouse gives the same answers")


if __name__ == "__main__":
    main()
