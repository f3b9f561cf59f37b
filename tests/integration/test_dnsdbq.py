#!/usr/bin/env python3
"""dnsdbq, the DNSDB and CIRCL command-line client, against `dragnet serve`.

The samples are ingested into a store, the server is started on a free
loopback port, and dnsdbq sends it forward, reverse (address, prefix, range,
name), wildcard, time-fenced, limited and summarize questions in its text,
JSON and CSV output. Every record dnsdbq prints must be the record that
`dragnet pdns --json` prints for the same question on the same store, with
the same times and count. dnsdbq -u circl does the same over the CIRCL
route. SQL metacharacters in paths and arguments get 400 or an empty
answer, never a 500, and leave the store as it was."""

import base64
import calendar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

SAMPLES = ("phishing-campaign.pcap.gz", "dnscap-resolver.pcap", "provider-export.json",
           "branch-office.dns.log")
# Fences between the sample's records: no record starts or ends on them.
FENCE_A = 1706745600  # 2024-02-01
FENCE_B = 1709251200  # 2024-03-01


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db, port):
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(os.path.dirname(db), "serve.log"), "w")
        self.proc = subprocess.Popen([t.DRAGNET, "serve", "--db", db, "--listen",
                                      f"127.0.0.1:{port}"], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(self.base + "/dnsdb/v2/ping", timeout=2) as r:
                    if json.load(r) == {"ping": "ok"}:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"dragnet serve did not come up; see {self.log.name}")
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def http_get(url, headers=None):
    """(status, body text) of a GET, whatever the status."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# ---- Reading the outputs ----

def record(rrname, rrtype, bailiwick, rdata, first, last, count):
    return (rrname, rrtype, bailiwick or "", rdata, int(first), int(last), int(count))


def pdns(db, *args):
    """What dragnet pdns --json prints, as a set of records."""
    proc = t.run("pdns", "--db", db, "--json", "--limit", "0", *args)
    if proc.returncode not in (0, 1):
        raise AssertionError(f"dragnet pdns {args} exited {proc.returncode}: {proc.stderr}")
    out = set()
    for line in proc.stdout.splitlines():
        o = json.loads(line)
        out.add(record(o["rrname"], o["rrtype"], o.get("bailiwick"), o["rdata"],
                       o["time_first"], o["time_last"], o["count"]))
    return out


def rrsets_of(records):
    """Records grouped as the DNSDB route groups them: one rrset per
    rrname, rrtype, bailiwick, times and count."""
    groups = {}
    for r in records:
        groups.setdefault((r[0], r[1], r[2], r[4], r[5], r[6]), []).append(r[3])
    return groups


def from_json(text):
    """dnsdbq -j output: one obj per line, rdata a list (rrsets) or a string."""
    objs, out = [], set()
    for line in text.splitlines():
        o = json.loads(line)
        objs.append(o)
        rdata = o["rdata"] if isinstance(o["rdata"], list) else [o["rdata"]]
        for rd in rdata:
            out.add(record(o["rrname"], o["rrtype"], o.get("bailiwick"), rd,
                           o["time_first"], o["time_last"], o["count"]))
    return objs, out


def epoch(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S"))


def from_text(text):
    """dnsdbq's text output: blocks of ';; record times: A .. B', ';; count:
    N[; bailiwick: Z]' and 'rrname rrtype rdata' lines."""
    out = set()
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        times = lines[0].removeprefix(";; record times: ").split(" (")[0]
        first, last = (epoch(x) for x in times.split(" .. "))
        fields = dict(part.strip().split(": ", 1) for part in
                      lines[1].removeprefix(";; ").split(";"))
        for line in lines[2:]:
            rrname, rrtype, rdata = line.split("  ", 2)
            out.add(record(rrname, rrtype, fields.get("bailiwick"), rdata, first, last,
                           fields["count"]))
    return out


def from_csv(text):
    """dnsdbq -p csv: a header, then one line a record. dnsdbq 2.6.4 puts
    each text field in quotes without doubling the quotes inside it (a TXT
    rdata comes out as ""v=spf1 -all""), so a CSV reader misreads those;
    rdata is the last field and the only one that may hold a comma."""
    lines = text.splitlines()
    header = lines[0].split(",")
    assert header == ["time_first", "time_last", "zone_first", "zone_last", "count",
                      "bailiwick", "rrname", "rrtype", "rdata"], header
    out = set()
    for line in lines[1:]:
        fields = line.split(",", 8)
        r = {k: v[1:-1] if v.startswith('"') and v.endswith('"') else v
             for k, v in zip(header, fields)}
        out.add(record(r["rrname"], r["rrtype"], r["bailiwick"], r["rdata"],
                       epoch(r["time_first"]), epoch(r["time_last"]), r["count"]))
    return out


class Client:
    def __init__(self, server, key, key_id, home):
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "DNSDBQ_CONFIG_FILE": "/dev/null",
            "DNSDBQ_SYSTEM": "dnsdb2",
            "DNSDB_SERVER": server.base,
            "DNSDB_API_KEY": key,
            "CIRCL_SERVER": server.base + "/pdns/query",
            "CIRCL_AUTH": f"{key_id}:{key}",
        }

    def run(self, *args):
        proc = subprocess.run(["dnsdbq", *args], env=self.env, capture_output=True, text=True,
                              timeout=60)
        if proc.returncode != 0:
            raise AssertionError(f"dnsdbq {args} exited {proc.returncode}:\n{proc.stderr}")
        return proc.stdout


def same(what, got, want):
    if got != want:
        raise AssertionError(f"{what}: dnsdbq and dragnet pdns differ\n"
                             f"  only dnsdbq: {sorted(got - want)[:10]}\n"
                             f"  only dragnet: {sorted(want - got)[:10]}")


# (what, dnsdbq arguments, dragnet pdns arguments)
LOOKUPS = [
    ("forward", ["-r", "paypa1-secure.example"], ["paypa1-secure.example"]),
    ("forward with rrtype", ["-r", "login.paypa1-secure.example/A"],
     ["login.paypa1-secure.example", "--type", "A"]),
    ("forward with -t", ["-t", "NS", "-r", "paypa1-secure.example"],
     ["paypa1-secure.example", "--type", "NS"]),
    ("bailiwick", ["-r", "paypa1-secure.example/NS/example"],
     ["paypa1-secure.example", "--type", "NS", "--bailiwick", "example"]),
    ("real traffic", ["-r", "google.com"], ["google.com"]),
    ("reverse address", ["-i", "203.0.113.10"], ["203.0.113.10"]),
    ("reverse prefix", ["-i", "203.0.113.0/24"], ["203.0.113.0/24"]),
    ("reverse range", ["-i", "198.51.100.0-198.51.100.99"], ["198.51.100.0-198.51.100.99"]),
    ("reverse IPv6 prefix", ["-i", "2001:db8::/32"], ["2001:db8::/32"]),
    ("reverse name", ["-n", "login.paypa1-secure.example"],
     ["--rdata", "login.paypa1-secure.example"]),
    ("reverse name with rrtype", ["-n", "ns1.bulletproof-dns.example/NS"],
     ["--rdata", "ns1.bulletproof-dns.example", "--type", "NS"]),
    ("reverse wildcard", ["-n", "*.bulletproof-dns.example"],
     ["--rdata", "*.bulletproof-dns.example"]),
    ("left wildcard", ["-r", "*.paypa1-secure.example"], ["*.paypa1-secure.example"]),
    ("right wildcard", ["-r", "login.paypa1-secure.*"], ["login.paypa1-secure.*"]),
    ("loose time fence", ["-r", "*.example", "-A", str(FENCE_A), "-B", str(FENCE_B)],
     ["*.example", "--last-after", str(FENCE_A), "--first-before", str(FENCE_B)]),
    ("strict time fence", ["-r", "*.example", "-A", str(FENCE_A), "-B", str(FENCE_B), "-c"],
     ["*.example", "--first-after", str(FENCE_A), "--last-before", str(FENCE_B)]),
    ("fence on an address range", ["-i", "203.0.113.0/24", "-B", str(FENCE_A)],
     ["203.0.113.0/24", "--first-before", str(FENCE_A)]),
]


def check_lookups(client, db):
    nonempty = 0
    for what, args, dragnet_args in LOOKUPS:
        want = pdns(db, *dragnet_args)
        nonempty += bool(want)
        objs, got = from_json(client.run("-j", "-l", "0", *args))
        same(f"{what} (JSON)", got, want)
        if args[0] == "-r" or args[:2] == ["-t", "NS"]:
            # rrset lookups return whole rrsets, one obj each.
            assert len(objs) == len(rrsets_of(want)), f"{what}: {len(objs)} objs"
            assert all(isinstance(o["rdata"], list) for o in objs), what
        else:
            assert len(objs) == len(want), f"{what}: {len(objs)} objs"
            assert all(isinstance(o["rdata"], str) for o in objs), what
        same(f"{what} (text)", from_text(client.run("-l", "0", *args)) if want else set(), want)
        same(f"{what} (CSV)", from_csv(client.run("-p", "csv", "-l", "0", *args)), want)
    assert nonempty >= len(LOOKUPS) - 1, "the questions should find records"

    # A fence relative to now: 10^8 seconds back is October 2023, after the
    # 2016 traffic and before the 2024 campaign.
    now = int(time.time())
    objs, got = from_json(client.run("-j", "-l", "0", "-r", "google.com", "-A", "-100000000"))
    want = pdns(db, "google.com", "--last-after", str(now - 100000000))
    same("relative fence", got, want)
    assert not got, "the 2016 records are older than the fence"
    assert pdns(db, "google.com"), "google.com should have 2016 records"
    objs, got = from_json(client.run("-j", "-l", "0", "-r", "*.example", "-A", "-100000000"))
    same("relative fence", got, pdns(db, "*.example"))


def check_limits(client, db):
    everything = pdns(db, "*.example")
    objs, got = from_json(client.run("-j", "-l", "5", "-r", "*.example"))
    assert len(objs) == 5, f"-l 5 gave {len(objs)} objs"
    assert got <= everything
    later_objs, later = from_json(client.run("-j", "-l", "5", "-O", "5", "-r", "*.example"))
    assert len(later_objs) == 5, f"-l 5 -O 5 gave {len(later_objs)} objs"
    assert not later & got, "-O 5 repeats records of the first 5"
    assert later <= everything
    objs, got = from_json(client.run("-j", "-l", "3", "-i", "203.0.113.0/24"))
    assert len(objs) == 3, f"-l 3 gave {len(objs)} objs"
    assert got <= pdns(db, "203.0.113.0/24")


def check_summarize(client, db):
    for args, dragnet_args, rrset in [
            (["-r", "paypa1-secure.example"], ["paypa1-secure.example"], True),
            (["-r", "*.example"], ["*.example"], True),
            (["-i", "203.0.113.0/24"], ["203.0.113.0/24"], False)]:
        records = pdns(db, *dragnet_args)
        results = list(rrsets_of(records)) if rrset else list(records)
        count = sum(r[-1] for r in results)
        firsts = [r[-3] for r in results]
        lasts = [r[-2] for r in results]
        summary = json.loads(client.run("-j", "-V", "summarize", "-l", "0", *args))
        assert summary["count"] == count, (args, summary, count)
        assert summary["num_results"] == len(results), (args, summary)
        assert summary["time_first"] == min(firsts), (args, summary)
        assert summary["time_last"] == max(lasts), (args, summary)
        text = client.run("-V", "summarize", "-l", "0", *args)
        assert f";; count: {count}; num_results: {len(results)}" in text, text


def check_circl(client, db):
    env = dict(client.env, DNSDBQ_SYSTEM="circl")
    for args, want in [
            (["-r", "login.paypa1-secure.example"],
             pdns(db, "login.paypa1-secure.example")
             | pdns(db, "--rdata", "login.paypa1-secure.example")),
            (["-i", "203.0.113.10"], pdns(db, "203.0.113.10")),
            # dnsdbq sends a prefix as ADDRESS,LENGTH.
            (["-i", "203.0.113.0/24"], pdns(db, "203.0.113.0/24")),
            (["-r", "google.com"], pdns(db, "google.com") | pdns(db, "--rdata", "google.com"))]:
        assert want
        for flag in ("-j", None):
            cmd = ["dnsdbq", "-u", "circl", *([flag] if flag else []), *args]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
            assert proc.returncode == 0, proc.stderr
            got = from_json(proc.stdout)[1] if flag else from_text(proc.stdout)
            same(f"circl {args} {flag or 'text'}", got, want)
    # A wrong password is refused.
    bad = dict(env, CIRCL_AUTH=env["CIRCL_AUTH"].split(":")[0] + ":wrong")
    proc = subprocess.run(["dnsdbq", "-u", "circl", "-j", "-i", "203.0.113.10"], env=bad,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout == "", "a wrong CIRCL password got records"


def check_hostile(server, key, key_id, db):
    before = t.rrsets(db)
    headers = {"X-Api-Key": key}
    lookup = server.base + "/dnsdb/v2/lookup/"
    quote = urllib.parse.quote
    cases = [
        (lookup + "rrset/name/" + quote("a'--.example"), 200),
        (lookup + "rrset/name/" + quote("x');DROP-TABLE-rrset;--"), 200),
        (lookup + "rdata/name/" + quote("x'; DROP TABLE rrset; --"), 400),
        (lookup + "rrset/name/" + quote("x\" OR 1=1 --/A"), 400),
        (lookup + "rrset/name/www.example?limit=" + quote("1;DROP TABLE rrset"), 400),
        (lookup + "rrset/name/www.example?offset=" + quote("0 OR 1=1"), 400),
        (lookup + "rrset/name/www.example?time_first_after=" + quote("1' OR '1'='1"), 400),
        (lookup + "rrset/name/www.example?max_count=" + quote("1)--"), 400),
        (lookup + "rrset/name/www.example/" + quote("A' OR 'a'='a"), 400),
        (lookup + "rrset/name/www.example/A/" + quote("example'--"), 200),
        (lookup + "rdata/ip/" + quote("192.0.2.1' OR 1=1"), 400),
        (lookup + "rdata/raw/" + quote("27204f522031"), 400),
        (server.base + "/dnsdb/v2/summarize/rrset/name/" + quote("%' OR 1=1 --"), 400),
    ]
    for url, status in cases:
        got, body = http_get(url, headers)
        assert got == status, f"{url}: {got} {body}"
        if status == 200:
            lines = [json.loads(x) for x in body.splitlines()]
            assert lines == [{"cond": "begin"}, {"cond": "succeeded"}], f"{url}: {body}"
        else:
            assert "error" in json.loads(body), body

    auth = f"{key_id}:{key}"
    basic = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}
    for value, statuses in [("a'--.example", (200,)), ("' OR 1=1 --", (400,)),
                            ("x'); DROP TABLE rrset; --", (400,)), ("%'--", (200, 400))]:
        got, body = http_get(server.base + "/pdns/query/" + quote(value), basic)
        assert got in statuses, f"/pdns/query/{value}: {got} {body}"
        if got == 200:
            assert body == "", body
    assert t.rrsets(db) == before, "the store changed"


def check_meta(client, server, key):
    rate = json.loads(client.run("-I", "-j"))
    assert rate["rate"]["results_max"] == 10000, rate
    assert "results_max: 10000" in client.run("-I")
    status, body = http_get(server.base + "/dnsdb/v2/lookup/rrset/name/" +
                            "cdn-track.example?limit=2", {"X-Api-Key": key})
    lines = [json.loads(x) for x in body.splitlines()]
    assert status == 200, body
    assert lines[0] == {"cond": "begin"}, body
    assert len(lines) == 4, body
    assert lines[-1]["cond"] == "limited", lines[-1]
    assert lines[-1]["msg"], lines[-1]
    status, body = http_get(server.base + "/dnsdb/v2/lookup/rrset/name/" +
                            "cdn-track.example?humantime=t&limit=1", {"X-Api-Key": key})
    obj = json.loads(body.splitlines()[1])["obj"]
    assert isinstance(obj["time_first"], str) and obj["time_first"].endswith("Z"), obj


def main():
    if shutil.which("dnsdbq") is None:
        t.skip("dnsdbq is not installed (apt-get install dnsdbq; tools/setup.sh test does)")
    work = t.scratch()
    db = os.path.join(work, "store.db")
    for name in SAMPLES:
        t.run("ingest", "-q", "--db", db, t.sample(name), check=0)
    key = t.run("apikey", "add", "--db", db, check=0).stdout.strip()
    key_id = t.run("apikey", "list", "--db", db, check=0).stdout.split()[5]
    assert key.startswith(key_id), (key, key_id)

    server = Server(db, free_port())
    try:
        client = Client(server, key, key_id, work)
        check_lookups(client, db)
        check_limits(client, db)
        check_summarize(client, db)
        check_circl(client, db)
        check_meta(client, server, key)
        check_hostile(server, key, key_id, db)
    finally:
        server.stop()
    print("dnsdbq: every lookup, summarize and CIRCL answer matches dragnet pdns")


if __name__ == "__main__":
    main()
