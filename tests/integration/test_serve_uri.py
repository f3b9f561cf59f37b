"""dragnet serve's reading of request targets and headers, over loopback
HTTP with servers and SQLite stores this test makes.

The server splits the path at '/' before it percent-decodes each segment,
so an RFC 2317 name sent with %2F is looked up whole. %00 and malformed
escapes get 400 naming the segment or parameter, as do unknown and
repeated query parameters and a repeated X-Api-Key header. 405 lists HEAD
beside GET, libmicrohttpd itself responds 414 and 431 past its limits, and
error messages do not show the server's paths, which its log keeps."""

import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import dnstest  # noqa: E402
import webtest  # noqa: E402

RFC2317 = "5.0/26.2.0.192.in-addr.arpa"
RECORDS = [
    {"count": 3, "time_first": 1700000000, "time_last": 1700003600, "rrtype": "PTR",
     "rrname": RFC2317 + ".", "rdata": "host5.example.net."},
    {"count": 2, "time_first": 1700000000, "time_last": 1700003600, "rrtype": "CNAME",
     "rrname": "5.2.0.192.in-addr.arpa.", "rdata": RFC2317 + "."},
    {"count": 7, "time_first": 1700000000, "time_last": 1700007200, "rrtype": "A",
     "rrname": "www.example.com.", "rdata": "192.0.2.80"},
]


class Server(webtest.Server):
    """webtest.Server with requests sent exactly as given."""

    def request(self, method, path, headers=(), body=None):
        """Send path exactly as given, with headers as a list of (name, value)
        pairs, which may repeat a name; returns (status, headers, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()


def error_of(result, status, label):
    """The message of a JSON error response with this status."""
    got, headers, body = result
    assert got == status, f"{label}: status {got}, expected {status}: {body[:300]!r}"
    assert headers.get("Content-Type", "").startswith("application/json"), \
        f"{label}: Content-Type {headers.get('Content-Type')!r}"
    doc = json.loads(body)
    assert set(doc) == {"error"}, f"{label}: body {doc!r}"
    return doc["error"]


def ok_json(result, label):
    got, _, body = result
    assert got == 200, f"{label}: status {got}: {body[:300]!r}"
    return json.loads(body)


def saf_objs(result, label):
    """The objs of a DNSDB answer, after checking that it succeeded."""
    got, _, body = result
    assert got == 200, f"{label}: status {got}: {body[:300]!r}"
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert lines[0] == {"cond": "begin"}, f"{label}: {lines}"
    assert lines[-1] == {"cond": "succeeded"}, f"{label}: {lines}"
    return [line["obj"] for line in lines[1:-1]]


def check_rfc2317_names(server, key):
    auth = [("X-Api-Key", key)]
    lookup = "/dnsdb/v2/lookup/"
    for slash in ("%2F", "%2f"):
        name = RFC2317.replace("/", slash)
        for path in (f"rrset/name/{name}", f"rrset/name/{name}/PTR", f"rrset/name/{name}/ANY"):
            objs = saf_objs(server.request("GET", lookup + path, auth), path)
            assert len(objs) == 1, f"{path}: {objs}"
            assert objs[0]["rrname"] == RFC2317 + ".", f"{path}: {objs}"
            assert objs[0]["rrtype"] == "PTR", f"{path}: {objs}"
            assert objs[0]["rdata"] == ["host5.example.net."], f"{path}: {objs}"
            assert objs[0]["count"] == 3, f"{path}: {objs}"
        path = f"rdata/name/{name}"
        objs = saf_objs(server.request("GET", lookup + path, auth), path)
        assert [(o["rrname"], o["rrtype"]) for o in objs] == \
            [("5.2.0.192.in-addr.arpa.", "CNAME")], f"{path}: {objs}"
    path = "/dnsdb/v2/summarize/rrset/name/" + RFC2317.replace("/", "%2F")
    objs = saf_objs(server.request("GET", path, auth), path)
    assert objs == [{"count": 3, "num_results": 1, "time_first": 1700000000,
                     "time_last": 1700003600}], f"{path}: {objs}"

    # Sent as is, the '/' separates NAME from RRTYPE.
    message = error_of(server.request("GET", lookup + "rrset/name/" + RFC2317, auth), 400,
                       "unencoded '/'")
    assert message.startswith("rrtype:"), message

    # The native API and CIRCL take the name as a query argument and as the
    # rest of the path.
    q = RFC2317.replace("/", "%2F")
    doc = ok_json(server.request("GET", f"/api/v1/pdns?q={q}", auth), "native pdns")
    assert [(r["rrname"], r["rrtype"]) for r in doc["records"]] == \
        [(RFC2317 + ".", "PTR")], doc
    doc = ok_json(server.request("GET", f"/api/v1/pdns?q={q}&rdata=1", auth), "native rdata")
    assert [(r["rrname"], r["rrtype"]) for r in doc["records"]] == \
        [("5.2.0.192.in-addr.arpa.", "CNAME")], doc
    got, _, body = server.request("GET", f"/pdns/query/{q}", auth)
    assert got == 200, f"CIRCL: {got} {body[:300]!r}"
    found = sorted((r["rrname"], r["rrtype"]) for r in map(json.loads, body.splitlines()))
    assert found == [("5.0/26.2.0.192.in-addr.arpa.", "PTR"),
                     ("5.2.0.192.in-addr.arpa.", "CNAME")], found
    print("RFC 2317 names with %2F: ok")


def check_dnsdbq(server, key, work):
    """dnsdbq 2.6.4 sends a '/' in a name unencoded, so it cannot ask for an
    RFC 2317 name by -r; -R with the name in wire form reaches it."""
    if shutil.which("dnsdbq") is None:
        print("NOTE: dnsdbq is not installed; its RFC 2317 lookup is skipped")
        return
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work,
           "DNSDBQ_CONFIG_FILE": "/dev/null", "DNSDBQ_SYSTEM": "dnsdb2",
           "DNSDB_SERVER": f"http://127.0.0.1:{server.port}", "DNSDB_API_KEY": key}
    wire = b"".join(bytes([len(label)]) + label.encode()
                    for label in RFC2317.split(".")) + b"\0"
    proc = subprocess.run(["dnsdbq", "-j", "-R", wire.hex()], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    objs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["rrname"], o["rrtype"]) for o in objs] == [(RFC2317 + ".", "PTR")], objs
    print("dnsdbq -R with an RFC 2317 name: ok")


def check_nul(server, key):
    auth = [("X-Api-Key", key)]
    cases = [
        ("/dnsdb/v2/lookup/rrset/name/www.example.com%00.evil", "www.example.com%00.evil"),
        ("/api/v1/whois/example.com%00.evil", "example.com%00.evil"),
        ("/api/v1/pdns?q=www.example.com%00.evil", "q:"),
        ("/api/v1/pdns?q=www.example.com&li%00mit=1", "li%00mit"),
        ("/dnsdb/v2/lookup/rrset/name/www.example.com?limit=1%00", "limit:"),
    ]
    for path, named in cases:
        message = error_of(server.request("GET", path, auth), 400, path)
        assert named in message, f"{path}: message {message!r} does not name {named!r}"
        assert "%00" in message, f"{path}: message {message!r}"
    print("%00: ok")


def raw_request(server, data):
    """Send data as it is over a new connection; returns (status, body bytes)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        reply = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n")[0].split(b" ")
    assert len(status_line) >= 2, f"no status line in {reply[:200]!r}"
    return int(status_line[1]), body


def raw_get(server, target, header_lines, eol=b"\r\n"):
    lines = [b"GET " + target + b" HTTP/1.1", b"Host: 127.0.0.1", *header_lines,
             b"Connection: close", b"", b""]
    return raw_request(server, eol.join(lines))


def check_raw_nul(server, key):
    """A raw NUL byte, which libmicrohttpd passes on as the end of a string, is a 400."""
    key_line = b"X-Api-Key: " + key.encode()
    targets = [
        b"/api/v1/pdns?q=www.example.com\x00&type=TXT&limit=1",
        b"/api/v1/whois/example.com\x00/../../etc",
        b"/dnsdb/v2/lookup/rrset/name/www.example.com\x00.evil",
        b"/static/app.js\x00.png",
    ]
    for target in targets:
        status, body = raw_get(server, target, [key_line])
        assert status == 400, f"GET {target!r}: status {status}: {body[:200]!r}"
        message = json.loads(body)["error"]
        assert "NUL" in message, f"GET {target!r}: message {message!r}"

    for eol in (b"\r\n", b"\n"):
        for header_lines in ([key_line + b"\x00junk"],
                             [key_line + b"\x00junk", b"Accept: */*"],
                             [b"Accept: text/plain\x00x", key_line],
                             [key_line + b"\x00\x00junk", b"Accept: */*"],
                             [key_line + b"\x00\x00\x00junk", b"Accept: */*"],
                             [key_line + b"\x00", b"Accept: */*"],
                             [key_line + b"\x00\x00", b"Accept: */*"],
                             [b"Accept: */*", key_line + b"\x00\x00junk"]):
            status, body = raw_get(server, b"/api/v1/pdns?q=www.example.com", header_lines, eol)
            label = f"headers {header_lines!r} ending {eol!r}"
            assert status == 400, f"{label}: status {status}: {body[:200]!r}"
            message = json.loads(body)["error"]
            assert "NUL" in message, f"{label}: message {message!r}"

    # The same requests without the NUL byte pass, with either line ending.
    for eol in (b"\r\n", b"\n"):
        status, body = raw_get(server, b"/api/v1/pdns?q=www.example.com&type=A&limit=1",
                               [key_line, b"Accept: */*", b"Cookie: a=b; c=d"], eol)
        assert status == 200, f"plain request ending {eol!r}: status {status}: {body[:200]!r}"
        doc = json.loads(body)
        assert len(doc["records"]) == 1, f"plain request ending {eol!r}: {doc!r}"
    print("raw NUL bytes: ok")


def check_raw_control(server, key):
    """A raw control byte in the request target is a 400 on every route, naming the byte."""
    key_line = b"X-Api-Key: " + key.encode()
    cases = [
        (b"/api/v1/pdns?q=login\x7fpaypa1-secure.example", 0x7f, 20),
        (b"/api/v1/pdns?q=www.example.com&type=A\x01", 0x01, 37),
        (b"/api/v1/whois/example\x1b.com", 0x1b, 21),
        (b"/dnsdb/v2/lookup/rrset/name/www.example.com\x08", 0x08, 43),
        (b"/pdns/query/www\x7f.example.com", 0x7f, 15),
        (b"/static/app.js\x1f", 0x1f, 14),
    ]
    for target, byte, offset in cases:
        status, body = raw_get(server, target, [key_line])
        assert status == 400, f"GET {target!r}: status {status}: {body[:200]!r}"
        message = json.loads(body)["error"]
        expected = f"control character 0x{byte:02x} at byte {offset}"
        assert expected in message, f"GET {target!r}: message {message!r}"
        assert f"%{byte:02X}" in message, f"GET {target!r}: message {message!r}"
    # Percent-encoded, the same byte reaches the route.
    status, body = raw_get(server, b"/api/v1/pdns?q=www.example.com%7F", [key_line])
    assert status != 400 or b"control character" not in body, body[:200]
    print("raw control bytes: ok")


def check_header_whitespace(server, key):
    """Whitespace around a header value is optional (RFC 9110 section 5.5); before the colon
    it is invalid."""
    target = b"/api/v1/pdns?q=www.example.com"
    for line in (b"X-Api-Key: " + key.encode() + b" ", b"X-Api-Key:\t" + key.encode() + b"\t",
                 b"X-Api-Key:   " + key.encode() + b" \t "):
        status, body = raw_get(server, target, [line])
        assert status == 200, f"{line!r}: status {status}: {body[:200]!r}"
    for line in (b"X-Api-Key : " + key.encode(), b"X-Api-Key\t: " + key.encode()):
        status, body = raw_get(server, target, [line])
        assert status == 400, f"{line!r}: status {status}: {body[:200]!r}"
        message = json.loads(body)["error"]
        assert "whitespace before the colon" in message, f"{line!r}: message {message!r}"
    # libmicrohttpd 0.9.75 joins a folded line onto the header's name, so the key is not
    # read at all.
    status, body = raw_get(server, target, [b"X-Api-Key:", b" " + key.encode()])
    assert status == 401, f"folded X-Api-Key: status {status}: {body[:200]!r}"
    print("header whitespace: ok")


def check_bad_escapes(server, key):
    auth = [("X-Api-Key", key)]
    cases = [
        ("/api/v1/pdns?q=www.example.com%zz", "q:", "'%zz'"),
        ("/api/v1/pdns?q=www.example.com%", "q:", "'%'"),
        ("/api/v1/pdns?q=www.example.com%4", "q:", "'%4'"),
        ("/api/v1/pdns?q=www.example.com&%zz=1", "parameter name '%zz'", "'%zz'"),
        ("/dnsdb/v2/lookup/rrset/name/www%g1.example.com", "www%g1.example.com", "'%g1'"),
        ("/api/v1/whois/example.com%", "example.com%", "'%'"),
    ]
    for path, named, escape in cases:
        message = error_of(server.request("GET", path, auth), 400, path)
        assert named in message, f"{path}: message {message!r} does not name {named!r}"
        assert f"invalid percent-encoding {escape}" in message, f"{path}: {message!r}"
    # A '%' sent as %25 is a '%'.
    doc = ok_json(server.request("GET", "/api/v1/search?q=www.example.com%252", auth), "%25")
    assert doc["query"] == "www.example.com%2", doc
    print("malformed percent-encoding: ok")


def check_params(server, key):
    auth = [("X-Api-Key", key)]
    rejected = [
        ("/api/v1/pdns?q=www.example.com&limit=1&limit=2", "limit: given more than once"),
        ("/api/v1/pdns?q=www.example.com&bogus=1", "bogus: unknown parameter; /api/v1/pdns "
                                                   "takes q, type"),
        ("/api/v1/search?q=a.example&q=b.example", "q: given more than once"),
        ("/api/v1/asn/192.0.2.1?limit=1", "limit: unknown parameter; /api/v1/asn/ takes none"),
        ("/api/v1/map?seed=www.example.com&depth=1&depth=2", "depth: given more than once"),
        ("/api/v1/pdns?q=www.example.com&=1", "has no name"),
        ("/dnsdb/v2/lookup/rrset/name/www.example.com?limit=1&limit=2",
         "limit: given more than once"),
        ("/dnsdb/v2/lookup/rrset/name/www.example.com?swclient=a&swclient=b",
         "swclient: given more than once"),
        ("/dnsdb/v2/lookup/rrset/name/www.example.com?q=1", "q: unknown parameter"),
        ("/pdns/query/www.example.com?limit=1", "limit: unknown parameter"),
    ]
    for path, expected in rejected:
        message = error_of(server.request("GET", path, auth), 400, path)
        assert expected in message, f"{path}: message {message!r}"

    # What the web view, dnsdbq 2.6.4 and DNSDB API v2 send is taken.
    doc = ok_json(server.request("GET", "/api/v1/cert?san=www.example.com&san=b.example",
                                 auth), "repeated san")
    assert doc["records"] == [], doc
    got, _, body = server.request("GET", "/api/v1/map?seed=www.example.com&seed=192.0.2.80"
                                  "&depth=1&format=json", auth)
    assert got == 200, f"map with two seeds: {got} {body[:300]!r}"
    path = ("/dnsdb/v2/lookup/rrset/name/www.example.com/A?swclient=dnsdbq&version=2.6.4"
            "&limit=3&offset=0&time_first_before=1800000000&time_last_after=1600000000"
            "&aggr=f&humantime=f&id=x")
    assert len(saf_objs(server.request("GET", path, auth), path)) == 1
    path = ("/dnsdb/v2/summarize/rrset/name/www.example.com?swclient=dnsdbq&version=2.6.4"
            "&max_count=5&time_first_after=1&time_last_before=1800000000")
    assert len(saf_objs(server.request("GET", path, auth), path)) == 1
    for path in ("/dnsdb/v2/rate_limit?swclient=dnsdbq&version=2.6.4",
                 "/dnsdb/v2/ping?swclient=dnsdbq&version=2.6.4"):
        got, _, body = server.request("GET", path, auth)
        assert got == 200, f"{path}: {got} {body[:300]!r}"
    print("unknown and repeated parameters: ok")


def check_key_headers(server, key):
    path = "/api/v1/pdns?q=www.example.com"
    ok_json(server.request("GET", path, [("X-Api-Key", key)]), "one key")
    wrong = key[:-1] + ("0" if key[-1] != "0" else "1")
    for headers in ([("X-Api-Key", key), ("X-Api-Key", key)],
                    [("X-Api-Key", key), ("x-api-key", wrong)],
                    [("X-Api-Key", wrong), ("X-Api-Key", key)]):
        message = error_of(server.request("GET", path, headers), 400, f"keys {headers}")
        assert "more than one X-Api-Key" in message, message
    basic = "Basic " + base64.b64encode(f"{key[:12]}:{key}".encode()).decode()
    got, _, body = server.request("GET", "/pdns/query/www.example.com",
                                  [("Authorization", basic)])
    assert got == 200, f"one Authorization: {got} {body[:200]!r}"
    message = error_of(server.request("GET", "/pdns/query/www.example.com",
                                      [("Authorization", basic), ("Authorization", basic)]),
                       400, "two Authorization headers")
    assert "Authorization" in message, message
    print("repeated key headers: ok")


def check_basic_scheme(server, key):
    """The Basic scheme name is case-insensitive (RFC 7617), and one or more
    spaces separate it from the credentials (RFC 9110 section 11.4)."""
    token = base64.b64encode(f"{key[:12]}:{key}".encode()).decode()
    path = "/pdns/query/www.example.com"
    for value in ("basic " + token, "BASIC " + token, "bAsIc " + token, "Basic  " + token,
                  "Basic   " + token + " "):
        got, _, body = server.request("GET", path, [("Authorization", value)])
        assert got == 200, f"Authorization {value[:12]!r}...: {got} {body[:200]!r}"
    no_colon = base64.b64encode(key.encode()).decode()
    for value in ("basic " + token + " extra", "basic", "basic " + no_colon,
                  "basic " + token[:-1]):
        message = error_of(server.request("GET", path, [("Authorization", value)]), 401,
                           f"Authorization {value[:20]!r}")
        assert "malformed HTTP Basic" in message, message
    print("Basic scheme: ok")


def check_allow_and_head(server, key):
    auth = [("X-Api-Key", key)]
    for path in ("/api/v1/pdns", "/dnsdb/v2/lookup/rrset/name/www.example.com",
                 "/pdns/query/www.example.com", "/api/v1/whois/example.com"):
        got, headers, body = server.request("DELETE", path, auth)
        error_of((got, headers, body), 405, f"DELETE {path}")
        assert headers.get("Allow") == "GET, HEAD", f"DELETE {path}: Allow {headers['Allow']!r}"
    got, headers, body = server.request("GET", "/api/v1/ingest", auth)
    error_of((got, headers, body), 405, "GET on the upload route")
    assert headers.get("Allow") == "POST", headers.get("Allow")

    # The GET routes serve HEAD, with the headers of GET and no body.
    for path in ("/api/v1/pdns?q=www.example.com", "/dnsdb/v2/ping",
                 "/dnsdb/v2/lookup/rrset/name/www.example.com"):
        got, headers, body = server.request("HEAD", path, auth)
        assert got == 200, f"HEAD {path}: status {got}"
        assert body == b"", f"HEAD {path}: body {body[:100]!r}"
        get_status, get_headers, get_body = server.request("GET", path, auth)
        assert get_status == 200, f"GET {path}: status {get_status}"
        assert headers["Content-Type"] == get_headers["Content-Type"], path
        assert headers["Content-Length"] == str(len(get_body)), \
            f"HEAD {path}: Content-Length {headers['Content-Length']}, GET sent {len(get_body)}"
    print("Allow and HEAD: ok")


def check_libmicrohttpd_limits(server, key):
    """libmicrohttpd 0.9.75 itself rejects a request line or headers larger
    than its connection buffer (docs/api.md, "Errors")."""
    got, headers, _ = server.request("GET", "/api/v1/pdns?q=" + "a" * 40000,
                                     [("X-Api-Key", key)])
    assert got == 414, f"a 40000-byte URI: status {got}"
    got, headers, _ = server.request("GET", "/api/v1/pdns?q=www.example.com",
                                     [("X-Api-Key", key), ("X-Padding", "p" * 40000)])
    assert got == 431, f"a 40000-byte header: status {got}"
    print("414 and 431 from libmicrohttpd: ok")


def check_missing_store(work, source_db, key):
    """A worker that cannot open the store gets 503 without its path. The
    workers open their store handles on their first request, so removing
    the file after the server started makes that fail."""
    folder = os.path.join(work, "private-store-folder")
    os.makedirs(folder)
    db = os.path.join(folder, "vanishing.db")
    shutil.copy(source_db, db)
    shutil.copy(source_db + ".keys", db + ".keys")
    server = Server(db)
    try:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        message = error_of(server.request("GET", "/api/v1/pdns?q=www.example.com",
                                          [("X-Api-Key", key)]), 503, "store removed")
        assert "store unavailable" in message, message
        assert folder not in message, message
        assert "vanishing" not in message, message
        deadline = time.monotonic() + 2
        while db not in server.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert db in server.text(), "the server's log does not name the store"
    finally:
        code = server.stop()
    assert code == 0, f"dragnet serve exited {code} after SIGTERM:\n{server.text()[-3000:]}"
    print("store that cannot be opened: ok")


def check_upload_temporary_folder(work, db, write_key):
    """An upload whose temporary file cannot be made gets 503 without the
    folder's path."""
    missing = os.path.join(work, "no-such-temporary-folder")
    server = Server(db, env={**os.environ, "TMPDIR": missing})
    try:
        with open(dnstest.sample("dnscap-resolver.pcap"), "rb") as f:
            capture = f.read()
        message = error_of(server.request("POST", "/api/v1/ingest?source=upload-test",
                                          [("X-Api-Key", write_key)], capture), 503, "upload")
        assert missing not in message, message
        assert "the temporary folder" in message, message
        deadline = time.monotonic() + 2
        while missing not in server.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert missing in server.text(), "the server's log does not name the folder"
    finally:
        code = server.stop()
    assert code == 0, f"dragnet serve exited {code} after SIGTERM:\n{server.text()[-3000:]}"
    print("upload without a temporary folder: ok")


def main():
    work = dnstest.scratch()
    db = os.path.join(work, "uri.db")
    cof = os.path.join(work, "records.json")
    with open(cof, "w") as f:
        for record in RECORDS:
            f.write(json.dumps(record) + "\n")
    dnstest.run("ingest", "-q", "--source", "uri-test", cof, db=db, check=0)
    assert len(dnstest.rrsets(db)) == len(RECORDS), dnstest.rrsets(db)
    key = dnstest.run("apikey", "add", db=db, check=0).stdout.strip()
    write_key = dnstest.run("apikey", "add", "--role", "write", db=db, check=0).stdout.strip()

    server = Server(db)
    try:
        check_rfc2317_names(server, key)
        check_dnsdbq(server, key, work)
        check_nul(server, key)
        check_raw_nul(server, key)
        check_raw_control(server, key)
        check_header_whitespace(server, key)
        check_bad_escapes(server, key)
        check_params(server, key)
        check_key_headers(server, key)
        check_basic_scheme(server, key)
        check_allow_and_head(server, key)
        check_libmicrohttpd_limits(server, key)
    finally:
        code = server.stop()
    # Under AddressSanitizer a leak at exit makes the status non-zero.
    assert code == 0, f"dragnet serve exited {code} after SIGTERM:\n{server.text()[-3000:]}"
    log = server.text()
    assert key[13:] not in log, "the server's log contains a key"
    check_missing_store(work, db, key)
    check_upload_temporary_folder(work, db, write_key)
    print("test_serve_uri: all checks passed")


if __name__ == "__main__":
    main()
