"""POST /api/v1/ingest and the query time limit of dragnet serve, over
loopback HTTP with servers this test starts.

Uploads are checked against the command-line path: the same files given to
`dragnet ingest` and `dragnet whois --import` in a second store must leave
the same records."""

import hashlib
import json
import os
import re
import socket
import sys
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(__file__))
import dnstest  # noqa: E402
from test_serve import Server, add_key, expect_error  # noqa: E402

SOURCE = "upload-sensor"


def upload(server, key, query, body):
    headers = {"Content-Type": "application/octet-stream"}
    if key is not None:
        headers["X-Api-Key"] = key
    return server.request("POST", "/api/v1/ingest?" + query, headers=headers, body=body)


def summary(result, what):
    status, _, body = result
    assert status == 200, f"{what}: status {status}: {body[:400]!r}"
    return json.loads(body)


def pdns_json(db, name):
    proc = dnstest.run("pdns", name, "--json", db=db, check=0)
    return sorted(proc.stdout.splitlines())


def raw_post(server, head_lines, body):
    """Send a POST with head_lines as given over a new connection; returns
    (status, body bytes) of the response."""
    lines = [b"POST /api/v1/ingest?source=smuggle&format=cof HTTP/1.1",
             b"Host: 127.0.0.1", *head_lines, b"Connection: close", b"", b""]
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines) + body)
        reply = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    head, _, data = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), data


def test_body_framing(server, db, write_key):
    """A body framed two ways (RFC 9112 section 6.3) is rejected before it is
    read: a proxy in front may pick the other framing."""
    key_line = b"X-Api-Key: " + write_key.encode()
    record = json.dumps({"count": 1, "time_first": 1700000000, "time_last": 1700000000,
                         "rrtype": "A", "rrname": "smuggle.example.", "rdata": "192.0.2.9"})
    body = record.encode() + b"\n"
    chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    cases = [
        ("two lengths", [b"Content-Length: %d" % len(body), b"Content-Length: %d" % (len(body) + 2)],
         body + b"\n\n", "Content-Length headers with different values"),
        ("two lengths, smaller first", [b"Content-Length: 5", b"Content-Length: 7"], body,
         "Content-Length headers with different values"),
        ("length and chunked", [b"Content-Length: %d" % len(body), b"Transfer-Encoding: chunked"],
         chunked, "both Content-Length and Transfer-Encoding"),
        ("chunked and length", [b"Transfer-Encoding: chunked", b"Content-Length: %d" % len(body)],
         chunked, "both Content-Length and Transfer-Encoding"),
    ]
    for label, head_lines, data, reason in cases:
        status, reply = raw_post(server, [key_line, *head_lines], data)
        assert status == 400, f"{label}: status {status}: {reply[:200]!r}"
        message = json.loads(reply)["error"]
        assert message.startswith(reason), f"{label}: message {message!r}"
    names = [name for name, _ in dnstest.sources(db)]
    assert "smuggle" not in names, f"a body framed two ways was stored: {names}"

    # One framing, or the same length twice, is read as usual.
    for label, head_lines, data in (
            ("one length", [b"Content-Length: %d" % len(body)], body),
            ("chunked", [b"Transfer-Encoding: chunked"], chunked),
            ("same length twice", [b"Content-Length: %d" % len(body)] * 2, body)):
        status, reply = raw_post(server, [key_line, *head_lines], data)
        assert status == 200, f"{label}: status {status}: {reply[:200]!r}"
        assert json.loads(reply)["stored"]["records"] == 1, f"{label}: {reply[:200]!r}"
    print("body framing: ok")


def test_capture_upload(server, db, cli_db, write_key):
    path = dnstest.sample("dnscap-resolver.pcap")
    with open(path, "rb") as f:
        body = f.read()
    doc = summary(upload(server, write_key, f"source={SOURCE}", body), "pcap upload")
    assert doc["kind"] == "pdns", doc
    assert doc["format"] == "pcap", doc
    assert doc["errors"] == [], doc

    dnstest.run("ingest", "--source", SOURCE, path, db=cli_db, check=0)
    expected = [row for row in dnstest.rrset_sources(cli_db) if row[4] == SOURCE]
    got = [row for row in dnstest.rrset_sources(db) if row[4] == SOURCE]
    assert expected, "dragnet ingest stored nothing from the sample capture"
    assert got == expected, f"upload stored {len(got)} rows, the CLI {len(expected)}"
    assert doc["stored"]["records"] == len({row[:4] for row in expected}), doc
    # What dragnet pdns prints for a name of the capture is the same too.
    name = expected[0][0]
    assert pdns_json(db, name) == pdns_json(cli_db, name), name
    print(f"capture upload: ok ({len(got)} records, as dragnet ingest)")


def test_rejections(server, db, read_key, write_key):
    before = dnstest.rrset_sources(db)
    body = b"\xd4\xc3\xb2\xa1"
    message = expect_error(upload(server, read_key, "source=x", body), 403, "read key")
    assert "write key" in message, message
    expect_error(upload(server, None, "source=x", body), 401, "no key")
    message = expect_error(upload(server, write_key, "source=x", b"x" * (70 * 1024)), 413,
                           "oversized body")
    assert "larger than" in message, message
    message = expect_error(upload(server, write_key, "source=junk",
                                  b"this is neither a capture nor a log\n" * 20), 400,
                           "garbage body")
    assert "not a capture" in message, message
    assert "request body" in message, message
    assert "dragnet-upload-" not in message, f"the temporary path leaks: {message}"
    message = expect_error(upload(server, write_key, "format=cof", b"{}\n"), 400, "no source")
    assert message.startswith("source:"), message
    message = expect_error(upload(server, write_key, "source=x&format=nope", b"x"), 400,
                           "bad format")
    assert "nope" in message, message
    # Errors name the upload's parameters, not the command's options.
    assert "--format" not in message, message
    message = expect_error(upload(server, write_key, "source=junk",
                                  b"this is neither a capture nor a log\n" * 20), 400,
                           "garbage body")
    assert "give the format parameter" in message, message
    assert "--format" not in message, message

    message = expect_error(upload(server, write_key, "source=a%0Ab&format=cof", b"{}\n"), 400,
                           "line break in the source")
    assert message.startswith("source: control character 0x0a at byte 1"), message
    message = expect_error(upload(server, write_key, "source=junk-pem&format=pem",
                                  b"hello\n"), 400, "format=pem without a certificate")
    assert "no certificate input" in message, message
    message = expect_error(upload(server, write_key,
                                  "source=junk-domain&kind=whois&domain=not%20a%20domain",
                                  b"Registrar: x\n"), 400, "invalid domain")
    assert message == "domain: 'not a domain' is not a domain name", message
    message = expect_error(upload(server, write_key, "source=junk-whois&kind=whois",
                                  b"hello\n"), 400, "WHOIS body without a domain")
    assert "not stored" in message, message

    assert dnstest.rrset_sources(db) == before, "a rejected upload stored records"
    names = [name for name, _ in dnstest.sources(db)]
    for rejected in ("junk", "a\nb", "junk-pem", "junk-domain", "junk-whois"):
        assert rejected not in names, f"a rejected upload created source {rejected!r}: {names}"
    proc = dnstest.run("ingest", "--source", "a\nb", dnstest.sample("dnscap-resolver.pcap"),
                       db=db, check=2)
    assert "--source: control character 0x0a at byte 1" in proc.stderr, proc.stderr
    assert "a\nb" not in [name for name, _ in dnstest.sources(db)], dnstest.sources(db)

    # Blank names and invisible or bidirectional characters get the same wording from
    # the upload and from the command line.
    for value, reason in ((" ", "blank: it contains only spaces"),
                          ("   ", "blank: it contains only spaces"),
                          ("sensor\u202egnp.exe", "control character U+202E at byte 6"),
                          ("\u2069sensor", "control character U+2069 at byte 0"),
                          ("a\u200bb", "control character U+200B at byte 1"),
                          ("a\ufeff", "control character U+FEFF at byte 1")):
        message = expect_error(upload(server, write_key, f"source={quote(value)}&format=cof",
                                      b"{}\n"), 400, f"source {value!r}")
        assert message == f"source: {reason}; give a printable name that is not blank", \
            message
        proc = dnstest.run("ingest", "--source", value, dnstest.sample("dnscap-resolver.pcap"),
                           db=db, check=2)
        assert f"--source: {reason}; give a printable name" in proc.stderr, proc.stderr
        assert value not in [name for name, _ in dnstest.sources(db)], dnstest.sources(db)
    # A name with non-ASCII letters and inner spaces is valid.
    doc = summary(upload(server, write_key, "source=" + quote("capteur de Zürich"),
                         b'{"count": 1, "time_first": 1700000000, "time_last": 1700000000, '
                         b'"rrtype": "A", "rrname": "zurich.example.", "rdata": "192.0.2.7"}\n'),
                  "source with a space and a non-ASCII letter")
    assert doc["stored"]["records"] == 1, doc
    print("rejections: ok")


def test_whois_upload(server, db, cli_db, write_key):
    path = os.path.join(dnstest.SOURCE_DIR, "samples", "whois", "paypa1-secure.example.txt")
    with open(path, "rb") as f:
        body = f.read()
    registrar = re.search(rb"^\s*Registrar:\s*(.+?)\s*$", body, re.M).group(1).decode()
    doc = summary(upload(server, write_key, "source=whois-feed&kind=whois", body), "whois")
    assert doc["stored"]["whois"] == 1, doc
    assert doc["format"] == "text", doc

    dnstest.run("whois", "--import", "--source", "whois-feed", path, db=cli_db, check=0)
    shown = json.loads(dnstest.run("whois", "paypa1-secure.example", "--json", db=db,
                                   check=0).stdout)
    cli = json.loads(dnstest.run("whois", "paypa1-secure.example", "--json", db=cli_db,
                                 check=0).stdout)
    assert shown["registrar"]["name"] == registrar, shown["registrar"]
    for field in ("domain", "registrar", "contacts", "nameservers", "created", "expires",
                  "time_first", "source"):
        assert shown.get(field) == cli.get(field), f"{field}: {shown.get(field)!r} != " \
                                                   f"{cli.get(field)!r}"
    print("whois upload: ok")


def test_cert_upload(server, db, write_key):
    path = os.path.join(dnstest.SOURCE_DIR, "samples", "world", "certs", "self-signed.pem")
    with open(path, "rb") as f:
        body = f.read()
    blocks = body.count(b"-----BEGIN CERTIFICATE-----")
    doc = summary(upload(server, write_key, "source=cert-feed", body), "certificate upload")
    assert doc["kind"] == "certificates", doc
    assert doc["stored"]["certificates"] == blocks, doc
    print("certificate upload: ok")


def test_upload_names(server, db, write_key):
    """Each upload's run is named after the upload: the name parameter, else
    the body's SHA-256; never after the server's temporary file."""
    path = os.path.join(dnstest.SOURCE_DIR, "samples", "branch-office.dns.log")
    with open(path, "rb") as f:
        body = f.read()
    digest = hashlib.sha256(body).hexdigest()
    doc = summary(upload(server, write_key, "source=branch", body), "unnamed upload")
    assert doc["input"] == f"api upload sha256:{digest}", doc
    assert doc["stored"]["records"] > 0, doc

    name = "branch office 2024-03-01 dns.log"
    doc = summary(upload(server, write_key, f"source=branch&name={quote(name)}", body),
                  "named upload")
    assert doc["input"] == f"api upload {name}", doc

    cert_path = os.path.join(dnstest.SOURCE_DIR, "samples", "world", "certs",
                             "self-signed.pem")
    with open(cert_path, "rb") as f:
        cert_body = f.read()
    cert_digest = hashlib.sha256(cert_body).hexdigest()
    doc = summary(upload(server, write_key, "source=cert-names", cert_body), "certificates")
    assert doc["input"] == f"api upload sha256:{cert_digest}", doc

    inputs = [run["input"] for run in dnstest.runs(db)]
    for expected in (f"api upload sha256:{digest}", f"api upload {name}",
                     f"api upload sha256:{cert_digest}"):
        assert expected in inputs, f"no run named {expected!r}: {inputs}"
    for value in inputs:
        assert "dragnet-upload-" not in value, f"a run is named after a temporary file: {value}"

    for query, reason in (("name=a%01b", "control character 0x01 at byte 1"),
                          ("name=invoice%E2%80%AEfdp.exe", "control character U+202E at byte 7"),
                          ("name=a%E2%81%A6b", "control character U+2066 at byte 1"),
                          ("name=a%C2%85b", "control character U+0085 at byte 1"),
                          ("name=%20%20", "blank: it contains only spaces"),
                          (f"name={'n' * 256}", "expected 1 to 255 bytes, got 256"),
                          ("name=", "expected 1 to 255 bytes, got 0"),
                          ("name=%FF", "not valid UTF-8")):
        message = expect_error(upload(server, write_key, f"source=branch&{query}", body), 400,
                               f"upload with {query[:20]}")
        assert message.startswith(f"name: {reason}"), message
    print("upload names: ok")


def test_query_timeout(folder, read_key_for):
    db = os.path.join(folder, "big.db")
    capture = dnstest.gen_capture(os.path.join(folder, "big.pcap"), 200000, "--names", "60000")
    dnstest.run("ingest", capture, db=db, check=0)
    key = read_key_for(db)
    wide = "/api/v1/pdns?q=0.0.0.0/0&limit=0"
    headers = {"X-Api-Key": key}
    name = dnstest.rrsets(db)[0][0]
    server = Server(db, "--query-timeout", "1")
    try:
        message = expect_error(server.request("GET", wide, headers=headers), 503, "timeout")
        assert message == "query took longer than 1 ms; narrow it or raise --query-timeout", \
            message
        # The worker that stopped a query must answer the next one. A loaded
        # machine can push even a one-name lookup past 1 ms, so a 503 is
        # retried; the lookup must succeed within ten tries.
        for _ in range(10):
            status, _, body = server.request("GET", f"/api/v1/pdns?q={name}", headers=headers)
            if status != 503:
                break
        assert status == 200, f"lookup after a timeout: {status} {body[:300]!r}"
        assert json.loads(body)["records"], body[:300]
    finally:
        assert server.stop() == 0
    server = Server(db)
    try:
        status, _, body = server.request("GET", wide, headers=headers)
        assert status == 200, f"wide lookup with the default limit: {status} {body[:300]!r}"
    finally:
        assert server.stop() == 0
    print("query timeout: ok")


def main():
    folder = dnstest.scratch()
    db = os.path.join(folder, "api.db")
    cli_db = os.path.join(folder, "cli.db")
    seed = dnstest.sample("passivedns-sample.log")
    for store in (db, cli_db):
        dnstest.run("ingest", "--source", "seed", seed, db=store, check=0)
    read_key = add_key(db)
    write_key = add_key(db, "--role", "write")

    server = Server(db, "--max-body", "64K")
    try:
        test_rejections(server, db, read_key, write_key)
        test_body_framing(server, db, write_key)
        test_capture_upload(server, db, cli_db, write_key)
        test_whois_upload(server, db, cli_db, write_key)
        test_cert_upload(server, db, write_key)
        test_upload_names(server, db, write_key)
    finally:
        assert server.stop() == 0
    test_query_timeout(folder, add_key)
    print("test_api_write: all checks passed")


if __name__ == "__main__":
    main()
