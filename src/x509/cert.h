/* One parsed X.509 certificate or CT precertificate, in the form every later
 * stage uses.
 *
 * x509_parse_der() fills a struct x509_cert from DER bytes with OpenSSL. The
 * readers in x509/pem.h, x509/ct.h and x509/crtsh.h find the DER inside PEM
 * files, RFC 6962 get-entries JSON and crt.sh JSON exports and call it. All
 * strings are UTF-8, NUL-terminated and live in the arena the caller gave; the
 * DER is copied there too, so a struct x509_cert outlives its input buffer.
 * A field the certificate does not carry is NULL (strings) or 0 (counts). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/status.h"

/* A validation level taken from the certificate policies extension: the
 * CA/Browser Forum OIDs 2.23.140.1.2.1 (DV), .2.2 (OV), .2.3 (IV) and
 * 2.23.140.1.1 (EV); X509_LEVEL_UNKNOWN when none of them is present. */
enum x509_level {
	X509_LEVEL_UNKNOWN = 0,
	X509_LEVEL_DV,
	X509_LEVEL_OV,
	X509_LEVEL_IV,
	X509_LEVEL_EV,
};

/* "unknown", "dv", "ov", "iv", "ev". */
const char *x509_level_name(enum x509_level level);

/* One attribute of a distinguished name, in certificate order. */
struct x509_attr {
	const char *key;    /* OpenSSL short name ("CN", "O", "OU", "C", "emailAddress") or the dotted OID */
	const char *value;  /* UTF-8; control bytes and invalid UTF-8 escaped as \xHH */
};

struct x509_name {
	/* RFC 4514 order and escaping, most specific first, UTF-8 kept:
	 * "CN=example.com,O=Example Ltd,C=GB". Equal to what
	 * `openssl x509 -noout -subject -nameopt RFC2253,-esc_msb` prints after
	 * "subject=". */
	const char *dn;
	const struct x509_attr *attrs;  /* in the order the certificate encodes them */
	size_t n_attrs;
};

struct x509_cert {
	/* Hashes, binary. */
	uint8_t sha1[20];         /* of the whole DER */
	uint8_t sha256[32];       /* of the whole DER */
	uint8_t spki_sha256[32];  /* of the DER SubjectPublicKeyInfo */
	/* SHA-256 of the DER TBSCertificate with the CT poison extension
	 * (1.3.6.1.4.1.11129.2.4.3) and the embedded SCT list
	 * (1.3.6.1.4.1.11129.2.4.2) removed: equal for a precertificate and the
	 * final certificate issued from it. When they were the only extensions,
	 * the [3] extensions field is left out too. */
	uint8_t tbs_sha256[32];

	const char *serial;       /* lower-case hex, no separators, no leading zeros ("0" for zero); "-" prefix if negative */
	struct x509_name issuer;
	struct x509_name subject;

	int64_t not_before;       /* UTC epoch seconds */
	int64_t not_after;

	/* Subject alternative names as encoded, names lower-cased. */
	const char **san_dns;     /* "www.example.com", "*.example.com" */
	size_t n_san_dns;
	const char **san_ip;      /* presentation form: "192.0.2.1", "2001:db8::1" */
	size_t n_san_ip;
	const char **san_email;
	size_t n_san_email;

	const char *key_type;     /* "RSA", "RSA-PSS", "EC", "DSA", "Ed25519", "Ed448", or the dotted OID */
	int key_bits;             /* modulus, DSA p or curve order size in bits (253 for
	                             Ed25519, 456 for Ed448, as OpenSSL counts); 0 if unknown */
	const char *key_curve;    /* EC curve short name ("prime256v1"), else NULL */
	const char *sig_alg;      /* OpenSSL long name: "sha256WithRSAEncryption" */

	bool is_ca;               /* basicConstraints CA:TRUE */
	/* Issuer DN equals subject DN, and the certificate names its own key as
	 * the signer: its authority key identifier equals its subject key
	 * identifier, or, when it lacks one of them, the signature verifies
	 * with its own key. */
	bool self_signed;
	bool precert;             /* carries the CT poison extension */
	bool has_scts;            /* carries an embedded SCT list */

	const char **policies;    /* policy OIDs, dotted */
	size_t n_policies;
	enum x509_level level;

	const uint8_t *der;       /* the certificate as given, copied into the arena */
	size_t der_len;
};

/* Parse one DER certificate. On success *out points into arena. A certificate
 * that is not DER, or whose fields break RFC 5280 in a way that makes the
 * values above untrustworthy, gives DN_EMALF with the reason in err
 * ("signature algorithm in TBSCertificate differs from the outer one").
 * The list of checks is at the top of x509/cert.c. Never aborts on input. */
dn_status x509_parse_der(const uint8_t *der, size_t len, struct arena *arena,
                         struct x509_cert **out, struct dn_error *err);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void x509_hex(const uint8_t *bytes, size_t n, char *out);
