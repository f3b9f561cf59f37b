/* Passive-DNS semantics: which parts of a response become observations. */
#include "pdns/extract.h"

#include <assert.h>
#include <string.h>

#include <libknot/libknot.h>

#include "dns/rdata.h"

#define MDNS_CACHE_FLUSH 0x8000u

/* Byte-wise equality of two uncompressed wire names, which the parser has
 * lower-cased. This path runs for every record of every response, so an
 * inline loop is used rather than knot_dname_is_equal(). */
static inline bool same_name(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		uint8_t len = *a;
		if (len != *b)
			return false;
		if (len == 0)
			return true;
		if (memcmp(a + 1, b + 1, len) != 0)
			return false;
		a += len + 1;
		b += len + 1;
	}
}

/* In mDNS the top bit of a class is a flag: cache-flush in a record, and in
 * a question a request for a unicast response (RFC 6762 sections 10.2 and
 * 5.4). Both sit on the same bit. */
static uint16_t mdns_class(uint16_t rclass, const struct pdns_extract_options *options)
{
	return options->mdns ? (uint16_t)(rclass & ~MDNS_CACHE_FLUSH) : rclass;
}

static uint16_t record_class(const struct dns_rr *rr, const struct pdns_extract_options *options)
{
	return mdns_class(rr->rclass, options);
}

/* Deepest NS/SOA owner of class IN in the answer or authority section that
 * encloses the question name; NULL when none does or the answer is not
 * authoritative. */
static const uint8_t *find_zone(const struct dns_message *msg,
                                const struct pdns_extract_options *options)
{
	if (!msg->aa || !msg->has_question)
		return NULL;

	const uint8_t *zone = NULL;
	int zone_labels = -1;
	for (int s = DNS_ANSWER; s <= DNS_AUTHORITY; s++) {
		for (size_t i = 0; i < msg->count[s]; i++) {
			const struct dns_rr *rr = &msg->rr[s][i];
			if (rr->type != KNOT_RRTYPE_NS && rr->type != KNOT_RRTYPE_SOA)
				continue;
			if (record_class(rr, options) != KNOT_CLASS_IN)
				continue;
			if (knot_dname_in_bailiwick(msg->qname, rr->owner) < 0)
				continue;
			int labels = (int)knot_dname_labels(rr->owner, NULL);
			if (labels > zone_labels) {
				zone = rr->owner;
				zone_labels = labels;
			}
		}
	}
	return zone;
}

static dn_status observe_record(const struct dns_rr *rr, const uint8_t *zone, uint32_t source_id,
                                int64_t time, struct pdns_agg *agg)
{
	struct pdns_obs obs = {
		.source_id = source_id,
		.kind = PDNS_KIND_RRSET,
		.rrtype = rr->type,
		.owner = rr->owner,
		.owner_len = rr->owner_len,
		.rdata = rr->rdata,
		.rdata_len = rr->rdlen,
	};
	if (zone != NULL && knot_dname_in_bailiwick(rr->owner, zone) >= 0) {
		obs.bailiwick = zone;
		obs.bailiwick_len = knot_dname_size(zone);
	}
	return pdns_agg_add(agg, &obs, time);
}

/* Resolvers give up on chains shorter than this. */
#define MAX_CNAME_HOPS 16

/* Follow CNAMEs from the question name through the answer section; the
 * result is the name a negative answer is about. A CNAME cycle or a crafted
 * message of thousands of CNAMEs costs at most MAX_CNAME_HOPS passes over
 * the answers. A CNAME or ANY query is answered by the CNAME itself
 * (RFC 1034 section 4.3.2), so its chain is not followed. */
static const uint8_t *chain_end(const struct dns_message *msg)
{
	const uint8_t *name = msg->qname;
	if (msg->qtype == KNOT_RRTYPE_CNAME || msg->qtype == KNOT_RRTYPE_ANY)
		return name;
	size_t n = msg->count[DNS_ANSWER];
	for (size_t hops = 0; hops < n && hops < MAX_CNAME_HOPS; hops++) {
		const struct dns_rr *next = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct dns_rr *rr = &msg->rr[DNS_ANSWER][i];
			if (rr->type == KNOT_RRTYPE_CNAME && rr->rdlen > 0 &&
			    same_name(rr->owner, name)) {
				next = rr;
				break;
			}
		}
		if (next == NULL)
			break;
		name = next->rdata;
	}
	return name;
}

/* True when the answer section contains data of the question type owned by
 * name. Without it a NOERROR response is NODATA for name (RFC 2308 section
 * 2.2), also after a CNAME chain. For a meta question type (ANY, AXFR,
 * IXFR, ...) any data record answers. */
static bool has_answer(const struct dns_message *msg, const uint8_t *name,
                       const struct pdns_extract_options *options)
{
	bool any_type = dns_type_is_meta(msg->qtype);
	for (size_t i = 0; i < msg->count[DNS_ANSWER]; i++) {
		const struct dns_rr *rr = &msg->rr[DNS_ANSWER][i];
		if (dns_type_is_meta(rr->type) || record_class(rr, options) != KNOT_CLASS_IN)
			continue;
		if (any_type)
			return true;
		if (rr->type == msg->qtype && same_name(rr->owner, name))
			return true;
	}
	return false;
}

static bool is_referral(const struct dns_message *msg)
{
	bool has_ns = false;
	for (size_t i = 0; i < msg->count[DNS_AUTHORITY]; i++) {
		uint16_t type = msg->rr[DNS_AUTHORITY][i].type;
		if (type == KNOT_RRTYPE_SOA)
			return false;
		if (type == KNOT_RRTYPE_NS)
			has_ns = true;
	}
	return has_ns;
}

static dn_status observe_negative(const struct dns_message *msg, const uint8_t *subject,
                                  const uint8_t *zone, uint32_t source_id, int64_t time,
                                  struct pdns_agg *agg, struct pdns_extract_counters *counters)
{
	struct pdns_obs obs = {
		.source_id = source_id,
		.kind = PDNS_KIND_NEGATIVE,
		.rrtype = msg->qtype,
		.rcode = msg->rcode,
		.owner = subject,
		.owner_len = knot_dname_size(subject),
	};
	if (zone != NULL && knot_dname_in_bailiwick(subject, zone) >= 0) {
		obs.bailiwick = zone;
		obs.bailiwick_len = knot_dname_size(zone);
	}
	if (msg->rcode == KNOT_RCODE_NOERROR)
		counters->nodata++;
	else
		counters->negatives++;
	return pdns_agg_add(agg, &obs, time);
}

dn_status pdns_extract(const struct dns_message *msg, uint32_t source_id, int64_t time,
                       const struct pdns_extract_options *options, struct pdns_agg *agg,
                       struct pdns_extract_counters *counters)
{
	assert(msg != NULL);
	assert(msg->qr);
	counters->responses++;
	if (msg->opcode != KNOT_OPCODE_QUERY) {
		counters->skipped_opcode++;
		return DN_OK;
	}

	const uint8_t *zone = options->zone != NULL ? options->zone : find_zone(msg, options);
	dn_status rc;

	for (size_t i = 0; i < msg->count[DNS_ANSWER]; i++) {
		const struct dns_rr *rr = &msg->rr[DNS_ANSWER][i];
		if (dns_type_is_meta(rr->type)) {
			counters->skipped_meta++;
			continue;
		}
		if (record_class(rr, options) != KNOT_CLASS_IN) {
			counters->skipped_class++;
			continue;
		}
		if ((rc = observe_record(rr, zone, source_id, time, agg)) != DN_OK)
			return rc;
		counters->answer_records++;
	}

	for (size_t i = 0; i < msg->count[DNS_AUTHORITY]; i++) {
		const struct dns_rr *rr = &msg->rr[DNS_AUTHORITY][i];
		if (rr->type != KNOT_RRTYPE_NS && rr->type != KNOT_RRTYPE_SOA)
			continue;
		if (record_class(rr, options) != KNOT_CLASS_IN) {
			counters->skipped_class++;
			continue;
		}
		if ((rc = observe_record(rr, zone, source_id, time, agg)) != DN_OK)
			return rc;
		counters->authority_records++;
	}

	if (!msg->has_question || mdns_class(msg->qclass, options) != KNOT_CLASS_IN)
		return DN_OK;
	const uint8_t *subject = chain_end(msg);
	bool negative = msg->rcode != KNOT_RCODE_NOERROR;
	bool nodata = !negative && msg->complete[DNS_ANSWER] && !msg->tc && !is_referral(msg) &&
	              !has_answer(msg, subject, options);
	if (negative || nodata)
		return observe_negative(msg, subject, zone, source_id, time, agg, counters);
	return DN_OK;
}
