"""dragnet ingest on inputs without a file identity: FIFOs, process
substitution and standard input are always read and stored as sources of
kind stream."""

import os
import shutil
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402


def doubled(rows):
    return [row[:6] + (2 * row[6],) for row in rows]


def feed_fifo(path, data):
    """Write data into the FIFO at path from a new thread, which is returned."""
    def write():
        with open(path, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return writer


def check_fifo(tmp, data, expected):
    fifo = os.path.join(tmp, "capture.fifo")
    os.mkfifo(fifo)
    db = os.path.join(tmp, "fifo.db")
    for _ in range(2):
        writer = feed_fifo(fifo, data)
        proc = t.run("ingest", fifo, db=db, check=0, timeout=60)
        writer.join(timeout=10)
        assert f"{fifo} is a pipe or device" in proc.stderr, proc.stderr
        assert "skipped" not in proc.stderr, proc.stderr
    assert t.sources(db) == [(os.path.realpath(fifo), "stream")], t.sources(db)
    # Read twice, as a pipe has no identity to skip it by.
    assert t.rrsets(db) == doubled(expected), "FIFO read twice: counts are not doubled"
    print("FIFO: kind stream, warned, read each time")


def check_process_substitution(tmp, capture, expected):
    bash = shutil.which("bash")
    if bash is None:
        raise AssertionError("bash not installed; it is needed for <(...) process substitution")
    db = os.path.join(tmp, "substituted.db")
    proc = subprocess.run([bash, "-c", '"$0" ingest --db "$1" <(cat "$2")', t.DRAGNET, db,
                           capture], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert "is a pipe or device" in proc.stderr, proc.stderr
    [(name, kind)] = t.sources(db)
    assert kind == "stream", kind
    assert name.startswith("/dev/fd/") or name.startswith("/proc/"), name
    assert t.rrsets(db) == expected, "process substitution: records differ"
    print(f"<(cat FILE): kind stream, source '{name}', warned")


def check_stdin(tmp, capture, data, expected):
    db = os.path.join(tmp, "stdin.db")
    with open(capture, "rb") as f:
        proc = t.run("ingest", "-", db=db, check=0, input=f.read())
    err = proc.stderr.decode()
    assert "pipe or device" not in err, err
    assert "standard input: its records are stored under source 'stdin'" in err, err
    # The second time through a pipe rather than a redirected file.
    proc = subprocess.Popen([t.DRAGNET, "ingest", "--db", db, "-"], stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    _, err = proc.communicate(data, timeout=60)
    assert proc.returncode == 0, (proc.returncode, err)
    assert t.sources(db) == [("stdin", "stream")], t.sources(db)
    assert t.rrsets(db) == doubled(expected), "standard input read twice: counts not doubled"

    named = os.path.join(tmp, "stdin-named.db")
    with open(capture, "rb") as f:
        named_run = subprocess.run([t.DRAGNET, "ingest", "--db", named, "-s", "sensor-7", "-"],
                                   stdin=f, capture_output=True, check=True, timeout=60)
    assert b"stored under source" not in named_run.stderr, named_run.stderr
    assert [name for name, _ in t.sources(named)] == ["sensor-7"], t.sources(named)
    assert t.rrsets(named) == expected
    print("standard input: source 'stdin' of kind stream, read each time; -s names it")


def main():
    tmp = t.scratch()
    capture = t.sample("dnscap-resolver.pcap")
    data = open(capture, "rb").read()
    clean = os.path.join(tmp, "clean.db")
    t.run("ingest", capture, db=clean, check=0)
    expected = t.rrsets(clean)
    assert expected, "the sample capture stored nothing"

    check_fifo(tmp, data, expected)
    check_process_substitution(tmp, capture, expected)
    check_stdin(tmp, capture, data, expected)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
