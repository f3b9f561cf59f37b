/* The pivot engine of `dragnet map` against a real SQLite store written
 * through the store interface: which nodes and edges each pivot adds, the
 * evidence on them, holds and share counts, the time fence and the overlap
 * rule; and the parser of the shared-infrastructure list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "asn/table.h"
#include "cli/asn_table.h"
#include "graph/graph.h"
#include "graph/pivot.h"
#include "graph/shared_infra.h"
#include "ingest/whois_store.h"
#include "store/store.h"
#include "whois/text.h"

#define T0 1700000000
#define DAY 86400

static char db_path[4096];
static struct store *store;
static struct asn_table *asn;
static struct shared_list shared;

/* ---- The store the tests map ---- */

static struct pdns_record a_record(const char *rrname, const char *addr, int64_t first,
                                   int64_t last, uint32_t source)
{
	struct pdns_record r = {
	        .rrname = rrname,
	        .rrtype = 1,
	        .bailiwick = "",
	        .rdata = addr,
	        .time_first = first,
	        .time_last = last,
	        .count = 3,
	        .source_id = source,
	};
	r.has_ip = ip_key_parse(addr, &r.ip);
	return r;
}

static struct pdns_record name_record(const char *rrname, uint16_t type, const char *rdata,
                                      const char *target, uint32_t source)
{
	struct pdns_record r = {
	        .rrname = rrname,
	        .rrtype = type,
	        .bailiwick = "",
	        .rdata = rdata,
	        .time_first = T0,
	        .time_last = T0 + 10 * DAY,
	        .count = 1,
	        .source_id = source,
	        .rdata_name = target,
	};
	return r;
}

static void put_records(uint32_t source)
{
	struct dn_error err;
	struct pdns_record recs[300];
	size_t n = 0;
	recs[n++] = a_record("www.alpha.example.", "192.0.2.10", T0, T0 + 30 * DAY, source);
	recs[n++] = a_record("beta.example.", "192.0.2.10", T0 + 5 * DAY, T0 + 20 * DAY, source);
	recs[n++] = a_record("late.example.", "192.0.2.10", T0 + 400 * DAY, T0 + 410 * DAY, source);
	recs[n++] = a_record("www.alpha.example.", "198.51.100.1", T0, T0 + 30 * DAY, source);
	recs[n++] = name_record("alpha.example.", 2, "ns1.alpha-dns.example.",
	                        "ns1.alpha-dns.example.", source);
	recs[n++] = name_record("gamma.example.", 2, "ns1.alpha-dns.example.",
	                        "ns1.alpha-dns.example.", source);
	recs[n++] = name_record("alpha.example.", 15, "10 mail.alpha.example.",
	                        "mail.alpha.example.", source);
	recs[n++] = name_record("cdn.alpha.example.", 5, "edge.cdnhost.example.",
	                        "edge.cdnhost.example.", source);
	assert_int_equal(store_put_rrsets(store, recs, n, &err), DN_OK);

	/* 250 unrelated names on one hosting address. */
	static char names[250][40];
	n = 0;
	for (int i = 0; i < 250; i++) {
		snprintf(names[i], sizeof(names[i]), "site%03d.shared.example.", i);
		recs[n++] = a_record(names[i], "198.51.100.1", T0, T0 + 100 * DAY, source);
	}
	assert_int_equal(store_put_rrsets(store, recs, n, &err), DN_OK);
}

/* A name with FLUX_RECORDS AAAA records, one past the default records_max. */
#define FLUX_RECORDS 1001

static void put_flux_records(uint32_t source)
{
	struct dn_error err;
	struct pdns_record *recs = calloc(FLUX_RECORDS, sizeof(*recs));
	static char addrs[FLUX_RECORDS][48];
	assert_non_null(recs);
	for (int i = 0; i < FLUX_RECORDS; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "2001:db8:f::%x", i + 1);
		recs[i] = a_record("flux.example.", addrs[i], T0, T0 + DAY, source);
		recs[i].rrtype = 28;
	}
	assert_int_equal(store_put_rrsets(store, recs, FLUX_RECORDS, &err), DN_OK);
	free(recs);
}

static const char whois_template[] =
        "Domain Name: %s\n"
        "Registrar: Sample Names Ltd\n"
        "Creation Date: 2023-11-01T00:00:00Z\n"
        "Registrant Name: %s\n"
        "Registrant Street: 1 High Street\n"
        "Registrant City: Leeds\n"
        "Registrant Postal Code: LS1 1AA\n"
        "Registrant Country: GB\n"
        "Registrant Phone: %s\n"
        "Registrant Email: %s\n"
        "Tech Name: Registration Private\n"
        "Tech Organization: Domains By Proxy, LLC\n"
        "Tech Email: alpha.example@domainsbyproxy.com\n"
        "Name Server: NS1.ALPHA-DNS.EXAMPLE\n";

static void put_whois(uint32_t source, const char *domain, const char *name, const char *phone,
                      const char *email)
{
	char text[2048];
	snprintf(text, sizeof(text), whois_template, domain, name, phone, email);
	struct arena arena;
	arena_init(&arena, 8192);
	struct whois_record rec;
	struct dn_error err;
	struct whois_text_hints hints = {.domain = domain};
	assert_int_equal(whois_parse_text(text, strlen(text), &hints, &arena, &rec, &err), DN_OK);
	if (whois_store_record(store, source, &rec, text, strlen(text), T0 + DAY, &err) != DN_OK)
		fail_msg("whois_store_record %s: %s", domain, err.msg);
	arena_free(&arena);
}

static void fill(uint8_t *out, size_t n, uint8_t byte)
{
	memset(out, byte, n);
}

struct test_cert {
	uint8_t id;        /* fills sha256 */
	uint8_t key;       /* fills spki_sha256 */
	const char *issuer;
	const char *subject;
	bool self_signed;
	const char *sans;
	const char *dns[3]; /* reversed names, as the "dns" index stores them */
};

static void put_cert(const struct test_cert *t)
{
	struct dn_error err;
	static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	struct store_cert c = {
	        .serial = "05",
	        .issuer = t->issuer,
	        .subject = t->subject,
	        .sans = t->sans,
	        .not_before = T0,
	        .not_after = T0 + 90 * DAY,
	        .key_type = "EC",
	        .key_bits = 256,
	        .sig_alg = "ecdsa-with-SHA256",
	        .level = "dv",
	        .self_signed = t->self_signed,
	        .der = der,
	        .der_len = sizeof(der),
	};
	fill(c.sha256, sizeof(c.sha256), t->id);
	fill(c.sha1, sizeof(c.sha1), t->id);
	fill(c.spki_sha256, sizeof(c.spki_sha256), t->key);
	fill(c.tbs_sha256, sizeof(c.tbs_sha256), t->id);
	assert_int_equal(store_put_certs(store, &c, 1, &err), DN_OK);

	char spki[65];
	for (int i = 0; i < 32; i++)
		snprintf(spki + 2 * i, 3, "%02x", t->key);
	struct store_cert_name names[8];
	size_t n = 0;
	for (int i = 0; i < 3 && t->dns[i] != NULL; i++)
		names[n++] = (struct store_cert_name){.kind = "dns", .value = t->dns[i]};
	names[n++] = (struct store_cert_name){.kind = "spki", .value = spki};
	names[n++] = (struct store_cert_name){.kind = "issuer", .value = t->issuer};
	if (t->self_signed)
		names[n++] = (struct store_cert_name){.kind = "ss-issuer.O",
		                                      .value = "Blue Lantern Hosting"};
	for (size_t i = 0; i < n; i++)
		memcpy(names[i].sha256, c.sha256, sizeof(c.sha256));
	assert_int_equal(store_put_cert_names(store, names, n, &err), DN_OK);
}

#define LE_ISSUER "CN=R3,O=Let's Encrypt,C=US"
#define BLUE_1 "CN=parcel-1.example,O=Blue Lantern Hosting,C=NL"
#define BLUE_2 "CN=parcel-2.example,O=Blue Lantern Hosting,C=NL"

static void put_certs(void)
{
	static const struct test_cert certs[] = {
	        {0x11, 0xa1, LE_ISSUER, "CN=alpha.example", false,
	         "DNS:alpha.example\nDNS:www.alpha.example\nDNS:shop-alpha.example",
	         {"example.alpha", "example.alpha.www", "example.shop-alpha"}},
	        {0x22, 0xa1, LE_ISSUER, "CN=other-alpha.example", false,
	         "DNS:other-alpha.example", {"example.other-alpha"}},
	        {0x33, 0xb1, BLUE_1, BLUE_1, true, "DNS:parcel-1.example",
	         {"example.parcel-1"}},
	        {0x44, 0xb2, BLUE_2, BLUE_2, true, "DNS:parcel-2.example",
	         {"example.parcel-2"}},
	};
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		put_cert(&certs[i]);
}

static void put_asn(uint32_t source)
{
	struct dn_error err;
	struct asn_range ranges[2] = {{.asn = 64496, .as_org = "Example Hosting"},
	                              {.asn = 64497, .as_org = "Other Hosting"}};
	struct ip_range r;
	assert_true(ip_range_parse("192.0.2.0/24", &r));
	ranges[0].lo = r.lo, ranges[0].hi = r.hi;
	assert_true(ip_range_parse("198.51.100.0/24", &r));
	ranges[1].lo = r.lo, ranges[1].hi = r.hi;
	struct store_asn_load load = {.source_id = source,
	                              .id = (int64_t)T0 * 1000000000,
	                              .loaded = T0,
	                              .format = "ip2asn",
	                              .input = "test.tsv",
	                              .ranges = 2};
	assert_int_equal(store_put_asn_ranges(store, &load, ranges, 2, &err), DN_OK);
	assert_int_equal(store_put_asn_load(store, &load, &err), DN_OK);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(db_path, sizeof(db_path), "%s/test_pivot_%d.db", tmp ? tmp : "/tmp", (int)getpid());
	unlink(db_path);
	struct dn_error err;
	if (store_open(db_path, STORE_WRITE, NULL, &store, &err) != DN_OK)
		fail_msg("store_open: %s", err.msg);
	uint32_t sensor, registry, asn_source;
	assert_int_equal(store_source_id(store, "sensor-a", "sensor", &sensor, &err), DN_OK);
	assert_int_equal(store_source_id(store, "whois-import", "file", &registry, &err), DN_OK);
	assert_int_equal(store_source_id(store, "ip2asn", "file", &asn_source, &err), DN_OK);
	assert_int_equal(store_begin(store, &err), DN_OK);
	put_records(sensor);
	put_flux_records(sensor);
	put_whois(registry, "alpha.example", "Ella Davies", "+44.2079460310", "ops@alpha-mail.example");
	put_whois(registry, "ring2.example", "Ella Davies", "+44.2079460310", "e2@mail.example");
	put_whois(registry, "ring1.example", "Tom Brown", "+44.2079460311", "t1@mail.example");
	put_whois(registry, "far.example", "Ann Other", "+44.2079469999", "far@mail.example");
	put_certs();
	put_asn(asn_source);
	assert_int_equal(store_commit(store, &err), DN_OK);
	assert_int_equal(cli_asn_table_build(store, &asn, &err), DN_OK);
	shared_list_init(&shared);
	assert_int_equal(shared_list_load_default(&shared, &err), DN_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	asn_table_free(asn);
	shared_list_free(&shared);
	store_close(store);
	char extra[4200];
	unlink(db_path);
	snprintf(extra, sizeof(extra), "%s-wal", db_path);
	unlink(extra);
	snprintf(extra, sizeof(extra), "%s-shm", db_path);
	unlink(extra);
	return 0;
}

/* ---- Helpers ---- */

static void map(const struct pivot_options *opt, const char *seed, struct graph *g,
                struct pivot_stats *stats)
{
	struct dn_error err;
	graph_init(g);
	const char *seeds[] = {seed};
	if (pivot_map(store, opt, seeds, 1, g, stats, &err) != DN_OK)
		fail_msg("pivot_map %s: %s", seed, err.msg);
}

static void default_options(struct pivot_options *opt)
{
	pivot_options_init(opt);
	opt->shared = &shared;
	opt->asn_table = asn;
}

static const struct graph_node *node(const struct graph *g, enum graph_kind kind, const char *key)
{
	uint32_t id = graph_find(g, kind, key);
	if (id == UINT32_MAX)
		fail_msg("no %s node %s", graph_kind_name(kind), key);
	return &g->nodes[id];
}

static bool has_node(const struct graph *g, enum graph_kind kind, const char *key)
{
	return graph_find(g, kind, key) != UINT32_MAX;
}

static const struct graph_edge *edge(const struct graph *g, enum graph_kind from_kind,
                                     const char *from, enum graph_kind to_kind, const char *to,
                                     enum graph_relation rel)
{
	uint32_t a = graph_find(g, from_kind, from), b = graph_find(g, to_kind, to);
	for (size_t i = 0; a != UINT32_MAX && b != UINT32_MAX && i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];
		if (e->from == a && e->to == b && e->relation == rel)
			return e;
	}
	fail_msg("no %s edge %s -> %s", graph_relation_name(rel), from, to);
	return NULL;
}

static bool has_edge(const struct graph *g, enum graph_kind from_kind, const char *from,
                     enum graph_kind to_kind, const char *to, enum graph_relation rel)
{
	uint32_t a = graph_find(g, from_kind, from), b = graph_find(g, to_kind, to);
	return a != UINT32_MAX && b != UINT32_MAX && graph_find_edge(g, a, b, rel) != UINT32_MAX;
}

static const struct graph_evidence *evidence(const struct graph_edge *e, const char *detail)
{
	for (size_t i = 0; i < e->n_evidence; i++)
		if (strstr(e->evidence[i].detail, detail) != NULL)
			return &e->evidence[i];
	fail_msg("no evidence with detail '%s'", detail);
	return NULL;
}

/* ---- Seeds ---- */

static void test_seed_kinds(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum graph_kind kind;
		const char *key;
	} cases[] = {
	        {"WWW.Alpha.Example.", GRAPH_DOMAIN, "www.alpha.example"},
	        {"192.0.2.7", GRAPH_IP, "192.0.2.7"},
	        {"2001:DB8::1", GRAPH_IP, "2001:db8::1"},
	        {"192.0.2.0/24", GRAPH_PREFIX, "192.0.2.0/24"},
	        {"AS64496", GRAPH_ASN, "AS64496"},
	        {"asn:64496", GRAPH_ASN, "AS64496"},
	        {"Ops@Alpha-Mail.Example", GRAPH_EMAIL, "ops@alpha-mail.example"},
	        {"+44.2079460310", GRAPH_PHONE, "+442079460310"},
	        {"name:John  Smith", GRAPH_NAME, "john smith"},
	        {"org:Example Ltd.", GRAPH_ORG, "example"},
	        {"ns:NS1.Example.", GRAPH_NAMESERVER, "ns1.example"},
	        {"spki:" "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1",
	         GRAPH_SPKI, "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"},
	        {"issuer:O=Blue Lantern Hosting", GRAPH_ISSUER, "O=Blue Lantern Hosting"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pivot_seed seed;
		struct dn_error err;
		if (pivot_seed_parse(cases[i].text, &seed, &err) != DN_OK)
			fail_msg("%s: %s", cases[i].text, err.msg);
		assert_int_equal(seed.kind, cases[i].kind);
		assert_string_equal(seed.key, cases[i].key);
	}
	struct pivot_seed seed;
	struct dn_error err;
	assert_int_equal(pivot_seed_parse(
	                         "1111111111111111111111111111111111111111", &seed, &err),
	                 DN_OK);
	assert_int_equal(seed.kind, GRAPH_CERT);
	assert_true(seed.sha1);
}

static void test_seed_errors(void **state)
{
	(void)state;
	struct pivot_seed seed;
	struct dn_error err;
	assert_int_equal(pivot_seed_parse("hello", &seed, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "unknown seed kind for 'hello'"));
	assert_int_equal(pivot_seed_parse("email:nobody", &seed, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "email:nobody"));
	assert_int_equal(pivot_seed_parse("AS99999999999", &seed, &err), DN_EINVAL);
	assert_int_equal(pivot_seed_parse("spki:abc", &seed, &err), DN_EINVAL);
	assert_int_equal(pivot_seed_parse("", &seed, &err), DN_EINVAL);
	assert_int_equal(pivot_seed_parse("*.alpha.example", &seed, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "wildcard seed '*.alpha.example' is not supported"));
	assert_int_equal(pivot_seed_parse("ns:ns1.*", &seed, &err), DN_EINVAL);

	struct pivot_options opt;
	default_options(&opt);
	struct graph g;
	graph_init(&g);
	const char *seeds[] = {"cert:" "9999999999999999999999999999999999999999999999999999999999999999"};
	assert_int_equal(pivot_map(store, &opt, seeds, 1, &g, NULL, &err), DN_ENOENT);
	assert_non_null(strstr(err.msg, "not in the store"));
	graph_free(&g);
}

/* ---- Pivots ---- */

static void test_map_domain(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	struct graph g;
	struct pivot_stats stats;
	map(&opt, "www.alpha.example", &g, &stats);

	const struct graph_node *seed = node(&g, GRAPH_DOMAIN, "www.alpha.example");
	assert_true(seed->seed);
	assert_int_equal(seed->depth, 0);
	assert_true(seed->expanded);
	/* Its registrable domain comes with it, at depth 0. */
	assert_int_equal(node(&g, GRAPH_REGDOMAIN, "alpha.example")->depth, 0);
	const struct graph_edge *reg = edge(&g, GRAPH_DOMAIN, "www.alpha.example", GRAPH_REGDOMAIN,
	                                    "alpha.example", GRAPH_REL_REGISTERED);
	assert_int_equal(reg->evidence[0].from, GRAPH_FROM_DERIVED);

	/* pDNS forward, with the record's times and count. */
	const struct graph_edge *a = edge(&g, GRAPH_DOMAIN, "www.alpha.example", GRAPH_IP,
	                                  "192.0.2.10", GRAPH_REL_RESOLVES);
	const struct graph_evidence *ev = evidence(a, "A 192.0.2.10");
	assert_int_equal(ev->from, GRAPH_FROM_PDNS);
	assert_int_equal(ev->time_first, T0);
	assert_int_equal(ev->time_last, T0 + 30 * DAY);
	assert_int_equal(ev->count, 3);
	assert_int_equal(node(&g, GRAPH_IP, "192.0.2.10")->depth, 1);

	/* Hop 2: reverse pDNS of the address finds the other names on it. */
	assert_true(node(&g, GRAPH_IP, "192.0.2.10")->expanded);
	assert_int_equal(node(&g, GRAPH_IP, "192.0.2.10")->share, 3);
	edge(&g, GRAPH_DOMAIN, "beta.example", GRAPH_IP, "192.0.2.10", GRAPH_REL_RESOLVES);
	edge(&g, GRAPH_DOMAIN, "late.example", GRAPH_IP, "192.0.2.10", GRAPH_REL_RESOLVES);
	assert_int_equal(node(&g, GRAPH_DOMAIN, "beta.example")->depth, 2);
	assert_int_equal(node(&g, GRAPH_DOMAIN, "beta.example")->hold, GRAPH_HOLD_DEPTH);

	/* Its prefix and origin AS from the stored ranges. */
	const struct graph_edge *in = edge(&g, GRAPH_IP, "192.0.2.10", GRAPH_PREFIX, "192.0.2.0/24",
	                                   GRAPH_REL_IN_PREFIX);
	assert_int_equal(in->evidence[0].from, GRAPH_FROM_ASN);
	assert_string_equal(in->evidence[0].source, "ip2asn");
	edge(&g, GRAPH_PREFIX, "192.0.2.0/24", GRAPH_ASN, "AS64496", GRAPH_REL_ORIGIN);
	assert_string_equal(node(&g, GRAPH_ASN, "AS64496")->label, "AS64496 Example Hosting");

	/* The shared hosting address: counted, kept, not expanded. */
	const struct graph_node *shared_ip = node(&g, GRAPH_IP, "198.51.100.1");
	assert_int_equal(shared_ip->hold, GRAPH_HOLD_SHARED);
	assert_int_equal(shared_ip->share, 251);
	assert_false(shared_ip->share_capped);
	assert_string_equal(shared_ip->hold_reason, "shared by 251 names (limit 200)");
	assert_false(has_node(&g, GRAPH_DOMAIN, "site000.shared.example"));
	assert_false(has_node(&g, GRAPH_PREFIX, "198.51.100.0/24"));
	assert_true(stats.held_shared >= 1);
	graph_free(&g);
}

static void test_map_whois(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	struct graph g;
	map(&opt, "www.alpha.example", &g, NULL);

	/* The registered domain's WHOIS values, one hop away. */
	const struct graph_edge *mail = edge(&g, GRAPH_REGDOMAIN, "alpha.example", GRAPH_EMAIL,
	                                     "ops@alpha-mail.example", GRAPH_REL_REGISTRANT);
	const struct graph_evidence *ev = evidence(mail, "registrant email");
	assert_int_equal(ev->from, GRAPH_FROM_WHOIS);
	assert_string_equal(ev->source, "whois-import");
	assert_int_equal(ev->time_first, T0 + DAY);
	edge(&g, GRAPH_REGDOMAIN, "alpha.example", GRAPH_REGISTRAR, "sample names",
	     GRAPH_REL_REGISTRAR);
	edge(&g, GRAPH_REGDOMAIN, "alpha.example", GRAPH_NAMESERVER, "ns1.alpha-dns.example",
	     GRAPH_REL_NS);

	/* Reverse WHOIS on the phone: the exact number, and the number one
	 * digit off as a variant. The unrelated number stays out. */
	const struct graph_node *phone = node(&g, GRAPH_PHONE, "+442079460310");
	assert_true(phone->expanded);
	assert_int_equal(phone->share, 2);
	const struct graph_edge *exact = edge(&g, GRAPH_REGDOMAIN, "ring2.example", GRAPH_PHONE,
	                                      "+442079460310", GRAPH_REL_REGISTRANT);
	assert_null(strstr(exact->evidence[0].detail, "variant"));
	/* The variant links ring1.example to its own number, not to the one
	 * expanded, so the graph does not claim that they share a number. */
	const struct graph_edge *variant = edge(&g, GRAPH_REGDOMAIN, "ring1.example", GRAPH_PHONE,
	                                        "+442079460311", GRAPH_REL_REGISTRANT);
	evidence(variant, "registrant phone, a variant of +442079460310 (last digit differs)");
	assert_false(has_edge(&g, GRAPH_REGDOMAIN, "ring1.example", GRAPH_PHONE, "+442079460310",
	                      GRAPH_REL_REGISTRANT));
	/* far.example shares only the registrar, which is held as a weak
	 * pivot: it stays out unless --expand names the registrar. */
	assert_false(has_edge(&g, GRAPH_REGDOMAIN, "far.example", GRAPH_REGISTRAR, "sample names",
	                      GRAPH_REL_REGISTRAR));
	const struct graph_node *registrar = node(&g, GRAPH_REGISTRAR, "sample names");
	assert_int_equal(registrar->hold, GRAPH_HOLD_WEAK);
	assert_false(registrar->expanded);
	graph_free(&g);
	const char *follow[] = {"sample names"};
	opt.expand = follow;
	opt.n_expand = 1;
	map(&opt, "www.alpha.example", &g, NULL);
	edge(&g, GRAPH_REGDOMAIN, "far.example", GRAPH_REGISTRAR, "sample names",
	     GRAPH_REL_REGISTRAR);
	assert_int_equal(node(&g, GRAPH_REGISTRAR, "sample names")->share, 4);
	opt.expand = NULL;
	opt.n_expand = 0;

	/* The privacy service's values are kept, masked, never expanded. */
	const struct graph_node *proxy = node(&g, GRAPH_EMAIL, "alpha.example@domainsbyproxy.com");
	assert_int_equal(proxy->hold, GRAPH_HOLD_MASKED);
	assert_false(proxy->expanded);

	/* pDNS NS and MX of the apex name, which the registrable domain brings. */
	edge(&g, GRAPH_DOMAIN, "alpha.example", GRAPH_NAMESERVER, "ns1.alpha-dns.example",
	     GRAPH_REL_NS);
	edge(&g, GRAPH_DOMAIN, "alpha.example", GRAPH_MX, "mail.alpha.example", GRAPH_REL_MX);
	/* Hop 2 from the nameserver: names with NS records pointing at it. */
	edge(&g, GRAPH_DOMAIN, "gamma.example", GRAPH_NAMESERVER, "ns1.alpha-dns.example",
	     GRAPH_REL_NS);
	graph_free(&g);
}

static void test_map_certs(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	struct graph g;
	map(&opt, "www.alpha.example", &g, NULL);

	static const char cert1[] = "1111111111111111111111111111111111111111111111111111111111111111";
	static const char cert2[] = "2222222222222222222222222222222222222222222222222222222222222222";
	static const char key[] = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
	const struct graph_edge *san = edge(&g, GRAPH_CERT, cert1, GRAPH_DOMAIN, "www.alpha.example",
	                                    GRAPH_REL_CERT_NAME);
	assert_int_equal(san->evidence[0].from, GRAPH_FROM_CERT);
	assert_int_equal(san->evidence[0].time_first, T0);
	assert_int_equal(san->evidence[0].time_last, T0 + 90 * DAY);
	/* The certificate brings its other names, key and issuer at its depth. */
	assert_int_equal(node(&g, GRAPH_CERT, cert1)->depth, 1);
	assert_int_equal(node(&g, GRAPH_CERT, cert1)->share, 3);
	assert_string_equal(node(&g, GRAPH_CERT, cert1)->label, "CN=alpha.example");
	assert_int_equal(node(&g, GRAPH_DOMAIN, "shop-alpha.example")->depth, 1);
	edge(&g, GRAPH_CERT, cert1, GRAPH_SPKI, key, GRAPH_REL_CERT_KEY);
	/* Hop 2: the key leads to another certificate and its name. */
	edge(&g, GRAPH_CERT, cert2, GRAPH_SPKI, key, GRAPH_REL_CERT_KEY);
	edge(&g, GRAPH_CERT, cert2, GRAPH_DOMAIN, "other-alpha.example", GRAPH_REL_CERT_NAME);
	/* The public CA is listed: kept, held, not expanded. */
	const struct graph_node *ca = node(&g, GRAPH_ISSUER, LE_ISSUER);
	assert_int_equal(ca->hold, GRAPH_HOLD_LISTED);
	assert_string_equal(ca->hold_reason, "listed: Let's Encrypt (public CA)");
	graph_free(&g);
}

static void test_map_self_signed_issuer(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	struct graph g;
	map(&opt, "parcel-1.example", &g, NULL);
	/* Seed -> certificate, which brings its self-signed issuer's
	 * organisation; hop 2 -> the other certificate of that organisation. */
	const struct graph_node *issuer = node(&g, GRAPH_ISSUER, "O=Blue Lantern Hosting");
	assert_true(issuer->expanded);
	assert_int_equal(issuer->share, 2);
	assert_string_equal(issuer->label, "self-signed, O=Blue Lantern Hosting");
	static const char cert4[] = "4444444444444444444444444444444444444444444444444444444444444444";
	edge(&g, GRAPH_CERT, cert4, GRAPH_ISSUER, "O=Blue Lantern Hosting", GRAPH_REL_CERT_ISSUER);
	edge(&g, GRAPH_CERT, cert4, GRAPH_DOMAIN, "parcel-2.example", GRAPH_REL_CERT_NAME);
	graph_free(&g);
}

static void test_map_asn_seed(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	opt.depth = 2;
	struct graph g;
	map(&opt, "AS64496", &g, NULL);
	assert_int_equal(node(&g, GRAPH_ASN, "AS64496")->share, 1);
	edge(&g, GRAPH_PREFIX, "192.0.2.0/24", GRAPH_ASN, "AS64496", GRAPH_REL_ORIGIN);
	/* Hop 2: the names seen in the prefix, through their addresses. */
	edge(&g, GRAPH_DOMAIN, "beta.example", GRAPH_IP, "192.0.2.10", GRAPH_REL_RESOLVES);
	edge(&g, GRAPH_IP, "192.0.2.10", GRAPH_PREFIX, "192.0.2.0/24", GRAPH_REL_IN_PREFIX);
	assert_false(has_node(&g, GRAPH_PREFIX, "198.51.100.0/24"));
	graph_free(&g);
}

/* ---- Limits and time ---- */

static void test_regdomain_names_below(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	opt.depth = 1;
	struct graph g;
	struct pivot_stats stats;
	map(&opt, "alpha.example", &g, &stats);
	/* The names seen below the registrable domain come at the first hop,
	 * though the seed's own records do not name them. */
	assert_int_equal(node(&g, GRAPH_DOMAIN, "www.alpha.example")->depth, 1);
	assert_int_equal(node(&g, GRAPH_DOMAIN, "cdn.alpha.example")->depth, 1);
	edge(&g, GRAPH_DOMAIN, "www.alpha.example", GRAPH_REGDOMAIN, "alpha.example",
	     GRAPH_REL_REGISTERED);
	assert_true(node(&g, GRAPH_REGDOMAIN, "alpha.example")->expanded);
	assert_int_equal(node(&g, GRAPH_REGDOMAIN, "alpha.example")->share, 2);
	graph_free(&g);

	/* 250 names below shared.example: held as shared, with the count. */
	map(&opt, "shared.example", &g, &stats);
	const struct graph_node *reg = node(&g, GRAPH_REGDOMAIN, "shared.example");
	assert_int_equal(reg->hold, GRAPH_HOLD_SHARED);
	assert_int_equal(reg->share, 250);
	assert_false(reg->share_capped);
	assert_string_equal(reg->hold_reason, "shared by 250 names (limit 200)");
	assert_false(has_node(&g, GRAPH_DOMAIN, "site000.shared.example"));
	graph_free(&g);
}

static void test_lookup_cut(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	opt.depth = 1;
	struct graph g;
	struct pivot_stats stats;
	map(&opt, "flux.example", &g, &stats);
	/* The forward lookup stops at records_max (1,000 of 1,001): the node
	 * keeps what was read and its hold reason reports the cut. */
	const struct graph_node *flux = node(&g, GRAPH_DOMAIN, "flux.example");
	assert_int_equal(flux->hold, GRAPH_HOLD_SHARED);
	assert_true(flux->share_capped);
	assert_int_equal(flux->share, 1000);
	assert_string_equal(flux->hold_reason, "lookup cut at 1,000 records; raise --share-max or "
	                                       "--expand to follow more");
	assert_int_equal(stats.cut, 1);
	assert_int_equal(g.n_nodes, 1000 + 2);
	graph_free(&g);

	/* --share-max above records_max raises the cap. */
	opt.share_max = 2000;
	map(&opt, "flux.example", &g, &stats);
	flux = node(&g, GRAPH_DOMAIN, "flux.example");
	assert_int_equal(flux->hold, GRAPH_HOLD_NONE);
	assert_true(flux->expanded);
	assert_false(flux->share_capped);
	assert_int_equal(stats.cut, 0);
	assert_int_equal(g.n_nodes, FLUX_RECORDS + 2);
	graph_free(&g);

	/* A cap that the records fit exactly is not a cut. */
	opt.share_max = FLUX_RECORDS;
	map(&opt, "flux.example", &g, &stats);
	flux = node(&g, GRAPH_DOMAIN, "flux.example");
	assert_int_equal(flux->hold, GRAPH_HOLD_NONE);
	assert_false(flux->share_capped);
	assert_int_equal(stats.cut, 0);
	assert_int_equal(g.n_nodes, FLUX_RECORDS + 2);
	graph_free(&g);
}

static void test_forced_reverse_cut(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	opt.depth = 1;
	const char *expand[] = {"198.51.100.1", "flux.example"};
	opt.expand = expand;
	opt.n_expand = 2;
	struct graph g;
	struct pivot_stats stats;
	/* Forced, a lookup reads past records_max: all 1,001 records. */
	map(&opt, "flux.example", &g, &stats);
	assert_true(node(&g, GRAPH_DOMAIN, "flux.example")->expanded);
	assert_int_equal(stats.cut, 0);
	assert_int_equal(g.n_nodes, FLUX_RECORDS + 2);
	graph_free(&g);

	/* With forced_records_max below the 251 names' records, the reverse
	 * lookup stops there and the hold reason reports the cut. */
	opt.share_max = 10;
	opt.records_max = 50;
	opt.forced_records_max = 100;
	map(&opt, "198.51.100.1", &g, &stats);
	const struct graph_node *ip = node(&g, GRAPH_IP, "198.51.100.1");
	assert_true(ip->share_capped);
	assert_int_equal(ip->hold, GRAPH_HOLD_SHARED);
	assert_string_equal(ip->hold_reason, "lookup cut at 100 records; raise --share-max or "
	                                     "--expand to follow more");
	assert_int_equal(stats.cut, 1);
	assert_true(has_node(&g, GRAPH_DOMAIN, "site000.shared.example"));
	graph_free(&g);
}

static void test_whois_evidence_once(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	struct graph g;
	map(&opt, "www.alpha.example", &g, NULL);
	/* The email is read from alpha.example's record (hop 1) and again by
	 * reverse WHOIS on the email (hop 2): one piece of evidence, named. */
	assert_true(node(&g, GRAPH_EMAIL, "ops@alpha-mail.example")->expanded);
	const struct graph_edge *mail = edge(&g, GRAPH_REGDOMAIN, "alpha.example", GRAPH_EMAIL,
	                                     "ops@alpha-mail.example", GRAPH_REL_REGISTRANT);
	assert_int_equal(mail->n_evidence, 1);
	assert_string_equal(mail->evidence[0].source, "whois-import");
	assert_int_equal(mail->evidence[0].count, 1);
	graph_free(&g);
}

static void test_share_override(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	opt.share_max = 300;
	struct graph g;
	map(&opt, "198.51.100.1", &g, NULL);
	assert_true(node(&g, GRAPH_IP, "198.51.100.1")->expanded);
	assert_true(has_node(&g, GRAPH_DOMAIN, "site249.shared.example"));
	graph_free(&g);

	default_options(&opt);
	const char *expand[] = {"198.51.100.1"};
	opt.expand = expand;
	opt.n_expand = 1;
	map(&opt, "198.51.100.1", &g, NULL);
	assert_true(node(&g, GRAPH_IP, "198.51.100.1")->expanded);
	assert_int_equal(node(&g, GRAPH_IP, "198.51.100.1")->share, 251);
	graph_free(&g);

	default_options(&opt);
	opt.share_max = 100;
	map(&opt, "198.51.100.1", &g, NULL);
	const struct graph_node *ip = node(&g, GRAPH_IP, "198.51.100.1");
	assert_int_equal(ip->hold, GRAPH_HOLD_SHARED);
	assert_string_equal(ip->hold_reason, "shared by 251 names (limit 100)");
	graph_free(&g);
}

static void test_overlap_rule(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	opt.overlap_only = true;
	struct graph g;
	struct pivot_stats stats;
	map(&opt, "www.alpha.example", &g, &stats);
	/* beta.example used the address while www.alpha.example did;
	 * late.example a year later, so it does not join. */
	edge(&g, GRAPH_DOMAIN, "beta.example", GRAPH_IP, "192.0.2.10", GRAPH_REL_RESOLVES);
	assert_false(has_node(&g, GRAPH_DOMAIN, "late.example"));
	assert_true(stats.skipped_time >= 1);
	graph_free(&g);
}

static void test_time_fence(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	opt.until = T0 + 100 * DAY;
	struct graph g;
	map(&opt, "www.alpha.example", &g, NULL);
	assert_true(has_node(&g, GRAPH_DOMAIN, "beta.example"));
	assert_false(has_node(&g, GRAPH_DOMAIN, "late.example"));
	graph_free(&g);

	default_options(&opt);
	opt.since = T0 + 300 * DAY;
	map(&opt, "www.alpha.example", &g, NULL);
	/* Nothing of www.alpha.example was seen after since: no address, no
	 * certificate, no WHOIS values. */
	assert_false(has_node(&g, GRAPH_IP, "192.0.2.10"));
	assert_false(has_node(&g, GRAPH_EMAIL, "ops@alpha-mail.example"));
	assert_false(has_node(&g, GRAPH_SPKI,
	                      "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"));
	graph_free(&g);

	/* The address as a seed, fenced to late.example's time. */
	default_options(&opt);
	opt.since = T0 + 300 * DAY;
	map(&opt, "192.0.2.10", &g, NULL);
	assert_true(has_node(&g, GRAPH_DOMAIN, "late.example"));
	assert_false(has_node(&g, GRAPH_DOMAIN, "beta.example"));
	graph_free(&g);
}

static void test_depth_zero(void **state)
{
	(void)state;
	struct pivot_options opt;
	default_options(&opt);
	opt.depth = 0;
	struct graph g;
	map(&opt, "192.0.2.10", &g, NULL);
	assert_int_equal(g.n_nodes, 1);
	assert_int_equal(g.nodes[0].hold, GRAPH_HOLD_DEPTH);
	graph_free(&g);
}

/* ---- The shared-infrastructure list ---- */

static void test_shared_list_parse(void **state)
{
	(void)state;
	static const char text[] = "# comment\n"
	                           "\n"
	                           "asn | AS13335 | Cloudflare\n"
	                           "  asn|64496|Test AS  \r\n"
	                           "prefix | 203.0.113.0/24 | Test net\n"
	                           "nameserver | awsdns-*.com | Route 53\n"
	                           "mx | mail.example | Test mail\n"
	                           "domain | cdn.example. | Test CDN\n"
	                           "issuer-org | Test CA Inc | Test CA\n"
	                           "email-domain | @proxy.example | Test proxy\n"
	                           "org | Proxy Services, LLC | Test proxy org\n";
	struct shared_list l;
	shared_list_init(&l);
	unsigned line;
	struct dn_error err;
	assert_int_equal(shared_list_parse(&l, text, strlen(text), &line, &err), DN_OK);
	assert_int_equal(l.n_entries, 9);
	assert_int_equal(l.entries[1].asn, 64496);
	assert_string_equal(l.entries[1].value, "AS64496");
	assert_string_equal(l.entries[1].label, "Test AS");
	assert_int_equal(l.entries[1].line, 4);

	const struct shared_entry *e;
	assert_non_null(e = shared_list_match(&l, GRAPH_ASN, "AS13335"));
	assert_string_equal(e->label, "Cloudflare");
	assert_non_null(shared_list_match(&l, GRAPH_IP, "203.0.113.99"));
	assert_non_null(shared_list_match(&l, GRAPH_PREFIX, "203.0.113.128/25"));
	assert_null(shared_list_match(&l, GRAPH_PREFIX, "203.0.112.0/23"));
	assert_null(shared_list_match(&l, GRAPH_IP, "192.0.2.1"));
	assert_non_null(shared_list_match(&l, GRAPH_NAMESERVER, "ns-12.awsdns-34.com"));
	assert_null(shared_list_match(&l, GRAPH_NAMESERVER, "ns-12.awsdns-34.net"));
	assert_null(shared_list_match(&l, GRAPH_NAMESERVER, "awsdns.com"));
	assert_non_null(shared_list_match(&l, GRAPH_MX, "mx1.mail.example"));
	assert_null(shared_list_match(&l, GRAPH_MX, "xmail.example"));
	assert_non_null(shared_list_match(&l, GRAPH_DOMAIN, "d1.cdn.example"));
	assert_non_null(shared_list_match(&l, GRAPH_ISSUER, "CN=R1,O=Test CA Inc,C=US"));
	assert_non_null(shared_list_match(&l, GRAPH_ISSUER, "O=test ca inc"));
	assert_null(shared_list_match(&l, GRAPH_ISSUER, "CN=Test CA Inc"));
	assert_non_null(shared_list_match(&l, GRAPH_EMAIL, "abc@proxy.example"));
	assert_null(shared_list_match(&l, GRAPH_EMAIL, "abc@noproxy.example"));
	assert_non_null(shared_list_match(&l, GRAPH_ORG, "proxy services"));
	shared_list_free(&l);
}

static void test_shared_list_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		unsigned line;
		const char *message;
	} cases[] = {
	        {"asn | AS1 | ok\nasn | ASX | bad\n", 2, "invalid AS number 'ASX'"},
	        {"asn | AS1\n", 1, "expected three fields"},
	        {"a | b | c | d\n", 1, "expected three fields"},
	        {"city | x | y\n", 1, "unknown kind 'city'"},
	        {"prefix | 192.0.2.1 | y\n", 1, "invalid CIDR prefix"},
	        {"prefix | 192.0.2.0/33 | y\n", 1, "invalid CIDR prefix"},
	        {"nameserver | a..b | y\n", 1, "invalid host name"},
	        {"nameserver | ns1.example |\n", 1, "empty label"},
	        {"mx |  | y\n", 1, "empty value"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct shared_list l;
		shared_list_init(&l);
		unsigned line;
		struct dn_error err;
		assert_int_equal(shared_list_parse(&l, cases[i].text, strlen(cases[i].text), &line,
		                                   &err),
		                 DN_EMALF);
		assert_int_equal(line, cases[i].line);
		if (strstr(err.msg, cases[i].message) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].message);
		shared_list_free(&l);
	}
}

static void test_shared_list_default(void **state)
{
	(void)state;
	assert_true(shared.n_entries > 100);
	assert_non_null(shared_list_match(&shared, GRAPH_NAMESERVER, "lara.ns.cloudflare.com"));
	assert_non_null(shared_list_match(&shared, GRAPH_NAMESERVER, "ns07.domaincontrol.com"));
	assert_non_null(shared_list_match(&shared, GRAPH_ASN, "AS13335"));
	assert_non_null(shared_list_match(&shared, GRAPH_IP, "104.16.132.229"));
	assert_null(shared_list_match(&shared, GRAPH_IP, "192.0.2.10"));
	assert_null(shared_list_match(&shared, GRAPH_NAMESERVER, "ns1.alpha-dns.example"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_seed_kinds),
	        cmocka_unit_test(test_seed_errors),
	        cmocka_unit_test(test_map_domain),
	        cmocka_unit_test(test_map_whois),
	        cmocka_unit_test(test_map_certs),
	        cmocka_unit_test(test_map_self_signed_issuer),
	        cmocka_unit_test(test_map_asn_seed),
	        cmocka_unit_test(test_regdomain_names_below),
	        cmocka_unit_test(test_lookup_cut),
	        cmocka_unit_test(test_forced_reverse_cut),
	        cmocka_unit_test(test_whois_evidence_once),
	        cmocka_unit_test(test_share_override),
	        cmocka_unit_test(test_overlap_rule),
	        cmocka_unit_test(test_time_fence),
	        cmocka_unit_test(test_depth_zero),
	        cmocka_unit_test(test_shared_list_parse),
	        cmocka_unit_test(test_shared_list_errors),
	        cmocka_unit_test(test_shared_list_default),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
