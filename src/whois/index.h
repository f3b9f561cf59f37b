/* The index values of a WHOIS record: what reverse WHOIS and registrant
 * correlation search (struct store_whois_value rows). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "whois/normalize.h"
#include "whois/record.h"

struct whois_index_entry {
	const char *kind;        /* "email", "phone", "name", "org", "address",
	                          * "registrar", "nameserver" */
	const char *role;        /* whois_role_name(), "registrar" or "domain" */
	char value[WHOIS_KEY_MAX];
	const char *shown;       /* points into rec (for address: the first street line) */
	bool masked;
};

/* Fill out with at most max entries for rec and return how many there would
 * be. Each (kind, value) is given once, under the first role that has it
 * in the order registrant, admin, tech, billing. Records with a status
 * other than WHOIS_FOUND give none. */
size_t whois_index(const struct whois_record *rec, struct whois_index_entry *out, size_t max);
