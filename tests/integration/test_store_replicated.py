"""A ClickHouse store on replicated tables (?replicated=1). Lookups through
every replica print what they print on a SQLite store of the same captures,
a replica that is down does not stop an ingest, and it catches up when it is
back.

Runs one shard with two replicas, then two shards with two replicas each,
every server a child process on 127.0.0.1 with one throwaway ZooKeeper per
cluster. Needs clickhouse-server and Debian's zookeeper package."""

import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import chzk  # noqa: E402
import dnstest as t  # noqa: E402

DATABASE = "dragnet"
# In name order, as replica_states() lists them.
REPLICATED_TABLES = sorted(["batches", "meta", "negative", "rrset_fwd", "rrset_rev", "runs",
                            "sources", "whois", "whois_value", "cert", "cert_name",
                            "cert_sighting", "asn_range", "asn_load"])
# How long replicas get to fetch what another replica stored, and to
# become active again, in seconds.
CATCH_UP_TIMEOUT = 60

# Lookups whose output must match the SQLite store's byte for byte:
# forward, both wildcards, reverse by address, prefix and name, negative
# responses, in each output format.
QUERIES = [
    ["login.paypa1-secure.example", "-t", "A"],
    ["*.paypa1-secure.example", "-j"],
    ["*.paypa1-secure.example", "--csv", "--sort", "name"],
    ["www.example.*", "-j"],
    ["*.com", "--csv", "--sort", "count"],
    ["google.com", "-t", "NS"],
    ["203.0.113.0/24"],
    ["--rdata", "2001:db8::/32", "--sort", "name"],
    ["--rdata", "216.58.218.206"],
    ["--rdata", "ns1.bulletproof-dns.example"],
    ["--rdata", "*.example", "--sort", "name", "--csv"],
    ["--negative", "*.example", "-j"],
]

# The captures of each ingest. The second runs while a replica is down.
PHASES = [["phishing-campaign.pcap.gz"], ["dnscap-resolver.pcap"]]


def clean_env(tmp):
    """The test's environment without any store setting, and with the
    default spool under tmp."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DRAGNET_DB", "DRAGNET_STORE", "DRAGNET_CONFIG")}
    env["DRAGNET_CONFIG"] = os.devnull
    env["XDG_STATE_HOME"] = tmp
    return env


class Dragnet:
    def __init__(self, tmp):
        self.env = clean_env(tmp)

    def __call__(self, *args, check=None):
        return t.run(*args, check=check, env=self.env)

    def outputs(self, store):
        """Exit status and output of every lookup in QUERIES, and `stats -j`
        without the fields that name the store, its backend, its size or its
        schema version, which each backend numbers on its own."""
        results = []
        for query in QUERIES:
            proc = self("pdns", "--store", store, *query)
            assert proc.returncode in (0, 1), (store, query, proc.returncode, proc.stderr)
            results.append((" ".join(query), proc.returncode, proc.stdout))
        stats = json.loads(self("stats", "-j", "--store", store, check=0).stdout)
        for key in ("database", "backend", "size_bytes", "schema_version"):
            del stats[key]
        results.append(("stats -j", 0, json.dumps(stats, indent=1, sort_keys=True)))
        return results

    def wait_for_outputs(self, store, expected, label):
        """Poll until the outputs on store equal expected; return the seconds it took."""
        started = time.monotonic()
        while True:
            got = self.outputs(store)
            if got == expected:
                return time.monotonic() - started
            if time.monotonic() - started > CATCH_UP_TIMEOUT:
                break
            time.sleep(0.2)
        for (query, code, out), (_, want_code, want_out) in zip(got, expected):
            assert (code, out) == (want_code, want_out), (
                f"{label}: '{query}' on {store} still differs from SQLite after "
                f"{CATCH_UP_TIMEOUT} s:\n--- SQLite (exit {want_code})\n{want_out}"
                f"--- ClickHouse (exit {code})\n{out}")
        raise AssertionError(f"{label}: {store} gave {len(got)} outputs, expected "
                             f"{len(expected)}")


def sqlite_outputs(dragnet, tmp):
    """Return the outputs on a SQLite store after each ingest of PHASES."""
    db = os.path.join(tmp, "reference.db")
    outputs = []
    for phase in PHASES:
        dragnet("ingest", "-q", "--db", db, *map(t.sample, phase), check=0)
        outputs.append(dragnet.outputs(db))
    assert outputs[0] != outputs[1], "the second ingest changed no output"
    return outputs


def replica_states(server):
    """(table, is_readonly, total_replicas, active_replicas) of every
    replicated dragnet table on server."""
    rows = server.rows(f"SELECT table, is_readonly, total_replicas, active_replicas "
                       f"FROM system.replicas WHERE database = '{DATABASE}' ORDER BY table")
    return [(table, int(readonly), int(total), int(active))
            for table, readonly, total, active in rows]


def wait_for_active(server, active, replicas):
    """Poll until every dragnet table on server counts active of its replicas
    as active and is writable; return the seconds it took."""
    expected = [(table, 0, replicas, active) for table in REPLICATED_TABLES]
    started = time.monotonic()
    while True:
        states = replica_states(server)
        if states == expected:
            return time.monotonic() - started
        assert time.monotonic() - started < CATCH_UP_TIMEOUT, (
            f"system.replicas on {server.http_url} after {CATCH_UP_TIMEOUT} s: {states}, "
            f"expected {expected}")
        time.sleep(0.2)


def local_rows(server):
    """Every row of server's own rrset_fwd and negative tables, merged, as
    text: what one replica stores of its shard."""
    fwd = server.query(
        f"SELECT rrname, rrtype, bailiwick, rdata, source_id, minMerge(time_first), "
        f"maxMerge(time_last), sumMerge(count) FROM {DATABASE}.rrset_fwd "
        f"GROUP BY rrname, rrtype, bailiwick, rdata, source_id ORDER BY rrname, rrtype, "
        f"bailiwick, rdata, source_id FORMAT TabSeparated")
    negative = server.query(
        f"SELECT qname, qtype, rcode, bailiwick, source_id, minMerge(time_first), "
        f"maxMerge(time_last), sumMerge(count) FROM {DATABASE}.negative "
        f"GROUP BY qname, qtype, rcode, bailiwick, source_id ORDER BY qname, qtype, rcode, "
        f"bailiwick, source_id FORMAT TabSeparated")
    return fwd + "--\n" + negative


def wait_for_same_rows(replicas, label):
    """Poll until every replica of one shard stores the same merged rows."""
    started = time.monotonic()
    while True:
        contents = [local_rows(server) for server in replicas]
        if all(rows == contents[0] for rows in contents):
            return contents[0]
        assert time.monotonic() - started < CATCH_UP_TIMEOUT, (
            f"{label}: replicas of shard {replicas[0].shard} still differ after "
            f"{CATCH_UP_TIMEOUT} s")
        time.sleep(0.2)


def ingest(dragnet, url, phase):
    proc = dragnet("ingest", "--store", url, *map(t.sample, phase), check=0)
    assert "wrote" in proc.stderr, proc.stderr
    return proc


def check_store_init(dragnet, cluster, url):
    proc = dragnet("store", "init", "--store", url, check=0)
    assert proc.stdout.splitlines()[-1] == "schema version  4", proc.stdout
    for server in cluster.servers:
        assert f"creating the schema (version 4) on 127.0.0.1:{server.http_port}" \
            in proc.stderr, proc.stderr
    replicas = len(cluster.replicas[0])
    for server in cluster.servers:
        wait_for_active(server, replicas, replicas)
        for table in REPLICATED_TABLES:
            engine = server.value(f"SELECT engine FROM system.tables WHERE database = "
                                  f"'{DATABASE}' AND name = '{table}'")
            assert engine.startswith("Replicated"), (table, engine)
    # A second init finds the schema in place on every node.
    proc = dragnet("store", "init", "--store", url, check=0)
    assert "creating the schema" not in proc.stderr, proc.stderr


def spool_files(spool):
    return sorted(name for name in os.listdir(spool) if not name.startswith("."))


def one_shard_two_replicas(dragnet, tmp, expected):
    """Both replicas give SQLite's outputs. A replica killed mid-way misses
    an ingest, and after its restart gives SQLite's outputs again."""
    spool = os.path.join(tmp, "spool-1x2")
    with chzk.ZooKeeper() as zk, chzk.ReplicatedCluster(1, 2, zookeeper=zk) as cluster:
        crashed, survivor = cluster.replicas[0]
        print(f"1x2: ZooKeeper started in {zk.startup_seconds:.2f} s, RSS "
              f"{zk.rss_kib() // 1024} MiB; ClickHouse started in "
              + ", ".join(f"{s.startup_seconds:.2f}" for s in cluster.servers)
              + " s, RSS " + ", ".join(f"{s.rss_kib() // 1024}" for s in cluster.servers)
              + " MiB")
        # spool_wait=0: an ingest that cannot deliver everything returns at
        # once and leaves the rest in the spool.
        url = cluster.url(DATABASE, spool=spool, spool_wait=0)
        check_store_init(dragnet, cluster, url)

        ingest(dragnet, url, PHASES[0])
        # A replica on its own (local tables) and the same replica as the
        # cluster's entry point (Distributed tables) both give SQLite's outputs.
        for server in cluster.servers:
            dragnet.wait_for_outputs(server.url(DATABASE), expected[0],
                                     f"replica {server.replica}")
            dragnet.wait_for_outputs(cluster.url(DATABASE, [server]), expected[0],
                                     f"cluster through replica {server.replica}")
            print(f"1x2: replica {server.replica} gives SQLite's outputs, alone and as "
                  "the cluster's entry point")
        assert spool_files(spool) == [], spool_files(spool)

        # A crash of the node the URL lists first, so dragnet must turn to
        # the other one. The crashed replica's ZooKeeper session stays open
        # until it times out, and the survivor counts it as active till then.
        crashed.stop(kill=True)
        proc = ingest(dragnet, url, PHASES[1])
        dragnet.wait_for_outputs(survivor.url(DATABASE), expected[1], "replica left alone")
        dragnet.wait_for_outputs(url, expected[1], "cluster with one replica down")
        # Every batch goes to whichever node answers, and replication
        # brings it to the other replica: nothing waits in the spool.
        assert "keeping batches in" not in proc.stderr, proc.stderr
        assert spool_files(spool) == [], spool_files(spool)
        seconds = wait_for_active(survivor, 1, 2)
        print(f"1x2: ingest with replica {crashed.replica} killed exits 0 with an empty "
              f"spool; ZooKeeper dropped its session after {seconds:.1f} s more")

        restarted = time.monotonic()
        crashed.start()
        dragnet.wait_for_outputs(crashed.url(DATABASE), expected[1], "restarted replica")
        caught_up = time.monotonic() - restarted
        for server in cluster.servers:
            wait_for_active(server, 2, 2)
        dragnet("store", "init", "--store", url, check=0)
        assert spool_files(spool) == [], spool_files(spool)
        for server in cluster.servers:
            dragnet.wait_for_outputs(server.url(DATABASE), expected[1],
                                     f"replica {server.replica} after the spool emptied")
        print(f"1x2: restarted replica {crashed.replica} gives SQLite's outputs "
              f"{caught_up:.1f} s after its start; both replicas active")


def two_shards_two_replicas(dragnet, tmp, expected):
    """Every node gives SQLite's outputs through the Distributed tables,
    both shards store rows, and the replicas of each shard store the same
    rows, also after one replica missed an ingest."""
    spool = os.path.join(tmp, "spool-2x2")
    with chzk.ZooKeeper() as zk, chzk.ReplicatedCluster(2, 2, zookeeper=zk) as cluster:
        print("2x2: ClickHouse started in "
              + ", ".join(f"{s.startup_seconds:.2f}" for s in cluster.servers) + " s")
        url = cluster.url(DATABASE, spool=spool, spool_wait=0)
        check_store_init(dragnet, cluster, url)

        ingest(dragnet, url, PHASES[0])
        for server in cluster.servers:
            dragnet.wait_for_outputs(cluster.url(DATABASE, [server]), expected[0],
                                     f"cluster through {server.shard}/{server.replica}")
        shard_rows = [wait_for_same_rows(replicas, "first ingest")
                      for replicas in cluster.replicas]
        for shard, rows in zip(cluster.replicas, shard_rows):
            assert rows.split("--\n")[0] != "", f"shard {shard[0].shard} stores no record"
        print("2x2: all four nodes give SQLite's outputs; both shards store records")

        # A clean stop of one replica of the second shard. Its rows go to
        # the other replica, both from the node that takes the INSERT and
        # through the Distributed table of the first shard's nodes.
        down = cluster.replicas[1][0]
        down.stop()
        ingest(dragnet, url, PHASES[1])
        for server in cluster.servers:
            if server is not down:
                dragnet.wait_for_outputs(cluster.url(DATABASE, [server]), expected[1],
                                         f"cluster through {server.shard}/{server.replica} "
                                         f"with {down.shard}/{down.replica} down")

        down.start()
        # Through its own Distributed table the restarted node reads its
        # shard from its local tables, so this shows that it caught up.
        dragnet.wait_for_outputs(cluster.url(DATABASE, [down]), expected[1],
                                 f"cluster through restarted {down.shard}/{down.replica}")
        for replicas in cluster.replicas:
            wait_for_same_rows(replicas, "second ingest")
        for server in cluster.servers:
            wait_for_active(server, 2, 2)
        dragnet("store", "init", "--store", url, check=0)
        assert spool_files(spool) == [], spool_files(spool)
        print(f"2x2: replica {down.shard}/{down.replica} missed an ingest and caught up; "
              "every shard's replicas store the same rows")


def main():
    if chserver.find_server() is None:
        t.skip(chserver._missing_server_message())
    if chzk.find_zookeeper() is None:
        t.skip(chzk.missing_zookeeper_message())
    started = time.monotonic()
    tmp = t.scratch()
    dragnet = Dragnet(tmp)
    expected = sqlite_outputs(dragnet, tmp)
    one_shard_two_replicas(dragnet, tmp, expected)
    two_shards_two_replicas(dragnet, tmp, expected)
    shutil.rmtree(tmp)
    print(f"replicated store test took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
