"""--query-timeout of dragnet serve on a ClickHouse store, against a
throwaway clickhouse-server on loopback.

A lookup by name is made slow on purpose by putting a view in place of
the table it reads (rrset_fwd). The first view joins the table with a
subquery that hashes two billion numbers, which takes ClickHouse 18.16
about half a minute on two cores, and which the server checks against
max_execution_time between blocks of rows. The second joins a subquery
that sleeps 3 s in one block, which ClickHouse cannot stop, so dragnet's
side of the deadline has to. A join, unlike a subquery in WHERE, does not
run when the view is created. Either way the lookup must get the same 503
as on SQLite, and lookups before and after must succeed."""

import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402
import webtest  # noqa: E402

DATABASE = "pdns"
TIMEOUT_MS = 1000
NAME = "login.paypa1-secure.example"
MESSAGE = (f"query took longer than {TIMEOUT_MS} ms; narrow it or raise "
           "--query-timeout")
# Seconds the client waits for a response. A lookup that is not stopped
# runs far longer than this.
CLIENT_TIMEOUT_S = 15


def clean_env(folder):
    """The environment without the tester's store settings, with the spool
    of ClickHouse writes under folder."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DRAGNET_DB", "DRAGNET_STORE", "XDG_CONFIG_HOME")}
    env["DRAGNET_CONFIG"] = os.devnull
    env["XDG_STATE_HOME"] = os.path.join(folder, "state")
    return env


class Server(webtest.Server):
    """webtest.Server on a ClickHouse store, with a clean environment."""

    def __init__(self, folder, location, keys, *args):
        super().__init__(None, "--store", location, "--keys", keys, *args,
                         env=clean_env(folder), log_dir=folder)

    def get(self, path, key):
        """GET path; returns (status, body bytes, seconds taken)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT_S)
        start = time.monotonic()
        try:
            conn.request("GET", path, headers={"X-Api-Key": key})
            resp = conn.getresponse()
            return resp.status, resp.read(), time.monotonic() - start
        finally:
            conn.close()


def lookup_succeeds(server, key, what, query=NAME):
    """The lookup gets 200 with records; returns them."""
    status, body, seconds = server.get(f"/api/v1/pdns?q={query}", key)
    assert status == 200, f"{what}: status {status}: {body[:300]!r}"
    records = json.loads(body)["records"]
    assert records, f"{what}: no records for {query}: {body[:300]!r}"
    print(f"{what}: 200 with {len(records)} records in {seconds:.2f} s")
    return records


def lookup_stopped(server, key, what, low_s, high_s):
    """The lookup gets 503 with the timeout message within [low_s, high_s]."""
    status, body, seconds = server.get(f"/api/v1/pdns?q={NAME}", key)
    assert status == 503, f"{what}: status {status} after {seconds:.2f} s: {body[:300]!r}"
    doc = json.loads(body)
    assert doc == {"error": MESSAGE}, f"{what}: body {doc!r}"
    assert low_s <= seconds <= high_s, \
        f"{what}: stopped after {seconds:.2f} s, expected {low_s} to {high_s} s"
    print(f"{what}: 503 after {seconds:.2f} s")


COLUMNS = ("rrname_rev, rrtype, bailiwick, rdata, source_id, rrname, rdata_key, "
           "rdata_target, time_first, time_last, count")


def put_view(ch, slow_select):
    """Make rrset_fwd a view of the real table joined with slow_select, a
    subquery with an rrtype column that matches no record."""
    ch.query(f"DROP TABLE IF EXISTS {DATABASE}.rrset_fwd")
    ch.query(f"CREATE VIEW {DATABASE}.rrset_fwd AS SELECT {COLUMNS} "
             f"FROM {DATABASE}.rrset_fwd_real ANY LEFT JOIN ({slow_select}) USING rrtype")


def server_timeouts(ch):
    """Lines of the ClickHouse server's logs with code 159, TIMEOUT_EXCEEDED."""
    lines = []
    for name in ("server.log", "server.err.log"):
        try:
            with open(os.path.join(ch.directory, name), errors="replace") as f:
                lines += [line for line in f if "Code: 159" in line]
        except FileNotFoundError:
            pass
    return lines


def main():
    chserver.require_clickhouse()
    folder = t.scratch()
    keys = os.path.join(folder, "keys")
    with chserver.ClickHouse() as ch:
        location = ch.url(DATABASE)
        t.run("ingest", "--store", location, "--source", "resolver",
              t.sample("phishing-campaign.pcap.gz"), env=clean_env(folder), check=0)
        key = t.run("apikey", "add", "--keys", keys, env=clean_env(folder),
                    check=0).stdout.strip()

        server = Server(folder, location, keys, "--query-timeout", str(TIMEOUT_MS))
        try:
            records = lookup_succeeds(server, key, "lookup before the slow view")
            address = next(r["rdata"] for r in records if r["rrtype"] == "A")

            ch.query(f"RENAME TABLE {DATABASE}.rrset_fwd TO {DATABASE}.rrset_fwd_real")
            put_view(ch, "SELECT toUInt16(0) AS rrtype FROM numbers(2000000000) "
                         "WHERE sipHash64(number) = 0")
            before = len(server_timeouts(ch))
            # ClickHouse 18.16 takes whole seconds, so the 1000 ms left
            # (less the time spent before the query) become 1 s there.
            lookup_stopped(server, key, "lookup the server stops", 0.9, 3.0)
            assert len(server_timeouts(ch)) > before, \
                "ClickHouse logged no TIMEOUT_EXCEEDED (159): the limit did not reach it"

            put_view(ch, "SELECT toUInt16(0) AS rrtype FROM numbers(1) WHERE sleep(3) = 0")
            # max_execution_time 1 s, and curl gives up half a second later.
            lookup_stopped(server, key, "lookup dragnet stops", 1.2, 2.9)
            # The worker's next request, on a new connection to ClickHouse,
            # reads rrset_rev, which is no view.
            lookup_succeeds(server, key, "reverse lookup after the timeouts", address)

            ch.query(f"DROP TABLE {DATABASE}.rrset_fwd")
            ch.query(f"RENAME TABLE {DATABASE}.rrset_fwd_real TO {DATABASE}.rrset_fwd")
            lookup_succeeds(server, key, "lookup by name after the timeouts")
        finally:
            code = server.stop()
        assert code == 0, f"dragnet serve exited {code}:\n{server.text()[-2000:]}"
    print("test_serve_clickhouse: all checks passed")


if __name__ == "__main__":
    main()
