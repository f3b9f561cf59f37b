/* The reference DNS parser for differential tests: libknot's knot_pkt_parse()
 * turned into the same struct dns_message that src/dns/message.c produces.
 * dragnet itself parses with its own code (see docs/benchmarks.md for why);
 * the fuzzer and the unit tests check that both agree on every message that
 * libknot parses in full. */
#include "knot_reference.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "util/arena.h"

/* Room for the record views of one message. A 64 KiB message cannot hold more
 * than 65535 / 11 records (root owner plus a 10-byte header each). */
#define DNS_MAX_RRS (65535 / 11 + 1)

struct knot_ref_parser {
	struct arena arena;  /* everything libknot allocates for one message */
	knot_mm_t mm;
	struct dns_rr *views;
	uint8_t question[KNOT_DNAME_MAXLEN];
	uint8_t wire[UINT16_MAX];  /* a copy with lowered counts, see lower_counts() */
};

static void *parser_alloc(void *ctx, size_t len)
{
	return arena_alloc(ctx, len);
}

/* Memory comes back all at once in arena_reset(). */
static void parser_free(void *ptr)
{
	(void)ptr;
}

struct knot_ref_parser *knot_ref_parser_new(void)
{
	struct knot_ref_parser *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->views = malloc(DNS_MAX_RRS * sizeof(*p->views));
	if (p->views == NULL) {
		free(p);
		return NULL;
	}
	arena_init(&p->arena, 64 * 1024);
	p->mm.ctx = &p->arena;
	p->mm.alloc = parser_alloc;
	p->mm.free = parser_free;
	return p;
}

void knot_ref_parser_free(struct knot_ref_parser *parser)
{
	if (parser == NULL)
		return;
	arena_free(&parser->arena);
	free(parser->views);
	free(parser);
}

static void read_header(const uint8_t *wire, struct dns_message *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->id = knot_wire_get_id(wire);
	msg->qr = knot_wire_get_qr(wire) != 0;
	msg->opcode = knot_wire_get_opcode(wire);
	msg->aa = knot_wire_get_aa(wire) != 0;
	msg->tc = knot_wire_get_tc(wire) != 0;
	msg->rd = knot_wire_get_rd(wire) != 0;
	msg->ra = knot_wire_get_ra(wire) != 0;
	msg->ad = knot_wire_get_ad(wire) != 0;
	msg->cd = knot_wire_get_cd(wire) != 0;
	msg->rcode = knot_wire_get_rcode(wire);
	msg->qdcount = knot_wire_get_qdcount(wire);
	msg->ancount = knot_wire_get_ancount(wire);
	msg->nscount = knot_wire_get_nscount(wire);
	msg->arcount = knot_wire_get_arcount(wire);
}

/* Copy the question name, lower-cased, into parser storage. libknot has
 * already checked it (knot_dname_wire_check) during question parsing. */
static void take_question(struct knot_ref_parser *p, const knot_pkt_t *pkt, struct dns_message *msg)
{
	if (pkt->qname_size == 0)
		return;
	const knot_dname_t *qname = knot_pkt_qname(pkt);
	knot_dname_copy_lower(p->question, qname);
	msg->has_question = true;
	msg->qname = p->question;
	msg->qname_len = knot_dname_size(p->question);
	msg->qtype = knot_pkt_qtype(pkt);
	msg->qclass = knot_pkt_qclass(pkt);
}

/* libknot 3.2 lower-cases rdata names only for the types listed by
 * knot_rrtype_should_be_lowercased() (RFC 4034 section 6.2 less NSEC), so
 * lower the names of NSEC, LP, SVCB and HTTPS here. libknot does not check
 * the SVCB and HTTPS target, hence the bounded check. */
static void lower_rdata_name(uint16_t type, uint8_t *rdata, uint16_t rdlen)
{
	size_t offset;
	switch (type) {
	case KNOT_RRTYPE_NSEC:
		offset = 0;
		break;
	case KNOT_RRTYPE_LP:
	case KNOT_RRTYPE_SVCB:
	case KNOT_RRTYPE_HTTPS:
		offset = 2;  /* preference or priority */
		break;
	default:
		return;
	}
	if (rdlen <= offset)
		return;
	if (knot_dname_wire_check(rdata + offset, rdata + rdlen, NULL) > 0)
		knot_dname_to_lower(rdata + offset);
}

/* Turn libknot's per-record rrsets into flat views. knot_pkt_parse() without
 * KNOT_PF_CHECKDUP keeps one rrset per wire record, so each rrset has exactly
 * one rdata; we still walk them all in case that changes. */
static size_t collect_section(struct knot_ref_parser *p, const knot_pkt_t *pkt, knot_section_t s,
                              size_t used, struct dns_message *msg)
{
	const knot_pktsection_t *section = knot_pkt_section(pkt, s);
	msg->rr[s] = p->views + used;
	size_t n = 0;

	for (uint16_t i = 0; i < section->count; i++) {
		const knot_rrset_t *rrset = knot_pkt_rr(section, i);
		const knot_rdata_t *rd = rrset->rrs.rdata;
		uint16_t records = rrset->rrs.count;
		if (records == 0) {
			/* An RR with RDLENGTH 0, as in UPDATE messages. */
			if (used + n >= DNS_MAX_RRS)
				break;
			struct dns_rr *v = &p->views[used + n++];
			v->owner = rrset->owner;
			v->owner_len = knot_dname_size(rrset->owner);
			v->type = rrset->type;
			v->rclass = rrset->rclass;
			v->ttl = rrset->ttl;
			v->rdata = NULL;
			v->rdlen = 0;
			continue;
		}
		for (uint16_t j = 0; j < records && used + n < DNS_MAX_RRS; j++) {
			struct dns_rr *v = &p->views[used + n++];
			v->owner = rrset->owner;
			v->owner_len = knot_dname_size(rrset->owner);
			v->type = rrset->type;
			v->rclass = rrset->rclass;
			v->ttl = rrset->ttl;
			/* The rdata is a copy in the parser's arena, not the wire. */
			lower_rdata_name(rrset->type, (uint8_t *)rd->data, rd->len);
			v->rdata = rd->data;
			v->rdlen = rd->len;
			rd = knot_rdataset_next((knot_rdata_t *)rd);
		}
	}
	msg->count[s] = n;
	return used + n;
}

static enum dns_parse_result start_packet(struct knot_ref_parser *p, const uint8_t *wire, size_t len,
                                          struct dns_message *msg, knot_pkt_t **out)
{
	arena_reset(&p->arena);
	if (len < KNOT_WIRE_HEADER_SIZE)
		return DNS_PARSE_SHORT;
	read_header(wire, msg);

	/* libknot takes a non-const buffer; with KNOT_PF_KEEPWIRE it reads but
	 * does not write the wire while parsing. Messages longer than 65535
	 * bytes cannot come from UDP or TCP DNS, so libknot sees the first
	 * 65535 bytes and dns_parse() reports the rest as trailing. */
	uint16_t size = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
	knot_pkt_t *pkt = knot_pkt_new((uint8_t *)wire, size, &p->mm);
	if (pkt == NULL)
		return DNS_PARSE_NO_MEMORY;

	if (knot_pkt_parse_question(pkt) != KNOT_EOK)
		return DNS_PARSE_BAD_QUESTION;
	take_question(p, pkt, msg);
	*out = pkt;
	return DNS_PARSE_OK;
}

enum dns_parse_result knot_ref_parse_question(struct knot_ref_parser *parser, const uint8_t *wire,
                                         size_t len, struct dns_message *msg)
{
	assert(parser != NULL);
	assert(msg != NULL);
	knot_pkt_t *pkt = NULL;
	return start_packet(parser, wire, len, msg, &pkt);
}

/* libknot 3.2 rejects the whole payload, before it reads a single record,
 * when the header counts more records than the message has room for at 11
 * bytes each. A response cut short by a capture's snapshot length usually
 * does. So parse a copy whose counts are lowered, from the last section
 * backwards, to the most that fit: every record that is present keeps its
 * section. Returns the first section whose count was lowered, or
 * DNS_SECTION_COUNT when the counts fit and *pkt is unchanged. */
static int lower_counts(struct knot_ref_parser *p, knot_pkt_t **pkt)
{
	const uint8_t *wire = (*pkt)->wire;
	size_t size = (*pkt)->size;
	size_t room = size / KNOT_WIRE_RR_MIN_SIZE;
	uint16_t count[DNS_SECTION_COUNT] = {
		knot_wire_get_ancount(wire),
		knot_wire_get_nscount(wire),
		knot_wire_get_arcount(wire),
	};
	size_t total = (size_t)count[0] + count[1] + count[2];
	if (total <= room)
		return DNS_SECTION_COUNT;

	int lowered = DNS_SECTION_COUNT;
	for (int s = DNS_SECTION_COUNT - 1; s >= 0 && total > room; s--) {
		size_t excess = total - room;
		uint16_t cut = count[s] < excess ? count[s] : (uint16_t)excess;
		if (cut == 0)
			continue;
		count[s] -= cut;
		total -= cut;
		lowered = s;
	}
	memcpy(p->wire, wire, size);
	knot_wire_set_ancount(p->wire, count[0]);
	knot_wire_set_nscount(p->wire, count[1]);
	knot_wire_set_arcount(p->wire, count[2]);
	knot_pkt_t *copy = knot_pkt_new(p->wire, (uint16_t)size, &p->mm);
	if (copy == NULL)
		return -1;
	*pkt = copy;
	return lowered;
}

enum dns_parse_result knot_ref_parse(struct knot_ref_parser *parser, const uint8_t *wire, size_t len,
                                struct dns_message *msg)
{
	assert(parser != NULL);
	assert(msg != NULL);
	knot_pkt_t *pkt = NULL;
	enum dns_parse_result result = start_packet(parser, wire, len, msg, &pkt);
	if (result != DNS_PARSE_OK)
		return result;

	int lowered = lower_counts(parser, &pkt);
	if (lowered < 0)
		return DNS_PARSE_NO_MEMORY;
	int ret = knot_pkt_parse(pkt, KNOT_PF_KEEPWIRE);
	if (ret == KNOT_ENOMEM)
		return DNS_PARSE_NO_MEMORY;

	/* Sections before pkt->current were parsed in full, and the current one
	 * contains the records read before an error. A section whose count was
	 * lowered misses records even when libknot reports success. */
	bool parsed = ret == KNOT_EOK || ret == KNOT_ETRAIL;
	size_t used = 0;
	for (knot_section_t s = KNOT_ANSWER; s <= KNOT_ADDITIONAL; s++) {
		used = collect_section(parser, pkt, s, used, msg);
		msg->complete[s] = (parsed || s < pkt->current) && (int)s < lowered;
	}

	if (pkt->opt_rr != NULL) {
		msg->has_edns = true;
		msg->rcode = knot_pkt_ext_rcode(pkt);
	}

	if (lowered < DNS_SECTION_COUNT)
		return DNS_PARSE_PARTIAL;
	if (ret == KNOT_EOK)
		return len > UINT16_MAX ? DNS_PARSE_TRAILING : DNS_PARSE_OK;
	if (ret == KNOT_ETRAIL)
		return DNS_PARSE_TRAILING;
	return DNS_PARSE_PARTIAL;
}
