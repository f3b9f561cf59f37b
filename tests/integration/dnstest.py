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
SOURCE_DIR = os.environ.get("DRAGNET_SOURCE_DIR", "")
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


def scratch():
    return tempfile.mkdtemp(prefix="dragnet-test-", dir=os.environ.get("TMPDIR"))


def run(*args, db=None, check=None, input=None, timeout=300, stdout=subprocess.PIPE):
    """Run dragnet with args; returns CompletedProcess with text output.
    stdout may name an open file to write the results to instead."""
    cmd = [DRAGNET, *args]
    if db is not None:
        cmd[2:2] = ["--db", db]
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE,
                          text=input is None or isinstance(input, str), input=input,
                          timeout=timeout)
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


def exchange(ts, qid, qname, qtype, answers, client="192.0.2.10", server="198.51.100.53",
             **kwargs):
    """pcap records of one query and its response."""
    q = dns_message(qid, qname, qtype, response=False)
    r = dns_message(qid, qname, qtype, answers, **kwargs)
    return (pcap_record(ts, udp_frame(client, server, 40000 + qid % 20000, 53, q)) +
            pcap_record(ts + 0.001, udp_frame(server, client, 53, 40000 + qid % 20000, r)))
