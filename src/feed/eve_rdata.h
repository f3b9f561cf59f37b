/* Names and rdata as Suricata writes them into eve.json, turned into
 * master-file presentation form. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Growable NUL-terminated text; all-zero is an empty buffer. */
struct eve_text {
	char *data;
	size_t len;
	size_t cap;
};

void eve_text_free(struct eve_text *text);

enum eve_conv {
	EVE_CONV_OK,      /* the text is in the buffer */
	EVE_CONV_ABSENT,  /* the log does not carry the value, so there is no record */
	EVE_CONV_INVALID, /* the value is malformed */
	EVE_CONV_NOMEM,
};

/* Text that Suricata 6 writes in place of bytes that are not UTF-8. */
#define EVE_UNCONVERTED "<failed to convert bytes to string>"

/* Compare two names as Suricata writes them, ignoring ASCII case. */
bool eve_name_equal(const char *a, size_t a_len, const char *b, size_t b_len);

/* Write the name Suricata logged as s (len bytes, labels joined by '.',
 * "" for the root) into out as an absolute name in presentation form.
 * Returns EVE_CONV_INVALID for an empty or over-long label or a name of
 * more than 255 bytes in wire form. */
enum eve_conv eve_name_convert(const char *s, size_t len, struct eve_text *out);

/* The member of an answer entry that holds the rdata of type rrtype:
 * "soa", "srv" or "sshfp" for those types, "rdata" for the others. NULL
 * when the entry has none. */
const json_t *eve_entry_rdata(const json_t *entry, uint16_t rrtype);

/* Write the rdata of type rrtype, given as Suricata logs it (a string, or
 * the SOA, SRV or SSHFP object), into out in presentation form. Returns
 * EVE_CONV_ABSENT for types whose rdata Suricata does not log in full, and
 * EVE_CONV_INVALID with *why set to a short reason for malformed values. */
enum eve_conv eve_rdata_convert(uint16_t rrtype, const json_t *value, struct eve_text *out,
                                const char **why);
