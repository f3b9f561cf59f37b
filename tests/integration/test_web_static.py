"""dragnet serve's web view files: content types, caching and security headers, no API key,
and no way out of the web root, over loopback HTTP with a server this test starts."""
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest  # noqa: E402
import webtest  # noqa: E402

SECRET = "secret outside the web root\n"
INDEX = "<!doctype html><title>index of the test web root</title>\n"
APP_JS = "export const answer = 42;\n"
APP_CSS = "body { color: black; }\n"


def make_web_root(tmp):
    """A web root with known files, a secret file beside it and a link out of it."""
    root = os.path.join(tmp, "webroot")
    os.makedirs(os.path.join(root, "static", "sub"))
    files = {"index.html": INDEX, "static/app.js": APP_JS, "static/app.css": APP_CSS,
             "static/sub/data.json": "{}\n", "static/.hidden": "hidden\n"}
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
    with open(os.path.join(tmp, "secret.txt"), "w") as f:
        f.write(SECRET)
    os.symlink(os.path.join(tmp, "secret.txt"), os.path.join(root, "static", "link.txt"))
    # A linked folder: O_NOFOLLOW on the last component alone does not stop it.
    os.symlink(tmp, os.path.join(root, "static", "outside"))
    os.symlink(tmp, os.path.join(root, "static", "sub", "up"))
    # A FIFO: opening it for reading without O_NONBLOCK waits for a writer forever.
    os.mkfifo(os.path.join(root, "static", "fifo.js"))
    return root


def request(server, method, path, headers=None):
    """Send path as given (no normalisation); returns (status, headers, body bytes)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def check_file(server, path, body, content_type):
    status, headers, got = request(server, "GET", path)
    assert status == 200, f"GET {path}: status {status}: {got[:200]!r}"
    assert got == body.encode(), f"GET {path}: body {got[:200]!r}"
    assert headers["Content-Type"] == content_type, \
        f"GET {path}: Content-Type {headers['Content-Type']!r}, expected {content_type!r}"
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, f"GET {path}: Content-Security-Policy {csp!r}"
    assert "frame-ancestors 'none'" in csp, f"GET {path}: Content-Security-Policy {csp!r}"
    assert headers.get("X-Content-Type-Options") == "nosniff", f"GET {path}: no nosniff"
    assert headers.get("Cache-Control") == "no-cache", \
        f"GET {path}: Cache-Control {headers.get('Cache-Control')!r}"
    etag = headers.get("ETag", "")
    assert len(etag) > 2, f"GET {path}: ETag {etag!r}"
    assert etag.startswith('"'), f"GET {path}: ETag {etag!r} is not quoted"
    assert etag.endswith('"'), f"GET {path}: ETag {etag!r} is not quoted"
    return etag


def test_files(server):
    check_file(server, "/", INDEX, "text/html; charset=utf-8")
    check_file(server, "/index.html", INDEX, "text/html; charset=utf-8")
    check_file(server, "/static/app.js", APP_JS, "text/javascript; charset=utf-8")
    check_file(server, "/static/app.css", APP_CSS, "text/css; charset=utf-8")
    check_file(server, "/static/sub/data.json", "{}\n", "application/json")


def test_revalidation(server):
    etag = check_file(server, "/static/app.js", APP_JS, "text/javascript; charset=utf-8")
    status, _, body = request(server, "GET", "/static/app.js", {"If-None-Match": etag})
    assert status == 304, f"If-None-Match with the current ETag: status {status}"
    assert body == b"", f"304 carried a body: {body[:100]!r}"
    status, _, body = request(server, "GET", "/static/app.js", {"If-None-Match": etag + " \t"})
    assert status == 304, f"If-None-Match with trailing whitespace: status {status}"
    status, _, body = request(server, "GET", "/static/app.js", {"If-None-Match": '"other"'})
    assert status == 200, f"If-None-Match with another ETag: status {status}"
    assert body == APP_JS.encode(), f"If-None-Match with another ETag: body {body[:100]!r}"


def test_head(server):
    status, headers, body = request(server, "HEAD", "/static/app.js")
    assert status == 200, f"HEAD: status {status}"
    assert body == b"", f"HEAD carried a body: {body[:100]!r}"
    assert headers["Content-Type"].startswith("text/javascript"), \
        f"HEAD: Content-Type {headers['Content-Type']!r}"


def test_method(server):
    status, headers, body = request(server, "POST", "/static/app.js")
    assert status == 405, f"POST: status {status}: {body[:200]!r}"
    assert "GET" in headers.get("Allow", ""), f"POST: Allow {headers.get('Allow')!r}"


def test_not_found(server):
    # Traversal in every spelling the server may decode, hidden files, folders, links out of
    # the root and empty names: each is a JSON 404 that does not contain the secret.
    paths = [
        "/static/../secret.txt", "/static/../../secret.txt", "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt", "/static/%2e%2e%2fsecret.txt", "/static/..%2fsecret.txt",
        "/static/%252e%252e/secret.txt", "/static/sub/../../secret.txt",
        "/static/sub/%2e%2e/%2e%2e/secret.txt", "/static/./app.js", "/static//app.js",
        "/static/..\\secret.txt", "/static/%5c..%5csecret.txt", "/static/.hidden",
        "/static/%2ehidden", "/static/sub", "/static/sub/", "/static/", "/static/link.txt",
        "/static/missing.js", "/static/outside/secret.txt", "/static/sub/up/secret.txt",
        "/static/outside/webroot/static/app.js",
    ]
    for path in paths:
        status, headers, body = request(server, "GET", path)
        assert status in (400, 404), f"GET {path}: status {status}: {body[:200]!r}"
        assert SECRET.encode() not in body, f"GET {path}: the secret leaked"
        assert headers["Content-Type"].startswith("application/json"), \
            f"GET {path}: Content-Type {headers['Content-Type']!r}"
        doc = json.loads(body)
        assert isinstance(doc.get("error"), str) and doc["error"], f"GET {path}: body {doc!r}"

    # The server decodes the path itself and rejects an encoded NUL, which would otherwise end
    # the name early and serve app.js for these.
    for path in ("/static/app.js%00.png", "/static/app.js%00/../../secret.txt"):
        status, _, body = request(server, "GET", path)
        assert SECRET.encode() not in body, f"GET {path}: the secret leaked"
        assert status == 400, f"GET {path}: status {status}: {body[:200]!r}"
        assert "%00" in json.loads(body)["error"], f"GET {path}: body {body[:200]!r}"


def test_fifo(server):
    # More requests than the server has workers: a blocked open() would hang every route.
    for attempt in range(8):
        status, _, body = request(server, "GET", "/static/fifo.js")
        assert status == 404, f"GET /static/fifo.js #{attempt + 1}: status {status}: {body[:200]!r}"
    check_file(server, "/static/app.js", APP_JS, "text/javascript; charset=utf-8")


def test_api_still_needs_key(server):
    # The files are public, but the API behind them is not.
    status, _, body = request(server, "GET", "/api/v1/search?q=example.com")
    assert status in (401, 404), f"API without a key: status {status}: {body[:200]!r}"


def test_unbuilt_root(tmp, db):
    empty = os.path.join(tmp, "empty-root")
    os.makedirs(empty)
    server = webtest.Server(db, "--web-root", empty)
    try:
        status, _, body = request(server, "GET", "/")
        assert status == 404, f"GET / without index.html: status {status}"
        message = json.loads(body)["error"]
        assert "web/build.sh" in message, f"GET / without index.html: message {message!r}"
        # The web root's path on the server shows in the log, never in a response.
        assert empty not in message, f"GET / without index.html: message {message!r}"
        assert "web root" in message, f"GET / without index.html: message {message!r}"
        assert empty in server.text(), "the server's log does not name the web root"
    finally:
        server.stop()


def test_default_root(db):
    """Without --web-root the server serves the checkout's web/dist, when it is built."""
    index = os.path.join(dnstest.SOURCE_DIR, "web", "dist", "index.html")
    if not os.path.isfile(index):
        print(f"NOTE: {index} not built (run web/build.sh); skipping the default web root")
        return
    server = webtest.Server(db)
    try:
        with open(index, "rb") as f:
            expected = f.read()
        status, _, body = request(server, "GET", "/")
        assert status == 200, f"GET / from the default web root: status {status}"
        assert body == expected, "GET / from the default web root: not web/dist/index.html"
    finally:
        server.stop()


def main():
    tmp = dnstest.scratch()
    db = os.path.join(tmp, "static.db")
    dnstest.run("ingest", dnstest.sample("provider-export.json"), db=db, check=0)
    webtest.add_key(db)
    root = make_web_root(tmp)
    server = webtest.Server(db, "--web-root", root)
    try:
        for test in (test_files, test_revalidation, test_head, test_method, test_not_found,
                     test_fifo, test_api_still_needs_key):
            test(server)
            print(f"ok {test.__name__}")
    finally:
        server.stop()
    test_unbuilt_root(tmp, db)
    print("ok test_unbuilt_root")
    test_default_root(db)
    print("ok test_default_root")


if __name__ == "__main__":
    main()
