/* Reader of CAIDA RouteViews prefix-to-AS files (pfx2as): prefix, prefix
 * length and origin AS, tab-separated. The origin is one AS, several that
 * announce the prefix ("64500_64501", multi-origin), an AS set
 * ("64500,64501") or a mix of both. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "asn/asn.h"
#include "asn/asn_internal.h"

/* Check every AS number of a '_' and ',' separated list, return the first
 * one, and rewrite the list in place in plain decimal ("AS064500" becomes
 * "64500"), so that the stored origins can be searched by number. The
 * rewrite never makes the text longer. */
static const char *parse_origins(char *text, uint32_t *first)
{
	const char *p = text;
	char *out = text;
	bool have_first = false;
	for (;;) {
		size_t n = strcspn(p, "_,");
		uint32_t asn;
		if (!asn_parse_number(p, n, &asn))
			return "invalid origin AS (expected AS numbers separated by '_' or ',')";
		if (!have_first) {
			*first = asn;
			have_first = true;
		}
		char separator = p[n];
		/* The decimal form is at most n bytes long, and out stays at or
		 * before p, so nothing unread is overwritten. */
		char number[16];
		int len = snprintf(number, sizeof(number), "%" PRIu32, asn);
		memmove(out, number, (size_t)len);
		out += len;
		*out++ = separator;
		if (separator == '\0')
			return NULL;
		p += n + 1;
	}
}

static const char *parse_pfx2as_line(struct asn_line *line, struct asn_range *range)
{
	if (line->nfields != 3)
		return "expected 3 tab-separated fields (prefix, length, AS)";

	uint8_t addr[16];
	bool v6 = strchr(line->fields[0], ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, line->fields[0], addr) != 1)
		return "invalid prefix address";
	uint32_t len;
	const char *len_text = line->fields[1];
	if (len_text[0] == 'A' || len_text[0] == 'a' ||
	    !asn_parse_number(len_text, strlen(len_text), &len) || len > (v6 ? 128u : 32u))
		return v6 ? "invalid prefix length (expected 0 to 128)"
		          : "invalid prefix length (expected 0 to 32)";

	if (v6)
		ip_key_from_v6(&range->lo, addr);
	else
		ip_key_from_v4(&range->lo, addr);
	unsigned keep = v6 ? len : 96 + len;
	range->hi = range->lo;
	for (unsigned bit = keep; bit < 128; bit++) {
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
		if (range->lo.b[bit / 8] & mask)
			return "prefix has host bits set below its length";
		range->hi.b[bit / 8] |= mask;
	}

	if (ip_key_is_v4(&range->lo) != ip_key_is_v4(&range->hi))
		return "prefix covers IPv6 and IPv4-mapped (::ffff:0:0/96) addresses";

	const char *reason = parse_origins(line->fields[2], &range->asn);
	if (reason != NULL)
		return reason;
	if (strpbrk(line->fields[2], "_,") != NULL)
		range->origins = line->fields[2];
	return NULL;
}

dn_status asn_pfx2as_parse(const char *data, size_t len, asn_range_fn fn, asn_bad_line_fn bad,
                           void *ctx, struct asn_parse_counts *counts)
{
	return asn_parse_lines(data, len, parse_pfx2as_line, fn, bad, ctx, counts);
}
