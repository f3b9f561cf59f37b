"""Exit status and message of dragnet ingest for database paths it cannot
use and for bad options."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

EXIT_USAGE = 2
EXIT_DATABASE = 4


def environment(**changes):
    """The test's environment without DRAGNET_DB, with changes applied."""
    env = {key: value for key, value in os.environ.items() if key != "DRAGNET_DB"}
    env.update(changes)
    return env


def check_default_database(tmp, capture):
    """Without --db and DRAGNET_DB the database goes under XDG_DATA_HOME,
    and a folder there that cannot be created is a database error."""
    data_home = os.path.join(tmp, "data")
    t.run("ingest", capture, check=0, env=environment(XDG_DATA_HOME=data_home))
    default_db = os.path.join(data_home, "dragnet", "dragnet.db")
    assert os.path.isfile(default_db), f"{default_db} not created"
    assert t.rrsets(default_db), f"{default_db} holds no records"

    not_a_folder = os.path.join(tmp, "file-not-dir")
    with open(not_a_folder, "w") as f:
        f.write("a regular file where a folder is expected\n")
    proc = t.run("ingest", capture, env=environment(XDG_DATA_HOME=f"{not_a_folder}/x"))
    assert proc.returncode == EXIT_DATABASE, (proc.returncode, proc.stderr)
    assert f"cannot create directory {not_a_folder}/x" in proc.stderr, proc.stderr
    print("XDG_DATA_HOME under a regular file: 'cannot create directory', exit 4")


def check_db_is_folder(tmp, capture):
    folder = os.path.join(tmp, "a-folder")
    os.mkdir(folder)
    proc = t.run("ingest", capture, db=folder)
    assert proc.returncode == EXIT_DATABASE, (proc.returncode, proc.stderr)
    assert f"{folder} is a directory" in proc.stderr, proc.stderr
    assert os.listdir(folder) == [], os.listdir(folder)
    print("--db naming a folder: 'is a directory', exit 4")


def check_option_errors(tmp, capture):
    """Each bad option is reported once, by dragnet and not also by getopt."""
    db = os.path.join(tmp, "options.db")
    cases = [
        (["ingest", "--bogus", capture], "unknown or ambiguous option '--bogus'"),
        # --m is the start of --max-memory, --mdns and --match-queries.
        (["ingest", "--m", capture], "unknown or ambiguous option '--m'"),
        (["ingest", "-Z", capture], "unknown option '-Z'"),
        (["ingest", "-s"], "option '-s' needs a value"),
        (["ingest", capture, "--flush-records"], "option '--flush-records' needs a value"),
        (["stats", "--bogus"], "unknown or ambiguous option '--bogus'"),
        (["pdns", "--bogus", "example.com"], "unknown or ambiguous option '--bogus'"),
        (["ingest", "--again=1", capture], "option '--again' takes no value"),
    ]
    for args, message in cases:
        proc = t.run(*args, db=db)
        assert proc.returncode == EXIT_USAGE, (args, proc.returncode, proc.stderr)
        assert proc.stderr.count(message) == 1, (args, proc.stderr)
        # The only other line points to --help.
        lines = proc.stderr.splitlines()
        assert len(lines) == 2, (args, lines)
        assert "--help" in lines[1], (args, lines)
    assert not os.path.exists(db), "an invalid command line created the database"
    print(f"{len(cases)} bad options: one message each, exit 2")


def check_empty_db_and_full_output(tmp):
    """An empty --db is a usage error, not the default database; help and
    version written to a full disk fail with exit 5."""
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    env = environment(HOME=home, XDG_DATA_HOME=os.path.join(home, "data"),
                      DRAGNET_DB=os.path.join(tmp, "from-env.db"))
    for command in (["pdns", "--db=", "example.com"], ["stats", "--db="]):
        proc = t.run(*command, env=env)
        assert proc.returncode == EXIT_USAGE, (command, proc.returncode, proc.stderr)
        assert "--db needs a path" in proc.stderr, proc.stderr
    assert not os.path.exists(os.path.join(home, "data")), "the default database was opened"
    for command in (["--help"], ["--version"], ["ingest", "--help"], ["pdns", "--help"]):
        with open("/dev/full", "w") as full:
            proc = t.run(*command, stdout=full)
        assert proc.returncode == 5, (command, proc.returncode, proc.stderr)
        assert "cannot write the results" in proc.stderr, proc.stderr
    print("empty --db: exit 2; help and version to a full disk: exit 5")


def main():
    tmp = t.scratch()
    capture = t.sample("dnscap-resolver.pcap")
    check_default_database(tmp, capture)
    check_db_is_folder(tmp, capture)
    check_option_errors(tmp, capture)
    check_empty_db_and_full_output(tmp)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
