/* Contact values to index keys, so that spellings of one value meet.
 *
 * Each function writes a NUL-terminated key into out (size bytes) and
 * returns false, writing "", when the value holds nothing to index (empty,
 * a placeholder, no digits). Keys never exceed WHOIS_KEY_MAX - 1 bytes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "whois/record.h"

#define WHOIS_KEY_MAX 256

/* Lower case, whitespace trimmed; "+tag" removed from the local part; dots
 * removed from the local part for providers that ignore them (gmail.com,
 * googlemail.com -> gmail.com). "John.Smith+shop@GMail.com" -> "johnsmith@gmail.com". */
bool whois_norm_email(const char *in, char *out, size_t size);

/* E.164 as "+" and digits. ICANN's "+44.2079460123" and "+44 20 7946 0123",
 * a leading "00" and extension marks ("x123", "ext. 12", dropped) are read;
 * a national number without a country code is prefixed with the calling
 * code of country (ISO 3166 alpha-2 or NULL) when it is known, else kept
 * as digits without "+". */
bool whois_norm_phone(const char *in, const char *country, char *out, size_t size);

/* Case, accents (Unicode NFKD without combining marks), punctuation and runs
 * of space folded: "  José  O'Neil " -> "jose oneil". */
bool whois_norm_name(const char *in, char *out, size_t size);

/* As whois_norm_name, then common legal-form words dropped at the end
 * ("ltd", "llc", "inc", "gmbh", "s.a.", ...): "Example Ltd." -> "example". */
bool whois_norm_org(const char *in, char *out, size_t size);

/* The contact's street lines, city, postal code and country folded like
 * names, with common street words abbreviated one way ("street" -> "st",
 * "road" -> "rd") and the country as alpha-2 where recognised, joined by
 * ", ". Empty when the contact has no street. */
bool whois_norm_address(const struct whois_contact *contact, char *out, size_t size);
