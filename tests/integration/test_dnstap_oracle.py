#!/usr/bin/env python3
"""Compare dnstap_decode() with dnstap-ldns and protoc-c on the corpus dnstap files.

tests/tools/dnstap_dump prints what dragnet's decoder makes of every frame of
a Frame Streams file. For each dnstap file of the shared corpus the test
checks that output against two independent decoders:

1. `dnstap-ldns -r FILE -y` (tested with dnstap-ldns 0.2.1): message type,
   times to the microsecond (UTC), socket family and protocol, addresses,
   ports, query_zone and identity. It also gives the question name, class and
   type of the DNS message that the decoder picks, which is response_message
   for responses and query_message for queries;
2. `dnstap-ldns -r FILE -q`: the size of that DNS message;
3. `protoc-c --decode_raw` (libprotoc 3.21.12) on each frame, split from the
   file here: the exact seconds and nanoseconds of the time the decoder
   picks, which is the type's own time or the other one when that is absent.

Every file must decode without error and give as many frames as dnstap-ldns
prints. Environment: DNSTAP_DUMP is the dnstap_dump binary, DRAGNET_CORPUS
the corpus folder. Exit status 0 when everything matches, 1 on a mismatch
and 77 (skipped) when the corpus, dnstap-ldns or protoc-c is missing.
"""

import os
import re
import shutil
import struct
import subprocess
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnstest  # noqa: E402

FILES = [
    "bind9/dnstap.saved",
    "bind9/large-answer.fstrm",
    "go-dnscollector/dnstap.fstrm",
    "pktvisor/fixture.dnstap",
]

# Field numbers of dnstap.proto's Message.
MESSAGE_FIELD = 14
QUERY_TIME_SEC, QUERY_TIME_NSEC = 8, 9
RESPONSE_TIME_SEC, RESPONSE_TIME_NSEC = 12, 13


def read_frames(path):
    """Data frames of a Frame Streams file, without control frames and without a
    truncated last frame (pktvisor's fixture ends inside one, and libfstrm stops
    there too)."""
    with open(path, "rb") as f:
        data = f.read()
    frames = []
    at = 0
    while at < len(data):
        (length,) = struct.unpack_from(">I", data, at)
        at += 4
        if length == 0:
            # Escape: a control frame of the given length follows.
            (control_len,) = struct.unpack_from(">I", data, at)
            at += 4 + control_len
            continue
        if at + length > len(data):
            break
        frames.append(data[at:at + length])
        at += length
    return frames


def raw_times(frame):
    """{field number: value} of the time fields of Message, from protoc-c --decode_raw."""
    out = subprocess.run(["protoc-c", "--decode_raw"], input=frame, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=True, timeout=60).stdout.decode()
    fields = {}
    path = []
    for line in out.splitlines():
        stripped = line.strip()
        opening = re.fullmatch(r"(\d+) \{", stripped)
        if opening:
            path.append(int(opening.group(1)))
            continue
        if stripped == "}":
            path.pop()
            continue
        if path != [MESSAGE_FIELD]:
            continue
        m = re.fullmatch(r"(\d+): (0x[0-9a-f]+|\d+)", stripped)
        if m and int(m.group(1)) in (QUERY_TIME_SEC, QUERY_TIME_NSEC, RESPONSE_TIME_SEC,
                                     RESPONSE_TIME_NSEC):
            fields[int(m.group(1))] = int(m.group(2), 0)
    return fields


def ldns_string(text):
    """Bytes of a string as dnstap-ldns prints it: quoted, with \\" and \\xHH escapes."""
    assert text.startswith('"'), text
    assert text.endswith('"'), text
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        if body.startswith('\\"', i):
            out += b'"'
            i += 2
        elif body.startswith("\\x", i):
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        else:
            out += body[i].encode("latin-1")
            i += 1
    return bytes(out)


def parse_yaml(text):
    """One dict per document of dnstap-ldns -y: the scalar keys of the frame and of
    its message, plus the question line of query_message and response_message."""
    docs = []
    for chunk in text.split("\n---\n"):
        if not chunk.strip():
            continue
        doc = {}
        section = None
        for line in chunk.splitlines():
            m = re.fullmatch(r"(\w+): (.*)", line)
            if m:
                doc[m.group(1)] = m.group(2)
                continue
            m = re.fullmatch(r"  (\w+): (.*)", line)
            if m:
                section = m.group(1) if m.group(2) == "|" else None
                doc["message." + m.group(1)] = m.group(2)
                continue
            m = re.fullmatch(r"    ;(\S+)\t(\S+)\t(\S+)", line)
            if m and section is not None and section + ".question" not in doc:
                doc[section + ".question"] = m.groups()
        docs.append(doc)
    return docs


def ldns_sizes(text):
    """DNS message size of each line of dnstap-ldns -q."""
    sizes = []
    for line in text.splitlines():
        m = re.search(r" (\d+)b ", line)
        sizes.append(int(m.group(1)) if m else 0)
    return sizes


def parse_dump(text):
    return [dict(field.split("=", 1) for field in line.split("\t")) for line in text.splitlines()]


def ldns_time(sec, nsec):
    stamp = datetime.fromtimestamp(sec, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return f"!!timestamp {stamp}.{nsec // 1000:06d}"


class Checker:
    def __init__(self):
        self.failures = 0

    def equal(self, where, field, expected, got):
        if expected != got:
            self.failures += 1
            print(f"FAIL: {where}: {field} is {expected!r} per the oracle, "
                  f"dnstap_dump gives {got!r}")


def picked_time(response, times):
    """(field name, sec, nsec) of the time the decoder should pick, or None."""
    own = ("response_time", RESPONSE_TIME_SEC, RESPONSE_TIME_NSEC)
    other = ("query_time", QUERY_TIME_SEC, QUERY_TIME_NSEC)
    if not response:
        own, other = other, own
    for name, sec_field, nsec_field in (own, other):
        if sec_field in times:
            return name, times[sec_field], times.get(nsec_field, 0)
    return None


def check_frame(check, where, ours, doc, size, times):
    mtype = doc["message.type"]
    check.equal(where, "type", mtype, ours["type"])
    response = mtype.endswith("_RESPONSE")

    picked = picked_time(response, times)
    expected_time = f"{picked[1]}.{picked[2]:09d}" if picked else "-"
    check.equal(where, "time (protoc-c)", expected_time, ours["time"])
    # dnstap-ldns prints a time only when both its halves are present.
    if picked and "message." + picked[0] in doc:
        check.equal(where, "time (dnstap-ldns)", doc["message." + picked[0]],
                    ldns_time(picked[1], picked[2]))

    check.equal(where, "socket_family", doc.get("message.socket_family", "-"), ours["family"])
    check.equal(where, "socket_protocol", doc.get("message.socket_protocol", "-"),
                ours["protocol"])
    for side in ("query", "response"):
        address = doc.get(f"message.{side}_address", '"-"').strip('"')
        check.equal(where, f"{side}_address", address, ours[f"{side}_address"])
        check.equal(where, f"{side}_port", doc.get(f"message.{side}_port", "0"),
                    ours[f"{side}_port"])
    check.equal(where, "query_zone", doc.get("message.query_zone", '"-"').strip('"'),
                ours["query_zone"])
    # The decoder reports an empty identity as absent.
    identity = ldns_string(doc["identity"]).hex() if "identity" in doc else ""
    check.equal(where, "identity", identity or "-", ours["identity"])

    section = "response_message" if response else "query_message"
    check.equal(where, "DNS message size", str(size), ours["dns_len"])
    question = doc.get(section + ".question", ("-", "-", "-"))
    check.equal(where, "question", question, (ours["qname"], ours["qclass"], ours["qtype"]))


def check_file(check, dump, path):
    name = os.path.relpath(path, dnstest.CORPUS)
    proc = subprocess.run([dump, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)
    if proc.returncode != 0:
        check.failures += 1
        print(f"FAIL: dnstap_dump {name} exited with {proc.returncode}: {proc.stderr.strip()}")
    ours = parse_dump(proc.stdout)
    for frame in ours:
        if "error" in frame:
            check.failures += 1
            print(f"FAIL: {name} frame {frame['frame']} does not decode: {frame['error']}")

    yaml = subprocess.run(["dnstap-ldns", "-r", path, "-y"], stdout=subprocess.PIPE,
                          check=True, text=True, timeout=120).stdout
    quiet = subprocess.run(["dnstap-ldns", "-r", path, "-q"], stdout=subprocess.PIPE,
                           check=True, text=True, timeout=120).stdout
    docs = parse_yaml(yaml)
    sizes = ldns_sizes(quiet)
    frames = read_frames(path)
    check.equal(name, "frame count", len(docs), len(ours))
    check.equal(name, "frame count (-q)", len(sizes), len(ours))
    check.equal(name, "frame count (file)", len(frames), len(ours))

    for i, (mine, doc, size, frame) in enumerate(zip(ours, docs, sizes, frames), start=1):
        if "error" not in mine:
            check_frame(check, f"{name} frame {i}", mine, doc, size, raw_times(frame))
    print(f"{name}: {len(ours)} frames compared")


def main():
    corpus = dnstest.corpus_dir("dnstap")
    for tool in ("dnstap-ldns", "protoc-c"):
        if shutil.which(tool) is None:
            dnstest.skip(f"{tool} not found; install dnstap-ldns and protobuf-c-compiler")
    dump = os.environ.get("DNSTAP_DUMP", "")
    if not os.access(dump, os.X_OK):
        raise AssertionError(f"DNSTAP_DUMP={dump!r} is not an executable; "
                             "run this test through ctest")

    check = Checker()
    for name in FILES:
        check_file(check, dump, os.path.join(corpus, name))
    if check.failures:
        print(f"{check.failures} mismatches")
        return 1
    print("all frames match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
