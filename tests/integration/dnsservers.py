"""Knot DNS and Unbound on loopback that write dnstap, for dragnet's integration tests.

KnotServer serves one zone as an authoritative server and can log its traffic
with mod-dnstap to a file or a unix socket. UnboundServer forwards every query
to a KnotServer and can log client and upstream traffic to a unix or TCP
socket. FstrmCapture runs fstrm_capture to receive dnstap from a socket into
a file. kdig() and query() query a server, and dnstap_oracle() decodes a dnstap
file with dnstap-ldns. Written against Debian 12's knot 3.2.6,
knot-module-dnstap, unbound 1.17.1, knot-dnsutils, dnstap-ldns 0.2.1 and
fstrm-bin.

    with FstrmCapture() as tap:
        with KnotServer("example.test", ["www A 192.0.2.10"]) as knot:
            with UnboundServer(knot.port, dnstap=tap.spec,
                               stub_zones=["example.test"]) as unbound:
                kdig(unbound.port, "www.example.test", "A")
        # Stops fstrm_capture and decodes its file before the block deletes it.
        frames = tap.frames()

Every server binds 127.0.0.1 only, on a port picked at the first start, and
keeps its configuration, logs and data in a fresh directory under TMPDIR.
Used as a context manager, a server starts on entry and is stopped and its
directory deleted on exit. When the block raised, the directory is kept and
its path printed to stderr. stop() and start() restart a server on the same
port.

Unbound sends queries only to 127.0.0.1: see UnboundServer for the settings
that enforce this.
"""

import atexit
import ctypes
import datetime
import ipaddress
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnstest  # noqa: E402

SKIP = 77
HOST = "127.0.0.1"
DNSTAP_CONTENT_TYPE = "protobuf:dnstap.Dnstap"

# Unbound 1.17.1 hands queued dnstap messages to its output thread about 1 s
# after the first one is queued, and on SIGTERM it sends the frame-streams
# STOP without writing the messages still queued. Measured on loopback: frames
# arrive 1.0 s after the query. UnboundServer.stop() waits this long first.
UNBOUND_DNSTAP_FLUSH_SECONDS = 2.0

# AF_UNIX paths are limited to 108 bytes including the terminating NUL.
_UNIX_PATH_MAX = 107
_PR_SET_PDEATHSIG = 1
_RUNNING = set()
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None


class PortInUse(Exception):
    """The server exited at start because its port was already bound."""


# ---- programs ----

_PACKAGES = {
    "knotd": "knot",
    "knotc": "knot",
    "kdig": "knot-dnsutils",
    "unbound": "unbound",
    "unbound-checkconf": "unbound",
    "dnstap-ldns": "dnstap-ldns",
    "fstrm_capture": "fstrm-bin",
}


def find_program(name):
    """Return the path of an installed program, or None.

    Debian installs knotd, knotc and unbound in /usr/sbin, which is not on a
    normal user's PATH, so the sbin folders are searched too.
    """
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/sbin", "/usr/local/sbin"):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    return None


def _program(name):
    path = find_program(name)
    if path is None:
        raise FileNotFoundError(f"{name} not found; install it with "
                                f"`apt-get install {_PACKAGES.get(name, name)}`")
    return path


def knot_dnstap_available():
    """Return whether knotd accepts a mod-dnstap section (knot-module-dnstap is installed)."""
    knotc = find_program("knotc")
    if knotc is None:
        return False
    directory = tempfile.mkdtemp(prefix="dragnet-knot-check-", dir=os.environ.get("TMPDIR"))
    try:
        config = os.path.join(directory, "knot.conf")
        with open(config, "w") as f:
            f.write(f'server:\n    rundir: "{directory}"\n'
                    f'database:\n    storage: "{directory}"\n'
                    f'mod-dnstap:\n  - id: tap\n    sink: "{directory}/tap"\n')
        proc = subprocess.run([knotc, "-c", config, "conf-check"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=30)
        return proc.returncode == 0
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def require(*programs, knot_dnstap=False):
    """Exit with the skip code 77 unless every program, and the Knot dnstap module if
    knot_dnstap is true, is installed."""
    missing = [name for name in programs if find_program(name) is None]
    if missing:
        packages = sorted({_PACKAGES.get(name, name) for name in missing})
        dnstest.skip(f"{', '.join(missing)} not found; install them with "
                     f"`apt-get install {' '.join(packages)}` (tools/setup.sh test does)")
    if knot_dnstap and not knot_dnstap_available():
        dnstest.skip("knotd has no mod-dnstap; install it with "
                     "`apt-get install knot-module-dnstap`")


# ---- ports, processes and files ----

def free_port():
    """Return a loopback port that is free now for both UDP and TCP.

    The port comes from below the kernel's ephemeral range, so an outgoing
    connection cannot take it between this check and the server's bind.
    Another process can still bind it first, so servers retry on PortInUse.
    """
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            ephemeral_low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    low, high = 20000, ephemeral_low - 1
    if high - low < 1000:
        low, high = 10000, 19999
    while True:
        port = random.randint(low, high)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            udp.bind((HOST, port))
            tcp.bind((HOST, port))
            return port
        except OSError:
            continue
        finally:
            udp.close()
            tcp.close()


def _die_with_parent():
    """Ask Linux to SIGKILL the child when the thread that started it exits.

    Runs in the child between fork and exec, so start servers from the main
    thread.
    """
    prctl = getattr(_LIBC, "prctl", None)
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _kill_running():
    for process in list(_RUNNING):
        process.stop(kill=True)


atexit.register(_kill_running)


def _check_unix_path(path):
    if len(os.fsencode(path)) > _UNIX_PATH_MAX:
        raise ValueError(f"unix socket path {path!r} is longer than {_UNIX_PATH_MAX} bytes; "
                         "use a shorter directory (set TMPDIR)")


def _quote(value):
    """Quote a string for knot.conf or unbound.conf, which share this syntax."""
    text = str(value)
    if '"' in text or "\n" in text:
        raise ValueError(f"configuration value {text!r} contains a quote or a line break")
    return f'"{text}"'


def parse_dnstap_spec(spec):
    """Split "unix:PATH" or "tcp:HOST:PORT" into ("unix", PATH) or ("tcp", (HOST, PORT)).

    These are the spellings of `dragnet capture --dnstap`. Anything else is
    returned as ("file", spec).
    """
    if spec.startswith("unix:"):
        return "unix", spec[len("unix:"):]
    if spec.startswith("tcp:"):
        host, sep, port = spec[len("tcp:"):].rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"invalid dnstap address {spec!r}; expected tcp:HOST:PORT")
        return "tcp", (host.strip("[]"), int(port))
    return "file", spec


def _tcp_listening(port):
    """Return whether some socket listens on TCP port on 127.0.0.1, from /proc/net/tcp.

    Reading the table instead of connecting keeps probe connections out of
    the server's logs.
    """
    wanted = f"0100007F:{port:04X}"
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[1] == wanted and fields[3] == "0A":
                    return True
    except OSError:
        return False
    return False


class _ServerProcess:
    """One child process with its own directory; the base of the server classes.

    Subclasses set `name` and implement write_config(), command() and
    wait_ready(deadline).
    """

    name = "server"

    def __init__(self, directory=None, startup_timeout=15.0, stop_timeout=10.0):
        self.own_directory = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix=f"dragnet-{self.name}-",
                                                       dir=os.environ.get("TMPDIR"))
        os.makedirs(self.directory, exist_ok=True)
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.process = None
        self.port = None
        # Size of the log when the current process started. A restart appends
        # to the same log, and readiness checks read only the new part.
        self.log_start = 0

    @property
    def log_path(self):
        return os.path.join(self.directory, f"{self.name}.log")

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self):
        """Start the server and wait until it serves.

        The first start picks the port, and picks a new one if another process
        took it meanwhile. Later starts reuse the port.
        """
        if self.running():
            return self
        if self.port is not None:
            self.write_config()
            self.spawn()
            return self
        for attempt in range(3):
            self.port = free_port()
            self.write_config()
            try:
                self.spawn()
                return self
            except PortInUse:
                if attempt == 2:
                    raise
        return self

    def spawn(self):
        """Run the configured server and wait until it serves.

        Raises PortInUse if the port was taken, and AssertionError with the log
        tail if the server exited or did not become ready in time.
        """
        with open(self.log_path, "ab") as output:
            self.log_start = output.tell()
            self.process = subprocess.Popen(
                self.command(), cwd=self.directory, stdin=subprocess.DEVNULL,
                stdout=output, stderr=output, start_new_session=True,
                preexec_fn=_die_with_parent)
        _RUNNING.add(self)
        deadline = time.monotonic() + self.startup_timeout
        try:
            self.wait_ready(deadline)
        except BaseException:
            self.stop(kill=True)
            raise

    def check_alive(self):
        """Raise if the process has exited: PortInUse when its log reports the port in use."""
        status = self.process.poll()
        if status is None:
            return
        current_run = self.log_text(current_run=True)
        if "already in use" in current_run.lower():
            raise PortInUse(current_run)
        tail = self.log_tail()
        raise AssertionError(f"{self.name} exited with status {status} during start; "
                             f"directory {self.directory}:\n{tail}")

    def timed_out(self, what):
        raise AssertionError(f"{self.name} on port {self.port} did not {what} within "
                             f"{self.startup_timeout} s; directory {self.directory}:\n"
                             f"{self.log_tail()}")

    def stop(self, kill=False):
        """Stop the server with SIGTERM, or SIGKILL after stop_timeout seconds.

        kill=True sends SIGKILL at once, like a crash.
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
                    print(f"NOTE: {self.name} {process.pid} ignored SIGTERM for "
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

    def restart(self):
        """Stop the server cleanly and start it again on the same port."""
        self.stop()
        return self.start()

    def log_text(self, current_run=False):
        """Return the server's log, or with current_run only what the running process wrote."""
        try:
            with open(self.log_path, "rb") as f:
                if current_run:
                    f.seek(self.log_start)
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=40):
        text = self.log_text().splitlines()[-lines:]
        return "\n".join(text) if text else "(no log written)"

    def cleanup(self, keep=False):
        self.stop(kill=True)
        if keep:
            print(f"NOTE: kept {self.name} directory {self.directory}", file=sys.stderr)
        elif self.own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup(keep=True)
            raise

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        self.cleanup(keep=exc_type is not None)
        return False


# ---- DNS over UDP, for readiness probes ----

def _probe_rcode(port, qname, qtype="SOA", timeout=0.5):
    """Send one query to 127.0.0.1:port and return the response's RCODE, or None
    when no response arrived within timeout seconds."""
    qid = random.randint(0, 0xFFFF)
    query = dnstest.dns_message(qid, qname, qtype, response=False)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(query, (HOST, port))
            while True:
                reply = sock.recv(4096)
                if len(reply) >= 12 and struct.unpack("!H", reply[:2])[0] == qid:
                    return reply[3] & 0x0F
        except OSError:
            return None


# ---- Knot DNS ----

def _absolute(name):
    return name if name.endswith(".") else name + "."


class KnotServer(_ServerProcess):
    """A knotd child process serving one zone on 127.0.0.1.

    records are zone-file lines relative to the zone, e.g. "www A 192.0.2.10"
    or "@ MX 10 mail". The default TTL is 3600. Unless records contain them,
    the zone gets the SOA "@ SOA ns1 hostmaster 1 3600 900 604800 300" and the
    records "@ NS ns1" and "ns1 A 127.0.0.1". The name server's address is
    loopback so that a resolver that followed the NS record would still stay
    on this machine. A name that is in no record gets NXDOMAIN.

    dnstap is None (no dnstap), a file path, or "unix:PATH" for a listening
    socket. Knot 3.2's mod-dnstap has no TCP sink. The module is attached to
    the zone, so only queries for names in the zone are logged: the REFUSED
    responses to other names are not. log_responses and log_queries choose the
    AUTH_RESPONSE and AUTH_QUERY messages, and identity replaces the host name
    in each frame.

    Knot opens a file sink anew at every start, replacing the file. To keep a
    file from an earlier run, set a new `dnstap` path before start(). Knot
    writes frames to a socket within about 2 s, and writes all queued frames
    when stopped with SIGTERM (stop()). The unix writer reconnects every 5 s
    (the fstrm default), and frames logged while no listener is connected are
    lost.
    """

    name = "knot"

    def __init__(self, zone_name, records, dnstap=None, *, log_responses=True,
                 log_queries=False, identity=None, **options):
        super().__init__(**options)
        self.knotd = _program("knotd")
        self.zone = _absolute(zone_name)
        self.records = list(records)
        self.dnstap = dnstap
        self.log_responses = log_responses
        self.log_queries = log_queries
        self.identity = identity
        self.zone_text = self.zone_file_text()

    @property
    def config_path(self):
        return os.path.join(self.directory, "knot.conf")

    @property
    def zone_path(self):
        return os.path.join(self.directory, "zone.db")

    def zone_file_text(self):
        lines = [f"$ORIGIN {self.zone}", "$TTL 3600"]
        apex_types = set()
        for record in self.records:
            owner, *rest = record.split()
            if owner.lower() not in ("@", self.zone.lower(), self.zone.lower().rstrip(".")):
                continue
            # The type follows an optional TTL and class.
            for field in rest[:3]:
                if not field.isdigit() and field.upper() not in ("IN", "CH", "HS"):
                    apex_types.add(field.upper())
                    break
        if "SOA" not in apex_types:
            lines.append("@ SOA ns1 hostmaster 1 3600 900 604800 300")
        if "NS" not in apex_types:
            lines += ["@ NS ns1", "ns1 A 127.0.0.1"]
        return "\n".join(lines + self.records) + "\n"

    def write_config(self):
        rundir = os.path.join(self.directory, "run")
        storage = os.path.join(self.directory, "storage")
        os.makedirs(rundir, exist_ok=True)
        os.makedirs(storage, exist_ok=True)
        _check_unix_path(os.path.join(rundir, "knot.sock"))
        with open(self.zone_path, "w") as f:
            f.write(self.zone_text)

        # One worker of each kind keeps the frames of each transport in order.
        config = [
            "server:",
            f"    rundir: {_quote(rundir)}",
            f"    listen: {HOST}@{self.port}",
            "    udp-workers: 1",
            "    tcp-workers: 1",
            "    background-workers: 1",
            "log:",
            "  - target: stderr",
            "    any: info",
            "database:",
            f"    storage: {_quote(storage)}",
        ]
        zone_module = ""
        if self.dnstap is not None:
            kind, target = parse_dnstap_spec(self.dnstap)
            if kind == "tcp":
                raise ValueError("Knot 3.2's mod-dnstap writes only to a file or a unix "
                                 f"socket, not to {self.dnstap!r}")
            if kind == "unix":
                _check_unix_path(target)
                sink = f"unix:{os.path.abspath(target)}"
            else:
                sink = os.path.abspath(target)
            config += [
                "mod-dnstap:",
                "  - id: tap",
                f"    sink: {_quote(sink)}",
                f"    log-queries: {'on' if self.log_queries else 'off'}",
                f"    log-responses: {'on' if self.log_responses else 'off'}",
            ]
            if self.identity is not None:
                config.append(f"    identity: {_quote(self.identity)}")
            zone_module = "    module: mod-dnstap/tap"
        config += [
            "zone:",
            f"  - domain: {_quote(self.zone)}",
            f"    file: {_quote(self.zone_path)}",
        ]
        if zone_module:
            config.append(zone_module)
        with open(self.config_path, "w") as f:
            f.write("\n".join(config) + "\n")

    def command(self):
        return [self.knotd, "-c", self.config_path]

    def wait_ready(self, deadline):
        """Wait until Knot has loaded the zone and responds on UDP.

        The probe queries a name outside the zone. Knot rejects it with
        REFUSED without passing it to the zone's dnstap module, so no probe
        appears in the dnstap output.
        """
        loaded = f"[{self.zone}] loaded"
        failed = f"error: [{self.zone}]"
        while True:
            self.check_alive()
            log = self.log_text(current_run=True)
            if failed in log:
                raise AssertionError(f"knotd failed to load {self.zone_path}:\n"
                                     f"{self.log_tail()}\n--- zone file\n{self.zone_text}")
            if loaded in log and _probe_rcode(self.port, "probe.invalid.") == 5:
                return
            if time.monotonic() > deadline:
                self.timed_out(f"load {self.zone} and answer")
            time.sleep(0.02)


# ---- Unbound ----

def _loopback_only_blocks():
    """Return the networks that together cover every address except 127.0.0.1 and ::1."""
    blocks = []
    for everything, allowed in (("0.0.0.0/0", "127.0.0.1/32"), ("::/0", "::1/128")):
        blocks += ipaddress.ip_network(everything).address_exclude(ipaddress.ip_network(allowed))
    return sorted(blocks, key=lambda net: (net.version, net))


class UnboundServer(_ServerProcess):
    """An unbound child process on 127.0.0.1 that resolves through a KnotServer.

    Every query goes to 127.0.0.1@forward_port: names in stub_zones through a
    stub zone (no RD bit, logged as RESOLVER_QUERY and RESOLVER_RESPONSE) and
    all other names through the forward zone "." (RD bit set, logged as
    FORWARDER_QUERY and FORWARDER_RESPONSE). Unbound never primes the root
    for a forward zone, so it needs no root hints.

    Only 127.0.0.1 is ever queried, for these reasons. outgoing-interface binds
    every upstream socket to 127.0.0.1, do-ip6 is off, and
    do-not-query-address lists every IPv4 and IPv6 network except 127.0.0.1
    and ::1. The only upstreams configured are the forward zone and
    stub_zones, which all point at 127.0.0.1. blocked_stub_zones maps zone
    names to upstream addresses that unbound must refuse to query, for the
    test of that guard. The module is "iterator" alone, so there is no DNSSEC
    validation and no trust anchor to fetch.

    dnstap, when given, is "unix:PATH" or "tcp:HOST:PORT" (the spelling of
    `dragnet capture --dnstap`). dnstap_socket=PATH and dnstap_tcp=(HOST, PORT)
    set the same. TCP is plain, without TLS. The client_*, resolver_* and
    forwarder_* flags choose which messages are logged. identity and version
    are sent in every frame when given. Unbound 1.17 uses the bidirectional
    frame-streams handshake unless bidirectional is false.

    Unbound 1.17.1 passes dnstap messages to the receiver about 1 s after it
    queues them. It drops the messages still queued when it stops, so stop()
    first waits UNBOUND_DNSTAP_FLUSH_SECONDS (flush=False skips the wait).
    When the receiver is absent, unbound queues the messages, retries the
    connection and then sends them in a burst.

    Unbound caches responses for their TTL, so a repeated query reaches Knot
    again only after restart(), which empties the cache.
    """

    name = "unbound"

    def __init__(self, forward_port, dnstap=None, *, dnstap_socket=None, dnstap_tcp=None,
                 stub_zones=(), blocked_stub_zones=None, client_queries=False,
                 client_responses=True, resolver_queries=False, resolver_responses=True,
                 forwarder_queries=False, forwarder_responses=True, identity=None,
                 version=None, bidirectional=True, verbosity=1, **options):
        super().__init__(**options)
        self.unbound = _program("unbound")
        self.checkconf = find_program("unbound-checkconf")
        self.forward_port = forward_port
        if dnstap is not None:
            if dnstap_socket is not None or dnstap_tcp is not None:
                raise ValueError("give dnstap or one of dnstap_socket and dnstap_tcp, not both")
            kind, target = parse_dnstap_spec(dnstap)
            if kind == "file":
                raise ValueError(f"unbound writes dnstap only to unix:PATH or tcp:HOST:PORT, "
                                 f"not to {dnstap!r}")
            if kind == "unix":
                dnstap_socket = target
            else:
                dnstap_tcp = target
        if dnstap_socket is not None and dnstap_tcp is not None:
            raise ValueError("give dnstap_socket or dnstap_tcp, not both")
        self.dnstap_socket = dnstap_socket
        self.dnstap_tcp = dnstap_tcp
        self.stub_zones = [_absolute(zone) for zone in stub_zones]
        self.blocked_stub_zones = {_absolute(zone): address
                                   for zone, address in (blocked_stub_zones or {}).items()}
        self.log_flags = {
            "client-query": client_queries,
            "client-response": client_responses,
            "resolver-query": resolver_queries,
            "resolver-response": resolver_responses,
            "forwarder-query": forwarder_queries,
            "forwarder-response": forwarder_responses,
        }
        self.identity = identity
        self.version = version
        self.bidirectional = bidirectional
        self.verbosity = verbosity

    @property
    def config_path(self):
        return os.path.join(self.directory, "unbound.conf")

    @property
    def dnstap_enabled(self):
        return self.dnstap_socket is not None or self.dnstap_tcp is not None

    def write_config(self):
        upstream = f"{HOST}@{self.forward_port}"
        server = [
            f"interface: {HOST}",
            f"port: {self.port}",
            "do-ip4: yes",
            "do-ip6: no",
            "do-udp: yes",
            "do-tcp: yes",
            "do-daemonize: no",
            'chroot: ""',
            'username: ""',
            f"directory: {_quote(self.directory)}",
            f"pidfile: {_quote(os.path.join(self.directory, 'unbound.pid'))}",
            "use-syslog: no",
            'logfile: ""',
            f"verbosity: {self.verbosity}",
            'module-config: "iterator"',
            "num-threads: 1",
            "msg-cache-size: 4m",
            "rrset-cache-size: 8m",
            "key-cache-size: 1m",
            "neg-cache-size: 1m",
            "prefetch: no",
            # Only the queries that the tests send: no QNAME minimisation
            # probes and no lookups of name server addresses ahead of need.
            "qname-minimisation: no",
            'target-fetch-policy: "0 0 0 0 0"',
            f"outgoing-interface: {HOST}",
            "do-not-query-localhost: no",
            # Without nodefault, unbound serves test. from a built-in empty local zone.
            'local-zone: "test." nodefault',
        ]
        server += [f"do-not-query-address: {net}" for net in _loopback_only_blocks()]
        config = ["server:"] + [f"    {line}" for line in server]
        config += ["remote-control:", "    control-enable: no"]
        for zone in self.stub_zones:
            config += ["stub-zone:", f"    name: {_quote(zone)}", f"    stub-addr: {upstream}"]
        for zone, address in self.blocked_stub_zones.items():
            config += ["stub-zone:", f"    name: {_quote(zone)}", f"    stub-addr: {address}"]
        config += ["forward-zone:", '    name: "."', f"    forward-addr: {upstream}"]
        if self.dnstap_enabled:
            config += ["dnstap:", "    dnstap-enable: yes",
                       f"    dnstap-bidirectional: {'yes' if self.bidirectional else 'no'}"]
            if self.dnstap_socket is not None:
                _check_unix_path(self.dnstap_socket)
                path = os.path.abspath(self.dnstap_socket)
                config.append(f"    dnstap-socket-path: {_quote(path)}")
            else:
                host, port = self.dnstap_tcp
                config += [f"    dnstap-ip: {host}@{port}", "    dnstap-tls: no"]
            if self.identity is not None:
                config += ["    dnstap-send-identity: yes",
                           f"    dnstap-identity: {_quote(self.identity)}"]
            if self.version is not None:
                config += ["    dnstap-send-version: yes",
                           f"    dnstap-version: {_quote(self.version)}"]
            for kind, enabled in self.log_flags.items():
                config.append(f"    dnstap-log-{kind}-messages: {'yes' if enabled else 'no'}")
        with open(self.config_path, "w") as f:
            f.write("\n".join(config) + "\n")
        if self.checkconf is not None:
            proc = subprocess.run([self.checkconf, self.config_path], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, timeout=30)
            if proc.returncode != 0:
                raise AssertionError(f"unbound-checkconf rejected {self.config_path}:\n"
                                     f"{proc.stdout}")

    def command(self):
        return [self.unbound, "-d", "-c", self.config_path]

    def wait_ready(self, deadline):
        """Wait until unbound logs "start of service" and listens on TCP.

        No DNS probe is sent, so the dnstap output holds only the caller's
        queries.
        """
        while True:
            self.check_alive()
            started = "start of service" in self.log_text(current_run=True)
            if started and _tcp_listening(self.port):
                return
            if time.monotonic() > deadline:
                self.timed_out('log "start of service"')
            time.sleep(0.02)

    def stop(self, kill=False, flush=True):
        """Stop unbound, first giving dnstap UNBOUND_DNSTAP_FLUSH_SECONDS to send
        its queue unless kill or flush=False."""
        if self.running() and self.dnstap_enabled and flush and not kill:
            time.sleep(UNBOUND_DNSTAP_FLUSH_SECONDS)
        super().stop(kill=kill)


# ---- fstrm_capture ----

class FstrmCapture:
    """An fstrm_capture child process that writes dnstap from a socket to a file.

    With socket_path it listens on that unix socket, with tcp=True on a free
    TCP port of 127.0.0.1, and with neither on run/dnstap.sock in its own
    directory. output is the file it writes. spec is "unix:PATH" or
    "tcp:127.0.0.1:PORT", ready for KnotServer and UnboundServer. The file is
    complete only after stop(), because fstrm_capture buffers its writes.
    Stop the servers that send to it first, so that they flush their frames.
    """

    name = "fstrm_capture"

    def __init__(self, socket_path=None, *, tcp=False, output=None, directory=None,
                 startup_timeout=10.0, stop_timeout=10.0):
        self.fstrm_capture = _program("fstrm_capture")
        self.own_directory = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="dragnet-fstrm-",
                                                       dir=os.environ.get("TMPDIR"))
        os.makedirs(self.directory, exist_ok=True)
        self.tcp = tcp
        self.port = None
        if tcp:
            if socket_path is not None:
                raise ValueError("give socket_path or tcp=True, not both")
            self.socket_path = None
        else:
            self.socket_path = socket_path or os.path.join(self.directory, "dnstap.sock")
            _check_unix_path(self.socket_path)
        self.output = output or os.path.join(self.directory, "capture.dnstap")
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.process = None

    @property
    def log_path(self):
        return os.path.join(self.directory, "fstrm_capture.log")

    @property
    def spec(self):
        if self.tcp:
            return f"tcp:{HOST}:{self.port}"
        return f"unix:{self.socket_path}"

    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self):
        """Start listening and wait until the socket accepts connections.

        A restart writes a new output file in place of the old one.
        """
        if self.running():
            return self
        for attempt in range(3):
            command = [self.fstrm_capture, "-t", DNSTAP_CONTENT_TYPE, "-w", self.output]
            if self.tcp:
                if self.port is None or attempt > 0:
                    self.port = free_port()
                command += ["-a", HOST, "-p", str(self.port)]
            else:
                if os.path.exists(self.socket_path):
                    os.unlink(self.socket_path)
                command += ["-u", self.socket_path]
            with open(self.log_path, "ab") as output:
                self.process = subprocess.Popen(
                    command, cwd=self.directory, stdin=subprocess.DEVNULL, stdout=output,
                    stderr=output, start_new_session=True, preexec_fn=_die_with_parent)
            _RUNNING.add(self)
            try:
                self.wait_ready()
                return self
            except PortInUse:
                self.stop(kill=True)
                if attempt == 2:
                    raise
            except BaseException:
                self.stop(kill=True)
                raise
        return self

    def wait_ready(self):
        deadline = time.monotonic() + self.startup_timeout
        while True:
            status = self.process.poll()
            if status is not None:
                tail = self.log_tail()
                if "already in use" in tail.lower():
                    raise PortInUse(tail)
                raise AssertionError(f"fstrm_capture exited with status {status}; "
                                     f"directory {self.directory}:\n{tail}")
            if self.tcp:
                if _tcp_listening(self.port):
                    return
            elif os.path.exists(self.socket_path):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"fstrm_capture did not listen on {self.spec} within "
                                     f"{self.startup_timeout} s:\n{self.log_tail()}")
            time.sleep(0.02)

    def stop(self, kill=False):
        """Stop fstrm_capture with SIGTERM, which closes the output file cleanly."""
        if self.process is None:
            return
        process = self.process
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        finally:
            self.process = None
            _RUNNING.discard(self)

    def frame_count(self):
        """Return the data frame count fstrm_capture logged when it closed its last file."""
        counts = re.findall(r"closed output file .* \(wrote (\d+) frames", self.log_text())
        if not counts:
            raise AssertionError(f"fstrm_capture has not closed {self.output}:\n"
                                 f"{self.log_tail()}")
        # The count includes the START and STOP control frames.
        return int(counts[-1]) - 2

    def frames(self):
        """Stop the capture and decode its file with dnstap_oracle()."""
        self.stop()
        return dnstap_oracle(self.output)

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=20):
        text = self.log_text().splitlines()[-lines:]
        return "\n".join(text) if text else "(no log written)"

    def cleanup(self, keep=False):
        self.stop(kill=True)
        if keep:
            print(f"NOTE: kept fstrm_capture directory {self.directory}", file=sys.stderr)
        elif self.own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup(keep=True)
            raise

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        self.cleanup(keep=exc_type is not None)
        return False


# ---- presentation form ----

def _split_rdata(text):
    """Split rdata on whitespace outside quoted strings, keeping the quotes and escapes."""
    fields, current, quoted, escaped = [], "", False, False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == '"':
            current += char
            quoted = not quoted
        elif char.isspace() and not quoted:
            if current:
                fields.append(current)
            current = ""
        else:
            current += char
    if current:
        fields.append(current)
    return fields


def normalize_rr(line):
    """Return an RR line as "owner TTL CLASS TYPE RDATA" with single spaces.

    kdig pads the owner name with spaces and tabs, and ldns separates fields
    with tabs. Owner and type are lower- and upper-cased, as both tools print
    them. Whitespace inside quoted TXT strings is kept.
    """
    fields = _split_rdata(line.strip())
    if len(fields) < 4:
        raise ValueError(f"not a resource record: {line!r}")
    owner, ttl, rrclass, rrtype, *rdata = fields
    return " ".join([owner.lower(), ttl, rrclass.upper(), rrtype.upper(), *rdata])


def normalize_question(line):
    """Return a question line (";name CLASS TYPE") as "name CLASS TYPE"."""
    fields = line.strip().lstrip(";").split()
    if len(fields) != 3:
        raise ValueError(f"not a question: {line!r}")
    return f"{fields[0].lower()} {fields[1].upper()} {fields[2].upper()}"


# ---- kdig ----

class Response:
    """One DNS response as kdig printed it: rcode, message id, flags, the
    question and the RRs of each section, each in the form that
    normalize_question() or normalize_rr() returns."""

    def __init__(self, rcode, message_id, flags, question, answer, authority, additional,
                 text):
        self.rcode = rcode
        self.id = message_id
        self.flags = flags
        self.question = question
        self.answer = answer
        self.authority = authority
        self.additional = additional
        self.text = text

    def __repr__(self):
        return (f"Response(rcode={self.rcode!r}, answer={self.answer!r}, "
                f"authority={self.authority!r})")


def query(server_port, name, rrtype, *options, timeout=10):
    """Query 127.0.0.1@server_port for name and rrtype with kdig and return a Response.

    options are extra kdig options such as "+tcp" or "+nordflag". Raises
    AssertionError when kdig fails or gets no response.
    """
    command = [_program("kdig"), f"@{HOST}", "-p", str(server_port), "+time=2", "+retry=1",
               *options, name, rrtype]
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)
    header = re.search(r"->>HEADER<<- opcode: \w+; status: (\w+); id: (\d+)", proc.stdout)
    if proc.returncode != 0 or header is None:
        raise AssertionError(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stdout}")
    flags = re.search(r";; Flags: ([^;]*);", proc.stdout)
    sections = {"QUESTION": [], "ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
    current = None
    for line in proc.stdout.splitlines():
        heading = re.match(r";; (\w+) SECTION:", line)
        if heading:
            current = sections.get(heading.group(1))
            continue
        if not line.strip():
            current = None
            continue
        if current is sections["QUESTION"]:
            current.append(normalize_question(line.lstrip(";")))
        elif current is not None and not line.startswith(";"):
            current.append(normalize_rr(line))
    return Response(header.group(1), int(header.group(2)),
                    flags.group(1).split() if flags else [], sections["QUESTION"],
                    sections["ANSWER"], sections["AUTHORITY"], sections["ADDITIONAL"],
                    proc.stdout)


def kdig(server_port, name, rrtype, *options, timeout=10):
    """Query 127.0.0.1@server_port for name and rrtype and return the answer section
    as a list of "owner TTL CLASS TYPE RDATA" strings (normalize_rr)."""
    return query(server_port, name, rrtype, *options, timeout=timeout).answer


# ---- dnstap-ldns ----

def _yaml_string(text):
    """Decode a double-quoted scalar as dnstap-ldns prints it (\\" and \\xNN escapes)."""
    if not (text.startswith('"') and text.endswith('"')):
        return text
    body = text[1:-1]
    return re.sub(r'\\x([0-9a-fA-F]{2})|\\(.)',
                  lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), body)


def _timestamp(text):
    value = text.removeprefix("!!timestamp").strip()
    return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc)


def _parse_dns_message(lines):
    """Parse the ldns text of one DNS message into a dict."""
    message = {"opcode": None, "rcode": None, "id": None, "flags": [], "question": [],
               "answer": [], "authority": [], "additional": [], "edns": None}
    section = None
    for line in lines:
        line = line.strip()
        header = re.match(r";; ->>HEADER<<- opcode: (\w+), rcode: (\w+), id: (\d+)", line)
        if header:
            message["opcode"], message["rcode"] = header.group(1), header.group(2)
            message["id"] = int(header.group(3))
            continue
        flags = re.match(r";; flags: ([^;]*);", line)
        if flags:
            message["flags"] = flags.group(1).split()
            continue
        heading = re.match(r";; (\w+) SECTION:", line)
        if heading:
            section = heading.group(1).lower()
            continue
        if line.startswith(";; EDNS:"):
            message["edns"] = line[len(";; EDNS:"):].strip()
            continue
        if not line or line.startswith(";;"):
            continue
        if section == "question":
            message["question"].append(normalize_question(line))
        elif section in ("answer", "authority", "additional"):
            message[section].append(normalize_rr(line))
    return message


def _store_field(frame, nested, key, value):
    """Store one "key: value" line of a frame. nested is true for the Message fields."""
    if key == "type":
        # The outer type is the Dnstap type (MESSAGE), the nested one the Message type.
        frame["type" if nested else "frame_type"] = value
    elif key == "message" and not nested:
        pass
    elif key in ("query_time", "response_time"):
        frame[key] = _timestamp(value)
    elif key in ("query_port", "response_port"):
        frame[key] = int(value)
    else:
        frame[key] = _yaml_string(value)


def _parse_frame(lines):
    """Parse one YAML document of dnstap-ldns -y into a frame dict."""
    frame = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1

        block = re.match(r"  (query_message|response_message): \|$", line)
        if block:
            body = []
            while index < len(lines) and (lines[index].startswith("    ") or not lines[index]):
                body.append(lines[index])
                index += 1
            frame[block.group(1)] = _parse_dns_message(body)
            continue

        failed = re.match(r"  # (query_message|response_message): parse failed", line)
        if failed:
            frame[failed.group(1)] = None
            continue

        field = re.match(r"(  )?(\w+):\s*(.*)$", line)
        if field:
            _store_field(frame, bool(field.group(1)), field.group(2), field.group(3))

    # Shortcuts to the message that matches the frame type.
    is_response = frame.get("type", "").endswith("_RESPONSE")
    message = frame.get("response_message" if is_response else "query_message")
    frame["message"] = message
    frame["question"] = message["question"] if message else []
    frame["answer"] = message["answer"] if message else []
    frame["rcode"] = message["rcode"] if message else None
    return frame


def dnstap_oracle(path, timeout=60):
    """Decode a dnstap file with `dnstap-ldns -y -r PATH` and return one dict per frame.

    Each dict has the fields that dnstap-ldns printed, under their dnstap
    names: "type" (the Message type, e.g. "AUTH_RESPONSE"), "frame_type"
    ("MESSAGE"), "identity", "version", "socket_family", "socket_protocol",
    "query_address", "response_address", "query_port" and "response_port"
    (int), "query_zone", "query_time" and "response_time" (UTC datetime), and
    "query_message" and "response_message". A message is a dict with "rcode",
    "opcode", "id", "flags", "edns" and the lists "question", "answer",
    "authority" and "additional". Each question or RR is a string in the form
    that normalize_question() or normalize_rr() returns. A message that ldns
    could not parse is None. "message" is the response message for a
    *_RESPONSE frame and the query message otherwise, and "question",
    "answer" and "rcode" are copied from it.
    """
    if not os.path.isfile(path):
        raise AssertionError(f"dnstap file {path} not found")
    command = [_program("dnstap-ldns"), "-y", "-r", path]
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr}")
    frames, current = [], []
    for line in proc.stdout.split("\n"):
        if line == "---":
            frames.append(_parse_frame(current))
            current = []
        else:
            current.append(line)
    if any(line.strip() for line in current):
        raise AssertionError(f"dnstap-ldns output of {path} ends inside a frame:\n"
                             + "\n".join(current))
    return frames


def frames_of_type(frames, message_type):
    """Return the frames whose Message type is message_type, e.g. "CLIENT_RESPONSE"."""
    return [frame for frame in frames if frame["type"] == message_type]
