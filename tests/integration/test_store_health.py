"""dragnet store status on ClickHouse, against throwaway servers on
loopback. A store that cannot be opened (no server, a refused password, a
server that is not ClickHouse, no schema) still gets the full report and
exit status 4. Batches left in the spool, or a spool folder that cannot be
used, make the store unhealthy until a write empties the spool. A malformed
location found only when the store opens is exit 2 and names its setting."""

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

EXIT_USAGE = 2
EXIT_STORE = 4
DATABASE = "dragnet"
OUTAGE_DATABASE = "outage"
# Every character that dragnet(1) lists as needing percent-encoding.
PASSWORD = "r@ght:h/rse?#%"
WRONG_PASSWORD = "wrong-staple"


def clean_env(tmp, **changes):
    """The test's environment without any store setting, with the default
    spool under tmp, and with changes applied (None removes a variable)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DRAGNET_DB", "DRAGNET_STORE", "XDG_CONFIG_HOME")}
    env["DRAGNET_CONFIG"] = os.devnull
    env["XDG_STATE_HOME"] = os.path.join(tmp, "state")
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def status_text(tmp, location, check):
    return t.run("store", "status", "--store", location, env=clean_env(tmp), check=check)


def status_json(tmp, location, check):
    proc = t.run("store", "status", "-j", "--store", location, env=clean_env(tmp), check=check)
    assert proc.stderr == "", proc.stderr
    return json.loads(proc.stdout)


def check_unopened_report(tmp, location, masked, fragments, label):
    """store status on a store that cannot be opened: the report with every
    field unknown, the error as its one problem, exit 4, in text and JSON.
    fragments are texts the error must contain."""
    proc = status_text(tmp, location, EXIT_STORE)
    lines = proc.stdout.splitlines()
    assert lines[:6] == [f"store      {masked}", "backend    clickhouse", "schema     unknown",
                         "nodes      unknown", "spool      unknown", "contents   unknown"], \
        (label, proc.stdout)
    assert len(lines) == 7, (label, proc.stdout)
    prefix = f"health     FAILED: opening the store failed: {masked}: "
    assert lines[6].startswith(prefix), (label, proc.stdout)
    for fragment in fragments:
        assert fragment in lines[6], (label, fragment, proc.stdout)
    assert proc.stderr == "", (label, proc.stderr)

    status = status_json(tmp, location, EXIT_STORE)
    problem = lines[6][len("health     FAILED: "):]
    assert status == {"location": masked, "backend": "clickhouse", "healthy": False,
                      "schema_version": None, "schema_expected": None, "nodes": None,
                      "spool": None, "contents": None, "problems": [problem]}, (label, status)

    for output in (proc.stdout, json.dumps(status)):
        for secret in (WRONG_PASSWORD, PASSWORD, urllib.parse.quote(PASSWORD, safe="")):
            assert secret not in output, (label, output)
    print(f"store status, {label}: report with health FAILED, exit 4")


class NotClickHouse(http.server.BaseHTTPRequestHandler):
    """A web server that responds to every request with one HTML page and
    the status in the class attribute code."""

    code = 404

    def answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html><body>It works!</body></html>\n"
        self.send_response(self.code)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer

    def log_message(self, format, *args):
        pass


def check_not_clickhouse(tmp):
    server = http.server.ThreadingHTTPServer((chserver.HOST, 0), NotClickHouse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        location = f"clickhouse://{chserver.HOST}:{server.server_port}/{DATABASE}"
        NotClickHouse.code = 404
        check_unopened_report(tmp, location, location,
                              [f"server {chserver.HOST}:{server.server_port} answered HTTP 404"],
                              "web server answering 404")
        # A server that responds with 200 to everything does not answer
        # SELECT version() with a version, and is not taken for a store.
        NotClickHouse.code = 200
        check_unopened_report(tmp, location, location,
                              ["did not answer SELECT version() as ClickHouse does"],
                              "web server answering 200")
        proc = t.run("store", "init", "--store", location, env=clean_env(tmp),
                     check=EXIT_STORE)
        assert proc.stdout == "", proc.stdout
        assert "is it a ClickHouse HTTP port?" in proc.stderr, proc.stderr
        print("store init on a web server answering 200: exit 4")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def spool_batches(spool):
    """Names of the batches waiting in spool, and the total size of their
    INSERT files. A batch is a folder NAME.batch of NNNNNN.rb files."""
    names = sorted(name for name in os.listdir(spool) if name.endswith(".batch")
                   and not name.startswith("."))
    size = 0
    for name in names:
        folder = os.path.join(spool, name)
        size += sum(os.path.getsize(os.path.join(folder, part)) for part in os.listdir(folder)
                    if part.endswith(".rb") and not part.startswith("."))
    return names, size


def ingest_through_outage(ch, location, capture, tmp):
    """Ingest capture from standard input, stopping the server once the run
    has started, so that the ingest's batches stay in the spool."""
    with open(capture, "rb") as f:
        data = f.read()
    half = len(data) // 2
    log_path = os.path.join(tmp, "outage-ingest.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([t.DRAGNET, "ingest", "--source", "sensor-1", "--store",
                                 location, "-"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=log, env=clean_env(tmp))
        try:
            proc.stdin.write(data[:half])
            proc.stdin.flush()

            # The run row is committed before the first packet is read, so
            # once it is there, the store has been opened and is in use.
            deadline = time.monotonic() + 60
            while ch.value(f"SELECT count() FROM {OUTAGE_DATABASE}.runs") == "0":
                assert proc.poll() is None, f"the ingest exited {proc.returncode} early"
                assert time.monotonic() < deadline, "the ingest started no run in 60 s"
                time.sleep(0.05)

            ch.stop()
            proc.stdin.write(data[half:])
            proc.stdin.close()
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with open(log_path, errors="replace") as f:
        log = f.read()
    assert proc.returncode == EXIT_STORE, f"ingest exited {proc.returncode}:\n{log}"
    assert "are not in the store yet" in log, log
    return log


def check_leftover_batches(ch, tmp):
    """Batches an ingest left in the spool make the store unhealthy (exit 4)
    until a write sends them. Then the store contains what SQLite contains."""
    capture = t.gen_capture(os.path.join(tmp, "outage.pcap"), 20000, "--names", "500")
    reference = os.path.join(tmp, "reference.db")
    t.run("ingest", "-q", "--source", "sensor-1", "--store", reference, capture,
          env=clean_env(tmp), check=0)
    expected = json.loads(t.run("stats", "-j", "--store", reference, env=clean_env(tmp),
                                check=0).stdout)

    spool = os.path.join(tmp, "outage-spool")
    location = f"{ch.url(OUTAGE_DATABASE)}?spool={spool}&spool_wait=0"
    t.run("store", "init", "-q", "--store", location, env=clean_env(tmp), check=0)
    ingest_through_outage(ch, location, capture, tmp)
    names, size = spool_batches(spool)
    assert names, "the outage left no batch in the spool"

    # The server is down: the report still comes, with the open failure.
    check_unopened_report(tmp, location, location, ["asking the server's version"],
                          "server stopped")

    ch.start()
    proc = status_text(tmp, location, EXIT_STORE)
    lines = proc.stdout.splitlines()
    batches = f"{len(names)} batch{'es' if len(names) > 1 else ''}"
    spool_line = [line for line in lines if line.startswith("spool ")]
    assert spool_line and spool_line[0].startswith(f"spool      {len(names)} batches ("), \
        proc.stdout
    assert spool_line[0].endswith(f") waiting in {spool}"), proc.stdout
    pattern = (rf"health     FAILED: {batches} \([0-9.]+ [KM]iB\) waits? in the spool "
               rf"{re.escape(spool)}; the next dragnet command that writes to this store "
               r"sends them")
    assert re.fullmatch(pattern, lines[-1]), proc.stdout
    status = status_json(tmp, location, EXIT_STORE)
    assert status["healthy"] is False, status
    assert status["spool"] == {"dir": spool, "batches": len(names), "bytes": size}, status
    assert status["problems"] == [lines[-1][len("health     FAILED: "):]], status
    assert status["nodes"][0]["ok"] is True, status
    print(f"store status with {len(names)} batches in the spool: exit 4, batches named")

    # Any write sends them: store init is the lightest.
    t.run("store", "init", "-q", "--store", location, env=clean_env(tmp), check=0)
    assert spool_batches(spool) == ([], 0), os.listdir(spool)
    proc = status_text(tmp, location, 0)
    assert proc.stdout.splitlines()[-1] == "health     ok", proc.stdout
    assert f"spool      0 batches (0 B) waiting in {spool}\n" in proc.stdout, proc.stdout
    status = status_json(tmp, location, 0)
    assert status["healthy"] is True, status
    assert status["problems"] == [], status
    assert status["contents"]["rrsets"] == expected["rrsets"], (status, expected)
    assert status["contents"]["observations"] == expected["observations"], (status, expected)
    assert status["contents"]["negatives"] == expected["negatives"], (status, expected)
    print("store init sends the spooled batches; store status is healthy and the store "
          "holds what SQLite holds")


def check_spool_folder(ch, tmp):
    """A spool path that is a file, or that cannot be created, is a problem,
    and the writes it predicts to fail do fail."""
    blocker = os.path.join(tmp, "not-a-folder")
    with open(blocker, "w") as f:
        f.write("a file where the spool should be\n")
    cases = [
        (blocker, f"the spool {blocker} is not a directory; writes to this store will fail "
                  "until it is moved away"),
        (os.path.join(blocker, "spool"),
         f"the spool {blocker}/spool does not exist and cannot be created: {blocker} is not "
         "a writable directory; writes to this store will fail"),
    ]
    for spool, problem in cases:
        location = f"{ch.url(DATABASE)}?spool={spool}&spool_wait=0"
        proc = status_text(tmp, location, EXIT_STORE)
        assert proc.stdout.splitlines()[-1] == f"health     FAILED: {problem}", proc.stdout
        status = status_json(tmp, location, EXIT_STORE)
        assert status["problems"] == [problem], status
        proc = t.run("ingest", "--store", location, t.sample("dnscap-resolver.pcap"),
                     env=clean_env(tmp))
        assert proc.returncode != 0, f"an ingest through the spool {spool} succeeded"
        assert f"{blocker}" in proc.stderr, proc.stderr
    print("store status: a spool that is a file or cannot be created exits 4")


def check_password_refused(ch, tmp):
    location = (f"clickhouse://reader:{WRONG_PASSWORD}@{chserver.HOST}:{ch.http_port}/"
                f"{DATABASE}")
    masked = f"clickhouse://reader:***@{chserver.HOST}:{ch.http_port}/{DATABASE}"
    check_unopened_report(tmp, location, masked,
                          [f"server {chserver.HOST}:{ch.http_port} refused the user"],
                          "password refused")
    # The right password, percent-encoded, opens the store.
    right = location.replace(WRONG_PASSWORD, urllib.parse.quote(PASSWORD, safe=""))
    status = status_json(tmp, right, 0)
    assert status["healthy"] is True, status
    assert status["location"] == masked, status
    proc = status_text(tmp, right, 0)
    assert proc.stdout.startswith(f"store      {masked}\n"), proc.stdout
    assert proc.stdout.endswith("health     ok\n"), proc.stdout
    print("store status with a percent-encoded password: healthy, password hidden")


def check_no_schema(ch, tmp):
    location = ch.url("empty")
    ch.query("CREATE DATABASE IF NOT EXISTS empty")
    check_unopened_report(tmp, location, location,
                          ["no dragnet schema there; create it with 'dragnet store init'"],
                          "database without the schema")


def check_unreachable(tmp):
    # Port 1 on loopback has no server.
    location = f"clickhouse://{chserver.HOST}:1/{DATABASE}?connect_timeout=2"
    check_unopened_report(tmp, location, location,
                          [f"asking the server's version: server {chserver.HOST}:1"],
                          "no server")


def check_setting_named(ch, tmp):
    """A location store_open() rejects only when it runs (no folder for the
    default spool: neither XDG_STATE_HOME nor HOME) is exit 2, with the
    setting it came from in front of the message."""
    location = ch.url(DATABASE)
    message = (f"{location}: no place for the spool; set XDG_STATE_HOME or add ?spool=DIR to "
               "the location")
    config = os.path.join(tmp, "spool-less.conf")
    with open(config, "w") as f:
        f.write(f"# no spool parameter\nstore = {location}\n")
    no_home = {"HOME": None, "XDG_STATE_HOME": None}
    cases = [
        (["--store", location], clean_env(tmp, **no_home), message),
        ([], clean_env(tmp, DRAGNET_STORE=location, **no_home), f"DRAGNET_STORE: {message}"),
        ([], clean_env(tmp, DRAGNET_CONFIG=config, **no_home), f"{config}:2: {message}"),
    ]
    for args, env, expected in cases:
        for command in (["store", "init"], ["ingest", t.sample("dnscap-resolver.pcap")]):
            proc = t.run(*command, *args, env=env, check=EXIT_USAGE)
            assert proc.stderr.endswith(f"dragnet: error: {expected}\n"), \
                (command, args, proc.stderr)
    print("a location rejected at open: exit 2, naming DRAGNET_STORE or the config line")


def main():
    chserver.require_clickhouse()
    tmp = t.scratch()
    check_unreachable(tmp)
    check_not_clickhouse(tmp)
    with chserver.ClickHouse(users={"reader": PASSWORD}) as ch:
        check_no_schema(ch, tmp)
        t.run("store", "init", "-q", "--store", ch.url(DATABASE), env=clean_env(tmp), check=0)
        check_password_refused(ch, tmp)
        check_spool_folder(ch, tmp)
        check_setting_named(ch, tmp)
        check_leftover_batches(ch, tmp)


if __name__ == "__main__":
    main()
