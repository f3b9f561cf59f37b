#!/usr/bin/env python3
"""Check the eve reader against suricata-verify's checks and tshark.

Each test folder under $DRAGNET_CORPUS/suricata/verify contains checks on the
eve.json that Suricata writes for the folder's input.pcap: test.yaml for the
v3 layout of Suricata 8 and, where present, test.v2.yaml for the v2 layout.
A check states that exactly `count` eve records match every dotted key of its
`match` map. For each check on a DNS response, this test turns the keys back
into one eve line. The lines are derived from the checks, not written by
Suricata: an entry that a check describes only in part stays incomplete,
a check without dns.type gets its layout's type ("response" or "answer"),
and every line gets the same made-up timestamp.

feed_dump (FEED_DUMP) reads the lines with the eve parser, and the test
checks that:

1. each answer and authority entry that the check describes in full becomes
   exactly the record its keys give, read here independently of the parser
   (TXT entries with a neighbour of the same owner and TTL, MX entries, the
   entries of responses with an opcode other than QUERY and authority
   entries other than NS and SOA give none, as the parser documents);
2. every record that the checks give and every record the parser gives is
   in tshark's decode of the answer and authority sections of input.pcap;
3. the same line with "grouped" and without "answers" gives some of the
   records of check 1 and nothing else, and not nothing when the answer has
   at most one CNAME and a record of the question type.

Environment: FEED_DUMP is tests/tools/feed_dump, DRAGNET_CORPUS the corpus
folder, TMPDIR the scratch folder. Exit status 0 when everything matches, 1
on a mismatch, and 77 (skipped) when the corpus, feed_dump, tshark or PyYAML
is missing. Tested with tshark 4.0.17 and PyYAML 6.0.
"""

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXIT_SKIPPED = 77
TIMESTAMP = "2024-01-01T00:00:00.000000+0000"
TIMESTAMP_EPOCH = 1704067200

TYPE_NUMBERS = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "NULL": 10, "PTR": 12, "MX": 15,
                "TXT": 16, "AAAA": 28, "SRV": 33, "SSHFP": 44}
TYPE_NAMES = {number: name for name, number in TYPE_NUMBERS.items()}
NAME_TYPES = ("CNAME", "NS", "PTR")


def skip(reason):
    print(f"SKIPPED: {reason}")
    sys.exit(EXIT_SKIPPED)


class JsonObject(list):
    """A JSON object kept as its (key, value) pairs, since tshark repeats
    keys: two records with the same summary, and one "dns.txt" per string."""

    def get(self, key, default=None):
        for name, value in self:
            if name == key:
                return value
        return default

    def get_all(self, key):
        return [value for name, value in self if name == key]


# ---- Canonical records: (owner bytes, type name, rdata) ----

def suricata_bytes(text):
    """The bytes behind a string Suricata wrote: valid UTF-8 is written as it
    is; otherwise each byte of 0x80 or more is written as "\\xNN"."""
    if any(ord(c) >= 0x80 for c in text):
        return text.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(text):
        m = re.match(r"\\x([89a-f][0-9a-f])", text[i:i + 4])
        if m:
            out.append(int(m.group(1), 16))
            i += 4
        else:
            out.append(ord(text[i]))
            i += 1
    return bytes(out)


def suricata_name(text):
    return suricata_bytes(text).lower().rstrip(b".")


def unescape_presentation(text):
    """Bytes of a presentation-form name or string (RFC 1035 section 5.1)."""
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if text[i + 1:i + 4].isdigit() and len(text[i + 1:i + 4]) == 3:
                out.append(int(text[i + 1:i + 4]))
                i += 4
            else:
                out += text[i + 1].encode("latin-1")
                i += 2
        else:
            out += text[i].encode("latin-1")
            i += 1
    return bytes(out)


def presentation_name(text):
    assert text.endswith("."), f"name {text!r} is not absolute"
    return b"" if text == "." else unescape_presentation(text[:-1]).lower()


def presentation_strings(text):
    """The character-strings of TXT rdata in quotes."""
    strings = []
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', text):
        strings.append(unescape_presentation(m.group(1)))
    return tuple(strings)


def generic_bytes(text):
    """Bytes of RFC 3597 generic rdata, "\\# N HEX"."""
    parts = text.split()
    assert parts[0] == "\\#", f"{text!r} is not in the generic form"
    data = bytes.fromhex("".join(parts[2:]))
    assert len(data) == int(parts[1]), f"{text!r}: wrong length"
    return data


def parsed_record(rrname, rrtype, rdata):
    """A record as feed_dump prints it, in canonical form."""
    name = TYPE_NAMES.get(rrtype, str(rrtype))
    if name in ("A", "AAAA"):
        value = ipaddress.ip_address(rdata)
    elif name in NAME_TYPES:
        value = presentation_name(rdata)
    elif name == "TXT":
        value = presentation_strings(rdata)
    elif name == "NULL":
        value = generic_bytes(rdata)
    elif name == "SOA":
        parts = rdata.split()
        value = (presentation_name(parts[0]), presentation_name(parts[1]),
                 *map(int, parts[2:]))
    elif name == "SRV":
        parts = rdata.split()
        value = (*map(int, parts[:3]), presentation_name(parts[3]))
    elif name == "SSHFP":
        if rdata.startswith("\\#"):
            data = generic_bytes(rdata)
            value = (data[0], data[1], data[2:])
        else:
            parts = rdata.split()
            value = (int(parts[0]), int(parts[1]), bytes.fromhex("".join(parts[2:])))
    else:
        raise AssertionError(f"unexpected record type {rrtype} from the parser")
    return (presentation_name(rrname), name, value)


def entry_record(entry):
    """The record an eve answer entry describes, read from its keys; None
    when Suricata logs no rdata for the type or the check leaves some out."""
    if not isinstance(entry, dict) or "rrname" not in entry or "rrtype" not in entry:
        return None
    name, rrtype = entry["rrname"], entry["rrtype"]
    owner = suricata_name(name)

    if rrtype in ("A", "AAAA"):
        if not entry.get("rdata"):
            return None
        return (owner, rrtype, ipaddress.ip_address(entry["rdata"]))
    if rrtype in NAME_TYPES and "rdata" in entry:
        return (owner, rrtype, suricata_name(entry["rdata"]))
    if rrtype == "TXT" and "rdata" in entry:
        return (owner, rrtype, (suricata_bytes(entry["rdata"]),))
    if rrtype == "NULL" and "rdata" in entry:
        return (owner, rrtype, suricata_bytes(entry["rdata"]))

    fields = {
        "SOA": ("soa", ("mname", "rname", "serial", "refresh", "retry", "expire", "minimum")),
        "SRV": ("srv", ("priority", "weight", "port", "name")),
        "SSHFP": ("sshfp", ("algo", "type", "fingerprint")),
    }
    if rrtype not in fields:
        return None
    key, needed = fields[rrtype]
    obj = entry.get(key)
    if not isinstance(obj, dict) or any(k not in obj for k in needed):
        return None

    if rrtype == "SOA":
        return (owner, rrtype, (suricata_name(obj["mname"]), suricata_name(obj["rname"]),
                                *(obj[k] for k in needed[2:])))
    if rrtype == "SRV":
        return (owner, rrtype, (obj["priority"], obj["weight"], obj["port"],
                                suricata_name(obj["name"])))
    return (owner, rrtype, (obj["algo"], obj["type"],
                            bytes.fromhex(obj["fingerprint"].replace(":", ""))))


def entry_complete(entry):
    """False when the check gives an entry of a type with logged rdata
    without all of that rdata."""
    if not isinstance(entry, dict):
        return False
    if entry.get("rrtype") in ("MX",) or entry.get("rrtype") not in TYPE_NUMBERS:
        return "rrname" in entry and "rrtype" in entry
    return entry_record(entry) is not None


def same_txt(a, b):
    return (isinstance(a, dict) and isinstance(b, dict) and a.get("rrtype") == "TXT" and
            b.get("rrtype") == "TXT" and a.get("ttl") == b.get("ttl") and
            suricata_name(a.get("rrname", "")) == suricata_name(b.get("rrname", "")))


def expected_records(dns):
    """The records check 1 expects from a dns object."""
    if dns.get("opcode", 0) != 0:
        return []
    records = []
    answers = dns.get("answers", [])
    for i, entry in enumerate(answers):
        neighbours = answers[max(i - 1, 0):i] + answers[i + 1:i + 2]
        if any(same_txt(entry, other) for other in neighbours):
            continue
        record = entry_record(entry)
        if record is not None:
            records.append(record)
    for entry in dns.get("authorities", []):
        if isinstance(entry, dict) and entry.get("rrtype") in ("NS", "SOA"):
            record = entry_record(entry)
            if record is not None:
                records.append(record)
    return records


# ---- Lines from checks ----

def set_path(root, key, value):
    """Set a dotted key such as dns.answers[0].rrname inside root."""
    steps = []
    for part in key.split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", part)
        if m is None:
            raise AssertionError(f"cannot read the check key {key!r}")
        steps.append(m.group(1))
        steps += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    node = root
    for step, following in zip(steps, steps[1:]):
        empty = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            while len(node) <= step:
                node.append(None)
            if node[step] is None:
                node[step] = empty
            node = node[step]
        else:
            node = node.setdefault(step, empty)
    last = steps[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
        node[last] = value
    else:
        node[last] = value


def check_lines(path, v2_file):
    """Eve lines derived from the checks on DNS responses in one test file,
    and the layout's dns.type. A test.yaml for Suricata before 8 and every
    test.v2.yaml describe the v2 layout."""
    import yaml  # pylint: disable=import-outside-toplevel

    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    min_version = str((doc.get("requires") or {}).get("min-version", "0"))
    v3 = not v2_file and int(min_version.split(".")[0]) >= 8
    layout_type = "response" if v3 else "answer"
    lines = []
    for check in doc.get("checks", []):
        flt = check.get("filter")
        if not flt:
            continue
        requires = flt.get("requires") or {}
        # Checks for Suricata before 8 in a v3 file describe the older layout.
        if layout_type == "response" and "lt-version" in requires:
            continue
        match = flt.get("match") or {}
        if match.get("event_type", "dns") != "dns":
            continue
        keys = {k: v for k, v in match.items()
                if k.startswith("dns.") and "__" not in k and "has-key" not in k}
        if not any(k.startswith(("dns.answers", "dns.grouped", "dns.authorities"))
                   for k in keys):
            continue
        if keys.get("dns.type", layout_type) not in ("response", "answer"):
            continue
        event = {"timestamp": TIMESTAMP, "event_type": "dns"}
        for key, value in sorted(keys.items()):
            set_path(event, key, value)
        event["dns"].setdefault("type", layout_type)
        for section in ("answers", "authorities"):
            if None in event["dns"].get(section, []):
                raise AssertionError(f"{path}: a check names {section} with a gap")
        lines.append(event)
    return lines, layout_type


# ---- Running the parser and tshark ----

def feed_dump(tool, events, scratch_dir, name):
    path = os.path.join(scratch_dir, name)
    with open(path, "w", encoding="utf-8") as f:
        for event in events:
            f.write(json.dumps(event, ensure_ascii=False) + "\n")
    proc = subprocess.run([tool, "eve", path], capture_output=True, text=True, timeout=60,
                          check=False)
    if proc.returncode != 0:
        raise AssertionError(f"feed_dump failed on {path}: {proc.stderr.strip()}")
    by_line = {}
    for text in proc.stdout.splitlines():
        item = json.loads(text)
        if "line" in item:
            by_line.setdefault(item["line"], []).append(item)
    return by_line


def tshark_records(pcap):
    """Canonical records of the answer and authority sections of every
    response tshark decodes in pcap, and the (qname, qtype, rcode) of each."""
    proc = subprocess.run(["tshark", "-n", "-r", pcap, "-T", "json", "-O", "dns",
                           "-Y", "dns.flags.response == 1"],
                          capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"tshark failed on {pcap}: {proc.stderr.strip()}")
    packets = json.loads(proc.stdout, object_pairs_hook=JsonObject)
    records, questions = set(), set()
    for packet in packets:
        for layer_name, dns in packet.get("_source").get("layers"):
            if layer_name != "dns":
                continue
            rcode = int(dns.get("dns.flags_tree").get("dns.flags.rcode", "0"))
            for _, query in dns.get("Queries", JsonObject()):
                questions.add((query.get("dns.qry.name").lower().encode(),
                               int(query.get("dns.qry.type")), rcode))
            for section in ("Answers", "Authoritative nameservers"):
                for _, rr in dns.get(section, JsonObject()):
                    record = tshark_record(rr)
                    if record is not None:
                        records.add(record)
    return records, questions


def tshark_name(text):
    return b"" if text == "<Root>" else text.lower().encode("latin-1")


def tshark_record(rr):
    rrtype = TYPE_NAMES.get(int(rr.get("dns.resp.type")))
    owner = tshark_name(rr.get("dns.resp.name"))
    if rrtype == "A":
        return (owner, rrtype, ipaddress.ip_address(rr.get("dns.a")))
    if rrtype == "AAAA":
        return (owner, rrtype, ipaddress.ip_address(rr.get("dns.aaaa")))
    if rrtype in ("CNAME", "NS"):
        return (owner, rrtype, tshark_name(rr.get("dns." + rrtype.lower())))
    if rrtype == "PTR":
        return (owner, rrtype, tshark_name(rr.get("dns.ptr.domain_name")))
    if rrtype == "TXT":
        return (owner, rrtype, tuple(s.encode("latin-1") for s in rr.get_all("dns.txt")))
    if rrtype == "NULL":
        return (owner, rrtype, bytes.fromhex(rr.get("dns.null", "").replace(":", "")))
    if rrtype == "SOA":
        return (owner, rrtype, (tshark_name(rr.get("dns.soa.mname")),
                                tshark_name(rr.get("dns.soa.rname")),
                                *(int(rr.get("dns.soa." + k)) for k in (
                                    "serial_number", "refresh_interval", "retry_interval",
                                    "expire_limit", "minimum_ttl"))))
    if rrtype == "SRV":
        return (owner, rrtype, (int(rr.get("dns.srv.priority")), int(rr.get("dns.srv.weight")),
                                int(rr.get("dns.srv.port")), tshark_name(rr.get("dns.srv.target"))))
    if rrtype == "SSHFP":
        return (owner, rrtype, (int(rr.get("dns.sshfp.algorithm")),
                                int(rr.get("dns.sshfp.fingerprint.type")),
                                bytes.fromhex(rr.get("dns.sshfp.fingerprint").replace(":", ""))))
    return None


# ---- The checks ----

def compare_test(folder, tool, scratch_dir, problems):
    pcap = os.path.join(folder, "input.pcap")
    layouts = [(os.path.join(folder, "test.yaml"), False)]
    if os.path.exists(os.path.join(folder, "test.v2.yaml")):
        layouts.append((os.path.join(folder, "test.v2.yaml"), True))
    oracle, questions = tshark_records(pcap)
    name = os.path.basename(folder)
    summary = []

    for path, v2_file in layouts:
        events, _ = check_lines(path, v2_file)
        if not events:
            continue
        label = f"{name}/{os.path.basename(path)}"
        got = feed_dump(tool, events, scratch_dir, label.replace("/", "_") + ".json")
        records = 0
        for number, event in enumerate(events, start=1):
            items = got.get(number, [])
            errors = [i for i in items if "status" in i]
            parsed = [i for i in items if "status" not in i]
            dns = event["dns"]
            expected = sorted(expected_records(dns), key=repr)
            complete = all(entry_complete(e) for e in dns.get("answers", []) +
                           dns.get("authorities", []))
            if errors and complete:
                problems.append(f"{label} line {number}: unexpected error {errors}")
            negatives = [i for i in parsed if i.get("negative")]
            for neg in negatives:
                key = (presentation_name(neg["rrname"]), neg["rrtype"], neg["rcode"])
                if key not in questions:
                    problems.append(f"{label} line {number}: negative {key} is not a "
                                    "response tshark decodes")
            records_got = sorted((parsed_record(i["rrname"], i["rrtype"], i["rdata"])
                                  for i in parsed if not i.get("negative")), key=repr)
            for i in parsed:
                if i["time_first"] != TIMESTAMP_EPOCH or i["count"] != 1:
                    problems.append(f"{label} line {number}: wrong time or count {i}")
            if records_got != expected:
                problems.append(f"{label} line {number}: parser gave {records_got}, "
                                f"the check gives {expected}")
            for record in expected + records_got:
                if record not in oracle:
                    problems.append(f"{label} line {number}: {record} is not in tshark's "
                                    f"decode of {pcap}")
            records += len(records_got)
            compare_grouped(label, number, event, expected, tool, scratch_dir, problems)
        summary.append(f"{label}: {len(events)} lines, {records} records")
    return summary


def compare_grouped(label, number, event, expected, tool, scratch_dir, problems):
    """Check 3: the line without "answers" and with "grouped"."""
    dns = event["dns"]
    if "grouped" not in dns or "answers" not in dns:
        return
    grouped_event = json.loads(json.dumps(event))
    del grouped_event["dns"]["answers"]
    got = feed_dump(tool, [grouped_event], scratch_dir, "grouped.json").get(1, [])
    records = [parsed_record(i["rrname"], i["rrtype"], i["rdata"])
               for i in got if "status" not in i and not i.get("negative")]
    for record in records:
        if record not in expected:
            problems.append(f"{label} line {number} without answers: {record} is not one "
                            f"of the records the answers give")
    if "queries" in dns:
        qtype = dns["queries"][0].get("rrtype")
    else:
        qtype = dns.get("rrtype")
    cnames = [e for e in dns["answers"] if e.get("rrtype") == "CNAME"]
    if len(cnames) <= 1 and any(r[1] == qtype for r in expected) and not records:
        problems.append(f"{label} line {number} without answers gave no record")


def main():
    corpus = os.environ.get("DRAGNET_CORPUS", "")
    verify = os.path.join(corpus, "suricata", "verify")
    if not corpus or not os.path.isdir(verify):
        skip(f"{verify or 'DRAGNET_CORPUS'} not found; this test needs ../shared/corpus")
    tool = os.environ.get("FEED_DUMP", "")
    if not tool or not os.access(tool, os.X_OK):
        skip("FEED_DUMP does not name tests/tools/feed_dump; run the test through ctest")
    if shutil.which("tshark") is None:
        skip("tshark not found; install it (Debian package tshark) for the oracle")
    try:
        import yaml  # noqa: F401 pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        skip("PyYAML not found; install python3-yaml to read the suricata-verify checks")

    problems = []
    scratch_dir = tempfile.mkdtemp(prefix="feed-eve-", dir=os.environ.get("TMPDIR"))
    for entry in sorted(os.listdir(verify)):
        folder = os.path.join(verify, entry)
        if os.path.exists(os.path.join(folder, "test.yaml")):
            for line in compare_test(folder, tool, scratch_dir, problems):
                print(line)
    shutil.rmtree(scratch_dir, ignore_errors=True)
    for problem in problems:
        print("FAIL:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
