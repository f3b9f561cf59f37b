/* Feed records to wire-form observations. Names go through
 * knot_dname_from_str(), and rdata through libzscanner as the line
 * ". 0 IN TYPE RDATA", because libzscanner reads every type's
 * presentation form, RFC 3597's \# form included. */
#include "feed/towire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <libzscanner/scanner.h>

#include "dns/message.h"
#include "dns/rdata.h"
#include "pdns/name.h"


struct feed_towire {
	zs_scanner_t scanner;
	bool scanner_ready;
	struct dns_parser *parser;
	char *line;         /* ". 0 IN TYPE RDATA\n" */
	size_t line_size;
	uint8_t rdata[65536];
};

dn_status feed_towire_new(struct feed_towire **out)
{
	*out = NULL;
	struct feed_towire *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return DN_ENOMEM;
	t->parser = dns_parser_new();
	if (t->parser == NULL || zs_init(&t->scanner, ".", KNOT_CLASS_IN, 0) != 0) {
		feed_towire_free(t);
		return DN_ENOMEM;
	}
	t->scanner_ready = true;
	*out = t;
	return DN_OK;
}

void feed_towire_free(struct feed_towire *t)
{
	if (t == NULL)
		return;
	if (t->scanner_ready)
		zs_deinit(&t->scanner);
	dns_parser_free(t->parser);
	free(t->line);
	free(t);
}

/* A name in presentation form to a lower-cased wire name in out. */
static dn_status read_name(const char *text, const char *what, uint8_t out[KNOT_DNAME_MAXLEN],
                           size_t *len, struct dn_error *err)
{
	if (text == NULL || text[0] == '\0')
		return dn_fail(err, DN_EMALF, "empty %s", what);
	/* UTF-8 names (as some exports write IDNs) are stored in A-label form,
	 * as lookups expect; bytes that are not valid UTF-8 stay as they are. */
	char ascii[PDNS_NAME_BUF];
	bool plain = true;
	for (const char *p = text; *p != '\0'; p++)
		plain = plain && (unsigned char)*p < 0x80;
	struct dn_error idn_err;
	if (!plain && pdns_name_normalize(text, ascii, sizeof(ascii), &idn_err) == DN_OK)
		text = ascii;
	if (knot_dname_from_str(out, text, KNOT_DNAME_MAXLEN) == NULL)
		return dn_fail(err, DN_EMALF, "%s '%.80s' is not a valid domain name", what, text);
	knot_dname_to_lower(out);
	*len = knot_dname_size(out);
	return DN_OK;
}

/* Scan the rdata of rec; on success the wire rdata is in
 * t->scanner.r_data. */
static dn_status scan_rdata(struct feed_towire *t, const struct feed_record *rec,
                            struct dn_error *err)
{
	char type[32];
	const char *rdata = rec->rdata;
	/* libzscanner takes RFC 3597's \# form only under a TYPEnnn name, and
	 * some names libknot prints (NULL) it does not read at all. */
	bool generic = rdata != NULL && strncmp(rdata, "\\# ", 3) == 0;
	if (generic || knot_rrtype_to_string(rec->rrtype, type, sizeof(type)) < 0)
		snprintf(type, sizeof(type), "TYPE%u", rec->rrtype);
	if (rdata == NULL)
		return dn_fail(err, DN_EMALF, "%s record without rdata", type);
	/* A line end or NUL inside would end the scanner's line early and let
	 * the rest be read as another record. */
	size_t rdata_len = strlen(rdata);
	if (strpbrk(rdata, "\n\r") != NULL)
		return dn_fail(err, DN_EMALF, "%s rdata holds a line break", type);

	size_t need = rdata_len + strlen(type) + 16;
	if (need > t->line_size) {
		char *grown = realloc(t->line, need);
		if (grown == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory");
		t->line = grown;
		t->line_size = need;
	}
	int n = snprintf(t->line, t->line_size, ". 0 IN %s %s\n", type, rdata);

	zs_scanner_t *s = &t->scanner;
	if (zs_set_input_string(s, t->line, (size_t)n) != 0 || zs_parse_record(s) != 0)
		return dn_fail(err, DN_EMALF, "%s rdata '%.80s' cannot be read", type, rdata);
	if (s->state == ZS_STATE_DATA) {
		if (s->r_type != rec->rrtype)
			return dn_fail(err, DN_EMALF, "%s rdata '%.80s' cannot be read", type, rdata);
		return DN_OK;
	}
	const char *why = s->state == ZS_STATE_ERROR ? zs_strerror(s->error.code) : "no record";
	dn_status rc = dn_fail(err, DN_EMALF, "%s rdata '%.80s' cannot be read: %s", type,
	                       rdata, why);
	if (s->state == ZS_STATE_ERROR) {
		/* Start from a clean scanner; an error may leave it mid-record. */
		zs_deinit(s);
		t->scanner_ready = zs_init(s, ".", KNOT_CLASS_IN, 0) == 0;
		if (!t->scanner_ready)
			return dn_fail(err, DN_ENOMEM, "out of memory");
	}
	return rc;
}

dn_status feed_towire_add(struct feed_towire *t, const struct feed_record *rec,
                          uint32_t source_id, struct pdns_agg *agg, struct dn_error *err)
{
	if (!t->scanner_ready)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	if (rec->count == 0 || rec->time_last < rec->time_first)
		return dn_fail(err, DN_EMALF, "count 0 or last seen before first seen");
	if (rec->count > FEED_COUNT_MAX)
		return dn_fail(err, DN_EMALF, "count %llu is implausibly large (over 10^15)",
		               (unsigned long long)rec->count);
	if (!feed_record_plausible(rec))
		return dn_fail(err, DN_EMALF,
		               "time %lld is before 1970 or after 2199",
		               (long long)(rec->time_first < 0 ? rec->time_first : rec->time_last));

	uint8_t owner[KNOT_DNAME_MAXLEN], zone[KNOT_DNAME_MAXLEN];
	size_t owner_len = 0, zone_len = 0;
	dn_status rc = read_name(rec->rrname, "name", owner, &owner_len, err);
	if (rc != DN_OK)
		return rc;
	if (rec->bailiwick != NULL && rec->bailiwick[0] != '\0') {
		rc = read_name(rec->bailiwick, "bailiwick", zone, &zone_len, err);
		if (rc != DN_OK)
			return rc;
		/* A bailiwick that does not enclose the name says nothing. */
		if (knot_dname_in_bailiwick(owner, zone) < 0)
			zone_len = 0;
	}

	struct pdns_obs obs = {
		.source_id = source_id,
		.kind = rec->negative ? PDNS_KIND_NEGATIVE : PDNS_KIND_RRSET,
		.rrtype = rec->rrtype,
		.rcode = rec->negative ? rec->rcode : 0,
		.owner = owner,
		.owner_len = owner_len,
		.bailiwick = zone_len > 0 ? zone : NULL,
		.bailiwick_len = zone_len,
	};
	if (!rec->negative) {
		if (rec->rrtype == 0)
			return dn_fail(err, DN_EMALF, "record of type 0");
		if (dns_type_is_meta(rec->rrtype))
			return dn_fail(err, DN_EMALF, "record of meta type %u", rec->rrtype);
		rc = scan_rdata(t, rec, err);
		if (rc != DN_OK)
			return rc;
		long len = dns_rdata_canonical(t->parser, rec->rrtype, t->scanner.r_data,
		                               (uint16_t)t->scanner.r_data_length, t->rdata);
		if (len < 0)
			return dn_fail(err, DN_EMALF, "rdata '%.80s' does not fit its type", rec->rdata);
		obs.rdata = t->rdata;
		obs.rdata_len = (size_t)len;
	}
	return pdns_agg_add_span(agg, &obs, rec->time_first, rec->time_last, rec->count);
}
