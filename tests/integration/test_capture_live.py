"""dragnet capture on the loopback interface, against a DNS responder this
test runs on 127.0.0.1."""

import os
import select
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402


class Responder(threading.Thread):
    """Answers every A query for NAME with 192.0.2.N, N taken from the name."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.running = True

    def run(self):
        while self.running:
            ready, _, _ = select.select([self.sock], [], [], 0.2)
            if not ready:
                continue
            query, peer = self.sock.recvfrom(512)
            qid = struct.unpack("!H", query[:2])[0]
            labels, pos = [], 12
            while query[pos]:
                labels.append(query[pos + 1:pos + 1 + query[pos]].decode())
                pos += 1 + query[pos]
            name = ".".join(labels)
            host = int(labels[0].removeprefix("host"))
            reply = t.dns_message(qid, name, "A", [(name, "A", f"192.0.2.{host}")])
            self.sock.sendto(reply, peer)

    def stop(self):
        self.running = False
        self.join()
        self.sock.close()


def ask(port, names):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2)
    for i, name in enumerate(names):
        sock.sendto(t.dns_message(1000 + i, name, "A", response=False), ("127.0.0.1", port))
        sock.recvfrom(512)
    sock.close()


def stored_names(db):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2)
        rows = con.execute("SELECT rrname, rdata FROM rrset").fetchall()
        con.close()
        return dict(rows)
    except sqlite3.Error:
        return {}


def wait_started(proc):
    """Read stderr until the capture logs that it started; return those lines."""
    said = ""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        said += line
        if "capturing on lo" in line:
            return said
    proc.kill()
    raise AssertionError(f"capture did not start:\n{said}{proc.stderr.read()}")


def capture_run(tmp, responder, stop_signal):
    db = os.path.join(tmp, f"live-{stop_signal.name}.db")
    proc = subprocess.Popen([t.DRAGNET, "capture", "--db", db, "-i", "lo",
                             "-f", f"udp port {responder.port}", "--port", str(responder.port),
                             "--flush-interval", "1"],
                            stderr=subprocess.PIPE, text=True)
    try:
        check_capture(proc, db, responder, stop_signal)
    finally:
        # A failed check must not leave the capture running after the test.
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def check_capture(proc, db, responder, stop_signal):
    wait_started(proc)

    first = [f"host{i}.live.example" for i in range(1, 6)]
    ask(responder.port, first)
    deadline = time.monotonic() + 10
    while len(stored_names(db)) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    got = stored_names(db)
    assert got == {f"{n}.": f"192.0.2.{i}" for i, n in enumerate(first, 1)}, got

    # Records aggregated after the last periodic flush are written on the signal.
    second = [f"host{i}.late.example" for i in range(10, 13)]
    ask(responder.port, second)
    time.sleep(0.3)
    proc.send_signal(stop_signal)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, (proc.returncode, err)
    got = stored_names(db)
    for i, name in enumerate(second, 10):
        assert got.get(f"{name}.") == f"192.0.2.{i}", (name, got)
    con = sqlite3.connect(db)
    finished = con.execute("SELECT finished FROM run").fetchone()[0]
    con.close()
    assert finished == 1
    assert "capture on lo stopped" in err, err
    print(f"{stop_signal.name}: periodic flush and final flush stored all 8 records")


def main():
    if os.geteuid() != 0:
        t.skip("live capture needs root (CAP_NET_RAW); run the suite as root or with sudo")
    tmp = t.scratch()
    responder = Responder()
    responder.start()
    try:
        capture_run(tmp, responder, signal.SIGINT)
        capture_run(tmp, responder, signal.SIGTERM)
    finally:
        responder.stop()

    # Errors come back as a clear message and exit status, not a crash.
    proc = t.run("capture", "-i", "no-such-interface0", db=os.path.join(tmp, "x.db"))
    assert proc.returncode == 5, (proc.returncode, proc.stderr)
    assert "no-such-interface0" in proc.stderr, proc.stderr
    proc = t.run("capture", "-i", "lo", "-f", "port banana", db=os.path.join(tmp, "y.db"))
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "invalid capture filter 'port banana'" in proc.stderr, proc.stderr
    print("bad interface and bad filter: clear errors, exit status 5 and 2")


if __name__ == "__main__":
    main()
