"""Aggregates do not depend on how the input is split into flushes, files or
runs: first seen is the minimum, last seen the maximum, count the sum."""

import glob
import gzip
import os
import random
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402


def require(tool):
    if shutil.which(tool) is None:
        raise AssertionError(f"{tool} not installed; the test set-up installs wireshark tools")


def store_contents(db):
    return t.rrsets(db), t.rrset_sources(db), t.negatives(db)


TCP = 6  # IP protocol number


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


def without_tcp(source, path):
    """Copy an Ethernet pcap file without its IPv4 and IPv6 TCP frames. A
    DNS-over-TCP message cut across two files cannot be reassembled, so
    files that are split into pieces must contain UDP traffic only."""
    with open(source, "rb") as f:
        header, records = t.pcap_records(f.read())
    remaining = []
    for record in records:
        frame = record[16:]
        ethertype = struct.unpack_from("!H", frame, 12)[0]
        if ethertype == 0x0800 and frame[14 + 9] == TCP:
            continue
        if ethertype == 0x86DD and frame[14 + 6] == TCP:
            continue
        remaining.append(record)
    assert len(remaining) < len(records), f"{source} contains no TCP frame to leave out"
    with open(path, "wb") as f:
        f.write(header + b"".join(remaining))
    return path


def check_flushes(tmp, label, inputs):
    """One run over all inputs against many 3-record flushes in one run.
    Flushing must not disturb TCP reassembly either."""
    combined = os.path.join(tmp, "combined.pcap")
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", combined, *inputs], check=True)
    whole = os.path.join(tmp, "whole.db")
    t.run("ingest", "--source", "sensor-1", combined, db=whole, check=0)
    expected = store_contents(whole)
    assert len(expected[0]) > 1000, f"too few records for a meaningful check: {len(expected[0])}"
    flushed = os.path.join(tmp, "flushed.db")
    proc = t.run("ingest", "--source", "sensor-1", "--flush-records", "3", combined,
                 db=flushed, check=0)
    assert store_contents(flushed) == expected, "--flush-records 3 changed the aggregate"
    assert " flushes, " in proc.stderr, proc.stderr
    print(f"{label}: one run and 3-record flushes agree on {len(expected[0])} records")


def check_split_runs(tmp, label, inputs):
    """The UDP traffic cut into pieces (of the frame count given with each
    input), one piece per run in shuffled order plus one run over several
    pieces, must equal a single run over the uncut files."""
    whole = os.path.join(tmp, "udp-whole.db")
    t.run("ingest", "--source", "sensor-1", *[path for path, _ in inputs], db=whole, check=0)
    expected = store_contents(whole)

    pieces = []
    for i, (capture, frames) in enumerate(inputs):
        out = os.path.join(tmp, f"piece{i}.pcap")
        subprocess.run(["editcap", "-F", "pcap", "-c", str(frames), capture, out], check=True)
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
    assert expected[2], "no negative answers, so their merge went unchecked"
    print(f"{label}: one run and {len(pieces)} shuffled runs agree on {len(expected[0])} "
          f"records, {len(expected[1])} per-source rows and {len(expected[2])} negative answers")


def sample_inputs(tmp):
    """The repository's samples, the synthetic capture and a generated one.
    Returns the files for the flush check, and the UDP-only files for the
    split check as (path, frames per piece)."""
    synthetic = os.path.join(tmp, "synthetic.pcap")
    synthetic_capture(synthetic)
    dnscap = t.sample("dnscap-resolver.pcap")
    phishing = os.path.join(tmp, "phishing-campaign.pcap")
    with gzip.open(t.sample("phishing-campaign.pcap.gz"), "rb") as f, open(phishing, "wb") as out:
        out.write(f.read())
    # 200 names over 2000 frames come back often, and the generator's
    # NXDOMAIN and NODATA answers give negative rows to merge.
    generated = t.gen_capture(os.path.join(tmp, "generated.pcap"), 2000, "--names", "200",
                              "--tcp-share", "0", "--seed", "5")
    phishing_udp = without_tcp(phishing, os.path.join(tmp, "phishing-udp.pcap"))
    whole_files = [synthetic, dnscap, phishing, generated]
    udp_files = [(synthetic, 40), (dnscap, 17), (phishing_udp, 60), (generated, 40)]
    return whole_files, udp_files


def corpus_inputs(corpus):
    """More link types, DNSSEC, EDNS and DNS over TCP from the shared corpus,
    returned as sample_inputs() returns its files."""
    udp = [os.path.join(corpus, p) for p in (
        "dnscap/vlan11.pcap", "zeek/dnssec_rrsig.pcap", "zeek/dns-two-responses.pcap",
        "tcpdump/dnssec.pcap", "pktvisor/ecs.pcap")]
    tcp = [os.path.join(corpus, p) for p in (
        "dnscap/dnsotcp-many1pkt.pcap", "dnscap/dnsotcp-manyopkts.pcap",
        "go-dnscollector/dnsdump_udp+tcp.pcap",
        "go-dnscollector/dnsdump_udp_truncated+tcp_fragmented.pcap")]
    return udp + tcp, [(path, 17) for path in udp]


def main():
    require("editcap")
    require("mergecap")
    tmp = t.scratch()
    whole_files, udp_files = sample_inputs(tmp)
    label = "samples"
    corpus = t.optional_corpus("pcap", "the corpus captures")
    if corpus is not None:
        corpus_whole, corpus_udp = corpus_inputs(corpus)
        whole_files += corpus_whole
        udp_files += corpus_udp
        label = "samples and corpus"

    check_flushes(tmp, label, whole_files)
    check_split_runs(tmp, label, udp_files)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
