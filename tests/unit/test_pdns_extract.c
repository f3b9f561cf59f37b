/* Tests for pdns_extract(): hand-built responses go through dns_parse(), and
 * the observations are read back from the aggregator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/message.h"
#include "dns/rdata.h"
#include "pdns/aggregate.h"
#include "pdns/extract.h"
#include "dns_wire_build.h"

#define RCODE_NOERROR 0
#define RCODE_SERVFAIL 2
#define RCODE_NXDOMAIN 3
#define RCODE_REFUSED 5
#define OPCODE_NOTIFY 4
#define OPCODE_UPDATE 5
#define MDNS_CLASS_IN_FLUSH 0x8001u

#define SOURCE 7
#define TIME 1700000000

static const uint8_t ADDR1[4] = {192, 0, 2, 1};
static const uint8_t ADDR2[4] = {192, 0, 2, 2};
static const uint8_t ADDR_NS[4] = {198, 51, 100, 53};

struct fixture {
	struct dns_parser *parser;
	struct dns_message msg;
	struct pdns_agg *agg;
	struct pdns_extract_counters counters;
	struct wire w;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->parser = dns_parser_new();
	assert_non_null(f->parser);
	f->agg = pdns_agg_new();
	assert_non_null(f->agg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pdns_agg_free(f->agg);
	dns_parser_free(f->parser);
	free(f);
	return 0;
}

/* Parse f->w and extract it with the given options. */
static void extract_as(struct fixture *f, uint32_t source, int64_t time, bool mdns)
{
	enum dns_parse_result result = dns_parse(f->parser, f->w.buf, f->w.len, &f->msg);
	if (!dns_parse_usable(result))
		fail_msg("test message does not parse: %s", dns_parse_result_text(result));
	struct pdns_extract_options options = {.mdns = mdns};
	assert_int_equal(pdns_extract(&f->msg, source, time, &options, f->agg, &f->counters),
	                 DN_OK);
}

static void extract(struct fixture *f)
{
	extract_as(f, SOURCE, TIME, false);
}

/* Record writers. Names are uncompressed: compression is dns_parse()'s
 * business and tested with it. */
static void add_a(struct wire *w, const char *owner, const uint8_t addr[4])
{
	w_rr(w, owner, T_A, C_IN, 300, addr, 4);
}

static void add_name_rr(struct wire *w, const char *owner, uint16_t type, const char *target)
{
	uint8_t rdata[256];
	size_t len = name_wire(target, rdata);
	w_rr(w, owner, type, C_IN, 300, rdata, len);
}

/* SOA rdata for zone: ns1.<zone> hostmaster.<zone> 1 7200 3600 1209600 300. */
static size_t soa_rdata(const char *zone, uint8_t *out)
{
	char name[300];
	size_t n;
	snprintf(name, sizeof(name), "ns1.%s", zone);
	n = name_wire(name, out);
	snprintf(name, sizeof(name), "hostmaster.%s", zone);
	n += name_wire(name, out + n);
	static const uint32_t fields[5] = {1, 7200, 3600, 1209600, 300};
	for (int i = 0; i < 5; i++) {
		out[n++] = (uint8_t)(fields[i] >> 24);
		out[n++] = (uint8_t)(fields[i] >> 16);
		out[n++] = (uint8_t)(fields[i] >> 8);
		out[n++] = (uint8_t)fields[i];
	}
	return n;
}

static void add_soa(struct wire *w, const char *zone)
{
	uint8_t rdata[600];
	size_t len = soa_rdata(zone, rdata);
	w_rr(w, zone, T_SOA, C_IN, 3600, rdata, len);
}

/* One expected observation. rdata_name, when set, is the expected rdata as a
 * wire name; soa_zone, when set, the SOA that add_soa() writes; otherwise
 * rdata/rdlen. bailiwick NULL means none. */
struct expect {
	uint8_t kind;
	uint16_t rrtype;
	uint16_t rcode;
	const char *owner;
	const char *bailiwick;
	const char *rdata_name;
	const char *soa_zone;
	const uint8_t *rdata;
	size_t rdlen;
};

#define RR_A(owner, addr, bw)                                                                      \
	{                                                                                          \
		PDNS_KIND_RRSET, T_A, 0, owner, bw, NULL, NULL, addr, 4                            \
	}
#define RR_NAME(owner, type, target, bw)                                                           \
	{                                                                                          \
		PDNS_KIND_RRSET, type, 0, owner, bw, target, NULL, NULL, 0                         \
	}
#define RR_SOA(zone, bw)                                                                           \
	{                                                                                          \
		PDNS_KIND_RRSET, T_SOA, 0, zone, bw, NULL, zone, NULL, 0                           \
	}
#define NEG(owner, qtype, rcode, bw)                                                               \
	{                                                                                          \
		PDNS_KIND_NEGATIVE, qtype, rcode, owner, bw, NULL, NULL, NULL, 0                   \
	}

struct seen {
	struct pdns_agg_entry entry;
	bool matched;
	char owner[DNS_NAME_TEXT_MAX];
};

struct seen_list {
	size_t count;
	struct seen item[64];
};

static dn_status collect(const struct pdns_agg_entry *entry, void *ctx)
{
	struct seen_list *list = ctx;
	assert_true(list->count < 64);
	struct seen *s = &list->item[list->count++];
	s->entry = *entry;
	s->matched = false;
	if (dns_name_format(entry->obs.owner, s->owner, sizeof(s->owner)) == 0)
		snprintf(s->owner, sizeof(s->owner), "<unprintable>");
	return DN_OK;
}

static bool wire_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static bool matches(const struct pdns_obs *obs, const struct expect *e)
{
	uint8_t want[600];
	size_t want_len;

	if (obs->kind != e->kind || obs->rrtype != e->rrtype || obs->rcode != e->rcode)
		return false;
	want_len = name_wire(e->owner, want);
	if (!wire_equal(obs->owner, obs->owner_len, want, want_len))
		return false;

	size_t bw_len = obs->bailiwick != NULL ? obs->bailiwick_len : 0;
	if (e->bailiwick == NULL) {
		if (bw_len != 0)
			return false;
	} else {
		want_len = name_wire(e->bailiwick, want);
		if (!wire_equal(obs->bailiwick, bw_len, want, want_len))
			return false;
	}

	size_t rd_len = obs->rdata != NULL ? obs->rdata_len : 0;
	if (e->rdata_name != NULL) {
		want_len = name_wire(e->rdata_name, want);
		return wire_equal(obs->rdata, rd_len, want, want_len);
	}
	if (e->soa_zone != NULL) {
		want_len = soa_rdata(e->soa_zone, want);
		return wire_equal(obs->rdata, rd_len, want, want_len);
	}
	return wire_equal(obs->rdata, rd_len, e->rdata, e->rdlen);
}

static void print_seen(const struct seen_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct pdns_obs *o = &list->item[i].entry.obs;
		char bw[DNS_NAME_TEXT_MAX] = "-";
		if (o->bailiwick_len > 0)
			dns_name_format(o->bailiwick, bw, sizeof(bw));
		print_message("  seen: kind %u type %u rcode %u owner %s bailiwick %s rdlen %zu\n",
		              o->kind, o->rrtype, o->rcode, list->item[i].owner, bw, o->rdata_len);
	}
}

/* The aggregator contains exactly `expected`, each seen `count` times by source
 * between first and last. */
static void assert_observed_span(struct fixture *f, const struct expect *expected, size_t n,
                                 uint32_t source, int64_t first, int64_t last, uint64_t count)
{
	struct seen_list *list = calloc(1, sizeof(*list));
	assert_non_null(list);
	assert_int_equal(pdns_agg_foreach(f->agg, collect, list), DN_OK);

	for (size_t e = 0; e < n; e++) {
		struct seen *hit = NULL;
		for (size_t i = 0; i < list->count; i++) {
			if (!list->item[i].matched &&
			    matches(&list->item[i].entry.obs, &expected[e])) {
				hit = &list->item[i];
				break;
			}
		}
		if (hit == NULL) {
			print_seen(list);
			fail_msg("missing observation: kind %u type %u rcode %u owner %s",
			         expected[e].kind, expected[e].rrtype, expected[e].rcode,
			         expected[e].owner);
		}
		hit->matched = true;
		assert_int_equal(hit->entry.obs.source_id, source);
		assert_int_equal(hit->entry.time_first, first);
		assert_int_equal(hit->entry.time_last, last);
		assert_int_equal(hit->entry.count, count);
	}
	if (list->count != n) {
		print_seen(list);
		fail_msg("%zu observations, expected %zu", list->count, n);
	}
	assert_int_equal(pdns_agg_count(f->agg), n);
	free(list);
}

static void assert_observed(struct fixture *f, const struct expect *expected, size_t n)
{
	assert_observed_span(f, expected, n, SOURCE, TIME, TIME, 1);
}

#define ASSERT_OBSERVED(f, ...)                                                                    \
	do {                                                                                       \
		const struct expect expected_[] = {__VA_ARGS__};                                   \
		assert_observed(f, expected_, sizeof(expected_) / sizeof(expected_[0]));           \
	} while (0)

static void assert_nothing_observed(struct fixture *f)
{
	assert_observed(f, NULL, 0);
}

/* Start a fresh response in f->w and clear what earlier steps observed. */
static void begin(struct fixture *f, uint16_t flags, uint16_t an, uint16_t ns, uint16_t ar,
                  const char *qname, uint16_t qtype)
{
	pdns_agg_clear(f->agg);
	memset(&f->counters, 0, sizeof(f->counters));
	w_header(&f->w, 0x1234, (uint16_t)(F_QR | flags), qname != NULL ? 1 : 0, an, ns, ar);
	if (qname != NULL)
		w_question(&f->w, qname, qtype, C_IN);
}

/* www.example.com A through a CNAME, with the zone's NS in authority and the
 * name server's address in additional. */
static void build_cname_answer(struct fixture *f, uint16_t flags)
{
	struct wire *w = &f->w;
	begin(f, flags, 3, 2, 1, "www.example.com", T_A);
	add_name_rr(w, "www.example.com", T_CNAME, "web.example.com");
	add_a(w, "web.example.com", ADDR1);
	add_a(w, "web.example.com", ADDR2);
	add_name_rr(w, "example.com", T_NS, "ns1.example.com");
	add_name_rr(w, "example.com", T_NS, "ns2.example.com");
	add_a(w, "ns1.example.com", ADDR_NS);
}

static void test_answer_and_authority(void **state)
{
	struct fixture *f = *state;
	build_cname_answer(f, F_RD | F_RA);
	extract(f);

	ASSERT_OBSERVED(f, RR_NAME("www.example.com", T_CNAME, "web.example.com", NULL),
	                RR_A("web.example.com", ADDR1, NULL), RR_A("web.example.com", ADDR2, NULL),
	                RR_NAME("example.com", T_NS, "ns1.example.com", NULL),
	                RR_NAME("example.com", T_NS, "ns2.example.com", NULL));
	assert_int_equal(f->counters.responses, 1);
	assert_int_equal(f->counters.answer_records, 3);
	assert_int_equal(f->counters.authority_records, 2);
	assert_int_equal(f->counters.negatives, 0);
	assert_int_equal(f->counters.nodata, 0);
	assert_int_equal(f->counters.skipped_opcode, 0);
	assert_int_equal(f->counters.skipped_class, 0);
	assert_int_equal(f->counters.skipped_meta, 0);
}

static void test_repeat_merges(void **state)
{
	struct fixture *f = *state;
	build_cname_answer(f, F_RD | F_RA);
	extract_as(f, SOURCE, TIME + 60, false);
	extract_as(f, SOURCE, TIME, false);
	extract_as(f, SOURCE, TIME + 30, false);

	const struct expect expected[] = {
		RR_NAME("www.example.com", T_CNAME, "web.example.com", NULL),
		RR_A("web.example.com", ADDR1, NULL),
		RR_A("web.example.com", ADDR2, NULL),
		RR_NAME("example.com", T_NS, "ns1.example.com", NULL),
		RR_NAME("example.com", T_NS, "ns2.example.com", NULL),
	};
	assert_observed_span(f, expected, 5, SOURCE, TIME, TIME + 60, 3);
	assert_int_equal(f->counters.responses, 3);
	assert_int_equal(f->counters.answer_records, 9);

	/* A second source gets entries of its own. */
	extract_as(f, SOURCE + 1, TIME, false);
	assert_int_equal(pdns_agg_count(f->agg), 10);
}

/* Of the authority section only NS and SOA records are observed, and nothing
 * of the additional section. */
static void test_authority_filter(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;
	static const uint8_t ds[8] = {0x30, 0x39, 8, 2, 1, 2, 3, 4};
	static const uint8_t aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x53};

	/* A signed referral (RFC 4035 section 3.1.4): NS, DS and its RRSIG. */
	begin(f, 0, 0, 3, 2, "www.sub.example.com", T_A);
	add_name_rr(w, "sub.example.com", T_NS, "ns.sub.example.com");
	w_rr(w, "sub.example.com", T_DS, C_IN, 300, ds, sizeof(ds));
	w_name(w, "sub.example.com");
	size_t at = w_rr_begin(w, T_RRSIG, C_IN, 300);
	w_u16(w, T_DS);
	w_u8(w, 8);
	w_u8(w, 3);
	w_u32(w, 300);
	w_u32(w, 2);
	w_u32(w, 1);
	w_u16(w, 4242);
	w_name(w, "example.com");
	w_bytes(w, "signature", 9);
	w_rr_end(w, at);
	add_a(w, "ns.sub.example.com", ADDR_NS);
	w_rr(w, "ns.sub.example.com", T_AAAA, C_IN, 300, aaaa, 16);
	extract(f);

	ASSERT_OBSERVED(f, RR_NAME("sub.example.com", T_NS, "ns.sub.example.com", NULL));
	assert_int_equal(f->counters.authority_records, 1);
	assert_int_equal(f->counters.answer_records, 0);
	assert_int_equal(f->counters.nodata, 0);
}

/* AA answers: the bailiwick is the deepest NS or SOA owner that encloses the
 * question name, and only records inside it carry it. */
static void test_bailiwick_authoritative(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_AA, 2, 3, 0, "www.sub.example.com", T_A);
	add_name_rr(w, "www.sub.example.com", T_CNAME, "cdn.example.net");
	add_a(w, "cdn.example.net", ADDR1);
	add_name_rr(w, "example.com", T_NS, "ns.example.com");
	add_name_rr(w, "sub.example.com", T_NS, "ns1.sub.example.com");
	add_name_rr(w, "example.org", T_NS, "ns.example.org");
	extract(f);

	ASSERT_OBSERVED(
		f, RR_NAME("www.sub.example.com", T_CNAME, "cdn.example.net", "sub.example.com"),
		RR_A("cdn.example.net", ADDR1, NULL),
		RR_NAME("example.com", T_NS, "ns.example.com", NULL),
		RR_NAME("sub.example.com", T_NS, "ns1.sub.example.com", "sub.example.com"),
		RR_NAME("example.org", T_NS, "ns.example.org", NULL));

	/* The same response without AA: no bailiwick anywhere. */
	w->buf[2] &= (uint8_t) ~(F_AA >> 8);
	pdns_agg_clear(f->agg);
	extract(f);
	ASSERT_OBSERVED(f, RR_NAME("www.sub.example.com", T_CNAME, "cdn.example.net", NULL),
	                RR_A("cdn.example.net", ADDR1, NULL),
	                RR_NAME("example.com", T_NS, "ns.example.com", NULL),
	                RR_NAME("sub.example.com", T_NS, "ns1.sub.example.com", NULL),
	                RR_NAME("example.org", T_NS, "ns.example.org", NULL));
}

static void test_bailiwick_from_answer_ns(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	/* The zone apex NS set as the answer: the zone is the question name. */
	begin(f, F_AA, 2, 0, 0, "Example.COM", T_NS);
	add_name_rr(w, "example.com", T_NS, "ns1.example.com");
	add_name_rr(w, "example.com", T_NS, "ns2.example.net");
	extract(f);
	ASSERT_OBSERVED(f, RR_NAME("example.com", T_NS, "ns1.example.com", "example.com"),
	                RR_NAME("example.com", T_NS, "ns2.example.net", "example.com"));

	/* AA with no NS or SOA that encloses the question: no bailiwick. */
	begin(f, F_AA, 1, 1, 0, "www.example.com", T_A);
	add_a(w, "www.example.com", ADDR1);
	add_name_rr(w, "example.net", T_NS, "ns.example.net");
	extract(f);
	ASSERT_OBSERVED(f, RR_A("www.example.com", ADDR1, NULL),
	                RR_NAME("example.net", T_NS, "ns.example.net", NULL));
}

static void test_nxdomain(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_AA | RCODE_NXDOMAIN, 0, 1, 0, "nope.example.com", T_AAAA);
	add_soa(w, "example.com");
	extract(f);
	ASSERT_OBSERVED(f, RR_SOA("example.com", "example.com"),
	                NEG("nope.example.com", T_AAAA, RCODE_NXDOMAIN, "example.com"));
	assert_int_equal(f->counters.negatives, 1);
	assert_int_equal(f->counters.nodata, 0);
	assert_int_equal(f->counters.authority_records, 1);

	/* From a resolver (no AA): the same without bailiwick. */
	begin(f, F_RA | RCODE_NXDOMAIN, 0, 1, 0, "nope.example.com", T_AAAA);
	add_soa(w, "example.com");
	extract(f);
	ASSERT_OBSERVED(f, RR_SOA("example.com", NULL),
	                NEG("nope.example.com", T_AAAA, RCODE_NXDOMAIN, NULL));
}

/* RFC 2308 section 2.1: after a CNAME chain the NXDOMAIN is about the last
 * target. The chain is followed by owner, not by record order. */
static void test_nxdomain_through_cname_chain(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_RA | RCODE_NXDOMAIN, 2, 1, 0, "www.example.com", T_A);
	add_name_rr(w, "a.example.net", T_CNAME, "b.example.org");
	add_name_rr(w, "www.example.com", T_CNAME, "a.example.net");
	add_soa(w, "example.org");
	extract(f);
	ASSERT_OBSERVED(f, RR_NAME("www.example.com", T_CNAME, "a.example.net", NULL),
	                RR_NAME("a.example.net", T_CNAME, "b.example.org", NULL),
	                RR_SOA("example.org", NULL),
	                NEG("b.example.org", T_A, RCODE_NXDOMAIN, NULL));
	assert_int_equal(f->counters.negatives, 1);
}

static void test_cname_loop_terminates(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_RA | RCODE_SERVFAIL, 2, 0, 0, "a.example", T_A);
	add_name_rr(w, "a.example", T_CNAME, "b.example");
	add_name_rr(w, "b.example", T_CNAME, "a.example");
	extract(f);

	/* Which name of the cycle the negative names is not specified. There is
	 * exactly one, and both CNAMEs. */
	assert_int_equal(pdns_agg_count(f->agg), 3);
	assert_int_equal(f->counters.answer_records, 2);
	assert_int_equal(f->counters.negatives, 1);
}

static void test_error_rcodes(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_RA | RCODE_SERVFAIL, 0, 0, 0, "broken.example", T_MX);
	extract(f);
	ASSERT_OBSERVED(f, NEG("broken.example", T_MX, RCODE_SERVFAIL, NULL));

	begin(f, F_RA | RCODE_REFUSED, 0, 0, 0, "closed.example", T_A);
	extract(f);
	ASSERT_OBSERVED(f, NEG("closed.example", T_A, RCODE_REFUSED, NULL));

	/* BADCOOKIE (23) is only whole with the OPT record's upper bits. The OPT
	 * record itself is no observation. */
	begin(f, F_RA | 7, 0, 0, 1, "cookie.example", T_A);
	w_opt(w, 1232, 1);
	extract(f);
	ASSERT_OBSERVED(f, NEG("cookie.example", T_A, 23, NULL));
	assert_int_equal(f->counters.negatives, 1);

	/* An error rcode is a negative even when the answer was truncated. */
	begin(f, F_RA | F_TC | RCODE_NXDOMAIN, 0, 0, 0, "big.example", T_TXT);
	extract(f);
	ASSERT_OBSERVED(f, NEG("big.example", T_TXT, RCODE_NXDOMAIN, NULL));

	/* Without a question there is nothing to name. */
	begin(f, F_RA | RCODE_SERVFAIL, 0, 0, 0, NULL, 0);
	extract(f);
	assert_nothing_observed(f);
	assert_int_equal(f->counters.negatives, 0);
}

/* RFC 2308 section 2.2: NODATA types 1 to 3 against a referral. */
static void test_nodata_and_referral(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	/* Type 1: SOA and NS in authority. */
	begin(f, F_AA, 0, 3, 0, "another.example", T_A);
	add_soa(w, "example");
	add_name_rr(w, "example", T_NS, "ns1.xx");
	add_name_rr(w, "example", T_NS, "ns2.xx");
	extract(f);
	ASSERT_OBSERVED(f, RR_SOA("example", "example"),
	                RR_NAME("example", T_NS, "ns1.xx", "example"),
	                RR_NAME("example", T_NS, "ns2.xx", "example"),
	                NEG("another.example", T_A, RCODE_NOERROR, "example"));
	assert_int_equal(f->counters.nodata, 1);
	assert_int_equal(f->counters.negatives, 0);

	/* Type 2: SOA only. */
	begin(f, F_AA, 0, 1, 0, "another.example", T_A);
	add_soa(w, "example");
	extract(f);
	ASSERT_OBSERVED(f, RR_SOA("example", "example"),
	                NEG("another.example", T_A, RCODE_NOERROR, "example"));
	assert_int_equal(f->counters.nodata, 1);

	/* Type 3: empty authority. */
	begin(f, F_RA, 0, 0, 0, "another.example", T_A);
	extract(f);
	ASSERT_OBSERVED(f, NEG("another.example", T_A, RCODE_NOERROR, NULL));
	assert_int_equal(f->counters.nodata, 1);

	/* Referral: NS without SOA is no negative answer. */
	begin(f, 0, 0, 2, 2, "another.example", T_A);
	add_name_rr(w, "example", T_NS, "ns1.xx");
	add_name_rr(w, "example", T_NS, "ns2.xx");
	add_a(w, "ns1.xx", ADDR1);
	add_a(w, "ns2.xx", ADDR2);
	extract(f);
	ASSERT_OBSERVED(f, RR_NAME("example", T_NS, "ns1.xx", NULL),
	                RR_NAME("example", T_NS, "ns2.xx", NULL));
	assert_int_equal(f->counters.nodata, 0);
	assert_int_equal(f->counters.authority_records, 2);
}

/* RFC 2308 section 2.2: with a CNAME chain and no record of the question type
 * at its end, NODATA is about the last CNAME target. */
static void test_nodata_after_cname(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_RA, 1, 1, 0, "www.example.com", T_AAAA);
	add_name_rr(w, "www.example.com", T_CNAME, "web.example.net");
	add_soa(w, "example.net");
	extract(f);
	ASSERT_OBSERVED(f, RR_NAME("www.example.com", T_CNAME, "web.example.net", NULL),
	                RR_SOA("example.net", NULL),
	                NEG("web.example.net", T_AAAA, RCODE_NOERROR, NULL));
	assert_int_equal(f->counters.nodata, 1);

	/* The chain ends in data of the question type: a plain answer. */
	begin(f, F_RA, 2, 0, 0, "www.example.com", T_A);
	add_name_rr(w, "www.example.com", T_CNAME, "web.example.net");
	add_a(w, "web.example.net", ADDR1);
	extract(f);
	ASSERT_OBSERVED(f, RR_NAME("www.example.com", T_CNAME, "web.example.net", NULL),
	                RR_A("web.example.net", ADDR1, NULL));
	assert_int_equal(f->counters.nodata, 0);

	/* A CNAME query is answered by the CNAME itself (RFC 1034 section
	 * 4.3.2 follows the chain only when QTYPE is not CNAME). */
	begin(f, F_RA, 1, 0, 0, "www.example.com", T_CNAME);
	add_name_rr(w, "www.example.com", T_CNAME, "web.example.net");
	extract(f);
	ASSERT_OBSERVED(f, RR_NAME("www.example.com", T_CNAME, "web.example.net", NULL));
	assert_int_equal(f->counters.nodata, 0);

	/* Any data record answers ANY. */
	begin(f, F_RA, 1, 0, 0, "www.example.com", T_ANY);
	add_a(w, "www.example.com", ADDR1);
	extract(f);
	ASSERT_OBSERVED(f, RR_A("www.example.com", ADDR1, NULL));
	assert_int_equal(f->counters.nodata, 0);
}

/* A zone transfer answers with all the zone's records; none has the type
 * AXFR, and that is no NODATA. */
static void test_zone_transfer(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_AA, 3, 0, 0, "example.com", 252 /* AXFR */);
	add_soa(w, "example.com");
	add_name_rr(w, "example.com", T_NS, "ns1.example.com");
	add_a(w, "www.example.com", ADDR1);
	extract(f);
	ASSERT_OBSERVED(f, RR_SOA("example.com", "example.com"),
	                RR_NAME("example.com", T_NS, "ns1.example.com", "example.com"),
	                RR_A("www.example.com", ADDR1, "example.com"));
	assert_int_equal(f->counters.nodata, 0);

	/* A later message of the same transfer, without the apex. */
	begin(f, F_AA, 1, 0, 0, "example.com", 252);
	add_a(w, "mail.example.com", ADDR2);
	extract(f);
	ASSERT_OBSERVED(f, RR_A("mail.example.com", ADDR2, NULL));
	assert_int_equal(f->counters.nodata, 0);
}

/* An empty answer proves nothing when the response was truncated or cut. */
static void test_nodata_needs_whole_answer(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_RA | F_TC, 0, 0, 0, "big.example", T_TXT);
	extract(f);
	assert_nothing_observed(f);
	assert_int_equal(f->counters.nodata, 0);

	/* One answer promised, none present: PARTIAL. */
	begin(f, F_RA, 1, 0, 0, "cut.example", T_A);
	extract(f);
	assert_false(f->msg.complete[DNS_ANSWER]);
	assert_nothing_observed(f);
	assert_int_equal(f->counters.nodata, 0);

	/* Answer section whole, authority cut: NODATA still holds. */
	begin(f, F_RA, 0, 2, 0, "cut.example", T_A);
	add_soa(w, "example");
	extract(f);
	assert_true(f->msg.complete[DNS_ANSWER]);
	assert_false(f->msg.complete[DNS_AUTHORITY]);
	ASSERT_OBSERVED(f, RR_SOA("example", NULL), NEG("cut.example", T_A, RCODE_NOERROR, NULL));
}

static void test_opcode_filter(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	/* NOTIFY response carrying the new SOA (RFC 1996 section 3.7). */
	begin(f, F_AA | F_OPCODE(OPCODE_NOTIFY), 1, 0, 0, "example.com", T_SOA);
	add_soa(w, "example.com");
	extract(f);
	assert_nothing_observed(f);
	assert_int_equal(f->counters.responses, 1);
	assert_int_equal(f->counters.skipped_opcode, 1);

	/* UPDATE response refused: no negative either. */
	begin(f, F_OPCODE(OPCODE_UPDATE) | RCODE_REFUSED, 0, 0, 0, "example.com", T_SOA);
	extract(f);
	assert_nothing_observed(f);
	assert_int_equal(f->counters.skipped_opcode, 1);
	assert_int_equal(f->counters.negatives, 0);
}

static void test_class_filter(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;
	static const uint8_t version[] = {5, '9', '.', '1', '8', 'x'};

	begin(f, F_AA, 2, 1, 0, "version.bind", T_TXT);
	w_rr(w, "version.bind", T_TXT, C_CH, 0, version, sizeof(version));
	add_a(w, "version.bind", ADDR1);
	w_name(w, "bind");
	size_t at = w_rr_begin(w, T_NS, C_CH, 0);
	w_name(w, "version.bind");
	w_rr_end(w, at);
	extract(f);
	ASSERT_OBSERVED(f, RR_A("version.bind", ADDR1, NULL));
	assert_int_equal(f->counters.skipped_class, 2);
	assert_int_equal(f->counters.answer_records, 1);
	assert_int_equal(f->counters.authority_records, 0);

	/* A CHAOS question gets no negative. */
	begin(f, RCODE_NXDOMAIN, 0, 0, 0, NULL, 0);
	w->buf[5] = 1;
	w_question(w, "hostname.bind", T_TXT, C_CH);
	extract(f);
	assert_nothing_observed(f);
	assert_int_equal(f->counters.negatives, 0);
}

/* Meta types have no place among the answers and are never stored. */
static void test_meta_in_answer(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;
	static const uint8_t junk[2] = {1, 2};

	begin(f, F_RA, 3, 0, 0, "example.com", T_A);
	w_rr(w, "example.com", T_ANY, C_IN, 0, junk, sizeof(junk));
	w_rr(w, "example.com", 252 /* AXFR */, C_IN, 0, junk, sizeof(junk));
	add_a(w, "example.com", ADDR1);
	extract(f);
	ASSERT_OBSERVED(f, RR_A("example.com", ADDR1, NULL));
	assert_int_equal(f->counters.skipped_meta, 2);
	assert_int_equal(f->counters.answer_records, 1);
}

/* RFC 6762 section 10.2: the top bit of an mDNS record's class is the
 * cache-flush flag. Section 5.4 gives the question's top bit to the
 * unicast-response flag. Without the mdns option both are plain classes. */
static void test_mdns_cache_flush(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	begin(f, F_AA, 1, 0, 0, NULL, 0);
	w_rr(w, "printer.local", T_A, MDNS_CLASS_IN_FLUSH, 120, ADDR1, 4);
	extract_as(f, SOURCE, TIME, true);
	ASSERT_OBSERVED(f, RR_A("printer.local", ADDR1, NULL));
	assert_int_equal(f->counters.skipped_class, 0);

	pdns_agg_clear(f->agg);
	memset(&f->counters, 0, sizeof(f->counters));
	extract(f);
	assert_nothing_observed(f);
	assert_int_equal(f->counters.skipped_class, 1);

	/* Question class 0x8001 without the mdns option is not IN. */
	begin(f, RCODE_NXDOMAIN, 0, 0, 0, NULL, 0);
	w->buf[5] = 1;
	w_question(w, "odd.example", T_A, MDNS_CLASS_IN_FLUSH);
	extract(f);
	assert_nothing_observed(f);
	assert_int_equal(f->counters.negatives, 0);

	/* With it, the unicast-response bit is cleared. */
	pdns_agg_clear(f->agg);
	extract_as(f, SOURCE, TIME, true);
	ASSERT_OBSERVED(f, NEG("odd.example", T_A, RCODE_NXDOMAIN, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answer_and_authority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authority_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bailiwick_authoritative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bailiwick_from_answer_ns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain_through_cname_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname_loop_terminates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_rcodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodata_and_referral, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodata_after_cname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_transfer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodata_needs_whole_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opcode_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_in_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mdns_cache_flush, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
