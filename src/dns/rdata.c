/* Presentation format of names, types, rcodes and rdata, and the index values
 * (addresses, target names) that reverse lookups search by. */
#include "dns/rdata.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include <libknot/libknot.h>

#include "dns/message.h"

/* Letters, digits, '-' and '_' are written as they are; anything else
 * needs an escape, which libknot decides. */
static bool plain_label_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Write a name made only of plain bytes, the common case, without libknot;
 * returns 0 (and writes nothing useful) when some byte needs an escape. */
static size_t format_plain_name(const uint8_t *wire, char *buf, size_t size)
{
	size_t len = 0;
	if (wire[0] == 0) {
		if (size < 2)
			return 0;
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	}
	for (const uint8_t *p = wire; *p != 0; p += 1 + *p) {
		if (*p > 63 || len + *p + 2 > size)
			return 0;
		for (uint8_t i = 1; i <= *p; i++) {
			if (!plain_label_byte(p[i]))
				return 0;
			buf[len++] = (char)p[i];
		}
		buf[len++] = '.';
	}
	buf[len] = '\0';
	return len;
}

size_t dns_name_format(const uint8_t *wire, char *buf, size_t size)
{
	size_t plain = format_plain_name(wire, buf, size);
	if (plain > 0)
		return plain;

	/* knot_dname_to_str() in libknot 3.2 fails unless the buffer has one
	 * byte more than the text and its terminator need, so format into a
	 * buffer that is always large enough and copy. */
	char text[DNS_NAME_TEXT_MAX + 1];
	if (knot_dname_to_str(text, wire, sizeof(text)) == NULL)
		return 0;
	size_t len = strlen(text);
	if (len >= size)
		return 0;
	memcpy(buf, text, len + 1);
	return len;
}

static int dump_rdata(const knot_rrset_t *rrset, char *buf, size_t size, bool generic)
{
	knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
	style.generic = generic;
	return knot_rrset_txt_dump_data(rrset, 0, buf, size, &style);
}

/* Write "\# LEN HEX" (RFC 3597 section 5) without libknot, so that types it
 * has no descriptor for are written too. Returns -1 when buf is too small. */
static long format_generic(const uint8_t *rdata, uint16_t rdlen, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	int n = snprintf(buf, size, "\\# %u%s", rdlen, rdlen > 0 ? " " : "");
	if (n < 0 || (size_t)n + 2u * rdlen >= size)
		return -1;
	char *p = buf + n;
	for (uint16_t i = 0; i < rdlen; i++) {
		*p++ = hex[rdata[i] >> 4];
		*p++ = hex[rdata[i] & 0x0f];
	}
	*p = '\0';
	return p - buf;
}

static bool grow(char **text, size_t *size, size_t want)
{
	if (*size >= want)
		return true;
	char *bigger = realloc(*text, want);
	if (bigger == NULL)
		return false;
	*text = bigger;
	*size = want;
	return true;
}

/* Dotted decimal; text has room for 16 bytes. */
static long format_ipv4(const uint8_t *address, char *text)
{
	char *p = text;
	for (int i = 0; i < 4; i++) {
		unsigned v = address[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	return p - text - 1;
}

/* Type bitmap (RFC 4034 section 4.1.2): windows in rising order, each with a
 * length of 1 to 32 bytes that fits. */
static bool bitmap_valid(const uint8_t *p, size_t len)
{
	int last_window = -1;
	size_t pos = 0;
	while (pos < len) {
		if (len - pos < 2 || (int)p[pos] <= last_window || p[pos + 1] == 0 ||
		    p[pos + 1] > 32 || len - pos - 2 < p[pos + 1])
			return false;
		last_window = p[pos];
		pos += 2 + (size_t)p[pos + 1];
	}
	return true;
}

/* One or more character-strings filling len exactly (RFC 1035 section 3.3). */
static bool strings_valid(const uint8_t *p, size_t len, size_t count)
{
	size_t pos = 0, n = 0;
	while (pos < len) {
		if (len - pos < 1u + p[pos])
			return false;
		pos += 1u + p[pos];
		n++;
	}
	return count == 0 ? n > 0 : n == count;
}

/* SVCB and HTTPS (RFC 9460 section 2.2): priority, an uncompressed target
 * name, then parameters with rising keys, each within the rdata. */
static bool svcb_valid(const uint8_t *p, size_t len)
{
	size_t pos = 2;
	while (pos < len && p[pos] != 0) {
		if ((p[pos] & 0xc0) != 0 || len - pos < 1u + p[pos])
			return false;
		pos += 1u + p[pos];
	}
	if (pos >= len)
		return false;
	pos++;
	long last_key = -1;
	while (pos < len) {
		if (len - pos < 4)
			return false;
		long key = p[pos] << 8 | p[pos + 1];
		size_t value = (size_t)(p[pos + 2] << 8 | p[pos + 3]);
		if (key <= last_key || len - pos - 4 < value)
			return false;
		last_key = key;
		pos += 4 + value;
	}
	return true;
}

/*
 * Check the inner lengths of rdata whose presentation libknot derives from
 * them. libknot's parser treats these fields as opaque, and its printer
 * trusts them: under AddressSanitizer, an NSEC3 record with a salt length
 * beyond its rdata overflowed the stack inside knot_rrset_txt_dump_data().
 * Rdata that fails these checks is written in the generic form instead.
 */
static bool layout_valid(uint16_t type, const uint8_t *p, size_t len)
{
	size_t pos;
	switch (type) {
	case KNOT_RRTYPE_TXT:
	case KNOT_RRTYPE_SPF:
		return strings_valid(p, len, 0);
	case KNOT_RRTYPE_HINFO:
		return strings_valid(p, len, 2);
	case KNOT_RRTYPE_NSEC3:
		if (len < 5 || len - 5 < p[4])
			return false;
		pos = 5 + (size_t)p[4];
		if (pos >= len || p[pos] == 0 || len - pos - 1 < p[pos])
			return false;
		pos += 1 + (size_t)p[pos];
		return bitmap_valid(p + pos, len - pos);
	case KNOT_RRTYPE_NSEC3PARAM:
		return len >= 5 && len - 5 == p[4];
	case KNOT_RRTYPE_CSYNC:
		return len >= 6 && bitmap_valid(p + 6, len - 6);
	case KNOT_RRTYPE_CAA:
		return len >= 2 && p[1] > 0 && len - 2 >= p[1];
	case KNOT_RRTYPE_SVCB:
	case KNOT_RRTYPE_HTTPS:
		return len >= 3 && svcb_valid(p, len);
	case KNOT_RRTYPE_NSEC: {
		size_t name_len;
		if (dns_rdata_target(KNOT_RRTYPE_DNAME, p, (uint16_t)len, &name_len) == NULL)
			return true; /* a name that is no name is caught by libknot */
		return bitmap_valid(p + name_len, len - name_len);
	}
	default:
		return true;
	}
}

/* The most frequent types written directly: A in dotted decimal, AAAA in
 * RFC 5952 form (inet_ntop), and the single-name types as libknot writes
 * them (test_dns_rdata.c compares both).
 * Returns -1 for every other type or malformed rdata, which then goes
 * through libknot. size is at least 512 bytes. */
static long format_common(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char *text,
                          size_t size)
{
	switch (type) {
	case KNOT_RRTYPE_A:
		if (rdlen != 4)
			return -1;
		return format_ipv4(rdata, text);
	case KNOT_RRTYPE_AAAA:
		/* RFC 5952 text, as dig and tshark show it. libknot 3.2 differs
		 * when two zero runs are equally long: it shortens the second,
		 * where RFC 5952 section 4.2.3 requires the first. */
		if (rdlen != 16 || inet_ntop(AF_INET6, rdata, text, (socklen_t)size) == NULL)
			return -1;
		return (long)strlen(text);
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_PTR:
	case KNOT_RRTYPE_DNAME: {
		size_t len;
		if (dns_rdata_target(type, rdata, rdlen, &len) == NULL || len != rdlen)
			return -1;
		size_t n = dns_name_format(rdata, text, size);
		return n > 0 ? (long)n : -1;
	}
	default:
		return -1;
	}
}

long dns_rdata_format(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char **text,
                      size_t *size)
{
	/* Generic form needs "\# 65535 " plus two hex digits a byte; the
	 * presentation form is at most four characters a byte (\DDD escapes)
	 * plus separators, so 5 bytes a byte is enough. Type bitmaps are the
	 * exception, and the buffer grows for them further below. */
	size_t want = 16 + (size_t)rdlen * 5;
	if (want < 512)
		want = 512;
	if (!grow(text, size, want))
		return -1;

	long fast = format_common(type, rdata, rdlen, *text, *size);
	if (fast >= 0)
		return fast;

	bool known = knot_get_rdata_descriptor(type)->type_name != NULL;
	if (!known || !layout_valid(type, rdata, rdlen))
		return format_generic(rdata, rdlen, *text, *size);

	/* Build a one-record rrset around a copy of rdata, as libknot wants its
	 * knot_rdata_t layout (length prefix, even padding). */
	uint8_t small[512];
	size_t need = knot_rdata_size(rdlen);
	knot_rdata_t *rd = need <= sizeof(small) ? (knot_rdata_t *)small : malloc(need);
	if (rd == NULL)
		return -1;
	knot_rdata_init(rd, rdlen, rdata);

	static const uint8_t root[] = {0};
	knot_rrset_t rrset;
	knot_rrset_init(&rrset, (knot_dname_t *)root, type, KNOT_CLASS_IN, 0);
	rrset.rrs.count = 1;
	rrset.rrs.size = (uint32_t)need;
	rrset.rrs.rdata = rd;

	/* Type bitmaps (NSEC, NSEC3, CSYNC) outgrow the estimate above: one
	 * byte lists up to eight types of up to ten characters ("TYPE65535 ").
	 * Grow up to that bound while libknot reports too little space. */
	size_t max_size = DNS_NAME_TEXT_MAX + 16 + (size_t)rdlen * 80;
	int n = dump_rdata(&rrset, *text, *size, false);
	while (n == KNOT_ESPACE && *size < max_size) {
		size_t bigger = *size * 2 < max_size ? *size * 2 : max_size;
		if (!grow(text, size, bigger)) {
			n = KNOT_ENOMEM;
			break;
		}
		n = dump_rdata(&rrset, *text, *size, false);
	}
	if (rd != (knot_rdata_t *)small)
		free(rd);
	if (n == KNOT_ENOMEM)
		return -1;
	if (n >= 0) {
		/* libknot 3.2 ends CAA text with a space. */
		while (n > 0 && (*text)[n - 1] == ' ')
			(*text)[--n] = '\0';
		return n;
	}

	/* Rdata that does not match its type's layout (a 5-byte A record, a
	 * cut-off SOA) is shown in the generic form rather than dropped. */
	return format_generic(rdata, rdlen, *text, *size);
}

void dns_type_format(uint16_t type, char *buf, size_t size)
{
	if (knot_rrtype_to_string(type, buf, size) < 0)
		snprintf(buf, size, "TYPE%u", type);
}

bool dns_type_parse(const char *text, uint16_t *type)
{
	char upper[32];
	size_t len = strlen(text);
	if (len == 0 || len >= sizeof(upper))
		return false;
	/* RFC 3597 section 5: "TYPE" and decimal digits only. libknot would also
	 * take the sign and white space that strtoul() skips. */
	if (strncasecmp(text, "TYPE", 4) == 0 && strspn(text + 4, "0123456789") != len - 4)
		return false;
	for (size_t i = 0; i <= len; i++)
		upper[i] = (char)toupper((unsigned char)text[i]);
	return knot_rrtype_from_string(upper, type) == 0;
}

void dns_rcode_format(uint16_t rcode, char *buf, size_t size)
{
	const knot_lookup_t *item = knot_lookup_by_id(knot_rcode_names, rcode);
	if (item != NULL)
		snprintf(buf, size, "%s", item->name);
	else
		snprintf(buf, size, "RCODE%u", rcode);
}

bool dns_rcode_parse(const char *text, uint16_t *rcode)
{
	if (strncasecmp(text, "RCODE", 5) == 0 && isdigit((unsigned char)text[5])) {
		char *end;
		unsigned long v = strtoul(text + 5, &end, 10);
		if (*end != '\0' || v > 4095)
			return false;
		*rcode = (uint16_t)v;
		return true;
	}
	for (const knot_lookup_t *item = knot_rcode_names; item->name != NULL; item++) {
		if (strcasecmp(item->name, text) == 0) {
			*rcode = (uint16_t)item->id;
			return true;
		}
	}
	return false;
}

bool dns_type_is_meta(uint16_t type)
{
	/* Not knot_rrtype_is_metatype(): in libknot 3.2 it includes SIG, a data
	 * type, and leaves out MAILA and MAILB. */
	switch (type) {
	case KNOT_RRTYPE_OPT:
	case KNOT_RRTYPE_TKEY:
	case KNOT_RRTYPE_TSIG:
	case KNOT_RRTYPE_IXFR:
	case KNOT_RRTYPE_AXFR:
	case 253: /* MAILB */
	case 254: /* MAILA */
	case KNOT_RRTYPE_ANY:
		return true;
	default:
		return false;
	}
}

bool dns_rdata_ip(uint16_t type, const uint8_t *rdata, uint16_t rdlen, ip_key *ip)
{
	if (type == KNOT_RRTYPE_A && rdlen == 4) {
		ip_key_from_v4(ip, rdata);
		return true;
	}
	if (type == KNOT_RRTYPE_AAAA && rdlen == 16) {
		ip_key_from_v6(ip, rdata);
		return true;
	}
	return false;
}

/* Offset of the name inside rdata for types whose target follows fixed-size
 * fields, or -1 when the type has no target. */
static int target_offset(uint16_t type)
{
	switch (type) {
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_DNAME:
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_PTR:
	case KNOT_RRTYPE_SOA:
		return 0;
	case KNOT_RRTYPE_MX:
	case KNOT_RRTYPE_KX:
	case KNOT_RRTYPE_AFSDB:
	case KNOT_RRTYPE_RT:
	case KNOT_RRTYPE_SVCB:
	case KNOT_RRTYPE_HTTPS:
		return 2;  /* preference or priority */
	case KNOT_RRTYPE_SRV:
		return 6;  /* priority, weight, port */
	default:
		return -1;
	}
}

const uint8_t *dns_rdata_target(uint16_t type, const uint8_t *rdata, uint16_t rdlen, size_t *len)
{
	int offset = target_offset(type);
	if (type == KNOT_RRTYPE_NAPTR) {
		size_t header = dns_naptr_header_size(rdata, rdlen);
		offset = header > 0 ? (int)header : -1;
	}
	if (offset < 0 || offset >= rdlen)
		return NULL;

	/* Names in parsed rdata are uncompressed; a check against the rdata end
	 * guards against rdata that never went through libknot. */
	const uint8_t *name = rdata + offset;
	int size = knot_dname_wire_check(name, rdata + rdlen, NULL);
	if (size <= 0)
		return NULL;
	*len = (size_t)size;
	return name;
}
