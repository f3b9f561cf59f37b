/* The pDNS query model: what to look up, matched how, fenced by which times. */
#include "pdns/query.h"

#include <stdio.h>
#include <string.h>

#include "pdns/name.h"
#include "pdns/record.h"

void pdns_query_init(struct pdns_query *q)
{
	memset(q, 0, sizeof(*q));
	q->kind = PDNS_QUERY_RRNAME;
	q->match = PDNS_MATCH_EXACT;
	q->first_after = PDNS_TIME_UNSET;
	q->first_before = PDNS_TIME_UNSET;
	q->last_after = PDNS_TIME_UNSET;
	q->last_before = PDNS_TIME_UNSET;
	q->sort = PDNS_SORT_FIRST;
}

/* True when text holds a '*' that no backslash escapes. */
static bool has_bare_star(const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '*')
			return true;
	}
	return false;
}

/* Split a wildcard off text and normalise the rest into q->name. */
static dn_status set_name_pattern(struct pdns_query *q, const char *text, struct dn_error *err)
{
	const char *pattern = text;
	size_t len = strlen(text);
	char stem[1024];

	q->match = PDNS_MATCH_EXACT;
	if (len >= 2 && text[0] == '*' && text[1] == '.') {
		q->match = PDNS_MATCH_LEFT;
		text += 2;
		len -= 2;
	} else if (len >= 2 && strcmp(text + len - 2, ".*") == 0) {
		q->match = PDNS_MATCH_RIGHT;
		len -= 2;
	} else if (len >= 3 && strcmp(text + len - 3, ".*.") == 0) {
		q->match = PDNS_MATCH_RIGHT;
		len -= 3;
	}
	if (len == 0 || len >= sizeof(stem))
		return dn_fail(err, DN_EINVAL, "invalid name pattern '%s'", pattern);
	memcpy(stem, text, len);
	stem[len] = '\0';
	if (stem[strcspn(stem, " \t\r\n")] != '\0')
		return dn_fail(err, DN_EINVAL,
		               "invalid name pattern '%s': it holds white space; remove it, or "
		               "write \\032 for a space that is part of the name",
		               pattern);
	if (has_bare_star(stem))
		return dn_fail(err, DN_EINVAL,
		               "invalid name pattern '%s': a wildcard may only be the first label "
		               "(*.example.com) or the last (www.example.*); write \\* for a "
		               "literal asterisk",
		               pattern);
	return pdns_name_normalize(stem, q->name, sizeof(q->name), err);
}

dn_status pdns_query_set_rrname(struct pdns_query *q, const char *text, struct dn_error *err)
{
	q->kind = PDNS_QUERY_RRNAME;
	return set_name_pattern(q, text, err);
}

dn_status pdns_query_add_source(struct pdns_query *q, const char *name, struct dn_error *err)
{
	size_t len = strlen(name);
	if (len == 0)
		return dn_fail(err, DN_EINVAL, "invalid source name: it is empty");
	if (len >= PDNS_SOURCE_NAME_BUF)
		return dn_fail(err, DN_EINVAL,
		               "invalid source name '%.40s...': longer than %d bytes", name,
		               PDNS_SOURCE_NAME_BUF - 1);
	for (size_t i = 0; i < q->nsources; i++) {
		if (strcmp(q->sources[i], name) == 0)
			return DN_OK;
	}
	if (q->nsources == PDNS_QUERY_MAX_SOURCES)
		return dn_fail(err, DN_EINVAL, "too many sources in the filter (at most %d)",
		               PDNS_QUERY_MAX_SOURCES);
	memcpy(q->sources[q->nsources++], name, len + 1);
	return DN_OK;
}

bool pdns_text_is_ip_range(const char *text)
{
	struct ip_range range;
	return ip_range_parse(text, &range);
}

bool pdns_text_looks_like_address(const char *text)
{
	/* Text with a ':', or with a '.' and nothing but digits, dots, '/' and
	 * '-', is meant as an address, prefix or range. Anything else is a name: RFC 2317 names
	 * such as 0/25.2.0.192.in-addr.arpa contain a '/' but also letters.
	 * A final dot marks a name, so 192.0.2.1. is one. */
	if (strchr(text, ':') != NULL)
		return true;  /* no host name has one; write \058 in a name that does */
	size_t len = strlen(text);
	if (len == 0 || text[len - 1] == '.' || strpbrk(text, "0123456789") == NULL)
		return false;
	return strspn(text, "0123456789./-") == len && strchr(text, '.') != NULL;
}

dn_status pdns_query_set_rdata(struct pdns_query *q, const char *text, struct dn_error *err)
{
	if (ip_range_parse(text, &q->range)) {
		q->kind = PDNS_QUERY_RDATA_IP;
		return DN_OK;
	}
	/* Something that looks like an address, prefix or range but did not
	 * parse is an error, not a host name. */
	if (pdns_text_looks_like_address(text))
		return dn_fail(err, DN_EINVAL,
		               "invalid address, prefix or range '%s' (expected 192.0.2.1, "
		               "192.0.2.0/24, 2001:db8::/32 or 192.0.2.10-192.0.2.20, with "
		               "START not above END and both of one family)",
		               text);
	q->kind = PDNS_QUERY_RDATA_NAME;
	return set_name_pattern(q, text, err);
}
