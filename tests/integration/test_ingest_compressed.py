"""dragnet ingest on compressed captures with bytes after the compressed
data, and on compressed captures cut short."""

import gzip
import os
import shutil
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

JUNK = b"these bytes follow the compressed data\n" * 3
# A zstd block contains at most 128 KiB of decompressed data
# (ZSTD_BLOCKSIZE_MAX in zstd.h), so a capture of this many frames (about
# 6.5 MiB) spans dozens of blocks and a cut in the middle leaves whole blocks
# before it.
PACKETS = 50000


def zstd_compress(source, path):
    if shutil.which("zstd") is None:
        raise AssertionError("zstd command not installed; the test set-up installs it")
    subprocess.run(["zstd", "-q", "-f", source, "-o", path], check=True)
    return path


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def check_trailing_junk(tmp):
    """Bytes after the end of the compressed data are ignored with a warning;
    every packet before them is read."""
    plain = t.sample("dnscap-resolver.pcap")
    plain_db = os.path.join(tmp, "plain.db")
    t.run("ingest", "--source", "s", plain, db=plain_db, check=0)
    expected = t.rrsets(plain_db)
    packets = len(t.pcap_records(open(plain, "rb").read())[1])

    zst = zstd_compress(plain, os.path.join(tmp, "junk.pcap.zst"))
    with open(zst, "ab") as f:
        f.write(JUNK)
    gz = write(os.path.join(tmp, "junk.pcap.gz"), gzip.compress(open(plain, "rb").read()) + JUNK)

    for kind, path in [("zstd", zst), ("gzip", gz)]:
        db = os.path.join(tmp, f"junk-{kind}.db")
        proc = t.run("ingest", "--source", "s", path, db=db, check=0)
        warning = f"{os.path.basename(path)}: bytes after the end of the {kind} data ignored"
        assert warning in proc.stderr, proc.stderr
        assert t.rrsets(db) == expected, f"{kind} with junk differs from the plain file"
        run = t.runs(db)
        assert len(run) == 1, run
        assert run[0]["packets"] == packets, (run[0], packets)
        assert run[0]["finished"] == 1, run[0]
    print(f"zstd and gzip with trailing junk: all {packets} packets read, warning, exit 0")


def zstd_prefix(path):
    """Return the bytes zstd(1) recovers from a cut file, which it decodes
    with a non-zero exit status."""
    proc = subprocess.run(["zstd", "-d", "-c", "-q", path], capture_output=True)
    assert proc.returncode != 0, "zstd read the cut file without an error"
    return proc.stdout


def gzip_prefix(path):
    """The bytes zlib recovers from a cut gzip file."""
    # 16 + 15: a gzip wrapper with the largest window.
    return zlib.decompressobj(16 + 15).decompress(open(path, "rb").read())


def check_truncated(tmp, kind, compressed, recover):
    """A compressed capture cut in half: the complete packets before the cut
    are stored, the error names the truncation, and the run stays unfinished."""
    cut = write(os.path.join(tmp, f"cut.pcap.{kind}"),
                open(compressed, "rb").read()[:os.path.getsize(compressed) // 2])

    # What an independent decoder recovers, cut to whole packets, is the
    # expected result.
    header, records = t.pcap_records(recover(cut))
    assert 0 < len(records) < PACKETS, len(records)
    prefix = write(os.path.join(tmp, f"prefix-{kind}.pcap"), header + b"".join(records))
    prefix_db = os.path.join(tmp, f"prefix-{kind}.db")
    t.run("ingest", "--source", "s", prefix, db=prefix_db, check=0)

    db = os.path.join(tmp, f"cut-{kind}.db")
    proc = t.run("ingest", "--source", "s", cut, db=db, check=3)
    assert "truncated" in proc.stderr, proc.stderr
    assert f"reading stopped after packet {len(records)}" in proc.stderr, proc.stderr
    assert t.rrsets(db) == t.rrsets(prefix_db), f"cut {kind}: records differ from the prefix"
    run = t.runs(db)
    assert len(run) == 1, run
    assert run[0]["packets"] == len(records), (run[0], len(records))
    assert run[0]["finished"] == 0, run[0]
    assert run[0]["owner"] == 0, run[0]
    print(f"{kind} cut in half: {len(records)} of {PACKETS} packets stored, exit 3, "
          "run unfinished")


def main():
    tmp = t.scratch()
    check_trailing_junk(tmp)

    capture = t.gen_capture(os.path.join(tmp, "big.pcap"), PACKETS, "--seed", "3")
    zst = zstd_compress(capture, os.path.join(tmp, "big.pcap.zst"))
    gz = write(os.path.join(tmp, "big.pcap.gz"), gzip.compress(open(capture, "rb").read()))
    check_truncated(tmp, "zst", zst, zstd_prefix)
    check_truncated(tmp, "gz", gz, gzip_prefix)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
