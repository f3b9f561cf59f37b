"""Throwaway ClickHouse servers on loopback for dragnet's integration tests.

Each server is a child process of the test with its own config.xml, users.xml
and data directory under a fresh temporary directory (in TMPDIR). It listens
on 127.0.0.1 only, on ports picked at start. Written against clickhouse-server
18.16.1 as packaged in Debian 12.

    with ClickHouse() as ch:
        ch.query("CREATE TABLE t (x UInt32) ENGINE = MergeTree() ORDER BY x")
        ch.query("INSERT INTO t FORMAT TabSeparated", data="1\\n2\\n")
        assert ch.rows("SELECT sum(x) FROM t") == [["3"]]

    with Cluster() as cluster:           # two shards of cluster "dragnet_test"
        cluster.query_each("CREATE TABLE ...")
        cluster.shards[1].stop()         # simulate a shard going down
        cluster.shards[1].start()        # same ports, same data
"""

import atexit
import ctypes
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from xml.sax.saxutils import escape

SKIP = 77
HOST = "127.0.0.1"
CLUSTER_NAME = "dragnet_test"

# The tests talk only to their own servers, so urllib must ignore http_proxy and the
# other proxy variables.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_RUNNING = set()
_PR_SET_PDEATHSIG = 1
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None


class ClickHouseUnavailable(Exception):
    """No clickhouse-server binary was found."""


class ClickHouseError(Exception):
    """A query failed. status is the HTTP status (None if no response arrived) and
    body is the response text, e.g. "Code: 60, e.displayText() = DB::Exception: ..."."""

    def __init__(self, sql, status, body):
        self.sql = sql
        self.status = status
        self.body = body
        super().__init__(f"ClickHouse query failed (HTTP {status}): {body.strip()}\n"
                         f"query: {sql}")


class PortInUse(Exception):
    """The server exited at start because one of its ports was already bound."""


def find_server():
    """Return the command that runs clickhouse-server, or None if it is not installed.

    DRAGNET_CLICKHOUSE_SERVER overrides the search. Debian 12 installs the
    binary as /usr/sbin/clickhouse-server, which is not on a normal user's PATH,
    and upstream packages ship one `clickhouse` binary with a `server` mode.
    """
    override = os.environ.get("DRAGNET_CLICKHOUSE_SERVER")
    if override:
        command = override.split()
        return command if shutil.which(command[0]) else None
    for path in (shutil.which("clickhouse-server"), "/usr/bin/clickhouse-server",
                 "/usr/sbin/clickhouse-server"):
        if path and os.access(path, os.X_OK):
            return [path]
    combined = shutil.which("clickhouse")
    if combined:
        return [combined, "server"]
    return None


def _missing_server_message():
    override = os.environ.get("DRAGNET_CLICKHOUSE_SERVER")
    if override:
        return f"DRAGNET_CLICKHOUSE_SERVER={override!r} is not an executable command"
    return ("clickhouse-server not found; install it with "
            "`apt-get install clickhouse-server` or set DRAGNET_CLICKHOUSE_SERVER")


def require_clickhouse():
    """Return the server command, or exit with the skip code 77 if it is not installed."""
    command = find_server()
    if command is None:
        print(f"SKIPPED: {_missing_server_message()}")
        sys.exit(SKIP)
    return command


def _unescape_tsv(field):
    """Decode one TabSeparated field (backslash escapes as ClickHouse writes them)."""
    if "\\" not in field:
        return field
    escapes = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "0": "\0",
               "'": "'", "\\": "\\"}
    out = []
    i = 0
    while i < len(field):
        char = field[i]
        if char == "\\" and i + 1 < len(field):
            out.append(escapes.get(field[i + 1], field[i + 1]))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _free_ports(count):
    """Return count distinct loopback TCP ports that are free now.

    The ports come from below the kernel's ephemeral range, so an outgoing
    connection cannot take one between this check and the server's bind. Another
    process can still bind one first, so the caller retries on PortInUse.
    """
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            ephemeral_low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    low, high = 20000, ephemeral_low - 1
    if high - low < 1000:
        low, high = 10000, 19999
    # Every socket stays bound until all are picked, so no port is returned twice.
    sockets = []
    try:
        while len(sockets) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind((HOST, random.randint(low, high)))
            except OSError:
                sock.close()
                continue
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _die_with_parent():
    """Ask Linux to SIGKILL the server when the test process exits, even by SIGKILL.

    Runs in the child between fork and exec. The signal fires when the thread
    that started the server exits, so start servers from the main thread.
    """
    prctl = getattr(_LIBC, "prctl", None)
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _kill_running_servers():
    for server in list(_RUNNING):
        server.stop(kill=True)


atexit.register(_kill_running_servers)


class ClickHouse:
    """One clickhouse-server child process on 127.0.0.1.

    The ports are picked on the first start() and kept for the life of the
    object, so stop() followed by start() brings the same server back on the
    same ports and data directory. Used as a context manager, it starts the
    server on entry, and on exit kills it and deletes its directory. When the
    block raised, the directory is kept and its path printed to stderr.

    directory, when given, is used instead of a fresh temporary directory and
    is not deleted. users maps extra user names to passwords, and every user
    gets the default profile. settings go into that profile, for example
    {"max_result_rows": 10}, on top of poll_interval=1 (see write_config).
    remote_servers is the inner XML of <remote_servers> (see Cluster).
    startup_timeout and stop_timeout are in seconds.
    """

    def __init__(self, *, directory=None, users=None, settings=None, remote_servers="",
                 startup_timeout=30.0, stop_timeout=15.0):
        command = find_server()
        if command is None:
            raise ClickHouseUnavailable(_missing_server_message())
        self.command = command
        self.own_directory = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="dragnet-clickhouse-",
                                                       dir=os.environ.get("TMPDIR"))
        os.makedirs(self.directory, exist_ok=True)
        self.users = dict(users or {})
        self.settings = dict(settings or {})
        self.remote_servers = remote_servers
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.host = HOST
        self.http_port = None
        self.tcp_port = None
        self.interserver_port = None
        self.process = None
        self.startup_seconds = None   # time from spawn to the first "Ok." from /ping

    # ---- paths and addresses ----

    @property
    def config_path(self):
        return os.path.join(self.directory, "config.xml")

    @property
    def log_path(self):
        return os.path.join(self.directory, "server.log")

    @property
    def http_url(self):
        """Base URL of the HTTP interface, e.g. http://127.0.0.1:20123/."""
        return f"http://{self.host}:{self.http_port}/"

    def url(self, database="default"):
        """Return clickhouse://127.0.0.1:HTTP_PORT/DATABASE, naming the HTTP port."""
        return f"clickhouse://{self.host}:{self.http_port}/{database}"

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def rss_kib(self):
        """Resident set size of the server process in KiB, from /proc/PID/status."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError(f"VmRSS missing from /proc/{self.pid}/status")

    def assign_ports(self):
        self.http_port, self.tcp_port, self.interserver_port = _free_ports(3)

    # ---- configuration ----

    def write_config(self):
        data = os.path.join(self.directory, "data") + "/"
        config = f"""<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>{escape(self.log_path)}</log>
        <errorlog>{escape(os.path.join(self.directory, "server.err.log"))}</errorlog>
        <console>0</console>
    </logger>
    <listen_host>{HOST}</listen_host>
    <!-- Debian's /etc/clickhouse-server/config.xml sets 3 s; the built-in default is 10 s. -->
    <keep_alive_timeout>3</keep_alive_timeout>
    <http_port>{self.http_port}</http_port>
    <tcp_port>{self.tcp_port}</tcp_port>
    <interserver_http_port>{self.interserver_port}</interserver_http_port>
    <interserver_http_host>{HOST}</interserver_http_host>
    <path>{escape(data)}</path>
    <tmp_path>{escape(data)}tmp/</tmp_path>
    <user_files_path>{escape(data)}user_files/</user_files_path>
    <format_schema_path>{escape(data)}format_schemas/</format_schema_path>
    <users_config>{escape(os.path.join(self.directory, "users.xml"))}</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
    <remote_servers>{self.remote_servers}</remote_servers>
</yandex>
"""
        with open(self.config_path, "w") as f:
            f.write(config)

        # The server's TCP handler checks for shutdown once per poll_interval
        # (10 s by default in 18.16), so an idle Distributed connection from
        # another shard delays SIGTERM by up to that long.
        profile = {"poll_interval": 1, **self.settings}
        settings = "".join(f"<{name}>{escape(str(value))}</{name}>"
                           for name, value in profile.items())
        users = {"default": "", **self.users}
        user_entries = "".join(
            f"<{name}><password>{escape(password)}</password>"
            f"<networks><ip>127.0.0.1</ip><ip>::1</ip></networks>"
            f"<profile>default</profile><quota>default</quota></{name}>"
            for name, password in users.items())
        with open(os.path.join(self.directory, "users.xml"), "w") as f:
            f.write(f"""<?xml version="1.0"?>
<yandex>
    <profiles><default>{settings}</default></profiles>
    <users>{user_entries}</users>
    <quotas><default></default></quotas>
</yandex>
""")

    # ---- process control ----

    def start(self):
        """Start the server and wait until /ping returns Ok.

        The first start picks the ports, retrying with new ones if another
        process took one first. Later starts reuse the ports and data.
        """
        if self.running():
            return self
        if self.http_port is not None:
            self.spawn()
            return self
        for attempt in range(3):
            self.assign_ports()
            self.write_config()
            try:
                self.spawn()
                return self
            except PortInUse:
                if attempt == 2:
                    raise
        return self

    def spawn(self):
        """Run the server with the written config and wait until /ping returns Ok.

        Raises PortInUse if the server could not bind a port, and AssertionError
        with the log tail if it exited or did not respond within startup_timeout.
        """
        output = open(os.path.join(self.directory, "stdout-stderr.log"), "ab")
        started = time.monotonic()
        try:
            self.process = subprocess.Popen(
                [*self.command, f"--config-file={self.config_path}"],
                cwd=self.directory, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            output.close()
        _RUNNING.add(self)
        deadline = started + self.startup_timeout
        while True:
            status = self.process.poll()
            if status is not None:
                self.process = None
                _RUNNING.discard(self)
                tail = self.log_tail()
                if "Address already in use" in tail:
                    raise PortInUse(tail)
                raise AssertionError(f"clickhouse-server exited with status {status} "
                                     f"during start; log {self.directory}:\n{tail}")
            if self.ping():
                self.startup_seconds = time.monotonic() - started
                return
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop(kill=True)
                raise AssertionError(f"clickhouse-server did not respond to GET /ping on port "
                                     f"{self.http_port} within {self.startup_timeout} s; "
                                     f"log {self.directory}:\n{tail}")
            time.sleep(0.05)

    def ping(self):
        """Return whether GET /ping returns "Ok." now."""
        try:
            with _OPENER.open(f"{self.http_url}ping", timeout=2) as response:
                return response.read().startswith(b"Ok.")
        except (OSError, http.client.HTTPException):
            return False

    def stop(self, kill=False):
        """Stop the server: SIGTERM, then SIGKILL after stop_timeout seconds.

        kill=True sends SIGKILL at once, like a crash. Either way the whole
        process group is killed afterwards, so no helper process outlives it.
        """
        if self.process is None:
            return
        process = self.process
        try:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    print(f"NOTE: clickhouse-server {process.pid} ignored SIGTERM for "
                          f"{self.stop_timeout} s; killing it", file=sys.stderr)
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        finally:
            self.process = None
            _RUNNING.discard(self)

    def log_tail(self, lines=40):
        """Return the last lines of the console output, error log and main log."""
        parts = []
        for name in ("stdout-stderr.log", "server.err.log", "server.log"):
            path = os.path.join(self.directory, name)
            try:
                with open(path, errors="replace") as f:
                    text = f.readlines()[-lines:]
            except FileNotFoundError:
                continue
            if text:
                parts.append(f"--- {path}\n{''.join(text)}")
        return "\n".join(parts) or "(no log written)"

    def cleanup(self, keep=False):
        self.stop(kill=True)
        if keep:
            print(f"NOTE: kept ClickHouse directory {self.directory}", file=sys.stderr)
        elif self.own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup(keep=True)
            raise

    def __exit__(self, exc_type, exc, tb):
        self.cleanup(keep=exc_type is not None)
        return False

    # ---- queries ----

    def query(self, sql, data=None, *, database=None, settings=None, user=None,
              password=None, binary=False, timeout=60):
        """Run one statement over HTTP POST and return the response body.

        Without data the statement is the request body. With data (str or
        bytes), the statement goes in the query= URL parameter and data is the
        body, as for INSERT ... FORMAT. settings become URL parameters. Returns
        str, or bytes when binary is true. Raises ClickHouseError on failure.
        """
        params = {}
        if data is None:
            body = sql.encode()
        else:
            params["query"] = sql
            body = data.encode() if isinstance(data, str) else data
        if database is not None:
            params["database"] = database
        if user is not None:
            params["user"] = user
        if password is not None:
            params["password"] = password
        for name, value in (settings or {}).items():
            params[name] = str(value)
        url = self.http_url
        if params:
            url += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, data=body, method="POST")
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                result = response.read()
        except urllib.error.HTTPError as e:
            raise ClickHouseError(sql, e.code, e.read().decode(errors="replace")) from None
        except (OSError, http.client.HTTPException) as e:
            raise ClickHouseError(sql, None, f"no response from {self.http_url}: {e}") from None
        return result if binary else result.decode()

    def rows(self, sql, **options):
        """Run a SELECT and return its rows as lists of unescaped strings."""
        text = self.query(f"{sql} FORMAT TabSeparated", **options)
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return [[_unescape_tsv(field) for field in line.split("\t")] for line in lines]

    def value(self, sql, **options):
        """Run a SELECT that returns one value and return it as a string."""
        rows = self.rows(sql, **options)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise AssertionError(f"expected one value from {sql!r}, got {rows!r}")
        return rows[0][0]


class Cluster:
    """Shards of one ClickHouse cluster, one server each, all on 127.0.0.1.

    Every server's config lists all shards under <remote_servers><NAME>, so a
    Distributed(NAME, db, table, key) table works from any node. There is no
    ZooKeeper, so ON CLUSTER DDL fails ("DDL background thread is not
    initialized"). Create tables on each shard with query_each() instead.
    Stop and start one shard through cluster.shards[i]. server_options are
    passed to every ClickHouse.
    """

    def __init__(self, shards=2, *, name=CLUSTER_NAME, **server_options):
        if find_server() is None:
            raise ClickHouseUnavailable(_missing_server_message())
        self.name = name
        self.directory = tempfile.mkdtemp(prefix="dragnet-clickhouse-cluster-",
                                          dir=os.environ.get("TMPDIR"))
        self.shards = [ClickHouse(directory=os.path.join(self.directory, f"shard{i}"),
                                  **server_options)
                       for i in range(shards)]
        # Every server of the cluster; subclasses with replicas list more.
        self.servers = self.shards

    def remote_servers_xml(self):
        entries = "".join(f"<shard><replica><host>{HOST}</host><port>{shard.tcp_port}"
                          f"</port></replica></shard>" for shard in self.shards)
        return f"<{self.name}>{entries}</{self.name}>"

    def start(self):
        """Start every server that is down. The first call picks all ports, and
        picks them again for every server if one of them was taken meanwhile."""
        if self.servers[0].http_port is not None:
            for server in self.servers:
                server.start()
            return self
        for attempt in range(3):
            ports = _free_ports(3 * len(self.servers))
            for i, server in enumerate(self.servers):
                server.http_port, server.tcp_port, server.interserver_port = ports[3 * i:3 * i + 3]
            for server in self.servers:
                server.remote_servers = self.remote_servers_xml()
                server.write_config()
            try:
                for server in self.servers:
                    server.spawn()
                return self
            except PortInUse:
                for server in self.servers:
                    server.stop(kill=True)
                if attempt == 2:
                    raise
        return self

    def stop(self, kill=False):
        for server in self.servers:
            server.stop(kill=kill)

    def query_each(self, sql, **options):
        """Run one statement on every server and return the responses in server order."""
        return [server.query(sql, **options) for server in self.servers]

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup(keep=True)
            raise

    def __exit__(self, exc_type, exc, tb):
        self.cleanup(keep=exc_type is not None)
        return False

    def cleanup(self, keep=False):
        self.stop(kill=True)
        if keep:
            print(f"NOTE: kept ClickHouse cluster directory {self.directory}", file=sys.stderr)
        else:
            shutil.rmtree(self.directory, ignore_errors=True)
