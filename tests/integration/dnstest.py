"""Helpers for dragnet's integration tests: running the binary, reading its
SQLite store, and writing small pcap files of hand-built DNS traffic."""

import ipaddress
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile

DRAGNET = os.environ.get("DRAGNET", "dragnet")
CORPUS = os.environ.get("DRAGNET_CORPUS", "")
SOURCE_DIR = os.environ.get("DRAGNET_SOURCE_DIR") or os.path.join(os.path.dirname(__file__),
                                                                   "..", "..")
BUILD_DIR = os.environ.get("DRAGNET_BUILD_DIR", "")
SKIP = 77


def skip(reason):
    print(f"SKIPPED: {reason}")
    sys.exit(SKIP)


def corpus_dir(sub=""):
    """Path of the shared corpus folder, or skip the test when it is absent."""
    path = os.path.join(CORPUS, sub)
    if not CORPUS or not os.path.isdir(path):
        skip(f"shared corpus folder {path or '(DRAGNET_CORPUS unset)'} not found; "
             "this test needs ../shared/corpus next to the checkout")
    return path


def optional_corpus(sub, part):
    """Path of a shared corpus folder, or None after printing that part of the test is skipped."""
    path = os.path.join(CORPUS, sub)
    if CORPUS and os.path.isdir(path):
        return path
    print(f"NOTE: shared corpus folder {path or '(DRAGNET_CORPUS unset)'} not found; "
          f"skipping {part}")
    return None


def sample(name):
    """Path of a capture in the repository's samples/ folder."""
    path = os.path.join(SOURCE_DIR, "samples", name)
    if not os.path.isfile(path):
        raise AssertionError(f"sample capture {path} not found; set DRAGNET_SOURCE_DIR "
                             "to the checkout")
    return path


def gen_capture(path, packets, *options):
    """Write a synthetic capture of the given number of frames with bench/gen_capture."""
    tool = os.path.join(BUILD_DIR or os.path.dirname(os.path.abspath(DRAGNET)), "bench",
                        "gen_capture")
    if not os.access(tool, os.X_OK):
        raise AssertionError(f"{tool} not found; build the bench targets or set "
                             "DRAGNET_BUILD_DIR")
    subprocess.run([tool, "-q", "-o", path, "-n", str(packets), *options], check=True,
                   timeout=120)
    return path


def scratch():
    return tempfile.mkdtemp(prefix="dragnet-test-", dir=os.environ.get("TMPDIR"))


def run(*args, db=None, check=None, input=None, timeout=300, stdout=subprocess.PIPE,
        env=None, cwd=None):
    """Run dragnet with args; returns CompletedProcess with text output.
    stdout may name an open file to write the results to instead; env, when
    given, replaces the whole environment."""
    cmd = [DRAGNET, *args]
    if db is not None:
        cmd[2:2] = ["--db", db]
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE,
                          text=input is None or isinstance(input, str), input=input,
                          timeout=timeout, env=env, cwd=cwd)
    if proc.returncode < 0:
        raise AssertionError(f"{cmd} died with signal {-proc.returncode}:\n{proc.stderr}")
    if check is not None and proc.returncode != check:
        raise AssertionError(f"{cmd} exited {proc.returncode}, expected {check}:\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def rrsets(db):
    """Every stored record as a sorted list of tuples."""
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute(
            "SELECT rrname, rrtype, bailiwick, rdata, time_first, time_last, count "
            "FROM rrset"))
    finally:
        con.close()


def rrset_sources(db):
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute(
            "SELECT r.rrname, r.rrtype, r.bailiwick, r.rdata, s.name, rs.time_first, "
            "rs.time_last, rs.count FROM rrset_by_source rs JOIN rrset r ON r.id = rs.rrset_id "
            "JOIN source s ON s.id = rs.source_id"))
    finally:
        con.close()


def runs(db):
    """Every row of the run table as a dict, oldest first."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in con.execute("SELECT * FROM run ORDER BY id")]
    finally:
        con.close()


def sources(db):
    """Every (name, kind) of the source table, sorted."""
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute("SELECT name, kind FROM source"))
    finally:
        con.close()


def negatives(db):
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute(
            "SELECT qname, qtype, rcode, bailiwick, time_first, time_last, count "
            "FROM negative"))
    finally:
        con.close()


# ---- DNS and packet building ----

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rdata_bytes(rtype, value):
    if rtype == "A":
        return ipaddress.IPv4Address(value).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if rtype in ("NS", "CNAME", "PTR"):
        return wire_name(value)
    if rtype == "MX":
        pref, host = value.split()
        return struct.pack("!H", int(pref)) + wire_name(host)
    if rtype == "TXT":
        data = value.encode()
        return bytes([len(data)]) + data
    raise ValueError(rtype)


def dns_message(qid, qname, qtype, answers=(), authority=(), response=True, rcode=0, aa=False):
    """A DNS message; answers and authority are (name, type, value) tuples."""
    flags = (0x8000 if response else 0) | 0x0100 | (0x0080 if response else 0) | rcode
    if aa:
        flags |= 0x0400
    msg = struct.pack("!HHHHHH", qid, flags, 1, len(answers), len(authority), 0)
    msg += wire_name(qname) + struct.pack("!HH", TYPES[qtype], 1)
    for name, rtype, value in list(answers) + list(authority):
        rd = rdata_bytes(rtype, value)
        msg += wire_name(name) + struct.pack("!HHIH", TYPES[rtype], 1, 300, len(rd)) + rd
    return msg


def udp_frame(src, dst, sport, dport, payload):
    """Ethernet + IPv4 + UDP frame (checksums zero, as dragnet ignores them)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    eth = b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + b"\x08\x00"
    return eth + ip + udp


def pcap_header():
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def pcap_record(ts, frame):
    sec = int(ts)
    usec = int(round((ts - sec) * 1e6))
    return struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame


def pcap_records(data):
    """Split a little-endian pcap file into its header and its complete
    records, each with its record header. A record cut short at the end is
    left out."""
    magic = struct.unpack_from("<I", data)[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        raise ValueError(f"not a little-endian pcap file (magic {magic:#x})")
    records, pos = [], 24
    while pos + 16 <= len(data):
        end = pos + 16 + struct.unpack_from("<I", data, pos + 8)[0]
        if end > len(data):
            break
        records.append(data[pos:end])
        pos = end
    return data[:24], records


def exchange(ts, qid, qname, qtype, answers, client="192.0.2.10", server="198.51.100.53",
             **kwargs):
    """pcap records of one query and its response."""
    q = dns_message(qid, qname, qtype, response=False)
    r = dns_message(qid, qname, qtype, answers, **kwargs)
    return (pcap_record(ts, udp_frame(client, server, 40000 + qid % 20000, 53, q)) +
            pcap_record(ts + 0.001, udp_frame(server, client, 53, 40000 + qid % 20000, r)))
