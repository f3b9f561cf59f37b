"""dragnet ingest on good, bad, compressed and piped inputs."""

import gzip
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def sample_capture(tmp):
    data = t.pcap_header()
    data += t.exchange(1700000000, 1, "www.example.com", "A", [("www.example.com", "A", "192.0.2.1")])
    data += t.exchange(1700000100, 2, "mail.example.org", "MX",
                       [("mail.example.org", "MX", "10 mx.example.org")])
    data += t.exchange(1700000200, 3, "www.example.com", "A", [("www.example.com", "A", "192.0.2.1")])
    return write(os.path.join(tmp, "sample.pcap"), data)


def check_bad_files_do_not_stop_good_ones(tmp):
    good = sample_capture(tmp)
    text = write(os.path.join(tmp, "notes.pcap"), b"hello, this is not a capture\n")
    empty = write(os.path.join(tmp, "empty.pcap"), b"")
    truncated = write(os.path.join(tmp, "truncated.pcap"), open(good, "rb").read()[:60])
    missing = os.path.join(tmp, "missing.pcap")
    folder = os.path.join(tmp, "a-folder")
    os.mkdir(folder)
    db = os.path.join(tmp, "bad.db")

    proc = t.run("ingest", text, empty, missing, folder, good, truncated, db=db, check=3)
    err = proc.stderr
    assert "notes.pcap: not a capture or dnstap, and text in none of the log formats" in err, err
    # Binary that is no known format names its first bytes.
    binary = write(os.path.join(tmp, "noise.pcap"), bytes([0xde, 0xad, 0xbe, 0xef, 0, 1, 2]))
    proc = t.run("ingest", binary, db=db, check=3)
    assert "noise.pcap: not a pcap or pcapng capture, dnstap (Frame Streams or a single " \
           "message) or a text log (it starts with bytes de ad be ef" in proc.stderr, proc.stderr
    assert "empty.pcap: file is empty" in err, err
    assert f"cannot open {missing}" in err, err
    assert f"cannot read {folder}: it is a directory" in err, err
    assert "truncated.pcap" in err, err

    rows = t.rrsets(db)
    assert ("www.example.com.", 1, "", "192.0.2.1", 1700000000, 1700000200, 2) in rows, rows
    assert ("mail.example.org.", 15, "", "10 mx.example.org.", 1700000100, 1700000100, 1) in rows
    t.run("stats", db=db, check=0)
    print("bad inputs: reported, good file stored")


def check_format_from_content(tmp):
    """A capture is recognised by its bytes, whatever its name."""
    good = sample_capture(tmp)
    renamed = shutil.copy(good, os.path.join(tmp, "capture.txt"))
    db1 = os.path.join(tmp, "plain.db")
    db2 = os.path.join(tmp, "renamed.db")
    t.run("ingest", "--source", "s", good, db=db1, check=0)
    t.run("ingest", "--source", "s", renamed, db=db2, check=0)
    assert t.rrsets(db1) == t.rrsets(db2)
    print("format detection: by content")


def check_same_records_compressed_and_stdin(tmp, capture):
    """gzip, zstd and standard input give the records of the plain file."""
    plain_db = os.path.join(tmp, "plain-" + os.path.basename(capture) + ".db")
    t.run("ingest", "--source", "s", capture, db=plain_db, check=0)
    expected = t.rrsets(plain_db)
    assert expected, f"{capture}: nothing stored"

    gz = write(os.path.join(tmp, os.path.basename(capture) + ".gz"),
               gzip.compress(open(capture, "rb").read()))
    variants = {"gzip": gz}
    if shutil.which("zstd"):
        zst = gz[:-3] + ".zst"
        subprocess.run(["zstd", "-q", "-f", capture, "-o", zst], check=True)
        variants["zstd"] = zst
    else:
        raise AssertionError("zstd command not installed; the test set-up installs it")

    for name, path in variants.items():
        db = os.path.join(tmp, f"{name}-{os.path.basename(capture)}.db")
        t.run("ingest", "--source", "s", path, db=db, check=0)
        assert t.rrsets(db) == expected, f"{name} {capture} differs from plain"

    for name, path in [("plain", capture), ("gzip", gz)]:
        db = os.path.join(tmp, f"stdin-{name}-{os.path.basename(capture)}.db")
        with open(path, "rb") as f:
            proc = subprocess.run([t.DRAGNET, "ingest", "--db", db, "--source", "s", "-"],
                                  stdin=f, capture_output=True)
        assert proc.returncode == 0, proc.stderr
        assert t.rrsets(db) == expected, f"stdin {name} {capture} differs from plain"


def check_compressed_and_stdin(tmp):
    # The phishing sample is stored gzip-compressed; its plain form is
    # written here so that each variant is made from the same bytes.
    with gzip.open(t.sample("phishing-campaign.pcap.gz"), "rb") as f:
        phishing = write(os.path.join(tmp, "phishing-campaign.pcap"), f.read())
    captures = [t.sample("dnscap-resolver.pcap"), phishing]
    corpus = t.optional_corpus("pcap", "the pcapng check of compressed and piped input")
    if corpus is not None:
        captures.append(os.path.join(corpus, "zeek", "pcapng-multi-interface.pcapng"))
    for capture in captures:
        check_same_records_compressed_and_stdin(tmp, capture)
    names = ", ".join(os.path.basename(capture) for capture in captures)
    print(f"gzip, zstd and standard input: same records as the plain file ({names})")


def check_corrupt_gzip(tmp):
    good = sample_capture(tmp)
    data = gzip.compress(open(good, "rb").read())
    broken = write(os.path.join(tmp, "broken.pcap.gz"), data[:len(data) // 2])
    db = os.path.join(tmp, "gz.db")
    proc = t.run("ingest", broken, db=db)
    assert proc.returncode == 3, (proc.returncode, proc.stderr)
    assert "broken.pcap.gz" in proc.stderr, proc.stderr
    t.run("stats", db=db, check=0)
    print("truncated gzip: reported")


def check_option_errors(tmp):
    good = sample_capture(tmp)
    db = os.path.join(tmp, "opts.db")
    assert "empty --source" in t.run("ingest", "-s", "", good, db=db, check=2).stderr
    proc = t.run("ingest", "--max-memory", "1K", good, db=db, check=2)
    assert "give at least 54 MiB" in proc.stderr, proc.stderr
    t.run("ingest", "--max-memory", "54M", "--dry-run", good, check=0)
    print("option errors: clear messages, exit status 2")


def check_dry_run_writes_nothing(tmp):
    good = sample_capture(tmp)
    db = os.path.join(tmp, "dry.db")
    proc = t.run("ingest", "--dry-run", good, db=db, check=0)
    assert not os.path.exists(db), "dry run created a database"
    assert "would write 2 aggregated records" in proc.stderr, proc.stderr
    print("dry run: no database written")


def main():
    tmp = t.scratch()
    check_bad_files_do_not_stop_good_ones(tmp)
    check_format_from_content(tmp)
    check_corrupt_gzip(tmp)
    check_dry_run_writes_nothing(tmp)
    check_option_errors(tmp)
    check_compressed_and_stdin(tmp)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
