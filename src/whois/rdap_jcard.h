/* jCard (RFC 7095), the JSON form of vCard 4.0 (RFC 6350) that RDAP
 * entities carry in "vcardArray": the reader used by the RDAP parser.
 *
 * Internal to src/whois, and exposed so that tests can check it alone. */
#pragma once

#include <stddef.h>

#include <jansson.h>

#include "util/arena.h"
#include "util/status.h"
#include "whois/record.h"

/* At most this many email addresses of one card are kept, in card order. */
#define RDAP_VCARD_EMAIL_MAX 8

/* The properties of one card that a WHOIS contact uses. Strings are
 * trimmed, never empty, and live in the arena given to rdap_jcard_read();
 * a property the card lacks is NULL. */
struct rdap_vcard {
	const char *kind;    /* "individual", "org", ... */
	const char *fn;
	const char *org;     /* components of a structured org joined by ", " */
	const char *email;   /* the preferred address ("pref" parameter) */
	const char *emails[RDAP_VCARD_EMAIL_MAX];
	size_t n_emails;
	/* Telephone numbers without "tel:", an extension written as
	 * "+1.5555550100 ext. 12". voice is a tel of type "voice" or of no
	 * type; fax is one of type "fax". Each is the preferred one. */
	const char *voice;
	const char *fax;
	const char *url;
	/* The first adr property: street lines (street component, then the
	 * extended address and post office box), locality, region, postal
	 * code, and the country as the "cc" parameter (ISO 3166 alpha-2) or
	 * else the country-name component. An address given only as a
	 * "label" parameter has its lines in street and no city. */
	const char *street[WHOIS_STREET_MAX];
	const char *city;
	const char *state;
	const char *postal_code;
	const char *country;
};

/* Read card, the value of a "vcardArray" member, into out.
 *
 * Checks the RFC 7095 layout ["vcard", [property...]]. Each property is an
 * array of a name (string), parameters (object), value type (string) and
 * at least one value. A value is a string, number, boolean or null, or a
 * structured value: an array of those and of arrays of those. Returns
 * DN_OK, DN_EMALF naming the first invalid property in err, or DN_ENOMEM
 * when the arena cannot grow. */
/* Copy len bytes of s without surrounding white space into arena; NULL
 * when nothing is left, or when the arena cannot grow, which sets *nomem. */
const char *rdap_keep_trimmed(struct arena *arena, const char *s, size_t len, bool *nomem);

dn_status rdap_jcard_read(const json_t *card, struct arena *arena, struct rdap_vcard *out,
                          struct dn_error *err);
