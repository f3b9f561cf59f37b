"""dragnet store init, status and copy, and how every command chooses its
store: --store and --db, DRAGNET_STORE, DRAGNET_DB, the configuration file
and the default location, with passwords kept out of messages."""

import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

EXIT_USAGE = 2
EXIT_STORE = 4

# Lookups whose output must be the same, byte for byte, on a store and on
# its copy: forward, both wildcards, reverse by address, prefix and name,
# negative answers, in each output format.
QUERIES = [
    ["login.paypa1-secure.example", "-t", "A"],
    ["*.paypa1-secure.example", "-j"],
    ["*.paypa1-secure.example", "--csv", "--sort", "name"],
    ["www.example.*", "-j"],
    ["*.com", "--csv", "--sort", "count"],
    ["google.com", "-t", "NS"],
    ["203.0.113.0/24"],
    ["203.0.113.10", "-j"],
    ["--rdata", "2001:db8::/32", "--sort", "name"],
    ["--rdata", "216.58.218.206"],
    ["--rdata", "ns1.bulletproof-dns.example"],
    ["--rdata", "*.example", "--sort", "name", "--csv"],
    ["--negative", "*.example", "-j"],
    ["--negative", "*.example"],
]


def clean_env(**changes):
    """The test's environment without any store setting, with a
    configuration file that sets nothing, and with changes applied."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DRAGNET_DB", "DRAGNET_STORE", "DRAGNET_CONFIG", "XDG_CONFIG_HOME")}
    env["DRAGNET_CONFIG"] = os.devnull
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def dragnet(*args, check=None, env=None):
    return t.run(*args, check=check, env=env or clean_env())


def lookups(store):
    """Output and exit status of every query in QUERIES on store."""
    results = []
    for query in QUERIES:
        proc = dragnet("pdns", "--store", store, *query)
        assert proc.returncode in (0, 1), (query, proc.returncode, proc.stderr)
        results.append((query, proc.returncode, proc.stdout))
    return results


def comparable_stats(store):
    """stats -j without the fields that name the file or the backend."""
    stats = json.loads(dragnet("stats", "-j", "--store", store, check=0).stdout)
    for key in ("database", "backend", "size_bytes"):
        del stats[key]
    return stats


def without_ids(runs):
    return [{key: value for key, value in run.items() if key not in ("id", "source_id")}
            for run in runs]


def check_same_contents(a, b, what):
    """Every lookup and stats give the same output on SQLite files a and b,
    and the tables hold the same per-source figures, sources and runs."""
    for (query, code_a, out_a), (_, code_b, out_b) in zip(lookups(a), lookups(b)):
        assert code_a == code_b, (what, query, code_a, code_b)
        assert out_a == out_b, (what, query, out_a, out_b)
    assert comparable_stats(a) == comparable_stats(b), what
    assert t.rrset_sources(a) == t.rrset_sources(b), what
    assert t.negatives(a) == t.negatives(b), what
    assert t.sources(a) == t.sources(b), what
    assert without_ids(t.runs(a)) == without_ids(t.runs(b)), what


def ingest_samples(tmp):
    """A store of both sample captures, plus the resolver capture again
    under a second source, so that its records have two sources each."""
    db = os.path.join(tmp, "a.db")
    for args in ([t.sample("phishing-campaign.pcap.gz"), t.sample("dnscap-resolver.pcap")],
                 ["--source", "sensor-2", "--again", t.sample("dnscap-resolver.pcap")]):
        dragnet("ingest", "-q", "--db", db, *args, check=0)
    shared = [row for row in t.rrset_sources(db) if row[4] == "sensor-2"]
    assert shared, "no record was seen by two sources"
    return db


def check_copy(tmp, a):
    b = os.path.join(tmp, "b.db")
    proc = dragnet("store", "copy", "--from", a, "--to", b, check=0)
    assert f"copied {a} to {b}" in proc.stderr, proc.stderr
    assert "copy check failed" not in proc.stderr, proc.stderr
    assert proc.stdout == "", proc.stdout
    check_same_contents(a, b, "copy into an empty store")
    # The figures match the original's, rrset by rrset.
    assert t.rrsets(a) == t.rrsets(b)
    print(f"store copy: {len(t.rrsets(b))} rrsets, {len(QUERIES)} lookups and stats "
          "identical on the copy")
    return b


def check_copy_refusals(tmp, a, b):
    before = t.rrsets(b)
    proc = dragnet("store", "copy", "--from", a, "--to", b, check=EXIT_USAGE)
    assert f"{b} already contains" in proc.stderr, proc.stderr
    assert "--merge" in proc.stderr, proc.stderr
    assert t.rrsets(b) == before, "a refused copy wrote to the target"

    cases = [
        (["--from", a, "--to", f"sqlite:{a}"], "name the same store"),
        (["--from", a, "--to", a], "name the same store"),
        (["--from", a], "give both --from LOCATION and --to LOCATION"),
        (["--from", a, "--to", b, "--store", b], "--store and --db do not apply"),
        (["--from", a, "--to", b, "--batch", "0"], "invalid --batch '0'"),
        (["--from", a, "--to", b, "extra"], "unexpected argument 'extra'"),
    ]
    for args, message in cases:
        proc = dragnet("store", "copy", *args, check=EXIT_USAGE)
        assert message in proc.stderr, (args, proc.stderr)
    missing = os.path.join(tmp, "absent.db")
    proc = dragnet("store", "copy", "--from", missing, "--to", os.path.join(tmp, "x.db"),
                   check=EXIT_STORE)
    assert f"no database at {missing}" in proc.stderr, proc.stderr
    assert not os.path.exists(os.path.join(tmp, "x.db")), "copying from nothing made a target"
    print("store copy refuses a filled target, the same store and bad options")


def check_merge(tmp, a):
    """--merge adds a store into one that contains it already: every count
    doubles, time spans stay, and the runs are listed twice. Batches of 7
    rows make the copy span many transactions."""
    merged = os.path.join(tmp, "merged.db")
    dragnet("store", "copy", "--from", a, "--to", merged, check=0)
    proc = dragnet("store", "copy", "--from", a, "--to", merged, "--merge", "--batch", "7",
                   check=0)
    assert "copy check failed" not in proc.stderr, proc.stderr
    original = t.rrsets(a)
    doubled = [row[:6] + (row[6] * 2,) for row in original]
    assert t.rrsets(merged) == doubled
    per_source = [row[:7] + (row[7] * 2,) for row in t.rrset_sources(a)]
    assert t.rrset_sources(merged) == per_source
    assert [row[:6] + (row[6] * 2,) for row in t.negatives(a)] == t.negatives(merged)
    assert without_ids(t.runs(merged)) == without_ids(t.runs(a)) * 2
    assert t.sources(merged) == t.sources(a)
    print("store copy --merge: counts add up, sources match by name")


def check_init(tmp):
    db = os.path.join(tmp, "init", "new.db")
    for _ in range(2):
        out = dragnet("store", "init", "--db", db, check=0).stdout.splitlines()
        assert out == ["backend         sqlite", f"location        {db}",
                       "schema version  6"], out
    assert os.path.isfile(db)
    assert t.rrsets(db) == []
    print("store init creates a store and repeats harmlessly")


def check_status(tmp, a):
    text = dragnet("store", "status", "--db", a, check=0).stdout
    assert "health     ok" in text, text
    assert f"  ok      file      {a}  SQLite 3." in text, text
    assert "schema     version 6, the one this dragnet writes" in text, text
    stats = json.loads(dragnet("stats", "-j", "--db", a, check=0).stdout)
    status = json.loads(dragnet("store", "status", "-j", "--store", a, check=0).stdout)
    assert status["healthy"] is True, status
    assert status["backend"] == "sqlite", status
    assert status["location"] == a, status
    assert status["schema_version"] == 6, status
    assert status["schema_expected"] == 6, status
    assert status["problems"] == [], status
    assert status["spool"] == {"dir": None, "batches": 0, "bytes": 0}, status
    assert [(n["name"], n["role"], n["ok"]) for n in status["nodes"]] == [(a, "file", True)]
    assert status["contents"] == {"rrsets": stats["rrsets"],
                                  "observations": stats["observations"],
                                  "negatives": stats["negatives"],
                                  "sources": stats["sources_total"], "runs": stats["runs"]}

    check_status_unopened(tmp)
    print("store status: healthy file exits 0; missing or foreign file exits 4 with a report")


def check_status_unopened(tmp):
    """A store that cannot be opened still gets the full report, in text
    and JSON, with the error as its one problem, and exit status 4."""
    missing = os.path.join(tmp, "none.db")
    error = (f"opening the store failed: no database at {missing}; ingest data first "
             "(dragnet ingest FILE) or choose one with --db or DRAGNET_DB")
    proc = dragnet("store", "status", "--db", missing, check=EXIT_STORE)
    assert proc.stdout.splitlines() == [
        f"store      {missing}",
        "backend    sqlite",
        "schema     unknown",
        "nodes      unknown",
        "spool      unknown",
        "contents   unknown",
        f"health     FAILED: {error}",
    ], proc.stdout
    assert proc.stderr == "", proc.stderr
    proc = dragnet("store", "status", "-j", "--store", f"sqlite:{missing}", check=EXIT_STORE)
    assert json.loads(proc.stdout) == {
        "location": f"sqlite:{missing}",
        "backend": "sqlite",
        "healthy": False,
        "schema_version": None,
        "schema_expected": None,
        "nodes": None,
        "spool": None,
        "contents": None,
        "problems": [error],
    }, proc.stdout
    assert not os.path.exists(missing), "store status created the file it checked"

    other = os.path.join(tmp, "other.sqlite")
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (text TEXT)")
    con.commit()
    con.close()
    proc = dragnet("store", "status", "--db", other, check=EXIT_STORE)
    health = proc.stdout.splitlines()[-1]
    assert health.startswith("health     FAILED: opening the store failed: "), proc.stdout
    assert "not a dragnet database" in health, proc.stdout
    status = json.loads(dragnet("store", "status", "-j", "--db", other, check=EXIT_STORE).stdout)
    assert status["healthy"] is False, status
    assert len(status["problems"]) == 1, status
    assert "not a dragnet database" in status["problems"][0], status


def location_chosen(env, *args):
    """The location `store init` opens under env and options."""
    out = dragnet("store", "init", *args, env=env, check=0).stdout.splitlines()
    return out[1].split(None, 1)[1]


def write_config(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def check_precedence(tmp):
    """Command line, then DRAGNET_STORE, then DRAGNET_DB, then the
    configuration file, then the default under XDG_DATA_HOME."""
    base = os.path.join(tmp, "precedence")
    config_home = os.path.join(base, "config")
    data_home = os.path.join(base, "data")
    from_config = os.path.join(base, "from-config.db")
    write_config(os.path.join(config_home, "dragnet", "config"),
                 f"# where dragnet keeps its data\nstore = {from_config}\n")
    paths = {name: os.path.join(base, f"{name}.db")
             for name in ("store-option", "db-option", "store-env", "db-env", "named")}

    env = clean_env(DRAGNET_CONFIG=None, XDG_CONFIG_HOME=config_home,
                    XDG_DATA_HOME=data_home)
    assert location_chosen(env) == from_config
    env["DRAGNET_DB"] = paths["db-env"]
    assert location_chosen(env) == paths["db-env"]
    env["DRAGNET_STORE"] = f"sqlite:{paths['store-env']}"
    assert location_chosen(env) == paths["store-env"]
    assert location_chosen(env, "--db", paths["db-option"]) == paths["db-option"]
    assert location_chosen(env, "--store", paths["store-option"]) == paths["store-option"]

    # DRAGNET_CONFIG names another file; without XDG_CONFIG_HOME the file
    # is looked for under HOME.
    named = os.path.join(base, "elsewhere.conf")
    write_config(named, f"store = {paths['named']}\n")
    env = clean_env(DRAGNET_CONFIG=named, XDG_DATA_HOME=data_home)
    assert location_chosen(env) == paths["named"]
    home = os.path.join(base, "home")
    write_config(os.path.join(home, ".config", "dragnet", "config"),
                 f"store = sqlite:{from_config}\n")
    env = clean_env(DRAGNET_CONFIG=None, HOME=home, XDG_DATA_HOME=data_home)
    assert location_chosen(env) == from_config

    # Nothing set: the default location.
    env = clean_env(DRAGNET_CONFIG=None, HOME=os.path.join(base, "empty-home"),
                    XDG_DATA_HOME=data_home)
    assert location_chosen(env) == os.path.join(data_home, "dragnet", "dragnet.db")

    # Every command takes --store, and the configuration file reaches them.
    env = clean_env(DRAGNET_CONFIG=None, XDG_CONFIG_HOME=config_home)
    dragnet("ingest", "-q", t.sample("dnscap-resolver.pcap"), env=env, check=0)
    assert t.rrsets(from_config), "ingest did not write to the configured store"
    assert "google.com." in dragnet("pdns", "google.com", env=env, check=0).stdout
    assert json.loads(dragnet("stats", "-j", env=env, check=0).stdout)["database"] == from_config
    other = os.path.join(base, "by-option.db")
    dragnet("ingest", "-q", "--store", other, t.sample("dnscap-resolver.pcap"), env=env,
            check=0)
    assert t.rrsets(other) == t.rrsets(from_config)
    assert dragnet("stats", "--store", other, env=env, check=0).stdout.startswith(
        f"database       {other}\n")
    print("store precedence: options, DRAGNET_STORE, DRAGNET_DB, config file, default")


def check_config_errors(tmp):
    base = os.path.join(tmp, "bad-config")
    config = os.path.join(base, "config")
    store = os.path.join(base, "ok.db")
    cases = [
        (f"# comment\nstore {store}\n", "2: expected 'key = value'"),
        (f"store = {store}\n\n store = {store}\n", "3: store is set twice, here and on line 1"),
        ("store = relative.db\n", "1: store must be an absolute path, sqlite:/PATH or a URL "
         "such as clickhouse://HOST:PORT/DATABASE"),
        ("store =\n", "1: store has no value"),
        ("= /x.db\n", "1: missing key before '='"),
        ("[core]\n", "1: expected 'key = value' (a key is letters, digits, '_' and '-')"),
        # A store URL is parsed as store_open() parses it.
        ("# remote\nstore = clickhouse://h:notaport/x\n",
         "2: clickhouse://h:notaport/x: bad port for server h"),
        ("store = clickhouse://reader:hunter2@h:8123/dragnet?colour=red\n",
         "1: clickhouse://reader:***@h:8123/dragnet?colour=red: unknown parameter 'colour' "
         "(known: cluster, replicated, spool, timeout, connect_timeout, spool_wait)"),
        ("store = clickhouse://h:8123/bad-name\n",
         "1: clickhouse://h:8123/bad-name: database 'bad-name' is not a name of letters, "
         "digits and '_'"),
        ("store = postgres://h/x\n",
         "1: store has the unsupported scheme 'postgres://'; use an absolute path, "
         "sqlite:/PATH or clickhouse://HOST:PORT/DATABASE"),
        ("store = reader:hunter2@h://x\n",
         "1: store is not a valid URL; use an absolute path, sqlite:/PATH or "
         "clickhouse://HOST:PORT/DATABASE"),
        ("store = sqlite:\n", "1: store must be an absolute path, sqlite:/PATH or a URL such "
         "as clickhouse://HOST:PORT/DATABASE"),
        # Scheme names are case-insensitive, as in store_open().
        ("store = ClickHouse://h:notaport/x\n",
         "1: clickhouse://h:notaport/x: bad port for server h"),
    ]
    for text, message in cases:
        write_config(config, text)
        # The file is checked even when an option or the environment
        # chooses the store.
        for args, env in ((["stats"], {}), (["stats", "--db", store], {}),
                          (["store", "status"], {}), (["store", "status", "-j"], {}),
                          (["stats"], {"DRAGNET_STORE": store}),
                          (["pdns", "--store", store, "x.example"], {}),
                          (["ingest", "--store", store, t.sample("dnscap-resolver.pcap")], {})):
            proc = dragnet(*args, env=clean_env(DRAGNET_CONFIG=config, **env), check=EXIT_USAGE)
            assert proc.stderr == f"dragnet: error: {config}:{message}\n", \
                (text, args, env, proc.stderr)
            assert proc.stdout == "", (text, args, proc.stdout)
            assert "hunter2" not in proc.stderr, proc.stderr
    assert not os.path.exists(store), "a bad configuration file opened a store"

    write_config(config, "store = CLICKHOUSE://127.0.0.1:1/dragnet\n")
    proc = dragnet("store", "init", "--store", store, env=clean_env(DRAGNET_CONFIG=config),
                   check=0)
    assert f"location        {store}\n" in proc.stdout, proc.stdout

    write_config(config, f"colour = always\r\nstore = {store}\r\n  # indented comment\n"
                 "pager=less\n")
    proc = dragnet("store", "init", env=clean_env(DRAGNET_CONFIG=config), check=0)
    assert f"{config}:1: unknown key 'colour' ignored" in proc.stderr, proc.stderr
    assert f"{config}:4: unknown key 'pager' ignored" in proc.stderr, proc.stderr
    assert f"location        {store}\n" in proc.stdout, proc.stdout

    missing = os.path.join(base, "missing.conf")
    proc = dragnet("stats", env=clean_env(DRAGNET_CONFIG=missing), check=EXIT_USAGE)
    assert f"cannot read the configuration file {missing}" in proc.stderr, proc.stderr
    print(f"configuration file: {len(cases)} bad files name file and line; unknown keys warn")


def check_option_conflicts(tmp):
    db = os.path.join(tmp, "conflict.db")
    proc = dragnet("pdns", "--db", db, "--store", db, "x.example", check=EXIT_USAGE)
    assert "give either --store or --db, not both" in proc.stderr, proc.stderr
    proc = dragnet("store", "status", "--db", "clickhouse://127.0.0.1:1/x", check=EXIT_USAGE)
    assert "--db takes a file path; give a store URL with --store" in proc.stderr, proc.stderr
    proc = dragnet("stats", env=clean_env(DRAGNET_DB="clickhouse://127.0.0.1:1/x"),
                   check=EXIT_USAGE)
    assert "DRAGNET_DB takes a file path" in proc.stderr, proc.stderr
    proc = dragnet("stats", "--store=", check=EXIT_USAGE)
    assert "--store needs a location" in proc.stderr, proc.stderr
    assert not os.path.exists(db)
    print("--db with --store, URLs in --db or DRAGNET_DB, empty --store: exit 2")


# Malformed store locations and the message after "dragnet: error: ".
BAD_LOCATIONS = [
    ("clickhouse://127.0.0.1:notaport/x",
     "clickhouse://127.0.0.1:notaport/x: bad port for server 127.0.0.1"),
    ("clickhouse://127.0.0.1:99999/x",
     "clickhouse://127.0.0.1:99999/x: the port must be a number from 1 to 65535, not '99999'"),
    ("clickhouse://reader:hunter2@127.0.0.1:1/x?colour=red",
     "clickhouse://reader:***@127.0.0.1:1/x?colour=red: unknown parameter 'colour' (known: "
     "cluster, replicated, spool, timeout, connect_timeout, spool_wait)"),
    ("clickhouse://127.0.0.1:1/bad-name",
     "clickhouse://127.0.0.1:1/bad-name: database 'bad-name' is not a name of letters, "
     "digits and '_'"),
    ("postgres://reader:hunter2@127.0.0.1/x",
     "unsupported store 'postgres://reader:***@127.0.0.1/x': use a file path, sqlite:PATH or "
     "clickhouse://HOST:PORT/DATABASE"),
    ("sqlite:", "empty database path; give a file path after sqlite:"),
]


def check_location_errors(tmp):
    """A malformed location or an unknown scheme is a mistake in the
    arguments or configuration: exit 2, whatever the command, with the
    setting named when it is not an option. Port 1 on loopback has no
    server, so a location that parsed would fail with 4 instead."""
    commands = [["stats"], ["stats", "-j"], ["pdns", "x.example"], ["store", "status"],
                ["store", "status", "-j"], ["store", "init"],
                ["ingest", t.sample("dnscap-resolver.pcap")]]
    for location, message in BAD_LOCATIONS:
        for command in commands:
            proc = dragnet(*command, "--store", location, check=EXIT_USAGE)
            assert proc.stderr == f"dragnet: error: {message}\n", (command, proc.stderr)
            assert proc.stdout == "", (command, proc.stdout)
            proc = dragnet(*command, env=clean_env(DRAGNET_STORE=location), check=EXIT_USAGE)
            assert proc.stderr == f"dragnet: error: DRAGNET_STORE: {message}\n", \
                (command, proc.stderr)
        proc = dragnet("store", "copy", "--from", location, "--to", os.path.join(tmp, "c.db"),
                       check=EXIT_USAGE)
        assert proc.stderr == f"dragnet: error: {message}\n", proc.stderr
        proc = dragnet("store", "copy", "--from", os.path.join(tmp, "a.db"), "--to", location,
                       check=EXIT_USAGE)
        assert proc.stderr == f"dragnet: error: {message}\n", proc.stderr
    assert not os.path.exists(os.path.join(tmp, "c.db")), "a failed copy made its target"
    print(f"{len(BAD_LOCATIONS)} malformed locations: exit 2 from every command, "
          "DRAGNET_STORE named")


def check_password_masking(tmp):
    """No message repeats the password of a store URL. Port 1 on loopback
    has no server, so every command fails to connect and reports it."""
    url = "clickhouse://reader:hunter2@127.0.0.1:1/dragnet"
    runs = [
        dragnet("pdns", "-v", "--store", url, "x.example", check=EXIT_STORE),
        dragnet("store", "status", "-v", "--store", url, check=EXIT_STORE),
        dragnet("store", "init", "--store", url, check=EXIT_STORE),
        dragnet("store", "copy", "--from", url, "--to", os.path.join(tmp, "pw.db"),
                check=EXIT_STORE),
        dragnet("stats", "-v", env=clean_env(DRAGNET_STORE=url), check=EXIT_STORE),
        dragnet("pdns", "--store", "other://reader:hunter2@127.0.0.1:1/x", "x.example",
                check=EXIT_USAGE),
    ]
    config = os.path.join(tmp, "pw.conf")
    write_config(config, f"store = {url}\nstore {url}\n")
    runs.append(dragnet("stats", env=clean_env(DRAGNET_CONFIG=config), check=EXIT_USAGE))
    for proc in runs:
        assert "hunter2" not in proc.stderr + proc.stdout, proc.stderr
    assert "store: clickhouse://reader:***@127.0.0.1:1/dragnet (from --store)" in runs[0].stderr
    assert "reader:***@" in runs[4].stderr, runs[4].stderr
    print(f"{len(runs)} failing commands with a password in the store URL: never printed")


def check_help():
    text = dragnet("store", "--help", check=0).stdout
    for word in ("store init", "store status", "store copy", "--merge", "--from", "--to"):
        assert word in text, word
    for command in ("ingest", "capture", "pdns", "stats"):
        assert "--store LOCATION" in dragnet(command, "--help", check=0).stdout, command
    assert "store init|status|copy" in dragnet("--help", check=0).stdout
    proc = dragnet("store", "rebuild", check=EXIT_USAGE)
    assert "unknown subcommand 'rebuild'" in proc.stderr, proc.stderr
    print("help lists the store command and --store everywhere")


def check_clickhouse_round_trip(tmp, a):
    """SQLite to ClickHouse and back: the same lookups and figures. Runs only
    where clickhouse-server is installed."""
    if chserver.find_server() is None:
        print("NOTE: clickhouse-server not found; skipping the copy through ClickHouse")
        return
    with chserver.ClickHouse(users={"copier": "s3cret"}) as ch:
        url = f"clickhouse://copier:s3cret@127.0.0.1:{ch.http_port}/dragnet"
        proc = dragnet("store", "init", "--store", url, check=0)
        assert "s3cret" not in proc.stdout + proc.stderr, proc.stdout
        assert f"location        clickhouse://copier:***@127.0.0.1:{ch.http_port}/dragnet" \
            in proc.stdout, proc.stdout
        proc = dragnet("store", "copy", "--from", a, "--to", url, check=0)
        assert "copy check failed" not in proc.stderr, proc.stderr
        assert "s3cret" not in proc.stderr, proc.stderr
        for (query, code_a, out_a), (_, code_c, out_c) in zip(lookups(a), lookups(url)):
            assert (code_a, out_a) == (code_c, out_c), (query, out_a, out_c)
        status = json.loads(dragnet("store", "status", "-j", "--store", url, check=0).stdout)
        assert status["healthy"] is True, status
        assert "s3cret" not in json.dumps(status), status

        back = os.path.join(tmp, "back.db")
        dragnet("store", "copy", "--from", url, "--to", back, check=0)
        check_same_contents(a, back, "copy through ClickHouse")
    print("store copy to ClickHouse and back: same lookups, figures, sources and runs")


def main():
    tmp = t.scratch()
    a = ingest_samples(tmp)
    b = check_copy(tmp, a)
    check_copy_refusals(tmp, a, b)
    check_merge(tmp, a)
    check_init(tmp)
    check_status(tmp, a)
    check_precedence(tmp)
    check_config_errors(tmp)
    check_option_conflicts(tmp)
    check_location_errors(tmp)
    check_password_masking(tmp)
    check_help()
    check_clickhouse_round_trip(tmp, a)


if __name__ == "__main__":
    main()
