"""A file ingested before is skipped, one whose run was killed is resumed
after its last stored packet, and --again reads it once more."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

EXCHANGES = 60000


def write_capture(path):
    data = bytearray(t.pcap_header())
    for i in range(EXCHANGES):
        name = f"h{i % 9000}.resume.example"
        data += t.exchange(1700000000 + i, i % 65536, name, "A",
                           [(name, "A", f"198.51.100.{i % 200 + 1}")])
    with open(path, "wb") as f:
        f.write(data)


def stored(db):
    return t.rrsets(db)


def rows_so_far(db):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        n = con.execute("SELECT count(*) FROM rrset").fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return 0


def main():
    tmp = t.scratch()
    capture = os.path.join(tmp, "resume.pcap")
    write_capture(capture)

    clean = os.path.join(tmp, "clean.db")
    t.run("ingest", capture, db=clean, check=0)
    expected = stored(clean)

    # Kill a run that flushes often, once some flushes are stored.
    db = os.path.join(tmp, "killed.db")
    proc = subprocess.Popen([t.DRAGNET, "ingest", "--db", db, "--flush-records", "500", capture],
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while rows_so_far(db) < 2000 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if proc.returncode != -signal.SIGKILL:
        raise AssertionError("the ingest ended before it could be killed; make the capture "
                             "larger")
    con = sqlite3.connect(db)
    run = con.execute("SELECT finished, packets FROM run").fetchall()
    con.close()
    assert len(run) == 1 and run[0][0] == 0 and 0 < run[0][1] < 2 * EXCHANGES, run

    # The second ingest continues after the stored packets: the result is
    # exactly that of one clean run, and the run record is reused.
    proc = t.run("ingest", capture, db=db, check=0)
    assert f"stopped after packet {run[0][1]}, which is stored; resuming after it" in proc.stderr
    assert stored(db) == expected, "resumed ingest differs from a clean one"
    con = sqlite3.connect(db)
    runs = con.execute("SELECT finished, packets FROM run").fetchall()
    con.close()
    assert runs == [(1, 2 * EXCHANGES)], runs
    print(f"killed after packet {run[0][1]} of {2 * EXCHANGES}, resumed: same as a clean run")

    # Once complete, the file is skipped...
    proc = t.run("ingest", capture, db=db, check=0)
    assert "skipped, ingested before" in proc.stderr, proc.stderr
    assert stored(db) == expected

    # ...a copy elsewhere is another file...
    copy = os.path.join(tmp, "copy.pcap")
    shutil.copy(capture, copy)
    t.run("ingest", copy, db=clean, check=0)
    counts = {row[:4]: row[6] for row in stored(clean)}
    assert all(counts[row[:4]] == 2 * row[6] for row in expected)

    # ...and --again reads it once more, doubling every count.
    t.run("ingest", "--again", capture, db=db, check=0)
    counts = {row[:4]: row[6] for row in stored(db)}
    assert all(counts[row[:4]] == 2 * row[6] for row in expected)
    print("complete files are skipped; copies and --again are read again")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
