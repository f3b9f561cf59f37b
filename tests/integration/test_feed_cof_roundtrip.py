#!/usr/bin/env python3
"""Round trip through COF and SAF: `dragnet pdns --json` output read back.

Every capture under $DRAGNET_CORPUS/pcap is ingested into one store. `dragnet
pdns --json` (and --negative) then prints every stored record and negative
answer as COF, one lookup per top-level domain; those lines are read here
with Python's json module and must cover the store's rows one for one. The
test then checks that:

1. the COF reader (tests/tools/feed_dump, FEED_DUMP) turns the lines into
   exactly the records and negatives that pdns printed;
2. the same lines wrapped as DNSDB SAF ({"cond":"begin"}, {"obj":...},
   {"cond":"succeeded"}) give the same records, and that a stream cut short,
   one ending "limited" and one ending "failed", and a line after the
   terminator are reported as such;
3. `dragnet ingest` of the COF file, and of the SAF file, into fresh stores
   gives back the first store's records, times, counts and bailiwicks.

Environment: DRAGNET is the dragnet binary, FEED_DUMP the feed_dump tool,
DRAGNET_CORPUS the corpus folder, TMPDIR the scratch folder. Exit status 0 when
everything matches, 1 on a mismatch, 77 (skipped) when the corpus or
feed_dump is missing.
"""

import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnstest  # noqa: E402 pylint: disable=wrong-import-position

# dragnet ingest exits 0, or 3 when it skipped damaged input (some corpus
# captures are damaged on purpose).
INGEST_OK = (0, 3)
LIMITED_MSG = "Result limit reached"
FAILED_MSG = "Query timed out"


def ingest(db, *paths):
    proc = dnstest.run("ingest", "-q", *paths, db=db)
    if proc.returncode not in INGEST_OK:
        raise AssertionError(f"dragnet ingest {paths[:3]}... exited {proc.returncode}: "
                             f"{proc.stderr.strip()}")


def labels_of(name):
    """The labels of a presentation-form name, with their escapes."""
    labels, label, i = [], "", 0
    while i < len(name):
        if name[i] == "\\":
            width = 4 if name[i + 1:i + 4].isdigit() else 2
            label += name[i:i + width]
            i += width
        elif name[i] == ".":
            labels.append(label)
            label, i = "", i + 1
        else:
            label += name[i]
            i += 1
    labels.append(label)
    return [part for part in labels if part]


def lookup_pattern(name):
    """A pdns lookup that finds name: the root or a top-level domain
    itself, or every name below its top-level domain."""
    labels = labels_of(name)
    if not labels:
        return "."
    if len(labels) == 1:
        return labels[0] + "."
    return "*." + labels[-1]


def pdns_lines(db, negative):
    """Every COF line pdns prints for the store, from as few lookups as the
    stored names need."""
    names = [row[0] for row in (dnstest.negatives(db) if negative else dnstest.rrsets(db))]
    lines = []
    for pattern in sorted({lookup_pattern(name) for name in names}):
        args = ["pdns", "--json", "--limit", "0", pattern]
        if negative:
            args.insert(1, "--negative")
        proc = dnstest.run(*args, db=db)
        if proc.returncode != 0:
            raise AssertionError(f"dragnet {' '.join(args)} exited {proc.returncode}: "
                                 f"{proc.stderr.strip()}")
        lines += proc.stdout.splitlines()
    return lines


def feed_dump(path, fmt):
    proc = subprocess.run([os.environ["FEED_DUMP"], fmt, path], capture_output=True, text=True,
                          timeout=120, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"feed_dump {fmt} {path} failed: {proc.stderr.strip()}")
    items = [json.loads(line) for line in proc.stdout.splitlines()]
    return ([i for i in items if "rrname" in i], [i for i in items if "status" in i],
            items[-1])


def store_rows(db):
    """Records and negatives of a store, without the source."""
    records = sorted(((name, rrtype, bailiwick or None, rdata, first, last, count)
                      for name, rrtype, bailiwick, rdata, first, last, count
                      in dnstest.rrsets(db)), key=repr)
    negatives = sorted(((name, qtype, rcode, bailiwick or None, first, last, count)
                        for name, qtype, rcode, bailiwick, first, last, count
                        in dnstest.negatives(db)), key=repr)
    return records, negatives


def parsed_rows(items):
    records = sorted(((i["rrname"], i["rrtype"], i["bailiwick"], i["rdata"], i["time_first"],
                       i["time_last"], i["count"]) for i in items if not i.get("negative")),
                     key=repr)
    negatives = sorted(((i["rrname"], i["rrtype"], i["rcode"], i["bailiwick"], i["time_first"],
                         i["time_last"], i["count"]) for i in items if i.get("negative")),
                       key=repr)
    return records, negatives


def printed_rows(lines):
    """What pdns printed, read with json: the fields that name no type
    number, which the store rows supply."""
    records, negatives = [], []
    for line in lines:
        obj = json.loads(line)
        key = (obj["rrname"], obj.get("bailiwick"), obj["time_first"], obj["time_last"],
               obj["count"])
        if "rcode" in obj:
            negatives.append(key + (obj["rrtype"], obj["rcode"]))
        else:
            records.append(key + (obj["rrtype"], obj["rdata"]))
    return sorted(records, key=repr), sorted(negatives, key=repr)


def check(problems, condition, message):
    if not condition:
        problems.append(message)


def compare_parsed(problems, label, items, store):
    got = parsed_rows(items)
    check(problems, got[0] == store[0],
          f"{label}: records differ from the store: "
          f"{sorted(set(got[0]) ^ set(store[0]), key=repr)[:5]}")
    check(problems, got[1] == store[1],
          f"{label}: negatives differ from the store: "
          f"{sorted(set(got[1]) ^ set(store[1]), key=repr)[:5]}")


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
    return path


def main():
    corpus = dnstest.corpus_dir("pcap")
    if not os.access(os.environ.get("FEED_DUMP", ""), os.X_OK):
        dnstest.skip("FEED_DUMP does not name tests/tools/feed_dump; run the test through "
                     "ctest")
    work = dnstest.scratch()
    problems = []

    captures = sorted(glob.glob(os.path.join(corpus, "**", "*.pcap*"), recursive=True))
    db = os.path.join(work, "a.db")
    ingest(db, *captures)
    store = store_rows(db)
    record_lines = pdns_lines(db, negative=False)
    negative_lines = pdns_lines(db, negative=True)
    cof_lines = record_lines + negative_lines
    print(f"{len(captures)} captures: {len(store[0])} records and {len(store[1])} negatives "
          f"stored, {len(cof_lines)} COF lines printed")

    # pdns printed each row once. Apart from type and rcode names, which the
    # store keeps as numbers, the printed fields are the store's.
    printed = printed_rows(cof_lines)
    check(problems, len(printed[0]) == len(store[0]) and len(printed[1]) == len(store[1]),
          f"pdns printed {len(printed[0])} records and {len(printed[1])} negatives for "
          f"{len(store[0])} and {len(store[1])} stored")
    stored_keys = sorted(((r[0], r[2], r[4], r[5], r[6], r[3]) for r in store[0]), key=repr)
    check(problems, stored_keys == sorted(((p[0], p[1], p[2], p[3], p[4], p[6])
                                           for p in printed[0]), key=repr),
          "the records pdns printed are not the stored ones")
    check(problems, sorted(((n[0], n[3], n[4], n[5], n[6]) for n in store[1]), key=repr) ==
          sorted((p[:5] for p in printed[1]), key=repr),
          "the negatives pdns printed are not the stored ones")

    # 1. COF.
    cof_path = write_lines(os.path.join(work, "records.cof.json"), cof_lines)
    items, errors, end = feed_dump(cof_path, "cof")
    check(problems, not errors, f"COF: lines reported as bad: {errors[:3]}")
    check(problems, end == {"end": "OK"}, f"COF: end() gave {end}")
    compare_parsed(problems, "COF", items, store)
    auto_items, _, _ = feed_dump(cof_path, "auto")
    check(problems, len(auto_items) == len(items), "COF is not detected as cof")

    # 2. SAF, whole and damaged.
    objs = ['{"obj":' + line + "}" for line in cof_lines]
    saf_lines = ['{"cond":"begin"}'] + objs + ['{"cond":"succeeded"}']
    saf_path = write_lines(os.path.join(work, "records.saf.json"), saf_lines)
    items, errors, end = feed_dump(saf_path, "auto")
    check(problems, not errors, f"SAF: lines reported as bad: {errors[:3]}")
    check(problems, end == {"end": "OK"}, f"SAF: end() gave {end}")
    compare_parsed(problems, "SAF", items, store)

    cases = [
        ("cut short", saf_lines[:-1], "EMALF", "cut short"),
        ("limited", saf_lines[:-1] + ['{"cond":"limited","msg":"' + LIMITED_MSG + '"}'],
         "ELIMIT", LIMITED_MSG),
        ("failed", saf_lines[:-1] + ['{"cond":"failed","msg":"' + FAILED_MSG + '"}'],
         "EMALF", FAILED_MSG),
    ]
    for label, lines, status, message in cases:
        path = write_lines(os.path.join(work, f"saf-{label.replace(' ', '-')}.json"), lines)
        items, errors, end = feed_dump(path, "saf")
        compare_parsed(problems, f"SAF {label}", items, store)
        check(problems, end.get("end") == status and message in end.get("message", ""),
              f"SAF {label}: end() gave {end}, expected {status} naming {message!r}")
    path = write_lines(os.path.join(work, "saf-after-end.json"), saf_lines + [objs[0]])
    _, errors, end = feed_dump(path, "saf")
    check(problems, [e["line"] for e in errors] == [len(saf_lines) + 1] and
          errors[0]["status"] == "EMALF", f"SAF line after the terminator: {errors}")
    check(problems, end == {"end": "OK"}, f"SAF line after the terminator: end() gave {end}")

    # 3. Ingest of the COF and SAF files.
    for label, path in (("COF", cof_path), ("SAF", saf_path)):
        again = os.path.join(work, f"{label.lower()}.db")
        ingest(again, path)
        rows = store_rows(again)
        check(problems, rows[0] == store[0],
              f"ingest of {label}: records differ: {sorted(set(rows[0]) ^ set(store[0]), key=repr)[:5]}")
        check(problems, rows[1] == store[1],
              f"ingest of {label}: negatives differ: {sorted(set(rows[1]) ^ set(store[1]), key=repr)[:5]}")

    for problem in problems:
        print("FAIL:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
