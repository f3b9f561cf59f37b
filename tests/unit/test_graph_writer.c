/* Tests for the graph writers: the text report's content, width and caps, the
 * JSON document, escaping of hostile labels in DOT and GraphML, STIX SCO
 * ids, redaction of personal data in all six formats, and write errors.
 * The streaming JSON writer is compared byte for byte with the jansson tree
 * writer it replaced (graph_json_tree.h), and the indexed redaction search
 * with a strcasestr() search, on the sample and on a generated map.
 * test_graph_formats.py checks the same files with dot, xmllint, NetworkX
 * and the corpus's STIX and MISP examples. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "export/graph_writer.h"
#include "export/graph_writer_internal.h"
#include "graph_json_tree.h"
#include "graph_sample.h"
#include "whois/privacy.h"

struct fixture {
	struct graph g;
	struct cluster_result res;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	graph_init(&f->g);
	if (!sample_build(&f->g, &f->res))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	graph_free(&f->g);
	free(f);
	return 0;
}

/* Write the sample in format and return the bytes (NUL-terminated). */
static char *render(struct fixture *f, enum graph_format format, bool redact)
{
	struct graph_write_options opt;
	sample_options(&opt, redact);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	struct dn_error err = {0};
	dn_status rc = graph_write(out, format, &f->g, &f->res, &opt, &err);
	if (rc)
		fail_msg("graph_write(%s) failed: %s", graph_format_name(format), err.msg);
	fclose(out);
	return buf;
}

static void test_format_names(void **state)
{
	(void)state;
	static const char *const names[] = {"text", "json", "dot", "graphml", "stix", "misp"};
	static const char *const extensions[] = {"txt", "json", "dot", "graphml", "stix.json",
	                                         "misp.json"};
	for (int i = 0; i < GRAPH_FORMAT_COUNT; i++) {
		enum graph_format f;
		assert_string_equal(graph_format_name((enum graph_format)i), names[i]);
		assert_string_equal(graph_format_extension((enum graph_format)i), extensions[i]);
		assert_true(graph_format_parse(names[i], &f));
		assert_int_equal(f, i);
	}
	enum graph_format f;
	assert_false(graph_format_parse("xml", &f));
	assert_false(graph_format_parse("", &f));
}

/* Fail unless every line of text fits in 100 columns, counting UTF-8
 * characters. Returns the number of lines. */
static size_t assert_width(const char *text)
{
	size_t line = 1, col = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '\n') {
			if (col > 100)
				fail_msg("line %zu is %zu columns wide", line, col);
			line++;
			col = 0;
		} else if ((*p & 0xc0) != 0x80) {
			col++;
		}
	}
	return line - 1;
}

static void test_text_report(void **state)
{
	char *text = render(*state, GRAPH_FORMAT_TEXT, false);
	/* The workflow order. */
	const char *seeds = strstr(text, "1. Seeds");
	const char *expansion = strstr(text, "2. Expansion");
	const char *correlation = strstr(text, "3. Correlation");
	const char *clusters = strstr(text, "4. Clusters and confidence");
	assert_non_null(seeds);
	assert_non_null(expansion);
	assert_non_null(correlation);
	assert_non_null(clusters);
	assert_true(seeds < expansion && expansion < correlation && correlation < clusters);
	/* Held values with their share count, the stored reason, a capped count. */
	assert_non_null(strstr(text, "203.0.113.10 shared by 2,314 domains (limit 200): not expanded"));
	assert_non_null(strstr(text, "ns1.cloudflare.com listed: cloudflare (shared by at least "
	                             "90,000): not expanded"));
	/* The privacy service's email is masked: counted by kind, and named. */
	assert_non_null(strstr(text, "1 registrant email masked (a redacted value or a privacy "
	                             "service): contact@privacyprotect.org"));
	/* The seed's cluster in full with the seed first, the other one as a row. */
	assert_non_null(strstr(text, "Cluster 1: high confidence (0.94), contains a seed"));
	assert_non_null(strstr(text, "high       0.97  shop.example (seed)\n"
	                             "      high       0.95  pay.example\n"
	                             "      medium     0.75  evil"));
	assert_null(strstr(text, "Cluster 2:"));
	assert_non_null(strstr(text, "1 cluster without a seed, largest first:"));
	assert_non_null(strstr(text, "\n     2 tentative 0.30       1  other.example"));
	assert_non_null(strstr(text, "Single point of failure: ns1.hostile.example (nameserver) "
	                             "serves 3 of the 3 registrable\n        domains (100%)"));
	assert_non_null(strstr(text, "Hosting ASNs          AS64496 (3)"));
	assert_non_null(strstr(text, "First activity        2023-11-14T22:13:20Z"));
	assert_non_null(strstr(text, "Last activity         2024-03-09T16:00:00Z"));
	assert_non_null(strstr(text, "time fence 2023-11-14T22:13:20Z to open"));
	/* The hostile label stays on one line. */
	assert_non_null(strstr(text, "evil\"dom\\ain <b>{x}</b>&amp;  "));
	assert_width(text);
	free(text);
}

/* A map too large to list in full: 30 shared addresses, 10 masked emails,
 * a seed cluster of 30 domains and 25 clusters of two domains without a
 * seed. */
#define BIG_SHARED 30
#define BIG_MASKED 10
#define BIG_SEED_MEMBERS 30
#define BIG_OTHERS 25

struct big_map {
	struct graph g;
	struct cluster_result res;
	struct cluster clusters[1 + BIG_OTHERS];
	struct cluster_member seed_members[BIG_SEED_MEMBERS + 1];
	struct cluster_member other_members[BIG_OTHERS][2];
	struct cluster_link other_links[BIG_OTHERS];
};

static uint32_t big_node(struct graph *g, enum graph_kind kind, const char *key)
{
	uint32_t id = UINT32_MAX;
	struct dn_error err = {0};
	if (graph_add_node(g, kind, key, NULL, &id, &err) != DN_OK)
		fail_msg("graph_add_node(%s): %s", key, err.msg);
	g->nodes[id].hold = GRAPH_HOLD_NONE;
	return id;
}

static void big_build(struct big_map *m)
{
	struct graph *g = &m->g;
	graph_init(g);
	char key[64];
	for (int i = 0; i < BIG_SHARED; i++) {
		snprintf(key, sizeof(key), "198.51.100.%d", i);
		uint32_t n = big_node(g, GRAPH_IP, key);
		g->nodes[n].hold = GRAPH_HOLD_SHARED;
		g->nodes[n].share = 1000 + (uint64_t)i;
	}
	for (int i = 0; i < BIG_MASKED; i++) {
		snprintf(key, sizeof(key), "p%02d@privacy-proxy.example", i);
		uint32_t n = big_node(g, GRAPH_EMAIL, key);
		g->nodes[n].hold = GRAPH_HOLD_MASKED;
		g->nodes[n].hold_reason = "masked: privacy service Example Proxy";
	}
	/* The seed cluster: d00..d29.example with falling confidence, d29 the
	 * seed, and the registrable domain d00.example a member beside the
	 * domain of that name. */
	struct cluster *seed = &m->clusters[0];
	seed->members = m->seed_members;
	seed->level = CLUSTER_MEDIUM;
	seed->confidence = 0.8;
	seed->has_seed = true;
	seed->summary.spof = UINT32_MAX;
	for (int i = 0; i < BIG_SEED_MEMBERS; i++) {
		snprintf(key, sizeof(key), "d%02d.example", i);
		uint32_t n = big_node(g, GRAPH_DOMAIN, key);
		g->nodes[n].cluster = 0;
		g->nodes[n].seed = i == BIG_SEED_MEMBERS - 1;
		double confidence = 0.9 - 0.01 * i;
		m->seed_members[seed->n_members++] = (struct cluster_member){
			n, confidence, cluster_level_of(confidence), NULL, 0};
	}
	uint32_t reg = big_node(g, GRAPH_REGDOMAIN, "d00.example");
	g->nodes[reg].cluster = 0;
	m->seed_members[seed->n_members++] = (struct cluster_member){reg, 0.9, CLUSTER_HIGH,
	                                                             NULL, 0};
	/* Clusters 2..26: o02.example and www.o02.example, tied by a nameserver. */
	for (int k = 0; k < BIG_OTHERS; k++) {
		struct cluster *cl = &m->clusters[1 + k];
		cl->members = m->other_members[k];
		cl->level = CLUSTER_LOW;
		cl->confidence = 0.5;
		cl->summary.spof = UINT32_MAX;
		snprintf(key, sizeof(key), "ns.o%02d.example", k + 2);
		uint32_t ns = big_node(g, GRAPH_NAMESERVER, key);
		m->other_links[k] =
		        (struct cluster_link){ns, GRAPH_FAM_DNS_HOSTING, 0.5, 2, 1, "ns"};
		cl->links = &m->other_links[k];
		cl->n_links = 1;
		for (int j = 0; j < 2; j++) {
			snprintf(key, sizeof(key), "%so%02d.example", j ? "www." : "", k + 2);
			uint32_t n = big_node(g, GRAPH_DOMAIN, key);
			g->nodes[n].cluster = 1 + k;
			cl->members[cl->n_members++] = (struct cluster_member){n, 0.5, CLUSTER_LOW,
			                                                       NULL, 0};
		}
	}
	m->res.clusters = m->clusters;
	m->res.n_clusters = 1 + BIG_OTHERS;
}

static size_t count_occurrences(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_text_report_caps(void **state)
{
	(void)state;
	struct big_map *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	big_build(m);
	static const char *const seeds[] = {"d29.example"};
	struct graph_write_options opt = {.seeds = seeds, .n_seeds = 1, .depth = 2,
	                                  .share_max = 200};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	struct dn_error err = {0};
	assert_int_equal(graph_write(out, GRAPH_FORMAT_TEXT, &m->g, &m->res, &opt, &err), DN_OK);
	fclose(out);

	/* Held values: the 15 most shared, most first, then a count. */
	const char *top = strstr(text, "198.51.100.29 shared by 1,029 domains (limit 200)");
	const char *next = strstr(text, "198.51.100.28 shared by 1,028 domains (limit 200)");
	assert_non_null(top);
	assert_non_null(next);
	assert_true(top < next);
	assert_non_null(strstr(text, "198.51.100.15 shared by 1,015 domains"));
	assert_null(strstr(text, "198.51.100.14 shared"));
	assert_non_null(strstr(text, "    ... and 15 more; map.json lists them all\n"));

	/* Masked emails: one entry with the count, the reason and 3 examples. */
	assert_non_null(strstr(text, "10 registrant emails masked (privacy service Example Proxy), "
	                             "e.g."));
	assert_non_null(strstr(text, "p00@privacy-proxy.example,"));
	assert_non_null(strstr(text, "p01@privacy-proxy.example,"));
	assert_non_null(strstr(text, "p02@privacy-proxy.example\n"));
	assert_null(strstr(text, "p03@privacy-proxy.example"));

	/* The seed cluster lists the seed first, then the 24 most certain. */
	assert_non_null(strstr(text, "Cluster 1: medium confidence (0.80), contains a seed"));
	assert_non_null(strstr(text, "low        0.61  d29.example (seed)\n"
	                             "      high       0.90  d00.example\n"
	                             "      medium     0.89  d01.example\n"));
	assert_non_null(strstr(text, "low        0.67  d23.example\n"
	                             "      ... and 5 more members; map.json lists them all\n"));
	assert_null(strstr(text, "d24.example"));
	/* The registrable domain d00.example is not listed beside the domain. */
	assert_int_equal(count_occurrences(text, "d00.example"), 1);

	/* The other clusters: 20 rows, largest first, then a count. */
	assert_non_null(strstr(text, "25 clusters without a seed, largest first:"));
	assert_non_null(strstr(text, "\n     2 low       0.50       2  "
	                             "o02.example, www.o02.example"));
	assert_non_null(strstr(text, "nameserver ns.o02.example\n"));
	assert_non_null(strstr(text, "\n    21 low       0.50       2  o21.example"));
	assert_null(strstr(text, "o22.example"));
	assert_non_null(strstr(text, "  ... and 5 more clusters; map.json lists them all\n"));
	assert_null(strstr(text, "Cluster 2:"));

	size_t lines = assert_width(text);
	assert_true(lines < 120);
	free(text);
	graph_free(&m->g);
	free(m);
}

static void test_json_document(void **state)
{
	struct fixture *f = *state;
	char *text = render(f, GRAPH_FORMAT_JSON, false);
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	if (doc == NULL)
		fail_msg("JSON output does not parse: %s at line %d", jerr.text, jerr.line);
	json_t *nodes = json_object_get(doc, "nodes");
	json_t *edges = json_object_get(doc, "edges");
	json_t *clusters = json_object_get(doc, "clusters");
	assert_int_equal(json_array_size(nodes), S_NODE_COUNT);
	assert_int_equal(json_array_size(edges), f->g.n_edges);
	assert_int_equal(json_array_size(clusters), 2);

	json_t *shared = json_array_get(nodes, S_SHARED_IP);
	assert_string_equal(json_string_value(json_object_get(shared, "kind")), "ip");
	assert_string_equal(json_string_value(json_object_get(shared, "hold")), "shared");
	assert_int_equal(json_integer_value(json_object_get(shared, "share")), 2314);
	assert_true(json_is_null(json_object_get(shared, "cluster")));
	json_t *shop = json_array_get(nodes, S_SHOP);
	assert_true(json_is_true(json_object_get(shop, "seed")));
	assert_int_equal(json_integer_value(json_object_get(shop, "cluster")), 1);
	assert_string_equal(json_string_value(json_object_get(shop, "time_first")),
	                    "2023-11-14T22:13:20Z");
	/* The hostile label comes back byte for byte, but for the byte that is
	 * not UTF-8, which becomes U+FFFD. */
	json_t *hostile = json_array_get(nodes, S_HOSTILE);
	assert_string_equal(json_string_value(json_object_get(hostile, "key")), SAMPLE_HOSTILE_KEY);
	assert_string_equal(json_string_value(json_object_get(hostile, "label")),
	                    "evil\"dom\\ain\n<b>{x}</b>&amp;\t\x01\xef\xbf\xbd.example");

	/* The first edge: shop.example -> 198.51.100.7 seen by two sources. */
	json_t *e0 = json_array_get(edges, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(e0, "from"), "key")),
	                    "shop.example");
	assert_string_equal(json_string_value(json_object_get(json_object_get(e0, "to"), "kind")),
	                    "ip");
	assert_string_equal(json_string_value(json_object_get(e0, "relation")), "resolves");
	assert_string_equal(json_string_value(json_object_get(e0, "family")), "ip-space");
	json_t *evidence = json_object_get(e0, "evidence");
	assert_int_equal(json_array_size(evidence), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(evidence, 1), "source")),
	                    "dnstap");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(evidence, 1), "count")), 3);

	json_t *c1 = json_array_get(clusters, 0);
	assert_int_equal(json_integer_value(json_object_get(c1, "number")), 1);
	assert_true(json_real_value(json_object_get(c1, "confidence")) == 0.94);
	assert_string_equal(json_string_value(json_object_get(c1, "level")), "high");
	assert_int_equal(json_array_size(json_object_get(c1, "members")), 3);
	assert_int_equal(json_array_size(json_object_get(c1, "nodes")), 18);
	assert_int_equal(json_array_size(json_object_get(c1, "links")), 2);
	assert_int_equal(json_array_size(json_object_get(c1, "families")), 3);
	json_t *summary = json_object_get(c1, "summary");
	json_t *spof = json_object_get(summary, "single_point_of_failure");
	assert_string_equal(json_string_value(json_object_get(spof, "key")), "ns1.hostile.example");
	json_t *ns = json_object_get(json_object_get(summary, "providers"), "nameserver");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ns, 0), "domains")), 3);
	json_t *c2 = json_array_get(clusters, 1);
	assert_true(json_is_null(json_object_get(json_object_get(c2, "summary"),
	                                         "single_point_of_failure")));

	json_t *run = json_object_get(doc, "run");
	assert_int_equal(json_integer_value(json_object_get(run, "depth")), 2);
	assert_int_equal(json_integer_value(json_object_get(run, "share_max")), 200);
	assert_true(json_is_null(json_object_get(run, "until")));
	assert_int_equal(json_array_size(json_object_get(run, "seeds")), 2);
	json_decref(doc);
	free(text);
}

static void test_dot_escapes_labels(void **state)
{
	char *dot = render(*state, GRAPH_FORMAT_DOT, false);
	assert_non_null(strstr(dot, "digraph dragnet_map {"));
	/* Quote escaped, backslash doubled, newline as \n, '&' as an entity,
	 * the tab and control character as spaces. */
	assert_non_null(strstr(dot, "label=\"evil\\\"dom\\\\ain\\n<b>{x}</b>&amp;amp;  "
	                            "\xef\xbf\xbd.example\""));
	assert_null(strchr(dot, '\x01'));
	free(dot);
}

static void test_graphml_escapes_labels(void **state)
{
	char *xml = render(*state, GRAPH_FORMAT_GRAPHML, false);
	assert_non_null(strstr(xml, "<data key=\"label\">evil&quot;dom\\ain\n&lt;b&gt;{x}&lt;/b&gt;"
	                            "&amp;amp;\t\xef\xbf\xbd\xef\xbf\xbd.example</data>"));
	assert_non_null(strstr(xml, "<data key=\"share\">2314</data>"));
	assert_non_null(strstr(xml, "<data key=\"cluster\">1</data>"));
	assert_non_null(strstr(xml, "<data key=\"confidence\">0.7500</data>"));
	assert_null(strchr(xml, '\x01'));
	free(xml);
}

/* Find the object with this id in a STIX bundle. */
static json_t *stix_object(json_t *bundle, const char *id)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(bundle, "objects"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "id")), id) == 0)
			return o;
	return NULL;
}

static void test_stix_ids(void **state)
{
	char *text = render(*state, GRAPH_FORMAT_STIX, false);
	json_t *bundle = json_loads(text, 0, NULL);
	assert_non_null(bundle);
	assert_string_equal(json_string_value(json_object_get(bundle, "type")), "bundle");
	/* Expected ids from Python's uuid.uuid5 over the JCS form of the ID
	 * contributing properties, in the STIX namespace. */
	json_t *domain = stix_object(bundle, "domain-name--647d7dd3-2e18-5600-84ec-5f71a27b0eef");
	assert_non_null(domain);
	assert_string_equal(json_string_value(json_object_get(domain, "value")), "shop.example");
	json_t *as = stix_object(bundle, "autonomous-system--9ad79ee3-2fde-5015-b0cc-7a96404effca");
	assert_non_null(as);
	assert_int_equal(json_integer_value(json_object_get(as, "number")), 64496);
	/* shop.example as a domain and as a registrable domain is one object. */
	size_t n = 0, i;
	json_t *o;
	json_array_foreach(json_object_get(bundle, "objects"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), "domain-name") == 0 &&
		    strcmp(json_string_value(json_object_get(o, "value")), "shop.example") == 0)
			n++;
	assert_int_equal(n, 1);
	json_decref(bundle);

	/* Writing twice gives the same bytes. */
	char *again = render(*state, GRAPH_FORMAT_STIX, false);
	assert_string_equal(text, again);
	free(again);
	free(text);
}

static bool contains_nocase(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

static void test_redaction_all_formats(void **state)
{
	/* The kept email is one the privacy list names. */
	assert_non_null(whois_privacy_service("contact@privacyprotect.org"));
	for (int f = 0; f < GRAPH_FORMAT_COUNT; f++) {
		const char *name = graph_format_name((enum graph_format)f);
		char *plain = render(*state, (enum graph_format)f, false);
		char *redacted = render(*state, (enum graph_format)f, true);
		for (size_t i = 0; i < sizeof(sample_personal) / sizeof(sample_personal[0]); i++) {
			if (contains_nocase(redacted, sample_personal[i]))
				fail_msg("%s output leaks \"%s\"", name, sample_personal[i]);
		}
		/* Without --redact-personal the values are there, so the check
		 * above can fail. The text report shows the email as a seed. */
		if (!contains_nocase(plain, "john.smith@example.com"))
			fail_msg("%s output lacks the email without redaction", name);
		if (!contains_nocase(redacted, "[redacted]"))
			fail_msg("%s output does not say what it redacted", name);
		for (size_t i = 0; i < sizeof(sample_kept) / sizeof(sample_kept[0]); i++) {
			if (!contains_nocase(redacted, sample_kept[i]))
				fail_msg("%s output dropped \"%s\"", name, sample_kept[i]);
		}
		free(plain);
		free(redacted);
	}
}

/* Write g with writer through gw_run() and return the bytes. */
static char *render_with(gw_writer writer, const struct graph *g,
                         const struct cluster_result *res, const struct graph_write_options *opt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	struct dn_error err = {0};
	dn_status rc = gw_run(out, writer, g, res, opt, &err);
	if (rc)
		fail_msg("gw_run failed: %s", err.msg);
	fclose(out);
	return buf;
}

/* Check that the streaming JSON writer writes what the jansson tree writer
 * writes for g: the same document once parsed, and the same bytes. */
static void assert_json_matches_tree(const struct graph *g, const struct cluster_result *res,
                                     const struct graph_write_options *opt)
{
	char *tree = render_with(tree_write_json, g, res, opt);
	char *stream = render_with(gw_write_json, g, res, opt);
	json_error_t jerr;
	json_t *tree_doc = json_loads(tree, 0, &jerr);
	if (tree_doc == NULL)
		fail_msg("tree JSON does not parse: %s at line %d", jerr.text, jerr.line);
	json_t *stream_doc = json_loads(stream, 0, &jerr);
	if (stream_doc == NULL)
		fail_msg("streamed JSON does not parse: %s at line %d", jerr.text, jerr.line);
	assert_true(json_equal(tree_doc, stream_doc));
	assert_string_equal(stream, tree);
	json_decref(tree_doc);
	json_decref(stream_doc);
	free(tree);
	free(stream);
}

static void test_json_stream_sample(void **state)
{
	struct fixture *f = *state;
	for (int redact = 0; redact < 2; redact++) {
		struct graph_write_options opt;
		sample_options(&opt, redact);
		assert_json_matches_tree(&f->g, &f->res, &opt);
	}
	/* No options and no clusters: graph_write() passes empty ones. */
	assert_json_matches_tree(&f->g, NULL, NULL);
}

/* A generated map of GEN_DOMAINS domains with addresses, registrant values
 * (some personal, in varied case inside evidence texts), hostile strings
 * and weights from 1e-7 to 1e20, in GEN_CLUSTERS clusters. */
#define GEN_DOMAINS 2000
#define GEN_CLUSTERS 40

struct gen_map {
	struct graph g;
	struct cluster_result res;
	struct cluster clusters[GEN_CLUSTERS];
	struct cluster_member members[GEN_DOMAINS];
	struct cluster_link links[GEN_DOMAINS];
	uint32_t nodes[GEN_DOMAINS];
	struct cluster_provider providers[GEN_CLUSTERS];
};

static uint32_t gen_node(struct graph *g, enum graph_kind kind, const char *key,
                         const char *label)
{
	uint32_t id = UINT32_MAX;
	struct dn_error err = {0};
	if (graph_add_node(g, kind, key, label, &id, &err) != DN_OK)
		fail_msg("graph_add_node(%s): %s", key, err.msg);
	return id;
}

static void gen_edge(struct graph *g, uint32_t from, uint32_t to, enum graph_relation rel,
                     const char *source, const char *detail, int64_t t, uint32_t sources)
{
	struct graph_evidence ev = {GRAPH_FROM_PDNS, source, detail, t, t ? t + 86400 : 0, 7,
	                            sources};
	struct dn_error err = {0};
	if (graph_add_edge(g, from, to, rel, &ev, NULL, &err) != DN_OK)
		fail_msg("graph_add_edge: %s", err.msg);
}

static const double gen_weights[] = {
	0.0, 1.0, 0.5, 1.0 / 3.0, 2.0 / 3.0, 0.1, 1e-7, 1.5e-5, 123456789.0, 1e17, 1e20,
	-0.25, 0.30000000000000004, 0.999999999999, 12.0,
};
#define GEN_N_WEIGHTS (sizeof(gen_weights) / sizeof(gen_weights[0]))

static void gen_build(struct gen_map *m)
{
	struct graph *g = &m->g;
	graph_init(g);
	char key[128], label[128], detail[256];
	static const char *const hostile[] = {
		"quote\" backslash\\ slash/", "tab\tnew\nline\rcr\bbs\fff", "ctl\x01\x1f\x7f",
		"bad utf-8 \xff\xc3(", "non-BMP \xf0\x9f\x98\x80 and \xc3\xa9", "",
	};
	for (int i = 0; i < GEN_DOMAINS; i++) {
		int k = i % GEN_CLUSTERS;
		snprintf(key, sizeof(key), "d%04d.example", i);
		snprintf(label, sizeof(label), "D%04d.example %s", i, hostile[i % 6]);
		uint32_t d = gen_node(g, GRAPH_DOMAIN, key, i % 3 ? NULL : label);
		snprintf(key, sizeof(key), "198.51.%d.%d", k, i % 250);
		uint32_t ip = gen_node(g, GRAPH_IP, key, NULL);
		snprintf(key, sizeof(key), "owner%02d@mail%d.example", k, k % 4);
		snprintf(label, sizeof(label), "Owner%02d@Mail%d.example", k, k % 4);
		uint32_t email = gen_node(g, GRAPH_EMAIL, key, label);
		snprintf(key, sizeof(key), "owner %02d", k);
		uint32_t name = gen_node(g, GRAPH_NAME, key, NULL);
		struct graph_node *n = &g->nodes[d];
		n->depth = i % 5 == 4 ? UINT32_MAX : (uint32_t)(i % 4);
		n->seed = i == 0;
		n->expanded = i % 2;
		n->hold = (enum graph_hold)(i % 6);
		n->hold_reason = i % 6 ? "shared with OWNER03@MAIL3.EXAMPLE's hosts" : NULL;
		n->share = (uint64_t)(i % 7) * 1000;
		n->share_capped = i % 11 == 0;
		n->cluster = i % 9 == 8 ? -1 : k;
		snprintf(detail, sizeof(detail), "A %s seen by Owner %02d, %s", key, k,
		         hostile[i % 6]);
		gen_edge(g, d, ip, GRAPH_REL_RESOLVES, "sensor-a", detail,
		         i % 8 ? 1700000000 + i * 3600 : 0, (uint32_t)(i % 4));
		gen_edge(g, d, ip, GRAPH_REL_RESOLVES, hostile[i % 6], "A again", 1710000000, 0);
		gen_edge(g, d, email, GRAPH_REL_REGISTRANT, "whois", "registrant email", 0, 0);
		gen_edge(g, d, name, GRAPH_REL_REGISTRANT, "whois",
		         "registrant name OWNER 01 and owner01@mail1.example", 1700000000, 2);
	}
	/* A personal name that starts with another, so the longer must win. */
	gen_node(g, GRAPH_NAME, "owner 01 junior", NULL);
	/* Clusters k: every domain i with i % GEN_CLUSTERS == k and a cluster
	 * field of k, each with one link to its email. */
	size_t next = 0;
	for (int k = 0; k < GEN_CLUSTERS; k++) {
		struct cluster *cl = &m->clusters[k];
		cl->members = &m->members[next];
		cl->nodes = &m->nodes[next];
		cl->links = &m->links[next];
		cl->confidence = gen_weights[k % GEN_N_WEIGHTS];
		cl->level = (enum cluster_level)(k % 3);
		cl->has_seed = k == 0;
		cl->families = (uint32_t)k & 0x1f;
		cl->n_sources = (size_t)k;
		cl->time_first = k % 2 ? 1700000000 : 0;
		cl->time_last = k % 2 ? 1710000000 : 0;
		cl->summary.spof = k % 3 ? UINT32_MAX : (uint32_t)(2 * k);
		cl->summary.spof_share = gen_weights[(k + 3) % GEN_N_WEIGHTS];
		m->providers[k] = (struct cluster_provider){(uint32_t)(4 * k + 1), (uint32_t)k};
		cl->summary.by_kind[GRAPH_IP] = &m->providers[k];
		cl->summary.n_by_kind[GRAPH_IP] = k % 4 ? 1 : 0;
		for (uint32_t n = 0; n < g->n_nodes; n++) {
			if (g->nodes[n].kind != GRAPH_DOMAIN || g->nodes[n].cluster != k)
				continue;
			size_t i = cl->n_members;
			struct cluster_link *l = &cl->links[i];
			*l = (struct cluster_link){(n + 2) % (uint32_t)g->n_nodes, (enum graph_family)(n % GRAPH_FAMILY_COUNT),
			                           gen_weights[n % GEN_N_WEIGHTS], (uint32_t)i, 2,
			                           n % 2 ? "shared Owner 05 email" : "tab\there"};
			cl->members[i] = (struct cluster_member){n, gen_weights[(n + 1) % GEN_N_WEIGHTS],
			                                         (enum cluster_level)(n % 3), l, 1};
			cl->nodes[i] = n;
			cl->n_members++;
			cl->n_nodes++;
			cl->n_links++;
		}
		next += cl->n_members;
	}
	m->res.clusters = m->clusters;
	m->res.n_clusters = GEN_CLUSTERS;
}

static void test_json_stream_generated(void **state)
{
	(void)state;
	struct gen_map *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	gen_build(m);
	static const char *const seeds[] = {"d0000.example", "OWNER07@mail3.example", "bad\xff"};
	for (int redact = 0; redact < 2; redact++) {
		struct graph_write_options opt = {
			.seeds = seeds, .n_seeds = 3, .depth = 3, .share_max = 200,
			.until = 1720000000, .overlap_only = true, .now = 1730000000,
			.redact_personal = redact,
		};
		assert_json_matches_tree(&m->g, &m->res, &opt);
	}
	graph_free(&m->g);
	free(m);
}

static void test_json_real_matches_jansson(void **state)
{
	(void)state;
	static const double extra[] = {1e-300, 5e-324, 1.7976931348623157e308, -1e100, 1e16,
	                               1e-4, 9.999e-5, 100.0, -0.0};
	for (size_t i = 0; i < GEN_N_WEIGHTS + sizeof(extra) / sizeof(extra[0]); i++) {
		double v = i < GEN_N_WEIGHTS ? gen_weights[i] : extra[i - GEN_N_WEIGHTS];
		json_t *real = json_real(v);
		char *expected = json_dumps(real, JSON_ENCODE_ANY);
		assert_non_null(expected);
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		assert_non_null(out);
		struct gw_ctx c = {.out = out};
		struct gw_json *j = malloc(sizeof(*j));
		assert_non_null(j);
		gw_json_init(j, &c);
		gw_json_real(j, NULL, v);
		struct dn_error err = {0};
		assert_int_equal(gw_json_finish(j, "JSON", &err), DN_OK);
		fclose(out);
		/* gw_json_finish() ends the document with a newline. */
		assert_int_equal(len, strlen(expected) + 1);
		buf[len - 1] = '\0';
		if (strcmp(buf, expected) != 0)
			fail_msg("%.17g: gw_json_real wrote %s, jansson %s", v, buf, expected);
		free(buf);
		free(j);
		free(expected);
		json_decref(real);
	}
}

/* Redaction in free text as the search did before the needle index: the
 * first position where any redacted value starts (strcasestr), the
 * longest value at a tie, until none is left. */
static char *redact_reference(const struct gw_ctx *c, const char *s)
{
	size_t cap = strlen(s) * 12 + 1;
	char *out = malloc(cap);
	assert_non_null(out);
	char *w = out;
	for (;;) {
		const char *best = NULL;
		size_t best_len = 0;
		for (size_t i = 0; i < c->n_needles; i++) {
			const char *at = strcasestr(s, c->needles[i].text);
			size_t len = strlen(c->needles[i].text);
			if (at != NULL && (best == NULL || at < best || (at == best && len > best_len))) {
				best = at;
				best_len = len;
			}
		}
		if (best == NULL)
			break;
		memcpy(w, s, (size_t)(best - s));
		w += best - s;
		w = stpcpy(w, GRAPH_REDACTED_TEXT);
		s = best + best_len;
	}
	strcpy(w, s);
	return out;
}

static const char *const redact_texts[] = {
	"registrant name OWNER 01 and owner01@mail1.example",
	"Owner01@Mail1.Example, owner 01, OWNER 0",
	"xxowner 02owner 03yy",
	"owner 1",
	"Owner 01 Junior, owner 01 junio",
	"",
	"ow",
	"owner 39@mail3.example owner39@mail3.examplE",
};

static dn_status check_redaction(struct gw_ctx *c, struct dn_error *err)
{
	(void)err;
	/* Per cluster the email's key and label and the name's key, plus the
	 * one longer name. */
	assert_int_equal(c->n_needles, 3 * GEN_CLUSTERS + 1);
	for (size_t i = 0; i < sizeof(redact_texts) / sizeof(redact_texts[0]); i++) {
		char *expected = redact_reference(c, redact_texts[i]);
		const char *got = gw_text(c, redact_texts[i]);
		if (strcmp(got, expected) != 0)
			fail_msg("gw_text(\"%s\") = \"%s\", expected \"%s\"", redact_texts[i], got,
			         expected);
		free(expected);
	}
	/* Every generated node's cluster membership, as a search finds it. */
	for (uint32_t n = 0; n < c->g->n_nodes; n++) {
		const struct cluster_member *expected = NULL;
		int32_t k = c->g->nodes[n].cluster;
		if (k >= 0 && (size_t)k < c->res->n_clusters) {
			const struct cluster *cl = &c->res->clusters[k];
			for (size_t i = 0; expected == NULL && i < cl->n_members; i++)
				if (cl->members[i].node == n)
					expected = &cl->members[i];
		}
		assert_ptr_equal(gw_member(c, n), expected);
	}
	return DN_OK;
}

static void test_redaction_index(void **state)
{
	(void)state;
	struct gen_map *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	gen_build(m);
	struct graph_write_options opt = {.redact_personal = true};
	struct dn_error err = {0};
	FILE *out = fopen("/dev/null", "w");
	assert_non_null(out);
	assert_int_equal(gw_run(out, check_redaction, &m->g, &m->res, &opt, &err), DN_OK);
	fclose(out);
	graph_free(&m->g);
	free(m);
}

static void test_write_error(void **state)
{
	struct fixture *f = *state;
	struct graph_write_options opt;
	sample_options(&opt, false);
	FILE *full = fopen("/dev/full", "w");
	if (full == NULL)
		skip();
	for (int i = 0; i < GRAPH_FORMAT_COUNT; i++) {
		struct dn_error err = {0};
		clearerr(full);
		dn_status rc = graph_write(full, (enum graph_format)i, &f->g, &f->res, &opt, &err);
		assert_int_equal(rc, DN_EIO);
		assert_non_null(strstr(err.msg, "failed"));
		/* The message gives the system's reason, for every format. */
		if (strstr(err.msg, "No space left on device") == NULL)
			fail_msg("%s: %s", graph_format_name((enum graph_format)i), err.msg);
	}
	fclose(full);
}

static void test_no_clusters(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < GRAPH_FORMAT_COUNT; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		assert_non_null(out);
		struct dn_error err = {0};
		/* Without clusters or options, node cluster fields are ignored. */
		assert_int_equal(graph_write(out, (enum graph_format)i, &f->g, NULL, NULL, &err), DN_OK);
		fclose(out);
		assert_true(len > 0);
		assert_null(strstr(buf, "cluster 1"));
		free(buf);
	}
}

/* A small map for the MISP and text fixes: cluster 1 (low, 0.50) holds
 * a1 and a2 and a tentative member a3, cluster 2 (tentative, 0.00) holds
 * b1 and b2, and z.example is in no cluster. */
enum small_node {
	M_A1, M_A2, M_A3, M_A1_REG, M_B1, M_B2, M_Z, M_Z_REG, M_OWN_IP, M_CROSS_IP, M_COUNTED_IP,
	M_HELD_NS, M_NS, M_NODE_COUNT
};

struct small_map {
	struct graph g;
	struct cluster_result res;
	struct cluster clusters[2];
	struct cluster_member members1[3], members2[2];
	uint32_t nodes1[9], nodes2[2];
	struct cluster_provider spof_ips[1];
};

static void small_edge(struct graph *g, uint32_t from, uint32_t to, enum graph_relation rel)
{
	struct graph_evidence ev = {GRAPH_FROM_PDNS, "sensor-1", "A", SAMPLE_T0, SAMPLE_T1, 1, 0};
	struct dn_error err = {0};
	if (graph_add_edge(g, from, to, rel, &ev, NULL, &err) != DN_OK)
		fail_msg("graph_add_edge: %s", err.msg);
}

static void small_build(struct small_map *m)
{
	static const struct {
		enum graph_kind kind;
		const char *key;
	} nodes[M_NODE_COUNT] = {
		[M_A1] = {GRAPH_DOMAIN, "a1.example"},
		[M_A2] = {GRAPH_DOMAIN, "a2.example"},
		[M_A3] = {GRAPH_DOMAIN, "a3.example"},
		[M_A1_REG] = {GRAPH_REGDOMAIN, "a1.example"},
		[M_B1] = {GRAPH_DOMAIN, "b1.example"},
		[M_B2] = {GRAPH_DOMAIN, "b2.example"},
		[M_Z] = {GRAPH_DOMAIN, "z.example"},
		[M_Z_REG] = {GRAPH_REGDOMAIN, "z.example"},
		[M_OWN_IP] = {GRAPH_IP, "192.0.2.1"},
		[M_CROSS_IP] = {GRAPH_IP, "192.0.2.2"},
		[M_COUNTED_IP] = {GRAPH_IP, "192.0.2.3"},
		[M_HELD_NS] = {GRAPH_NAMESERVER, "ns.shared.example"},
		[M_NS] = {GRAPH_NAMESERVER, "ns.a1.example"},
	};
	struct graph *g = &m->g;
	graph_init(g);
	for (int i = 0; i < M_NODE_COUNT; i++)
		assert_int_equal(big_node(g, nodes[i].kind, nodes[i].key), (uint32_t)i);
	g->nodes[M_A1].seed = true;
	g->nodes[M_HELD_NS].hold = GRAPH_HOLD_SHARED;
	g->nodes[M_HELD_NS].share = 5000;
	/* 192.0.2.3 serves only a1 in this graph, but 50 domains in the store. */
	g->nodes[M_COUNTED_IP].share = 50;
	small_edge(g, M_A1, M_OWN_IP, GRAPH_REL_RESOLVES);
	small_edge(g, M_A2, M_OWN_IP, GRAPH_REL_RESOLVES);
	small_edge(g, M_A1, M_CROSS_IP, GRAPH_REL_RESOLVES);
	small_edge(g, M_B1, M_CROSS_IP, GRAPH_REL_RESOLVES);
	small_edge(g, M_A1, M_COUNTED_IP, GRAPH_REL_RESOLVES);
	small_edge(g, M_A1, M_HELD_NS, GRAPH_REL_NS);
	small_edge(g, M_A1, M_NS, GRAPH_REL_NS);
	small_edge(g, M_A1, M_A1_REG, GRAPH_REL_REGISTERED);
	small_edge(g, M_Z, M_Z_REG, GRAPH_REL_REGISTERED);

	struct cluster *c1 = &m->clusters[0], *c2 = &m->clusters[1];
	c1->members = m->members1;
	c1->members[c1->n_members++] = (struct cluster_member){M_A1, 0.6, CLUSTER_LOW, NULL, 0};
	c1->members[c1->n_members++] = (struct cluster_member){M_A2, 0.5, CLUSTER_LOW, NULL, 0};
	c1->members[c1->n_members++] = (struct cluster_member){M_A3, 0.2, CLUSTER_TENTATIVE,
	                                                       NULL, 0};
	static const uint32_t nodes1[] = {M_A1, M_A2, M_A3, M_A1_REG, M_OWN_IP, M_CROSS_IP,
	                                  M_COUNTED_IP, M_HELD_NS, M_NS};
	memcpy(m->nodes1, nodes1, sizeof(nodes1));
	c1->nodes = m->nodes1;
	c1->n_nodes = sizeof(nodes1) / sizeof(nodes1[0]);
	c1->confidence = 0.5;
	c1->level = CLUSTER_LOW;
	c1->has_seed = true;
	c1->summary.spof = UINT32_MAX;
	c2->members = m->members2;
	c2->members[c2->n_members++] = (struct cluster_member){M_B1, 0.0, CLUSTER_TENTATIVE,
	                                                       NULL, 0};
	c2->members[c2->n_members++] = (struct cluster_member){M_B2, 0.0, CLUSTER_TENTATIVE,
	                                                       NULL, 0};
	m->nodes2[0] = M_B1;
	m->nodes2[1] = M_B2;
	c2->nodes = m->nodes2;
	c2->n_nodes = 2;
	c2->confidence = 0.0;
	c2->level = CLUSTER_TENTATIVE;
	c2->summary.spof = UINT32_MAX;
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < m->clusters[k].n_nodes; i++)
			g->nodes[m->clusters[k].nodes[i]].cluster = (int32_t)k;
	m->res.clusters = m->clusters;
	m->res.n_clusters = 2;
}

static char *small_render(struct small_map *m, enum graph_format format,
                          const struct graph_write_options *opt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	struct dn_error err = {0};
	dn_status rc = graph_write(out, format, &m->g, &m->res, opt, &err);
	if (rc)
		fail_msg("graph_write(%s) failed: %s", graph_format_name(format), err.msg);
	fclose(out);
	return buf;
}

/* The to_ids flag of the MISP attribute of type and value; fails when there
 * is no such attribute. */
static bool misp_to_ids(json_t *event, const char *type, const char *value)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(event, "Attribute"), i, a)
	{
		if (strcmp(json_string_value(json_object_get(a, "type")), type) == 0 &&
		    strcmp(json_string_value(json_object_get(a, "value")), value) == 0)
			return json_is_true(json_object_get(a, "to_ids"));
	}
	fail_msg("no MISP attribute %s %s", type, value);
	return false;
}

static void test_misp_to_ids_rule(void **state)
{
	(void)state;
	struct small_map *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	small_build(m);
	struct graph_write_options opt = {.depth = 2, .share_max = 200, .now = SAMPLE_T1};
	char *text = small_render(m, GRAPH_FORMAT_MISP, &opt);
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	assert_non_null(doc);
	json_t *event = json_object_get(doc, "Event");
	/* Members at level low or better of a cluster at low or better. */
	assert_true(misp_to_ids(event, "domain", "a1.example"));
	assert_true(misp_to_ids(event, "domain", "a2.example"));
	assert_true(misp_to_ids(event, "hostname", "ns.a1.example"));
	/* A tentative member of a low cluster, and a tentative cluster. */
	assert_false(misp_to_ids(event, "domain", "a3.example"));
	assert_false(misp_to_ids(event, "domain", "b1.example"));
	assert_false(misp_to_ids(event, "domain", "b2.example"));
	/* In no cluster. */
	assert_false(misp_to_ids(event, "domain", "z.example"));
	/* A held value inside the cluster. */
	assert_false(misp_to_ids(event, "hostname", "ns.shared.example"));
	/* Addresses: one only the cluster uses, one a domain of another cluster
	 * resolves to, and one whose counted share exceeds the cluster's use. */
	assert_true(misp_to_ids(event, "ip-dst", "192.0.2.1"));
	assert_false(misp_to_ids(event, "ip-dst", "192.0.2.2"));
	assert_false(misp_to_ids(event, "ip-dst", "192.0.2.3"));
	json_decref(doc);
	free(text);
	graph_free(&m->g);
	free(m);
}

static void test_dot_no_cluster_subgraphs(void **state)
{
	char *text = render(*state, GRAPH_FORMAT_DOT, false);
	/* Subgraph clusters make dot 2.43 fail on large maps ("trouble in
	 * init_rank"), so clusters are node attributes. */
	assert_null(strstr(text, "subgraph"));
	assert_non_null(strstr(text, "\tn0 [label=\"shop.example\", kind=\"domain\", shape=ellipse, "
	                             "fillcolor=\"#a6cee3\", cluster=\"1\", color=\""));
	assert_non_null(strstr(text, "\tn20 [label=\"other.example\", kind=\"domain\", "
	                             "shape=ellipse, fillcolor=\"#a6cee3\", cluster=\"2\""));
	/* 203.0.113.10 is in no cluster. */
	const char *shared = strstr(text, "\tn4 [label=\"203.0.113.10\"");
	assert_non_null(shared);
	assert_null(memmem(shared, strcspn(shared, "\n"), "cluster=", 8));
	free(text);
}

static void test_text_domains_in_no_cluster(void **state)
{
	(void)state;
	struct small_map *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	small_build(m);
	struct graph_write_options opt = {.depth = 2, .share_max = 200};
	char *text = small_render(m, GRAPH_FORMAT_TEXT, &opt);
	/* a1.example's registrable domain is a cluster node but not a member,
	 * and z.example counts once for its domain and registrable domain. */
	assert_non_null(strstr(text, "2 clusters; 1 domain is in no cluster."));
	free(text);
	graph_free(&m->g);
	free(m);
}

/* Render the small map with a single point of failure serving served of
 * the cluster's four registrable domains, and check the sentence's end. */
static void check_spof_reach(uint32_t served, const char *reach)
{
	struct small_map *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	small_build(m);
	struct cluster_summary *s = &m->clusters[0].summary;
	m->spof_ips[0] = (struct cluster_provider){M_OWN_IP, served};
	s->by_kind[GRAPH_IP] = m->spof_ips;
	s->n_by_kind[GRAPH_IP] = 1;
	s->spof = M_OWN_IP;
	s->spof_share = served / 4.0;
	struct graph_write_options opt = {.depth = 2, .share_max = 200};
	char *text = small_render(m, GRAPH_FORMAT_TEXT, &opt);
	const char *expected = reach;
	char *joined = strstr(text, "Single point of failure: 192.0.2.1");
	assert_non_null(joined);
	/* Undo the wrapping of the sentence before comparing. */
	char sentence[512] = "";
	size_t len = 0;
	for (const char *p = joined; *p && len + 1 < sizeof(sentence); p++) {
		if (p[0] == '.' && (p[1] == '\n' || p[1] == '\0'))
			break;
		if (*p == '\n') {
			while (p[1] == ' ')
				p++;
			sentence[len++] = ' ';
			continue;
		}
		sentence[len++] = *p;
	}
	sentence[len] = '\0';
	if (strstr(sentence, expected) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", expected, sentence);
	free(text);
	graph_free(&m->g);
	free(m);
}

static void test_text_spof_most_above_half(void **state)
{
	(void)state;
	check_spof_reach(2, "serves 2 of the 4 registrable domains (50%), so action against it "
	                    "reaches half of the cluster");
	check_spof_reach(3, "serves 3 of the 4 registrable domains (75%), so action against it "
	                    "reaches most of the cluster");
	check_spof_reach(4, "reaches the whole cluster");
}

static void test_text_header_wrap(void **state)
{
	(void)state;
	struct small_map *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	small_build(m);
	/* The settings of `dragnet map --depth 3`, whose header line broke
	 * between "only:" and "no.". */
	struct graph_write_options opt = {.depth = 3, .share_max = 200, .now = SAMPLE_T1};
	char *text = small_render(m, GRAPH_FORMAT_TEXT, &opt);
	assert_non_null(strstr(text, "overlapping edges only: no.\n"));
	assert_non_null(strstr(text, "Generated 2024-03-09T16:00:00Z. Depth 3, share limit 200, "
	                             "time fence open,\n"));
	assert_width(text);
	free(text);
	graph_free(&m->g);
	free(m);
}

static void test_text_seeds_capped(void **state)
{
	(void)state;
	enum { N_SEEDS = 400 };
	struct graph g;
	graph_init(&g);
	static char keys[N_SEEDS][32];
	static const char *seeds[N_SEEDS];
	for (int i = 0; i < N_SEEDS; i++) {
		snprintf(keys[i], sizeof(keys[i]), "seed%03d.example", i);
		seeds[i] = keys[i];
		uint32_t n = big_node(&g, GRAPH_DOMAIN, keys[i]);
		g.nodes[n].seed = true;
	}
	struct graph_write_options opt = {.seeds = seeds, .n_seeds = N_SEEDS, .depth = 1};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	struct dn_error err = {0};
	assert_int_equal(graph_write(out, GRAPH_FORMAT_TEXT, &g, NULL, &opt, &err), DN_OK);
	fclose(out);
	const char *seeds_section = strstr(text, "1. Seeds");
	const char *expansion = strstr(text, "2. Expansion");
	assert_non_null(seeds_section);
	assert_non_null(expansion);
	size_t lines = 0;
	for (const char *p = seeds_section; p < expansion; p++)
		lines += *p == '\n';
	assert_true(lines <= 40);
	assert_non_null(strstr(text, "seed024.example and 375 more\n"));
	assert_null(strstr(text, "seed025.example"));
	assert_non_null(strstr(text, "  ... and 375 more seed nodes; map.json lists them all\n"));
	free(text);
	graph_free(&g);
}

static void test_write_error_reason(void **state)
{
	struct fixture *f = *state;
	struct graph_write_options opt;
	sample_options(&opt, false);
	FILE *full = fopen("/dev/full", "w");
	if (full == NULL)
		skip();
	static const enum graph_format formats[] = {GRAPH_FORMAT_STIX, GRAPH_FORMAT_MISP};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct dn_error err = {0};
		clearerr(full);
		dn_status rc = graph_write(full, formats[i], &f->g, &f->res, &opt, &err);
		assert_int_equal(rc, DN_EIO);
		if (strstr(err.msg, strerror(ENOSPC)) == NULL)
			fail_msg("%s: the message lacks the reason: %s", graph_format_name(formats[i]),
			         err.msg);
	}
	fclose(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test_setup_teardown(test_text_report, setup, teardown),
		cmocka_unit_test(test_text_report_caps),
		cmocka_unit_test_setup_teardown(test_json_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dot_escapes_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_graphml_escapes_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stix_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redaction_all_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_stream_sample, setup, teardown),
		cmocka_unit_test(test_json_stream_generated),
		cmocka_unit_test(test_json_real_matches_jansson),
		cmocka_unit_test(test_redaction_index),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_clusters, setup, teardown),
		cmocka_unit_test(test_misp_to_ids_rule),
		cmocka_unit_test_setup_teardown(test_dot_no_cluster_subgraphs, setup, teardown),
		cmocka_unit_test(test_text_domains_in_no_cluster),
		cmocka_unit_test(test_text_spof_most_above_half),
		cmocka_unit_test(test_text_header_wrap),
		cmocka_unit_test(test_text_seeds_capped),
		cmocka_unit_test_setup_teardown(test_write_error_reason, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
