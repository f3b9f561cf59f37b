#!/usr/bin/env python3
"""dragnet cert grab end to end, against `openssl s_server` started here on
127.0.0.1 (and ::1 when the host has IPv6 loopback) with a certificate chain
made here with the `openssl` binary: root, intermediate and a leaf with
SANs, EC P-256 keys. Checked:

- the stored certificates' SHA-256 equals `openssl x509 -fingerprint
  -sha256` of the files, in the order sent, with the sighting
  "host 127.0.0.1:PORT";
- subject and issuer equal what `openssl x509 -subject -issuer` prints;
- the SNI reaches the server, which sends a second certificate for
  "localhost", and the sighting records an SNI other than the target's
  own name;
- version and cipher suite match what the server was limited to, named as
  `openssl ciphers -stdname` names the suite;
- a closed port, a listener that is not TLS, a server that never responds
  and a TLS alert each give exit status 7 and their own message, within the
  timeout.

Every address is on loopback. The only name used is "localhost", which
/etc/hosts resolves.

Environment: DRAGNET is the dragnet binary, TMPDIR the scratch folder. Exit
status 0 when every check passes, 1 on a failure, 77 when the openssl
binary is missing."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

EXIT_OK, EXIT_NONE, EXIT_USAGE, EXIT_LIVE = 0, 1, 2, 7
OPENSSL = shutil.which("openssl")
# Time allowed beyond --timeout for process start and teardown.
SLACK_S = 1.5
# The server name for which the server sends the second certificate.
SNI_NAME = "localhost"


def openssl(*args, cwd):
    return subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True,
                          text=True, timeout=60).stdout


def make_pki(folder):
    """Write root, intermediate, leaf and a self-signed second certificate
    with their keys, and the chain file the server sends after the leaf."""
    os.makedirs(folder, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    with open(os.path.join(folder, "ca.ext"), "w", encoding="ascii") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    with open(os.path.join(folder, "leaf.ext"), "w", encoding="ascii") as f:
        f.write("subjectAltName=DNS:grab.test,DNS:www.grab.test,IP:127.0.0.1,"
                "IP:::1,email:ops@grab.test\n")
    openssl("req", "-x509", *ec, "-keyout", "root.key", "-out", "root.pem", "-days", "30",
            "-subj", "/C=NL/O=Grab Test/CN=Grab Test Root", "-addext",
            "basicConstraints=critical,CA:TRUE", cwd=folder)
    for name, subject, issuer, ext in (
            ("inter", "/O=Grab Test/CN=Grab Test Intermediate", "root", "ca.ext"),
            ("leaf", "/CN=grab.test", "inter", "leaf.ext")):
        openssl("req", "-new", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", subject, cwd=folder)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.pem", "-CAkey",
                f"{issuer}.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "30",
                "-extfile", ext, cwd=folder)
    openssl("req", "-x509", *ec, "-keyout", "sni.key", "-out", "sni.pem", "-days", "30",
            "-subj", f"/CN={SNI_NAME}", "-addext", f"subjectAltName=DNS:{SNI_NAME}",
            cwd=folder)
    with open(os.path.join(folder, "chain.pem"), "w", encoding="ascii") as out:
        for name in ("inter", "root"):
            with open(os.path.join(folder, f"{name}.pem"), encoding="ascii") as f:
                out.write(f.read())


def fingerprint(folder, name):
    """SHA-256 of a certificate file, lower-case hex, as openssl x509 prints it."""
    text = openssl("x509", "-in", f"{name}.pem", "-noout", "-fingerprint", "-sha256",
                   cwd=folder)
    return text.strip().split("=", 1)[1].replace(":", "").lower()


def dn(folder, name, field):
    text = openssl("x509", "-in", f"{name}.pem", "-noout", f"-{field}", "-nameopt",
                   "RFC2253,-esc_msb", cwd=folder)
    return text.strip().split("=", 1)[1]


def stdname(openssl_name):
    """The RFC name of a cipher suite, from `openssl ciphers -stdname`."""
    for line in openssl("ciphers", "-stdname", openssl_name, cwd=None).splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == openssl_name:
            return parts[0]
    raise AssertionError(f"openssl ciphers -stdname does not list {openssl_name}")


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class TlsServer:
    """openssl s_server on loopback. It sends the second certificate for the
    SNI SNI_NAME and the alert unrecognized_name for any other SNI."""

    def __init__(self, pki, host="127.0.0.1", family=socket.AF_INET, extra=()):
        self.host = host
        self.port = free_port(family, host)
        bracketed = f"[{host}]" if family == socket.AF_INET6 else host
        self.target = f"{bracketed}:{self.port}"
        self.cmd = [OPENSSL, "s_server", "-quiet", "-accept", self.target, "-cert", "leaf.pem",
                    "-key", "leaf.key", "-cert_chain", "chain.pem", "-servername", SNI_NAME,
                    "-cert2", "sni.pem", "-key2", "sni.key", "-servername_fatal", *extra]
        self.pki = pki
        self.family = family
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, cwd=self.pki, stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.cmd} exited: {self.proc.stderr.read()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"{self.cmd} did not listen on {self.target}")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdin.close()
        self.proc.stderr.close()


class PlainServer:
    """A TCP listener on 127.0.0.1 that is not TLS: it sends greeting to
    each connection (an SSH banner), or, with greeting None, accepts and
    never responds."""

    def __init__(self, greeting):
        self.greeting = greeting
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.target = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        self.conns = []
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self):
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            if self.greeting is not None:
                conn.settimeout(2)
                try:
                    conn.recv(4096)
                    conn.sendall(self.greeting)
                except OSError:
                    pass

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        for conn in self.conns:
            conn.close()
        self.sock.close()


def grab(db, *args, check=None, timeout=60):
    return t.run("cert", "grab", "--db", db, "--interval", "0", "--timeout", "5", *args,
                 check=check, timeout=timeout)


def grab_json(db, *args):
    lines = grab(db, "--json", *args, check=EXIT_OK).stdout.splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def stored(db, sha256, check=EXIT_OK):
    proc = t.run("cert", "--db", db, "--fingerprint", sha256, "--json", check=check)
    return json.loads(proc.stdout) if check == EXIT_OK else None


def check_chain_stored(tmp, pki):
    db = os.path.join(tmp, "chain.db")
    expected = [fingerprint(pki, name) for name in ("leaf", "inter", "root")]
    with TlsServer(pki) as server:
        out = grab(db, server.target, check=EXIT_OK).stdout
        # A second grab of the same server counts the same sighting again.
        grab(db, server.target, check=EXIT_OK)
    for sha in expected:
        assert sha in out, (sha, out)
    assert "DNS:grab.test, DNS:www.grab.test, IP:127.0.0.1, IP:::1, email:ops@grab.test" in out, out

    for name, sha in zip(("leaf", "inter", "root"), expected):
        certs = stored(db, sha)
        assert len(certs) == 1, certs
        cert = certs[0]
        assert cert["sha256"] == sha, cert
        assert cert["subject"] == dn(pki, name, "subject"), cert
        assert cert["issuer"] == dn(pki, name, "issuer"), cert
        sightings = [(s["kind"], s["detail"], s["count"]) for s in cert["sightings"]]
        assert sightings == [("host", server.target, 2)], sightings
    leaf = stored(db, expected[0])[0]
    assert leaf["sans"] == ["DNS:grab.test", "DNS:www.grab.test", "IP:127.0.0.1", "IP:::1",
                            "email:ops@grab.test"], leaf["sans"]


def check_json_order(tmp, pki):
    db = os.path.join(tmp, "json.db")
    with TlsServer(pki) as server:
        doc = grab_json(db, server.target)
    assert doc["target"] == server.target, doc
    assert doc["host"] == "127.0.0.1", doc
    assert doc["port"] == server.port, doc
    assert doc["peer"] == server.target, doc
    assert doc["sni"] is None, doc
    chain = [c["sha256"] for c in doc["certificates"]]
    assert chain == [fingerprint(pki, n) for n in ("leaf", "inter", "root")], chain
    assert [c["position"] for c in doc["certificates"]] == [0, 1, 2], doc
    assert doc["certificates"][1]["ca"] is True, doc
    assert doc["certificates"][0]["ca"] is False, doc
    assert doc["certificates"][2]["self_signed"] is True, doc


def check_version_cipher(tmp, pki):
    db = os.path.join(tmp, "cipher.db")
    suite = "ECDHE-ECDSA-AES128-GCM-SHA256"
    with TlsServer(pki, extra=("-tls1_2", "-cipher", suite)) as server:
        doc = grab_json(db, server.target)
    assert doc["version"] == "TLSv1.2", doc
    assert doc["cipher"] == stdname(suite), doc


def check_sni(tmp, pki):
    db = os.path.join(tmp, "sni.db")
    leaf, other = fingerprint(pki, "leaf"), fingerprint(pki, "sni")
    with TlsServer(pki) as server:
        by_option = grab_json(db, "--sni", SNI_NAME, server.target)
        by_name = grab_json(db, f"{SNI_NAME}:{server.port}")
        without = grab_json(db, "--no-sni", f"{SNI_NAME}:{server.port}")
    assert by_option["sni"] == SNI_NAME, by_option
    assert [c["sha256"] for c in by_option["certificates"]] == [other], by_option
    # A host name is sent as the SNI unless --no-sni is given.
    assert by_name["sni"] == SNI_NAME, by_name
    assert [c["sha256"] for c in by_name["certificates"]] == [other], by_name
    assert without["sni"] is None, without
    assert without["certificates"][0]["sha256"] == leaf, without

    sightings = stored(db, other)[0]["sightings"]
    details = sorted(s["detail"] for s in sightings)
    # The address grabbed with --sni records the name; the name grabbed
    # with its own name as SNI needs no mark.
    assert details == sorted([f"{server.target} sni={SNI_NAME}",
                              f"{SNI_NAME}:{server.port}"]), details
    sightings = stored(db, leaf)[0]["sightings"]
    assert [s["detail"] for s in sightings] == [f"{SNI_NAME}:{server.port} no-sni"], sightings
    assert by_option["sighting"] == f"{server.target} sni={SNI_NAME}", by_option
    assert by_name["sighting"] == f"{SNI_NAME}:{server.port}", by_name
    assert without["sighting"] == f"{SNI_NAME}:{server.port} no-sni", without


def check_virtual_hosts(tmp, pki):
    """One address grabbed without SNI and with an SNI (upper case, which
    is recorded in lower case) gives two sightings of two certificates."""
    db = os.path.join(tmp, "vhosts.db")
    leaf, other = fingerprint(pki, "leaf"), fingerprint(pki, "sni")
    with TlsServer(pki) as server:
        plain = grab(db, server.target, check=EXIT_OK).stdout
        named = grab(db, "--sni", SNI_NAME.upper(), server.target, check=EXIT_OK).stdout
    assert plain.split("  ")[0] == server.target, plain
    assert named.split("  ")[0] == f"{server.target} sni={SNI_NAME}", named
    sightings = stored(db, leaf)[0]["sightings"]
    assert [s["detail"] for s in sightings] == [server.target], sightings
    sightings = stored(db, other)[0]["sightings"]
    assert [s["detail"] for s in sightings] == [f"{server.target} sni={SNI_NAME}"], sightings
    text = t.run("cert", "--db", db, "--fingerprint", other, check=EXIT_OK).stdout
    assert f"host {server.target} sni={SNI_NAME}," in text, text


def check_ipv6(tmp, pki):
    if not has_ipv6_loopback():
        print("NOTE: no IPv6 loopback on this host; skipping the ::1 check")
        return
    db = os.path.join(tmp, "v6.db")
    with TlsServer(pki, host="::1", family=socket.AF_INET6) as server:
        doc = grab_json(db, server.target)
    assert doc["target"] == f"[::1]:{server.port}", doc
    assert doc["peer"] == f"[::1]:{server.port}", doc
    chain = [c["sha256"] for c in doc["certificates"]]
    assert chain == [fingerprint(pki, n) for n in ("leaf", "inter", "root")], chain
    sightings = stored(db, chain[0])[0]["sightings"]
    assert [s["detail"] for s in sightings] == [f"[::1]:{server.port}"], sightings


def timed_failure(db, target, *args, timeout_s=2):
    start = time.monotonic()
    proc = grab(db, "--timeout", str(timeout_s), *args, target, check=EXIT_LIVE)
    return proc, time.monotonic() - start


def check_closed_port(tmp, pki):
    db = os.path.join(tmp, "closed.db")
    target = f"127.0.0.1:{free_port()}"
    proc, elapsed = timed_failure(db, target)
    assert "connection refused" in proc.stderr, proc.stderr
    assert target in proc.stderr, proc.stderr
    assert elapsed < 2 + SLACK_S, elapsed
    assert proc.stdout == "", proc.stdout


def check_not_tls(tmp, pki):
    db = os.path.join(tmp, "plain.db")
    banner = b"SSH-2.0-OpenSSH_9.6\r\n"
    with PlainServer(banner) as server:
        proc, elapsed = timed_failure(db, server.target)
    assert "not a TLS server" in proc.stderr, proc.stderr
    assert "SSH-2.0-OpenSSH_9.6" in proc.stderr, proc.stderr
    assert elapsed < 2 + SLACK_S, elapsed


def check_silent_server(tmp, pki):
    db = os.path.join(tmp, "silent.db")
    with PlainServer(None) as server:
        proc, elapsed = timed_failure(db, server.target, timeout_s=1)
    assert "timed out after 1000 ms" in proc.stderr, proc.stderr
    assert "TLS handshake" in proc.stderr, proc.stderr
    assert 1.0 <= elapsed < 1 + SLACK_S, elapsed


def check_alert(tmp, pki):
    db = os.path.join(tmp, "alert.db")
    with TlsServer(pki) as server:
        proc, elapsed = timed_failure(db, server.target, "--sni", "other.test")
    # RFC 6066 unrecognized_name is alert 112.
    assert 'TLS alert "unrecognized name" (112)' in proc.stderr, proc.stderr
    assert elapsed < 2 + SLACK_S, elapsed


def check_partial_failure(tmp, pki):
    """A failed host does not stop the others, and the run exits 7."""
    db = os.path.join(tmp, "partial.db")
    closed = f"127.0.0.1:{free_port()}"
    with TlsServer(pki) as server:
        proc = grab(db, closed, server.target, check=EXIT_LIVE)
        docs = [json.loads(line) for line in
                grab(db, "--json", closed, server.target, check=EXIT_LIVE).stdout.splitlines()]
    assert fingerprint(pki, "leaf") in proc.stdout, proc.stdout
    assert stored(db, fingerprint(pki, "leaf"))[0]["sha256"] == fingerprint(pki, "leaf")
    # --json prints one line per target, the failed one with its error.
    assert [d["target"] for d in docs] == [closed, server.target], docs
    assert "connection refused" in docs[0]["error"], docs[0]
    assert docs[0]["peer"] is None, docs[0]
    assert "certificates" not in docs[0], docs[0]
    assert "error" not in docs[1], docs[1]


def check_interval(tmp, pki):
    db = os.path.join(tmp, "interval.db")
    with TlsServer(pki) as server:
        start = time.monotonic()
        t.run("cert", "grab", "--db", db, "--interval", "0.6", server.target, server.target,
              server.target, check=EXIT_OK)
        elapsed = time.monotonic() - start
    # Three grabs, so two intervals between their starts.
    assert elapsed >= 1.2, elapsed
    sightings = stored(db, fingerprint(pki, "leaf"))[0]["sightings"]
    assert sightings[0]["count"] == 3, sightings


def check_no_store(tmp, pki):
    db = os.path.join(tmp, "nostore.db")
    t.run("store", "init", "--db", db, check=EXIT_OK)
    with TlsServer(pki) as server:
        out = grab(db, "--no-store", server.target, check=EXIT_OK).stdout
    assert fingerprint(pki, "leaf") in out, out
    stored(db, fingerprint(pki, "leaf"), check=EXIT_NONE)


def check_usage(tmp, pki):
    db = os.path.join(tmp, "usage.db")
    for args in ([], ["127.0.0.1:0"], ["127.0.0.1:65536"], ["[127.0.0.1]:443"],
                 ["[::1"], ["bad host:443"], ["--sni", "a", "--no-sni", "127.0.0.1"],
                 ["--timeout", "0", "127.0.0.1"]):
        proc = t.run("cert", "grab", "--db", db, *args, check=EXIT_USAGE)
        assert proc.stdout == "", (args, proc.stdout)
    # An unbracketed IPv6 address with what may be a port is rejected
    # before anything is sent, even after a valid target.
    for target, hint in (("::1:443", "[::1]:443"), ("::ffff:127.0.0.1:443",
                                                     "[::ffff:127.0.0.1]:443")):
        proc = t.run("cert", "grab", "--db", db, "127.0.0.1", target, check=EXIT_USAGE)
        assert proc.stdout == "", (target, proc.stdout)
        assert hint in proc.stderr, (target, proc.stderr)
        assert "grabbing" not in proc.stderr, (target, proc.stderr)
    assert not os.path.exists(db), "a usage error created the store"


CHECKS = [check_chain_stored, check_json_order, check_version_cipher, check_sni,
          check_virtual_hosts, check_ipv6,
          check_closed_port, check_not_tls, check_silent_server, check_alert,
          check_partial_failure, check_interval, check_no_store, check_usage]


def main():
    if OPENSSL is None:
        t.skip("the openssl binary is not installed; it makes the certificates and runs "
               "the server")
    tmp = t.scratch()
    pki = os.path.join(tmp, "pki")
    make_pki(pki)
    failed = 0
    for check in CHECKS:
        try:
            check(tmp, pki)
            print(f"ok {check.__name__}")
        except Exception:  # noqa: BLE001 - report every failing check, then fail
            failed += 1
            print(f"FAIL {check.__name__}")
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
