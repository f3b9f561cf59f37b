#!/usr/bin/env python3
"""Write the sample inputs beside phishing-campaign.pcap.gz that show the
other sources dragnet reads, all about the same invented campaign:

- branch-office.dns.log: a Zeek dns.log (TSV) from a second sensor that saw
  login.paypa1-secure.example in February and March 2024, the CNAME in front
  of it, an NXDOMAIN, and invoice-paypa1.example, which the capture lacks;
- provider-export.json: a passive-DNS provider's COF export that saw the
  campaign's first address in December 2023, before our sensors did, with
  counts and times as the provider wrote them (some as strings) and, like
  many providers, a bailiwick only for some records;
- resolver-tap.fstrm: dnstap (Frame Streams) from a resolver, CLIENT_RESPONSE
  messages for the campaign's names in March 2024.

Only .example names and documentation addresses. Rerunning the script writes
the same bytes.
"""

import ipaddress
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_sample import DAY, START, message  # noqa: E402

ZONE = "paypa1-secure.example"
HERE = os.path.dirname(os.path.abspath(__file__))

ZEEK_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
               "trans_id", "rtt", "query", "qclass", "qclass_name", "qtype", "qtype_name",
               "rcode", "rcode_name", "AA", "TC", "RD", "RA", "Z", "answers", "TTLs",
               "rejected"]
ZEEK_TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "count", "interval",
              "string", "count", "string", "count", "string", "count", "string", "bool",
              "bool", "bool", "bool", "count", "vector[string]", "vector[interval]", "bool"]
QTYPES = {"A": 1, "AAAA": 28, "MX": 15, "TXT": 16}
RCODES = {0: "NOERROR", 3: "NXDOMAIN"}


def zeek_log(rng):
    lines = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
             "#unset_field\t-", "#path\tdns", "#open\t2024-02-01-00-00-00",
             "#fields\t" + "\t".join(ZEEK_FIELDS), "#types\t" + "\t".join(ZEEK_TYPES)]
    events = []
    for day in range(31, 90):
        login = "203.0.113.11" if day < 60 else "198.51.100.23"
        for _ in range(rng.randrange(1, 3)):
            events.append((START + day * DAY + rng.randrange(DAY), f"login.{ZONE}", "A", 0,
                           [login], [300]))
        if day % 4 == 0:
            events.append((START + day * DAY + rng.randrange(DAY), f"www.{ZONE}", "A", 0,
                           [f"login.{ZONE}", login], [3600, 300]))
        if day % 6 == 0:
            events.append((START + day * DAY + rng.randrange(DAY), "invoice-paypa1.example",
                           "A", 0, ["203.0.113.14"], [300]))
    events.append((START + 50 * DAY + 123, f"old.{ZONE}", "A", 3, [], []))
    events.sort()
    for number, (ts, query, qtype, rcode, answers, ttls) in enumerate(events):
        row = [f"{ts}.{rng.randrange(1000000):06d}", f"Cb{number:016x}", "198.51.100.7",
               str(40000 + number % 20000), "198.51.100.53", "53", "udp",
               str(rng.randrange(65536)), "0.001021", query, "1", "C_INTERNET",
               str(QTYPES[qtype]), qtype, str(rcode), RCODES[rcode], "F", "F", "T", "T", "0",
               ",".join(answers) if answers else "-",
               ",".join(f"{t}.000000" for t in ttls) if ttls else "-", "F"]
        lines.append("\t".join(row))
    lines.append("#close\t2024-04-01-00-00-00")
    with open(os.path.join(HERE, "branch-office.dns.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(events)


def cof_export():
    december = 1702857600  # 2023-12-18T00:00:00Z
    rows = [
        {"count": 41, "time_first": december, "time_last": START + 24 * DAY + 3100,
         "rrtype": "A", "rrname": f"login.{ZONE}.", "rdata": ["203.0.113.10"]},
        {"count": "7", "time_first": str(december + 2 * DAY), "time_last": str(START + 3 * DAY),
         "rrtype": "NS", "rrname": f"{ZONE}.",
         "rdata": ["ns1.bulletproof-dns.example.", "ns2.bulletproof-dns.example."],
         "bailiwick": "example."},
        {"count": 12, "time_first": december + 5 * DAY, "time_last": START + 80 * DAY,
         "rrtype": "A", "rrname": "invoice-paypa1.example.", "rdata": "203.0.113.14"},
        {"count": 3, "zone_time_first": december, "zone_time_last": december + 20 * DAY,
         "rrtype": "MX", "rrname": f"{ZONE}.", "rdata": [f"10 mail.{ZONE}."],
         "bailiwick": f"{ZONE}."},
    ]
    with open(os.path.join(HERE, "provider-export.json"), "w") as f:
        for row in rows:
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
    return len(rows)


def varint(value):
    out = b""
    while True:
        byte = value & 0x7f
        value >>= 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    return varint(number << 3 | 2) + varint(len(data)) + data


def field_fixed32(number, value):
    return varint(number << 3 | 5) + struct.pack("<I", value)


def dnstap_frame(ts, nsec, qid, qname, qtype, answers):
    """A Dnstap protobuf: MESSAGE, CLIENT_RESPONSE over UDP/IPv4 (dnstap.proto
    field numbers)."""
    reply = message(qid, qname, qtype, answers)
    msg = (field_varint(1, 6)                       # type: CLIENT_RESPONSE
           + field_varint(2, 1)                     # socket_family: INET
           + field_varint(3, 1)                     # socket_protocol: UDP
           + field_bytes(4, ipaddress.IPv4Address("192.0.2.10").packed)
           + field_bytes(5, ipaddress.IPv4Address("192.0.2.53").packed)
           + field_varint(6, 30000 + qid)           # query_port
           + field_varint(7, 53)                    # response_port
           + field_varint(8, ts)                    # query_time_sec
           + field_fixed32(9, nsec)
           + field_varint(12, ts)                   # response_time_sec
           + field_fixed32(13, nsec + 1500000)
           + field_bytes(14, reply))                # response_message
    return field_bytes(1, b"resolver-tap") + field_bytes(14, msg) + field_varint(15, 1)


def control(kind, content_type=None):
    body = struct.pack(">I", kind)
    if content_type is not None:
        body += struct.pack(">II", 1, len(content_type)) + content_type
    return struct.pack(">II", 0, len(body)) + body


def dnstap_file(rng):
    frames = []
    for day in range(60, 90, 2):
        ts = START + day * DAY + rng.randrange(DAY)
        frames.append(dnstap_frame(ts, rng.randrange(10**9 - 10**7), len(frames) + 1,
                                   f"login.{ZONE}", "A",
                                   [(f"login.{ZONE}", "A", "198.51.100.23")]))
        if day % 6 == 0:
            frames.append(dnstap_frame(ts + 30, 0, len(frames) + 1, "secure-bank-login.example",
                                       "A", [("secure-bank-login.example", "A", "203.0.113.12")]))
    with open(os.path.join(HERE, "resolver-tap.fstrm"), "wb") as f:
        f.write(control(2, b"protobuf:dnstap.Dnstap"))
        for frame in frames:
            f.write(struct.pack(">I", len(frame)) + frame)
        f.write(control(3))
    return len(frames)


def main():
    rng = random.Random(2025)
    print(f"wrote branch-office.dns.log: {zeek_log(rng)} lines")
    print(f"wrote provider-export.json: {cof_export()} records")
    print(f"wrote resolver-tap.fstrm: {dnstap_file(rng)} frames")


if __name__ == "__main__":
    main()
