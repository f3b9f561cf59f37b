"""dragnet asn IP over random overlapping ranges, on SQLite and ClickHouse.

Two ip2asn files of random ranges (CIDR prefixes and arbitrary spans that
overlap and nest, IPv4 and IPv6) are loaded into one store. Every lookup
is compared with a lookup written here from the documented rule. The
smallest range that covers the address wins, then the range of the later
load, then the one with the higher first address. The ClickHouse
checks run when clickhouse-server is installed, on a server started on
loopback.

Environment: DRAGNET is the dragnet binary, TMPDIR the scratch folder."""

import ipaddress
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

V4_BASE = int(ipaddress.ip_address("10.0.0.0"))
V6_BASE = int(ipaddress.ip_address("2001:db8::"))
SPACE = 1 << 16


def random_range(rng, base):
    """A CIDR prefix of /16 to /32 (or its IPv6 equivalent) or an arbitrary
    span of up to 4096 addresses, inside base .. base + SPACE."""
    if rng.random() < 0.5:
        size = 1 << rng.randrange(0, 17)
        lo = base + (rng.randrange(SPACE) & ~(size - 1))
        return lo, lo + size - 1
    lo = base + rng.randrange(SPACE)
    return lo, min(lo + rng.randrange(4096), base + SPACE - 1)


def write_ranges(path, rng, first_asn, count):
    """Write count distinct random ranges as ip2asn lines, and return them
    as (lo, hi, asn) integers."""
    seen, ranges = set(), []
    while len(ranges) < count:
        base = V4_BASE if rng.random() < 0.7 else V6_BASE
        lo, hi = random_range(rng, base)
        if (lo, hi) in seen:
            continue
        seen.add((lo, hi))
        ranges.append((lo, hi, first_asn + len(ranges)))
    with open(path, "w", encoding="ascii") as f:
        for lo, hi, asn in ranges:
            f.write(f"{ipaddress.ip_address(lo)}\t{ipaddress.ip_address(hi)}\t{asn}\tZZ\t"
                    f"Random AS {asn}\n")
    return ranges


def expected(loads, ip):
    """The (lo, hi, asn) that covers ip by the rule in the docstring, or
    None when no range covers it. loads lists each load's ranges, in load
    order."""
    best, best_key = None, None
    for order, ranges in enumerate(loads):
        for lo, hi, asn in ranges:
            if lo <= ip <= hi:
                key = (-(hi - lo), order, lo)
                if best_key is None or key > best_key:
                    best, best_key = (lo, hi, asn), key
    return best


def v4_or_v6(value):
    """An address as dragnet prints it: IPv4 in dotted form."""
    return str(ipaddress.ip_address(value))


def check_store(where, tmp, rng):
    files = [os.path.join(tmp, "random-a.tsv"), os.path.join(tmp, "random-b.tsv")]
    loads = [write_ranges(files[0], rng, 64500, 300), write_ranges(files[1], rng, 65500, 300)]
    for path in files:
        t.run("asn", *where, "--load", "-q", path, check=0)

    addresses = [V4_BASE - 1, V4_BASE + SPACE, V6_BASE + SPACE]
    addresses += [V4_BASE + rng.randrange(SPACE) for _ in range(300)]
    addresses += [V6_BASE + rng.randrange(SPACE) for _ in range(100)]
    # Both ends of some ranges, where an off-by-one would show.
    for lo, hi, _ in loads[0][:20] + loads[1][:20]:
        addresses += [lo, hi]
    texts = [v4_or_v6(a) for a in addresses]
    out = t.run("asn", *where, "--json", *texts).stdout.splitlines()
    assert len(out) == len(texts), (len(out), len(texts))
    found = 0
    for text, line in zip(texts, out):
        got = json.loads(line)
        assert got["ip"] == text, (got, text)
        want = expected(loads, int(ipaddress.ip_address(text)))
        if want is None:
            assert got["asn"] is None, (text, got)
            continue
        found += 1
        lo, hi, asn = want
        assert got["asn"] == asn, (text, got, want)
        assert got["range"] == f"{v4_or_v6(lo)}-{v4_or_v6(hi)}", (text, got, want)
        assert got["source"] == os.path.basename(files[1] if asn >= 65500 else files[0]), got
    # Most addresses lie in some range; a run that found none proves nothing.
    assert found > len(texts) // 2, found
    return found, len(texts)


def main():
    tmp = t.scratch()
    found, total = check_store(["--db", os.path.join(tmp, "random.db")], tmp, random.Random(7))
    print(f"sqlite: {found} of {total} addresses found, every lookup as expected")
    if chserver.find_server() is None:
        print("NOTE: clickhouse-server is not installed; the ClickHouse checks are skipped")
        return
    with chserver.ClickHouse() as server:
        where = ["--store", f"clickhouse://{chserver.HOST}:{server.http_port}/random"]
        found, total = check_store(where, tmp, random.Random(7))
        print(f"clickhouse: {found} of {total} addresses found, every lookup as expected")


if __name__ == "__main__":
    main()
