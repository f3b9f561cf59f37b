/* Names and rdata as Suricata writes them into eve.json, turned into
 * master-file presentation form.
 *
 * Suricata (rust/src/dns/log.rs and jsonbuilder.rs in 6.0 to 8.0) writes a
 * name as its labels joined by '.', the root as "", and rdata bytes as they
 * are when they are valid UTF-8. Other byte strings are written with each
 * byte of 0x80 or more as the four characters "\xNN" (lower-case hex) and
 * the rest as they are. Suricata 6 wrote EVE_UNCONVERTED instead. */
#include "feed/eve_rdata.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

/* RFC 1035 section 2.3.4. */
#define LABEL_MAX 63
#define NAME_WIRE_MAX 255
#define CHARSTR_MAX 255

void eve_text_free(struct eve_text *text)
{
	free(text->data);
	*text = (struct eve_text){0};
}

static bool text_reserve(struct eve_text *text, size_t more)
{
	if (text->cap - text->len > more)
		return true;
	size_t cap = text->cap ? text->cap : 256;
	while (cap - text->len <= more) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	char *data = realloc(text->data, cap);
	if (data == NULL)
		return false;
	text->data = data;
	text->cap = cap;
	return true;
}

static bool text_add(struct eve_text *text, const char *bytes, size_t len)
{
	if (!text_reserve(text, len))
		return false;
	memcpy(text->data + text->len, bytes, len);
	text->len += len;
	text->data[text->len] = '\0';
	return true;
}

static bool text_addc(struct eve_text *text, char c)
{
	return text_add(text, &c, 1);
}

static bool text_add_uint(struct eve_text *text, unsigned long long value)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%llu", value);
	return text_add(text, buf, (size_t)n);
}

static void text_clear(struct eve_text *text)
{
	text->len = 0;
	if (text->data != NULL)
		text->data[0] = '\0';
}

/* ---- Reading Suricata's strings back into bytes ---- */

struct su_reader {
	const unsigned char *s;
	size_t len;
	size_t pos;
	bool escapes; /* "\xNN" stands for one byte */
};

static int lower_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A string that holds a byte of 0x80 or more was valid UTF-8 and written as
 * it is, so it has no "\xNN" escapes. NOTE: an ASCII string whose own text
 * contains "\x80" to "\xff" reads as escaped, since Suricata does not
 * escape backslashes and the two cases look alike. */
static void su_init(struct su_reader *r, const char *s, size_t len)
{
	*r = (struct su_reader){.s = (const unsigned char *)s, .len = len, .escapes = true};
	for (size_t i = 0; i < len; i++) {
		if (r->s[i] >= 0x80) {
			r->escapes = false;
			break;
		}
	}
}

static bool su_next(struct su_reader *r, unsigned char *byte)
{
	if (r->pos >= r->len)
		return false;
	const unsigned char *p = r->s + r->pos;
	if (r->escapes && r->len - r->pos >= 4 && p[0] == '\\' && p[1] == 'x') {
		int hi = lower_hex(p[2]), lo = lower_hex(p[3]);
		if (hi >= 8 && lo >= 0) {
			*byte = (unsigned char)(hi << 4 | lo);
			r->pos += 4;
			return true;
		}
	}
	*byte = *p;
	r->pos++;
	return true;
}

static size_t su_count(const char *s, size_t len)
{
	struct su_reader r;
	unsigned char byte;
	size_t n = 0;
	su_init(&r, s, len);
	while (su_next(&r, &byte))
		n++;
	return n;
}

/* ---- Names ---- */

bool eve_name_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
	if (a_len != b_len)
		return false;
	for (size_t i = 0; i < a_len; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* Letters, digits and a few safe characters stand as they are; other
 * printable ASCII gets a backslash, and the rest is \DDD (RFC 1035
 * section 5.1). */
static bool add_label_byte(struct eve_text *out, unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_' || c == '*' || c == '/')
		return text_addc(out, (char)c);
	/* '#' as \035: "\#" at the start of rdata marks RFC 3597's generic
	 * form to a zone-file reader. */
	if (c > 0x20 && c < 0x7f && c != '#') {
		char esc[2] = {'\\', (char)c};
		return text_add(out, esc, 2);
	}
	char esc[5];
	snprintf(esc, sizeof(esc), "\\%03u", c);
	return text_add(out, esc, 4);
}

/* Append the name to out; see eve_name_convert(). */
static enum eve_conv name_append(const char *s, size_t len, struct eve_text *out)
{
	if (len == 0)
		return text_addc(out, '.') ? EVE_CONV_OK : EVE_CONV_NOMEM;

	/* NOTE: Suricata does not escape a '.' inside a label, so such a label
	 * reads as two. */
	struct su_reader r;
	unsigned char byte;
	size_t label = 0, wire = 1;
	su_init(&r, s, len);
	while (su_next(&r, &byte)) {
		if (byte == '.') {
			if (label == 0)
				return EVE_CONV_INVALID;
			wire += label + 1;
			label = 0;
			if (!text_addc(out, '.'))
				return EVE_CONV_NOMEM;
			continue;
		}
		if (++label > LABEL_MAX)
			return EVE_CONV_INVALID;
		if (!add_label_byte(out, byte))
			return EVE_CONV_NOMEM;
	}
	/* A final '.' is taken as the root label. */
	if (label > 0) {
		wire += label + 1;
		if (!text_addc(out, '.'))
			return EVE_CONV_NOMEM;
	}
	return wire <= NAME_WIRE_MAX ? EVE_CONV_OK : EVE_CONV_INVALID;
}

enum eve_conv eve_name_convert(const char *s, size_t len, struct eve_text *out)
{
	text_clear(out);
	return name_append(s, len, out);
}

/* ---- Rdata ---- */

static bool is_text(const json_t *value)
{
	return json_is_string(value);
}

static bool get_uint(const json_t *obj, const char *key, unsigned long long max,
                     unsigned long long *value)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (unsigned long long)json_integer_value(v) > max)
		return false;
	*value = (unsigned long long)json_integer_value(v);
	return true;
}

const json_t *eve_entry_rdata(const json_t *entry, uint16_t rrtype)
{
	switch (rrtype) {
	case KNOT_RRTYPE_SOA:
		return json_object_get(entry, "soa");
	case KNOT_RRTYPE_SRV:
		return json_object_get(entry, "srv");
	case KNOT_RRTYPE_SSHFP:
		return json_object_get(entry, "sshfp");
	default:
		return json_object_get(entry, "rdata");
	}
}

static enum eve_conv convert_address(int family, const json_t *value, struct eve_text *out,
                                     const char **why)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char addr[16];
	size_t len = json_string_length(value);
	/* Suricata writes "" for an address of the wrong length. */
	if (len == 0)
		return EVE_CONV_ABSENT;
	*why = family == AF_INET ? "invalid IPv4 address" : "invalid IPv6 address";
	if (len >= sizeof(text) || strlen(json_string_value(value)) != len)
		return EVE_CONV_INVALID;
	memcpy(text, json_string_value(value), len + 1);
	if (inet_pton(family, text, addr) != 1)
		return EVE_CONV_INVALID;
	/* inet_ntop() shortens the fully written-out IPv6 form Suricata logs. */
	if (inet_ntop(family, addr, text, sizeof(text)) == NULL)
		return EVE_CONV_INVALID;
	return text_add(out, text, strlen(text)) ? EVE_CONV_OK : EVE_CONV_NOMEM;
}

/* One character-string in quotes, with '"' and '\' escaped and bytes
 * outside printable ASCII as \DDD. */
static enum eve_conv convert_charstr(const json_t *value, struct eve_text *out, const char **why)
{
	const char *s = json_string_value(value);
	size_t len = json_string_length(value);
	if (su_count(s, len) > CHARSTR_MAX) {
		*why = "TXT string longer than 255 bytes";
		return EVE_CONV_INVALID;
	}
	struct su_reader r;
	unsigned char byte;
	bool ok = text_addc(out, '"');
	su_init(&r, s, len);
	while (ok && su_next(&r, &byte)) {
		if (byte == '"' || byte == '\\') {
			char esc[2] = {'\\', (char)byte};
			ok = text_add(out, esc, 2);
		} else if (byte >= 0x20 && byte < 0x7f) {
			ok = text_addc(out, (char)byte);
		} else {
			char esc[5];
			snprintf(esc, sizeof(esc), "\\%03u", byte);
			ok = text_add(out, esc, 4);
		}
	}
	return ok && text_addc(out, '"') ? EVE_CONV_OK : EVE_CONV_NOMEM;
}

/* Rdata in the RFC 3597 generic form: "\# LENGTH HEX". */
static enum eve_conv convert_generic(const json_t *value, struct eve_text *out, const char **why)
{
	static const char hex[] = "0123456789abcdef";
	const char *s = json_string_value(value);
	size_t len = json_string_length(value);
	size_t n = su_count(s, len);
	if (n > UINT16_MAX) {
		*why = "rdata longer than 65535 bytes";
		return EVE_CONV_INVALID;
	}
	struct su_reader r;
	unsigned char byte;
	bool ok = text_add(out, "\\# ", 3) && text_add_uint(out, n) &&
	          (n == 0 || text_addc(out, ' '));
	su_init(&r, s, len);
	while (ok && su_next(&r, &byte)) {
		char pair[2] = {hex[byte >> 4], hex[byte & 15]};
		ok = text_add(out, pair, 2);
	}
	return ok ? EVE_CONV_OK : EVE_CONV_NOMEM;
}

/* Append the name inside an rdata object under key. */
static enum eve_conv add_inner_name(const json_t *obj, const char *key, const char *truncated,
                                    struct eve_text *out, const char **why)
{
	const json_t *name = json_object_get(obj, key);
	if (json_is_true(json_object_get(obj, truncated)))
		return EVE_CONV_ABSENT;
	if (!is_text(name)) {
		*why = "missing name in the rdata object";
		return EVE_CONV_INVALID;
	}
	if (strcmp(json_string_value(name), EVE_UNCONVERTED) == 0)
		return EVE_CONV_ABSENT;
	enum eve_conv rc = name_append(json_string_value(name), json_string_length(name), out);
	if (rc == EVE_CONV_INVALID)
		*why = "invalid name in the rdata object";
	return rc;
}

/* "soa": {"mname", "rname", "serial", "refresh", "retry", "expire",
 * "minimum"}. */
static enum eve_conv convert_soa(const json_t *soa, struct eve_text *out, const char **why)
{
	static const char *const numbers[] = {"serial", "refresh", "retry", "expire", "minimum"};
	enum eve_conv rc = add_inner_name(soa, "mname", "mname_truncated", out, why);
	if (rc == EVE_CONV_OK && !text_addc(out, ' '))
		rc = EVE_CONV_NOMEM;
	if (rc == EVE_CONV_OK)
		rc = add_inner_name(soa, "rname", "rname_truncated", out, why);
	for (size_t i = 0; rc == EVE_CONV_OK && i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		unsigned long long v;
		if (!get_uint(soa, numbers[i], UINT32_MAX, &v)) {
			*why = "invalid SOA number";
			return EVE_CONV_INVALID;
		}
		if (!text_addc(out, ' ') || !text_add_uint(out, v))
			return EVE_CONV_NOMEM;
	}
	return rc;
}

/* "srv": {"priority", "weight", "port", "name"}. */
static enum eve_conv convert_srv(const json_t *srv, struct eve_text *out, const char **why)
{
	static const char *const numbers[] = {"priority", "weight", "port"};
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		unsigned long long v;
		if (!get_uint(srv, numbers[i], UINT16_MAX, &v)) {
			*why = "invalid SRV number";
			return EVE_CONV_INVALID;
		}
		if (!text_add_uint(out, v) || !text_addc(out, ' '))
			return EVE_CONV_NOMEM;
	}
	return add_inner_name(srv, "name", "name_truncated", out, why);
}

/* "sshfp": {"algo", "type", "fingerprint": "aa:bb:..."}. */
static enum eve_conv convert_sshfp(const json_t *sshfp, struct eve_text *out, const char **why)
{
	unsigned long long algo, fp_type;
	const json_t *fp = json_object_get(sshfp, "fingerprint");
	*why = "invalid SSHFP fields";
	if (!get_uint(sshfp, "algo", UINT8_MAX, &algo) ||
	    !get_uint(sshfp, "type", UINT8_MAX, &fp_type) || !is_text(fp))
		return EVE_CONV_INVALID;

	const char *s = json_string_value(fp);
	size_t len = json_string_length(fp);
	/* Pairs of hex digits joined by ':'. */
	if (len % 3 != 2 && len != 0)
		return EVE_CONV_INVALID;
	for (size_t i = 0; i < len; i++) {
		bool colon = i % 3 == 2;
		if (colon ? s[i] != ':' : lower_hex((unsigned char)s[i]) < 0)
			return EVE_CONV_INVALID;
	}
	/* The fingerprint field cannot be empty in presentation form, so an
	 * empty one is written in the generic form. */
	if (len == 0) {
		char generic[16];
		snprintf(generic, sizeof(generic), "\\# 2 %02llx%02llx", algo, fp_type);
		return text_add(out, generic, strlen(generic)) ? EVE_CONV_OK : EVE_CONV_NOMEM;
	}
	bool ok = text_add_uint(out, algo) && text_addc(out, ' ') && text_add_uint(out, fp_type) &&
	          text_addc(out, ' ');
	for (size_t i = 0; ok && i < len; i++)
		if (i % 3 != 2)
			ok = text_addc(out, s[i]);
	return ok ? EVE_CONV_OK : EVE_CONV_NOMEM;
}

static enum eve_conv convert_target(const json_t *value, struct eve_text *out, const char **why)
{
	enum eve_conv rc = name_append(json_string_value(value), json_string_length(value), out);
	if (rc == EVE_CONV_INVALID)
		*why = "invalid domain name in rdata";
	return rc;
}

enum eve_conv eve_rdata_convert(uint16_t rrtype, const json_t *value, struct eve_text *out,
                                const char **why)
{
	text_clear(out);
	*why = "invalid rdata";
	if (value == NULL)
		return EVE_CONV_ABSENT;

	switch (rrtype) {
	case KNOT_RRTYPE_SOA:
		return json_is_object(value) ? convert_soa(value, out, why) : EVE_CONV_INVALID;
	case KNOT_RRTYPE_SRV:
		return json_is_object(value) ? convert_srv(value, out, why) : EVE_CONV_INVALID;
	case KNOT_RRTYPE_SSHFP:
		return json_is_object(value) ? convert_sshfp(value, out, why) : EVE_CONV_INVALID;
	default:
		break;
	}

	if (!is_text(value))
		return EVE_CONV_INVALID;
	if (strcmp(json_string_value(value), EVE_UNCONVERTED) == 0)
		return EVE_CONV_ABSENT;
	switch (rrtype) {
	case KNOT_RRTYPE_A:
		return convert_address(AF_INET, value, out, why);
	case KNOT_RRTYPE_AAAA:
		return convert_address(AF_INET6, value, out, why);
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_PTR:
		return convert_target(value, out, why);
	case KNOT_RRTYPE_TXT:
		return convert_charstr(value, out, why);
	case KNOT_RRTYPE_NULL:
		return convert_generic(value, out, why);
	default:
		/* MX comes without its preference (Suricata keeps only the
		 * exchange), and other types come without rdata. */
		return EVE_CONV_ABSENT;
	}
}
