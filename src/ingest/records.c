/* Records from dnstap frames and log lines: decoding, damage reports, and
 * the check that a log's lines fit the format they were read as. */
#include <string.h>

#include <libknot/libknot.h>

#include "ingest/internal.h"
#include "util/log.h"

void ingest_damaged(struct ingest *ing, struct ingest_tally *t, const struct dn_error *e)
{
	const struct ingest_counters *c = &ing->last;
	uint64_t before = c->dnstap_bad.count + c->feed_bad.count + c->feed_unsupported.count +
	                  c->feed_rejected.count;
	if (before < DETAILED_ERRORS)
		log_warn("%s: %s %llu: %s", ing->label, ingest_unit_name(c->unit),
		         (unsigned long long)ing->item, e->msg);
	else if (before == DETAILED_ERRORS)
		log_warn("%s: more damaged %ss follow; the summary counts them", ing->label,
		         ingest_unit_name(c->unit));
	ingest_tally_add(t, ing->item);
}

static bool dnstap_type_recorded(enum dnstap_type type)
{
	return type == DNSTAP_AUTH_RESPONSE || type == DNSTAP_RESOLVER_RESPONSE ||
	       type == DNSTAP_CLIENT_RESPONSE || type == DNSTAP_FORWARDER_RESPONSE;
}

/* One dnstap frame: decode, keep the responses of the recorded types, and
 * extract them as a packet's message is, with query_zone as bailiwick. */
void ingest_decode_dnstap(struct ingest *ing, const uint8_t *data, size_t len)
{
	struct ingest_counters *c = &ing->last;
	c->packets++;
	c->bytes += len;
	ing->item = c->resumed_after + c->packets;

	struct dnstap_message m;
	struct dn_error e;
	dn_status rc = dnstap_decode(ing->dnstap, data, len, &m, &e);
	if (rc == DN_ENOMEM) {
		ingest_fail(ing, rc, &e);
		return;
	}
	if (rc != DN_OK) {
		ingest_damaged(ing, &c->dnstap_bad, &e);
		return;
	}
	if (m.dns != NULL)
		c->messages++;
	if (!m.response) {
		c->dnstap_queries++;
		return;
	}
	if (!dnstap_type_recorded(m.type)) {
		c->dnstap_unused++;
		return;
	}
	if (m.dns == NULL || !m.has_time) {
		dn_fail(&e, DN_EMALF, "%s without %s", dnstap_type_name(m.type),
		        m.dns == NULL ? "a DNS message" : "a time");
		ingest_damaged(ing, &c->dnstap_bad, &e);
		return;
	}
	struct dns_message msg;
	enum dns_parse_result result = dns_parse_answers(ing->parser, m.dns, m.dns_len, &msg);
	if (result != DNS_PARSE_OK)
		ingest_tally_add(&c->parse[result], ing->item);
	if (!dns_parse_usable(result))
		return;
	if (!msg.qr) {
		dn_fail(&e, DN_EMALF, "%s holds a query, not a response", dnstap_type_name(m.type));
		ingest_damaged(ing, &c->dnstap_bad, &e);
		return;
	}
	c->responses++;

	/* query_zone names the zone of the server asked only in resolver and
	 * authoritative traffic; for a forwarder it is the forward zone (often
	 * "."), which says nothing about where the data came from. */
	struct pdns_extract_options options = {.zone = NULL};
	uint8_t zone[KNOT_DNAME_MAXLEN];
	bool zone_known = m.type == DNSTAP_RESOLVER_RESPONSE || m.type == DNSTAP_AUTH_RESPONSE;
	if (zone_known && m.query_zone != NULL && m.query_zone_len <= sizeof(zone) &&
	    knot_dname_wire_check(m.query_zone, m.query_zone + m.query_zone_len, NULL) ==
	        (int)m.query_zone_len) {
		memcpy(zone, m.query_zone, m.query_zone_len);
		knot_dname_to_lower(zone);
		options.zone = zone;
	}
	ingest_observe(ing, &msg, m.time_sec, &options);
}

static dn_status on_feed_record(const struct feed_record *rec, void *ctx)
{
	struct ingest *ing = ctx;
	struct ingest_counters *c = &ing->last;
	struct dn_error e;
	dn_status rc = feed_towire_add(ing->towire, rec, ing->source_id, ing->agg, &e);
	if (rc == DN_ENOMEM)
		return rc;
	if (rc != DN_OK) {
		ingest_damaged(ing, &c->feed_rejected, &e);
		return DN_OK;
	}
	c->feed_records++;
	c->observations++;
	if (!rec->negative)
		c->extract.answer_records++;
	else if (rec->rcode == 0)
		c->extract.nodata++;
	else
		c->extract.negatives++;
	return DN_OK;
}

dn_status ingest_discard_record(const struct feed_record *rec, void *ctx)
{
	(void)rec, (void)ctx;
	return DN_OK;
}

/* One line of a log. too_long: the line is over the limit and skipped. */
void ingest_decode_line(struct ingest *ing, const char *line, size_t len, bool too_long)
{
	struct ingest_counters *c = &ing->last;
	c->packets++;
	c->bytes += len + 1;
	ing->item = c->resumed_after + c->packets;
	struct dn_error e;
	if (too_long) {
		dn_fail(&e, DN_ELIMIT, "skipped, %zu bytes is longer than a line may be (1 MiB)",
		        len);
		ingest_damaged(ing, &c->feed_bad, &e);
		return;
	}
	if (ing->item == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3; /* a UTF-8 byte order mark */
		len -= 3;
	}
	dn_status rc = feed_parse_line(ing->feed, line, len, on_feed_record, ing, &e);
	if (rc == DN_ENOMEM) {
		ingest_fail(ing, rc, NULL);
		return;
	}
	if (rc == DN_ENOTSUP)
		ingest_damaged(ing, &c->feed_unsupported, &e);
	else if (rc != DN_OK)
		ingest_damaged(ing, &c->feed_bad, &e);
	ingest_check_memory(ing);
}

/* A text input of which no line could be read in the chosen format is
 * probably in another one: an error that names the format detected. */
dn_status ingest_check_format_fits(const struct ingest *ing, const struct capture_input *input,
                                   enum feed_format format, struct dn_error *err)
{
	const struct ingest_counters *c = &ing->last;
	if (c->feed_bad.count == 0 || c->feed_records > 0 || c->feed_unsupported.count > 0 ||
	    c->feed_rejected.count > 0)
		return DN_OK;
	size_t head_len;
	const uint8_t *head = capture_input_head(input, &head_len);
	enum feed_format detected = feed_detect((const char *)head, head_len);
	if (detected != FEED_UNKNOWN && detected != format)
		return dn_fail(err, DN_EFORMAT,
		               "%s: no line could be read as %s; the content looks like %s (leave "
		               "out --format, or give --format %s)",
		               ing->label, feed_format_name(format), feed_format_name(detected),
		               feed_format_name(detected));
	return dn_fail(err, DN_EFORMAT, "%s: no line could be read as %s", ing->label,
	               feed_format_name(format));
}
