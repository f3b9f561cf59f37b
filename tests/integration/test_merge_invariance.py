"""Aggregates do not depend on how the input is split into flushes, files or
runs: first seen is the minimum, last seen the maximum, count the sum."""

import glob
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402


def require(tool):
    if shutil.which(tool) is None:
        raise AssertionError(f"{tool} not installed; the test set-up installs wireshark tools")


def store_contents(db):
    return t.rrsets(db), t.rrset_sources(db), t.negatives(db)


def synthetic_capture(path):
    """Names that repeat, rotate addresses and come back later, so that
    first/last/count depend on frames far apart in the file."""
    rng = random.Random(11)
    data = t.pcap_header()
    for i in range(3000):
        name = f"host{rng.randrange(400)}.example.{rng.choice(['com', 'net', 'org'])}"
        addr = f"198.51.100.{rng.randrange(1, 40)}"
        answers = [(name, "A", addr)]
        if rng.random() < 0.2:
            answers = [(name, "CNAME", f"edge{rng.randrange(30)}.example.net")]
        data += t.exchange(1700000000 + i * 7, i % 65536, name, "A", answers)
    with open(path, "wb") as f:
        f.write(data)


def main():
    corpus = t.corpus_dir("pcap")
    require("editcap")
    require("mergecap")
    tmp = t.scratch()

    synthetic = os.path.join(tmp, "synthetic.pcap")
    synthetic_capture(synthetic)
    udp_inputs = [synthetic] + [os.path.join(corpus, p) for p in (
        "dnscap/dns.pcap", "dnscap/vlan11.pcap", "zeek/dnssec_rrsig.pcap",
        "zeek/dns-two-responses.pcap", "tcpdump/dnssec.pcap", "pktvisor/ecs.pcap")]
    tcp_inputs = [os.path.join(corpus, p) for p in (
        "dnscap/dnsotcp-many1pkt.pcap", "dnscap/dnsotcp-manyopkts.pcap",
        "go-dnscollector/dnsdump_udp+tcp.pcap",
        "go-dnscollector/dnsdump_udp_truncated+tcp_fragmented.pcap")]
    combined = os.path.join(tmp, "combined.pcap")
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", combined, *udp_inputs, *tcp_inputs],
                   check=True)

    # One run over everything, against many 3-record flushes in one run:
    # flushing must not disturb TCP reassembly either.
    whole = os.path.join(tmp, "whole.db")
    t.run("ingest", "--source", "sensor-1", combined, db=whole, check=0)
    expected = store_contents(whole)
    assert len(expected[0]) > 1000, f"too few records for a meaningful check: {len(expected[0])}"
    flushed = os.path.join(tmp, "flushed.db")
    proc = t.run("ingest", "--source", "sensor-1", "--flush-records", "3", combined,
                 db=flushed, check=0)
    assert store_contents(flushed) == expected, "--flush-records 3 changed the aggregate"
    assert " flushes, " in proc.stderr, proc.stderr
    print(f"one run and 3-record flushes agree on {len(expected[0])} records")

    # Files and runs: the UDP traffic cut into pieces of 17 frames, one
    # piece per run in shuffled order plus one run over several pieces,
    # must equal a single run over the uncut files. (A DNS-over-TCP message
    # cut across two files cannot be reassembled, so TCP stays out.)
    udp_whole = os.path.join(tmp, "udp-whole.db")
    t.run("ingest", "--source", "sensor-1", *udp_inputs, db=udp_whole, check=0)
    expected = store_contents(udp_whole)

    pieces = []
    for i, capture in enumerate(udp_inputs):
        out = os.path.join(tmp, f"piece{i}.pcap")
        subprocess.run(["editcap", "-F", "pcap", "-c", "17", capture, out], check=True)
        pieces += glob.glob(os.path.join(tmp, f"piece{i}_*.pcap"))
    assert len(pieces) > 100, len(pieces)
    random.Random(7).shuffle(pieces)
    split = os.path.join(tmp, "split.db")
    for piece in pieces[:-5]:
        t.run("ingest", "--source", "sensor-1", piece, db=split, check=0)
    t.run("ingest", "--source", "sensor-1", *pieces[-5:], db=split, check=0)
    got = store_contents(split)

    missing = set(expected[0]) - set(got[0])
    extra = set(got[0]) - set(expected[0])
    if missing or extra:
        raise AssertionError(f"split runs differ: missing {sorted(missing)[:5]} "
                             f"extra {sorted(extra)[:5]}")
    assert got == expected, "per-source rows or negative answers differ after splitting"
    print(f"one run and {len(pieces)} shuffled runs agree on {len(expected[0])} records, "
          f"{len(expected[1])} per-source rows and {len(expected[2])} negative answers")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
