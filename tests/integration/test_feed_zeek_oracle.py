"""Zeek dns.log against the capture it was made from: two independent
decoders. Zeek wrote each btest baseline in the shared corpus from a capture
in pcap/zeek (MANIFEST.tsv names the pair). Every record and negative answer
dragnet reads from a baseline must also be found when dragnet decodes the
capture itself. The baselines' ts is canonified to XXXXXXXXXX.XXXXXX, which
dragnet rejects as a bad time, so the test ingests a copy with a real ts."""

import csv
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

CANONIFIED_TS = "XXXXXXXXXX.XXXXXX"
REAL_TS = "1300000000.000000"


def baseline_pairs(corpus):
    """(capture path, baseline path) for each baseline MANIFEST.tsv ties to a capture."""
    pairs = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 6 or not row[0].startswith("pcap/zeek/"):
                continue
            match = re.search(r"Zeek dns\.log produced from it: (zeek/btest/\S+\.dns\.log)",
                              row[5])
            if match:
                pairs.append((os.path.join(corpus, row[0]), os.path.join(corpus, match[1])))
    return pairs


def with_real_ts(baseline, tmp):
    path = os.path.join(tmp, os.path.basename(baseline))
    with open(baseline) as src, open(path, "w") as dst:
        for line in src:
            dst.write(REAL_TS + line[len(CANONIFIED_TS):] if line.startswith(CANONIFIED_TS)
                      else line)
    return path


def lookup(db, name, negative):
    """The (rrtype, rdata or rcode) pairs dragnet pdns finds for name."""
    args = ["pdns", "--json", "--limit", "0"] + (["--negative"] if negative else []) + [name]
    proc = t.run(*args, db=db)
    if proc.returncode == 1:
        return set()
    assert proc.returncode == 0, f"dragnet pdns {name} exited {proc.returncode}: {proc.stderr}"
    found = set()
    for line in proc.stdout.splitlines():
        obj = json.loads(line)
        found.add((obj["rrtype"], obj["rcode"] if negative else obj["rdata"]))
    return found


def ingest_accepts_zeek(tmp, log):
    """False when dragnet ingest does not read dns.log files yet."""
    db = os.path.join(tmp, "probe.db")
    proc = t.run("ingest", "--dry-run", log, db=db)
    return "zeek-tsv" in proc.stderr and "not a pcap" not in proc.stderr


def check_pair(capture, baseline, tmp):
    """Ingest both; every name the log gives must have the same records and
    negatives in the capture's store. Returns the number compared."""
    name = os.path.basename(baseline)
    log = with_real_ts(baseline, tmp)
    log_db = os.path.join(tmp, name + ".db")
    pcap_db = os.path.join(tmp, os.path.basename(capture) + ".db")
    with open(log) as f:
        has_header = any(line.startswith("#fields") for line in f)
    if not has_header:
        # zeek-cut output: a few columns and no header, so no dns.log.
        proc = t.run("ingest", log, db=log_db, check=3)
        assert "text in none of the log formats" in proc.stderr, proc.stderr
        print(f"{name}: no #fields header, not read")
        return 0
    t.run("ingest", log, db=log_db, check=0)
    t.run("ingest", capture, db=pcap_db, check=0)

    compared = 0
    names = {row[0] for row in t.rrsets(log_db)}
    for owner in sorted(names):
        from_log = lookup(log_db, owner, negative=False)
        from_pcap = lookup(pcap_db, owner, negative=False)
        missing = from_log - from_pcap
        assert not missing, (f"{name}: {owner} {sorted(missing)} read from the log but not "
                             f"from {capture}, which has {sorted(from_pcap)}")
        compared += len(from_log)
    negatives = {row[0] for row in t.negatives(log_db)}
    for owner in sorted(negatives):
        from_log = lookup(log_db, owner, negative=True)
        from_pcap = lookup(pcap_db, owner, negative=True)
        missing = from_log - from_pcap
        assert not missing, (f"{name}: negative {owner} {sorted(missing)} read from the log "
                             f"but not from {capture}, which has {sorted(from_pcap)}")
        compared += len(from_log)
    print(f"{name}: {compared} records and negatives also in {os.path.basename(capture)}")
    return compared


def main():
    corpus = t.corpus_dir("zeek/btest")
    corpus = os.path.dirname(os.path.dirname(corpus))
    pairs = baseline_pairs(corpus)
    assert len(pairs) >= 15, f"MANIFEST.tsv ties only {len(pairs)} baselines to captures"
    tmp = t.scratch()
    if not ingest_accepts_zeek(tmp, with_real_ts(pairs[0][1], tmp)):
        shutil.rmtree(tmp)
        t.skip("dragnet ingest does not read Zeek dns.log files yet")
    total = sum(check_pair(capture, baseline, tmp) for capture, baseline in pairs)
    # The baselines hold CNAME chains, A, SPF, NXDOMAIN and NODATA answers.
    assert total >= 20, f"only {total} records compared"
    print(f"{total} records and negatives from {len(pairs)} baselines found in the captures")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
