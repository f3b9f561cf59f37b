/* libFuzzer target: the CAIDA pfx2as reader. The input is the file's text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asn/asn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	uint64_t records;
	uint64_t bad_lines;
	uint64_t last_line;
};

static dn_status check_range(const struct asn_range *r, void *ctx)
{
	struct seen *s = ctx;
	s->records++;
	/* A record is an ordered range of one family with a terminated country. */
	if (memcmp(r->lo.b, r->hi.b, 16) > 0 || ip_key_is_v4(&r->lo) != ip_key_is_v4(&r->hi) ||
	    memchr(r->country, '\0', sizeof(r->country)) == NULL)
		abort();
	char cidrs[256];
	asn_range_format_cidrs(&r->lo, &r->hi, cidrs, sizeof(cidrs));
	if (memchr(cidrs, '\0', sizeof(cidrs)) == NULL)
		abort();
	/* A prefix: lo has no bits set below the length that hi fills. */
	unsigned len;
	if (!asn_range_prefix_len(&r->lo, &r->hi, &len))
		abort();
	if (r->origins != NULL && strpbrk(r->origins, "_,") == NULL)
		abort();
	/* Origins are rewritten as decimal numbers, the first being the ASN. */
	if (r->origins != NULL && (strspn(r->origins, "0123456789_,") != strlen(r->origins) ||
	                           !asn_range_has_origin(r, r->asn)))
		abort();
	return DN_OK;
}

static void check_bad(uint64_t line, const char *reason, void *ctx)
{
	struct seen *s = ctx;
	if (line == 0 || line <= s->last_line || reason == NULL || reason[0] == '\0')
		abort();
	s->last_line = line;
	s->bad_lines++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {0};
	struct asn_parse_counts counts;
	if (asn_pfx2as_parse((const char *)data, size, check_range, check_bad, &s, &counts) != DN_OK)
		abort();
	if (counts.records != s.records || counts.bad_lines != s.bad_lines ||
	    s.last_line > counts.lines)
		abort();
	asn_format_detect(data, size);
	return 0;
}
