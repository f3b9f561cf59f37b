"""Operating dragnet serve: a stop under load, --max-connections, TLS files
that do not belong together, the keys file's mode, revoking a key twice
and the help text. Every server is started by this test on loopback."""

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import dnstest  # noqa: E402
from test_serve import Server, add_key, make_certificate  # noqa: E402

EXIT_USAGE = 2
EXIT_NO_MATCH = 1
CLIENTS = 16
# A wide lookup that takes tens of milliseconds, so that requests are in
# flight when the signal comes.
WIDE = "/api/v1/pdns?q=0.0.0.0/0&limit=2000"


def read_response(sock):
    """Read one HTTP/1.1 response with a Content-Length until the server
    closes the connection; returns (status line, headers, body) or raises."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError(f"no complete response head: {len(data)} bytes {data[:80]!r}")
    lines = head.split(b"\r\n")
    m = re.search(rb"^content-length: *(\d+)$", head, re.I | re.M)
    if m is None:
        raise AssertionError(f"response without Content-Length: {head[:200]!r}")
    if int(m.group(1)) != len(body):
        raise AssertionError(f"body of {len(body)} bytes, Content-Length {m.group(1)}")
    return lines[0], lines[1:], body


class LoadClient:
    """Threads that send requests, one connection each, until the server
    refuses connections or stop_at passes. Each outcome is recorded."""

    def __init__(self, server, key, stop_at):
        self.server = server
        self.request = (f"GET {WIDE} HTTP/1.1\r\nHost: test\r\nX-Api-Key: {key}\r\n"
                        "Connection: close\r\n\r\n").encode()
        self.stop_at = stop_at
        self.lock = threading.Lock()
        self.complete = []   # monotonic times of complete responses
        self.refused = 0
        self.broken = []     # what went wrong on connections that were accepted
        self.threads = [threading.Thread(target=self.run) for _ in range(CLIENTS)]

    def run(self):
        while time.monotonic() < self.stop_at:
            try:
                sock = socket.create_connection((self.server.host, self.server.port),
                                                timeout=10)
            except ConnectionRefusedError:
                with self.lock:
                    self.refused += 1
                return
            try:
                sock.sendall(self.request)
                status, _, _ = read_response(sock)
                if not status.startswith(b"HTTP/1.1 200 "):
                    raise AssertionError(f"status line {status!r}")
                with self.lock:
                    self.complete.append(time.monotonic())
            except (OSError, AssertionError) as e:
                with self.lock:
                    self.broken.append(repr(e))
            finally:
                sock.close()

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        for thread in self.threads:
            thread.join()


def test_stop_under_load(folder):
    db = os.path.join(folder, "load.db")
    capture = dnstest.gen_capture(os.path.join(folder, "load.pcap"), 200000, "--names", "60000")
    dnstest.run("ingest", capture, db=db, check=0)
    key = add_key(db)
    server = Server(db)
    load = LoadClient(server, key, time.monotonic() + 20)
    load.start()
    time.sleep(1.0)
    signalled = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    load.join()
    code = server.proc.wait(timeout=15)
    log = server.text()
    server.stop()

    after = sum(1 for t in load.complete if t > signalled)
    print(f"stop under load: {len(load.complete)} complete responses ({after} after "
          f"SIGTERM), {load.refused} connections refused, {len(load.broken)} broken")
    assert not load.broken, f"requests without a complete response: {load.broken[:5]}\n" \
                            f"{log[-1500:]}"
    assert code == 0, f"dragnet serve exited {code} after SIGTERM:\n{log[-1500:]}"
    assert load.refused == CLIENTS, \
        f"{load.refused} of {CLIENTS} clients saw the connection refused"
    assert after > 0, "no request was in flight when SIGTERM came; the test proves nothing"
    assert re.search(r"waiting up to 5 s for the requests in flight on \d+ connections?$", log, re.M), \
        log[-1500:]
    assert "every request in flight got its response" in log, log[-1500:]


def test_stop_with_idle_connection(db, key):
    """An idle kept-alive connection is not a request in flight: the stop
    does not wait for it, and its client sees the connection closed."""
    server = Server(db, "--timeout", "30")
    sock = socket.create_connection((server.host, server.port), timeout=10)
    try:
        sock.sendall(f"GET /no/such/path HTTP/1.1\r\nHost: test\r\nX-Api-Key: {key}\r\n"
                     "\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 404 "), head[:100]
        time.sleep(0.2)  # the worker completes the request after sending it
        start = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=15)
        took = time.monotonic() - start
    finally:
        sock.close()
    log = server.text()
    server.stop()
    assert code == 0, f"dragnet serve exited {code}:\n{log[-1500:]}"
    assert took < 2.0, f"the stop took {took:.1f} s with one idle connection"
    assert "waiting up to" not in log, log[-1500:]
    print(f"stop with an idle kept-alive connection: {took:.2f} s")


def test_stop_with_one_request_unsent(db, key):
    """A request whose head never ends is in flight until the drain ends:
    the log counts it in the singular."""
    server = Server(db, "--timeout", "30")
    sock = socket.create_connection((server.host, server.port), timeout=10)
    try:
        sock.sendall(f"GET /api/v1/pdns?q=a.example HTTP/1.1\r\nHost: test\r\n"
                     f"X-Api-Key: {key}\r\n".encode())
        time.sleep(0.3)
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=15)
    finally:
        sock.close()
    log = server.text()
    server.stop()
    assert code == 0, f"dragnet serve exited {code}:\n{log[-1500:]}"
    assert "for the requests in flight on 1 connection\n" in log, log[-1500:]
    assert "1 connection still had a request in flight" in log, log[-1500:]
    assert "closing it\n" in log, log[-1500:]


def test_max_connections(db, key):
    server = Server(db, "--max-connections", "4", "--timeout", "30")
    idle = [socket.create_connection((server.host, server.port), timeout=5)
            for _ in range(4)]
    try:
        time.sleep(0.5)  # the workers accept the four
        extra = socket.create_connection((server.host, server.port), timeout=5)
        try:
            extra.sendall(f"GET /dnsdb/v2/ping HTTP/1.1\r\nHost: test\r\nX-Api-Key: {key}"
                          "\r\n\r\n".encode())
            try:
                got = extra.recv(4096)
            except ConnectionResetError:
                got = b""
            assert got == b"", f"a fifth connection got {got[:100]!r}"
        finally:
            extra.close()
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.5)  # the workers close their ends of the four

    status, _, body = server.request("GET", "/dnsdb/v2/ping", {"X-Api-Key": key})
    assert status == 200, f"after the idle connections closed: {status} {body[:200]!r}"

    deadline = time.monotonic() + 2
    while "--max-connections 4 reached" not in server.text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.text()
    assert server.stop() == 0
    lines = [line for line in log.splitlines() if "--max-connections 4 reached" in line]
    assert len(lines) == 1, f"expected one line on the refused connection:\n{log[-1500:]}"
    assert "1 connections refused" in lines[0], lines[0]
    print("max connections: the fifth connection closed, logged once; ok")


def serve_tls(db, cert, key):
    return dnstest.run("serve", "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key",
                       key, db=db, check=EXIT_USAGE, timeout=20)


def test_tls_files(db, folder):
    cert, key = make_certificate(folder)
    other_key = os.path.join(folder, "other-key.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", other_key],
                   check=True, capture_output=True, timeout=60)
    encrypted = os.path.join(folder, "encrypted-key.pem")
    subprocess.run(["openssl", "pkey", "-in", key, "-aes256", "-passout", "pass:secret",
                    "-out", encrypted], check=True, capture_output=True, timeout=60)

    proc = serve_tls(db, key, cert)
    assert f"TLS certificate {key}" in proc.stderr, proc.stderr
    assert "holds a private key" in proc.stderr, proc.stderr
    assert "swapped" in proc.stderr, proc.stderr

    proc = serve_tls(db, cert, other_key)
    assert f"TLS key {other_key} does not match the certificate in {cert}" in proc.stderr, \
        proc.stderr

    proc = serve_tls(db, cert, encrypted)
    assert f"TLS key {encrypted}" in proc.stderr, proc.stderr
    assert "encrypted" in proc.stderr, proc.stderr

    proc = serve_tls(db, cert, cert)
    assert f"TLS key {cert}: no private key in it" in proc.stderr, proc.stderr
    print("tls: swapped, mismatched and encrypted files named with the reason; ok")


def test_keys_file_mode(folder, db):
    keys = os.path.join(folder, "fresh.keys")
    # The file is created 0600 even under a umask that would allow more.
    proc = subprocess.run([dnstest.DRAGNET, "apikey", "add", "--keys", keys],
                          capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: os.umask(0))
    assert proc.returncode == 0, proc.stderr
    mode = stat.S_IMODE(os.stat(keys).st_mode)
    assert mode == 0o600, f"new keys file mode {oct(mode)}"
    assert "mode" not in proc.stderr, proc.stderr

    os.chmod(keys, 0o644)
    proc = dnstest.run("apikey", "add", "--keys", keys, check=0)
    assert f"{keys} has mode 0644" in proc.stderr, proc.stderr
    assert f"chmod 600 {keys}" in proc.stderr, proc.stderr

    server = Server(db, "--keys", keys)
    log = server.text()
    assert server.stop() == 0
    assert f"{keys} has mode 0644" in log, log
    print("keys file: created 0600, a wider mode warned about by add and serve; ok")


def list_line(db, key_id):
    listing = dnstest.run("apikey", "list", db=db, check=0).stdout
    return next(line for line in listing.splitlines() if line.startswith(key_id))


def test_revoke_twice(db):
    key_id = add_key(db)[:12]
    dnstest.run("apikey", "revoke", key_id, db=db, check=0)
    first = list_line(db, key_id)
    assert "revoked " in first, first
    time.sleep(1.1)  # a second revocation would carry a later time
    proc = dnstest.run("apikey", "revoke", key_id, db=db, check=EXIT_NO_MATCH)
    assert f"key {key_id} was revoked before" in proc.stderr, proc.stderr
    assert list_line(db, key_id) == first, "the second revoke changed the key's line"
    print("revoke twice: the second says so, exits 1 and changes nothing; ok")


def test_help_lines():
    for command in ("serve", "apikey"):
        text = dnstest.run(command, "--help", check=0).stdout
        lines = text.splitlines()
        assert any(line.startswith("  -q, --quiet ") for line in lines), (command, text)
        assert any(line.startswith("  -h, --help ") for line in lines), (command, text)
        joined = [line for line in lines if "--quiet" in line and "--help" in line]
        assert not joined, f"{command} --help runs options together: {joined}"
    print("help: -q and -h on lines of their own; ok")


def wait_for_log(server, text, seconds=5):
    deadline = time.monotonic() + seconds
    while text not in server.text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert text in server.text(), f"no {text!r} in the log:\n{server.text()[-1500:]}"


def test_keys_reload(db, folder):
    """An emptied keys file keeps the keys loaded before, with a warning;
    a file whose keys are all revoked is applied and warned about; SIGHUP
    reloads the file and does not stop the server."""
    keys = os.path.join(folder, "reload.keys")
    proc = dnstest.run("apikey", "add", "--keys", keys, check=0)
    key = proc.stdout.strip()
    os.chmod(keys, 0o600)
    with open(keys) as f:
        saved = f.read()
    server = Server(db, "--keys", keys)
    try:
        assert "active API keys: 1" in server.text(), server.text()
        status, _, _ = server.request("GET", "/dnsdb/v2/ping", {"X-Api-Key": key})
        assert status == 200, status

        open(keys, "w").close()
        wait_for_log(server, f"{keys}: contains no API key; keeping the 1 keys loaded before")
        status, _, body = server.request("GET", "/dnsdb/v2/ping", {"X-Api-Key": key})
        assert status == 200, f"after the keys file was emptied: {status} {body!r}"

        server.proc.send_signal(signal.SIGHUP)
        wait_for_log(server, f"SIGHUP received; reloading {keys}")
        time.sleep(0.3)
        assert server.proc.poll() is None, f"SIGHUP stopped the server:\n{server.text()}"
        assert server.text().count("contains no API key") == 2, server.text()

        with open(keys, "w") as f:
            f.write(saved)
        server.proc.send_signal(signal.SIGHUP)
        wait_for_log(server, f"{keys}: reloaded 1 API keys (1 active)")

        dnstest.run("apikey", "revoke", "--keys", keys, key[:12], check=0)
        wait_for_log(server, f"{keys}: reloaded 1 API keys, none of them active")
        status, _, _ = server.request("GET", "/dnsdb/v2/ping", {"X-Api-Key": key})
        assert status in (401, 403), f"a revoked key got {status}"
    finally:
        code = server.stop()
    assert code == 0, code
    print("keys reload: emptied file kept, all revoked applied, SIGHUP reloads; ok")


def test_listen_numeric_only(db, folder):
    """--listen takes numeric addresses only and makes no DNS query for a
    host name or an invalid address (checked with strace when present)."""
    strace = shutil.which("strace")
    for host in ("localhost", "256.0.0.1", "example.invalid"):
        listen = f"{host}:0"
        command = [dnstest.DRAGNET, "serve", "--db", db, "--open-read", "--listen", listen]
        trace = os.path.join(folder, f"listen-{host}.trace")
        if strace:
            command = [strace, "-f", "-e", "trace=connect,sendto,sendmmsg", "-o", trace,
                       *command]
        # LeakSanitizer cannot run under ptrace, so a sanitizer build
        # checks leaks in the runs without strace only.
        env = dict(os.environ)
        if strace:
            env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                          "detect_leaks=0"]))
        proc = subprocess.run(command, capture_output=True, text=True, timeout=30, env=env)
        assert proc.returncode == EXIT_USAGE, (listen, proc.returncode, proc.stderr)
        assert f"--listen '{listen}': '{host}' is not a numeric IPv4 or IPv6 address" \
            in proc.stderr, proc.stderr
        if strace:
            with open(trace) as f:
                calls = f.read()
            assert "htons(53)" not in calls, f"--listen {listen} made a DNS query:\n{calls}"
    print(f"listen: host names rejected without a lookup "
          f"({'checked' if strace else 'not checked, no strace'}); ok")


def test_start_options(db, folder, key):
    """-q still prints the URL on standard output, --max-body 0 is rejected,
    a missing --web-root is warned about, and the start counts active keys."""
    proc = dnstest.run("serve", "--listen", "127.0.0.1:0", "--max-body", "0", db=db,
                       check=EXIT_USAGE)
    assert "--max-body '0': expected a size of at least 1 byte" in proc.stderr, proc.stderr

    missing = os.path.join(folder, "no-web-root")
    log_path = os.path.join(folder, "quiet.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([dnstest.DRAGNET, "serve", "--db", db, "--listen",
                                 "127.0.0.1:0", "-q", "--web-root", missing],
                                stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = proc.stdout.readline()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\n", line), f"stdout {line!r}"
        port = int(line.rsplit(":", 1)[1].strip("/\n"))
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        conn.sendall(f"GET /dnsdb/v2/ping HTTP/1.1\r\nHost: test\r\nX-Api-Key: {key}\r\n"
                     "Connection: close\r\n\r\n".encode())
        status, _, _ = read_response(conn)
        conn.close()
        assert status.startswith(b"HTTP/1.1 200 "), status
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()
    with open(log_path) as f:
        log = f.read()
    assert f"--web-root {missing}: No such file or directory" in log, log
    assert "serving" not in log, f"-q let the info line through:\n{log}"

    server = Server(db)
    text = server.text()
    assert server.stop() == 0
    listing = dnstest.run("apikey", "list", db=db, check=0).stdout
    active = sum(1 for line in listing.splitlines()
                 if re.match(r"[0-9a-f]{12} ", line) and "revoked" not in line)
    assert f"active API keys: {active})" in text, (active, text)
    print(f"start options: -q prints the URL, max-body 0 rejected, {active} active keys; ok")


def main():
    folder = dnstest.scratch()
    db = os.path.join(folder, "serve.db")
    dnstest.run("ingest", dnstest.sample("dnscap-resolver.pcap"), db=db, check=0)
    key = add_key(db)

    test_help_lines()
    test_keys_reload(db, folder)
    test_listen_numeric_only(db, folder)
    test_start_options(db, folder, key)
    test_revoke_twice(db)
    test_keys_file_mode(folder, db)
    test_tls_files(db, folder)
    test_max_connections(db, key)
    test_stop_with_idle_connection(db, key)
    test_stop_under_load(folder)
    print("test_serve_ops: all checks passed")


if __name__ == "__main__":
    main()
