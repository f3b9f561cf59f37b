"""Compare what the x509 readers make of every certificate in the shared
corpus (x509/ and the CT responses in ct/) with what the openssl binary
prints for the same DER: fingerprints, serial, names, validity, SANs, key,
signature algorithm, CA flag and SPKI hash. The certificates are pulled out
of the PEM files and CT JSON here in Python, independently of the C readers.
Malformed certificates under x509/ct-go/invalid must be rejected, except
the ones x509/cert.c documents as accepted."""

import base64
import calendar
import glob
import hashlib
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from dnstest import corpus_dir, skip  # noqa: E402

DUMP = os.environ.get("X509_DUMP", "")

# Well-formed encodings that a strict parser may still flag. The comment at
# the top of src/x509/cert.c gives the reason they are accepted.
ACCEPTED_INVALID = {"xf-pubkey-ecdsa-secp192r1.pem"}

KEY_TYPES = {"rsaEncryption": "RSA", "id-ecPublicKey": "EC", "dsaEncryption": "DSA",
             "ED25519": "Ed25519", "ED448": "Ed448", "rsassaPss": "RSA-PSS"}

# The GeneralName kinds `openssl x509 -text` prints as "KIND:value".
SAN_KINDS = {"DNS", "IP Address", "email", "URI", "DirName", "othername", "Registered ID",
             "X400Name", "EdiPartyName"}

PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----",
                       re.S)

failures = []


def check(label, what, ours, theirs):
    if ours != theirs:
        failures.append(f"{label}: {what}: ours {ours!r}, openssl {theirs!r}")


def openssl(args, der):
    return subprocess.run(["openssl", *args], input=der, capture_output=True, check=True).stdout


def openssl_text(args, der):
    return openssl(["x509", "-inform", "DER", *args], der).decode("utf-8", "surrogateescape")


def escape_bytes(text):
    """Text as struct x509_cert stores it: bytes that are not UTF-8, and
    control bytes, written as \\xHH."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    return "".join(out)


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def parse_date(text):
    """Epoch seconds of openssl's "Jun  1 00:00:00 2012 GMT" (any year, even 1)."""
    month, day, clock, year, zone = text.split()
    assert zone == "GMT", text
    hour, minute, second = (int(x) for x in clock.split(":"))
    return calendar.timegm((int(year), MONTHS.index(month) + 1, int(day), hour, minute, second))


def openssl_fields(der):
    """The fields of one DER certificate as the openssl binary prints them."""
    fields = {}
    fields["sha1"] = openssl_text(["-noout", "-fingerprint", "-sha1"], der).split("=", 1)[1]
    fields["sha256"] = openssl_text(["-noout", "-fingerprint", "-sha256"], der).split("=", 1)[1]
    for key in ("sha1", "sha256"):
        fields[key] = fields[key].strip().replace(":", "").lower()

    out = openssl_text(["-noout", "-serial", "-startdate", "-enddate", "-subject", "-issuer",
                        "-nameopt", "RFC2253,-esc_msb"], der)
    for line in out.splitlines():
        key, _, value = line.partition("=")
        fields[key] = value
    fields["serial"] = fields["serial"].lower().lstrip("0") or "0"
    if fields["serial"].startswith("-"):
        fields["serial"] = "-" + (fields["serial"][1:].lstrip("0") or "0")
    fields["not_before"] = parse_date(fields.pop("notBefore"))
    fields["not_after"] = parse_date(fields.pop("notAfter"))

    text = openssl_text(["-noout", "-text"], der)
    fields["sig_alg"] = re.search(r"Signature Algorithm: (.+)", text).group(1).strip()
    alg = re.search(r"Public Key Algorithm: (.+)", text).group(1).strip()
    fields["key_type"] = KEY_TYPES.get(alg, alg)
    bits = re.search(r"Public-Key: \((\d+) bit\)", text)
    fields["key_bits"] = int(bits.group(1)) if bits else None
    curve = re.search(r"ASN1 OID: (\S+)", text)
    fields["key_curve"] = curve.group(1) if curve else None
    fields["is_ca"] = re.search(r"CA:TRUE", text) is not None

    fields["san_dns"], fields["san_ip"], fields["san_email"] = [], [], []
    fields["san_printed"] = True
    for match in re.finditer(r"X509v3 Subject Alternative Name:.*?\n\s+(.*)\n", text):
        for item in match.group(1).split(", "):
            kind, _, value = item.partition(":")
            if kind == "DNS":
                fields["san_dns"].append(escape_bytes(value.lower()))
            elif item and kind not in SAN_KINDS:
                # OpenSSL 3.0 prints the raw bytes of a subjectAltName
                # it refuses to show, such as a dNSName with a NUL.
                fields["san_printed"] = False
            elif kind == "IP Address":
                fields["san_ip"].append(str(ipaddress.ip_address(value)))
            elif kind == "email":
                fields["san_email"].append(value.lower())

    try:
        pubkey = openssl_text(["-noout", "-pubkey"], der).encode()
        spki = openssl(["pkey", "-pubin", "-outform", "DER"], pubkey)
        fields["spki_sha256"] = hashlib.sha256(spki).hexdigest()
    except subprocess.CalledProcessError:
        fields["spki_sha256"] = None  # a key type openssl cannot load
    return fields


def compare(label, ours, der):
    if "error" in ours:
        failures.append(f"{label}: rejected: {ours['error']}")
        return
    theirs = openssl_fields(der)
    for key in ("sha1", "sha256", "serial", "not_before", "not_after", "sig_alg", "is_ca"):
        check(label, key, ours[key], theirs[key])
    if theirs["san_printed"]:
        check(label, "san_dns", ours["san_dns"], theirs["san_dns"])
        check(label, "san_email", ours["san_email"], theirs["san_email"])
    else:
        print(f"NOTE: {label}: openssl does not print the subjectAltName; not compared")
    if theirs["key_type"] in KEY_TYPES.values():
        check(label, "key_type", ours["key_type"], theirs["key_type"])
    elif not re.fullmatch(r"[0-9]+(\.[0-9]+)+", ours["key_type"]):
        failures.append(f"{label}: key_type {ours['key_type']!r} for openssl's "
                        f"{theirs['key_type']!r} is not a dotted OID")
    check(label, "subject", ours["subject"], theirs["subject"])
    check(label, "issuer", ours["issuer"], theirs["issuer"])
    check(label, "san_ip", [str(ipaddress.ip_address(ip)) for ip in ours["san_ip"]],
          theirs["san_ip"])
    if theirs["key_bits"] is not None:
        check(label, "key_bits", ours["key_bits"], theirs["key_bits"])
    if theirs["key_curve"] is not None:
        check(label, "key_curve", ours["key_curve"], theirs["key_curve"])
    if theirs["spki_sha256"] is not None:
        check(label, "spki_sha256", ours["spki_sha256"], theirs["spki_sha256"])
    signed_by_itself = self_signed(der)
    if signed_by_itself is not None:
        check(label, "self_signed", ours["self_signed"], signed_by_itself)
    return theirs


def self_signed(der):
    """Whether pyca/cryptography finds the certificate issued by itself (names
    equal and signature valid), or None when it cannot tell: the module is
    missing or older than 40, the certificate does not load, or the
    signature algorithm is one it does not verify (SHA-1 with RSA, for
    one)."""
    try:
        import warnings
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
    except ImportError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cert = x509.load_der_x509_certificate(der)
            if cert.issuer != cert.subject:
                return False
            # Added in cryptography 40; Debian 12 ships 38.
            if not hasattr(cert, "verify_directly_issued_by"):
                return None
            cert.verify_directly_issued_by(cert)
        return True
    except InvalidSignature:
        return False
    except (ValueError, TypeError, x509.InvalidVersion):
        return None


def dump(path):
    run = subprocess.run([DUMP, path], capture_output=True, text=True)
    if run.returncode != 0:
        raise AssertionError(f"x509_dump {path} exited {run.returncode}: {run.stderr}")
    return [json.loads(line) for line in run.stdout.splitlines()]


def certs_in_file(path):
    data = open(path, "rb").read()
    if b"-----BEGIN CERTIFICATE-----" in data:
        return [base64.b64decode(b"".join(block.split())) for block in PEM_BLOCK.findall(data)]
    return [data]


def tls_vector(buf, pos, prefix):
    n = int.from_bytes(buf[pos:pos + prefix], "big")
    if pos + prefix + n > len(buf):
        raise ValueError("vector runs past the end")
    return buf[pos + prefix:pos + prefix + n], pos + prefix + n


def ct_certs(entry):
    """The leaf certificate and chain of one RFC 6962 entry, decoded here."""
    leaf = base64.b64decode(entry["leaf_input"])
    extra = base64.b64decode(entry.get("extra_data", ""))
    assert leaf[0] == 0, "MerkleTreeLeaf version is not v1"
    assert leaf[1] == 0, "MerkleTreeLeaf type is not timestamped_entry"
    entry_type = int.from_bytes(leaf[10:12], "big")
    chain = []
    if entry_type == 0:
        cert, _ = tls_vector(leaf, 12, 3)
        try:
            chain_bytes, _ = tls_vector(extra, 0, 3)
            pos = 0
            while pos < len(chain_bytes):
                c, pos = tls_vector(chain_bytes, pos, 3)
                chain.append(c)
        except (IndexError, ValueError):
            chain = []
    else:
        cert, pos = tls_vector(extra, 0, 3)
        chain_bytes, _ = tls_vector(extra, pos, 3)
        pos = 0
        while pos < len(chain_bytes):
            c, pos = tls_vector(chain_bytes, pos, 3)
            chain.append(c)
    return leaf, cert, chain


def check_pem_and_der(corpus):
    files = sorted(glob.glob(os.path.join(corpus, "x509", "ct-go", "*.pem")) +
                   glob.glob(os.path.join(corpus, "x509", "ct-go", "der", "*")) +
                   glob.glob(os.path.join(corpus, "x509", "ct-go", "chains", "*")) +
                   glob.glob(os.path.join(corpus, "x509", "zlint", "*.pem")))
    count = 0
    for path in files:
        ders = certs_in_file(path)
        ours = dump(path)
        label = os.path.relpath(path, corpus)
        check(label, "certificate count", len(ours), len(ders))
        for i, (record, der) in enumerate(zip(ours, ders)):
            compare(f"{label}#{i}", record, der)
            count += 1
    return count


def check_ct(corpus):
    count = 0
    for name in ("get-entries-4.json", "get-entry-and-proof.json"):
        path = os.path.join(corpus, "ct", "ct-go", name)
        doc = json.load(open(path))
        entries = doc["entries"] if "entries" in doc else [doc]
        ours = dump(path)
        for index, entry in enumerate(entries):
            leaf_input, cert, chain = ct_certs(entry)
            mine = [r for r in ours if r["ct_index"] == index]
            leaf_hash = hashlib.sha256(b"\0" + leaf_input).hexdigest()
            label = f"{name}[{index}]"
            check(label, "records", len(mine), 1 + len(chain))
            check(label, "leaf_hash", mine[0]["leaf_hash"], leaf_hash)
            check(label, "timestamp_ms", mine[0]["timestamp_ms"],
                  int.from_bytes(leaf_input[2:10], "big"))
            for record, der in zip(mine, [cert, *chain]):
                compare(f"{label} {record['role']} {record['chain_position']}", record, der)
                count += 1
    return count


def check_leaf_hashes(corpus):
    """MerkleTreeLeaf hashes that the corpus states for TestCertPEM and TestPreCertPEM."""
    ct_go = os.path.join(corpus, "x509", "ct-go")
    cert = certs_in_file(os.path.join(ct_go, "TestCertPEM.pem"))[0]
    precert = certs_in_file(os.path.join(ct_go, "TestPreCertPEM.pem"))[0]
    ca = certs_in_file(os.path.join(ct_go, "CACertPEM.pem"))[0]
    ours_precert = dump(os.path.join(ct_go, "TestPreCertPEM.pem"))[0]

    # The MerkleTreeLeaf timestamps come from the SCTs that go with these
    # certificates (TestCertProof and TestPreCertProof in
    # certificate-transparency-go's testdata/certs.go); they are not in the
    # PEM files.
    cert_stamp = (0x13DDB27DED9).to_bytes(8, "big")
    precert_stamp = (0x13DDB27DF93).to_bytes(8, "big")
    leaf = b"\0\0" + cert_stamp + b"\0\0" + len(cert).to_bytes(3, "big") + cert + b"\0\0"
    tbs = precert_tbs_without_poison(precert)
    issuer_key_hash = bytes.fromhex(openssl_fields(ca)["spki_sha256"])
    pre_leaf = (b"\0\0" + precert_stamp + b"\0\1" + issuer_key_hash +
                len(tbs).to_bytes(3, "big") + tbs + b"\0\0")
    expected = {"TestCertPEM": "BKZLZGMbAnDW0gQWjNJNCyS2IgweWn76YW3tFlu3AuY=",
                "TestPreCertPEM": "mbk+d5FDW3oNZJCbOi828rqC3hf+qhigTWVGcXEZq1U="}
    got = {"TestCertPEM": base64.b64encode(hashlib.sha256(b"\0" + leaf).digest()).decode(),
           "TestPreCertPEM": base64.b64encode(hashlib.sha256(b"\0" + pre_leaf).digest()).decode()}
    for name in expected:
        check(name, "MerkleTreeLeaf hash", got[name], expected[name])
    # Our tbs_sha256 is the hash of that same TBSCertificate.
    check("TestPreCertPEM", "tbs_sha256", ours_precert["tbs_sha256"],
          hashlib.sha256(tbs).hexdigest())


def precert_tbs_without_poison(der):
    """The TBSCertificate of der with the CT poison extension removed, re-encoded
    by Python from the DER structure (independent of the C code)."""
    def read(buf, pos):
        tag = buf[pos]
        n = buf[pos + 1]
        head = 2
        if n & 0x80:
            k = n & 0x7f
            n = int.from_bytes(buf[pos + 2:pos + 2 + k], "big")
            head += k
        return tag, pos + head, n, pos + head + n

    def enc(tag, body):
        n = len(body)
        if n < 0x80:
            length = bytes([n])
        else:
            raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
            length = bytes([0x80 | len(raw)]) + raw
        return bytes([tag]) + length + body

    _, body, _, _ = read(der, 0)
    _, tbs_body, tbs_len, tbs_end = read(der, body)
    pos, parts = tbs_body, []
    poison = bytes.fromhex("060a2b06010401d679020403")
    while pos < tbs_end:
        tag, b, n, end = read(der, pos)
        if tag == 0xa3:
            _, seq_body, _, seq_end = read(der, b)
            exts, p = [], seq_body
            while p < seq_end:
                _, eb, _, ee = read(der, p)
                if not der[eb:].startswith(poison):
                    exts.append(der[p:ee])
                p = ee
            parts.append(enc(0xa3, enc(0x30, b"".join(exts))))
        else:
            parts.append(der[pos:end])
        pos = end
    return enc(0x30, b"".join(parts))


def check_generated_self_signed():
    """Self-signed RSA and EC certificates made here by the openssl binary,
    and one whose issuer name equals its subject but which another key
    signed: the self_signed flag must tell them apart."""
    with tempfile.TemporaryDirectory() as tmp:
        def path(name):
            return os.path.join(tmp, name)

        def req(key_args, name, subject):
            subprocess.run(["openssl", "req", "-x509", "-newkey", *key_args, "-nodes",
                            "-keyout", path(name + ".key"), "-out", path(name + ".pem"),
                            "-subj", subject, "-days", "30"], check=True, capture_output=True)

        req(["rsa:2048"], "rsa", "/O=Shared Org/CN=rsa.example")
        req(["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "ec", "/O=Shared Org/CN=ec.example")
        # Same subject as ec.pem, signed by ec.key: names equal, own key not.
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("other.key"),
                        "-out", path("other.csr"), "-subj", "/O=Shared Org/CN=ec.example"],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "x509", "-req", "-in", path("other.csr"), "-CA", path("ec.pem"),
                        "-CAkey", path("ec.key"), "-out", path("other.pem"), "-days", "30",
                        "-set_serial", "7"], check=True, capture_output=True)

        # Without key identifiers the flag rests on the signature check.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("bare.key"),
                        "-out", path("bare.pem"), "-subj", "/O=Shared Org/CN=bare.example",
                        "-days", "30", "-addext", "subjectKeyIdentifier=none",
                        "-addext", "authorityKeyIdentifier=none"],
                       check=True, capture_output=True)

        for name, expected in (("rsa", True), ("ec", True), ("other", False), ("bare", True)):
            record = dump(path(name + ".pem"))[0]
            der = certs_in_file(path(name + ".pem"))[0]
            check(f"generated {name}", "self_signed", record.get("self_signed"), expected)
            oracle = self_signed(der)
            if oracle is not None:
                check(f"generated {name}", "self_signed (pyca/cryptography)",
                      record.get("self_signed"), oracle)
            compare(f"generated {name}", record, der)


def check_invalid(corpus):
    for path in sorted(glob.glob(os.path.join(corpus, "x509", "ct-go", "invalid", "*.pem"))):
        name = os.path.basename(path)
        der = certs_in_file(path)[0]
        # openssl decodes every one of them; a strict parser must not.
        openssl_text(["-noout", "-subject"], der)
        record = dump(path)[0]
        if name in ACCEPTED_INVALID:
            check(name, "accepted", "error" in record, False)
        elif "error" not in record:
            failures.append(f"{name}: accepted, but it is malformed")
        else:
            print(f"{name}: rejected: {record['error']}")


def main():
    corpus = corpus_dir("x509")
    corpus = os.path.dirname(corpus.rstrip("/"))
    if not DUMP or not os.access(DUMP, os.X_OK):
        skip("X509_DUMP is not set to the built x509_dump tool")
    count = check_pem_and_der(corpus)
    count += check_ct(corpus)
    check_leaf_hashes(corpus)
    check_generated_self_signed()
    count += 3
    check_invalid(corpus)
    for failure in failures:
        print("FAIL:", failure)
    print(f"{count} certificates compared with openssl, {len(failures)} differences")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
