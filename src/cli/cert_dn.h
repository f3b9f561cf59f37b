/* Reading the distinguished names typed for `dragnet cert --issuer` and
 * `--subject`. Pure code: text in, the search key out. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum cert_dn_form {
	CERT_DN_SUBSTRING, /* no attribute name that OpenSSL knows, or too long */
	CERT_DN_ATTRIBUTE, /* one attribute: ATTR=VALUE */
	CERT_DN_WHOLE,     /* two or more attributes: a whole DN */
};

/* Classify text and, for an attribute or a whole DN, write the search key.
 *
 * An attribute (ATTR=VALUE) gives the OpenSSL short name in attr ("O" for
 * "o", "organizationName" or "2.5.4.10") and the value in value, with RFC
 * 4514 escapes removed and control bytes written as \xHH, as the store
 * indexes attribute values. A whole DN gives in value the RFC 4514 string
 * that `openssl x509 -nameopt RFC2253,-esc_msb` prints for it.
 *
 * Spaces around '=' and after a separator (',' or '+') are ignored. A
 * separator starts a new attribute only when ATTR= follows it, so
 * "O=GeoTrust, Inc." is one attribute. When the first attribute name is
 * followed by a space ("C = GB, O = x"), the DN is in openssl's default
 * one-line order (the encoded order, least specific first) and is reversed.
 * Returns CERT_DN_SUBSTRING, writing nothing, for any other text and when a
 * key does not fit in its buffer. */
enum cert_dn_form cert_dn_parse(const char *text, char *attr, size_t attr_size, char *value,
                                size_t value_size);

/* Write the value of the index-th attribute named attr (a short name, "CN")
 * of the RFC 4514 DN dn to out, escapes removed and control bytes as \xHH.
 * Returns false when dn has no such attribute or the value does not fit. */
bool cert_dn_value(const char *dn, const char *attr, size_t index, char *out, size_t size);
