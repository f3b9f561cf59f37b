"""dragnet pdns --source and --min-sources on stores built by ingest, checked
against tshark's decode of the same captures.

The bundled phishing sample is cut by editcap into three overlapping frame
ranges. Sensor A gets the first, B the second, and C the third together with
the dnscap sample, which A reads too, so records have one, two or three
sources with different figures each. tshark (tested with Wireshark 4.0)
decodes the same files. From its A and AAAA answer records and its error
responses the test computes every source's time_first, time_last and count,
merges them as a lookup should, and compares that with what pdns prints as a
table, CSV and JSON. The same ingests go into a ClickHouse server when
clickhouse-server is installed, and its answers must match too.

Environment: DRAGNET is the dragnet binary, DRAGNET_SOURCE_DIR the checkout,
TMPDIR the scratch folder. Exit status 77 (skipped) when tshark or editcap is
missing."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

EXIT_FOUND = 0
EXIT_NONE_FOUND = 1
EXIT_USAGE = 2

# Frame ranges of the phishing sample (2,555 frames) per sensor. The one DNS
# over TCP exchange, frames 1271 to 1277, lies inside B's range alone, so no
# cut splits a TCP stream.
RANGES = {"A": "1-1200", "B": "801-2000", "C": "1601-2555"}

TYPE_A = 1
TYPE_AAAA = 28
TYPE_NAMES = {TYPE_A: "A", TYPE_AAAA: "AAAA"}
CLASS_IN = 1
RCODE_NAMES = {2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}

TSHARK_FIELDS = ["frame.time_epoch", "dns.flags.response", "dns.flags.opcode",
                 "dns.flags.rcode", "dns.count.answers", "dns.qry.name", "dns.qry.type",
                 "dns.resp.name", "dns.resp.type", "dns.resp.class", "dns.a", "dns.aaaa"]


@dataclass
class Figures:
    first: int
    last: int
    count: int

    def merge(self, other):
        return Figures(min(self.first, other.first), max(self.last, other.last),
                       self.count + other.count)


def tool(name):
    path = shutil.which(name)
    if path is None:
        t.skip(f"{name} not found; install the tshark package (Wireshark's tools are the "
               "oracle of this test)")
    return path


def tshark_rows(tshark, capture):
    """One list of field values per DNS frame of capture, in TSHARK_FIELDS order."""
    command = [tshark, "-n", "-r", capture, "-Y", "dns", "-T", "fields",
               "-E", "separator=/t", "-E", "aggregator=,"]
    for name in TSHARK_FIELDS:
        command += ["-e", name]
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=t.scratch())
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env,
                          check=True)
    return [line.split("\t") for line in proc.stdout.splitlines()]


def split(values):
    return values.split(",") if values else []


def decode(tshark, capture):
    """The A and AAAA answer records and error responses of capture.

    Returns (records, negatives), each a dict from key to Figures. A record
    key is (rrname, type name, rdata); a negative key is (qname, type name,
    rcode name). dns.a and dns.aaaa list the addresses of every section in
    order, so the records are walked in order and the first ancount kept."""
    records, negatives = {}, {}

    def add(table, key, seconds):
        seen = Figures(seconds, seconds, 1)
        table[key] = table[key].merge(seen) if key in table else seen

    for row in tshark_rows(tshark, capture):
        fields = dict(zip(TSHARK_FIELDS, row + [""] * len(TSHARK_FIELDS)))
        if fields["dns.flags.response"] != "1" or fields["dns.flags.opcode"] != "0":
            continue
        seconds = int(fields["frame.time_epoch"].split(".")[0])
        rcode = int(fields["dns.flags.rcode"])
        answers = int(fields["dns.count.answers"])
        if rcode != 0 and answers == 0:
            qtype = TYPE_NAMES.get(int(fields["dns.qry.type"]))
            if qtype is not None and rcode in RCODE_NAMES:
                name = fields["dns.qry.name"].lower() + "."
                add(negatives, (name, qtype, RCODE_NAMES[rcode]), seconds)
            continue
        addresses = {TYPE_A: split(fields["dns.a"]), TYPE_AAAA: split(fields["dns.aaaa"])}
        names = split(fields["dns.resp.name"])
        types = [int(v) for v in split(fields["dns.resp.type"])]
        classes = [int(v, 16) for v in split(fields["dns.resp.class"])]
        for index, (name, rrtype, rrclass) in enumerate(zip(names, types, classes)):
            if rrtype not in addresses:
                continue
            address = addresses[rrtype].pop(0)
            if index < answers and rrclass == CLASS_IN:
                add(records, (name.lower() + ".", TYPE_NAMES[rrtype], address), seconds)
    return records, negatives


def cut(editcap, capture, frames, path):
    subprocess.run([editcap, "-r", capture, path, frames], check=True, timeout=60,
                   capture_output=True)
    return path


def build_inputs(tmp):
    """Each sensor's files."""
    editcap = tool("editcap")
    phishing = t.sample("phishing-campaign.pcap.gz")
    dnscap = t.sample("dnscap-resolver.pcap")
    parts = {name: cut(editcap, phishing, frames, os.path.join(tmp, f"part-{name}.pcap"))
             for name, frames in RANGES.items()}
    return {"A": [parts["A"], dnscap], "B": [parts["B"]], "C": [parts["C"], dnscap]}


def expected_per_source(tshark, inputs):
    """Each sensor's own figures: {sensor: (records, negatives)}."""
    result = {}
    for sensor, files in inputs.items():
        records, negatives = {}, {}
        for path in files:
            file_records, file_negatives = decode(tshark, path)
            for table, found in ((records, file_records), (negatives, file_negatives)):
                for key, figures in found.items():
                    table[key] = table[key].merge(figures) if key in table else figures
        result[sensor] = (records, negatives)
    return result


def expected(per_source, chosen, min_sources=0, negative=False):
    """What a lookup over every record should return: key -> (Figures, sources),
    where Figures merges the chosen sensors' (all when chosen is empty) and
    sources counts every sensor that saw the key."""
    table = 1 if negative else 0
    keys = set()
    for tables in per_source.values():
        keys |= set(tables[table])
    result = {}
    for key in keys:
        seen_by = [s for s, tables in per_source.items() if key in tables[table]]
        if len(seen_by) < min_sources:
            continue
        merged = [s for s in seen_by if not chosen or s in chosen]
        if not merged:
            continue
        figures = per_source[merged[0]][table][key]
        for sensor in merged[1:]:
            figures = figures.merge(per_source[sensor][table][key])
        result[key] = (figures, len(seen_by))
    return result


def ingest(store, inputs, env):
    for sensor, files in inputs.items():
        t.run("ingest", "-q", "--store", store, "--source", sensor, "--again", *files,
              check=0, env=env)


def pdns_json(store, env, *args, negative=False):
    """A JSON lookup as key -> (Figures, sources), in output order."""
    proc = t.run("pdns", "--store", store, "--limit", "0", "-j", *args, env=env)
    assert proc.returncode in (EXIT_FOUND, EXIT_NONE_FOUND), (args, proc.stderr)
    rows = {}
    for line in proc.stdout.splitlines():
        row = json.loads(line)
        value = row["rcode"] if negative else row["rdata"]
        key = (row["rrname"], row["rrtype"], value)
        assert key not in rows, f"{key} twice in {args}"
        rows[key] = (Figures(row["time_first"], row["time_last"], row["count"]),
                     row["sources"])
    return rows


def only_types(found, types):
    return {key: value for key, value in found.items() if key[1] in types}


def check_lookup(store, env, per_source, args, chosen=(), min_sources=0, types=("A", "AAAA"),
                 negative=False, keep=None):
    """Compare one lookup, restricted to types and to keys that keep accepts,
    with what tshark's decode gives."""
    got = pdns_json(store, env, *args, negative=negative)
    if negative:
        got = {key: value for key, value in got.items() if key[2] != "NODATA"}
    want = only_types(expected(per_source, set(chosen), min_sources, negative), types)
    if keep is not None:
        want = {key: value for key, value in want.items() if keep(key, value[0])}
    got = only_types(got, types)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing, f"pdns {' '.join(args)} lacks {missing[:5]}"
    assert not extra, f"pdns {' '.join(args)} has unexpected {extra[:5]}"
    for key, value in want.items():
        assert got[key] == value, f"pdns {' '.join(args)}: {key} is {got[key]}, expected {value}"
    return got


def check_filters(store, env, per_source):
    """Every filter combination against the oracle; returns how many keys were compared."""
    compared = 0
    everything = ["--rdata", "0.0.0.0/0"]
    v6 = ["--rdata", "::/0"]
    cases = [
        (everything, (), 0),
        (everything + ["--source", "A"], ("A",), 0),
        (everything + ["--source", "B"], ("B",), 0),
        (everything + ["--source", "B", "--source", "C"], ("B", "C"), 0),
        (everything + ["--min-sources", "2"], (), 2),
        (everything + ["--min-sources", "3"], (), 3),
        (everything + ["--source", "A", "--min-sources", "2"], ("A",), 2),
    ]
    for args, chosen, minimum in cases:
        compared += len(check_lookup(store, env, per_source, args, chosen, minimum,
                                     types=("A",)))
    v6_cases = [
        (v6, (), 0),
        (v6 + ["--source", "C"], ("C",), 0),
        (v6 + ["--source", "A", "--source", "C", "--min-sources", "2"], ("A", "C"), 2),
    ]
    for args, chosen, minimum in v6_cases:
        compared += len(check_lookup(store, env, per_source, args, chosen, minimum,
                                     types=("AAAA",)))

    # Forward lookups by wildcard and type.
    in_zone = lambda key, _: key[0].endswith(".paypa1-secure.example.")  # noqa: E731
    compared += len(check_lookup(store, env, per_source,
                                 ["*.paypa1-secure.example", "-t", "A", "--source", "B"],
                                 ("B",), types=("A",), keep=in_zone))
    compared += len(check_lookup(store, env, per_source,
                                 ["*.paypa1-secure.example", "--min-sources", "2"], (), 2,
                                 keep=in_zone))

    # Fences apply to the figures shown: find a record whose merge over every
    # sensor ends after the fence while B's own figures end before it.
    all_figures = expected(per_source, set())
    b_figures = expected(per_source, {"B"})
    moved = [key for key in b_figures
             if b_figures[key][0].last < all_figures[key][0].last]
    assert moved, "no record that a later sensor saw after B; the frame ranges changed?"
    fence = min(all_figures[key][0].last for key in moved)
    before = lambda _, figures: figures.last < fence  # noqa: E731
    got = check_lookup(store, env, per_source,
                       everything + ["--source", "B", "--last-before", str(fence)], ("B",),
                       types=("A",), keep=before)
    assert any(key in got for key in moved), "the fence on B's figures kept none of them"
    compared += len(got)
    after = lambda _, figures: figures.first >= fence  # noqa: E731
    compared += len(check_lookup(store, env, per_source,
                                 everything + ["--source", "C", "--first-after", str(fence)],
                                 ("C",), types=("A",), keep=after))

    # Negative answers.
    for args, chosen, minimum in [([], (), 0), (["--source", "B"], ("B",), 0),
                                  (["--min-sources", "2"], (), 2)]:
        compared += len(check_lookup(store, env, per_source,
                                     ["-N", "*.example", *args], chosen, minimum,
                                     negative=True,
                                     keep=lambda key, _: key[0].endswith(".example.")))
    return compared


def check_order_and_formats(store, env, per_source):
    """--sort uses the chosen sensor's counts; the table and CSV show the
    number of sources."""
    proc = t.run("pdns", "--store", store, "--rdata", "0.0.0.0/0", "--source", "A",
                 "--sort", "count", "--limit", "0", "-j", env=env, check=EXIT_FOUND)
    counts = [json.loads(line)["count"] for line in proc.stdout.splitlines()]
    assert counts == sorted(counts, reverse=True), counts
    a_counts = expected(per_source, {"A"})
    assert sorted(counts) == sorted(v[0].count for k, v in a_counts.items() if k[1] == "A")

    want = expected(per_source, {"C"})
    proc = t.run("pdns", "--store", store, "--rdata", "0.0.0.0/0", "--source", "C", "--csv",
                 "--limit", "0", env=env, check=EXIT_FOUND)
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert rows, proc.stdout
    for row in rows:
        figures, sources = want[(row["rrname"], row["rrtype"], row["rdata"])]
        assert int(row["count"]) == figures.count, row
        assert int(row["sources"]) == sources, row

    proc = t.run("pdns", "--store", store, "--rdata", "0.0.0.0/0", "--min-sources", "3",
                 "--limit", "0", env=env, check=EXIT_FOUND)
    lines = proc.stdout.splitlines()
    header = lines[0].split()
    assert header[:5] == ["time_first", "time_last", "count", "sources", "rrname"], header
    assert lines[1:], proc.stdout
    assert all(line.split()[3] == "3" for line in lines[1:]), proc.stdout


def check_errors(store, env):
    proc = t.run("pdns", "--store", store, "*.example", "--source", "A", "--source", "D",
                 env=env, check=EXIT_USAGE)
    assert proc.stdout == "", proc.stdout
    assert "unknown source 'D'" in proc.stderr, proc.stderr
    assert "A, B, C" in proc.stderr, proc.stderr
    proc = t.run("pdns", "--store", store, "-N", "*.example", "--source", "a", env=env,
                 check=EXIT_USAGE)
    assert "unknown source 'a'" in proc.stderr, proc.stderr
    for bad in ("-1", "x", "4294967296"):
        proc = t.run("pdns", "--store", store, "*.example", "--min-sources", bad, env=env,
                     check=EXIT_USAGE)
        assert "--min-sources" in proc.stderr, proc.stderr
    proc = t.run("pdns", "--store", store, "*.example", "--source", "", env=env,
                 check=EXIT_USAGE)
    assert "empty" in proc.stderr, proc.stderr
    # A filter that matches nothing is an empty answer, not an error.
    t.run("pdns", "--store", store, "*.example", "--min-sources", "4", env=env,
          check=EXIT_NONE_FOUND)


def clean_env():
    env = {key: value for key, value in os.environ.items()
           if key not in ("DRAGNET_DB", "DRAGNET_STORE", "DRAGNET_CONFIG", "XDG_CONFIG_HOME")}
    env["DRAGNET_CONFIG"] = os.devnull
    return env


def check_store(label, store, env, per_source):
    compared = check_filters(store, env, per_source)
    check_order_and_formats(store, env, per_source)
    check_errors(store, env)
    print(f"{label}: {compared} records and negative answers match tshark's decode")


def main():
    tshark = tool("tshark")
    tmp = t.scratch()
    env = clean_env()
    inputs = build_inputs(tmp)
    per_source = expected_per_source(tshark, inputs)
    assert len(expected(per_source, set(), 3)) > 0, "no record has three sources"

    db = os.path.join(tmp, "sources.db")
    ingest(db, inputs, env)
    check_store("SQLite", db, env, per_source)

    if chserver.find_server() is None:
        print("NOTE: clickhouse-server not found; skipping the ClickHouse part")
    else:
        with chserver.ClickHouse() as server:
            location = (f"clickhouse://{chserver.HOST}:{server.http_port}/sources"
                        f"?spool={os.path.join(tmp, 'spool')}&spool_wait=0")
            ingest(location, inputs, env)
            check_store("ClickHouse", location, env, per_source)
            for args in (["*.example", "--source", "B", "--min-sources", "2"],
                         ["--rdata", "0.0.0.0/0", "--source", "A", "--source", "C", "--csv"],
                         ["-N", "*.example", "--source", "C"]):
                on_sqlite = t.run("pdns", "--store", db, "--limit", "0", *args, env=env)
                on_server = t.run("pdns", "--store", location, "--limit", "0", *args, env=env)
                assert on_server.stdout == on_sqlite.stdout, args
    shutil.rmtree(tmp)
    print("ok")


if __name__ == "__main__":
    main()
