/* Format names and detection, CIDR output and the line loop of the ASN readers. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "asn/asn.h"
#include "asn/asn_internal.h"

/* The metadata section of an MMDB file starts after these 14 bytes
 * (MaxMind DB File Format Specification 2.0, "Database Metadata"). */
static const uint8_t mmdb_marker[14] = {0xab, 0xcd, 0xef, 'M', 'a', 'x', 'M',
                                        'i',  'n',  'd',  '.', 'c', 'o', 'm'};

static const char *const format_names[] = {
	[ASN_FORMAT_IP2ASN] = "ip2asn",
	[ASN_FORMAT_PFX2AS] = "pfx2as",
	[ASN_FORMAT_MMDB] = "mmdb",
};

const char *asn_format_name(enum asn_format format)
{
	if (format <= ASN_FORMAT_UNKNOWN || format > ASN_FORMAT_MMDB)
		return NULL;
	return format_names[format];
}

enum asn_format asn_format_parse(const char *name)
{
	for (int f = ASN_FORMAT_IP2ASN; f <= ASN_FORMAT_MMDB; f++) {
		if (strcasecmp(name, format_names[f]) == 0)
			return (enum asn_format)f;
	}
	return ASN_FORMAT_UNKNOWN;
}

const char *asn_compression_detect(const uint8_t *data, size_t len)
{
	/* No ip2asn or pfx2as line starts with these bytes, because each
	 * starts with an address. An MMDB file might, so callers look for the
	 * MMDB marker first. */
	static const struct {
		const char *name;
		uint8_t magic[6];
		size_t len;
	} kinds[] = {
	        {"gzip", {0x1f, 0x8b}, 2},
	        {"zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4},
	        {"xz", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6},
	        {"bzip2", {'B', 'Z', 'h'}, 3},
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (len >= kinds[i].len && memcmp(data, kinds[i].magic, kinds[i].len) == 0)
			return kinds[i].name;
	}
	return NULL;
}

/* The number of tab-separated fields of the first data line, and whether
 * its second field is an address (ip2asn) or a number (pfx2as). */
enum asn_format asn_format_detect(const uint8_t *data, size_t len)
{
	if (len >= sizeof(mmdb_marker) && memmem(data, len, mmdb_marker, sizeof(mmdb_marker)))
		return ASN_FORMAT_MMDB;

	const char *p = (const char *)data, *end = p + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;
		if (eol > p && *p != '#' && *p != '\r') {
			size_t tabs = 0;
			const char *second = NULL;
			for (const char *q = p; q < eol; q++) {
				if (*q == '\t' && tabs++ == 0)
					second = q + 1;
			}
			if (tabs >= 4 && second != NULL && strcspn(second, ".:\t") < 40 &&
			    (second[strcspn(second, ".:\t")] == '.' ||
			     second[strcspn(second, ".:\t")] == ':'))
				return ASN_FORMAT_IP2ASN;
			if (tabs == 2 && second != NULL && second[0] >= '0' && second[0] <= '9')
				return ASN_FORMAT_PFX2AS;
			return ASN_FORMAT_UNKNOWN;
		}
		p = eol + 1;
	}
	return ASN_FORMAT_UNKNOWN;
}

bool asn_parse_number(const char *text, size_t len, uint32_t *asn)
{
	if (len >= 2 && (text[0] == 'A' || text[0] == 'a') && (text[1] == 'S' || text[1] == 's')) {
		text += 2;
		len -= 2;
	}
	if (len == 0 || len > 10)
		return false;
	uint64_t value = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (uint64_t)(text[i] - '0');
	}
	if (value > UINT32_MAX)
		return false;
	*asn = (uint32_t)value;
	return true;
}

bool asn_range_has_origin(const struct asn_range *range, uint32_t asn)
{
	if (range->asn == asn)
		return true;
	if (range->origins == NULL)
		return false;
	for (const char *p = range->origins;;) {
		size_t n = strcspn(p, "_,");
		uint32_t origin;
		if (asn_parse_number(p, n, &origin) && origin == asn)
			return true;
		if (p[n] == '\0')
			return false;
		p += n + 1;
	}
}

/* ---- Lines ---- */

static void split_fields(struct asn_line *line)
{
	line->nfields = 0;
	char *p = line->text;
	for (;;) {
		if (line->nfields < ASN_FIELDS_MAX)
			line->fields[line->nfields] = p;
		line->nfields++;
		char *tab = strchr(p, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
}

dn_status asn_parse_lines(const char *data, size_t len, asn_line_parse_fn parse,
                          asn_range_fn fn, asn_bad_line_fn bad, void *ctx,
                          struct asn_parse_counts *counts)
{
	static _Thread_local struct asn_line line;
	struct asn_parse_counts local = {0};
	if (counts == NULL)
		counts = &local;
	*counts = (struct asn_parse_counts){0};

	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;
		const char *next = nl != NULL ? nl + 1 : end;
		size_t n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		counts->lines++;

		const char *reason = NULL;
		if (n == 0 || p[0] == '#') {
			p = next;
			continue;
		}
		if (n > ASN_LINE_MAX) {
			reason = "line is longer than 4096 bytes";
		} else if (memchr(p, '\0', n) != NULL) {
			reason = "line contains a NUL byte";
		} else {
			memcpy(line.text, p, n);
			line.text[n] = '\0';
			split_fields(&line);
			struct asn_range range;
			memset(&range, 0, sizeof(range));
			reason = parse(&line, &range);
			if (reason == NULL) {
				counts->records++;
				dn_status rc = fn(&range, ctx);
				if (rc != DN_OK)
					return rc;
			}
		}
		if (reason != NULL) {
			counts->bad_lines++;
			if (bad != NULL)
				bad(counts->lines, reason, ctx);
		}
		p = next;
	}
	return DN_OK;
}

/* ---- CIDR output ---- */

typedef unsigned __int128 u128;

static u128 key_to_u128(const ip_key *key)
{
	u128 v = 0;
	for (int i = 0; i < 16; i++)
		v = (v << 8) | key->b[i];
	return v;
}

static void u128_to_key(u128 v, ip_key *key)
{
	for (int i = 15; i >= 0; i--) {
		key->b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* The largest prefix (fewest bits) that starts at lo and ends at or
 * before hi, in 128-bit terms. */
static unsigned largest_block(u128 lo, u128 hi)
{
	unsigned bits = 128;
	while (bits > 0) {
		unsigned host = 128 - bits + 1; /* host bits of a block one bit shorter */
		u128 size_mask = host >= 128 ? ~(u128)0 : (((u128)1 << host) - 1);
		if ((lo & size_mask) != 0 || (lo | size_mask) > hi)
			break;
		bits--;
	}
	return bits;
}

bool asn_range_prefix_len(const ip_key *lo, const ip_key *hi, unsigned *len)
{
	u128 a = key_to_u128(lo), b = key_to_u128(hi);
	if (a > b)
		return false;
	unsigned bits = largest_block(a, b);
	u128 host = bits == 0 ? ~(u128)0 : (((u128)1 << (128 - bits)) - 1);
	if ((a | host) != b)
		return false;
	bool v4 = ip_key_is_v4(lo) && ip_key_is_v4(hi);
	if (v4 && bits < 96)
		return false;
	*len = v4 ? bits - 96 : bits;
	return true;
}

bool asn_range_format_cidrs(const ip_key *lo, const ip_key *hi, char *out, size_t size)
{
	u128 a = key_to_u128(lo), b = key_to_u128(hi);
	bool v4 = ip_key_is_v4(lo) && ip_key_is_v4(hi);
	size_t used = 0;
	out[0] = '\0';
	while (a <= b) {
		unsigned bits = largest_block(a, b);
		if (v4 && bits < 96)
			bits = 96; /* cannot happen: both ends are in ::ffff:0:0/96 */
		ip_key start;
		u128_to_key(a, &start);
		char text[64];
		ip_key_format(&start, text, sizeof(text));
		int n = snprintf(out + used, size - used, "%s%s/%u", used > 0 ? ", " : "", text,
		                 v4 ? bits - 96 : bits);
		if (n < 0 || (size_t)n >= size - used) {
			if (size >= 4)
				memcpy(out + size - 4, "...", 4);
			return false;
		}
		used += (size_t)n;
		u128 block = bits == 0 ? ~(u128)0 : (((u128)1 << (128 - bits)) - 1);
		if (a + block == ~(u128)0 || a + block >= b)
			break;
		a += block + 1;
	}
	return true;
}
