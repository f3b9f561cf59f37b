"""The dnstap test servers in dnsservers.py: Knot DNS and Unbound on loopback
write dnstap that dnstap-ldns decodes to the answers kdig received.

Knot logs to a file and to fstrm_capture on a unix socket. Unbound resolves
through Knot and logs to fstrm_capture on a unix socket and on TCP. A last
part checks that Unbound sends queries to 127.0.0.1 only. Needs Debian's knot,
knot-module-dnstap, knot-dnsutils, unbound, dnstap-ldns and fstrm-bin."""

import datetime
import ipaddress
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import dnsservers as ds  # noqa: E402
import dnstest as t  # noqa: E402

ZONE = "example.test"
RECORDS = [
    "www A 192.0.2.10",
    "www AAAA 2001:db8::10",
    "alias CNAME www",
    "chain CNAME alias",
    "@ MX 10 mail",
    "mail A 192.0.2.25",
    'txt TXT "hello world" "v=spf1 -all"',
]

# The response sections that Knot must return, written from the zone above:
# (name, type, rcode, answer section, authority section).
EXPECTED = [
    ("www.example.test", "A", "NOERROR",
     ["www.example.test. 3600 IN A 192.0.2.10"], []),
    ("www.example.test", "AAAA", "NOERROR",
     ["www.example.test. 3600 IN AAAA 2001:db8::10"], []),
    ("chain.example.test", "A", "NOERROR",
     ["chain.example.test. 3600 IN CNAME alias.example.test.",
      "alias.example.test. 3600 IN CNAME www.example.test.",
      "www.example.test. 3600 IN A 192.0.2.10"], []),
    ("example.test", "MX", "NOERROR",
     ["example.test. 3600 IN MX 10 mail.example.test."], []),
    ("txt.example.test", "TXT", "NOERROR",
     ['txt.example.test. 3600 IN TXT "hello world" "v=spf1 -all"'], []),
    ("missing.example.test", "A", "NXDOMAIN", [],
     ["example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. "
      "1 3600 900 604800 300"]),
]


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def ask_knot(port, *options):
    """Send every EXPECTED query to port, check each response, and return the
    dnsservers.Response objects."""
    answers = []
    for name, rrtype, rcode, answer, authority in EXPECTED:
        got = ds.query(port, name, rrtype, *options)
        assert got.rcode == rcode, (name, rrtype, got.text)
        assert got.answer == answer, (name, rrtype, got.text)
        assert got.authority == authority, (name, rrtype, got.text)
        answers.append(got)
    return answers


def frame_for(frames, message_type, answer):
    """Return the single frame of message_type whose message has the id and question of
    the kdig response."""
    matches = [frame for frame in frames
               if frame["type"] == message_type and frame["message"]["id"] == answer.id
               and frame["question"] == answer.question]
    assert len(matches) == 1, (message_type, answer, matches)
    return matches[0]


def check_auth_frames(frames, answers, port, protocol, started, finished):
    """Check that each kdig response has one AUTH_RESPONSE frame from port with the same
    sections."""
    for answer in answers:
        frame = frame_for(frames, "AUTH_RESPONSE", answer)
        assert frame["answer"] == answer.answer, (frame, answer.text)
        assert frame["message"]["authority"] == answer.authority, (frame, answer.text)
        assert frame["rcode"] == answer.rcode, (frame, answer.text)
        assert "aa" in frame["message"]["flags"], frame
        assert frame["response_address"] == "127.0.0.1", frame
        assert frame["response_port"] == port, frame
        assert frame["query_address"] == "127.0.0.1", frame
        assert frame["socket_protocol"] == protocol, frame
        assert started <= frame["response_time"] <= finished, (started, frame, finished)


def knot_file_sink(tmp):
    """Knot with a file sink logs one AUTH_QUERY and one AUTH_RESPONSE per query,
    and none for its start probe."""
    path = os.path.join(tmp, "knot.dnstap")
    with ds.KnotServer(ZONE, RECORDS, dnstap=path, log_queries=True,
                       identity="knot-test") as knot:
        started = utc_now()
        udp = ask_knot(knot.port)
        tcp = ask_knot(knot.port, "+tcp")
        finished = utc_now()
        # A stop with SIGTERM writes every queued frame and closes the file.
        knot.stop()
        frames = ds.dnstap_oracle(path)
    responses = ds.frames_of_type(frames, "AUTH_RESPONSE")
    queries = ds.frames_of_type(frames, "AUTH_QUERY")
    assert len(responses) == 2 * len(EXPECTED), [f["question"] for f in responses]
    assert len(queries) == 2 * len(EXPECTED), [f["question"] for f in queries]
    assert len(frames) == len(responses) + len(queries), [f["type"] for f in frames]
    check_auth_frames(frames, udp, knot.port, "UDP", started, finished)
    check_auth_frames(frames, tcp, knot.port, "TCP", started, finished)
    for answer in udp + tcp:
        query = frame_for(frames, "AUTH_QUERY", answer)
        assert query["answer"] == [], query
        assert "qr" not in query["message"]["flags"], query
    for frame in frames:
        assert frame["identity"] == "knot-test", frame
        assert frame["version"].startswith("Knot DNS"), frame
    print(f"knot, file sink: {len(responses)} AUTH_RESPONSE and {len(queries)} AUTH_QUERY "
          "frames match kdig")


def knot_unix_sink_and_restart(tmp):
    """Knot logs to fstrm_capture on a unix socket, and connects again after a restart."""
    with ds.FstrmCapture(directory=os.path.join(tmp, "knot-unix")) as tap:
        with ds.KnotServer(ZONE, RECORDS, dnstap=tap.spec) as knot:
            started = utc_now()
            first = ask_knot(knot.port)
            knot.restart()
            second = ask_knot(knot.port)
            finished = utc_now()
        frames = tap.frames()
        assert tap.frame_count() == len(frames), (tap.frame_count(), len(frames))
    assert len(frames) == 2 * len(EXPECTED), [f["question"] for f in frames]
    check_auth_frames(frames, first + second, knot.port, "UDP", started, finished)
    print(f"knot, unix socket: {len(frames)} AUTH_RESPONSE frames from two runs match kdig")


def check_unbound_frames(frames, knot_answers, client_answers, unbound_port, knot_port):
    """Check that every query through Unbound has one CLIENT_RESPONSE frame with the
    answer section kdig printed and a RESOLVER_RESPONSE frame with Knot's."""
    for name, rrtype, rcode, answer, authority in EXPECTED:
        client = client_answers[(name, rrtype)]
        frame = frame_for(frames, "CLIENT_RESPONSE", client)
        assert frame["answer"] == client.answer, (frame, client.text)
        assert frame["rcode"] == rcode, (frame, client.text)
        assert frame["response_port"] == unbound_port, frame
        assert frame["query_address"] == "127.0.0.1", frame

        direct = knot_answers[(name, rrtype)]
        upstream = [f for f in ds.frames_of_type(frames, "RESOLVER_RESPONSE")
                    if f["question"] == direct.question]
        assert len(upstream) >= 1, (name, rrtype, [f["question"] for f in frames])
        for frame in upstream:
            assert frame["answer"] == direct.answer, (frame, direct.text)
            assert frame["message"]["authority"] == direct.authority, (frame, direct.text)
            assert frame["rcode"] == rcode, (frame, direct.text)
            assert frame["response_address"] == "127.0.0.1", frame
            assert frame["response_port"] == knot_port, frame
            assert frame["query_zone"] == f"{ZONE}.", frame
    assert not ds.frames_of_type(frames, "CLIENT_QUERY"), "client queries were not enabled"
    assert not ds.frames_of_type(frames, "RESOLVER_QUERY"), "resolver queries were not enabled"


def same_records(got, expected, slack=5):
    """Return whether two lists of normalized RRs hold the same records in order,
    allowing each TTL in got to be up to slack seconds below the expected one."""
    if len(got) != len(expected):
        return False
    for have, want in zip(got, expected):
        have_owner, have_ttl, have_rest = have.split(" ", 2)
        want_owner, want_ttl, want_rest = want.split(" ", 2)
        if (have_owner, have_rest) != (want_owner, want_rest):
            return False
        if not int(want_ttl) - slack <= int(have_ttl) <= int(want_ttl):
            return False
    return True


def unbound_through_knot(tmp, tcp):
    """Unbound resolves the zone through Knot and logs to fstrm_capture."""
    transport = "TCP" if tcp else "unix socket"
    with ds.KnotServer(ZONE, RECORDS) as knot:
        knot_answers = {(e[0], e[1]): a for e, a in zip(EXPECTED, ask_knot(knot.port))}
        folder = os.path.join(tmp, "unbound-tcp" if tcp else "unbound-unix")
        with ds.FstrmCapture(tcp=tcp, directory=folder) as tap:
            with ds.UnboundServer(knot.port, dnstap=tap.spec, stub_zones=[ZONE],
                                  identity="unbound-test", version="1.17-test") as unbound:
                client_answers = {}
                for name, rrtype, rcode, answer, authority in EXPECTED:
                    got = ds.query(unbound.port, name, rrtype)
                    assert got.rcode == rcode, got.text
                    # Unbound asked Knot just now, but its clock may tick between
                    # caching the answer and sending it, so a TTL may be a second short.
                    assert same_records(got.answer, answer), got.text
                    client_answers[(name, rrtype)] = got
            frames = tap.frames()
            assert tap.frame_count() == len(frames), (tap.frame_count(), len(frames))
    check_unbound_frames(frames, knot_answers, client_answers, unbound.port, knot.port)
    for frame in frames:
        assert frame["identity"] == "unbound-test", frame
        assert frame["version"] == "1.17-test", frame
    counts = {kind: len(ds.frames_of_type(frames, kind))
              for kind in ("CLIENT_RESPONSE", "RESOLVER_RESPONSE")}
    assert counts["CLIENT_RESPONSE"] == len(EXPECTED), counts
    print(f"unbound over {transport}: {counts['CLIENT_RESPONSE']} CLIENT_RESPONSE and "
          f"{counts['RESOLVER_RESPONSE']} RESOLVER_RESPONSE frames match kdig")


def unbound_restart_and_late_listener(tmp):
    """Unbound keeps frames while no listener exists, sends them once one appears, and
    connects again after a restart."""
    socket_path = os.path.join(tmp, "late.sock")
    with ds.KnotServer(ZONE, RECORDS) as knot:
        with ds.UnboundServer(knot.port, dnstap=f"unix:{socket_path}",
                              stub_zones=[ZONE]) as unbound:
            early = ds.query(unbound.port, "www.example.test", "A")
            with ds.FstrmCapture(socket_path, directory=os.path.join(tmp, "late")) as tap:
                unbound.restart()
                late = ds.query(unbound.port, "txt.example.test", "TXT")
                unbound.stop()
                frames = tap.frames()
    clients = ds.frames_of_type(frames, "CLIENT_RESPONSE")
    assert [f["question"] for f in clients] == [early.question, late.question], clients
    assert clients[0]["answer"] == early.answer, (clients[0], early.text)
    assert clients[1]["answer"] == late.answer, (clients[1], late.text)
    print("unbound: frames queued before the listener existed arrived, and a restart "
          "reconnected")


def unbound_queries_loopback_only(tmp):
    """Unbound sends every upstream query to Knot on 127.0.0.1 and no query to any other
    address, not even to another loopback address."""
    blocked = "blocked.test"
    with ds.KnotServer(ZONE, RECORDS) as knot:
        with ds.FstrmCapture(directory=os.path.join(tmp, "loopback")) as tap:
            unbound = ds.UnboundServer(
                knot.port, dnstap=tap.spec, stub_zones=[ZONE],
                blocked_stub_zones={blocked: f"127.0.0.2@{knot.port}"},
                resolver_queries=True, forwarder_queries=True, client_queries=True)
            with unbound:
                inside = ds.query(unbound.port, "example.test", "NS")
                outside = ds.query(unbound.port, "example.com", "A")
                root = ds.query(unbound.port, ".", "NS")
                blocked_reply = ds.query(unbound.port, f"www.{blocked}", "A")
                with open(unbound.config_path) as f:
                    config = f.read()
            frames = tap.frames()

    assert inside.rcode == "NOERROR", inside.text
    assert outside.rcode == "SERVFAIL", outside.text
    assert root.rcode == "SERVFAIL", root.text
    assert blocked_reply.rcode == "SERVFAIL", blocked_reply.text

    upstream_types = ("RESOLVER_QUERY", "RESOLVER_RESPONSE", "FORWARDER_QUERY",
                      "FORWARDER_RESPONSE")
    upstream = [f for f in frames if f["type"] in upstream_types]
    assert upstream, [f["type"] for f in frames]
    for frame in upstream:
        assert frame["response_address"] == "127.0.0.1", frame
        assert frame["response_port"] == knot.port, frame
        assert frame["query_address"] == "127.0.0.1", frame
    upstream_questions = {q for f in upstream for q in f["question"]}
    assert f"www.{blocked}. IN A" not in upstream_questions, upstream_questions
    assert "example.com. IN A" in upstream_questions, upstream_questions
    assert ". IN NS" in upstream_questions, upstream_questions

    lines = [line.strip() for line in config.splitlines()]
    upstreams = [line.split(":", 1)[1].strip() for line in lines
                 if line.startswith(("forward-addr:", "stub-addr:"))]
    assert upstreams == [f"127.0.0.1@{knot.port}", f"127.0.0.2@{knot.port}",
                         f"127.0.0.1@{knot.port}"], upstreams
    assert "outgoing-interface: 127.0.0.1" in lines, config
    assert "do-ip6: no" in lines, config
    blocks = [ipaddress.ip_network(line.split(":", 1)[1].strip()) for line in lines
              if line.startswith("do-not-query-address:")]
    for address in ("127.0.0.1", "::1"):
        assert not any(ipaddress.ip_address(address) in net for net in blocks), address
    for address in ("0.0.0.0", "10.0.0.1", "127.0.0.2", "127.255.255.255", "192.0.2.1",
                    "198.51.100.1", "203.0.113.255", "255.255.255.255", "::",
                    "2001:db8::1", "fe80::1", "ffff::1"):
        assert any(ipaddress.ip_address(address) in net for net in blocks), address
    print(f"unbound: all {len(upstream)} upstream frames went to 127.0.0.1@{knot.port}; "
          "127.0.0.2 and every non-loopback address are blocked")


def main():
    ds.require("knotd", "knotc", "kdig", "unbound", "unbound-checkconf", "dnstap-ldns",
               "fstrm_capture", knot_dnstap=True)
    started = time.monotonic()
    tmp = t.scratch()
    knot_file_sink(tmp)
    knot_unix_sink_and_restart(tmp)
    unbound_through_knot(tmp, tcp=False)
    unbound_through_knot(tmp, tcp=True)
    unbound_restart_and_late_listener(tmp)
    unbound_queries_loopback_only(tmp)
    shutil.rmtree(tmp)
    print(f"dnstap server tests took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
