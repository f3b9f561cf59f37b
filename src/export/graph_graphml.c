/* The GraphML form of a map, for Gephi, yEd and NetworkX: one data key per
 * node and edge attribute, values escaped for XML 1.0. */
#include <inttypes.h>
#include <string.h>

#include "export/graph_writer_internal.h"

struct key_def {
	const char *id;
	const char *target; /* "node" or "edge" */
	const char *name;
	const char *type;
};

static const struct key_def keys[] = {
	{"kind", "node", "kind", "string"},
	{"key", "node", "key", "string"},
	{"label", "node", "label", "string"},
	{"depth", "node", "depth", "int"},
	{"seed", "node", "seed", "boolean"},
	{"hold", "node", "hold", "string"},
	{"share", "node", "share", "long"},
	{"cluster", "node", "cluster", "int"},
	{"confidence", "node", "confidence", "double"},
	{"level", "node", "level", "string"},
	{"nfirst", "node", "first", "string"},
	{"nlast", "node", "last", "string"},
	{"relation", "edge", "relation", "string"},
	{"family", "edge", "family", "string"},
	{"sources", "edge", "sources", "int"},
	{"evidence", "edge", "evidence", "string"},
	{"efirst", "edge", "first", "string"},
	{"elast", "edge", "last", "string"},
};

/* Write s as XML character data. Characters XML 1.0 does not allow (C0
 * controls other than tab and newline, U+FFFE, U+FFFF) become U+FFFD; a
 * carriage return is written as a reference so that parsers keep it. */
static void xml_text(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		case '\r': fputs("&#13;", out); break;
		case '\t':
		case '\n': fputc(*p, out); break;
		default:
			if (*p < 0x20) {
				fputs("\xef\xbf\xbd", out);
			} else if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
				fputs("\xef\xbf\xbd", out);
				p += 2;
			} else {
				fputc(*p, out);
			}
		}
	}
}

static void data(FILE *out, const char *key, const char *value)
{
	fprintf(out, "      <data key=\"%s\">", key);
	xml_text(out, value);
	fputs("</data>\n", out);
}

static void write_node(struct gw_ctx *c, uint32_t i)
{
	const struct graph_node *n = &c->g->nodes[i];
	FILE *out = c->out;
	char buf[32];
	fprintf(out, "    <node id=\"n%u\">\n", i);
	data(out, "kind", graph_kind_name(n->kind));
	data(out, "key", gw_key(c, i));
	data(out, "label", gw_label(c, i));
	if (n->depth != UINT32_MAX)
		data(out, "depth", gw_printf(c, "%u", n->depth));
	data(out, "seed", n->seed ? "true" : "false");
	data(out, "hold", graph_hold_name(n->hold));
	if (n->share)
		data(out, "share", gw_printf(c, "%" PRIu64, n->share));
	unsigned k = gw_cluster_number(c, i);
	if (k) {
		const struct cluster *cl = &c->res->clusters[k - 1];
		const struct cluster_member *m = gw_member(c, i);
		data(out, "cluster", gw_printf(c, "%u", k));
		data(out, "confidence", gw_printf(c, "%.4f", m ? m->confidence : cl->confidence));
		data(out, "level", cluster_level_name(m ? m->level : cl->level));
	}
	if (n->time_first)
		data(out, "nfirst", gw_time(n->time_first, buf, sizeof(buf)));
	if (n->time_last)
		data(out, "nlast", gw_time(n->time_last, buf, sizeof(buf)));
	fputs("    </node>\n", out);
}

/* The evidence of e in one line: "pdns:sensor-1 A 192.0.2.7 x5; whois ...". */
static const char *evidence_text(struct gw_ctx *c, const struct graph_edge *e)
{
	const char *text = "";
	for (size_t i = 0; i < e->n_evidence; i++) {
		const struct graph_evidence *ev = &e->evidence[i];
		text = gw_printf(c, "%s%s%s%s%s %s x%" PRIu64, text, i ? "; " : "",
		                 graph_store_kind_name(ev->from), ev->source[0] ? ":" : "",
		                 gw_text(c, ev->source), gw_text(c, ev->detail), ev->count);
	}
	return text;
}

static void write_edge(struct gw_ctx *c, size_t i)
{
	const struct graph_edge *e = &c->g->edges[i];
	FILE *out = c->out;
	char buf[32];
	fprintf(out, "    <edge id=\"e%zu\" source=\"n%u\" target=\"n%u\">\n", i, e->from, e->to);
	data(out, "relation", graph_relation_name(e->relation));
	data(out, "family", graph_family_name(graph_relation_family(e->relation)));
	data(out, "sources", gw_printf(c, "%zu", e->n_evidence));
	data(out, "evidence", evidence_text(c, e));
	if (e->time_first)
		data(out, "efirst", gw_time(e->time_first, buf, sizeof(buf)));
	if (e->time_last)
		data(out, "elast", gw_time(e->time_last, buf, sizeof(buf)));
	fputs("    </edge>\n", out);
}

dn_status gw_write_graphml(struct gw_ctx *c, struct dn_error *err)
{
	FILE *out = c->out;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\"\n"
	      "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	      "    xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
	      "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
	      out);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		fprintf(out, "  <key id=\"%s\" for=\"%s\" attr.name=\"%s\" attr.type=\"%s\"/>\n",
		        keys[i].id, keys[i].target, keys[i].name, keys[i].type);
	fputs("  <graph id=\"dragnet_map\" edgedefault=\"directed\">\n", out);
	for (uint32_t i = 0; i < c->g->n_nodes; i++) {
		write_node(c, i);
		/* Strings made per node are not needed afterwards. */
		if (!c->out_of_memory)
			arena_reset(&c->scratch);
	}
	for (size_t i = 0; i < c->g->n_edges; i++) {
		write_edge(c, i);
		if (!c->out_of_memory)
			arena_reset(&c->scratch);
	}
	fputs("  </graph>\n</graphml>\n", out);
	return gw_finish(c, "GraphML", err);
}
