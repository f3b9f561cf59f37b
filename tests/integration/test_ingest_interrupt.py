"""A killed or interrupted ingest keeps every batch it committed."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

BATCH_A = 3000        # exchanges (query + response) before the first flush
TRIGGER = 1100        # more exchanges, so the packet counter passes a clock check


def exchanges(prefix, n, start):
    data = b""
    for i in range(n):
        name = f"{prefix}{i}.example.com"
        data += t.exchange(start + i, i % 65536, name, "A", [(name, "A", f"192.0.2.{i % 250 + 1}")])
    return data


def wait_for_rows(db, expected, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            n = con.execute("SELECT count(*) FROM rrset WHERE rrname LIKE 'a%'").fetchone()[0]
            con.close()
            if n >= expected:
                return n
        except sqlite3.Error:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{db}: first flush did not appear within {timeout} s")


def start_ingest(db):
    return subprocess.Popen([t.DRAGNET, "ingest", "--db", db, "--flush-interval", "1",
                             "--source", "pipe", "-"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE)


def feed_first_batch(proc):
    proc.stdin.write(t.pcap_header() + exchanges("a", BATCH_A, 1700000000))
    proc.stdin.flush()
    time.sleep(1.5)
    proc.stdin.write(exchanges("trigger", TRIGGER, 1700100000))
    proc.stdin.flush()


def check_batch_a(db):
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = con.execute("SELECT rrname, rdata, time_first, count FROM rrset "
                       "WHERE rrname LIKE 'a%' ORDER BY time_first").fetchall()
    assert len(rows) == BATCH_A, len(rows)
    for i, (rrname, rdata, first, count) in enumerate(rows):
        assert rrname == f"a{i}.example.com.", rrname
        assert rdata == f"192.0.2.{i % 250 + 1}", rdata
        assert first == 1700000000 + i
        assert count == 1
    unfinished = con.execute("SELECT count(*) FROM run WHERE NOT finished").fetchone()[0]
    con.close()
    return unfinished


def check_kill(tmp):
    db = os.path.join(tmp, "kill.db")
    proc = start_ingest(db)
    feed_first_batch(proc)
    wait_for_rows(db, BATCH_A)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert check_batch_a(db) == 1, "the killed run must stay marked unfinished"
    t.run("stats", db=db, check=0)

    # The database still takes writes after the kill: a sample capture adds
    # exactly the records it stores in a fresh database.
    sample = t.sample("dnscap-resolver.pcap")
    clean = os.path.join(tmp, "sample.db")
    t.run("ingest", sample, db=clean, check=0)
    expected = t.rrsets(clean)
    assert expected, "the sample capture stored nothing"
    before = t.rrsets(db)
    t.run("ingest", sample, db=db, check=0)
    added = sorted(set(t.rrsets(db)) - set(before))
    assert added == expected, (added, expected)
    print(f"SIGKILL: {BATCH_A} records of the committed batch kept, database intact")


def check_sigint(tmp):
    db = os.path.join(tmp, "int.db")
    proc = start_ingest(db)
    feed_first_batch(proc)
    wait_for_rows(db, BATCH_A)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    err = err.decode()
    assert proc.returncode == 130, (proc.returncode, err)
    assert "interrupted after packet" in err, err
    assert check_batch_a(db) == 1, "an interrupted run is marked unfinished"
    con = sqlite3.connect(db)
    triggers = con.execute("SELECT count(*) FROM rrset WHERE rrname LIKE 'trigger%'").fetchone()[0]
    packets = con.execute("SELECT packets FROM run").fetchone()[0]
    con.close()
    # Everything read before the signal is written on the way out: each
    # exchange read to its response (the second frame) left one record.
    assert packets > 2 * BATCH_A, packets
    assert triggers == (packets - 2 * BATCH_A) // 2, (triggers, packets)
    print("SIGINT: everything read before the signal written, exit status 130")


def main():
    tmp = t.scratch()
    check_kill(tmp)
    check_sigint(tmp)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
