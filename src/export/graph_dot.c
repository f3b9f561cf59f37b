/* The Graphviz DOT form of a map: shapes and colours by node kind, edges
 * labelled by relation, each operator cluster a "subgraph cluster_N". */
#include <stdlib.h>
#include <string.h>

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

static void write_node(struct gw_ctx *c, uint32_t i, const char *indent)
{
	const struct graph_node *n = &c->g->nodes[i];
	const struct kind_style *st = &styles[n->kind];
	fprintf(c->out, "%sn%u [label=", indent, i);
	quoted(c->out, gw_label(c, i));
	fprintf(c->out, ", kind=\"%s\", shape=%s, fillcolor=\"%s\"", graph_kind_name(n->kind),
	        st->shape, st->color);
	if (n->seed)
		fputs(", penwidth=3", c->out);
	if (n->hold != GRAPH_HOLD_NONE && n->hold != GRAPH_HOLD_DEPTH) {
		fputs(", style=\"filled,dashed\", tooltip=", c->out);
		quoted(c->out, gw_printf(c, "%s: not expanded", graph_hold_name(n->hold)));
	}
	fputs("];\n", c->out);
}

static void write_cluster(struct gw_ctx *c, size_t index, bool *placed)
{
	const struct cluster *cl = &c->res->clusters[index];
	fprintf(c->out, "\tsubgraph cluster_%zu {\n\t\tlabel=", index + 1);
	quoted(c->out, gw_printf(c, "cluster %zu: %s confidence (%.2f), %zu domains", index + 1,
	                         cluster_level_name(cl->level), cl->confidence, cl->n_members));
	fputs(";\n\t\tstyle=rounded;\n", c->out);
	for (size_t i = 0; i < cl->n_nodes; i++) {
		uint32_t n = cl->nodes[i];
		if (n >= c->g->n_nodes || placed[n])
			continue;
		placed[n] = true;
		write_node(c, n, "\t\t");
	}
	fputs("\t}\n", c->out);
}

dn_status gw_write_dot(struct gw_ctx *c, struct dn_error *err)
{
	const struct graph *g = c->g;
	bool *placed = calloc(g->n_nodes + 1, sizeof(*placed));
	if (placed == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory writing %zu DOT nodes", g->n_nodes);
	const char *seeds = "";
	for (size_t i = 0; i < c->opt->n_seeds; i++)
		seeds = gw_printf(c, "%s%s%s", seeds, i ? ", " : "", gw_text(c, c->opt->seeds[i]));
	fputs("digraph dragnet_map {\n\tgraph [rankdir=LR, overlap=false, label=", c->out);
	quoted(c->out, gw_printf(c, "dragnet map from %s", c->opt->n_seeds ? seeds : "no seed"));
	fputs("];\n\tnode [style=filled, fontname=\"Helvetica\"];\n"
	      "\tedge [fontname=\"Helvetica\", fontsize=10];\n",
	      c->out);
	for (size_t k = 0; k < c->res->n_clusters; k++)
		write_cluster(c, k, placed);
	for (uint32_t i = 0; i < g->n_nodes; i++)
		if (!placed[i])
			write_node(c, i, "\t");
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
	free(placed);
	return gw_finish(c, "DOT", err);
}
