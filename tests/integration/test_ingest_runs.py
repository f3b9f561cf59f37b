"""How dragnet ingest uses a file's earlier runs: a killed run is resumed
under its first source, a file another ingest is reading is left to it, a
changed file is read again, and long paths keep their identity."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

# About 27 MB of frames. With --flush-records 500 an ingest of it runs for
# seconds, long enough to be killed or raced by a second ingest.
PACKETS = 200000
COUNTS = ("packets", "messages", "records", "errors")


def generated_capture(tmp):
    # Only UDP: a DNS-over-TCP message that straddles the resume point is
    # lost, and the resumed result would then differ from a clean run.
    path = t.gen_capture(os.path.join(tmp, "generated.pcap"), PACKETS, "--tcp-share", "0",
                         "--seed", "7")
    # The source and run rows name a file by its absolute path, symbolic
    # links resolved.
    return os.path.realpath(path)


def current_run(db):
    """The single run row of db as a dict, or None while there is none to read."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        con.row_factory = sqlite3.Row
        try:
            rows = con.execute("SELECT * FROM run").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    assert len(rows) <= 1, [dict(row) for row in rows]
    return dict(rows[0]) if rows else None


def slow_ingest(db, capture):
    """Start an ingest that writes every 500 records, so that it runs for a while."""
    return subprocess.Popen([t.DRAGNET, "ingest", "--db", db, "--flush-records", "500", capture],
                            stderr=subprocess.PIPE, text=True)


def wait_for_run(db, proc, ready, description, timeout=60):
    """Poll the run table until ready(row) is true, and fail if proc ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = current_run(db)
        if row is not None and ready(row):
            return row
        if proc.poll() is not None:
            raise AssertionError(f"the ingest ended before {description}; make the capture "
                                 f"larger:\n{proc.stderr.read()}")
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    raise AssertionError(f"timed out after {timeout} s waiting until {description}")


def kill_mid_way(db, capture):
    """Kill -9 an ingest once a tenth of the capture is stored, and return its run row."""
    proc = slow_ingest(db, capture)
    try:
        wait_for_run(db, proc, lambda row: row["packets"] >= PACKETS // 10,
                     "a tenth of the packets were stored")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"
    runs = t.runs(db)
    assert len(runs) == 1, runs
    row = runs[0]
    assert row["finished"] == 0, row
    assert row["owner"] == proc.pid, (row, proc.pid)
    assert 0 < row["packets"] < PACKETS, row
    return row


def check_counts(row, clean, label):
    for column in COUNTS:
        assert row[column] == clean[column], f"{label}: {column} {row[column]} != {clean[column]}"
    assert row["finished"] == 1, row
    assert row["owner"] == 0, row


def check_resume(tmp, capture, clean_db):
    """A killed run is resumed after its last stored packet and ends with the
    counts and records of one clean run."""
    clean = current_run(clean_db)
    db = os.path.join(tmp, "killed.db")
    killed = kill_mid_way(db, capture)

    proc = t.run("ingest", capture, db=db, check=0)
    assert f"resumed after packet {killed['packets']};" in proc.stderr, proc.stderr
    runs = t.runs(db)
    assert len(runs) == 1, runs
    assert runs[0]["id"] == killed["id"], (runs[0], killed)
    assert runs[0]["source_id"] == killed["source_id"], (runs[0], killed)
    check_counts(runs[0], clean, "resumed run")
    assert t.rrsets(db) == t.rrsets(clean_db), "resumed ingest differs from a clean one"
    assert t.negatives(db) == t.negatives(clean_db), "resumed negative answers differ"
    assert t.sources(db) == [(capture, "file")], t.sources(db)
    print(f"killed after packet {killed['packets']} of {PACKETS}, resumed: the counts and "
          "records of a clean run")


def check_resume_other_source(tmp, capture, clean_db):
    """The rest of a killed run goes to the source it began with, whatever
    --source the resuming ingest names."""
    clean = current_run(clean_db)
    db = os.path.join(tmp, "killed-other.db")
    killed = kill_mid_way(db, capture)

    proc = t.run("ingest", "-s", "othername", capture, db=db, check=0)
    assert f"began under source '{capture}'" in proc.stderr, proc.stderr
    names = [name for name, _ in t.sources(db)]
    assert "othername" not in names, names
    assert names == [capture], names
    runs = t.runs(db)
    assert len(runs) == 1, runs
    assert runs[0]["source_id"] == killed["source_id"], (runs[0], killed)
    check_counts(runs[0], clean, "run resumed with -s othername")
    assert t.rrset_sources(db) == t.rrset_sources(clean_db), "records under the wrong source"
    print("resumed with -s othername: warned, every record under the first source")


def check_concurrent(tmp, capture, clean_db):
    """A second ingest of a file that a live ingest is reading stops with
    exit 3 and changes nothing."""
    clean = current_run(clean_db)
    db = os.path.join(tmp, "concurrent.db")
    first = slow_ingest(db, capture)
    try:
        wait_for_run(db, first, lambda row: row["owner"] == first.pid,
                     "its run row showed it as the owner")
        # The same file by its absolute path and by a relative one, and
        # with --again, which counts a file twice but not at the same time.
        second = t.run("ingest", capture, db=db)
        relative = t.run("ingest", os.path.basename(capture), db=db,
                         cwd=os.path.dirname(capture))
        again = t.run("ingest", "--again", capture, db=db)
        assert first.poll() is None, ("the first ingest ended before the check; make the "
                                      "capture larger")
    except BaseException:
        first.kill()
        first.wait()
        raise
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, (first.returncode, err)
    for proc in (second, relative, again):
        assert proc.returncode == 3, (proc.returncode, proc.stderr)
        assert f"process {first.pid} is ingesting it now" in proc.stderr, proc.stderr

    runs = t.runs(db)
    assert len(runs) == 1, runs
    check_counts(runs[0], clean, "raced run")
    assert t.rrsets(db) == t.rrsets(clean_db), "the raced ingest differs from a clean one"
    print("second ingest during a live one: exit 3, final counts of one clean run")


def check_new_database_race(tmp):
    """Ingests that start together on a database that does not exist yet
    create it once: the same file is read by one of them and refused or
    skipped by the other, and different files both go in."""
    first_file = copy_sample(os.path.join(tmp, "race-a.pcap"))
    second_file = copy_sample(os.path.join(tmp, "race-b.pcap"))
    for attempt in range(6):
        for label, files in (("same", (first_file, first_file)),
                             ("different", (first_file, second_file))):
            db = os.path.join(tmp, f"race-{label}-{attempt}.db")
            procs = [subprocess.Popen([t.DRAGNET, "ingest", "-q", "--db", db, path],
                                      stderr=subprocess.PIPE, text=True) for path in files]
            results = [(proc.wait(timeout=120), proc.stderr.read()) for proc in procs]
            for proc in procs:
                proc.stderr.close()
            codes = sorted(code for code, _ in results)
            allowed = ([0, 0], [0, 3]) if label == "same" else ([0, 0],)
            assert codes in allowed, (label, results)
            sources = {name for name, _ in t.sources(db)}
            assert sources == set(files), (label, sources)
    print("ingests racing to create a database: no database error, every file stored once")


def copy_sample(path):
    shutil.copy(t.sample("dnscap-resolver.pcap"), path)
    return os.path.realpath(path)


def doubled(rows):
    return [row[:6] + (2 * row[6],) for row in rows]


def check_grown_file(tmp):
    """A file that grew after a finished ingest is read in full again, so its
    first part is counted twice."""
    path = copy_sample(os.path.join(tmp, "growing.pcap"))
    db = os.path.join(tmp, "growing.db")
    t.run("ingest", path, db=db, check=0)
    first_part = t.rrsets(db)
    proc = t.run("ingest", path, db=db, check=0)
    assert "skipped, ingested before" in proc.stderr, proc.stderr
    assert t.rrsets(db) == first_part

    name = "grown.runs.example"
    with open(path, "ab") as f:
        f.write(t.exchange(1700000000, 77, name, "A", [(name, "A", "203.0.113.7")]))
    proc = t.run("ingest", path, db=db, check=0)
    assert f"{path}: changed since run 1" in proc.stderr, proc.stderr

    # Expected: the old and the grown file, each ingested once under another path.
    expected_db = os.path.join(tmp, "growing-expected.db")
    old_copy = copy_sample(os.path.join(tmp, "old-copy.pcap"))
    grown_copy = shutil.copy(path, os.path.join(tmp, "grown-copy.pcap"))
    t.run("ingest", old_copy, grown_copy, db=expected_db, check=0)
    assert t.rrsets(db) == t.rrsets(expected_db), "grown file: records differ"
    assert (f"{name}.", 1, "", "203.0.113.7", 1700000000, 1700000000, 1) in t.rrsets(db)
    runs = t.runs(db)
    assert len(runs) == 2, runs
    assert runs[1]["size"] == os.path.getsize(path), runs[1]
    assert runs[1]["finished"] == 1, runs[1]
    print("grown file: warned, read in full, first part counted twice")


def check_mtime_nanoseconds(tmp):
    """The same bytes with a modification time that differs only in its
    nanoseconds is another file version, so it is read again."""
    path = copy_sample(os.path.join(tmp, "touched.pcap"))
    data = open(path, "rb").read()
    mtime = 1700000000 * 10**9 + 123456789
    os.utime(path, ns=(mtime, mtime))
    if os.stat(path).st_mtime_ns != mtime:
        print(f"NOTE: {tmp} does not keep nanosecond modification times; skipping the "
              "nanosecond check")
        return
    db = os.path.join(tmp, "touched.db")
    t.run("ingest", path, db=db, check=0)
    once = t.rrsets(db)

    # Rewritten with the same bytes and time, the file keeps its identity.
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, ns=(mtime, mtime))
    proc = t.run("ingest", path, db=db, check=0)
    assert "skipped, ingested before" in proc.stderr, proc.stderr
    assert t.rrsets(db) == once

    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, ns=(mtime + 1, mtime + 1))
    assert os.stat(path).st_mtime_ns // 10**9 == mtime // 10**9
    proc = t.run("ingest", path, db=db, check=0)
    assert "skipped" not in proc.stderr, proc.stderr
    assert f"{path}: changed since run 1" in proc.stderr, proc.stderr
    assert t.rrsets(db) == doubled(once), "the retouched file was not counted again"
    print("modification time 1 ns later in the same second: read again")


def nested_path(tmp, length):
    """A path of exactly length characters, in folders with names of at most
    200 characters (file systems allow 255)."""
    folder = os.path.realpath(tmp)
    while length - len(folder) - 1 > 200:
        # Leave at least 20 characters for the file name.
        folder = os.path.join(folder, "d" * min(200, length - len(folder) - 1 - 1 - 20))
    os.makedirs(folder, exist_ok=True)
    name = "c" * (length - len(folder) - 1 - len(".pcap")) + ".pcap"
    path = os.path.join(folder, name)
    assert len(path) == length, len(path)
    return path


def check_long_paths(tmp):
    """Paths far longer than a typical buffer, up to near PATH_MAX (4096),
    are stored in full and keep the file's identity."""
    clean_db = os.path.join(tmp, "long-clean.db")
    t.run("ingest", "-s", "s", t.sample("dnscap-resolver.pcap"), db=clean_db, check=0)
    expected = t.rrsets(clean_db)
    for length in (1200, 4000):
        path = copy_sample(nested_path(os.path.join(tmp, f"long{length}"), length))
        db = os.path.join(tmp, f"long{length}.db")
        t.run("ingest", path, db=db, check=0)
        assert t.sources(db) == [(path, "file")], [(len(n), k) for n, k in t.sources(db)]
        runs = t.runs(db)
        assert len(runs) == 1, len(runs)
        assert runs[0]["input"] == path, len(runs[0]["input"])
        assert runs[0]["finished"] == 1, runs[0]["finished"]
        assert t.rrsets(db) == expected, f"{length}-character path: records differ"

        proc = t.run("ingest", path, db=db, check=0)
        assert "skipped, ingested before" in proc.stderr, proc.stderr[-400:]
        assert t.rrsets(db) == expected
        assert len(t.runs(db)) == 1
    print("paths of 1200 and 4000 characters: stored in full, skipped the second time")


def main():
    tmp = t.scratch()
    capture = generated_capture(tmp)
    clean_db = os.path.join(tmp, "clean.db")
    t.run("ingest", capture, db=clean_db, check=0)
    assert current_run(clean_db)["packets"] == PACKETS

    check_resume(tmp, capture, clean_db)
    check_resume_other_source(tmp, capture, clean_db)
    check_concurrent(tmp, capture, clean_db)
    check_new_database_race(tmp)
    check_grown_file(tmp)
    check_mtime_nanoseconds(tmp)
    check_long_paths(tmp)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
