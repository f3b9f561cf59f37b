/* Domain names as pDNS keys: normalising user input and reversing label order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/* Buffer size for any name in presentation form, forward or reversed: 255
 * wire bytes at up to four characters each (\DDD escapes), plus a dot and
 * the terminator. */
#define PDNS_NAME_BUF 1024

/* Normalise a name typed by a user into stored form: lower case, trailing dot,
 * IDN U-labels converted to A-labels (IDNA 2008 via libidn2). "." stays the
 * root. Fails for empty labels ("a..b"), labels over 63 bytes, names over 253
 * characters and names libidn2 rejects. */
dn_status pdns_name_normalize(const char *input, char *out, size_t size, struct dn_error *err);

/* Write name with its labels in reverse order ("www.example.com." becomes
 * "com.example.www."), which turns a suffix search into a prefix search.
 * Escaped dots ("a\.b.example.") stay inside their label. The root "." maps
 * to itself. out needs strlen(name) + 2 bytes. */
void pdns_name_reverse(const char *name, char *out, size_t size);

/* Convert an A-label name to U-labels for display; names that are not valid
 * IDNs are copied unchanged. */
void pdns_name_to_unicode(const char *name, char *out, size_t size);
