#!/usr/bin/env python3
"""Write samples/phishing-campaign.pcap.gz: a small synthetic capture of DNS
traffic seen from a resolver during an invented phishing campaign in 2024.

All names are under .example and all addresses are in documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), so nothing
in it points at a real host. Rerunning the script writes the same file.

The story, for the README's first lookups:
- login.paypa1-secure.example moves from 203.0.113.10 (January) to
  203.0.113.11 (February) to 198.51.100.23 (March onwards);
- its neighbours in 203.0.113.0/24 (update-account.example,
  secure-bank-login.example) belong to the same operator;
- www. is a CNAME to login., the zone has MX, TXT and NS records, one name
  gets NXDOMAIN, and one lookup goes over TCP and one over IPv6;
- cdn-track.example rotates through many addresses (fast flux);
- ordinary traffic (www.example.com, example.org) surrounds it.
"""

import gzip
import ipaddress
import os
import random
import struct

START = 1704067200  # 2024-01-01T00:00:00Z
DAY = 86400
CLIENT4, RESOLVER4 = "192.0.2.10", "192.0.2.53"
CLIENT6, RESOLVER6 = "2001:db8::10", "2001:db8::53"

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}


def name_bytes(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rdata(rtype, value):
    if rtype == "A":
        return ipaddress.IPv4Address(value).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if rtype in ("NS", "CNAME"):
        return name_bytes(value)
    if rtype == "MX":
        pref, host = value.split()
        return struct.pack("!H", int(pref)) + name_bytes(host)
    if rtype == "TXT":
        return bytes([len(value)]) + value.encode()
    if rtype == "SOA":
        mname, rname, *numbers = value.split()
        return name_bytes(mname) + name_bytes(rname) + struct.pack("!5I", *map(int, numbers))
    raise ValueError(rtype)


def message(qid, qname, qtype, answers=(), authority=(), response=True, rcode=0):
    flags = 0x0100 | (0x8080 | rcode if response else 0)
    out = struct.pack("!6H", qid, flags, 1, len(answers), len(authority), 0)
    out += name_bytes(qname) + struct.pack("!HH", TYPES[qtype], 1)
    for owner, rtype, value in list(answers) + list(authority):
        rd = rdata(rtype, value)
        out += name_bytes(owner) + struct.pack("!HHIH", TYPES[rtype], 1, 300, len(rd)) + rd
    return out


def ethernet(ethertype, payload):
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02" + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                         ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    return ethernet(0x0800, header + payload)


def ipv6(src, dst, proto, payload):
    header = struct.pack("!IHBB16s16s", 0x60000000, len(payload), proto, 64,
                         ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed)
    return ethernet(0x86DD, header + payload)


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


class Capture:
    def __init__(self):
        self.records = []
        self.qid = 0

    def frame(self, ts, frame):
        self.records.append((ts, frame))

    def exchange(self, ts, qname, qtype, answers=(), authority=(), rcode=0, v6=False):
        self.qid = (self.qid + 1) % 65536
        port = 30000 + self.qid % 30000
        query = message(self.qid, qname, qtype, response=False)
        reply = message(self.qid, qname, qtype, answers, authority, rcode=rcode)
        if v6:
            self.frame(ts, ipv6(CLIENT6, RESOLVER6, 17, udp(port, 53, query)))
            self.frame(ts + 0.002, ipv6(RESOLVER6, CLIENT6, 17, udp(53, port, reply)))
        else:
            self.frame(ts, ipv4(CLIENT4, RESOLVER4, 17, udp(port, 53, query)))
            self.frame(ts + 0.002, ipv4(RESOLVER4, CLIENT4, 17, udp(53, port, reply)))

    def tcp_exchange(self, ts, qname, qtype, answers):
        """A query and response over TCP: handshake, length-prefixed
        messages (the response split over two segments), FIN."""
        self.qid += 1
        port = 45000
        query = message(self.qid, qname, qtype, response=False)
        reply = message(self.qid, qname, qtype, answers)
        q = struct.pack("!H", len(query)) + query
        r = struct.pack("!H", len(reply)) + reply
        c, s = 1000, 5000
        steps = [
            (CLIENT4, RESOLVER4, port, 53, c, 0, 0x02, b""),
            (RESOLVER4, CLIENT4, 53, port, s, c + 1, 0x12, b""),
            (CLIENT4, RESOLVER4, port, 53, c + 1, s + 1, 0x10, b""),
            (CLIENT4, RESOLVER4, port, 53, c + 1, s + 1, 0x18, q),
            (RESOLVER4, CLIENT4, 53, port, s + 1, c + 1 + len(q), 0x10, r[:20]),
            (RESOLVER4, CLIENT4, 53, port, s + 21, c + 1 + len(q), 0x18, r[20:]),
            (CLIENT4, RESOLVER4, port, 53, c + 1 + len(q), s + 1 + len(r), 0x11, b""),
        ]
        for i, (src, dst, sport, dport, seq, ack, flags, data) in enumerate(steps):
            segment = tcp(sport, dport, seq, ack, flags, data)
            self.frame(ts + i * 0.001, ipv4(src, dst, 6, segment))

    def write(self, path):
        # mtime=0 keeps the gzip bytes the same on every run.
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for ts, frame in sorted(self.records, key=lambda r: r[0]):
                sec = int(ts)
                usec = int(round((ts - sec) * 1e6))
                f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


def campaign(cap, rng):
    zone = "paypa1-secure.example"
    ns = [(zone, "NS", "ns1.bulletproof-dns.example"), (zone, "NS", "ns2.bulletproof-dns.example")]
    for day in range(90):
        if day < 31:
            login = "203.0.113.10"
        elif day < 60:
            login = "203.0.113.11"
        else:
            login = "198.51.100.23"
        for _ in range(rng.randrange(2, 6)):
            ts = START + day * DAY + rng.randrange(DAY)
            cap.exchange(ts, f"login.{zone}", "A", [(f"login.{zone}", "A", login)], ns)
        if day % 3 == 0:
            ts = START + day * DAY + rng.randrange(DAY)
            cap.exchange(ts, f"www.{zone}", "A",
                         [(f"www.{zone}", "CNAME", f"login.{zone}"), (f"login.{zone}", "A", login)])
        if day % 7 == 0:
            ts = START + day * DAY + rng.randrange(DAY)
            cap.exchange(ts, zone, "MX", [(zone, "MX", f"10 mail.{zone}")])
            cap.exchange(ts + 5, zone, "TXT", [(zone, "TXT", "v=spf1 ip4:203.0.113.0/24 -all")])
        if 20 <= day < 75 and day % 2 == 0:
            ts = START + day * DAY + rng.randrange(DAY)
            cap.exchange(ts, "update-account.example", "A",
                         [("update-account.example", "A", "203.0.113.10")])
            cap.exchange(ts + 60, "secure-bank-login.example", "A",
                         [("secure-bank-login.example", "A", "203.0.113.12")])
        if day % 5 == 0:
            ts = START + day * DAY + rng.randrange(DAY)
            cap.exchange(ts, f"login.{zone}", "AAAA",
                         [(f"login.{zone}", "AAAA", "2001:db8:bad::10")], v6=True)
    cap.exchange(START + 40 * DAY, f"old.{zone}", "A", [], rcode=3,
                 authority=[(zone, "SOA", f"ns1.bulletproof-dns.example. hostmaster.{zone}. "
                                          "2024020101 3600 600 86400 300")])
    cap.tcp_exchange(START + 45 * DAY, zone, "TXT",
                     [(zone, "TXT", "google-site-verification=" + "x" * 40)])


def fast_flux(cap, rng):
    for hour in range(0, 24 * 30, 3):
        ts = START + 30 * DAY + hour * 3600 + rng.randrange(3600)
        addrs = rng.sample(range(1, 250), 3)
        cap.exchange(ts, "cdn-track.example", "A",
                     [("cdn-track.example", "A", f"198.51.100.{a}") for a in addrs])


def background(cap, rng):
    for _ in range(600):
        ts = START + rng.randrange(90 * DAY)
        name = rng.choice(["www.example.com", "example.org", "mail.example.net", "api.example.com"])
        cap.exchange(ts, name, "A", [(name, "A", f"192.0.2.{100 + len(name)}")])


def main():
    rng = random.Random(2024)
    cap = Capture()
    campaign(cap, rng)
    fast_flux(cap, rng)
    background(cap, rng)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "phishing-campaign.pcap.gz")
    cap.write(out)
    print(f"wrote {out}: {len(cap.records)} frames")


if __name__ == "__main__":
    main()
