#!/usr/bin/env python3
"""Compare what `dragnet ingest` stores with tshark's decode of every corpus capture.

Each pcap or pcapng file under $DRAGNET_CORPUS/pcap is ingested alone into a
fresh database and decoded by tshark (tested with Wireshark 4.0.17). The test
takes tshark's DNS responses with opcode QUERY and, from them, the class IN
records that dragnet stores: answer records of type A, AAAA, CNAME, NS, MX,
PTR, TXT and SOA, and authority records of type NS and SOA. It then checks
that:

1. the store contains every such record as (rrname, rrtype, rdata);
2. each record's count is the number of times tshark saw it, and its
   time_first and time_last are the earliest and latest frame second;
3. the store contains no record of those types that tshark did not decode.

Frames that tshark marks malformed or that carry an expert message of
severity Error are left out of the comparison, and so are frames with a name
that tshark shows without its exact bytes. A stored record that tshark never
decoded is accepted only if its time_first and time_last both fall on the
second of such a skipped frame. For every capture, ingest must exit with
status 0 or 3 and never by a signal, and `dragnet stats` must then read the
database.

Environment: DRAGNET is the dragnet binary, DRAGNET_CORPUS the corpus folder,
TMPDIR the scratch folder. The exit status is 0 when everything matches, 1 on
any mismatch and 77 (skipped) when the corpus or tshark is missing.
"""

import ipaddress
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

EXIT_SKIPPED = 77

TYPE_A = 1
TYPE_NS = 2
TYPE_CNAME = 5
TYPE_SOA = 6
TYPE_PTR = 12
TYPE_MX = 15
TYPE_TXT = 16
TYPE_AAAA = 28
TYPE_NAMES = {
    TYPE_A: "A",
    TYPE_NS: "NS",
    TYPE_CNAME: "CNAME",
    TYPE_SOA: "SOA",
    TYPE_PTR: "PTR",
    TYPE_MX: "MX",
    TYPE_TXT: "TXT",
    TYPE_AAAA: "AAAA",
}

# dragnet stores every answer-section record, and the store does not record the
# section, so SOA is checked in the answer section too.
ANSWER_TYPES = frozenset(TYPE_NAMES)
AUTHORITY_TYPES = frozenset({TYPE_NS, TYPE_SOA})
CHECKED_TYPES = ANSWER_TYPES | AUTHORITY_TYPES
SECTIONS = (("Answers", ANSWER_TYPES), ("Authoritative nameservers", AUTHORITY_TYPES))

CLASS_IN = 1
# dragnet skips NOTIFY, UPDATE and the other opcodes because they carry no
# lookup data, so only standard queries are compared.
OPCODE_QUERY = 0
# Wireshark's expert severity "Error" as tshark 4.0 writes it in
# _ws.expert.severity, for example on "Malformed Packet (Exception occurred)".
EXPERT_SEVERITY_ERROR = 0x00800000

# Set explicitly, although they are tshark 4.0's defaults, so that a changed
# default cannot silently drop reassembled messages from the oracle.
TSHARK_PREFERENCES = (
    "ip.defragment:TRUE",
    "ipv6.defragment:TRUE",
    "tcp.desegment_tcp_streams:TRUE",
    "dns.desegment_dns_messages:TRUE",
)

# Zeek captures with mDNS (port 5353) and LLMNR (port 5355) traffic.
MDNS_CAPTURES = ("dns_mdns-no-assoc.pcap", "wikipedia.pcap")

# Seconds a single tshark or dragnet run may take.
COMMAND_TIMEOUT = 120


class JsonObject(list):
    """A JSON object kept as its (key, value) pairs in order.

    tshark repeats keys inside one object: two identical answer records have the
    same summary key, a TXT record has one "dns.txt" per string, and a frame with
    two DNS messages has two "dns" layers. A dict would keep only the last one.
    """

    def get(self, key, default=None):
        for name, value in self:
            if name == key:
                return value
        return default

    def get_all(self, key):
        return [value for name, value in self if name == key]


class UnusableRecord(Exception):
    """A record whose tshark text cannot be converted to dragnet's form without guessing."""


@dataclass
class CaptureOptions:
    """Options that make dragnet and tshark decode the same ports of one capture."""

    dragnet_args: list
    tshark_args: list
    dns_layers: frozenset


@dataclass
class TsharkDecode:
    """Records that tshark decoded in one capture, in dragnet's form, and the frames left out."""

    # (rrname, rrtype, rdata) -> [(frame number, epoch seconds), ...]
    records: dict = field(default_factory=dict)
    # frame number -> (epoch seconds, [reason, ...])
    skipped: dict = field(default_factory=dict)
    # (frame number, note) for DNS messages that are not compared or only in part
    notes: list = field(default_factory=list)
    responses: int = 0


@dataclass
class StoredRecord:
    count: int
    time_first: int
    time_last: int


@dataclass
class CaptureResult:
    name: str
    lines: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    responses: int = 0
    tshark_records: int = 0
    stored: int = 0
    matched: int = 0
    skipped_frames: int = 0
    known_extras: int = 0


def capture_options(relative: Path) -> CaptureOptions:
    """Return the port options for a capture, chosen by its folder and name."""
    dragnet_args = []
    tshark_args = []
    layers = {"dns"}
    extra_port = None
    if relative.parts[0] == "pktvisor":
        extra_port = 53000
    elif relative.parts[0] == "tcpdump" and "_8053" in relative.name:
        extra_port = 8053
    if extra_port is not None:
        # --port replaces dragnet's default port 53, and tshark keeps decoding
        # 53, so both are named.
        dragnet_args += ["--port", "53", "--port", str(extra_port)]
        for transport in ("udp", "tcp"):
            tshark_args += ["-d", f"{transport}.port=={extra_port},dns"]
    if relative.parts[0] == "zeek" and relative.name in MDNS_CAPTURES:
        # tshark decodes ports 5353 and 5355 by default, as layers "mdns" and "llmnr".
        dragnet_args += ["--mdns", "--llmnr"]
        layers |= {"mdns", "llmnr"}
    return CaptureOptions(dragnet_args, tshark_args, frozenset(layers))


def present_name(text) -> str:
    """Convert a domain name as tshark 4.0 shows it into dragnet's presentation form.

    dragnet writes names lower-case with a trailing dot. Inside a label it writes
    letters, digits, '-', '_', '*' and '/' as they are, space, '#' and bytes
    outside printable ASCII as \\DDD (decimal), and other punctuation as \\X
    (RFC 1035 section 5.1). tshark escapes nothing but bytes outside printable
    ASCII, so a backslash in its text is ambiguous, and it shows bytes above 0x7f
    as U+FFFD. Such names raise UnusableRecord.
    """
    if text is None:
        raise UnusableRecord("the record has no name")
    if text == "<Root>":
        return "."
    if text.startswith("<") or "\\" in text or not text.isascii():
        raise UnusableRecord(f"tshark shows the name {text!r} without its exact bytes")
    # NOTE: tshark 4.0 does not escape a '.' inside a label, so a label such as
    # "a.b" reads as two labels here. No capture in the corpus has one.
    labels = text.split(".")
    out = []
    for label in labels:
        chars = []
        for char in label.lower():
            if char.isalnum() or char in "-_*/":
                chars.append(char)
            elif char == "#" or not char.isprintable() or char == " ":
                chars.append(f"\\{ord(char):03d}")
            else:
                chars.append("\\" + char)
        out.append("".join(chars))
    return ".".join(out) + "."


def present_ipv6(text: str) -> str:
    """Write an IPv6 address in RFC 5952 form, with a dotted quad for IPv4-mapped ones."""
    address = ipaddress.IPv6Address(text)
    if address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return address.compressed


def present_character_string(data: bytes) -> str:
    """Quote one TXT character-string, escaping '"' and '\\' and writing other bytes
    outside printable ASCII as \\DDD."""
    chars = []
    for byte in data:
        if byte in (0x22, 0x5C):
            chars.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            chars.append(chr(byte))
        else:
            chars.append(f"\\{byte:03d}")
    return '"' + "".join(chars) + '"'


def required_field(record: JsonObject, key: str) -> str:
    value = record.get(key)
    if value is None:
        raise UnusableRecord(f"tshark shows no {key}")
    return value


def present_rdata(rrtype: int, record: JsonObject) -> str:
    """Build the rdata text that dragnet stores from tshark's fields of one record."""
    if rrtype == TYPE_A:
        return str(ipaddress.IPv4Address(required_field(record, "dns.a")))
    if rrtype == TYPE_AAAA:
        return present_ipv6(required_field(record, "dns.aaaa"))
    if rrtype == TYPE_CNAME:
        return present_name(required_field(record, "dns.cname"))
    if rrtype == TYPE_NS:
        return present_name(required_field(record, "dns.ns"))
    if rrtype == TYPE_PTR:
        return present_name(required_field(record, "dns.ptr.domain_name"))
    if rrtype == TYPE_MX:
        preference = int(required_field(record, "dns.mx.preference"))
        return f"{preference} {present_name(required_field(record, 'dns.mx.mail_exchange'))}"
    if rrtype == TYPE_SOA:
        names = [
            present_name(required_field(record, key))
            for key in ("dns.soa.mname", "dns.soa.rname")
        ]
        numbers = [
            str(int(required_field(record, key)))
            for key in (
                "dns.soa.serial_number",
                "dns.soa.refresh_interval",
                "dns.soa.retry_interval",
                "dns.soa.expire_limit",
                "dns.soa.minimum_ttl",
            )
        ]
        return " ".join(names + numbers)
    if rrtype == TYPE_TXT:
        # tshark's "dns.txt" text stops at a NUL byte and does not escape
        # quotes, so the exact bytes come from the raw field that -x adds:
        # [hex bytes, offset, length, bitmask, field type].
        raw_strings = record.get_all("dns.txt_raw")
        lengths = record.get_all("dns.txt.length")
        if len(raw_strings) != len(lengths):
            raise UnusableRecord("tshark shows fewer TXT strings than lengths")
        if not raw_strings:
            raise UnusableRecord("tshark shows a TXT record without strings")
        return " ".join(present_character_string(bytes.fromhex(raw[0])) for raw in raw_strings)
    raise AssertionError(f"rdata of type {rrtype} is not compared")


def expert_errors(node, found: list) -> None:
    """Append the message of every expert item of severity Error under node to found."""
    if isinstance(node, JsonObject):
        for key, value in node:
            if key == "_ws.expert" and isinstance(value, JsonObject):
                severity = int(value.get("_ws.expert.severity", "0"))
                if severity >= EXPERT_SEVERITY_ERROR:
                    message = value.get("_ws.expert.message", "expert error without a message")
                    if message not in found:
                        found.append(message)
            expert_errors(value, found)
    elif isinstance(node, list):
        for value in node:
            expert_errors(value, found)


def frame_skip_reasons(layers: JsonObject) -> list:
    """Return the reasons why tshark's decode of a frame cannot serve as the oracle, or []."""
    reasons = []
    if layers.get("_ws.malformed") is not None:
        reasons.append("tshark marks the frame malformed")
    expert_errors(layers, reasons)
    return reasons


def is_response(dns: JsonObject) -> bool:
    return dns.get("dns.flags_tree", JsonObject()).get("dns.flags.response") == "1"


def read_dns_layer(dns: JsonObject, number: int, seconds: int, decode: TsharkDecode) -> None:
    """Add the compared records of one DNS response layer to decode.records."""
    if not is_response(dns):
        return
    decode.responses += 1
    opcode = int(dns.get("dns.flags_tree").get("dns.flags.opcode", "0"))
    if opcode != OPCODE_QUERY:
        note = f"response with opcode {opcode}, which dragnet does not store"
        decode.notes.append((number, note))
        return

    converted = []
    for section, types in SECTIONS:
        for rrs in dns.get_all(section):
            for _summary, record in rrs:
                rrtype = int(record.get("dns.resp.type", "-1"))
                rrclass = int(record.get("dns.resp.class", "0x0"), 16)
                if rrtype not in types or rrclass != CLASS_IN:
                    continue
                rrname = present_name(record.get("dns.resp.name"))
                converted.append((rrname, rrtype, present_rdata(rrtype, record)))
    for key in converted:
        decode.records.setdefault(key, []).append((number, seconds))


def decode_packets(packets: list, options: CaptureOptions) -> TsharkDecode:
    """Collect the compared records and the skipped frames from tshark's JSON packets."""
    decode = TsharkDecode()
    for packet in packets:
        layers = packet.get("_source").get("layers")
        frame = layers.get("frame")
        number = int(frame.get("frame.number"))
        seconds = int(frame.get("frame.time_epoch").split(".")[0])

        reasons = frame_skip_reasons(layers)
        if reasons:
            decode.skipped[number] = (seconds, reasons)
            continue

        dns_layers = [value for key, value in layers if key in options.dns_layers]
        if not any(is_response(dns) for dns in dns_layers):
            continue
        protocols = frame.get("frame.protocols", "").split(":")
        if "icmp" in protocols or "icmpv6" in protocols:
            # An ICMP error quotes the start of a packet that was not
            # delivered, so DNS inside it is not an observation.
            decode.notes.append((number, "DNS quoted inside an ICMP error"))
            continue
        if layers.get("_ws.short") is not None:
            # tshark decodes the records that end before the cut and adds no
            # expert error, so those records are compared like any other.
            note = "cut short by the snapshot length; the records before the cut are compared"
            decode.notes.append((number, note))

        # Convert the whole frame first, so that a frame with one unusable
        # record is skipped as a whole rather than compared in part.
        frame_decode = TsharkDecode()
        try:
            for dns in dns_layers:
                read_dns_layer(dns, number, seconds, frame_decode)
        except UnusableRecord as error:
            decode.skipped[number] = (seconds, [str(error)])
            continue
        decode.responses += frame_decode.responses
        decode.notes.extend(frame_decode.notes)
        for key, sightings in frame_decode.records.items():
            decode.records.setdefault(key, []).extend(sightings)
    return decode


def run_tshark(tshark: str, capture: Path, options: CaptureOptions, config_dir: str) -> list:
    """Decode a capture with tshark and return its JSON packets.

    The output keeps every layer, not only DNS, because expert errors of the IP,
    UDP and TCP layers also disqualify a frame. -x adds the raw bytes of each
    field, which TXT records need. -n turns off name resolution.
    """
    command = [tshark, "-n", "-r", str(capture), "-T", "json", "-x"]
    for preference in TSHARK_PREFERENCES:
        command += ["-o", preference]
    command += options.tshark_args
    # An empty configuration folder keeps the user's Wireshark preferences out
    # of the oracle.
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=config_dir)
    completed = subprocess.run(command, capture_output=True, env=env, timeout=COMMAND_TIMEOUT)
    if completed.returncode != 0:
        stderr = completed.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"tshark exited with status {completed.returncode}: {stderr}")
    return json.loads(completed.stdout, object_pairs_hook=JsonObject)


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def read_store(db: Path) -> dict:
    """Return the store's records of the compared types, merged over bailiwicks."""
    placeholders = ",".join("?" * len(CHECKED_TYPES))
    query = (
        "SELECT rrname, rrtype, rdata, SUM(count), MIN(time_first), MAX(time_last) "
        f"FROM rrset WHERE rrtype IN ({placeholders}) GROUP BY rrname, rrtype, rdata"
    )
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = connection.execute(query, sorted(CHECKED_TYPES)).fetchall()
    finally:
        connection.close()
    return {
        (name, rrtype, rdata): StoredRecord(count, first, last)
        for name, rrtype, rdata, count, first, last in rows
    }


def format_record(key) -> str:
    rrname, rrtype, rdata = key
    return f"{rrname} {TYPE_NAMES.get(rrtype, rrtype)} {rdata}"


def compare(result: CaptureResult, decode: TsharkDecode, store: dict) -> None:
    """Record in result every difference between tshark's records and the store's."""
    for key in sorted(decode.records, key=str):
        sightings = decode.records[key]
        frames = ", ".join(str(number) for number, _ in sightings)
        stored = store.get(key)
        if stored is None:
            result.problems.append(
                f"missing from the store: {format_record(key)} (tshark frames {frames})"
            )
            continue
        expected_first = min(seconds for _, seconds in sightings)
        expected_last = max(seconds for _, seconds in sightings)
        matched = True
        if stored.count != len(sightings):
            result.problems.append(
                f"wrong count for {format_record(key)}: stored {stored.count}, "
                f"tshark saw it {len(sightings)} times (frames {frames})"
            )
            matched = False
        if stored.time_first != expected_first:
            result.problems.append(
                f"wrong time_first for {format_record(key)}: stored {stored.time_first}, "
                f"expected {expected_first} (frames {frames})"
            )
            matched = False
        if stored.time_last != expected_last:
            result.problems.append(
                f"wrong time_last for {format_record(key)}: stored {stored.time_last}, "
                f"expected {expected_last} (frames {frames})"
            )
            matched = False
        if matched:
            result.matched += 1

    skipped_seconds = {seconds: number for number, (seconds, _) in decode.skipped.items()}
    for key in sorted(set(store) - set(decode.records), key=str):
        stored = store[key]
        first_frame = skipped_seconds.get(stored.time_first)
        last_frame = skipped_seconds.get(stored.time_last)
        if first_frame is not None and last_frame is not None:
            result.known_extras += 1
            result.lines.append(
                f"  known: {format_record(key)} (count {stored.count}) comes from skipped frame "
                f"{first_frame}, which tshark cannot decode"
            )
            continue
        result.problems.append(
            f"in the store but not in tshark's decode: {format_record(key)} "
            f"(count {stored.count}, seconds {stored.time_first}..{stored.time_last})"
        )


def check_capture(
    capture: Path, pcap_root: Path, dragnet: str, tshark: str, scratch: Path
) -> CaptureResult:
    """Ingest one capture, decode it with tshark and compare the two."""
    relative = capture.relative_to(pcap_root)
    result = CaptureResult(str(relative))
    work = Path(tempfile.mkdtemp(prefix=capture.stem + "-", dir=scratch))
    try:
        compare_capture(capture, relative, dragnet, tshark, work, result)
    except subprocess.TimeoutExpired as error:
        result.problems.append(f"{Path(error.cmd[0]).name} timed out after {error.timeout} s")
    except (RuntimeError, json.JSONDecodeError, sqlite3.Error) as error:
        result.problems.append(f"{type(error).__name__}: {error}")
    if not result.problems:
        shutil.rmtree(work)
    return result


def compare_capture(
    capture: Path, relative: Path, dragnet: str, tshark: str, work: Path, result: CaptureResult
) -> None:
    """Run dragnet and tshark on one capture in folder work and add the findings to result."""
    options = capture_options(relative)
    db = work / "dragnet.db"

    ingest = subprocess.run(
        [dragnet, "ingest", "--quiet", "--db", str(db), *options.dragnet_args, str(capture)],
        capture_output=True,
        timeout=COMMAND_TIMEOUT,
    )
    if ingest.returncode not in (0, 3):
        stderr = ingest.stderr.decode(errors="replace").strip()
        result.problems.append(
            f"dragnet ingest: {describe_exit(ingest.returncode)}, expected 0 or 3: {stderr}"
        )
        return
    stats = subprocess.run(
        [dragnet, "stats", "--db", str(db)], capture_output=True, timeout=COMMAND_TIMEOUT
    )
    if stats.returncode != 0:
        stderr = stats.stderr.decode(errors="replace").strip()
        result.problems.append(
            f"dragnet stats after ingest: {describe_exit(stats.returncode)}: {stderr}"
        )
        return

    config_dir = work / "wireshark"
    config_dir.mkdir()
    packets = run_tshark(tshark, capture, options, str(config_dir))
    decode = decode_packets(packets, options)
    store = read_store(db)

    result.responses = decode.responses
    result.tshark_records = sum(len(sightings) for sightings in decode.records.values())
    result.stored = len(store)
    result.skipped_frames = len(decode.skipped)
    for number, (_, reasons) in sorted(decode.skipped.items()):
        result.lines.append(f"  skipped frame {number}: {'; '.join(reasons)}")
    for number, note in sorted(decode.notes):
        result.lines.append(f"  note, frame {number}: {note}")
    compare(result, decode, store)


def find_captures(pcap_root: Path) -> list:
    suffixes = (".pcap", ".pcapng")
    paths = pcap_root.rglob("*")
    return sorted(path for path in paths if path.is_file() and path.name.endswith(suffixes))


def main() -> int:
    corpus = os.environ.get("DRAGNET_CORPUS")
    if not corpus or not Path(corpus, "pcap").is_dir():
        print(f"SKIPPED: DRAGNET_CORPUS ({corpus or 'unset'}) is not a corpus folder with pcap/")
        return EXIT_SKIPPED
    tshark = shutil.which("tshark")
    if tshark is None:
        print("SKIPPED: tshark, the oracle of this test, is not installed")
        return EXIT_SKIPPED
    dragnet = os.environ.get("DRAGNET")
    if not dragnet or not os.access(dragnet, os.X_OK):
        print(f"error: DRAGNET ({dragnet or 'unset'}) must name the dragnet binary")
        return 1

    pcap_root = Path(corpus, "pcap")
    captures = find_captures(pcap_root)
    if not captures:
        print(f"error: no pcap or pcapng files under {pcap_root}")
        return 1

    version = subprocess.run(
        [tshark, "--version"], capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    print(f"oracle: {version.stdout.splitlines()[0] if version.stdout else tshark}")
    scratch = Path(tempfile.mkdtemp(prefix="tshark-oracle-"))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = [
            pool.submit(check_capture, path, pcap_root, dragnet, tshark, scratch)
            for path in captures
        ]
        results = [future.result() for future in futures]

    failed = 0
    for result in results:
        status = "FAIL" if result.problems else "ok"
        print(
            f"{status} {result.name}: {result.responses} responses, "
            f"{result.tshark_records} tshark records, {result.stored} stored, "
            f"{result.matched} matched, {result.skipped_frames} skipped frames"
        )
        for line in result.lines:
            print(line)
        for problem in result.problems:
            print(f"  error: {problem}")
        if result.problems:
            failed += 1

    print(
        f"total: {len(results)} captures, {sum(r.responses for r in results)} responses, "
        f"{sum(r.tshark_records for r in results)} tshark records, "
        f"{sum(r.stored for r in results)} stored, {sum(r.matched for r in results)} matched, "
        f"{sum(r.skipped_frames for r in results)} skipped frames, "
        f"{sum(r.known_extras for r in results)} known extra records, {failed} captures failed"
    )
    if failed:
        print(f"the databases of the failed captures are kept in {scratch}")
        return 1
    shutil.rmtree(scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
