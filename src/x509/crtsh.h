/* crt.sh JSON exports (https://crt.sh/?q=NAME&output=json): an array of
 * objects describing certificates crt.sh has seen in CT logs.
 *
 * Pure: JSON text in, entries out through a callback; no I/O. The export
 * carries no DER, so there is no struct x509_cert and no fingerprint; the id
 * is crt.sh's own certificate id (https://crt.sh/?id=ID). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* A time field missing or null in the export. */
#define CRTSH_NO_TIME INT64_MIN

/* One element of the array. Strings are UTF-8, NUL-terminated and live only
 * during the callback; a member missing or null in the export is NULL (or
 * CRTSH_NO_TIME, or -1 for the integers). */
struct crtsh_entry {
	size_t position;           /* 0-based position in the array */
	int64_t id;                /* crt.sh certificate id */
	int64_t issuer_ca_id;      /* crt.sh CA id */
	const char *issuer_name;   /* as crt.sh prints it: "C=US, O=Let's Encrypt, CN=R3" */

	/* issuer_name in the RFC 4514 form of struct x509_name.dn in x509/cert.h
	 * ("CN=R3,O=Let's Encrypt,C=US"), or NULL when it cannot be converted
	 * reliably. crt.sh prints the attributes most general first, separated
	 * by ", " (" + " inside a multi-valued RDN), and puts a value in double
	 * quotes when it contains a special character. The conversion reverses the
	 * order and escapes each value as RFC 4514 section 2.4 requires. It gives
	 * NULL when an attribute is not KEY=VALUE, a quoted value does not end
	 * in a quote, an unquoted value contains ',', '+', '"', '\\', '<', '>',
	 * ';' or '=' (so the split is ambiguous), or a value contains a backslash
	 * escape (crt.sh's escaping of control bytes is not documented). */
	const char *issuer_dn;

	const char *common_name;
	const char *name_value;    /* as exported: names separated by "\n" */
	const char **names;        /* name_value split at "\n", empty names dropped */
	size_t n_names;

	int64_t entry_timestamp;   /* UTC epoch seconds (fraction dropped) */
	int64_t not_before;        /* UTC epoch seconds */
	int64_t not_after;
	const char *serial_number; /* lower-case hex without leading zeros, as x509_cert.serial */
	int64_t result_count;      /* in newer exports; -1 when absent */
};

/* Called once per array element. err is NULL for a decoded element; for one
 * that is not an object, or has a member of the wrong type or a time or serial
 * that does not parse, only entry->position is set and err gives the reason.
 * Returning anything but DN_OK stops the parse, and crtsh_parse_json()
 * returns that status. */
typedef dn_status (*crtsh_entry_fn)(const struct crtsh_entry *entry, const struct dn_error *err,
                                    void *ctx);

/* Parse a crt.sh export and call fn for each element. Times are read as
 * crt.sh writes them, "2021-03-24T14:51:55" or with a fraction
 * ("2021-03-24T14:51:55.391"), always UTC. Returns DN_OK after the last
 * element (even when some failed: *n_bad counts them), DN_EMALF for JSON that
 * does not parse or is not an array (err names the line and column), or fn's
 * first status other than DN_OK. n_entries and n_bad may be NULL. Never
 * aborts on input. */
dn_status crtsh_parse_json(const char *json, size_t len, crtsh_entry_fn fn, void *ctx,
                           size_t *n_entries, size_t *n_bad, struct dn_error *err);

/* Convert an issuer_name as crt.sh prints it to RFC 4514 form (see
 * crtsh_entry.issuer_dn). Returns a string from malloc that the caller frees,
 * or NULL when the name cannot be converted reliably or malloc fails. */
char *crtsh_dn_to_rfc4514(const char *name);
