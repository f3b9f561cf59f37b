"""dragnet ingest --match-queries: a response is kept only when the capture
contains its query (same addresses, ports, transport, id and question) from at
most 10 seconds before it."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

START = 1700000000
WINDOW = 10  # seconds, the documented match window
CLIENT = "192.0.2.10"
SERVER = "198.51.100.53"


def response_only(ts, qid, name, qtype="A", client=CLIENT, server=SERVER, port=40000):
    """A response frame for name, with an A record of 192.0.2.1 as its answer
    whatever the question type."""
    message = t.dns_message(qid, name, qtype, [(name, "A", "192.0.2.1")])
    return [(ts, t.udp_frame(server, client, 53, port, message))]


def query_only(ts, qid, name, qtype="A", client=CLIENT, server=SERVER, port=40000):
    message = t.dns_message(qid, name, qtype, response=False)
    return [(ts, t.udp_frame(client, server, port, 53, message))]


# Each case is a response, with or without a query before it. The response's
# name identifies the case, and True marks the responses that --match-queries
# keeps.
CASES = [
    ("prompt.match.example", True,
     lambda name: query_only(START, 1, name) + response_only(START + 0.001, 1, name)),
    ("five-seconds.match.example", True,
     lambda name: query_only(START + 1, 2, name, port=40002) +
     response_only(START + 6, 2, name, port=40002)),
    # A response exactly WINDOW seconds after its query is within the window.
    ("at-window.match.example", True,
     lambda name: query_only(START + 2, 3, name, port=40003) +
     response_only(START + 2 + WINDOW, 3, name, port=40003)),
    ("other-client.match.example", True,
     lambda name: query_only(START + 3, 4, name, "AAAA", client="192.0.2.20") +
     response_only(START + 3.5, 4, name, "AAAA", client="192.0.2.20")),
    ("late.match.example", False,
     lambda name: query_only(START + 4, 5, name, port=40005) +
     response_only(START + 4 + WINDOW + 1, 5, name, port=40005)),
    ("much-later.match.example", False,
     lambda name: query_only(START + 5, 6, name, port=40006) +
     response_only(START + 5 + 60, 6, name, port=40006)),
    ("no-query.match.example", False,
     lambda name: response_only(START + 6, 7, name, port=40007)),
    ("other-id.match.example", False,
     lambda name: query_only(START + 7, 8, name, port=40008) +
     response_only(START + 7.001, 9, name, port=40008)),
    ("other-question.match.example", False,
     lambda name: query_only(START + 8, 10, "asked.match.example", port=40010) +
     response_only(START + 8.001, 10, name, port=40010)),
    ("other-type.match.example", False,
     lambda name: query_only(START + 9, 11, name, "A", port=40011) +
     response_only(START + 9.001, 11, name, "AAAA", port=40011)),
    ("other-port.match.example", False,
     lambda name: query_only(START + 10, 12, name, port=40012) +
     response_only(START + 10.001, 12, name, port=40013)),
    ("other-server.match.example", False,
     lambda name: query_only(START + 11, 13, name, port=40014) +
     response_only(START + 11.001, 13, name, server="198.51.100.54", port=40014)),
]


# Gaps that are not whole seconds. The window is measured on the packet
# times to the nanosecond, so a response more than 10 s after its query is
# dropped whichever second each falls in.
SUBSECOND_CASES = [
    ("nine-and-a-half.window.example", True,
     lambda name: query_only(START + 100.9, 21, name, port=40021) +
     response_only(START + 110.4, 21, name, port=40021)),
    ("nine-point-nine.window.example", True,
     lambda name: query_only(START + 120.05, 22, name, port=40022) +
     response_only(START + 129.95, 22, name, port=40022)),
    ("ten-point-nine-five.window.example", False,
     lambda name: query_only(START + 140.0, 23, name, port=40023) +
     response_only(START + 150.95, 23, name, port=40023)),
    ("ten-point-zero-one.window.example", False,
     lambda name: query_only(START + 160.99, 24, name, port=40024) +
     response_only(START + 171.0, 24, name, port=40024)),
]


def write_capture(path, cases):
    frames = []
    for name, _, build in cases:
        frames += build(name)
    frames.sort(key=lambda frame: frame[0])
    with open(path, "wb") as f:
        f.write(t.pcap_header() + b"".join(t.pcap_record(ts, frame) for ts, frame in frames))


def stored_names(db):
    return sorted(row[0] for row in t.rrsets(db))


def check_cases(tmp, label, cases):
    """Ingest the cases with and without --match-queries and compare the
    stored names and the summary with the cases' expected outcome."""
    capture = os.path.join(tmp, f"{label}.pcap")
    write_capture(capture, cases)
    all_names = sorted(f"{name}." for name, _, _ in cases)
    matched_names = sorted(f"{name}." for name, matched, _ in cases if matched)
    dropped = len(cases) - len(matched_names)

    plain = os.path.join(tmp, f"{label}-plain.db")
    proc = t.run("ingest", "--source", "m", capture, db=plain, check=0)
    assert stored_names(plain) == all_names, stored_names(plain)
    assert "query matching" not in proc.stderr, proc.stderr
    print(f"{label}, without --match-queries: all {len(all_names)} responses stored")

    matched = os.path.join(tmp, f"{label}-matched.db")
    proc = t.run("ingest", "--source", "m", "--match-queries", capture, db=matched, check=0)
    stored = stored_names(matched)
    wrongly_kept = sorted(set(stored) - set(matched_names))
    wrongly_dropped = sorted(set(matched_names) - set(stored))
    assert not wrongly_kept, f"{label}: kept without a query in the window: {wrongly_kept}"
    assert not wrongly_dropped, f"{label}: dropped despite a matching query: {wrongly_dropped}"
    line = (f"query matching: {len(matched_names)} responses matched, {dropped} without a "
            "query dropped, 0 repeated answers to a matched query dropped")
    assert line in proc.stderr, proc.stderr
    # The kept records are unchanged by the matching: same times and counts.
    plain_rows = {row for row in t.rrsets(plain) if row[0] in matched_names}
    assert set(t.rrsets(matched)) == plain_rows, (t.rrsets(matched), plain_rows)
    print(f"{label}, with --match-queries: {len(matched_names)} matched responses stored, "
          f"{dropped} dropped")


def write_in_order(path, frames):
    """Write frames in the order given, whatever their times, as captures
    merged from two taps can be."""
    with open(path, "wb") as f:
        f.write(t.pcap_header() + b"".join(t.pcap_record(ts, frame) for ts, frame in frames))


def check_file_order(tmp):
    """A response that follows its query in the file but is stamped earlier
    matches within the window either side, and not beyond it. A second copy
    of a matched response is dropped and counted as a repeat."""
    frames = (query_only(START + 30, 31, "skewed.order.example", port=40031) +
              response_only(START + 25, 31, "skewed.order.example", port=40031) +
              query_only(START + 3700, 32, "hour-early.order.example", port=40032) +
              response_only(START + 100, 32, "hour-early.order.example", port=40032) +
              query_only(START + 4000, 33, "twice.order.example", port=40033) +
              response_only(START + 4000.5, 33, "twice.order.example", port=40033) +
              response_only(START + 4001, 33, "twice.order.example", port=40033))
    capture = os.path.join(tmp, "order.pcap")
    write_in_order(capture, frames)
    db = os.path.join(tmp, "order.db")
    proc = t.run("ingest", "--match-queries", capture, db=db, check=0)
    rows = {row[0]: row for row in t.rrsets(db)}
    assert sorted(rows) == ["skewed.order.example.", "twice.order.example."], sorted(rows)
    assert rows["twice.order.example."][6] == 1, rows["twice.order.example."]
    line = ("query matching: 2 responses matched, 1 without a query dropped, "
            "1 repeated answers to a matched query dropped")
    assert line in proc.stderr, proc.stderr
    print("file order: 5 s early matched, an hour early dropped, a repeat dropped")


def main():
    tmp = t.scratch()
    check_cases(tmp, "whole-seconds", CASES)
    check_cases(tmp, "sub-second", SUBSECOND_CASES)
    check_file_order(tmp)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
