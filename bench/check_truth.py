"""Compare a dragnet database with gen_capture's --truth file.

The truth lists every (rrname, rrtype, rdata) of the answer sections with
its first and last second and count. The database also counts NS and SOA
records seen in authority sections, so for those it must hold at least the
answer count; every other type must match exactly. Rows that differ only
in bailiwick are merged first.
"""

import argparse
import sqlite3
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "HTTPS": 65, "CAA": 257}
AUTHORITY_TYPES = {"NS", "SOA"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="dragnet SQLite database")
    parser.add_argument("truth", help="the --truth file gen_capture wrote")
    args = parser.parse_args()
    db, truth = args.database, args.truth
    con = sqlite3.connect(db)
    stored = {}
    for rrname, rrtype, rdata, first, last, count in con.execute(
            "SELECT rrname, rrtype, rdata, min(time_first), max(time_last), sum(count) "
            "FROM rrset GROUP BY rrname, rrtype, rdata"):
        stored[(rrname, rrtype, rdata)] = (first, last, count)

    checked = exact = wrong = missing = 0
    examples = []
    for line in open(truth):
        rrname, mnemonic, rdata, first, last, count = line.rstrip("\n").split("\t")
        key = (rrname, TYPES[mnemonic], rdata)
        want = (int(first), int(last), int(count))
        got = stored.get(key)
        checked += 1
        if got is None:
            missing += 1
            examples.append(f"missing {rrname} {mnemonic} {rdata}")
        elif got == want or (mnemonic in AUTHORITY_TYPES and got[2] >= want[2]):
            exact += 1
        else:
            wrong += 1
            examples.append(f"{rrname} {mnemonic} {rdata}: stored {got}, expected {want}")
    print(f"{checked} expected records: {exact} match, {wrong} differ, {missing} missing")
    for example in examples[:5]:
        print("  " + example)
    sys.exit(0 if wrong == 0 and missing == 0 else 1)


if __name__ == "__main__":
    main()
