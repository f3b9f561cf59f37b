"""Logs and other providers' exports in dragnet ingest: format detection by
content (from a file, from standard input, gzip compressed), --format, bad
input, and provenance across sources.

- Each of the six text formats is recognised from its content alone, and a
  file, the same bytes on standard input and the same bytes gzip compressed
  on standard input store the same records.
- A Zeek TSV log, the same events written as Zeek JSON and as Suricata eve
  v1 records (converted here, field by field) store the same records.
- A COF export wrapped as a DNSDB SAF stream stores what the COF file does;
  a SAF stream cut before its terminator exits 3 and keeps what came before.
- Text in no known format, and a format named wrongly with --format, are
  reported with the file name and the reason.
- The samples imported as four sources in two different orders give the
  same store, and each merged record is the minimum, maximum and sum of the
  per-source figures, which each source alone stores.
"""

import datetime
import gzip
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnstest  # noqa: E402
from dnstest import run  # noqa: E402


def read_zeek_tsv(path):
    """The data lines of a Zeek TSV log as dicts keyed by field name."""
    fields, rows = None, []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields\t"):
                fields = line.split("\t")[1:]
            elif line and not line.startswith("#"):
                rows.append(dict(zip(fields, line.split("\t"))))
    return rows


def zeek_json_lines(rows):
    """Zeek's JSON form of the rows: unset fields left out, vectors as arrays."""
    out = []
    for row in rows:
        obj = {}
        for key, value in row.items():
            if value == "-":
                continue
            if key in ("answers", "TTLs"):
                items = value.split(",")
                obj[key] = [float(v) for v in items] if key == "TTLs" else items
            elif key in ("AA", "TC", "RD", "RA", "rejected"):
                obj[key] = value == "T"
            elif key in ("ts", "rtt"):
                obj[key] = float(value)
            elif key in ("id.orig_p", "id.resp_p", "trans_id", "qclass", "qtype", "rcode", "Z"):
                obj[key] = int(value)
            else:
                obj[key] = value
        out.append(json.dumps(obj))
    return out


def eve_v1_lines(rows):
    """Suricata's eve v1 form: one event per answer, each naming its owner.
    The owners of a CNAME chain are worked out here from the order Zeek
    logged the answers in."""
    out = []
    for row in rows:
        ts = datetime.datetime.fromtimestamp(float(row["ts"]), datetime.timezone.utc)
        base = {"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%f+0000"), "event_type": "dns",
                "src_ip": row["id.resp_h"], "src_port": 53, "dest_ip": row["id.orig_h"],
                "dest_port": int(row["id.orig_p"]), "proto": "UDP"}
        # Suricata logs the query first; a failure event names no type.
        query = {**base, "src_ip": base["dest_ip"], "dest_ip": base["src_ip"],
                 "dns": {"type": "query", "id": int(row["trans_id"]), "rrname": row["query"],
                         "rrtype": row["qtype_name"], "tx_id": 0}}
        out.append(json.dumps(query))
        if row["rcode_name"] != "NOERROR":
            out.append(json.dumps({**base, "dns": {"type": "answer",
                                                   "id": int(row["trans_id"]),
                                                   "rcode": row["rcode_name"],
                                                   "rrname": row["query"]}}))
            continue
        owner = row["query"]
        for answer in row["answers"].split(","):
            is_address = answer.replace(".", "").isdigit() or ":" in answer
            rrtype = ("AAAA" if ":" in answer else "A") if is_address else "CNAME"
            out.append(json.dumps({**base, "dns": {"type": "answer",
                                                   "id": int(row["trans_id"]),
                                                   "rcode": "NOERROR", "rrname": owner,
                                                   "rrtype": rrtype, "ttl": 300,
                                                   "rdata": answer}}))
            if rrtype == "CNAME":
                owner = answer
    return out


def records(db):
    return [row[:7] for row in dnstest.rrsets(db)], dnstest.negatives(db)


def ingest(tmp, name, *args, data=None, check=0):
    db = os.path.join(tmp, name + ".db")
    proc = run("ingest", *args, db=db, check=check, input=data)
    log = proc.stderr
    return db, log.decode() if isinstance(log, bytes) else log


def test_detection(tmp):
    rows = read_zeek_tsv(dnstest.sample("branch-office.dns.log"))
    zeek_json = os.path.join(tmp, "zeek.json.log")
    with open(zeek_json, "w") as f:
        f.write("\n".join(zeek_json_lines(rows)) + "\n")
    eve = os.path.join(tmp, "eve.json")
    with open(eve, "w") as f:
        f.write("\n".join(eve_v1_lines(rows)) + "\n")
    cof = dnstest.sample("provider-export.json")
    saf = os.path.join(tmp, "export.saf")
    with open(cof) as src, open(saf, "w") as dst:
        dst.write('{"cond":"begin"}\n')
        for line in src:
            dst.write('{"obj":' + line.strip() + "}\n")
        dst.write('{"cond":"succeeded"}\n')

    inputs = [(dnstest.sample("branch-office.dns.log"), "zeek-tsv"), (zeek_json, "zeek-json"),
              (eve, "eve"), (dnstest.sample("passivedns-sample.log"), "passivedns"),
              (cof, "cof"), (saf, "saf")]
    for path, fmt in inputs:
        db, log = ingest(tmp, fmt + "-file", "--source", "s", path)
        assert f" {fmt} lines" in log, f"{path} not read as {fmt}:\n{log}"
        want = records(db)
        assert want[0], f"{fmt}: nothing stored"
        with open(path, "rb") as f:
            data = f.read()
        db, log = ingest(tmp, fmt + "-stdin", "--source", "s", "-", data=data)
        assert f" {fmt} lines" in log, f"standard input not read as {fmt}:\n{log}"
        assert records(db) == want, f"{fmt}: standard input stores something else"
        db, log = ingest(tmp, fmt + "-gzip", "--source", "s", "-", data=gzip.compress(data))
        assert f" {fmt} lines" in log, f"gzip on standard input not read as {fmt}:\n{log}"
        assert records(db) == want, f"{fmt}: gzip input stores something else"

    # One set of events in three formats: the same records.
    tsv = records(os.path.join(tmp, "zeek-tsv-file.db"))
    assert records(os.path.join(tmp, "zeek-json-file.db")) == tsv, "Zeek JSON differs from TSV"
    eve_records = records(os.path.join(tmp, "eve-file.db"))
    assert eve_records[0] == tsv[0], "eve v1 records differ from Zeek's"
    assert [n[:3] for n in eve_records[1]] == [n[:3] for n in tsv[1]], "negatives differ"
    # COF and the same objects as SAF.
    assert records(os.path.join(tmp, "saf-file.db")) == records(os.path.join(tmp, "cof-file.db"))
    print(f"{len(inputs)} formats detected from files, standard input and gzip")


def test_bad_input(tmp):
    text = os.path.join(tmp, "notes.txt")
    with open(text, "w") as f:
        f.write("this is a shopping list\nnot a log at all\n")
    _db, log = ingest(tmp, "text", text, check=3)
    assert f"{text}: not a capture or dnstap, and text in none of the log formats" in log, log

    cof = dnstest.sample("provider-export.json")
    _db, log = ingest(tmp, "wrong-format", "--format", "saf", cof, check=3)
    assert "line 1:" in log, log

    # A log given the wrong format: no line reads, exit 3, the right format named.
    _db, log = ingest(tmp, "wrong-zeek", "--format", "eve",
                      dnstest.sample("branch-office.dns.log"), check=3)
    assert "no line could be read as eve; the content looks like zeek-tsv" in log, log

    proc = run("ingest", "--format", "csv", cof, db=os.path.join(tmp, "x.db"), check=2)
    assert "unknown --format 'csv'" in proc.stderr, proc.stderr

    # A SAF stream cut short: records before the cut stay, exit 3.
    lines = open(cof).read().splitlines()
    cut = os.path.join(tmp, "cut.saf")
    with open(cut, "w") as f:
        f.write('{"cond":"begin"}\n')
        for line in lines[:2]:
            f.write('{"obj":' + line + "}\n")
    db, log = ingest(tmp, "cut", cut, check=3)
    assert "cut short" in log, log
    rrnames = {row[0] for row in dnstest.rrsets(db)}
    assert "login.paypa1-secure.example." in rrnames, rrnames

    # A Zeek line with a broken time is named and skipped; the rest is read.
    rows = open(dnstest.sample("branch-office.dns.log")).read().splitlines()
    first_data = next(i for i, line in enumerate(rows) if not line.startswith("#"))
    rows[first_data] = "not-a-time" + rows[first_data][rows[first_data].index("\t"):]
    broken = os.path.join(tmp, "broken.dns.log")
    with open(broken, "w") as f:
        f.write("\n".join(rows) + "\n")
    db, log = ingest(tmp, "broken", broken)
    assert f"line {first_data + 1}:" in log, log
    assert "1 line: skipped, cannot be read" in log, log
    assert dnstest.rrsets(db), "nothing stored after one bad line"


def test_text_variants(tmp):
    """Windows line ends, a byte order mark, UTF-8 names, joined SAF streams,
    and counts or times no provider can mean."""
    zeek = dnstest.sample("branch-office.dns.log")
    want, _ = records(ingest(tmp, "zeek", "--source", "s", zeek)[0])
    crlf = os.path.join(tmp, "crlf.dns.log")
    with open(zeek) as src, open(crlf, "w", newline="") as dst:
        dst.write(src.read().replace("\n", "\r\n"))
    db, log = ingest(tmp, "crlf", "--source", "s", crlf)
    assert " zeek-tsv lines" in log, log
    assert records(db)[0] == want, "CRLF line ends change the records"

    cof = dnstest.sample("provider-export.json")
    cof_want, _ = records(ingest(tmp, "cof", "--source", "s", cof)[0])
    bom = os.path.join(tmp, "bom.json")
    with open(cof, "rb") as src, open(bom, "wb") as dst:
        dst.write(b"\xef\xbb\xbf" + src.read())
    db, log = ingest(tmp, "bom", "--source", "s", bom)
    assert "skipped" not in log, log
    assert records(db)[0] == cof_want, "a byte order mark loses a record"

    odd = os.path.join(tmp, "odd.json")
    with open(odd, "w") as f:
        f.write('{"count":1,"time_first":1700000000,"time_last":1700000001,"rrtype":"A",'
                '"rrname":"b\u00fccher.example.","rdata":"192.0.2.1"}\n')
        f.write('{"count":9223372036854775807,"time_first":1,"time_last":2,"rrtype":"A",'
                '"rrname":"big.example.","rdata":"192.0.2.2"}\n')
        f.write('{"count":1,"time_first":-100,"time_last":2,"rrtype":"A",'
                '"rrname":"early.example.","rdata":"192.0.2.3"}\n')
        f.write('{"count":1,"time_first":1,"time_last":99999999999999,"rrtype":"A",'
                '"rrname":"late.example.","rdata":"192.0.2.4"}\n')
    db, log = ingest(tmp, "odd", odd)
    assert [row[0] for row in dnstest.rrsets(db)] == ["xn--bcher-kva.example."], log
    assert "line 2: count 9223372036854775807 is implausibly large" in log, log
    assert "line 3: time -100 is before 1970 or after 2199" in log, log
    assert "line 4: time 99999999999999" in log, log
    found = run("pdns", "--json", "bücher.example", db=db, check=0).stdout
    assert '"rrname":"xn--bcher-kva.example."' in found, found

    saf = os.path.join(tmp, "joined.saf")
    lines = open(cof).read().splitlines()
    with open(saf, "w") as f:
        for part in (lines[:2], lines[2:]):
            f.write('{"cond":"begin"}\n')
            for line in part:
                f.write('{"obj":' + line + "}\n")
            f.write('{"cond":"succeeded"}\n')
    db, log = ingest(tmp, "joined", "--source", "s", saf)
    assert records(db)[0] == cof_want, "joined SAF streams lose records"


SOURCES = [("resolver", "phishing-campaign.pcap.gz"), ("branch-zeek", "branch-office.dns.log"),
           ("acme-pdns", "provider-export.json"), ("tap", "resolver-tap.fstrm")]


def test_provenance(tmp):
    forward = os.path.join(tmp, "forward.db")
    backward = os.path.join(tmp, "backward.db")
    singles = {}
    for name, file in SOURCES:
        run("ingest", "--source", name, dnstest.sample(file), db=forward, check=0)
        single = os.path.join(tmp, f"only-{name}.db")
        run("ingest", "--source", name, dnstest.sample(file), db=single, check=0)
        singles[name] = {row[:4]: row[4:7] for row in dnstest.rrsets(single)}
    for name, file in reversed(SOURCES):
        run("ingest", "--source", name, dnstest.sample(file), db=backward, check=0)
    assert dnstest.rrsets(forward) == dnstest.rrsets(backward), "import order changed the store"
    assert dnstest.rrset_sources(forward) == dnstest.rrset_sources(backward)

    merged = {row[:4]: row[4:7] for row in dnstest.rrsets(forward)}
    for key, (first, last, count) in merged.items():
        seen = [single[key] for single in singles.values() if key in single]
        assert seen, f"{key} stored but no single source has it"
        assert first == min(s[0] for s in seen), key
        assert last == max(s[1] for s in seen), key
        assert count == sum(s[2] for s in seen), key
    # The campaign's addresses as the samples tell it.
    def sources_of(rdata):
        return sorted(name for name, single in singles.items()
                      if ("login.paypa1-secure.example.", 1, "", rdata) in single or
                      ("login.paypa1-secure.example.", 1, "paypa1-secure.example.", rdata)
                      in single)
    assert sources_of("203.0.113.10") == ["acme-pdns", "resolver"]
    assert sources_of("203.0.113.11") == ["branch-zeek", "resolver"]
    assert sources_of("198.51.100.23") == ["branch-zeek", "resolver", "tap"]
    kinds = dict(dnstest.sources(forward))
    assert kinds["acme-pdns"] == "provider", kinds
    assert kinds["branch-zeek"] == "sensor", kinds


def main():
    for test in (test_detection, test_bad_input, test_text_variants, test_provenance):
        tmp = dnstest.scratch()
        test(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"{test.__name__}: ok")


if __name__ == "__main__":
    main()
