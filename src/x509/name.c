/* Distinguished names straight from DER for the common case. The escaping
 * follows what OpenSSL 3.0's X509_NAME_print_ex() does with XN_FLAG_RFC2253
 * minus ASN1_STRFLGS_ESC_MSB (crypto/asn1/a_strex.c): a backslash before
 * , + " \ < > ; anywhere, before '#' or ' ' at the start and ' ' at the end,
 * and \XX (upper-case hex) for control bytes. The oracle test compares the
 * result with the openssl binary on every corpus certificate. */
#include "x509/name.h"

#include <string.h>

#include "x509/der.h"

struct attr_type {
	const char *name;  /* OpenSSL short name */
	uint8_t len;
	uint8_t oid[11];   /* content bytes of the OBJECT IDENTIFIER */
};

static const struct attr_type attr_types[] = {
	{"CN", 3, {0x55, 0x04, 0x03}},
	{"C", 3, {0x55, 0x04, 0x06}},
	{"L", 3, {0x55, 0x04, 0x07}},
	{"ST", 3, {0x55, 0x04, 0x08}},
	{"street", 3, {0x55, 0x04, 0x09}},
	{"O", 3, {0x55, 0x04, 0x0a}},
	{"OU", 3, {0x55, 0x04, 0x0b}},
	{"serialNumber", 3, {0x55, 0x04, 0x05}},
	{"SN", 3, {0x55, 0x04, 0x04}},
	{"GN", 3, {0x55, 0x04, 0x2a}},
	{"title", 3, {0x55, 0x04, 0x0c}},
	{"businessCategory", 3, {0x55, 0x04, 0x0f}},
	{"postalCode", 3, {0x55, 0x04, 0x11}},
	{"organizationIdentifier", 3, {0x55, 0x04, 0x61}},
	{"emailAddress", 9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}},
	{"jurisdictionC", 11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03}},
	{"jurisdictionST", 11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02}},
	{"jurisdictionL", 11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01}},
	{"DC", 10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}},
	{"UID", 10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}},
};

enum { MAX_ATTRS = 64 };

static const char *attr_name(const struct der_tlv *oid)
{
	for (size_t i = 0; i < sizeof(attr_types) / sizeof(attr_types[0]); i++) {
		if (oid->len == attr_types[i].len && memcmp(oid->body, attr_types[i].oid, oid->len) == 0)
			return attr_types[i].name;
	}
	return NULL;
}

/* Whether the value can take the fast path: valid UTF-8 in a UTF8String,
 * ASCII in a PrintableString or IA5String. */
static bool value_ok(const struct der_tlv *value)
{
	if (value->tag != 0x0c && value->tag != 0x13 && value->tag != 0x16)
		return false;
	for (size_t i = 0; i < value->len;) {
		uint8_t c = value->body[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (value->tag != 0x0c)
			return false;
		size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0 || i + n > value->len)
			return false;
		uint32_t cp = c & (0xff >> (n + 1));
		for (size_t k = 1; k < n; k++) {
			if ((value->body[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (value->body[i + k] & 0x3f);
		}
		static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

/* Append the value to p with the escaping described at the top; returns the
 * new end. */
static char *append_escaped(char *p, const struct der_tlv *value)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < value->len; i++) {
		char c = (char)value->body[i];
		bool first = i == 0, last = i + 1 == value->len;
		if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
		    c == ';' || (first && c == '#') || ((first || last) && c == ' ')) {
			*p++ = '\\';
			*p++ = c;
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			*p++ = '\\';
			*p++ = digits[(unsigned char)c >> 4];
			*p++ = digits[c & 0x0f];
		} else {
			*p++ = c;
		}
	}
	return p;
}

/* Copy the value with control bytes as \xHH, as struct x509_attr requires. */
static const char *copy_value(struct arena *arena, const struct der_tlv *value)
{
	char *out = arena_alloc(arena, 4 * value->len + 1);
	if (out == NULL)
		return NULL;
	char *p = out;
	for (size_t i = 0; i < value->len; i++) {
		uint8_t c = value->body[i];
		if (c < 0x20 || c == 0x7f) {
			static const char digits[] = "0123456789abcdef";
			*p++ = '\\';
			*p++ = 'x';
			*p++ = digits[c >> 4];
			*p++ = digits[c & 0x0f];
		} else {
			*p++ = (char)c;
		}
	}
	*p = '\0';
	return out;
}

dn_status x509_name_decode(const uint8_t *der, size_t len, struct arena *arena,
                           struct x509_name *out)
{
	struct der_tlv name, rdn;
	if (!der_read(der, len, &name) || name.tag != 0x30)
		return DN_EMALF;

	/* Collect every attribute with the RDN it belongs to. */
	struct der_tlv keys[MAX_ATTRS], values[MAX_ATTRS];
	const char *names[MAX_ATTRS];
	size_t set_of[MAX_ATTRS];
	size_t n = 0, n_rdn = 0, text_len = 0;
	struct der_cursor rdns = der_enter(&name);
	while (der_next(&rdns, &rdn)) {
		if (rdn.tag != 0x31 || rdn.len == 0)
			return DN_ENOTSUP;
		struct der_cursor atvs = der_enter(&rdn);
		struct der_tlv atv;
		while (der_next(&atvs, &atv)) {
			struct der_cursor fields = der_enter(&atv);
			if (n == MAX_ATTRS || atv.tag != 0x30 || !der_next(&fields, &keys[n]) ||
			    keys[n].tag != 0x06 || !der_next(&fields, &values[n]) ||
			    fields.p != fields.end)
				return DN_ENOTSUP;
			names[n] = attr_name(&keys[n]);
			if (names[n] == NULL || !value_ok(&values[n]))
				return DN_ENOTSUP;
			set_of[n] = n_rdn;
			text_len += strlen(names[n]) + 2 + 3 * values[n].len;
			n++;
		}
		if (atvs.p != atvs.end)
			return DN_ENOTSUP;
		n_rdn++;
	}
	if (rdns.p != rdns.end)
		return DN_ENOTSUP;

	/* RFC 4514 order: last RDN first, '+' inside a multi-valued RDN. */
	char *dn = arena_alloc(arena, text_len + 1);
	struct x509_attr *attrs = n ? arena_alloc(arena, n * sizeof(*attrs)) : NULL;
	if (dn == NULL || (n && attrs == NULL))
		return DN_ENOMEM;
	char *p = dn;
	for (size_t k = n; k-- > 0;) {
		size_t key_len = strlen(names[k]);
		memcpy(p, names[k], key_len);
		p += key_len;
		*p++ = '=';
		p = append_escaped(p, &values[k]);
		if (k > 0)
			*p++ = set_of[k - 1] == set_of[k] ? '+' : ',';
	}
	*p = '\0';

	for (size_t k = 0; k < n; k++) {
		attrs[k].key = names[k];
		attrs[k].value = copy_value(arena, &values[k]);
		if (attrs[k].value == NULL)
			return DN_ENOMEM;
	}
	out->dn = dn;
	out->attrs = attrs;
	out->n_attrs = n;
	return DN_OK;
}
