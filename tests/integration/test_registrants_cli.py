"""dragnet registrants correlate on the bundled WHOIS samples.

The samples (samples/make_whois.py) hold a fraud ring of 47 domains under
different registrant names and emails: 44 give one UK number whose last
digit runs 0-9 in registration order, three give unrelated numbers. The
command must return one group of exactly those 44, found through the phone
numbers, and say that the last digit varies in a sequential run. The ring
membership is read from the sample files, not from dragnet. The campaign's
three domains that share the operator's phone form a second group; the
privacy-service and redacted domains join nothing. The same answers are
required from a ClickHouse store when clickhouse-server is installed.

Environment: DRAGNET is the dragnet binary, DRAGNET_SOURCE_DIR the checkout,
TMPDIR the scratch folder."""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

SAMPLES = os.path.join(t.SOURCE_DIR, "samples", "whois")
EXIT_OK, EXIT_NONE, EXIT_USAGE = 0, 1, 2


def ring():
    """(the 44 domains with the phone run, the 3 others), from the files."""
    run, others = [], []
    for name in sorted(os.listdir(os.path.join(SAMPLES, "ring"))):
        with open(os.path.join(SAMPLES, "ring", name), encoding="utf-8") as f:
            text = f.read()
        domain = re.search(r"^Domain Name: (\S+)", text, re.M).group(1).lower()
        phone = re.search(r"^Registrant Phone: (\S+)", text, re.M).group(1)
        (run if phone.startswith("+44.207946031") else others).append(domain)
    return sorted(run), sorted(others)


def correlate(where, *args, check=EXIT_OK):
    return t.run("registrants", "correlate", *where, *args, check=check)


def groups_of(where, *args):
    lines = correlate(where, "--json", *args).stdout.splitlines()
    return [json.loads(line) for line in lines if '"group"' in line]


def check_groups(where):
    run, others = ring()
    assert len(run) == 44, len(run)
    assert len(others) == 3, others
    groups = groups_of(where)
    assert len(groups) == 2, [g["domains"] for g in groups]
    first, second = groups
    assert first["domains"] == run, first["domains"]
    assert not set(others) & {d for g in groups for d in g["domains"]}
    lead = first["evidence"][0]
    assert lead["kind"] == "phone digits", lead
    assert lead["field"] == "phone", lead
    assert lead["sequential"] is True, lead
    assert lead["domains"] == run, lead
    assert "last digit" in lead["reason"], lead
    assert "sequential" in lead["reason"], lead
    assert second["domains"] == ["invoice-paypa1.example", "paypa1-secure.example",
                                 "paypa1-support.example"], second
    assert second["confidence"] > first["confidence"], (first, second)
    # Privacy-service and redacted values are listed as not used.
    unused = [json.loads(line) for line in correlate(where, "--json").stdout.splitlines()
              if '"unused"' in line]
    assert any(u["value"] == "contact@privacyprotect.org" and u["masked"] for u in unused), \
        unused


def check_text(where):
    out = correlate(where).stdout
    assert out.startswith("group 1: 44 domains"), out
    assert "differ only in the last digit" in out, out
    # Asking about one domain shows only its group.
    out = correlate(where, "PAYPA1-SECURE.example").stdout
    assert out.startswith("group 2: 3 domains"), out
    assert "group 1" not in out, out
    correlate(where, "secure-bank-login.example", check=EXIT_NONE)
    correlate(where, "--share-max", "0", check=EXIT_USAGE)
    t.run("registrants", "frobnicate", check=EXIT_USAGE)


def check_share_max(where):
    # With --share-max 3 the exact numbers on 4 or 5 domains are not used, and
    # the run of near numbers over 44 domains is too wide to link: no ring.
    groups = groups_of(where, "--share-max", "3")
    assert all(len(g["domains"]) < 44 for g in groups), [len(g["domains"]) for g in groups]


def check_redact(where):
    out = correlate(where, "--redact-personal").stdout
    assert "+44" not in out, out
    assert "@" not in out, out
    assert "viktor" not in out.lower(), out
    assert "group 1: 44 domains" in out, out


def run_all(where):
    check_groups(where)
    check_text(where)
    check_share_max(where)
    check_redact(where)


def main():
    tmp = t.scratch()
    db = os.path.join(tmp, "registrants.db")
    t.run("whois", "--import", "--db", db, SAMPLES, check=EXIT_OK)
    run_all(["--db", db])
    print("sqlite: one group of 44 through the phone run, one of 3, redaction")
    if chserver.find_server() is None:
        print("NOTE: clickhouse-server is not installed; the ClickHouse checks are skipped")
        return
    with chserver.ClickHouse() as server:
        location = f"clickhouse://{chserver.HOST}:{server.http_port}/registrants"
        t.run("whois", "--import", "--store", location, SAMPLES, check=EXIT_OK)
        run_all(["--store", location])
        a = correlate(["--db", db], "--json").stdout
        b = correlate(["--store", location], "--json").stdout
        assert a == b, (a, b)
    print("clickhouse: the same groups and output")


if __name__ == "__main__":
    main()
