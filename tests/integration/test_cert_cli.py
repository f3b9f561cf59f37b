"""dragnet ingest of certificate files and dragnet cert.

Fingerprints, names and serials of the shared corpus are checked against
the real `openssl x509`. Further checks cover precertificate pairing, crt.sh
entries without DER and malformed blocks. The shared self-signed issuer
case has 340 certificates for different domains whose self-signed issuer
carries one organisation: one issuer search must find them all, and the
patterns report must name that issuer. The same checks run against a ClickHouse
server started on loopback when clickhouse-server is installed.

Environment: DRAGNET is the dragnet binary, DRAGNET_SOURCE_DIR the checkout,
DRAGNET_CORPUS the shared corpus, TMPDIR the scratch folder."""

import base64
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import chserver  # noqa: E402
import dnstest as t  # noqa: E402

EXIT_OK, EXIT_NONE = 0, 1
SHARED_ORG = "Blue Lantern Hosting"
SHARED_COUNT = 340


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True,
                          check=True).stdout


def oracle(path):
    """The fields `openssl x509` prints for the certificate in path."""
    form = "DER" if path.endswith(".der") else "PEM"
    def field(*opts):
        return openssl("x509", "-inform", form, "-in", path, "-noout", *opts).decode().strip()
    sha256 = field("-fingerprint", "-sha256").split("=", 1)[1].replace(":", "").lower()
    sha1 = field("-fingerprint", "-sha1").split("=", 1)[1].replace(":", "").lower()
    serial = field("-serial").split("=", 1)[1].lower().lstrip("0") or "0"
    subject = field("-subject", "-nameopt", "RFC2253,-esc_msb").split("=", 1)[1]
    issuer = field("-issuer", "-nameopt", "RFC2253,-esc_msb").split("=", 1)[1]
    pub = openssl("x509", "-inform", form, "-in", path, "-noout", "-pubkey")
    spki = hashlib.sha256(openssl("pkey", "-pubin", "-outform", "DER", data=pub)).hexdigest()
    return {"sha256": sha256, "sha1": sha1, "serial": serial, "subject": subject,
            "issuer": issuer, "spki_sha256": spki}


def cert(where, *args, check=EXIT_OK):
    proc = t.run("cert", *where, *args, "--json", check=check)
    return json.loads(proc.stdout) if proc.returncode == EXIT_OK else []


def corpus_files(corpus):
    x509 = os.path.join(corpus, "x509", "ct-go")
    return sorted(glob.glob(os.path.join(x509, "*.pem")) +
                  glob.glob(os.path.join(x509, "der", "*.der")))


def check_oracle(where, files):
    for path in files:
        want = oracle(path)
        found = cert(where, "--fingerprint", want["sha256"])
        assert len(found) == 1, (path, found)
        got = found[0]
        for key in ("sha256", "sha1", "serial", "subject", "issuer", "spki_sha256"):
            assert got[key] == want[key], (path, key, got[key], want[key])
        assert any(s["kind"] == "file" and s["detail"] == os.path.realpath(path)
                   for s in got["sightings"]), (path, got["sightings"])
        # The other hash, a prefix of each, the key and the subject DN.
        for args in (["--fingerprint", want["sha1"]],
                     ["--fingerprint", want["sha1"][:9]],
                     ["--fingerprint", want["sha256"][:11].upper()],
                     ["--spki", want["spki_sha256"]],
                     ["--subject", want["subject"]]):
            hits = [c["sha256"] for c in cert(where, *args)]
            assert want["sha256"] in hits, (path, args, hits)


def check_serial_forms(where, files):
    """Serials as `openssl x509 -text` prints them ("6 (0x6)" for a short
    one, colon-separated hex for a long one) and with a 0x prefix."""
    for path in files:
        want = oracle(path)
        form = "DER" if path.endswith(".der") else "PEM"
        text = openssl("x509", "-inform", form, "-in", path, "-noout", "-text").decode()
        lines = text.splitlines()
        at = next(i for i, line in enumerate(lines) if "Serial Number:" in line)
        printed = lines[at].split("Serial Number:", 1)[1].strip() or lines[at + 1].strip()
        for form_given in (printed, "0x" + want["serial"]):
            hits = [c["sha256"] for c in cert(where, "--serial", form_given)]
            assert want["sha256"] in hits, (path, form_given, hits)


def dn_forms(path, which):
    """The ways an analyst may copy the DN `which` of the certificate in
    path, each printed by `openssl x509`: its default one-line form
    (encoded order, ` = `, values with specials quoted), the RFC 2253 form
    with a space after each separator and lower-case attribute names, and
    each attribute of the RFC 2253 form on its own."""
    form = "DER" if path.endswith(".der") else "PEM"
    def dn(*opts):
        out = openssl("x509", "-inform", form, "-in", path, "-noout", f"-{which}", *opts)
        return out.decode().strip().split("=", 1)[1]
    rfc = dn("-nameopt", "RFC2253,-esc_msb")
    parts = re.split(r"(?<!\\)([,+])", rfc)
    spaced = "".join(p if p in ",+" else
                     re.sub(r"^([A-Za-z]+)=", lambda m: m.group(1).lower() + "=", p) + " "
                     for p in parts).replace(" ,", ", ").replace(" +", " + ").strip()
    return [dn(), spaced] + [p for p in parts if p not in ",+"]


def check_dn_forms(where, corpus):
    """--issuer and --subject find a certificate by every form of its DN
    that dn_forms() lists, and by a substring with the escapes removed."""
    zlint = [os.path.join(corpus, "x509", "zlint", name) for name in
             ("onionV3AndDNS.pem", "subjectRDNTwoAttribute.pem", "RFC5280example2.pem")]
    t.run("ingest", *where, *zlint, check=EXIT_OK)
    for path in corpus_files(corpus) + zlint:
        want = oracle(path)
        for which in ("issuer", "subject"):
            for text in dn_forms(path, which):
                hits = [c["sha256"] for c in cert(where, f"--{which}", text, "--limit", "0")]
                assert want["sha256"] in hits, (path, which, text)
    onion = oracle(zlint[0])["sha256"]
    for text in ("Pro Publica, Inc.", "pro publica\\, inc", "O=Pro Publica\\, Inc."):
        assert [c["sha256"] for c in cert(where, "--subject", text)] == [onion], text
    # A whole DN must match whole: one attribute more or less finds nothing.
    cert(where, "--subject", "CN=upc.pirelli.com", check=EXIT_OK)
    cert(where, "--subject", "CN=upc.pirelli.com,C=IT", check=EXIT_NONE)
    cert(where, "--issuer", "C = IT, CN = upc.pirelli.com", check=EXIT_NONE)


def check_ct(where, corpus):
    """Entries of get-entries-4.json are sightings of kind ct with the entry
    index; their leaves are the certificates inside leaf_input/extra_data."""
    path = os.path.join(corpus, "ct", "ct-go", "get-entries-4.json")
    with open(path) as f:
        entries = json.load(f)["entries"]
    found = 0
    for index, entry in enumerate(entries):
        leaf = base64.b64decode(entry["leaf_input"])
        if leaf[10:12] != b"\x00\x00":  # x509_entry only: the DER is in the leaf
            continue
        length = int.from_bytes(leaf[12:15], "big")
        sha256 = hashlib.sha256(leaf[15:15 + length]).hexdigest()
        got = cert(where, "--fingerprint", sha256)
        assert len(got) == 1, (index, sha256)
        details = [s["detail"] for s in got[0]["sightings"] if s["kind"] == "ct"]
        assert f"{os.path.realpath(path)}#{index}" in details, (index, details)
        found += 1
    assert found > 0, "no x509_entry in get-entries-4.json"


def patterns(where, *args):
    """The patterns report as a list; empty when it finds none."""
    proc = t.run("cert", "patterns", *where, "--json", *args)
    assert proc.returncode in (EXIT_OK, EXIT_NONE), proc.stderr
    return json.loads(proc.stdout) if proc.returncode == EXIT_OK else []


def check_dedupe(where, corpus):
    x509 = os.path.join(corpus, "x509", "ct-go")
    final = oracle(os.path.join(x509, "TestEmbeddedCertPEM.pem"))
    pre = oracle(os.path.join(x509, "TestPreCertPEM.pem"))
    both = [c["sha256"] for c in cert(where, "--serial", final["serial"],
                                      "--issuer", final["issuer"])]
    assert pre["sha256"] in both, both
    assert final["sha256"] in both, both
    paired = cert(where, "--serial", final["serial"], "--issuer", final["issuer"], "--dedupe")
    shas = [c["sha256"] for c in paired]
    assert final["sha256"] in shas, shas
    assert pre["sha256"] not in shas, shas
    row = next(c for c in paired if c["sha256"] == final["sha256"])
    assert row["precert_sha256"] == pre["sha256"], row
    # --dedupe pairs before --limit cuts, and finds the final certificate
    # when only the precertificate matched.
    for args in (["--serial", final["serial"], "--limit", "1"], ["-f", pre["sha256"][:8]]):
        proc = t.run("cert", *where, *args, "--dedupe", "--json", check=EXIT_OK)
        rows = json.loads(proc.stdout)
        assert [c["sha256"] for c in rows] == [final["sha256"]], (args, rows)
        assert rows[0]["precert_sha256"] == pre["sha256"], (args, rows)
        assert "stopped at --limit" not in proc.stderr, (args, proc.stderr)
    # Without --dedupe the limit cuts one of the two, and says so.
    proc = t.run("cert", *where, "--serial", final["serial"], "--limit", "1", "--json",
                 check=EXIT_OK)
    assert len(json.loads(proc.stdout)) == 1, proc.stdout
    assert "stopped at --limit 1; there may be more (use --limit 0 for all)" in proc.stderr
    # A precertificate and its final certificate share a key as one
    # certificate: no shared-key pattern.
    assert final["spki_sha256"] == pre["spki_sha256"]
    keys = [p for p in patterns(where) if p["value"] == final["spki_sha256"]]
    assert keys == [], keys


def check_crtsh(where, tmp, corpus):
    """A hand-written crt.sh export (CC0, written for this test) naming the
    issuer and serial of TestCertPEM: its sighting joins the full
    certificate, and an entry whose DER the store lacks stays partial."""
    want = oracle(os.path.join(corpus, "x509", "ct-go", "TestCertPEM.pem"))
    # crt.sh prints the attributes in encoded order, which is RFC 2253's reversed.
    issuer = ", ".join(reversed(want["issuer"].split(",")))
    export = [{"issuer_ca_id": 1, "issuer_name": issuer, "common_name": "",
               "name_value": "", "id": 424242, "entry_timestamp": "2013-01-02T03:04:05.678",
               "not_before": "2012-06-01T00:00:00", "not_after": "2022-06-01T00:00:00",
               "serial_number": want["serial"].rjust(2, "0")},
              {"issuer_ca_id": 2, "issuer_name": "C=NL, O=Partial Only CA, CN=P1",
               "common_name": "only-crtsh.example",
               "name_value": "only-crtsh.example\nwww.only-crtsh.example", "id": 777,
               "entry_timestamp": "2024-01-02T03:04:05", "not_before": "2024-01-01T00:00:00",
               "not_after": "2024-12-31T00:00:00", "serial_number": "0abc"}]
    path = os.path.join(tmp, "crtsh.json")
    with open(path, "w") as f:
        json.dump(export, f)
    t.run("ingest", *where, path, check=EXIT_OK)
    got = cert(where, "--fingerprint", want["sha256"])
    assert len(got) == 1, got
    kinds = {s["kind"]: s for s in got[0]["sightings"]}
    assert "crtsh" in kinds, kinds
    assert "#crt.sh id 424242" in kinds["crtsh"]["detail"], kinds
    # The serial search finds the partial row and shows the full one instead.
    rows = cert(where, "--serial", want["serial"], "--issuer", want["issuer"])
    assert [c["sha256"] for c in rows] == [want["sha256"]], rows
    partial = cert(where, "--san", "www.only-crtsh.example")
    assert len(partial) == 1, partial
    assert partial[0]["partial"], partial
    assert partial[0]["serial"] == "abc", partial
    assert partial[0]["crtsh_id"] == 777, partial
    # Its key is no fingerprint, so it is not given as sha256. The key is
    # SHA-256("partial" NUL issuer NUL serial), as docs/certificates.md says.
    key = hashlib.sha256(b"partial\0CN=P1,O=Partial Only CA,C=NL\0abc").hexdigest()
    assert partial[0]["sha256"] is None, partial
    assert partial[0]["partial_key"] == key, partial
    text = t.run("cert", *where, "--san", "www.only-crtsh.example", check=EXIT_OK).stdout
    assert text.startswith(f"partial key {key}\n"), text
    assert "sha256" not in text, text


def check_malformed(where, tmp, corpus):
    good = os.path.join(corpus, "x509", "ct-go", "CACertPEM.pem")
    with open(good) as f:
        text = f.read()
    bad = "-----BEGIN CERTIFICATE-----\nMIIB!!!notbase64\n-----END CERTIFICATE-----\n"
    path = os.path.join(tmp, "mixed.pem")
    with open(path, "w") as f:
        f.write(bad + text)
    proc = t.run("ingest", *where, path, check=EXIT_OK)
    assert f"{os.path.realpath(path)}: certificate 1 at byte 0:" in proc.stderr, proc.stderr
    assert "stored 1 certificates" in proc.stderr, proc.stderr
    want = oracle(good)
    got = cert(where, "--fingerprint", want["sha256"])
    details = [s["detail"] for s in got[0]["sightings"]]
    assert os.path.realpath(path) in details, details


def check_non_utf8_path(where, tmp, corpus):
    """A sighting whose file name is not UTF-8 stays in the JSON output,
    with each invalid byte written as \\xHH."""
    good = os.path.join(corpus, "x509", "ct-go", "CACertPEM.pem")
    folder = os.fsencode(os.path.realpath(tmp))
    path = os.path.join(folder, b"name\xff\xfe.pem")
    with open(good, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
    # The log names the file, so stderr is not UTF-8 either.
    subprocess.run([t.DRAGNET, "ingest", *where, path], capture_output=True, check=True)
    sha256 = oracle(good)["sha256"]
    text = subprocess.run([t.DRAGNET, "cert", *where, "--fingerprint", sha256],
                          capture_output=True, check=True).stdout
    seen = text.count(b"\n  seen ")
    got = cert(where, "--fingerprint", sha256)
    assert len(got) == 1, got
    assert len(got[0]["sightings"]) == seen, (got[0]["sightings"], text)
    want = os.fsdecode(folder) + "/name\\xff\\xfe.pem"
    assert want in [s["detail"] for s in got[0]["sightings"]], got[0]["sightings"]


def check_shared_issuer(where, bundle):
    t.run("ingest", *where, bundle, check=EXIT_OK)
    found = cert(where, "--issuer", f"O={SHARED_ORG}", "--limit", "0")
    want = {f"parcel-notice-{i}.example" for i in range(1, SHARED_COUNT + 1)}
    names = {c["subject"].split(",")[0].removeprefix("CN=") for c in found}
    assert len(found) == SHARED_COUNT, len(found)
    assert names == want, sorted(names ^ want)[:5]
    assert all(c["self_signed"] for c in found)
    # Substring search, case folded, finds the same set.
    assert len(cert(where, "--issuer", "blue lantern", "--limit", "0")) == SHARED_COUNT
    # A cut at --limit is reported; no cut, no message.
    proc = t.run("cert", *where, "--issuer", f"O={SHARED_ORG}", "--limit", "3", "--json",
                 check=EXIT_OK)
    assert len(json.loads(proc.stdout)) == 3, proc.stdout
    assert "stopped at --limit 3; there may be more" in proc.stderr, proc.stderr
    proc = t.run("cert", *where, "--issuer", f"O={SHARED_ORG}", "--limit", "0", "--json",
                 check=EXIT_OK)
    assert "stopped at" not in proc.stderr, proc.stderr
    # Every substring must occur, whatever the order of the options.
    one = cert(where, "--issuer", "blue lantern", "--issuer", "parcel-notice-7.")
    assert [c["subject"] for c in one] == [
        f"CN=parcel-notice-7.example,O={SHARED_ORG},C=NL"], one
    for pair in (("blue lantern", "no such issuer"), ("no such issuer", "blue lantern")):
        cert(where, "--issuer", pair[0], "--issuer", pair[1], check=EXIT_NONE)
        cert(where, "--subject", pair[0], "--subject", pair[1], check=EXIT_NONE)
    patterns = json.loads(t.run("cert", "patterns", *where, "--json", check=EXIT_OK).stdout)
    shared = [p for p in patterns if p["pattern"] == "self-signed-organisation"
              and p["value"] == SHARED_ORG]
    assert len(shared) == 1, patterns
    assert shared[0]["certificates"] == SHARED_COUNT, shared
    assert sorted(shared[0]["registrable_domains"]) == sorted(want), shared
    assert not any(p["value"].startswith("Unrelated") for p in patterns), patterns
    # SAN lookups: a name, and every name under a domain.
    assert len(cert(where, "--san", "www.parcel-notice-7.example")) == 1
    under = cert(where, "--san", "*.parcel-notice-7.example")
    assert len(under) == 1, under
    assert "DNS:www.parcel-notice-7.example" in under[0]["sans"], under
    cert(where, "--san", "nothing-here.example", check=EXIT_NONE)


def make_shared_key(tmp):
    """Two certificates of one EC key for two domains, and the key's SPKI hash."""
    key = os.path.join(tmp, "shared.key")
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
    out = os.path.join(tmp, "shared-key.pem")
    with open(out, "wb") as f:
        for name in ("one-key-a.example", "one-key-b.example"):
            f.write(openssl("req", "-x509", "-key", key, "-days", "30", "-subj", f"/CN={name}",
                            "-addext", f"subjectAltName=DNS:{name}"))
    pub = openssl("pkey", "-in", key, "-pubout", "-outform", "DER")
    return out, hashlib.sha256(pub).hexdigest()


def make_cn_only(tmp):
    """Self-signed certificates with one organisation and a CN on a
    different domain each, without a SAN, as throwaway servers make them."""
    out = os.path.join(tmp, "cn-only.pem")
    names = [f"shady-{i}.example" for i in range(1, 5)] + ["www.shady-1.example"]
    with open(out, "wb") as f:
        for name in names:
            key = os.path.join(tmp, "cn-only.key")
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", key)
            f.write(openssl("req", "-x509", "-key", key, "-days", "30", "-subj",
                            f"/C=NL/O=Shady Hosting/CN={name}"))
    text = openssl("crl2pkcs7", "-nocrl", "-certfile", out)
    assert b"subjectAltName" not in openssl("pkcs7", "-print_certs", "-text", "-noout",
                                            data=text)
    return out


def make_ip_email(tmp):
    """A certificate with IP and e-mail SANs, and its SHA-256 fingerprint."""
    key = os.path.join(tmp, "ip-email.key")
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
    out = os.path.join(tmp, "ip-email.pem")
    pem = openssl("req", "-x509", "-key", key, "-days", "30", "-subj", "/CN=ip-email.test",
                  "-addext", "subjectAltName=IP:::1,IP:2001:db8::a,IP:192.0.2.10,"
                  "email:Ops@Grab.Test")
    with open(out, "wb") as f:
        f.write(pem)
    sha256 = oracle(out)["sha256"]
    return out, sha256


def check_ip_email(where, path, sha256):
    """--san compares addresses, not their spelling, and e-mail addresses
    ignoring case."""
    t.run("ingest", *where, path, check=EXIT_OK)
    for name in ("::1", "0:0:0:0:0:0:0:1", "::0001", "2001:DB8:0:0::A", "2001:db8::a",
                 "192.0.2.10", "ops@grab.test", "OPS@GRAB.TEST", "Ops@Grab.Test"):
        hits = [c["sha256"] for c in cert(where, "--san", name)]
        assert hits == [sha256], (name, hits)
    for name in ("::2", "192.0.2.11", "ops@grab.example"):
        cert(where, "--san", name, check=EXIT_NONE)


def check_cn_only(where, path):
    """Certificates without a SAN count the domain their CN names."""
    t.run("ingest", *where, path, check=EXIT_OK)
    shady = [p for p in patterns(where) if p["pattern"] == "self-signed-organisation"
             and p["value"] == "Shady Hosting"]
    assert len(shady) == 1, shady
    assert shady[0]["certificates"] == 5, shady
    assert shady[0]["registrable_domains"] == [f"shady-{i}.example" for i in range(1, 5)]
    t.run("cert", "patterns", *where, "--min", "1", check=2)
    t.run("cert", "patterns", *where, "--min", "0", check=2)


def check_shared_key(where, path, spki):
    t.run("ingest", *where, path, check=EXIT_OK)
    patterns = json.loads(t.run("cert", "patterns", *where, "--json", check=EXIT_OK).stdout)
    keys = [p for p in patterns if p["pattern"] == "shared-key" and p["value"] == spki]
    assert len(keys) == 1, patterns
    assert keys[0]["certificates"] == 2, keys
    assert keys[0]["registrable_domains"] == ["one-key-a.example", "one-key-b.example"], keys


def run_all(where, tmp, corpus, bundle, shared_key, cn_only, ip_email):
    t.run("ingest", *where, *corpus_files(corpus),
          os.path.join(corpus, "ct", "ct-go", "get-entries-4.json"),
          os.path.join(corpus, "ct", "ct-go", "get-entry-and-proof.json"), check=EXIT_OK)
    check_oracle(where, corpus_files(corpus))
    check_serial_forms(where, corpus_files(corpus))
    check_dn_forms(where, corpus)
    check_ct(where, corpus)
    check_dedupe(where, corpus)
    check_crtsh(where, tmp, corpus)
    check_malformed(where, tmp, corpus)
    check_non_utf8_path(where, tmp, corpus)
    check_shared_issuer(where, bundle)
    check_shared_key(where, *shared_key)
    check_cn_only(where, cn_only)
    check_ip_email(where, *ip_email)


def main():
    corpus = t.corpus_dir()
    t.corpus_dir(os.path.join("x509", "ct-go"))
    tmp = t.scratch()
    bundle = os.path.join(tmp, "shared-issuer.pem")
    subprocess.run([os.path.join(t.SOURCE_DIR, "samples", "certs", "make_shared_issuer.sh"),
                    bundle, str(SHARED_COUNT)], check=True)
    shared_key = make_shared_key(tmp)
    cn_only = make_cn_only(tmp)
    ip_email = make_ip_email(tmp)
    db = os.path.join(tmp, "certs.db")
    run_all(["--db", db], tmp, corpus, bundle, shared_key, cn_only, ip_email)
    print("sqlite: openssl oracle, CT sightings, dedupe, crt.sh, malformed, shared issuer, "
          "shared key")
    if chserver.find_server() is None:
        print("NOTE: clickhouse-server is not installed; the ClickHouse checks are skipped")
        return
    with chserver.ClickHouse() as server:
        location = f"clickhouse://{chserver.HOST}:{server.http_port}/certs"
        run_all(["--store", location], tmp, corpus, bundle, shared_key, cn_only, ip_email)
        print("clickhouse: the same checks")
        copy = f"clickhouse://{chserver.HOST}:{server.http_port}/certcopy"
        t.run("store", "copy", "--from", db, "--to", copy, check=EXIT_OK)
        for args in (["--issuer", f"O={SHARED_ORG}", "--limit", "0"],
                     ["--san", "*.parcel-notice-7.example"]):
            a = cert(["--db", db], *args)
            b = cert(["--store", copy], *args)
            assert a == b, args
    print("store copy: SQLite to ClickHouse gives the same answers")


if __name__ == "__main__":
    main()
