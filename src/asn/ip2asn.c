/* Reader of iptoasn.com ip2asn TSV: range_start, range_end, AS_number,
 * country_code, AS_description, one range per line, IPv4 and IPv6. */
#include <ctype.h>
#include <string.h>

#include "asn/asn.h"
#include "asn/asn_internal.h"

/* ip2asn writes "None" for ranges without a country and "Unknown" for
 * some routed ones; both mean that none is known. */
static const char *parse_country(const char *text, char out[3])
{
	out[0] = '\0';
	if (text[0] == '\0' || strcmp(text, "None") == 0 || strcmp(text, "Unknown") == 0)
		return NULL;
	if (strlen(text) != 2 || !isalpha((unsigned char)text[0]) ||
	    !isalpha((unsigned char)text[1]))
		return "invalid country code (expected two letters or None)";
	out[0] = (char)toupper((unsigned char)text[0]);
	out[1] = (char)toupper((unsigned char)text[1]);
	out[2] = '\0';
	return NULL;
}

static const char *parse_ip2asn_line(struct asn_line *line, struct asn_range *range)
{
	if (line->nfields != 5)
		return "expected 5 tab-separated fields (range_start, range_end, AS_number, "
		       "country_code, AS_description)";
	if (!ip_key_parse(line->fields[0], &range->lo))
		return "invalid range_start address";
	if (!ip_key_parse(line->fields[1], &range->hi))
		return "invalid range_end address";
	if (ip_key_is_v4(&range->lo) != ip_key_is_v4(&range->hi))
		return "range_start and range_end are of different address families";
	if (memcmp(range->lo.b, range->hi.b, sizeof(range->lo.b)) > 0)
		return "range_end is below range_start";
	if (!asn_parse_number(line->fields[2], strlen(line->fields[2]), &range->asn))
		return "invalid AS_number (expected 0 to 4294967295)";
	const char *reason = parse_country(line->fields[3], range->country);
	if (reason != NULL)
		return reason;
	range->as_org = line->fields[4][0] != '\0' ? line->fields[4] : NULL;
	return NULL;
}

dn_status asn_ip2asn_parse(const char *data, size_t len, asn_range_fn fn, asn_bad_line_fn bad,
                           void *ctx, struct asn_parse_counts *counts)
{
	return asn_parse_lines(data, len, parse_ip2asn_line, fn, bad, ctx, counts);
}
