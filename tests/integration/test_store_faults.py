"""A two-shard ClickHouse cluster loses a node during an ingest and gets it
back: the store must end up holding exactly what a SQLite ingest of the same
capture holds, with nothing left in the spool. With a shard down, lookups
fail and name the cluster and the shard, or return the rest when asked.

The capture reaches dragnet through a pipe in three parts, so that the node
is down while the second part is read, whatever the speed of the machine.
Small flushes make that part many commits."""

import csv
import fcntl
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

EXIT_STORE = 4
EXIT_PARTIAL = 6
PACKETS = 40000
FLUSH_RECORDS = "1000"
SOURCE = "sensor-faults"
# A batch handed to a node while its shard is down reaches the shard when
# the node's next delivery attempt succeeds, some seconds after the restart.
CONVERGE_TIMEOUT = 90
BACKEND_FIELDS = re.compile(r'^\s*"(database|backend|size_bytes|schema_version)":')


def clean_env():
    """The test's environment without any store setting, and with a
    configuration file that sets nothing."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DRAGNET_DB", "DRAGNET_STORE", "DRAGNET_CONFIG", "XDG_CONFIG_HOME")}
    env["DRAGNET_CONFIG"] = os.devnull
    return env


def cluster_location(cluster, database, spool):
    servers = ",".join(f"{chserver.HOST}:{shard.http_port}" for shard in cluster.shards)
    return f"clickhouse://{servers}/{database}?cluster={cluster.name}&spool={spool}"


def spool_files(spool):
    return sorted(os.listdir(spool)) if os.path.isdir(spool) else []


def ingest_command(location):
    return [t.DRAGNET, "ingest", "--store", location, "--source", SOURCE, "--flush-records",
            FLUSH_RECORDS, "-"]


# ---- what a store contains ----

def stats_text(location):
    """stats -j without the fields that name or measure the backend, or None
    while stats fails."""
    proc = t.run("stats", "-j", "--store", location, env=clean_env())
    if proc.returncode != 0:
        return None
    return "".join(line for line in proc.stdout.splitlines(keepends=True)
                   if not BACKEND_FIELDS.match(line))


def name_patterns(db):
    """Lookups that together cover every owner name and query name in a
    SQLite store: '*.TLD' and TLD itself for each top-level domain, and the
    root."""
    names = {name for name, *_ in t.rrsets(db)} | {name for name, *_ in t.negatives(db)}
    tlds = sorted({name.rstrip(".").rsplit(".", 1)[-1] for name in names if name != "."})
    patterns = [pattern for tld in tlds for pattern in (f"*.{tld}", tld)]
    return patterns + (["."] if "." in names else [])


def contents(location, patterns):
    """stats, and every record and negative answer as CSV lookups of the
    patterns."""
    answers = {"stats": stats_text(location)}
    for pattern in patterns:
        for kind in ([], ["--negative"]):
            args = ["pdns", "--store", location, *kind, "--csv", "--limit", "0", "-S", "name",
                    pattern]
            proc = t.run(*args, env=clean_env())
            assert proc.returncode in (0, 1), (args, proc.returncode, proc.stderr)
            answers[" ".join(kind + [pattern])] = proc.stdout
    return answers


def row_count(answers, negative):
    return sum(max(text.count("\n") - 1, 0) for key, text in answers.items()
               if key != "stats" and key.startswith("--negative") == negative)


def check_contents(location, reference, patterns, label):
    """Wait until the store's figures match the reference, then compare every
    record and negative answer."""
    expected = contents(reference, patterns)
    figures = json.loads(expected["stats"])
    assert row_count(expected, False) == figures["rrsets"], "the lookups miss records"
    assert row_count(expected, True) == figures["negatives"], \
        "the lookups miss negative answers"
    deadline = time.monotonic() + CONVERGE_TIMEOUT
    while True:
        stats = stats_text(location)
        if stats == expected["stats"]:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"{label}: after {CONVERGE_TIMEOUT} s the cluster still "
                                 f"differs from SQLite:\n{stats}\nexpected:\n"
                                 f"{expected['stats']}")
        time.sleep(0.5)
    got = contents(location, patterns)
    for key, text in expected.items():
        if got[key] != text:
            missing = set(text.splitlines()) - set(got[key].splitlines())
            extra = set(got[key].splitlines()) - set(text.splitlines())
            raise AssertionError(f"{label}: '{key}' differs from SQLite: "
                                 f"{len(missing)} rows missing, {len(extra)} extra, such as "
                                 f"{sorted(missing)[:3]} {sorted(extra)[:3]}")
    print(f"{label}: the cluster holds the same {figures['rrsets']} records and "
          f"{figures['negatives']} negative answers as SQLite")


# ---- an ingest with a node down ----

def pipe_unread(pipe):
    """Bytes written to pipe that the reader has not read yet (Linux FIONREAD)."""
    buf = fcntl.ioctl(pipe.fileno(), termios.FIONREAD, struct.pack("i", 0))
    return struct.unpack("i", buf)[0]


def feed(proc, data):
    """Write data to the ingest and wait until it has read all of it."""
    proc.stdin.write(data)
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while pipe_unread(proc.stdin) > 0:
        if proc.poll() is not None:
            raise AssertionError(f"the ingest exited {proc.returncode} while being fed")
        if time.monotonic() > deadline:
            raise AssertionError("timed out: the ingest read nothing for 60 s")
        time.sleep(0.05)


def wait_for_spool(spool, proc, label):
    """Wait until a batch waits in the spool, which shows that commits
    happened while the node was down."""
    deadline = time.monotonic() + 60
    while not spool_files(spool):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{label}: no batch waited in the spool while the node was "
                                 f"down, so the outage missed every commit")
        time.sleep(0.05)


def ingest_through_outage(cluster, down, capture, database, tmp, label):
    """Ingest capture while cluster.shards[down] is stopped and started again
    midway. Returns the store's location."""
    spool = os.path.join(tmp, f"spool-{database}")
    location = cluster_location(cluster, database, spool)
    with open(capture, "rb") as f:
        data = f.read()
    third = len(data) // 3

    stderr_path = os.path.join(tmp, f"ingest-{database}.log")
    started = time.monotonic()
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(ingest_command(location), stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=stderr, env=clean_env())
        try:
            feed(proc, data[:third])
            cluster.shards[down].stop()
            feed(proc, data[third:2 * third])
            wait_for_spool(spool, proc, label)
            waiting = len(spool_files(spool))
            cluster.shards[down].start()
            feed(proc, data[2 * third:])
            proc.stdin.close()
            proc.wait(timeout=180)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    with open(stderr_path, errors="replace") as f:
        log = f.read()
    assert proc.returncode == 0, f"{label}: ingest exited {proc.returncode}:\n{log}"
    left = spool_files(spool)
    assert not left, f"{label}: the ingest ended with batches in the spool: {left}\n{log}"
    print(f"{label}: ingest took {time.monotonic() - started:.1f} s; {waiting} batches waited "
          f"in the spool during the outage")
    return location


# ---- lookups with a shard down ----

def rows_by_name(csv_text):
    """CSV rows without the header, and the set of owner names in them."""
    rows = csv_text.splitlines()[1:]
    names = {row[4] for row in csv.reader(io.StringIO("\n".join(rows)))}
    return rows, names


def check_lookups_with_shard_down(cluster, location, reference):
    """Stop each shard in turn: pdns must fail and name the cluster and the
    shard, and pdns --partial, where it exists, must return the rest."""
    query = ["pdns", "--csv", "--limit", "0", "-S", "name", "*.com"]
    full = t.run(*query, "--store", reference, env=clean_env(), check=0).stdout
    partial_supported = "--partial" in t.run("pdns", "--help", check=0).stdout
    partial_rows = []
    for down, up in ((1, 0), (0, 1)):
        shard = cluster.shards[down]
        shard.stop()
        try:
            proc = t.run(*query, "--store", location, env=clean_env())
            assert proc.returncode == EXIT_STORE, \
                f"pdns with shard {down + 1} down exited {proc.returncode}:\n{proc.stderr}"
            assert proc.stdout == "", proc.stdout
            assert cluster.name in proc.stderr, proc.stderr
            addresses = [f"{chserver.HOST}:{shard.http_port}",
                         f"{chserver.HOST}:{shard.tcp_port}"]
            assert any(address in proc.stderr for address in addresses), \
                f"the message names neither address of the down shard {addresses}:\n" \
                f"{proc.stderr}"
            if partial_supported:
                proc = t.run(*query, "--partial", "--store", location, env=clean_env())
                assert proc.returncode == EXIT_PARTIAL, \
                    f"pdns --partial exited {proc.returncode}:\n{proc.stderr}"
                assert "partial" in proc.stderr, proc.stderr
                partial_rows.append(rows_by_name(proc.stdout))
        finally:
            shard.start()
    print("with either shard down, pdns fails with exit status 4 and names the cluster "
          "and the shard")
    if not partial_supported:
        print("NOTE: pdns has no --partial option; partial answers are not tested")
        return

    # Each shard stores its own owner names, so the two partial results
    # share none and together form the whole result.
    (rows_a, names_a), (rows_b, names_b) = partial_rows
    assert rows_a and rows_b, (len(rows_a), len(rows_b))
    assert not names_a & names_b, sorted(names_a & names_b)[:5]
    full_rows = full.splitlines()[1:]
    assert sorted(rows_a + rows_b) == sorted(full_rows), \
        f"{len(rows_a)} + {len(rows_b)} partial rows against {len(full_rows)}"
    position = {row: i for i, row in enumerate(full_rows)}
    for rows in (rows_a, rows_b):
        assert rows == sorted(rows, key=position.get), "a partial answer lost the sort order"
    print(f"pdns --partial returns each shard's part ({len(rows_a)} and {len(rows_b)} of "
          f"{len(full_rows)} rows) with exit status 6")


def main():
    chserver.require_clickhouse()
    tmp = t.scratch()
    capture = t.gen_capture(os.path.join(tmp, "faults.pcap"), PACKETS)
    reference = os.path.join(tmp, "reference.db")
    with open(capture, "rb") as f:
        proc = subprocess.run(ingest_command(reference), stdin=f, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=clean_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    patterns = name_patterns(reference)

    with chserver.Cluster() as cluster:
        # The location lists the node of shards[0] first, so dragnet talks
        # to it.
        other = ingest_through_outage(cluster, 1, capture, "faults_other", tmp,
                                      "the shard dragnet does not talk to down")
        check_contents(other, reference, patterns, "the shard dragnet does not talk to down")
        own = ingest_through_outage(cluster, 0, capture, "faults_own", tmp,
                                    "the node dragnet talks to down")
        check_contents(own, reference, patterns, "the node dragnet talks to down")
        check_lookups_with_shard_down(cluster, other, reference)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
