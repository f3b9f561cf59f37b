#!/usr/bin/env python3
"""dragnet whois --live end to end, against WHOIS and RDAP servers started
here on 127.0.0.1: the referral chain over three WHOIS servers, RDAP chosen
when the bootstrap file has a service for the TLD and WHOIS when it has
none, what is stored (source live-whois or live-rdap, the raw response
byte for byte) and printed, an RDAP 404, throttling by either protocol, a server
that never answers, and the interval between two queries to one server.

Every server address the command gets is on loopback, and so is every
referral and bootstrap URL the servers send, so nothing leaves 127.0.0.1.
The expected values are the texts these servers send.

Environment: DRAGNET is the dragnet binary, TMPDIR the scratch folder. Exit
status 0 when every check passes, 1 on a failure."""

import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402
from whoisservers import RdapServer, WhoisServer  # noqa: E402

EXIT_OK, EXIT_NONE, EXIT_LIVE_FAILED = 0, 1, 7
SLACK_S = 1.5

REGISTRAR_TEXT = (
    "Domain Name: chain.test\r\n"
    "Registry Domain ID: 2336799_DOMAIN_TEST-LOOP\r\n"
    "Registrar WHOIS Server: {self}\r\n"
    "Updated Date: 2024-08-14T07:01:34Z\r\n"
    "Creation Date: 1995-08-14T04:00:00Z\r\n"
    "Registrar Registration Expiration Date: 2025-08-13T04:00:00Z\r\n"
    "Registrar: Loopback Registrar, Inc.\r\n"
    "Registrar IANA ID: 9999\r\n"
    "Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\r\n"
    "Registrant Name: Zoë Ångström\r\n"
    "Registrant Organization: Exämple Holdings Ltd\r\n"
    "Registrant Email: zoe@holdings.example\r\n"
    "Registrant Country: GB\r\n"
    "Name Server: ns1.chain-dns.example\r\n"
    "Name Server: ns2.chain-dns.example\r\n"
    "DNSSEC: unsigned\r\n"
    ">>> Last update of WHOIS database: 2024-09-01T10:00:00Z <<<\r\n")

RDAP_BODY = json.dumps({
    "objectClassName": "domain",
    "ldhName": "rdap.test",
    "status": ["active"],
    "events": [{"eventAction": "registration", "eventDate": "2020-01-02T03:04:05Z"},
               {"eventAction": "expiration", "eventDate": "2030-01-02T03:04:05Z"}],
    "nameservers": [{"objectClassName": "nameserver", "ldhName": "ns1.rdap-dns.example"}],
    "entities": [{"objectClassName": "entity", "roles": ["registrar"],
                  "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                           ["fn", {}, "text", "Loopback RDAP Registrar"]]]}],
}).encode()


def iana_answer(tld, server):
    return (f"% IANA WHOIS server\n\nrefer:        {server}\n\ndomain:       {tld.upper()}\n\n"
            f"whois:        {server}\n\nstatus:       ACTIVE\nsource:       IANA\n\n").encode()


def registry_answer(domain, registrar):
    return (f"   Domain Name: {domain.upper()}\r\n   Registrar WHOIS Server: {registrar}\r\n"
            f"   Registrar: Loopback Registrar, Inc.\r\n   Name Server: NS1.CHAIN-DNS.EXAMPLE\r\n"
            f">>> Last update of whois database: 2024-09-01T10:00:00Z <<<\r\n").encode()


def live(db, *args, check=None, timeout=60):
    return t.run("whois", "--live", "--db", db, "--interval", "0", "--timeout", "5", *args,
                 check=check, timeout=timeout)


def stored(db, domain, *args, check=EXIT_OK):
    return t.run("whois", "--db", db, *args, domain, check=check)


def stored_json(db, domain):
    lines = stored(db, domain, "--json").stdout.splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def no_bootstrap(tmp):
    """A bootstrap file with no services, so that --live uses WHOIS."""
    path = os.path.join(tmp, "empty-dns.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": "1.0", "services": []}, f)
    return path


def check_whois_chain(tmp):
    db = os.path.join(tmp, "chain.db")
    with WhoisServer() as registrar, WhoisServer() as registry, WhoisServer() as root:
        registrar_text = REGISTRAR_TEXT.format(self=registrar.address).encode()
        root.default = iana_answer("test", registry.address)
        registry.default = registry_answer("chain.test", registrar.address)
        registrar.default = registrar_text
        out = live(db, "--whois-root", root.address, "--rdap-bootstrap", no_bootstrap(tmp),
                   "chain.test", check=EXIT_OK).stdout
        for server in (root, registry, registrar):
            assert server.query_lines() == [b"chain.test\r\n"], server.query_lines()
    assert "Loopback Registrar, Inc." in out, out
    assert "ns2.chain-dns.example" in out, out
    assert "Exämple Holdings Ltd" in out, out

    doc = stored_json(db, "chain.test")
    assert doc["source"] == "live-whois", doc
    # dnstest reads stdout as text, which turns CRLF into LF.
    raw = stored(db, "chain.test", "--raw").stdout.encode()
    assert raw == registrar_text.replace(b"\r\n", b"\n"), raw


def check_whois_only_flag(tmp):
    db = os.path.join(tmp, "whois-only.db")
    with RdapServer(services=[(["test"], ["/a/"])]) as rdap, \
            WhoisServer(default=b"Domain Name: flag.test\nRegistrar: Flag Registrar\n") as root:
        rdap.domain("flag.test", RDAP_BODY)
        live(db, "--whois-only", "--whois-root", root.address, "--rdap-bootstrap",
             rdap.url + "/dns.json", "flag.test", check=EXIT_OK)
        assert root.query_lines() == [b"flag.test\r\n"], root.query_lines()
        assert "/a/domain/flag.test" not in rdap.paths(), rdap.paths()
    assert stored_json(db, "flag.test")["source"] == "live-whois"


def check_rdap_preferred(tmp):
    db = os.path.join(tmp, "rdap.db")
    with RdapServer(services=[(["test"], ["/a/"])]) as rdap, WhoisServer() as root:
        rdap.domain("rdap.test", RDAP_BODY)
        out = live(db, "--whois-root", root.address, "--rdap-bootstrap", rdap.url + "/dns.json",
                   "rdap.test", check=EXIT_OK).stdout
        assert root.query_lines() == [], "WHOIS was asked although RDAP had a service"
        assert "/a/domain/rdap.test" in rdap.paths(), rdap.paths()
        assert rdap.accepts()[-1] == "application/rdap+json", rdap.accepts()
    assert "ns1.rdap-dns.example" in out, out
    assert "Loopback RDAP Registrar" in out, out
    assert stored_json(db, "rdap.test")["source"] == "live-rdap"
    raw = stored(db, "rdap.test", "--raw").stdout.encode()
    assert raw.rstrip(b"\n") == RDAP_BODY, raw


def check_fallback_to_whois(tmp):
    db = os.path.join(tmp, "fallback.db")
    with RdapServer(services=[(["test"], ["/a/"])]) as rdap, \
            WhoisServer(default=b"Domain Name: plain.invalid\nRegistrar: Plain Registrar\n") \
            as root:
        live(db, "--whois-root", root.address, "--rdap-bootstrap", rdap.url + "/dns.json",
             "plain.invalid", check=EXIT_OK)
        assert root.query_lines() == [b"plain.invalid\r\n"], root.query_lines()
    assert stored_json(db, "plain.invalid")["source"] == "live-whois"


def check_rdap_not_found(tmp):
    db = os.path.join(tmp, "absent.db")
    with RdapServer(services=[(["test"], ["/a/"])]) as rdap, WhoisServer() as root:
        live(db, "--rdap-only", "--whois-root", root.address, "--rdap-bootstrap",
             rdap.url + "/dns.json", "absent.test", check=EXIT_NONE)
        assert "/a/domain/absent.test" in rdap.paths(), rdap.paths()
        assert root.query_lines() == []


def check_throttled(tmp):
    db = os.path.join(tmp, "throttled.db")
    quota = b"WHOIS LIMIT EXCEEDED - SEE WWW.PIR.ORG/WHOIS FOR DETAILS\n"
    with WhoisServer(default=quota) as root:
        proc = live(db, "--whois-only", "--whois-root", root.address, "busy.test",
                    check=EXIT_LIVE_FAILED)
        assert f"{root.address}: throttled: WHOIS LIMIT EXCEEDED" in proc.stderr, proc.stderr
        assert "try again after" in proc.stderr, proc.stderr

    with RdapServer(services=[(["test"], ["/a/"])]) as rdap:
        rdap.domain("busy.test", b'{"errorCode":429,"title":"Too Many Requests"}', status=429,
                    headers={"Retry-After": "30"})
        proc = live(db, "--rdap-only", "--rdap-bootstrap", rdap.url + "/dns.json", "busy.test",
                    check=EXIT_LIVE_FAILED)
        assert "throttled" in proc.stderr, proc.stderr
        assert "try again after 30 s" in proc.stderr, proc.stderr


def check_timeout(tmp):
    db = os.path.join(tmp, "timeout.db")
    with WhoisServer(mode="silent") as silent:
        start = time.monotonic()
        proc = t.run("whois", "--live", "--db", db, "--whois-only", "--whois-root",
                     silent.address, "--timeout", "1", "slow.test", check=EXIT_LIVE_FAILED,
                     timeout=30)
        elapsed = time.monotonic() - start
    assert "timed out" in proc.stderr, proc.stderr
    assert elapsed <= 1 + SLACK_S, elapsed


def check_interval(tmp):
    db = os.path.join(tmp, "interval.db")
    with WhoisServer(default=b"Domain Name: paced.test\nRegistrar: Paced Registrar\n") as root:
        t.run("whois", "--live", "--db", db, "--whois-only", "--whois-root", root.address,
              "--interval", "1", "one.test", "two.test", timeout=60)
        times = root.query_times()
    assert len(times) == 2, times
    assert times[1] - times[0] >= 0.95, times


def check_other_domain(tmp):
    """A response for another name is not stored under the requested one."""
    db = os.path.join(tmp, "other.db")
    with WhoisServer(default=b"Domain Name: OTHER.TEST\nRegistrar: Other Registrar\n") as root:
        proc = live(db, "--whois-only", "--whois-root", root.address, "asked.test",
                    check=EXIT_LIVE_FAILED)
    assert "is for 'other.test'; not stored" in proc.stderr, proc.stderr
    stored(db, "asked.test", check=EXIT_NONE)
    stored(db, "other.test", check=EXIT_NONE)


def check_bad_bootstrap(tmp):
    """A bootstrap file that cannot be read stops the command before any query."""
    db = os.path.join(tmp, "bootstrap.db")
    with WhoisServer(default=b"Domain Name: boot.test\nRegistrar: Boot Registrar\n") as root:
        proc = live(db, "--whois-root", root.address, "--rdap-bootstrap",
                    os.path.join(tmp, "no-such-bootstrap.json"), "boot.test",
                    check=EXIT_LIVE_FAILED)
        assert root.query_lines() == [], "WHOIS was asked although the bootstrap was bad"
    assert "--rdap-bootstrap" in proc.stderr, proc.stderr


CHECKS = [check_whois_chain, check_other_domain, check_bad_bootstrap, check_whois_only_flag, check_rdap_preferred,
          check_fallback_to_whois, check_rdap_not_found, check_throttled, check_timeout,
          check_interval]


def main():
    tmp = t.scratch()
    failed = 0
    for check in CHECKS:
        try:
            check(tmp)
            print(f"ok {check.__name__}")
        except Exception:  # noqa: BLE001 - report every failing check, then fail
            failed += 1
            print(f"FAIL {check.__name__}")
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
