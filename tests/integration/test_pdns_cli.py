"""dragnet pdns and stats as a user runs them: lookups, fences, formats,
exit codes."""

import csv
import io
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

DAY = 86400


def build_capture(path, now):
    """A domain that moves between three addresses over 30 days, neighbours
    in 203.0.113.0/24, a CNAME, an IDN, an NXDOMAIN and a NODATA."""
    start = now - 30 * DAY
    data = t.pcap_header()
    qid = 1
    timeline = [(0, "203.0.113.10"), (10, "203.0.113.20"), (20, "198.51.100.30")]
    for day in range(30):
        addr = [a for d, a in timeline if d <= day][-1]
        for hour in (1, 13):
            ts = start + day * DAY + hour * 3600
            data += t.exchange(ts, qid, "login.evil.example", "A",
                               [("login.evil.example", "A", addr)])
            qid += 1
    for i, name in enumerate(["cdn.other.example", "mail.evil.example", "www.shop.example"]):
        data += t.exchange(start + i * 100, qid, name, "A", [(name, "A", f"203.0.113.{40 + i}")])
        qid += 1
    data += t.exchange(start + 500, qid, "www.evil.example", "A",
                       [("www.evil.example", "CNAME", "login.evil.example"),
                        ("login.evil.example", "A", "203.0.113.10")])
    qid += 1
    data += t.exchange(start + 600, qid, "xn--bcher-kva.example", "A",
                       [("xn--bcher-kva.example", "A", "192.0.2.77")])
    qid += 1
    data += t.exchange(start + 700, qid, "gone.evil.example", "A", [], rcode=3)
    qid += 1
    data += t.exchange(start + 800, qid, "evil.example", "AAAA", [])
    with open(path, "wb") as f:
        f.write(data)
    return start


def pdns(db, *args, check=0):
    return t.run("pdns", *args, db=db, check=check)


def check_timeline(db, start):
    """Which IPs did this domain use, and when: one command."""
    out = pdns(db, "login.evil.example", "-t", "A").stdout.splitlines()
    assert out[0].split() == ["time_first", "time_last", "count", "sources", "rrname",
                              "rrtype", "rdata"], out[0]
    rows = [line.split() for line in out[1:]]
    assert [r[6] for r in rows] == ["203.0.113.10", "203.0.113.20", "198.51.100.30"], rows
    # The CNAME exchange at start + 500 is the first sighting of .10.
    first = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 500))
    assert rows[0][0] == first, (rows[0], first)
    # 20 sightings from the timeline plus one through the CNAME.
    assert rows[0][2] == "21", rows
    assert rows[1][2] == "20", rows
    assert rows[2][2] == "20", rows


def check_reverse(db):
    """Which names pointed at this /24: one command."""
    out = pdns(db, "203.0.113.0/24", "--sort", "name", "-j").stdout.splitlines()
    names = sorted({json.loads(line)["rrname"] for line in out})
    # www.evil.example is a CNAME to login.evil.example, not an address.
    assert names == ["cdn.other.example.", "login.evil.example.", "mail.evil.example.",
                     "www.shop.example."], names
    only = pdns(db, "--rdata", "203.0.113.40-203.0.113.41", "-j").stdout.splitlines()
    assert len(only) == 2, only
    assert pdns(db, "--rdata", "login.evil.example", "-j").stdout.count("www.evil.example.") == 1


def check_wildcards(db):
    left = pdns(db, "*.evil.example", "-j", "--sort", "name").stdout.splitlines()
    names = [json.loads(line)["rrname"] for line in left]
    assert set(names) == {"login.evil.example.", "mail.evil.example.", "www.evil.example."}
    right = pdns(db, "www.*", "-j", "--sort", "name").stdout.splitlines()
    assert {json.loads(line)["rrname"] for line in right} == {"www.evil.example.",
                                                               "www.shop.example."}


def check_fences(db, start):
    iso = time.strftime("%Y-%m-%d", time.gmtime(start + 15 * DAY))
    after = pdns(db, "login.evil.example", "--first-after", iso, "-j").stdout.splitlines()
    assert [json.loads(line)["rdata"] for line in after] == ["198.51.100.30"], after
    recent = pdns(db, "login.evil.example", "--last-after", "5d", "-j").stdout.splitlines()
    assert [json.loads(line)["rdata"] for line in recent] == ["198.51.100.30"], recent
    epoch = str(start + 5 * DAY)
    old = pdns(db, "login.evil.example", "--last-before", epoch, "-t", "A", check=1)
    assert old.stdout == "", old.stdout


def check_formats(db, start):
    line = pdns(db, "mail.evil.example", "-j").stdout.strip()
    record = json.loads(line)
    assert record == {"count": 1, "time_first": start + 100, "time_last": start + 100,
                      "rrtype": "A", "rrname": "mail.evil.example.", "rdata": "203.0.113.41",
                      "sources": 1}, record

    text = pdns(db, "*.evil.example", "--csv", "--sort", "name").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0].keys() == {"time_first", "time_last", "count", "sources", "rrname", "rrtype",
                              "rdata", "bailiwick"}
    assert len(rows) == 5, rows
    assert rows[0]["rrname"] == "login.evil.example."

    limited = pdns(db, "*.evil.example", "--limit", "2", "-j")
    assert len(limited.stdout.splitlines()) == 2
    assert "--limit 2" in limited.stderr, limited.stderr


def check_idn_and_negative(db):
    by_unicode = pdns(db, "bücher.example", "-j").stdout
    assert json.loads(by_unicode)["rrname"] == "xn--bcher-kva.example.", by_unicode
    shown = pdns(db, "xn--bcher-kva.example", "--unicode").stdout
    assert "bücher.example." in shown, shown
    # Escapes mean the byte they stand for: \108 is "l", \079 "O".
    escaped = pdns(db, "\\108\\079gin.evil.example", "-t", "A", "-j").stdout
    assert len(escaped.splitlines()) == 3, escaped

    neg = [json.loads(line) for line in pdns(db, "*.example", "--negative", "-j").stdout.splitlines()]
    got = sorted((n["rrname"], n["rrtype"], n["rcode"]) for n in neg)
    assert got == [("evil.example.", "AAAA", "NODATA"), ("gone.evil.example.", "A", "NXDOMAIN")], got


def check_exit_codes(db, tmp):
    assert pdns(db, "nothing.example", check=1).stdout == ""
    assert "unknown or ambiguous option '--bogus'" in pdns(db, "--bogus", check=2).stderr
    assert "option '-t' needs a value" in pdns(db, "x.example", "-t", check=2).stderr
    assert "unknown record type" in pdns(db, "x.example", "-t", "NOPE", check=2).stderr
    assert "out of range" in pdns(db, "x.example", "-t", "TYPE65536", check=2).stderr
    assert "white space" in pdns(db, " 203.0.113.10", check=2).stderr
    # The root and RFC 2317 names are names, not malformed addresses.
    for name in (".", "0/25.2.0.192.in-addr.arpa", "192.0.2.1."):
        assert pdns(db, name, check=1).stderr == "", name
    warned = pdns(db, "203.0.113.77/24", check=None)
    assert "host bits set; searching the network 203.0.113.0/24" in warned.stderr, warned.stderr
    with open("/dev/full", "w") as full:
        proc = t.run("pdns", "*.example", db=db, check=5, stdout=full)
    assert "cannot write the results" in proc.stderr, proc.stderr
    proc = t.run("pdns", "x.example", db=tmp, check=4)
    assert "is a directory" in proc.stderr, proc.stderr
    assert "invalid time" in pdns(db, "x.example", "--first-after", "yesterday", check=2).stderr
    assert "wildcard" in pdns(db, "a.*.example", check=2).stderr
    assert "invalid address" in pdns(db, "--rdata", "300.1.2.3/24", check=2).stderr
    # Text meant as an address but invalid is an error, not a name.
    for bad in ("192.0.2.99-192.0.2.10", "192.0.2.0/33", "2001:db8::/129"):
        assert "invalid address" in pdns(db, bad, check=2).stderr, bad
    assert "either --json or --csv" in pdns(db, "x.example", "-j", "--csv", check=2).stderr
    assert "needs a name" in pdns(db, "203.0.113.0/24", "--negative", check=2).stderr
    missing = os.path.join(tmp, "absent.db")
    proc = t.run("pdns", "x.example", db=missing, check=4)
    assert f"no database at {missing}" in proc.stderr, proc.stderr
    assert not os.path.exists(missing)


def check_stats(db, capture):
    stats = json.loads(t.run("stats", "-j", db=db, check=0).stdout)
    assert stats["rrtypes"] == {"A": 7, "CNAME": 1}, stats
    assert stats["negatives"] == 2, stats
    assert stats["runs"] == 1, stats
    assert stats["runs_unfinished"] == 0, stats
    # A file is its own source by default, named by its absolute path.
    assert stats["sources"][0]["name"] == os.path.realpath(capture), stats
    text = t.run("stats", db=db, check=0).stdout
    assert "schema version 6" in text, text


def check_env_database(tmp, capture):
    """DRAGNET_DB and XDG_DATA_HOME choose the database when --db is absent."""
    env_db = os.path.join(tmp, "env.db")
    env = dict(os.environ, DRAGNET_DB=env_db)
    subprocess.run([t.DRAGNET, "ingest", "-q", capture], env=env, check=True)
    assert os.path.exists(env_db)
    xdg = os.path.join(tmp, "xdg")
    env = {k: v for k, v in os.environ.items() if k != "DRAGNET_DB"}
    env["XDG_DATA_HOME"] = xdg
    subprocess.run([t.DRAGNET, "ingest", "-q", capture], env=env, check=True)
    assert os.path.exists(os.path.join(xdg, "dragnet", "dragnet.db"))


def main():
    tmp = t.scratch()
    now = int(time.time())
    capture = os.path.join(tmp, "timeline.pcap")
    start = build_capture(capture, now)
    db = os.path.join(tmp, "cli.db")
    t.run("ingest", capture, db=db, check=0)

    check_timeline(db, start)
    check_reverse(db)
    check_wildcards(db)
    check_fences(db, start)
    check_formats(db, start)
    check_idn_and_negative(db)
    check_exit_codes(db, tmp)
    check_stats(db, capture)
    check_env_database(tmp, capture)
    print("pdns lookups, fences, formats, exit codes and stats behave as documented")


if __name__ == "__main__":
    main()
