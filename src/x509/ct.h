/* Certificate Transparency log entries (RFC 6962): the JSON of get-entries
 * and get-entry-and-proof, and the binary MerkleTreeLeaf and extra_data in it.
 *
 * Pure: JSON text in, entries out through a callback; no I/O. The DER inside
 * an entry is not parsed here: pass it to x509_parse_der() (x509/cert.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/status.h"

/* LogEntryType of RFC 6962 section 3.1. */
enum ct_entry_type {
	CT_X509_ENTRY = 0,
	CT_PRECERT_ENTRY = 1,
};

/* "x509_entry" or "precert_entry". */
const char *ct_entry_type_name(enum ct_entry_type type);

/* A DER blob inside an entry. */
struct ct_der {
	const uint8_t *der;
	size_t len;
};

/* One decoded log entry. All pointers point into buffers that live only during
 * the callback (or, for ct_decode_entry(), as long as its inputs and arena). */
struct ct_entry {
	uint64_t index;         /* position in the log: the caller's start index plus the
	                           position in "entries" */
	int64_t timestamp_ms;   /* TimestampedEntry.timestamp: milliseconds since the epoch */
	enum ct_entry_type type;

	/* The certificate to parse with x509_parse_der(): for an x509_entry the
	 * leaf's ASN.1Cert; for a precert_entry the pre_certificate from
	 * extra_data, which is the whole precertificate with the poison
	 * extension. NULL when extra_data was absent from a precert entry. */
	struct ct_der cert;

	/* precert_entry only: the TBSCertificate as the log signed it (poison
	 * removed, issuer possibly rewritten to the final issuer), and the
	 * SHA-256 of the issuing CA's SubjectPublicKeyInfo. */
	struct ct_der precert_tbs;
	uint8_t issuer_key_hash[32];

	/* The certificate_chain (x509_entry) or precertificate_chain
	 * (precert_entry) from extra_data, leaf side first; n_chain is 0 when
	 * extra_data was absent. */
	const struct ct_der *chain;
	size_t n_chain;

	/* Reason the extra_data could not be decoded (truncated, trailing
	 * bytes), or NULL. The leaf is still delivered: cert (precert entries) and chain
	 * are then empty. */
	const char *extra_error;

	/* CtExtensions of the TimestampedEntry (empty in RFC 6962 logs). */
	struct ct_der extensions;

	/* Merkle leaf hash: SHA-256(0x00 || leaf_input), the value an inclusion
	 * proof starts from. */
	uint8_t leaf_hash[32];
};

/* Called once per entry. err is NULL for a decoded entry. For an entry that
 * failed (bad base64, a MerkleTreeLeaf or extra_data that is truncated,
 * has trailing bytes, or carries an unknown version, leaf type or entry type)
 * only entry->index is set and err gives the reason. Returning anything but DN_OK
 * stops the parse, and ct_parse_json() returns that status. */
typedef dn_status (*ct_entry_fn)(const struct ct_entry *entry, const struct dn_error *err,
                                 void *ctx);

/* Parse a get-entries response ({"entries":[{"leaf_input":B64,
 * "extra_data":B64}, ...]}) or a get-entry-and-proof response (one
 * "leaf_input" and "extra_data" at the top level; the audit path is ignored)
 * and call fn for each entry, numbering them from start_index. Returns DN_OK
 * after the last entry (even when some failed: *n_bad counts them), DN_EMALF
 * for JSON that does not parse or has neither shape (err names the line and
 * column or the missing member), or fn's first status other than DN_OK.
 * n_entries and n_bad may be NULL. Never aborts on input. */
dn_status ct_parse_json(const char *json, size_t len, uint64_t start_index, ct_entry_fn fn,
                        void *ctx, size_t *n_entries, size_t *n_bad, struct dn_error *err);

/* Decode one entry from its binary leaf_input and extra_data (extra may be
 * NULL with extra_len 0 when the log response had none). out->index is set to
 * index. The chain array is allocated from arena; the other pointers point
 * into leaf and extra. A malformed extra_data sets out->extra_error (allocated
 * from arena) and still returns DN_OK. Returns DN_EMALF with the reason on a
 * malformed leaf,
 * DN_ENOTSUP for a MerkleTreeLeaf version, leaf type or entry type that
 * RFC 6962 does not define, DN_ENOMEM. */
dn_status ct_decode_entry(const uint8_t *leaf, size_t leaf_len, const uint8_t *extra,
                          size_t extra_len, uint64_t index, struct arena *arena,
                          struct ct_entry *out, struct dn_error *err);

/* Decode strict base64 (RFC 4648 section 4, padding required, no whitespace)
 * into out, which has room for at least len / 4 * 3 bytes. Returns the
 * decoded length, or -1 on a character outside the alphabet, a bad length
 * or bad padding. */
long ct_base64_decode(const char *text, size_t len, uint8_t *out);
