#!/usr/bin/env python3
"""The live WHOIS and RDAP clients (src/lookup) against servers started here
on 127.0.0.1, through tests/tools/lookup_probe.

WHOIS: the referral chain root -> registry -> registrar over three servers
with every hop's text byte for byte, loops and the hop limit, a server that
never replies (the query must fail within its timeout), a server that closes
or resets the connection after part of an answer, the 1 MiB cap, the
interval between two queries to one server, and throttling (the corpus's
throttled answers, and a server that starts throttling after one query).
RDAP: bootstrap selection by longest label suffix, from a URL and from a
file, 200 with the body byte for byte and the Accept header, 404, 429 with
Retry-After and the hold that follows, redirects and their limit, a
redirect off loopback, a slow server, the size cap, and the choice between
RDAP and WHOIS.

The expected values are the bytes and statuses these servers send and the
times they record, never the probe's own output. The probe runs with
loopback_only, so no query can leave 127.0.0.1.

Environment: LOOKUP_PROBE is tests/tools/lookup_probe, DRAGNET_CORPUS the
corpus folder (the throttling checks on corpus answers are skipped without
it), TMPDIR the scratch folder. Exit status 0 when every check passes, 1 on
a failure, 77 (skipped) without the probe."""

import json
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402
from whoisservers import RdapServer, WhoisServer  # noqa: E402

PROBE = os.environ.get("LOOKUP_PROBE", "")
MIB = 1 << 20
# Slack for process start and scheduling when comparing elapsed times.
SLACK_MS = 1500


def probe(mode, *names, root=None, bootstrap=None, timeout_ms=5000, interval_ms=0,
          response_max=None, only=None):
    args = [PROBE, "--timeout-ms", str(timeout_ms), "--interval-ms", str(interval_ms)]
    if root:
        args += ["--root", root]
    if bootstrap:
        args += ["--bootstrap", bootstrap]
    if response_max is not None:
        args += ["--response-max", str(response_max)]
    if only:
        args.append(f"--{only}-only")
    proc = subprocess.run([*args, mode, *names], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}:\n{proc.stderr}")
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(names), proc.stdout
    return results


def hop_texts(result):
    return [bytes.fromhex(hop["text_hex"]) for hop in result["hops"]]


def iana_answer(tld, server):
    return (f"% IANA WHOIS server\n% for more information on IANA, visit http://www.iana.org\n"
            f"% This query returned 1 object\n\nrefer:        {server}\n\n"
            f"domain:       {tld.upper()}\n\norganisation: Test Registry Services\n"
            f"address:      12061 Bluemont Way\naddress:      Reston VA 20190\n"
            f"address:      United States of America (the)\n\nwhois:        {server}\n\n"
            f"status:       ACTIVE\n\ncreated:      1985-01-01\nchanged:      2023-12-07\n"
            f"source:       IANA\n\n").encode()


def registry_answer(domain, registrar_server):
    lines = [f"   Domain Name: {domain.upper()}", "   Registry Domain ID: 2336799_DOMAIN_COM-VRSN",
             f"   Registrar WHOIS Server: {registrar_server}",
             "   Registrar URL: http://www.registrar.test",
             "   Updated Date: 2024-08-14T07:01:34Z", "   Creation Date: 1995-08-14T04:00:00Z",
             "   Registry Expiry Date: 2025-08-13T04:00:00Z",
             "   Registrar: Test Registrar, Inc.", "   Registrar IANA ID: 376",
             "   Domain Status: clientDeleteProhibited https://icann.org/epp#clientDeleteProhibited",
             "   Name Server: A.IANA-SERVERS.NET", "   Name Server: B.IANA-SERVERS.NET",
             "   DNSSEC: signedDelegation",
             ">>> Last update of whois database: 2024-09-01T10:00:00Z <<<", ""]
    return "\r\n".join(lines).encode()


def registrar_answer(domain, self_server):
    # UTF-8, one Latin-1 byte, CRLF line ends and a NUL: all must come back
    # unchanged.
    return ("Domain Name: " + domain + "\r\n"
            "Registrar WHOIS Server: " + self_server + "\r\n"
            "Registrar: Test Registrar, Inc.\r\n"
            "Registrant Name: Zoë Ångström\r\n"
            "Registrant Organization: Exämple Ltd\r\n"
            "Registrant Country: GB\r\n"
            "Name Server: a.iana-servers.net\r\n").encode() + b"Remark: caf\xe9 \x00end\r\n"


def check_referral_chain():
    domain = "example.test"
    with WhoisServer() as registrar, WhoisServer() as registry, WhoisServer() as root:
        texts = [iana_answer("test", registry.address),
                 registry_answer(domain, registrar.address),
                 registrar_answer(domain, registrar.address)]
        root.default, registry.default, registrar.default = texts
        (result,) = probe("whois", domain, root=root.address)
        assert result["rc"] == "OK", result
        assert [h["server"] for h in result["hops"]] == [
            root.address, registry.address, registrar.address], result["hops"]
        assert hop_texts(result) == texts
        for server in (root, registry, registrar):
            assert server.query_lines() == [b"example.test\r\n"], server.query_lines()
        assert result["hops"][1]["status"] == "found", result["hops"][1]
        assert result["hops"][2]["status"] == "found", result["hops"][2]


def check_referral_loop():
    with WhoisServer() as a, WhoisServer() as b:
        a.default = f"Domain Name: loop.test\nRegistrar WHOIS Server: {b.address}\n".encode()
        b.default = f"Domain Name: loop.test\nRegistrar WHOIS Server: {a.address}\n".encode()
        (result,) = probe("whois", "loop.test", root=a.address)
        assert result["rc"] == "OK", result
        assert [h["server"] for h in result["hops"]] == [a.address, b.address], result
        assert len(a.query_lines()) == 1, a.query_lines()
        assert len(b.query_lines()) == 1, b.query_lines()


def check_hop_limit():
    servers = [WhoisServer() for _ in range(5)]
    for server in servers:
        server.__enter__()
    try:
        for server, after in zip(servers, servers[1:] + [None]):
            refer = after.address if after else "none"
            server.default = f"refer: {refer}\n".encode() if after else b"Domain Name: x.test\n"
        (result,) = probe("whois", "x.test", root=servers[0].address)
        assert result["rc"] == "OK", result
        assert [h["server"] for h in result["hops"]] == [s.address for s in servers[:4]], result
        assert servers[4].query_lines() == [], "the fifth server was asked"
    finally:
        for server in servers:
            server.__exit__(None, None, None)


def check_timeout():
    with WhoisServer(mode="silent") as silent:
        (result,) = probe("whois", "slow.test", root=silent.address, timeout_ms=1000)
        assert result["rc"] == "EIO", result
        assert "timed out" in result["error"], result
        assert 900 <= result["elapsed_ms"] <= 1000 + SLACK_MS, result
        assert result["hops"] == [], result


def check_slow_answer_within_timeout():
    text = b"Domain Name: slow.test\n"
    with WhoisServer(default=text, delay=0.5) as slow:
        (result,) = probe("whois", "slow.test", root=slow.address, timeout_ms=3000)
        assert result["rc"] == "OK", result
        assert hop_texts(result) == [text]


def check_partial_close():
    text = registrar_answer("cut.test", "127.0.0.1:1")
    with WhoisServer(default=text, mode="partial", cut=40) as cut:
        (result,) = probe("whois", "cut.test", root=cut.address)
        # A clean close ends a WHOIS response, so the client cannot see the cut.
        assert result["rc"] == "OK", result
        assert hop_texts(result) == [text[:40]]


def check_reset():
    text = registrar_answer("reset.test", "127.0.0.1:1")
    with WhoisServer(default=text, mode="reset", cut=40) as reset:
        (result,) = probe("whois", "reset.test", root=reset.address)
        assert result["rc"] == "EIO", result
        assert "reset" in result["error"].lower(), result


def check_close_without_answer():
    with WhoisServer(default=b"", mode="answer") as empty:
        (result,) = probe("whois", "empty.test", root=empty.address)
        assert result["rc"] == "EIO", result
        assert "without a response" in result["error"], result


def check_size_cap():
    line = b"Remark: " + b"x" * 70 + b"\n"
    exact = (line * (MIB // len(line) + 1))[:MIB]
    with WhoisServer(answers={"exact.test": exact, "over.test": exact + b"y"}) as big:
        ok, over = probe("whois", "exact.test", "over.test", root=big.address,
                         response_max=MIB)
        assert ok["rc"] == "OK", ok["error"]
        assert hop_texts(ok) == [exact]
        assert over["rc"] == "ELIMIT", over
        assert str(MIB) in over["error"], over


def check_interval():
    with WhoisServer(default=b"Domain Name: paced.test\n") as paced:
        results = probe("whois", "a.test", "b.test", "c.test", root=paced.address,
                        interval_ms=700)
        assert [r["rc"] for r in results] == ["OK"] * 3, results
        times = paced.query_times()
        assert len(times) == 3, times
        gaps = [b - a for a, b in zip(times, times[1:])]
        # The server stamps a connection a little after the client's slot
        # starts, so allow 50 ms of jitter.
        assert all(gap >= 0.65 for gap in gaps), gaps


def check_throttle_corpus():
    corpus = t.optional_corpus("whois/weppos", "the throttling checks on corpus answers")
    if corpus is None:
        return
    cases = [("whois.pir.org/org/response_throttled.txt", "WHOIS LIMIT EXCEEDED", 60),
             ("whois.nic.uk/uk/response_throttled.txt", "", 50)]
    for path, line, hold in cases:
        with open(os.path.join(corpus, path), "rb") as f:
            text = f.read()
        with WhoisServer(default=text) as throttling:
            first, second = probe("whois", "one.test", "two.test", root=throttling.address)
            assert first["rc"] == "EBUSY", (path, first)
            assert f"{throttling.address}: throttled: {line}" in first["error"], (path, first)
            assert f"try again after {hold} s" in first["error"], (path, first)
            assert [h["status"] for h in first["hops"]] == ["throttled"], (path, first)
            assert hop_texts(first) == [text], path
            # The second name is refused without asking the server again.
            assert second["rc"] == "EBUSY", (path, second)
            assert len(throttling.query_lines()) == 1, (path, throttling.query_lines())


def check_throttle_after_quota():
    quota = b"WHOIS LIMIT EXCEEDED - SEE WWW.PIR.ORG/WHOIS FOR DETAILS\n"
    with WhoisServer(default=b"Domain Name: q.test\n", throttle_after=1,
                     throttle_text=quota) as server:
        first, second = probe("whois", "first.test", "second.test", root=server.address)
        assert first["rc"] == "OK", first
        assert second["rc"] == "EBUSY", second
        assert "throttled: WHOIS LIMIT EXCEEDED" in second["error"], second


def check_unreachable():
    with WhoisServer() as gone:
        address = gone.address
    (result,) = probe("whois", "gone.test", root=address)
    assert result["rc"] == "EIO", result
    assert "connect failed" in result["error"], result


def check_non_loopback_refused():
    # 192.0.2.1 is a documentation address; the probe must reject it unasked.
    (result,) = probe("whois", "far.test", root="192.0.2.1:43", timeout_ms=1000)
    assert result["rc"] == "EINVAL", result
    assert "loopback" in result["error"], result


RDAP_SERVICES = [(["test"], ["/a/"]), (["sub.test", "other"], ["/b"]),
                 (["https.test"], ["http://127.0.0.1:9/plain/", "/secure/"])]


def check_bootstrap_selection():
    with RdapServer(services=RDAP_SERVICES) as rdap:
        names = ["x.test", "x.sub.test", "deep.x.sub.test", "xsub.test", "sub.test",
                 "X.SUB.TEST.", "y.other", "none.invalid"]
        results = probe("base", *names, bootstrap=rdap.url + "/dns.json")
        bases = [r["base"] for r in results]
        a, b = rdap.url + "/a/", rdap.url + "/b/"
        assert bases == [a, b, b, a, b, b, b, None], bases
        assert results[-1]["rc"] == "ENOENT", results[-1]
        # The bootstrap file is fetched once for the process.
        assert rdap.paths().count("/dns.json") == 1, rdap.paths()

        path = os.path.join(t.scratch(), "dns.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(rdap.bootstrap, f)
        from_file = probe("base", *names, bootstrap=path)
        assert [r["base"] for r in from_file] == bases
        assert rdap.paths().count("/dns.json") == 1, "the file was not used"


def check_bootstrap_broken():
    path = os.path.join(t.scratch(), "broken.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"version": "1.0", "services": [[["test"]]]}')
    (result,) = probe("base", "x.test", bootstrap=path)
    assert result["rc"] == "EMALF", result
    assert "service 0" in result["error"], result
    (missing,) = probe("base", "x.test", bootstrap=path + ".absent")
    assert missing["rc"] == "EIO", missing


def check_rdap_found():
    body = (b'{"objectClassName":"domain","ldhName":"found.test",'
            b'"entities":[{"vcardArray":["vcard",[["fn",{},"text","Zo\xc3\xab"]]]}]}')
    with RdapServer(services=RDAP_SERVICES) as rdap:
        rdap.domain("found.test", body)
        (result,) = probe("rdap", "found.test", bootstrap=rdap.url + "/dns.json")
        assert result["rc"] == "OK", result
        assert result["http_status"] == 200, result
        assert result["status"] == "found", result
        assert bytes.fromhex(result["body_hex"]) == body
        assert result["url"] == rdap.url + "/a/domain/found.test", result
        assert rdap.accepts()[-1] == "application/rdap+json", rdap.accepts()


def check_rdap_not_found():
    with RdapServer(services=RDAP_SERVICES) as rdap:
        (result,) = probe("rdap", "absent.test", bootstrap=rdap.url + "/dns.json")
        assert result["rc"] == "OK", result
        assert result["http_status"] == 404, result
        assert result["status"] == "not-found", result
        assert bytes.fromhex(result["body_hex"]) == b'{"errorCode":404,"title":"Not Found"}'


def check_rdap_throttled():
    body = b'{"errorCode":429,"title":"Too Many Requests","description":["slow down"]}'
    with RdapServer(services=RDAP_SERVICES) as rdap:
        rdap.domain("busy.test", body, status=429, headers={"Retry-After": "30"})
        first, second = probe("rdap", "busy.test", "other.test",
                              bootstrap=rdap.url + "/dns.json")
        assert first["rc"] == "EBUSY", first
        assert first["http_status"] == 429, first
        assert first["status"] == "throttled", first
        assert first["retry_after"] == 30, first
        assert "throttled: HTTP 429 (Too Many Requests), try again after 30 s" in \
            first["error"], first
        assert second["rc"] == "EBUSY", second
        assert rdap.paths().count("/a/domain/other.test") == 0, rdap.paths()


def check_rdap_redirect():
    body = b'{"objectClassName":"domain","ldhName":"moved.test"}'
    with RdapServer(services=RDAP_SERVICES) as rdap:
        rdap.redirects["/a/domain/moved.test"] = rdap.url + "/c/domain/moved.test"
        rdap.domain("moved.test", body, prefix="/c/")
        # A relative Location, as RFC 9110 allows.
        rdap.redirects["/a/domain/relative.test"] = "/c/domain/relative.test"
        rdap.domain("relative.test", body, prefix="/c/")
        for hop in range(6):
            rdap.redirects[f"/a/domain/far.test{'/x' * hop}"] = \
                f"/a/domain/far.test{'/x' * (hop + 1)}"
        rdap.redirects["/a/domain/off.test"] = "http://192.0.2.1/domain/off.test"
        moved, relative, far, off = probe("rdap", "moved.test", "relative.test", "far.test",
                                          "off.test", bootstrap=rdap.url + "/dns.json")
        assert moved["rc"] == "OK", moved
        assert moved["redirects"] == 1, moved
        assert moved["url"] == rdap.url + "/c/domain/moved.test", moved
        assert bytes.fromhex(moved["body_hex"]) == body
        assert relative["rc"] == "OK", relative
        assert relative["redirects"] == 1, relative
        assert far["rc"] == "ELIMIT", far
        assert "more than 5 redirects" in far["error"], far
        assert off["rc"] == "EINVAL", off
        assert "loopback" in off["error"], off


def check_rdap_timeout_and_cap():
    # The bootstrap comes from a file, so only the domain query meets the
    # slow server.
    with RdapServer(services=RDAP_SERVICES) as rdap:
        path = os.path.join(t.scratch(), "dns.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(rdap.bootstrap, f)
        rdap.delay = 3
        (slow_result,) = probe("rdap", "slow.test", bootstrap=path, timeout_ms=1000)
        assert slow_result["rc"] == "EIO", slow_result
        assert "timed out" in slow_result["error"], slow_result
        assert slow_result["elapsed_ms"] <= 1000 + SLACK_MS, slow_result
        rdap.delay = 0
        rdap.domain("big.test", b"[" + b"0," * 5000 + b"0]")
        (big,) = probe("rdap", "big.test", bootstrap=path, response_max=1000)
        assert big["rc"] == "ELIMIT", big


def check_domain_order():
    with RdapServer(services=RDAP_SERVICES) as rdap, \
            WhoisServer(default=b"Domain Name: plain.invalid\n") as whois:
        rdap.domain("found.test", b'{"objectClassName":"domain"}')
        boot = rdap.url + "/dns.json"
        by_rdap, by_whois = probe("domain", "found.test", "plain.invalid", bootstrap=boot,
                                  root=whois.address)
        assert by_rdap["protocol"] == "rdap", by_rdap
        assert by_rdap["rc"] == "OK", by_rdap
        assert by_whois["protocol"] == "whois", by_whois
        assert by_whois["rc"] == "OK", by_whois
        assert "no service" in by_whois["rdap_skipped"], by_whois
        assert whois.query_lines() == [b"plain.invalid\r\n"], whois.query_lines()
        (forced,) = probe("domain", "found.test", bootstrap=boot, root=whois.address,
                          only="whois")
        assert forced["protocol"] == "whois", forced
        (rdap_only,) = probe("domain", "plain.invalid", bootstrap=boot, root=whois.address,
                             only="rdap")
        assert rdap_only["rc"] == "ENOENT", rdap_only
        assert rdap_only["protocol"] is None, rdap_only


CHECKS = [check_referral_chain, check_referral_loop, check_hop_limit, check_timeout,
          check_slow_answer_within_timeout, check_partial_close, check_reset,
          check_close_without_answer, check_size_cap, check_interval, check_throttle_corpus,
          check_throttle_after_quota, check_unreachable, check_non_loopback_refused,
          check_bootstrap_selection, check_bootstrap_broken, check_rdap_found,
          check_rdap_not_found, check_rdap_throttled, check_rdap_redirect,
          check_rdap_timeout_and_cap, check_domain_order]


def main():
    if not PROBE or not os.access(PROBE, os.X_OK):
        t.skip("LOOKUP_PROBE does not name tests/tools/lookup_probe; run the test through ctest")
    failed = 0
    for check in CHECKS:
        start = time.monotonic()
        try:
            check()
            print(f"ok {check.__name__} ({time.monotonic() - start:.1f} s)")
        except Exception:  # noqa: BLE001 - report every failing check, then fail
            failed += 1
            print(f"FAIL {check.__name__}")
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
