/* The Graphviz DOT form of a map: shapes and fill colours by node kind,
 * edges labelled by relation, and each node of operator cluster N outlined
 * in that cluster's colour with a cluster="N" attribute.
 *
 * Clusters are not "subgraph cluster_N" blocks: with edges between
 * clusters, dot of Graphviz 2.43 (Debian 12) fails on maps of a few
 * thousand lines with "trouble in init_rank". */
#include "export/graph_writer_internal.h"

struct kind_style {
	const char *shape;
	const char *color;
};

static const struct kind_style styles[GRAPH_KIND_COUNT] = {
	[GRAPH_DOMAIN] = {"ellipse", "#a6cee3"},
	[GRAPH_REGDOMAIN] = {"box", "#1f78b4"},
	[GRAPH_IP] = {"box", "#b2df8a"},
	[GRAPH_PREFIX] = {"box3d", "#33a02c"},
	[GRAPH_ASN] = {"hexagon", "#8dd3c7"},
	[GRAPH_NAMESERVER] = {"diamond", "#fdbf6f"},
	[GRAPH_MX] = {"diamond", "#ff7f00"},
	[GRAPH_EMAIL] = {"note", "#fb9a99"},
	[GRAPH_PHONE] = {"note", "#e31a1c"},
	[GRAPH_NAME] = {"note", "#cab2d6"},
	[GRAPH_ORG] = {"note", "#6a3d9a"},
	[GRAPH_ADDRESS] = {"note", "#ffff99"},
	[GRAPH_REGISTRAR] = {"house", "#b15928"},
	[GRAPH_CERT] = {"component", "#d9d9d9"},
	[GRAPH_SPKI] = {"octagon", "#bc80bd"},
	[GRAPH_ISSUER] = {"invhouse", "#ccebc5"},
};

/* Write s as a DOT double-quoted string. A backslash is doubled so that
 * Graphviz reads no escape sequence (\N, \G, \l) into the data, '&' becomes
 * "&amp;" so that no HTML entity is expanded, and control characters become
 * "\n" for a line break or a space. */
static void quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '&': fputs("&amp;", out); break;
		case '\n': fputs("\\n", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fputc(' ', out);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* The outline colour of cluster number (from 1), from a qualitative
 * palette that cycles after eight clusters. */
static const char *cluster_colour(unsigned number)
{
	static const char *const colours[] = {"#e41a1c", "#377eb8", "#4daf4a", "#984ea3",
	                                      "#ff7f00", "#a65628", "#f781bf", "#999999"};
	return colours[(number - 1) % (sizeof(colours) / sizeof(colours[0]))];
}

static void write_node(struct gw_ctx *c, uint32_t i)
{
	const struct graph_node *n = &c->g->nodes[i];
	const struct kind_style *st = &styles[n->kind];
	fprintf(c->out, "\tn%u [label=", i);
	quoted(c->out, gw_label(c, i));
	fprintf(c->out, ", kind=\"%s\", shape=%s, fillcolor=\"%s\"", graph_kind_name(n->kind),
	        st->shape, st->color);
	unsigned k = gw_cluster_number(c, i);
	if (k)
		fprintf(c->out, ", cluster=\"%u\", color=\"%s\"", k, cluster_colour(k));
	if (n->seed)
		fputs(", penwidth=4", c->out);
	else if (k)
		fputs(", penwidth=2", c->out);
	if (n->hold != GRAPH_HOLD_NONE && n->hold != GRAPH_HOLD_DEPTH) {
		fputs(", style=\"filled,dashed\", tooltip=", c->out);
		quoted(c->out, gw_printf(c, "%s: not expanded", graph_hold_name(n->hold)));
	} else if (k) {
		const struct cluster *cl = &c->res->clusters[k - 1];
		fputs(", tooltip=", c->out);
		quoted(c->out, gw_printf(c, "cluster %u: %s confidence (%.2f), %zu domains", k,
		                         cluster_level_name(cl->level), cl->confidence,
		                         cl->n_members));
	}
	fputs("];\n", c->out);
}

dn_status gw_write_dot(struct gw_ctx *c, struct dn_error *err)
{
	const struct graph *g = c->g;
	const char *seeds = "";
	for (size_t i = 0; i < c->opt->n_seeds; i++)
		seeds = gw_printf(c, "%s%s%s", seeds, i ? ", " : "", gw_text(c, c->opt->seeds[i]));
	fputs("digraph dragnet_map {\n\tgraph [rankdir=LR, overlap=false, label=", c->out);
	quoted(c->out, gw_printf(c, "dragnet map from %s", c->opt->n_seeds ? seeds : "no seed"));
	fputs("];\n\tnode [style=filled, fontname=\"Helvetica\"];\n"
	      "\tedge [fontname=\"Helvetica\", fontsize=10];\n",
	      c->out);
	for (uint32_t i = 0; i < g->n_nodes; i++)
		write_node(c, i);
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];
		const char *label = graph_relation_name(e->relation);
		if (e->n_evidence > 1)
			label = gw_printf(c, "%s (%zu sources)", label, e->n_evidence);
		fprintf(c->out, "\tn%u -> n%u [label=", e->from, e->to);
		quoted(c->out, label);
		fprintf(c->out, ", family=\"%s\"];\n",
		        graph_family_name(graph_relation_family(e->relation)));
	}
	fputs("}\n", c->out);
	return gw_finish(c, "DOT", err);
}
