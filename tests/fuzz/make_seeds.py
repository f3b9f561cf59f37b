"""Write libFuzzer seeds from the corpus captures.

fuzz_packet seeds hold frames as [link type index][length, 2 bytes][frame],
the layout tests/fuzz/fuzz_packet.c reads; fuzz_dns seeds are the UDP
payloads of DNS frames, one message each; fuzz_input seeds are whole small
capture files, plain and compressed with gzip and zstd.
Usage: make_seeds.py CAPTURE_FOLDER TARGET OUTPUT_FOLDER
"""

import gzip
import os
import struct
import subprocess
import sys
import tempfile

# pcap link types, in the order of the linktypes[] table in fuzz_packet.c.
LINKTYPE_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 12: 3, 228: 4, 229: 5, 0: 6, 108: 7, 9: 8,
                  50: 9}
FRAMES_PER_SEED = 40


def classic_frames(path):
    """(link type, [frames]) of a capture, converted to classic pcap first."""
    with tempfile.NamedTemporaryFile(suffix=".pcap") as tmp:
        done = subprocess.run(["editcap", "-F", "pcap", path, tmp.name], capture_output=True)
        if done.returncode != 0:
            return None, []
        data = open(tmp.name, "rb").read()
    if len(data) < 24:
        return None, []
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0fffffff
    frames, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        frames.append(data[pos + 16:pos + 16 + caplen])
        pos += 16 + caplen
    return linktype, frames


def packet_seeds(folder, out):
    count = 0
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith((".pcap", ".pcapng")):
                continue
            linktype, frames = classic_frames(os.path.join(root, name))
            if linktype not in LINKTYPE_INDEX:
                continue
            for start in range(0, len(frames), FRAMES_PER_SEED):
                seed = b""
                for frame in frames[start:start + FRAMES_PER_SEED]:
                    frame = frame[:65535]
                    seed += bytes([LINKTYPE_INDEX[linktype]]) + struct.pack("!H", len(frame)) + frame
                with open(os.path.join(out, f"{name}-{start}"), "wb") as f:
                    f.write(seed)
                count += 1
    return count


def dns_seeds(folder, out):
    count = 0
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith((".pcap", ".pcapng")):
                continue
            done = subprocess.run(["tshark", "-r", os.path.join(root, name), "-Y", "dns && udp",
                                   "-T", "fields", "-e", "udp.payload"],
                                  capture_output=True, text=True)
            for i, line in enumerate(done.stdout.split()):
                try:
                    payload = bytes.fromhex(line.replace(":", ""))
                except ValueError:
                    continue
                with open(os.path.join(out, f"{name}-{i}"), "wb") as f:
                    f.write(payload)
                count += 1
    return count


# Larger files slow every fuzzing run down more than they add.
INPUT_SEED_MAX = 64 * 1024


def input_seeds(folder, out):
    count = 0
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(root, name)
            if not name.endswith((".pcap", ".pcapng", ".pcap.gz")):
                continue
            if os.path.getsize(path) > INPUT_SEED_MAX:
                continue
            data = open(path, "rb").read()
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            variants = {"": data, ".gz": gzip.compress(data, mtime=0)}
            done = subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True)
            if done.returncode == 0:
                variants[".zst"] = done.stdout
            for suffix, content in variants.items():
                with open(os.path.join(out, f"{name}{suffix}"), "wb") as f:
                    f.write(content)
                count += 1
    return count


def main():
    folder, target, out = sys.argv[1:4]
    if target == "fuzz_packet":
        count = packet_seeds(folder, out)
    elif target == "fuzz_input":
        count = input_seeds(folder, out)
    else:
        # fuzz_dns and fuzz_dns_diff both take single DNS messages.
        count = dns_seeds(folder, out)
    print(f"{target}: {count} seeds from {folder}")


if __name__ == "__main__":
    main()
