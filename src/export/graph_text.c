/* The analyst's text report of a map: seeds, expansion, correlation and the
 * clusters with their confidence, in that order, wrapped at 100 columns. */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export/graph_writer_internal.h"

#define WIDTH 100
/* A space that wrap() writes as ' ' but never breaks at, to keep a phrase
 * such as "overlapping edges only: no" on one line. Data never contains
 * it, because one_line() turns control characters into spaces. */
#define GLUE '\x1f'
/* Seeds listed, as given and as graph nodes. The rest are counted. */
#define SEEDS_MAX 25
/* Shared, listed and weak values listed one by one. The rest are counted. */
#define HELD_LIST_MAX 15
/* Example values named per kind of masked value. */
#define MASKED_EXAMPLES_MAX 3
/* Members and links listed for a cluster that contains a seed. */
#define MEMBERS_MAX 25
#define LINKS_MAX 8
/* Rows of the table of clusters without a seed. */
#define TABLE_MAX 20
/* Members named in one row of that table. */
#define ROW_MEMBERS_MAX 3
/* Providers named per kind in a cluster summary. */
#define PROVIDERS_MAX 8
/* Registrant pattern sentences shown per cluster. */
#define PATTERNS_MAX 5

/* Write text from column indent, breaking at spaces (not GLUE) before
 * WIDTH; lines after the first start at column hang. Runs of spaces inside a line are
 * kept, so columns stay aligned. A word longer than the line is written
 * whole. */
static void wrap(struct gw_ctx *c, int indent, int hang, const char *text)
{
	int col = indent;
	fprintf(c->out, "%*s", indent, "");
	const char *p = text;
	while (*p == ' ')
		p++;
	while (*p) {
		size_t len = strcspn(p, " ");
		size_t gap = strspn(p + len, " ");
		for (size_t i = 0; i < len; i++)
			fputc(p[i] == GLUE ? ' ' : p[i], c->out);
		col += (int)len;
		p += len + gap;
		if (*p == '\0')
			break;
		size_t next = strcspn(p, " ");
		if (col + (int)gap + (int)next > WIDTH) {
			fprintf(c->out, "\n%*s", hang, "");
			col = hang;
		} else {
			fprintf(c->out, "%*s", (int)gap, "");
			col += (int)gap;
		}
	}
	fputc('\n', c->out);
}

/* Remove newlines and other control characters so that one value stays on
 * its line. */
static const char *one_line(struct gw_ctx *c, const char *s)
{
	size_t n = strlen(s);
	bool clean = true;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			clean = false;
	if (clean)
		return s;
	char *copy = arena_dup(&c->scratch, s, n + 1);
	if (copy == NULL) {
		c->out_of_memory = true;
		return "";
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)copy[i] < 0x20 || copy[i] == 0x7f)
			copy[i] = ' ';
	return copy;
}

static const char *label_of(struct gw_ctx *c, uint32_t n)
{
	return one_line(c, gw_label(c, n));
}

/* The columns that UTF-8 text s takes, counting one per code point. Wide
 * and combining characters count as one column too. */
static size_t columns(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

/* s cut to width columns, ending in "..." when cut. The cut falls between
 * code points, and a width under 4 still keeps one character. */
static const char *truncate_columns(struct gw_ctx *c, const char *s, size_t width)
{
	if (columns(s) <= width)
		return s;
	size_t keep = width > 3 ? width - 3 : 1;
	const unsigned char *p = (const unsigned char *)s;
	size_t seen = 0;
	while (*p) {
		if ((*p & 0xc0) != 0x80 && seen++ == keep)
			break;
		p++;
	}
	return gw_printf(c, "%.*s...", (int)(p - (const unsigned char *)s), s);
}

static void write_header(struct gw_ctx *c)
{
	const struct graph_write_options *o = c->opt;
	char t[32], since[32], until[32], limit[32];
	fprintf(c->out, "dragnet infrastructure map\n");
	fprintf(c->out, "==========================\n\n");
	const char *fence = "open";
	if (o->since || o->until)
		fence = gw_printf(c, "%s to %s", o->since ? gw_time(o->since, since, sizeof(since)) : "open",
		                  o->until ? gw_time(o->until, until, sizeof(until)) : "open");
	const char *glued = gw_printf(c,
	                              "Generated %s. Depth %u, share limit %s, time fence %s, "
	                              "overlapping edges only: %s.",
	                              o->now ? gw_time(o->now, t, sizeof(t)) : "at an unknown time",
	                              o->depth,
	                              o->share_max ? gw_count(o->share_max, limit, sizeof(limit))
	                                           : "none",
	                              fence, o->overlap_only ? "yes" : "no");
	/* Glue the words of each setting so that a line breaks only after a
	 * comma or a full stop. The text is this run's own copy in c->scratch,
	 * or "" when memory ran out. */
	char *p = (char *)glued;
	for (; *p; p++)
		if (*p == ' ' && p > glued && p[-1] != ',' && p[-1] != '.')
			*p = GLUE;
	wrap(c, 0, 2,
	     gw_printf(c, "%s%s", glued, o->redact_personal ? " Personal data is redacted." : ""));
	fputc('\n', c->out);
}

static void write_seeds(struct gw_ctx *c)
{
	const struct graph *g = c->g;
	fprintf(c->out, "1. Seeds\n\n");
	size_t n_given = c->opt->n_seeds;
	if (n_given) {
		const char *given = "";
		for (size_t i = 0; i < n_given && i < SEEDS_MAX; i++)
			given = gw_printf(c, "%s%s%s", given, i ? ", " : "",
			                  one_line(c, gw_text(c, c->opt->seeds[i])));
		if (n_given > SEEDS_MAX)
			given = gw_printf(c, "%s and %zu more", given, n_given - SEEDS_MAX);
		wrap(c, 2, 4, gw_printf(c, "As given: %s", given));
	}
	size_t n = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (!g->nodes[i].seed)
			continue;
		if (n++ >= SEEDS_MAX)
			continue;
		unsigned k = gw_cluster_number(c, i);
		wrap(c, 2, 6,
		     gw_printf(c, "%-12s %s%s", graph_kind_name(g->nodes[i].kind), label_of(c, i),
		               k ? gw_printf(c, " (cluster %u)", k) : " (in no cluster)"));
	}
	if (n > SEEDS_MAX)
		fprintf(c->out, "  ... and %zu more seed nodes; map.json lists them all\n",
		        n - SEEDS_MAX);
	if (n == 0)
		fprintf(c->out, "  No seed node is in the graph.\n");
	fputc('\n', c->out);
}

/* Why node n was held, in words: the stored reason, or one made from the
 * hold and the share count. */
static const char *hold_reason(struct gw_ctx *c, uint32_t n)
{
	const struct graph_node *node = &c->g->nodes[n];
	if (node->hold_reason && node->hold_reason[0])
		return one_line(c, gw_text(c, node->hold_reason));
	char share[32], limit[32];
	bool certs = node->kind == GRAPH_SPKI || node->kind == GRAPH_ISSUER;
	switch (node->hold) {
	case GRAPH_HOLD_SHARED:
		return gw_printf(c, "shared by %s%s %s (limit %s)", node->share_capped ? "at least " : "",
		                 gw_count(node->share, share, sizeof(share)),
		                 certs ? "certificates" : "domains",
		                 gw_count(c->opt->share_max, limit, sizeof(limit)));
	case GRAPH_HOLD_LISTED:
		return "listed as known shared infrastructure";
	case GRAPH_HOLD_MASKED:
		return "a redacted value or a privacy service";
	case GRAPH_HOLD_DEPTH:
		return "at the last hop";
	case GRAPH_HOLD_WEAK:
		return "a weak pivot, not followed";
	case GRAPH_HOLD_NONE:
		break;
	}
	return "not expanded";
}

static int compare_held(const void *a, const void *b, void *graph)
{
	const struct graph *g = graph;
	const struct graph_node *x = &g->nodes[*(const uint32_t *)a];
	const struct graph_node *y = &g->nodes[*(const uint32_t *)b];
	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* One held value on its line: kind, label, why it was held and, when the
 * reason does not give it, how many entities share it. */
static void write_held_value(struct gw_ctx *c, uint32_t n)
{
	const struct graph_node *node = &c->g->nodes[n];
	const char *share = "";
	if (node->hold != GRAPH_HOLD_SHARED && node->share > 0) {
		char count[32];
		share = gw_printf(c, " (shared by %s%s)", node->share_capped ? "at least " : "",
		                  gw_count(node->share, count, sizeof(count)));
	}
	wrap(c, 4, 8,
	     gw_printf(c, "%-12s %s %s%s: not expanded", graph_kind_name(node->kind),
	               label_of(c, n), hold_reason(c, n), share));
}

/* The shared, listed and weak values, most shared first (list is sorted),
 * up to HELD_LIST_MAX of them. */
static void write_held_list(struct gw_ctx *c, const uint32_t *list, size_t n)
{
	if (n == 0)
		return;
	fprintf(c->out, "  Held back as shared, listed or weak, most shared first:\n");
	for (size_t i = 0; i < n && i < HELD_LIST_MAX; i++)
		write_held_value(c, list[i]);
	if (n > HELD_LIST_MAX)
		fprintf(c->out, "    ... and %zu more; map.json lists them all\n",
		        n - HELD_LIST_MAX);
}

/* The reason shared by every masked value of kind in list, without its
 * "masked: " prefix, or a general one when the values differ. */
static const char *masked_reason(struct gw_ctx *c, const uint32_t *list, size_t n,
                                 enum graph_kind kind)
{
	const char *reason = NULL;
	for (size_t i = 0; i < n; i++) {
		if (c->g->nodes[list[i]].kind != kind)
			continue;
		const char *r = hold_reason(c, list[i]);
		if (strncmp(r, "masked: ", 8) == 0)
			r += 8;
		if (reason != NULL && strcmp(reason, r) != 0)
			return "redacted or a privacy service";
		reason = r;
	}
	return reason != NULL ? reason : "redacted or a privacy service";
}

/* The masked values of kind on one entry: "39 registrant emails masked
 * (reason), e.g. a, b, c", naming up to MASKED_EXAMPLES_MAX of them. */
static void write_masked_kind(struct gw_ctx *c, const uint32_t *list, size_t n,
                              enum graph_kind kind, size_t count)
{
	const char *reason = masked_reason(c, list, n, kind);
	const char *text = gw_printf(c, "%zu %s masked (%s)%s", count,
	                             gw_kind_words(kind, count != 1), reason,
	                             count <= MASKED_EXAMPLES_MAX ? ":" : ", e.g.");
	size_t named = 0;
	const char *names[MASKED_EXAMPLES_MAX];
	for (size_t i = 0; i < n && named < MASKED_EXAMPLES_MAX; i++) {
		if (c->g->nodes[list[i]].kind != kind)
			continue;
		/* Redacted values all print as one placeholder: name it once. */
		const char *label = label_of(c, list[i]);
		bool repeated = false;
		for (size_t j = 0; j < named; j++)
			repeated = repeated || strcmp(names[j], label) == 0;
		if (repeated)
			continue;
		text = gw_printf(c, "%s%s %s", text, named ? "," : "", label);
		names[named++] = label;
	}
	wrap(c, 4, 6, text);
}

/* The masked values, one line per kind, the kinds with most values first. */
static void write_masked(struct gw_ctx *c, const uint32_t *list, size_t n)
{
	if (n == 0)
		return;
	size_t count[GRAPH_KIND_COUNT] = {0};
	for (size_t i = 0; i < n; i++)
		count[c->g->nodes[list[i]].kind]++;
	fprintf(c->out, "  Masked, so not expanded:\n");
	for (;;) {
		int most = -1;
		for (int k = 0; k < GRAPH_KIND_COUNT; k++)
			if (count[k] && (most < 0 || count[k] > count[most]))
				most = k;
		if (most < 0)
			break;
		write_masked_kind(c, list, n, (enum graph_kind)most, count[most]);
		count[most] = 0;
	}
}

static dn_status write_expansion(struct gw_ctx *c, struct dn_error *err)
{
	const struct graph *g = c->g;
	size_t total[GRAPH_KIND_COUNT] = {0}, expanded[GRAPH_KIND_COUNT] = {0};
	size_t held[GRAPH_KIND_COUNT] = {0};
	size_t n_held = 0, n_masked = 0, n_depth = 0;
	/* Shared, listed and weak values fill list from the front, masked ones
	 * from the back. */
	uint32_t *list = malloc((g->n_nodes + 1) * sizeof(*list));
	if (list == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for the report of %zu nodes",
		               g->n_nodes);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];
		total[n->kind]++;
		if (n->expanded)
			expanded[n->kind]++;
		if (n->hold == GRAPH_HOLD_DEPTH) {
			n_depth++;
		} else if (n->hold == GRAPH_HOLD_MASKED) {
			held[n->kind]++;
			n_masked++;
			list[g->n_nodes - n_masked] = i;
		} else if (n->hold != GRAPH_HOLD_NONE) {
			held[n->kind]++;
			list[n_held++] = i;
		}
	}
	uint32_t *masked = list + (g->n_nodes - n_masked);
	fprintf(c->out, "2. Expansion\n\n");
	char a[32], b[32];
	wrap(c, 2, 2,
	     gw_printf(c, "%s nodes and %s edges within %u hops of the seeds.",
	               gw_count(g->n_nodes, a, sizeof(a)), gw_count(g->n_edges, b, sizeof(b)),
	               c->opt->depth));
	fprintf(c->out, "\n  %-14s %10s %10s %10s\n", "kind", "nodes", "expanded", "held");
	for (int k = 0; k < GRAPH_KIND_COUNT; k++) {
		if (total[k] == 0)
			continue;
		fprintf(c->out, "  %-14s %10zu %10zu %10zu\n", graph_kind_name((enum graph_kind)k),
		        total[k], expanded[k], held[k]);
	}
	fputc('\n', c->out);
	qsort_r(list, n_held, sizeof(*list), compare_held, (void *)g);
	qsort_r(masked, n_masked, sizeof(*masked), compare_held, (void *)g);
	write_held_list(c, list, n_held);
	write_masked(c, masked, n_masked);
	if (n_held + n_masked == 0)
		fprintf(c->out, "  No value was held back as shared, listed or masked.\n");
	if (n_depth)
		fprintf(c->out, "  %zu nodes at the last hop were not expanded (raise --depth to follow them).\n",
		        n_depth);
	fputc('\n', c->out);
	free(list);
	return DN_OK;
}

/* One distinct "store:source" name seen in the evidence. */
struct source_seen {
	enum graph_store_kind from;
	const char *source;
};

/* How many independent sources saw edge e: its distinct named sources,
 * or the number the store merged into one piece of evidence (pDNS) when
 * that is more. Evidence without a source name is not a source of its own. */
static uint32_t edge_sources(const struct graph_edge *e)
{
	uint32_t named = 0, merged = 0;
	for (size_t i = 0; i < e->n_evidence; i++) {
		const struct graph_evidence *ev = &e->evidence[i];
		if (ev->sources > merged)
			merged = ev->sources;
		if (ev->source[0] == '\0')
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = e->evidence[k].from == ev->from &&
			       strcmp(e->evidence[k].source, ev->source) == 0;
		named += !seen;
	}
	return named > merged ? named : merged;
}

/* Set named[k] when some evidence of the map names a source of store
 * kind k. */
static void find_named_sources(const struct graph *g, bool named[GRAPH_FROM_DERIVED + 1])
{
	for (size_t i = 0; i < g->n_edges; i++)
		for (size_t j = 0; j < g->edges[i].n_evidence; j++) {
			const struct graph_evidence *ev = &g->edges[i].evidence[j];
			if (ev->source[0] != '\0' && (unsigned)ev->from <= GRAPH_FROM_DERIVED)
				named[ev->from] = true;
		}
}

static dn_status write_correlation(struct gw_ctx *c, struct dn_error *err)
{
	const struct graph *g = c->g;
	size_t edges[GRAPH_RELATION_COUNT] = {0};
	size_t multi[GRAPH_RELATION_COUNT] = {0};
	size_t n_sources = 0, cap = 16;
	struct source_seen *sources = malloc(cap * sizeof(*sources));
	if (sources == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory listing evidence sources");
	bool named[GRAPH_FROM_DERIVED + 1] = {false};
	find_named_sources(g, named);
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];
		edges[e->relation]++;
		if (edge_sources(e) > 1)
			multi[e->relation]++;
		for (size_t j = 0; j < e->n_evidence; j++) {
			const struct graph_evidence *ev = &e->evidence[j];
			/* Unnamed evidence of a store whose sources have names
			 * (a reverse WHOIS reading) is one of those sources. */
			if (ev->source[0] == '\0' && ev->from != GRAPH_FROM_DERIVED &&
			    (unsigned)ev->from <= GRAPH_FROM_DERIVED && named[ev->from])
				continue;
			size_t s = 0;
			while (s < n_sources &&
			       (sources[s].from != ev->from || strcmp(sources[s].source, ev->source) != 0))
				s++;
			if (s < n_sources)
				continue;
			if (n_sources == cap) {
				struct source_seen *more = realloc(sources, cap * 2 * sizeof(*more));
				if (more == NULL) {
					free(sources);
					return dn_fail(err, DN_ENOMEM, "out of memory listing evidence sources");
				}
				sources = more;
				cap *= 2;
			}
			sources[n_sources++] = (struct source_seen){ev->from, ev->source};
		}
	}
	fprintf(c->out, "3. Correlation\n\n");
	fprintf(c->out, "  %-14s %-14s %10s %18s\n", "relation", "family", "edges", "seen by 2+ sources");
	for (int r = 0; r < GRAPH_RELATION_COUNT; r++) {
		if (edges[r] == 0)
			continue;
		fprintf(c->out, "  %-14s %-14s %10zu %18zu\n", graph_relation_name((enum graph_relation)r),
		        graph_family_name(graph_relation_family((enum graph_relation)r)), edges[r],
		        multi[r]);
	}
	const char *list = "";
	for (size_t s = 0; s < n_sources; s++)
		list = gw_printf(c, "%s%s%s%s%s", list, s ? ", " : "", graph_store_kind_name(sources[s].from),
		                 sources[s].source[0] ? ":" : "",
		                 one_line(c, gw_text(c, sources[s].source)));
	fputc('\n', c->out);
	wrap(c, 2, 4,
	     gw_printf(c, "Evidence comes from %zu source%s: %s.", n_sources, n_sources == 1 ? "" : "s",
	               n_sources ? list : "none"));
	fputc('\n', c->out);
	free(sources);
	return DN_OK;
}

static const char *families_text(struct gw_ctx *c, unsigned families)
{
	const char *text = "";
	for (int f = 0; f < GRAPH_FAMILY_COUNT; f++)
		if (families & (1u << f))
			text = gw_printf(c, "%s%s%s", text, text[0] ? ", " : "",
			                 graph_family_name((enum graph_family)f));
	return text[0] ? text : "none";
}

static void write_links(struct gw_ctx *c, const struct cluster_link *links, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cluster_link *l = &links[i];
		wrap(c, 6, 24,
		     gw_printf(c, "%.2f %-12s %s (%u members, %u source%s)", l->weight,
		               graph_family_name(l->family), one_line(c, gw_text(c, l->text)),
		               l->n_members, l->n_sources, l->n_sources == 1 ? "" : "s"));
	}
}

/* One summary line: "Nameservers: ns1.example.net (12), ns2.example.net (3)". */
static void write_providers(struct gw_ctx *c, const struct cluster_summary *s, enum graph_kind kind,
                            const char *title)
{
	size_t n = s->n_by_kind[kind];
	const char *text = "";
	for (size_t i = 0; i < n && i < PROVIDERS_MAX; i++) {
		const struct cluster_provider *p = &s->by_kind[kind][i];
		text = gw_printf(c, "%s%s%s (%u)", text, i ? ", " : "", label_of(c, p->node),
		                 p->domains);
	}
	if (n > PROVIDERS_MAX)
		text = gw_printf(c, "%s and %zu more", text, n - PROVIDERS_MAX);
	wrap(c, 6, 28, gw_printf(c, "%-21s %s", title, n ? text : "none seen"));
}

static void write_registrant_patterns(struct gw_ctx *c, const struct cluster_summary *s)
{
	static const enum graph_kind kinds[] = {GRAPH_EMAIL, GRAPH_PHONE, GRAPH_NAME, GRAPH_ORG,
	                                        GRAPH_ADDRESS};
	/* The clustering's sentences (shared values and near-matches such as
	 * phone runs) when it wrote any, else the shared values by kind. */
	bool any = false;
	for (size_t k = 0; s->n_registrant_patterns == 0 && k < sizeof(kinds) / sizeof(kinds[0]);
	     k++) {
		if (s->n_by_kind[kinds[k]] == 0)
			continue;
		write_providers(c, s, kinds[k],
		                gw_printf(c, "Registrant %s", graph_kind_name(kinds[k])));
		any = true;
	}
	for (size_t i = 0; i < s->n_registrant_patterns && i < PATTERNS_MAX; i++) {
		const char *text = one_line(c, gw_text(c, s->registrant_patterns[i]));
		if (i == 0)
			wrap(c, 6, 28, gw_printf(c, "%-21s %s", "Registrant patterns", text));
		else
			wrap(c, 28, 28, text);
		any = true;
	}
	if (s->n_registrant_patterns > PATTERNS_MAX)
		wrap(c, 28, 28, gw_printf(c, "... and %zu more", s->n_registrant_patterns - PATTERNS_MAX));
	if (!any)
		wrap(c, 6, 28, gw_printf(c, "%-21s %s", "Registrant patterns", "none seen"));
}

/* The single point of failure as a sentence. Provider counts and the
 * share are of registrable domains, not of members, so the total is
 * derived from the two: 11 served at a share of 1.0 means 11 in all. */
static void write_spof(struct gw_ctx *c, const struct cluster *cl)
{
	const struct cluster_summary *s = &cl->summary;
	if (s->spof == UINT32_MAX || s->spof >= c->g->n_nodes) {
		wrap(c, 6, 6, "Single point of failure: no provider serves two or more members.");
		return;
	}
	enum graph_kind kind = c->g->nodes[s->spof].kind;
	uint32_t served = (uint32_t)lround(s->spof_share * (double)cl->n_members);
	for (size_t i = 0; i < s->n_by_kind[kind]; i++)
		if (s->by_kind[kind][i].node == s->spof)
			served = s->by_kind[kind][i].domains;
	long total = s->spof_share > 0 ? lround((double)served / s->spof_share)
	                               : (long)cl->n_members;
	/* "Most" only above half, so that 5 of 10 reads as "half". */
	const char *reach = "part of the cluster";
	if (served == total)
		reach = "the whole cluster";
	else if (2 * (long)served > total)
		reach = "most of the cluster";
	else if (2 * (long)served == total)
		reach = "half of the cluster";
	wrap(c, 6, 8,
	     gw_printf(c,
	               "Single point of failure: %s (%s) serves %u of the %ld registrable domains "
	               "(%.0f%%), so action against it reaches %s.",
	               label_of(c, s->spof), gw_kind_words(kind, false), served, total,
	               s->spof_share * 100.0, reach));
}

/* Whether member m repeats another member's name: a registrable domain
 * that is also a member of the same cluster as a domain. */
static bool member_repeats(const struct gw_ctx *c, const struct cluster_member *m)
{
	const struct graph_node *node = &c->g->nodes[m->node];
	if (node->kind != GRAPH_REGDOMAIN)
		return false;
	uint32_t domain = graph_find(c->g, GRAPH_DOMAIN, node->key);
	return domain != UINT32_MAX && gw_member(c, domain) != NULL &&
	       gw_cluster_number(c, domain) == gw_cluster_number(c, m->node);
}

struct member_order {
	const struct graph *g;
	const struct cluster *cl;
};

/* Seeds first, then by confidence, highest first, then in the cluster's
 * own order. */
static int compare_members(const void *a, const void *b, void *context)
{
	const struct member_order *o = context;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct cluster_member *x = &o->cl->members[i], *y = &o->cl->members[j];
	bool seed_x = o->g->nodes[x->node].seed, seed_y = o->g->nodes[y->node].seed;
	if (seed_x != seed_y)
		return seed_x ? -1 : 1;
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Order cl's members as the report lists them, each name once. Returns
 * their indexes and sets *n to their number, or returns NULL when memory
 * runs out. */
static size_t *order_members(struct gw_ctx *c, const struct cluster *cl, size_t *n)
{
	size_t *order = malloc((cl->n_members + 1) * sizeof(*order));
	if (order == NULL)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < cl->n_members; i++)
		if (!member_repeats(c, &cl->members[i]))
			order[(*n)++] = i;
	struct member_order context = {c->g, cl};
	qsort_r(order, *n, sizeof(*order), compare_members, &context);
	return order;
}

/* The summary of cluster cl: providers by kind, registrant values, first
 * and last activity and the single point of failure. */
static void write_summary(struct gw_ctx *c, const struct cluster *cl)
{
	char first[32], last[32];
	const struct cluster_summary *s = &cl->summary;
	fprintf(c->out, "    Summary:\n");
	wrap(c, 6, 28, gw_printf(c, "%-21s %zu", "Domains", cl->n_members));
	write_providers(c, s, GRAPH_IP, "IP addresses");
	write_providers(c, s, GRAPH_ASN, "Hosting ASNs");
	write_providers(c, s, GRAPH_NAMESERVER, "Nameservers");
	if (s->n_by_kind[GRAPH_MX])
		write_providers(c, s, GRAPH_MX, "MX hosts");
	write_providers(c, s, GRAPH_REGISTRAR, "Registrars");
	write_providers(c, s, GRAPH_ISSUER, "CAs (issuers)");
	write_registrant_patterns(c, s);
	/* Without pDNS evidence the times date registration and issuance,
	 * not use, and the labels say so. */
	bool registration = cl->time_basis == CLUSTER_TIME_REGISTRATION;
	wrap(c, 6, 28,
	     gw_printf(c, "%-21s %s", registration ? "First registered" : "First activity",
	               cl->time_first ? gw_time(cl->time_first, first, sizeof(first)) : "unknown"));
	wrap(c, 6, 28,
	     gw_printf(c, "%-21s %s%s", registration ? "Last registered" : "Last activity",
	               cl->time_last ? gw_time(cl->time_last, last, sizeof(last)) : "unknown",
	               registration ? " (WHOIS and certificate dates; no pDNS)" : ""));
	write_spof(c, cl);
}

/* A cluster that contains a seed, in full: its members up to MEMBERS_MAX,
 * its strongest links and the summary. */
static dn_status write_cluster(struct gw_ctx *c, size_t index, struct dn_error *err)
{
	const struct cluster *cl = &c->res->clusters[index];
	size_t n_listed = 0;
	size_t *order = order_members(c, cl, &n_listed);
	if (order == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory listing %zu cluster members",
		               cl->n_members);
	fprintf(c->out, "  Cluster %zu: %s confidence (%.2f)%s\n", index + 1,
	        cluster_level_name(cl->level), cl->confidence,
	        cl->has_seed ? ", contains a seed" : "");
	wrap(c, 4, 6,
	     gw_printf(c,
	               "%zu domain%s, %zu nodes. Corroborating families: %s. "
	               "Independent sources: %zu.",
	               cl->n_members, cl->n_members == 1 ? "" : "s", cl->n_nodes,
	               families_text(c, cl->families), cl->n_sources));
	fprintf(c->out, "    Members (level, confidence), seeds first, then the most certain:\n");
	for (size_t i = 0; i < n_listed && i < MEMBERS_MAX; i++) {
		const struct cluster_member *m = &cl->members[order[i]];
		wrap(c, 6, 24,
		     gw_printf(c, "%-10s %.2f  %s%s", cluster_level_name(m->level), m->confidence,
		               label_of(c, m->node), c->g->nodes[m->node].seed ? " (seed)" : ""));
	}
	if (n_listed > MEMBERS_MAX)
		fprintf(c->out, "      ... and %zu more members; map.json lists them all\n",
		        n_listed - MEMBERS_MAX);
	free(order);
	if (cl->n_links) {
		fprintf(c->out, "    Strongest links (weight, family, explanation):\n");
		write_links(c, cl->links, cl->n_links < LINKS_MAX ? cl->n_links : LINKS_MAX);
		if (cl->n_links > LINKS_MAX)
			fprintf(c->out, "      ... and %zu more links\n", cl->n_links - LINKS_MAX);
	}
	write_summary(c, cl);
	fputc('\n', c->out);
	return DN_OK;
}

/* Columns of the table of clusters without a seed. ROW_LEFT is the width
 * of the number, level, confidence and domain count with their spacing; the
 * strongest link takes what is left after the members. */
#define ROW_LEFT 31
#define ROW_MEMBERS 40
#define ROW_LINK (WIDTH - ROW_LEFT - ROW_MEMBERS - 2)

/* "a, b, +242 more": the first members of cl (in listing order) that fit
 * in ROW_MEMBERS columns, at most ROW_MEMBERS_MAX, one at least. */
static const char *row_members(struct gw_ctx *c, const struct cluster *cl, const size_t *order,
                               size_t n)
{
	const char *text = "";
	size_t shown = 0;
	for (; shown < n && shown < ROW_MEMBERS_MAX; shown++) {
		const char *label = label_of(c, cl->members[order[shown]].node);
		const char *longer = gw_printf(c, "%s%s%s", text, shown ? ", " : "", label);
		size_t rest = n - shown - 1;
		const char *more = rest ? gw_printf(c, ", +%zu more", rest) : "";
		if (shown > 0 && columns(longer) + columns(more) > ROW_MEMBERS)
			break;
		text = longer;
	}
	const char *more = shown < n ? gw_printf(c, ", +%zu more", n - shown) : "";
	size_t room = ROW_MEMBERS > columns(more) ? ROW_MEMBERS - columns(more) : 4;
	return gw_printf(c, "%s%s", truncate_columns(c, text, room), more);
}

/* "nameserver ns1.example.net": the value behind cl's strongest link. A
 * certificate or key shows the first 16 hex digits of its SHA-256. */
static const char *row_link(struct gw_ctx *c, const struct cluster *cl)
{
	if (cl->n_links == 0 || cl->links[0].value >= c->g->n_nodes)
		return "none";
	uint32_t value = cl->links[0].value;
	enum graph_kind kind = c->g->nodes[value].kind;
	bool hash = kind == GRAPH_CERT || kind == GRAPH_SPKI;
	const char *text = gw_printf(c, "%s %.*s", graph_kind_name(kind), hash ? 16 : INT_MAX,
	                             label_of(c, value));
	return truncate_columns(c, text, ROW_LINK);
}

/* One row of the table: number, level, confidence, domains, first members
 * and the strongest link. */
static dn_status write_cluster_row(struct gw_ctx *c, size_t index, struct dn_error *err)
{
	const struct cluster *cl = &c->res->clusters[index];
	size_t n_listed = 0;
	size_t *order = order_members(c, cl, &n_listed);
	if (order == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory listing %zu cluster members",
		               cl->n_members);
	const char *members = row_members(c, cl, order, n_listed);
	free(order);
	/* Pad by columns, not bytes, so that UTF-8 names keep the link aligned. */
	size_t pad = ROW_MEMBERS > columns(members) ? ROW_MEMBERS - columns(members) : 0;
	fprintf(c->out, "  %4zu %-9s %4.2f %7zu  %s%*s  %s\n", index + 1,
	        cluster_level_name(cl->level), cl->confidence, cl->n_members, members, (int)pad, "",
	        row_link(c, cl));
	return DN_OK;
}

/* The clusters without a seed, one row each, up to TABLE_MAX rows. */
static dn_status write_cluster_table(struct gw_ctx *c, size_t n_other, struct dn_error *err)
{
	if (n_other == 0)
		return DN_OK;
	wrap(c, 2, 2,
	     gw_printf(c, "%zu cluster%s without a seed, largest first:", n_other,
	               n_other == 1 ? "" : "s"));
	fprintf(c->out, "\n  %4s %-9s %4s %7s  %-*s  %s\n", "#", "level", "conf", "domains",
	        ROW_MEMBERS, "members", "strongest link");
	size_t rows = 0;
	for (size_t k = 0; k < c->res->n_clusters && rows < TABLE_MAX; k++) {
		if (c->res->clusters[k].has_seed)
			continue;
		dn_status rc = write_cluster_row(c, k, err);
		if (rc)
			return rc;
		rows++;
	}
	if (n_other > rows)
		fprintf(c->out, "  ... and %zu more clusters; map.json lists them all\n",
		        n_other - rows);
	fputc('\n', c->out);
	return DN_OK;
}

/* Whether node n is a domain name that no cluster contains. A name is
 * counted once: a registrable domain that is also a domain node counts
 * through that node, and the name is in a cluster when either node is,
 * because clustering assigns one of the two to the cluster as its member
 * and may leave the other as a plain node of it. */
static bool name_in_no_cluster(const struct gw_ctx *c, uint32_t n)
{
	const struct graph_node *node = &c->g->nodes[n];
	enum graph_kind other;
	if (node->kind == GRAPH_DOMAIN)
		other = GRAPH_REGDOMAIN;
	else if (node->kind == GRAPH_REGDOMAIN)
		other = GRAPH_DOMAIN;
	else
		return false;
	uint32_t twin = graph_find(c->g, other, node->key);
	if (twin != UINT32_MAX && node->kind == GRAPH_REGDOMAIN)
		return false;
	if (gw_cluster_number(c, n) != 0 || gw_member(c, n) != NULL)
		return false;
	return twin == UINT32_MAX || (gw_cluster_number(c, twin) == 0 && gw_member(c, twin) == NULL);
}

static dn_status write_clusters(struct gw_ctx *c, struct dn_error *err)
{
	const struct graph *g = c->g;
	size_t loose = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		if (name_in_no_cluster(c, i))
			loose++;
	fprintf(c->out, "4. Clusters and confidence\n\n");
	wrap(c, 2, 2,
	     gw_printf(c,
	               "%zu cluster%s; %zu domain%s in no cluster. Levels: high is 0.90 and above, "
	               "medium 0.70 to 0.90, low 0.40 to 0.70, tentative below 0.40.",
	               c->res->n_clusters, c->res->n_clusters == 1 ? "" : "s", loose,
	               loose == 1 ? " is" : "s are"));
	fputc('\n', c->out);
	size_t n_other = 0;
	for (size_t k = 0; k < c->res->n_clusters; k++) {
		if (!c->res->clusters[k].has_seed) {
			n_other++;
			continue;
		}
		dn_status rc = write_cluster(c, k, err);
		if (rc)
			return rc;
	}
	return write_cluster_table(c, n_other, err);
}

dn_status gw_write_text(struct gw_ctx *c, struct dn_error *err)
{
	write_header(c);
	write_seeds(c);
	dn_status rc = write_expansion(c, err);
	if (rc == DN_OK)
		rc = write_correlation(c, err);
	if (rc == DN_OK)
		rc = write_clusters(c, err);
	if (rc)
		return rc;
	return gw_finish(c, "text", err);
}
