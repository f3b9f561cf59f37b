"""Throwaway ZooKeeper and replicated ClickHouse clusters on loopback.

ZooKeeper runs standalone as a child process of the test: java with the jars
of Debian 12's zookeeper package (ZooKeeper 3.8.0). It has its own zoo.cfg
and data directory under a fresh temporary directory, listens on 127.0.0.1
only and runs no admin HTTP server. ReplicatedCluster starts ClickHouse servers from
chserver.py whose config.d/replication.xml names that ZooKeeper and sets the
{shard} and {replica} macros, so Replicated*MergeTree tables and ON CLUSTER
DDL work.

    with ZooKeeper() as zk, ReplicatedCluster(shards=1, replicas=2, zookeeper=zk) as cluster:
        cluster.query_each("CREATE TABLE t (x UInt32) ENGINE = ReplicatedMergeTree("
                           "'/clickhouse/tables/{shard}/default/t', '{replica}') ORDER BY x")
        cluster.replicas[0][1].stop()     # one replica of shard 0 goes down
        cluster.replicas[0][1].start()    # same ports, same data; it catches up

Give each ReplicatedCluster its own ZooKeeper, because two clusters with the
same shard names and table paths would share the replication log.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from xml.sax.saxutils import escape

import chserver

HOST = chserver.HOST
# Debian's zookeeper.jar names its dependencies in its manifest, but no SLF4J
# binding, so ZooKeeper would log nothing. slf4j-simple writes to stderr.
ZOOKEEPER_JARS = ("/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar")
ZOOKEEPER_MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain"
# A test ZooKeeper contains a few thousand znodes, so a small heap, the
# serial GC and the C1 compiler suffice. With them the idle server's RSS was 53 MiB, and
# 62 MiB without them (ZooKeeper 3.8.0, OpenJDK 17, Debian 12).
JVM_OPTIONS = ["-Xms16m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               "-Xss512k", "-Dzookeeper.jmx.log4j.disable=true",
               "-Dorg.slf4j.simpleLogger.showDateTime=true"]
# ZooKeeper's tick in ms. Sessions may last from 2 to 20 ticks.
TICK_MS = 500
# How long ClickHouse's ZooKeeper session outlives a server killed with
# SIGKILL. Its replica counts as active until then, and a server restarted
# sooner rejoins only after it (10.5 s after the kill in one run of 18.16.1).
SESSION_TIMEOUT_MS = 5000


class ZooKeeperUnavailable(Exception):
    """java or the ZooKeeper jars were not found."""


def find_zookeeper():
    """Return the java command and class path that run ZooKeeper, or None."""
    java = shutil.which("java")
    if java is None or not all(os.path.isfile(jar) for jar in ZOOKEEPER_JARS):
        return None
    return java, ":".join(ZOOKEEPER_JARS)


def missing_zookeeper_message():
    missing = [path for path in ZOOKEEPER_JARS if not os.path.isfile(path)]
    if shutil.which("java") is None:
        missing.insert(0, "java")
    return (f"ZooKeeper not found ({', '.join(missing)} missing); install it with "
            "`apt-get install zookeeper`")


def require_zookeeper():
    """Return find_zookeeper(), or exit with the skip code 77 if it is not installed."""
    found = find_zookeeper()
    if found is None:
        print(f"SKIPPED: {missing_zookeeper_message()}")
        sys.exit(chserver.SKIP)
    return found


class ZooKeeper:
    """One standalone ZooKeeper child process on 127.0.0.1.

    The client port is picked on the first start() and kept, so stop()
    followed by start() brings back the same server with the same data. Used
    as a context manager, it starts on entry, and on exit is killed and its
    directory deleted, or kept and printed to stderr when the block raised.
    The server is ready when the four-letter word `srvr` returns
    "Mode: standalone". `ruok` is no readiness check, because it returns
    "imok" before the server loads its database. startup_timeout and
    stop_timeout are in seconds.
    """

    def __init__(self, *, directory=None, startup_timeout=60.0, stop_timeout=10.0):
        found = find_zookeeper()
        if found is None:
            raise ZooKeeperUnavailable(missing_zookeeper_message())
        self.java, self.classpath = found
        self.own_directory = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="dragnet-zookeeper-",
                                                       dir=os.environ.get("TMPDIR"))
        os.makedirs(self.directory, exist_ok=True)
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.host = HOST
        self.port = None
        self.process = None
        self.startup_seconds = None   # time from spawn to the first "Mode: standalone"

    @property
    def config_path(self):
        return os.path.join(self.directory, "zoo.cfg")

    @property
    def log_path(self):
        return os.path.join(self.directory, "zookeeper.log")

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def rss_kib(self):
        """Resident set size of the JVM in KiB, from /proc/PID/status."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError(f"VmRSS missing from /proc/{self.pid}/status")

    def write_config(self):
        data = os.path.join(self.directory, "data")
        os.makedirs(data, exist_ok=True)
        # ZooKeeper sets unknown keys as system properties with the prefix
        # "zookeeper.", which is how admin.enableServer and
        # 4lw.commands.whitelist take effect. forceSync=no skips the fsync
        # of every transaction: the data is thrown away after the test.
        with open(self.config_path, "w") as f:
            f.write(f"""tickTime={TICK_MS}
dataDir={data}
clientPort={self.port}
clientPortAddress={HOST}
maxClientCnxns=0
forceSync=no
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,stat,mntr,cons
""")

    def start(self):
        """Start the server and wait until it serves requests.

        The first start picks the port, retrying with another if a process
        took it first. Later starts reuse the port and data.
        """
        if self.running():
            return self
        if self.port is not None:
            self.spawn()
            return self
        for attempt in range(3):
            self.port = chserver._free_ports(1)[0]
            self.write_config()
            try:
                self.spawn()
                return self
            except chserver.PortInUse:
                if attempt == 2:
                    raise
        return self

    def spawn(self):
        """Run java with the written zoo.cfg and wait until `srvr` shows it serving.

        Raises chserver.PortInUse if the port was taken, and AssertionError
        with the log tail if the JVM exited or did not serve within
        startup_timeout.
        """
        output = open(self.log_path, "ab")
        started = time.monotonic()
        try:
            self.process = subprocess.Popen(
                [self.java, *JVM_OPTIONS, "-cp", self.classpath, ZOOKEEPER_MAIN,
                 self.config_path],
                cwd=self.directory, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                start_new_session=True, preexec_fn=chserver._die_with_parent)
        finally:
            output.close()
        # chserver kills every object in this set when the test process exits.
        chserver._RUNNING.add(self)
        deadline = started + self.startup_timeout
        while True:
            status = self.process.poll()
            if status is not None:
                self.process = None
                chserver._RUNNING.discard(self)
                tail = self.log_tail()
                if "Address already in use" in tail:
                    raise chserver.PortInUse(tail)
                raise AssertionError(f"ZooKeeper exited with status {status} during start; "
                                     f"log {self.log_path}:\n{tail}")
            if "Mode: standalone" in self.four_letter("srvr"):
                self.startup_seconds = time.monotonic() - started
                return
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop(kill=True)
                raise AssertionError(f"ZooKeeper did not serve on port {self.port} within "
                                     f"{self.startup_timeout} s; log {self.log_path}:\n{tail}")
            time.sleep(0.05)

    def four_letter(self, word, timeout=2.0):
        """Send a four-letter word such as "srvr" and return the reply, or "" on failure."""
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
                sock.sendall(word.encode())
                chunks = []
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
        except OSError:
            return ""
        return b"".join(chunks).decode(errors="replace")

    def stop(self, kill=False):
        """Stop the server: SIGTERM, then SIGKILL after stop_timeout seconds.

        kill=True sends SIGKILL at once, like a crash. Either way the whole
        process group is killed afterwards.
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
                    print(f"NOTE: ZooKeeper {process.pid} ignored SIGTERM for "
                          f"{self.stop_timeout} s; killing it", file=sys.stderr)
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        finally:
            self.process = None
            chserver._RUNNING.discard(self)

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:]) or "(log empty)"
        except FileNotFoundError:
            return "(no log written)"

    def cleanup(self, keep=False):
        self.stop(kill=True)
        if keep:
            print(f"NOTE: kept ZooKeeper directory {self.directory}", file=sys.stderr)
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


class ReplicaServer(chserver.ClickHouse):
    """A ClickHouse server that is one replica of one shard.

    Besides chserver's config.xml it writes config.d/replication.xml, which
    the server merges into its configuration at start: the ZooKeeper node,
    the macros {shard} and {replica}, and the queue path for ON CLUSTER DDL.
    """

    def __init__(self, *, shard, replica, zookeeper, **options):
        super().__init__(**options)
        self.shard = shard
        self.replica = replica
        self.zookeeper = zookeeper

    def write_config(self):
        super().write_config()
        if self.zookeeper.port is None:
            raise AssertionError("start the ZooKeeper before the ClickHouse servers that use it")
        config_d = os.path.join(self.directory, "config.d")
        os.makedirs(config_d, exist_ok=True)
        with open(os.path.join(config_d, "replication.xml"), "w") as f:
            f.write(f"""<?xml version="1.0"?>
<yandex>
    <zookeeper>
        <node><host>{HOST}</host><port>{self.zookeeper.port}</port></node>
        <session_timeout_ms>{SESSION_TIMEOUT_MS}</session_timeout_ms>
    </zookeeper>
    <macros>
        <shard>{escape(self.shard)}</shard>
        <replica>{escape(self.replica)}</replica>
    </macros>
    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
</yandex>
""")


class ReplicatedCluster(chserver.Cluster):
    """A ClickHouse cluster of shards × replicas servers on 127.0.0.1, sharing one ZooKeeper.

    replicas[s][r] is replica r of shard s, and servers lists them all shard
    by shard. Shard s has the macro shard=f"{s + 1:02d}" and its replicas
    replica=f"r{r + 1}". Every server's <remote_servers><NAME> lists each
    shard's replicas with <internal_replication>true</internal_replication>,
    so a Distributed table writes each block to one replica of a shard and
    the replicated table copies it to the others. zookeeper must be started
    first. server_options are passed to every ClickHouse.
    """

    def __init__(self, shards=1, replicas=2, *, zookeeper, name=chserver.CLUSTER_NAME,
                 **server_options):
        if chserver.find_server() is None:
            raise chserver.ClickHouseUnavailable(chserver._missing_server_message())
        self.name = name
        self.zookeeper = zookeeper
        self.directory = tempfile.mkdtemp(prefix="dragnet-clickhouse-replicated-",
                                          dir=os.environ.get("TMPDIR"))
        self.replicas = [
            [ReplicaServer(shard=f"{s + 1:02d}", replica=f"r{r + 1}", zookeeper=zookeeper,
                           directory=os.path.join(self.directory, f"shard{s + 1}-r{r + 1}"),
                           **server_options)
             for r in range(replicas)]
            for s in range(shards)]
        # Cluster's start, stop, query_each and cleanup work on self.servers.
        self.servers = [server for shard in self.replicas for server in shard]

    def remote_servers_xml(self):
        shards = []
        for shard in self.replicas:
            replicas = "".join(f"<replica><host>{HOST}</host><port>{server.tcp_port}</port>"
                               f"</replica>" for server in shard)
            shards.append(f"<shard><internal_replication>true</internal_replication>"
                          f"{replicas}</shard>")
        return f"<{self.name}>{''.join(shards)}</{self.name}>"

    def url(self, database, servers=None, **params):
        """Return a dragnet store URL naming servers (default all), the cluster and
        replicated=1, with params as further URL parameters."""
        hosts = ",".join(f"{HOST}:{server.http_port}" for server in servers or self.servers)
        query = "&".join(f"{key}={value}" for key, value in
                         {"cluster": self.name, "replicated": 1, **params}.items())
        return f"clickhouse://{hosts}/{database}?{query}"

