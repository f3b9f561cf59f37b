/* Reading the distinguished names typed for `dragnet cert --issuer` and
 * `--subject` (cli/cert_dn.h). */
#include "cli/cert_dn.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/hex.h"

/* Maximum attributes split from one DN. Text after the last one stays in
 * its value, so a longer DN matches nothing. */
#define MAX_AVAS 64

/* One attribute as typed: the canonical name and where its value sits in
 * the text. */
struct typed_ava {
	char attr[64];
	size_t start, end; /* the value, without the spaces around it */
	char separator;    /* ',' or '+' before this attribute; 0 for the first */
};

/* The NID whose short or long name is name, ignoring ASCII case, or
 * NID_undef. OpenSSL's own lookups compare case-sensitively, so this walks
 * every NID below the next free one (OBJ_new_nid(0) allocates none). */
static int nid_ignoring_case(const char *name)
{
	int limit = OBJ_new_nid(0);
	int found = NID_undef;
	ERR_set_mark(); /* OBJ_nid2sn() queues an error for each unused NID */
	for (int nid = 1; nid < limit && found == NID_undef; nid++) {
		const char *sn = OBJ_nid2sn(nid);
		const char *ln = OBJ_nid2ln(nid);
		if ((sn != NULL && strcasecmp(sn, name) == 0) ||
		    (ln != NULL && strcasecmp(ln, name) == 0))
			found = nid;
	}
	ERR_pop_to_mark();
	return found;
}

/* The name the store indexes an attribute under: OpenSSL's short name, or
 * the dotted OID when OpenSSL has none. False for a name OpenSSL does not
 * know, which makes the text a substring. */
static bool canonical_attr(const char *typed, char *out, size_t size)
{
	int nid = OBJ_txt2nid(typed);
	if (nid == NID_undef)
		nid = nid_ignoring_case(typed);
	if (nid != NID_undef) {
		const char *sn = OBJ_nid2sn(nid);
		if (sn == NULL || strlen(sn) >= size)
			return false;
		snprintf(out, size, "%s", sn);
		return true;
	}
	if (strspn(typed, "0123456789.") != strlen(typed))
		return false;
	ASN1_OBJECT *obj = OBJ_txt2obj(typed, 1);
	if (obj == NULL) {
		ERR_clear_error();
		return false;
	}
	int n = OBJ_obj2txt(out, (int)size, obj, 1);
	ASN1_OBJECT_free(obj);
	return n > 0 && (size_t)n < size;
}

/* Read "ATTR =" at *p, spaces allowed around '=', and move *p past the
 * spaces after '='. Sets spaced when a space preceded '='. */
static bool read_attr(const char **p, char *attr, size_t size, bool *spaced)
{
	const char *s = *p;
	size_t len = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                       "0123456789-.");
	if (len == 0 || len >= size)
		return false;
	size_t gap = strspn(s + len, " ");
	if (s[len + gap] != '=')
		return false;
	char typed[64];
	if (len >= sizeof(typed))
		return false;
	memcpy(typed, s, len);
	typed[len] = '\0';
	if (!canonical_attr(typed, attr, size))
		return false;
	*spaced = gap > 0;
	s += len + gap + 1;
	*p = s + strspn(s, " ");
	return true;
}

/* Remove trailing spaces from a value unless a backslash escapes them. */
static size_t trim_end(const char *text, size_t start, size_t end)
{
	while (end > start && text[end - 1] == ' ' && !(end - 1 > start && text[end - 2] == '\\'))
		end--;
	return end;
}

/* Split text into attributes; returns how many, or 0 when text is not a
 * DN. */
static size_t split(const char *text, struct typed_ava *avas, bool *spaced)
{
	const char *p = text + strspn(text, " ");
	if (!read_attr(&p, avas[0].attr, sizeof(avas[0].attr), spaced))
		return 0;
	avas[0].start = (size_t)(p - text);
	avas[0].separator = 0;
	size_t n = 1;
	bool quoted = false;
	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			p += 2;
			continue;
		}
		/* openssl's one-line form quotes a value that contains a special
		 * ("O = \"Example, Inc.\""), and separators inside are text. */
		if (*p == '"' && (quoted || p == text + avas[n - 1].start)) {
			quoted = !quoted;
			p++;
			continue;
		}
		if (quoted) {
			p++;
			continue;
		}
		const char *next = p + 1 + strspn(p + 1, " ");
		bool unused;
		if ((*p != ',' && *p != '+') || n == MAX_AVAS ||
		    !read_attr(&next, avas[n].attr, sizeof(avas[n].attr), &unused)) {
			p++;
			continue;
		}
		avas[n - 1].end = trim_end(text, avas[n - 1].start, (size_t)(p - text));
		avas[n].separator = *p;
		avas[n].start = (size_t)(next - text);
		n++;
		p = next;
	}
	avas[n - 1].end = trim_end(text, avas[n - 1].start, (size_t)(p - text));
	return n;
}

/* Bounded output into a caller's buffer. */
struct out {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 >= o->size) {
		o->overflow = true;
		return;
	}
	o->buf[o->len++] = c;
	o->buf[o->len] = '\0';
}

static void put_text(struct out *o, const char *text)
{
	for (; *text != '\0'; text++)
		put(o, *text);
}

/* Write byte c of a value: as the store indexes attribute values (control
 * bytes as \xHH), or RFC 4514 escaped as x509_name_decode() writes a DN. */
static void put_value_byte(struct out *o, unsigned char c, bool first, bool last, bool rfc4514)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	bool control = c < 0x20 || c == 0x7f;
	if (control && !rfc4514) {
		put(o, '\\');
		put(o, 'x');
		put(o, lower[c >> 4]);
		put(o, lower[c & 0x0f]);
	} else if (control) {
		put(o, '\\');
		put(o, upper[c >> 4]);
		put(o, upper[c & 0x0f]);
	} else if (rfc4514 && (strchr(",+\"\\<>;", c) != NULL || (first && c == '#') ||
	                       ((first || last) && c == ' '))) {
		put(o, '\\');
		put(o, (char)c);
	} else {
		put(o, (char)c);
	}
}

/* Write the value text[start, end) without its quotes and escapes: "\," and
 * the other RFC 4514 specials, "\HH" and dragnet's "\xHH" become the byte. */
static void put_value(struct out *o, const char *text, size_t start, size_t end, bool rfc4514)
{
	if (end - start >= 2 && text[start] == '"' && text[end - 1] == '"' && text[end - 2] != '\\') {
		start++;
		end--;
	}
	unsigned char bytes[1024];
	size_t n = 0;
	for (size_t i = start; i < end && n < sizeof(bytes); i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\\' && i + 1 < end) {
			size_t hex_at = text[i + 1] == 'x' ? i + 2 : i + 1;
			int high = hex_at + 1 < end ? hex_digit_value(text[hex_at]) : -1;
			int low = hex_at + 1 < end ? hex_digit_value(text[hex_at + 1]) : -1;
			if (high >= 0 && low >= 0) {
				c = (unsigned char)(high << 4 | low);
				i = hex_at + 1;
			} else {
				c = (unsigned char)text[++i];
			}
		}
		bytes[n++] = c;
	}
	if (n == sizeof(bytes))
		o->overflow = true;
	for (size_t i = 0; i < n; i++)
		put_value_byte(o, bytes[i], i == 0, i + 1 == n, rfc4514);
}

enum cert_dn_form cert_dn_parse(const char *text, char *attr, size_t attr_size, char *value,
                                size_t value_size)
{
	struct typed_ava avas[MAX_AVAS];
	bool spaced = false;
	size_t n = split(text, avas, &spaced);
	if (n == 0 || value_size == 0)
		return CERT_DN_SUBSTRING;

	struct out o = {.buf = value, .size = value_size};
	value[0] = '\0';
	if (n == 1) {
		if (strlen(avas[0].attr) >= attr_size)
			return CERT_DN_SUBSTRING;
		put_value(&o, text, avas[0].start, avas[0].end, false);
		if (o.overflow)
			return CERT_DN_SUBSTRING;
		snprintf(attr, attr_size, "%s", avas[0].attr);
		return CERT_DN_ATTRIBUTE;
	}

	/* RFC 4514 order is most specific first. openssl's one-line form
	 * lists the attributes in encoded order, so it is read backwards,
	 * each separator staying between the same two attributes. */
	for (size_t k = 0; k < n; k++) {
		size_t i = spaced ? n - 1 - k : k;
		if (k > 0)
			put(&o, spaced ? avas[i + 1].separator : avas[i].separator);
		put_text(&o, avas[i].attr);
		put(&o, '=');
		put_value(&o, text, avas[i].start, avas[i].end, true);
	}
	if (o.overflow) {
		value[0] = '\0';
		return CERT_DN_SUBSTRING;
	}
	return CERT_DN_WHOLE;
}

bool cert_dn_value(const char *dn, const char *attr, size_t index, char *out, size_t size)
{
	struct typed_ava avas[MAX_AVAS];
	bool spaced = false;
	size_t n = split(dn, avas, &spaced);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(avas[i].attr, attr) != 0 || index-- > 0)
			continue;
		struct out o = {.buf = out, .size = size};
		if (size > 0)
			out[0] = '\0';
		put_value(&o, dn, avas[i].start, avas[i].end, false);
		return size > 0 && !o.overflow;
	}
	return false;
}
