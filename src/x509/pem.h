/* Finding certificates in a byte buffer: PEM bundles and chains, a single DER
 * certificate, and a cheap guess of which certificate format a file is in.
 *
 * Pure: bytes in, DER out through a callback; no I/O. The DER is not parsed
 * here: pass it to x509_parse_der() (x509/cert.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

enum x509_format {
	X509_FORMAT_NONE = 0, /* not a certificate input we read */
	X509_FORMAT_PEM,      /* PEM text: one or more certificate blocks, other text ignored */
	X509_FORMAT_DER,      /* one DER certificate */
	X509_FORMAT_CT_JSON,  /* RFC 6962 get-entries or get-entry-and-proof JSON (x509/ct.h) */
	X509_FORMAT_CRTSH,    /* crt.sh JSON export (x509/crtsh.h) */
};

/* "none", "pem", "der", "ct-json", "crtsh-json". */
const char *x509_format_name(enum x509_format format);

/* Guess the format from the start of a file. head is the first len bytes (the
 * whole file or at least its first 4 KiB); this function can't fail and reads
 * nothing past head + len.
 * - PEM: a "-----BEGIN CERTIFICATE-----" line (or the TRUSTED and X509
 *   variants) anywhere in head, or head starting with "Certificate:", the
 *   text dump `openssl x509 -text` writes before the PEM block.
 * - DER: a SEQUENCE holding a SEQUENCE (the TBSCertificate) that starts with
 *   an explicit version [0] or a serial number INTEGER.
 * - CT JSON: a JSON object whose text in head contains "leaf_input".
 * - crt.sh: a JSON array whose first object in head contains "issuer_ca_id"
 *   or "name_value". An empty array ("[]", what crt.sh returns for no match)
 *   gives X509_FORMAT_NONE, because nothing tells it from other JSON. */
enum x509_format x509_detect(const uint8_t *head, size_t len);

/* One certificate found in the input. The pointers are valid only during the
 * callback. */
struct x509_found {
	const uint8_t *der;  /* the DER certificate; NULL for a block that failed */
	size_t der_len;
	size_t offset;       /* byte offset in the input of the "-----BEGIN" line, or 0 for DER */
	size_t index;        /* 0-based count of certificate blocks before this one */
};

/* Called once per certificate block. err is NULL when der is a certificate.
 * For a block that could not be decoded der is NULL and err gives the reason
 * (the caller adds the file name, and found->offset locates it). Returning
 * anything but DN_OK stops the scan, and x509_read() returns that status. */
typedef dn_status (*x509_found_fn)(const struct x509_found *found, const struct dn_error *err,
                                   void *ctx);

/* Call fn for every certificate in buf, which is either PEM text or one DER
 * certificate (chosen as x509_detect() does).
 *
 * PEM blocks read: "CERTIFICATE", "X509 CERTIFICATE" (the pre-RFC 7468 label)
 * and "TRUSTED CERTIFICATE" (OpenSSL's certificate followed by its trust
 * settings; only the certificate is passed on). Other blocks (keys, CRLs,
 * requests) and text between blocks are skipped silently. A block with bad
 * base64, a missing END line, or content that is not one DER SEQUENCE goes to
 * fn with an error, and the scan goes on with the next block. The base64 may
 * be wrapped at any width, with CR LF or LF line ends; PEM headers
 * (RFC 1421 "Proc-Type:") are rejected as an error for that block.
 *
 * For DER input the whole buffer must be one SEQUENCE; trailing bytes give an
 * error through fn. Returns DN_OK after the last block (even when some blocks
 * failed: *n_bad counts them), DN_EFORMAT when buf is neither PEM with at
 * least one certificate block nor DER, or fn's first status other than DN_OK.
 * n_found and n_bad may be NULL. Never aborts on input. */
dn_status x509_read(const uint8_t *buf, size_t len, x509_found_fn fn, void *ctx,
                    size_t *n_found, size_t *n_bad, struct dn_error *err);

/* Length of the DER TLV at der (tag, length and content), or 0 when der does
 * not start with a complete definite-length TLV within len bytes. */
size_t x509_der_tlv_len(const uint8_t *der, size_t len);
