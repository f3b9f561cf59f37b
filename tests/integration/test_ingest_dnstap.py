"""dnstap in dragnet ingest and dragnet capture --dnstap, checked against
dnstap-ldns, kdig, and Knot DNS and Unbound running on loopback.

- The corpus dnstap files: every answer and authority NS/SOA record of every
  recorded response frame, as dnstap-ldns decodes it, is stored; damaged
  single messages are counted and reported; a truncated file keeps what came
  before the damage. The same file gzip compressed and on standard input
  gives the same store.
- Knot with mod-dnstap writing a file: ingesting the file stores what kdig
  received, with the zone as bailiwick.
- Unbound streaming dnstap to a live `dragnet capture --dnstap` over a unix
  socket and over TCP, while kdig queries run: the records show up in
  `dragnet pdns` before the listener stops, under the listener's source, and
  stay after it stops.
- The listener survives a sender that speaks garbage, and takes several
  senders at once (fstrm_replay).
"""

import grp
import gzip
import json
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsservers  # noqa: E402
import dnstest  # noqa: E402
from dnstest import run  # noqa: E402

TYPE_NUMBERS = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
                "AAAA": 28, "SRV": 33, "DS": 43, "RRSIG": 46, "DNSKEY": 48}
# Types whose presentation form dnstap-ldns and dragnet print alike.
COMPARABLE = {"A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA", "SRV"}
RECORDED = {"AUTH_RESPONSE", "RESOLVER_RESPONSE", "CLIENT_RESPONSE", "FORWARDER_RESPONSE"}


def rr_fields(rr):
    """Split a normalised "owner TTL CLASS TYPE RDATA" line."""
    owner, _ttl, rrclass, rrtype, *rdata = rr.split(" ")
    return owner, rrclass, rrtype, " ".join(rdata)


def expected_from_oracle(path):
    """(owner, type, rdata) of every record dnstap-ldns shows in the recorded
    response frames of path: answers, and NS and SOA of the authority section."""
    expected = set()
    for frame in dnsservers.dnstap_oracle(path):
        if frame.get("type") not in RECORDED:
            continue
        message = frame.get("response_message")
        if not message or message.get("opcode", "QUERY") != "QUERY":
            continue
        records = list(message["answer"])
        records += [rr for rr in message["authority"] if rr_fields(rr)[2] in ("NS", "SOA")]
        for rr in records:
            owner, rrclass, rrtype, rdata = rr_fields(rr)
            if rrclass != "IN" or rrtype == "OPT":
                continue
            expected.add((owner, rrtype, rdata.lower() if rrtype in COMPARABLE else None))
    return expected


def stored(db):
    """(owner, type name, rdata) of every stored record; rdata lower-cased."""
    names = {number: name for name, number in TYPE_NUMBERS.items()}
    result = set()
    for rrname, rrtype, _bailiwick, rdata, *_ in dnstest.rrsets(db):
        name = names.get(rrtype, f"TYPE{rrtype}")
        result.add((rrname, name, rdata.lower()))
    return result


def check_all_found(expected, have, label):
    have_loose = {(owner, rrtype) for owner, rrtype, _ in have}
    missing = []
    for owner, rrtype, rdata in sorted(expected, key=str):
        if rdata is None:
            if (owner, rrtype) not in have_loose:
                missing.append((owner, rrtype))
        elif (owner, rrtype, rdata) not in have:
            missing.append((owner, rrtype, rdata))
    assert not missing, f"{label}: records dnstap-ldns shows are not stored: {missing[:10]}"


def test_corpus_files(tmp):
    folder = dnstest.optional_corpus("dnstap", "the corpus dnstap files")
    if folder is None:
        return
    for name in ("bind9/dnstap.saved", "bind9/large-answer.fstrm",
                 "go-dnscollector/dnstap.fstrm"):
        path = os.path.join(folder, name)
        db = os.path.join(tmp, name.replace("/", "-") + ".db")
        run("ingest", path, db=db, check=0)
        expected = expected_from_oracle(path)
        assert expected, f"{name}: dnstap-ldns shows no recorded responses"
        check_all_found(expected, stored(db), name)
        print(f"{name}: {len(expected)} records of dnstap-ldns found")

    # The large answer: one AUTH_RESPONSE with 48 A records.
    db = os.path.join(tmp, "bind9-large-answer.fstrm.db")
    a_records = [row for row in dnstest.rrsets(db) if row[1] == 1]
    assert len(a_records) == 48, f"large-answer.fstrm: {len(a_records)} A records, not 48"

    # pktvisor's file ends inside frame 154: the 153 frames before stay.
    path = os.path.join(folder, "pktvisor/fixture.dnstap")
    db = os.path.join(tmp, "pktvisor.db")
    proc = run("ingest", path, db=db, check=3)
    assert "ends inside a frame" in proc.stderr, proc.stderr
    assert "after frame 153" in proc.stderr, proc.stderr
    check_all_found(expected_from_oracle(path), stored(db), "pktvisor/fixture.dnstap")


def test_single_messages(tmp):
    folder = dnstest.optional_corpus("dnstap/bind9", "the single dnstap messages")
    if folder is None:
        return
    db = os.path.join(tmp, "single.db")
    proc = run("ingest", os.path.join(folder, "correct_query_nanosec.dnstap"), db=db, check=0)
    assert "1 dnstap frames" in proc.stderr, proc.stderr
    assert "not valid dnstap" not in proc.stderr, proc.stderr
    for name, reason in (("query_time_nanosec_big.dnstap", "query_time_nsec"),
                         ("response_time_nanosec_big.dnstap", "response_time_nsec"),
                         ("invalid_message_type.dnstap", "type")):
        proc = run("ingest", os.path.join(folder, name), db=db, check=0)
        assert "frame 1:" in proc.stderr and reason in proc.stderr, f"{name}:\n{proc.stderr}"
        assert "1 frame: skipped, not valid dnstap (frame 1)" in proc.stderr, proc.stderr
    assert dnstest.rrsets(db) == [], "a rejected or query-only message stored records"
    run_rows = dnstest.runs(db)
    assert [r["errors"] for r in run_rows] == [0, 1, 1, 1], run_rows


def test_compressed_and_stdin(tmp):
    folder = dnstest.optional_corpus("dnstap/bind9", "compressed and piped dnstap")
    if folder is None:
        return
    path = os.path.join(folder, "dnstap.saved")
    plain_db = os.path.join(tmp, "plain.db")
    run("ingest", path, db=plain_db, check=0)
    gz = os.path.join(tmp, "dnstap.saved.gz")
    with open(path, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    gz_db = os.path.join(tmp, "gz.db")
    run("ingest", gz, db=gz_db, check=0)
    with open(path, "rb") as src:
        data = src.read()
    stdin_db = os.path.join(tmp, "stdin.db")
    run("ingest", "--source", "pipe", "-", db=stdin_db, check=0, input=data)
    assert dnstest.rrsets(gz_db) == dnstest.rrsets(plain_db)
    assert dnstest.rrsets(stdin_db) == dnstest.rrsets(plain_db)


ZONE = "example.test"
RECORDS = [
    "www A 192.0.2.10",
    "www AAAA 2001:db8::10",
    "alias CNAME www",
    "@ MX 10 mail",
    "mail A 192.0.2.25",
    "@ TXT \"v=spf1 -all\"",
]
QUERIES = [("www.example.test", "A"), ("www.example.test", "AAAA"),
           ("alias.example.test", "A"), ("example.test", "MX"), ("mail.example.test", "A"),
           ("example.test", "TXT")]


def answers_of(responses):
    """(owner, type, rdata) of every answer record kdig printed."""
    out = set()
    for answer in responses:
        for rr in answer:
            owner, _cls, rrtype, rdata = rr_fields(rr)
            out.add((owner, rrtype, rdata.lower()))
    return out


def test_knot_file(tmp):
    dnsservers.require("knotd", "kdig", knot_dnstap=True)
    tap = os.path.join(tmp, "knot.dnstap")
    with dnsservers.KnotServer(ZONE, RECORDS, dnstap=tap) as knot:
        responses = [dnsservers.kdig(knot.port, name, rrtype) for name, rrtype in QUERIES]
        dnsservers.query(knot.port, "nothing.example.test", "A")
    db = os.path.join(tmp, "knot.db")
    run("ingest", "--source", "knot", tap, db=db, check=0)
    want = answers_of(responses)
    have = stored(db)
    assert want <= have, f"kdig's answers missing from the store: {sorted(want - have)}"
    # Knot's frames carry no query_zone and its positive answers no NS or
    # SOA, so only the NXDOMAIN answer (with the zone's SOA) names the zone.
    for rrname, _type, bailiwick, *_ in dnstest.rrsets(db):
        assert bailiwick in ("", "example.test."), f"{rrname}: bailiwick {bailiwick!r}"
    negatives = dnstest.negatives(db)
    assert ("nothing.example.test.", 1, 3, "example.test.") in [n[:4] for n in negatives], \
        negatives


def pdns_json(db, name):
    proc = run("pdns", "--json", name, db=db)
    return proc.stdout


def live_capture(tmp, transport):
    """Unbound streams to dragnet capture --dnstap; records appear while it runs."""
    dnsservers.require("knotd", "kdig", "unbound")
    db = os.path.join(tmp, f"live-{transport}.db")
    if transport == "unix":
        address = "unix:" + os.path.join(tmp, "dt.sock")
        sender_spec = address
    else:
        port = dnsservers.free_port()
        address = f"tcp:127.0.0.1:{port}"
        sender_spec = f"tcp:127.0.0.1:{port}"
    log = open(os.path.join(tmp, f"capture-{transport}.log"), "w")
    capture = subprocess.Popen([dnstest.DRAGNET, "capture", "--db", db, "--dnstap", address,
                                "--source", f"unbound-{transport}", "-F", "1"],
                               stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while transport == "unix" and not os.path.exists(address[5:]):
            assert time.monotonic() < deadline, "the dnstap socket never appeared"
            assert capture.poll() is None, open(log.name).read()
            time.sleep(0.05)
        with dnsservers.KnotServer(ZONE, RECORDS) as knot:
            with dnsservers.UnboundServer(knot.port, dnstap=sender_spec,
                                          stub_zones=[ZONE]) as unbound:
                responses = [dnsservers.kdig(unbound.port, name, rrtype)
                             for name, rrtype in QUERIES]
                want = answers_of(responses)
                # The store fills while the listener runs.
                deadline = time.monotonic() + 20
                while True:
                    out = pdns_json(db, "www.example.test") if os.path.exists(db) else ""
                    if "192.0.2.10" in out:
                        break
                    assert capture.poll() is None, open(log.name).read()
                    assert time.monotonic() < deadline, \
                        "records did not reach the store while capture ran:\n" + \
                        open(log.name).read()
                    time.sleep(0.2)
                table = run("pdns", "www.example.test", db=db, check=0).stdout
                assert "192.0.2.10" in table, table
    finally:
        capture.send_signal(signal.SIGINT)
        try:
            code = capture.wait(timeout=30)
        finally:
            log.close()
    text = open(log.name).read()
    assert code == 0, f"capture exited {code}:\n{text}"
    have = stored(db)
    assert want <= have, f"kdig's answers missing: {sorted(want - have)}\n{text}"
    # Unbound's RESOLVER_RESPONSE frames name the zone in query_zone.
    rows = dnstest.rrsets(db)
    assert ("www.example.test.", 1, "example.test.", "192.0.2.10") in [r[:4] for r in rows], rows
    sources = dnstest.sources(db)
    assert (f"unbound-{transport}", "sensor") in sources, sources
    by_source = dnstest.rrset_sources(db)
    assert all(row[4] == f"unbound-{transport}" for row in by_source), by_source[:5]
    # dragnet pdns shows them with their source.
    lines = run("pdns", "--json", "--source", f"unbound-{transport}", "www.example.test",
                db=db, check=0).stdout.splitlines()
    shown = [json.loads(line) for line in lines]
    assert {o["rdata"] for o in shown if o["rrtype"] == "A"} == {"192.0.2.10"}, shown
    assert all(o["sources"] == 1 for o in shown), shown
    assert "connected" in text, text


def test_unbound_live_unix(tmp):
    live_capture(tmp, "unix")


def test_unbound_live_tcp(tmp):
    live_capture(tmp, "tcp")


def test_listener_garbage_and_many_senders(tmp):
    folder = dnstest.optional_corpus("dnstap/bind9", "the listener's replay check")
    if folder is None:
        return
    replay = shutil.which("fstrm_replay")
    if replay is None:
        print("NOTE: fstrm_replay not found (Debian package fstrm-bin); skipping")
        return
    path = os.path.join(folder, "dnstap.saved")
    sock = os.path.join(tmp, "many.sock")
    db = os.path.join(tmp, "many.db")
    log = open(os.path.join(tmp, "many.log"), "w")
    capture = subprocess.Popen([dnstest.DRAGNET, "capture", "--db", db, "--dnstap",
                                "unix:" + sock, "-F", "1"],
                               stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            assert time.monotonic() < deadline, "the dnstap socket never appeared"
            time.sleep(0.05)
        # A sender that is not Frame Streams at all.
        bad = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        bad.connect(sock)
        bad.sendall(b"GET / HTTP/1.0\r\n\r\n" * 10)
        bad.close()
        senders = [subprocess.Popen([replay, "-t", dnsservers.DNSTAP_CONTENT_TYPE, "-r", path,
                                     "-u", sock]) for _ in range(4)]
        for sender in senders:
            assert sender.wait(timeout=30) == 0, "fstrm_replay failed"
        time.sleep(1.5)
    finally:
        capture.send_signal(signal.SIGINT)
        code = capture.wait(timeout=30)
        log.close()
    text = open(log.name).read()
    assert code == 0, text
    assert "handshake failed" in text, text
    assert "384 dnstap frames" in text, f"4 x 96 frames expected:\n{text}"
    assert "5 dnstap connections" in text, text
    assert not os.path.exists(sock), "the socket file was left behind"
    # Four copies of one file: each record counted four times what one copy gives.
    single_db = os.path.join(tmp, "single-copy.db")
    run("ingest", path, db=single_db, check=0)
    one = {row[:4]: row[6] for row in dnstest.rrsets(single_db)}
    four = {row[:4]: row[6] for row in dnstest.rrsets(db)}
    assert set(one) == set(four)
    assert all(four[key] == 4 * one[key] for key in one), (one, four)


def control_frame(kind, content_type=None):
    body = struct.pack(">I", kind)
    if content_type is not None:
        body += struct.pack(">II", 1, len(content_type)) + content_type
    return struct.pack(">II", 0, len(body)) + body


def test_damaged_streams(tmp):
    """Frame Streams files that end badly or were joined with cat."""
    tap = dnstest.sample("resolver-tap.fstrm")
    data = open(tap, "rb").read()
    db = os.path.join(tmp, "streams.db")

    joined = os.path.join(tmp, "joined.fstrm")
    with open(joined, "wb") as f:
        f.write(data + data)
    proc = run("ingest", joined, db=db, check=0)
    assert "40 dnstap frames" in proc.stderr, proc.stderr

    # A frame over 1 MiB ends the file with an error, never a crash.
    start = control_frame(2, dnsservers.DNSTAP_CONTENT_TYPE.encode())
    for name, body in (("over.fstrm", start + struct.pack(">I", 2 << 20) + b"x" * (2 << 20)),
                       ("over-late.fstrm", data[:-8] + struct.pack(">I", 0x7fffffff) + b"x")):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(body)
        for _ in range(3):
            proc = run("ingest", "--again", path, db=db, check=3)
            assert "a frame over 1 MiB" in proc.stderr, proc.stderr
            assert "not valid dnstap" not in proc.stderr, proc.stderr

    junk = os.path.join(tmp, "junk.fstrm")
    with open(junk, "wb") as f:
        f.write(data + b"garbage!")
    proc = run("ingest", junk, db=db, check=3)
    assert "do not start another dnstap stream" in proc.stderr, proc.stderr


def test_forwarder_zone_ignored(tmp):
    """Unbound's FORWARDER_RESPONSE frames name the forward zone ".", which
    is no bailiwick; RESOLVER_RESPONSE frames name the real zone."""
    dnsservers.require("knotd", "kdig", "unbound", "fstrm_capture")
    with dnsservers.FstrmCapture(directory=os.path.join(tmp, "fwd")) as tap:
        with dnsservers.KnotServer(ZONE, RECORDS) as knot:
            with dnsservers.UnboundServer(knot.port, dnstap=tap.spec, client_responses=False,
                                          resolver_responses=False,
                                          forwarder_responses=True) as unbound:
                dnsservers.kdig(unbound.port, "www.example.test", "A")
        tap.stop()
        frames = dnsservers.dnstap_oracle(tap.output)
        assert any(f["type"] == "FORWARDER_RESPONSE" and f.get("query_zone") == "."
                   for f in frames), [(f["type"], f.get("query_zone")) for f in frames]
        db = os.path.join(tmp, "fwd.db")
        run("ingest", tap.output, db=db, check=0)
    rows = dnstest.rrsets(db)
    assert ("www.example.test.", 1, "", "192.0.2.10") in [r[:4] for r in rows], rows
    assert all(r[2] != "." for r in rows), rows


def test_listener_socket_rules(tmp):
    """A second listener leaves a live socket alone; mode and group apply;
    interface options are rejected with --dnstap."""
    sock = os.path.join(tmp, "rules.sock")
    group = grp.getgrgid(os.getgid()).gr_name
    first = subprocess.Popen([dnstest.DRAGNET, "capture", "--db", os.path.join(tmp, "a.db"),
                              "--dnstap", "unix:" + sock, "--dnstap-mode", "660",
                              "--dnstap-group", group],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            assert time.monotonic() < deadline, "the dnstap socket never appeared"
            time.sleep(0.05)
        st = os.stat(sock)
        assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
        inode = st.st_ino
        proc = run("capture", "--dnstap", "unix:" + sock, db=os.path.join(tmp, "b.db"),
                   check=5, timeout=30)
        assert "another process listens on dnstap socket" in proc.stderr, proc.stderr
        assert os.stat(sock).st_ino == inode, "the second listener replaced the socket"
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=30) == 0, first.stderr.read()
        first.stderr.close()
    assert not os.path.exists(sock)

    # A stale socket file (its listener killed) is replaced.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(sock)
    stale.close()
    proc = subprocess.Popen([dnstest.DRAGNET, "capture", "--db", os.path.join(tmp, "c.db"),
                             "--dnstap", "unix:" + sock], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0

    for option in (["-f", "port 53"], ["--snaplen", "100"], ["--mdns"], ["-p", "5300"]):
        proc = run("capture", "--dnstap", "unix:" + sock, *option,
                   db=os.path.join(tmp, "d.db"), check=2)
        assert "apply to -i, not --dnstap" in proc.stderr, proc.stderr
    proc = run("capture", "-i", "lo", "--dnstap-mode", "600", db=os.path.join(tmp, "d.db"),
               check=2)
    assert "--dnstap only" in proc.stderr, proc.stderr


def main():
    tests = [test_corpus_files, test_single_messages, test_compressed_and_stdin,
             test_knot_file, test_unbound_live_unix, test_unbound_live_tcp,
             test_listener_garbage_and_many_senders, test_damaged_streams,
             test_forwarder_zone_ignored, test_listener_socket_rules]
    for test in tests:
        tmp = dnstest.scratch()
        try:
            test(tmp)
        except SystemExit as skipped:
            if skipped.code != dnstest.SKIP:
                raise
            print(f"{test.__name__}: skipped")
            continue
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"{test.__name__}: ok")


if __name__ == "__main__":
    main()
