/* The JSON form of a map: every node, edge with its evidence, cluster with
 * its links and summary, and the run's options. docs/mapping.md describes
 * the schema. It streams through struct gw_json instead of building a
 * jansson tree, which took half the CPU time of a 10,000-node map. */
#include <stdlib.h>
#include <string.h>

#include "export/graph_writer_internal.h"

/* {"kind": ..., "key": ...} of node n, left open so callers can add to it. */
static void node_ref_begin(struct gw_json *j, const char *name, uint32_t n)
{
	gw_json_object_begin(j, name);
	gw_json_string(j, "kind", graph_kind_name(j->c->g->nodes[n].kind));
	gw_json_string(j, "key", gw_key(j->c, n));
}

static void node_ref(struct gw_json *j, const char *name, uint32_t n)
{
	node_ref_begin(j, name, n);
	gw_json_object_end(j);
}

static void node_json(struct gw_json *j, uint32_t i)
{
	struct gw_ctx *c = j->c;
	const struct graph_node *n = &c->g->nodes[i];
	unsigned k = gw_cluster_number(c, i);
	gw_json_object_begin(j, NULL);
	gw_json_string(j, "kind", graph_kind_name(n->kind));
	gw_json_string(j, "key", gw_key(c, i));
	gw_json_string(j, "label", gw_label(c, i));
	if (n->depth == UINT32_MAX)
		gw_json_null(j, "depth");
	else
		gw_json_int(j, "depth", n->depth);
	gw_json_bool(j, "seed", n->seed);
	gw_json_bool(j, "expanded", n->expanded);
	gw_json_string(j, "hold", graph_hold_name(n->hold));
	gw_json_string(j, "reason", n->hold_reason ? gw_text(c, n->hold_reason) : NULL);
	if (n->share)
		gw_json_int(j, "share", (int64_t)n->share);
	else
		gw_json_null(j, "share");
	gw_json_bool(j, "share_capped", n->share_capped);
	gw_json_time(j, "time_first", n->time_first);
	gw_json_time(j, "time_last", n->time_last);
	if (k)
		gw_json_int(j, "cluster", k);
	else
		gw_json_null(j, "cluster");
	gw_json_object_end(j);
}

static void evidence_json(struct gw_json *j, const struct graph_evidence *ev)
{
	gw_json_object_begin(j, NULL);
	gw_json_string(j, "store", graph_store_kind_name(ev->from));
	gw_json_string(j, "source", gw_text(j->c, ev->source));
	gw_json_string(j, "detail", gw_text(j->c, ev->detail));
	gw_json_time(j, "time_first", ev->time_first);
	gw_json_time(j, "time_last", ev->time_last);
	gw_json_int(j, "count", (int64_t)ev->count);
	gw_json_int(j, "sources", ev->sources > 1 ? ev->sources : 1);
	gw_json_object_end(j);
}

static void edge_json(struct gw_json *j, const struct graph_edge *e)
{
	gw_json_object_begin(j, NULL);
	node_ref(j, "from", e->from);
	node_ref(j, "to", e->to);
	gw_json_string(j, "relation", graph_relation_name(e->relation));
	gw_json_string(j, "family", graph_family_name(graph_relation_family(e->relation)));
	gw_json_time(j, "time_first", e->time_first);
	gw_json_time(j, "time_last", e->time_last);
	gw_json_array_begin(j, "evidence");
	for (size_t i = 0; i < e->n_evidence; i++)
		evidence_json(j, &e->evidence[i]);
	gw_json_array_end(j);
	gw_json_object_end(j);
}

static void links_json(struct gw_json *j, const struct cluster_link *links, size_t n)
{
	gw_json_array_begin(j, "links");
	for (size_t i = 0; i < n; i++) {
		const struct cluster_link *l = &links[i];
		gw_json_object_begin(j, NULL);
		node_ref(j, "value", l->value);
		gw_json_string(j, "family", graph_family_name(l->family));
		gw_json_real(j, "weight", l->weight);
		gw_json_int(j, "members", l->n_members);
		gw_json_int(j, "sources", l->n_sources);
		gw_json_string(j, "text", gw_text(j->c, l->text));
		gw_json_object_end(j);
	}
	gw_json_array_end(j);
}

static void member_json(struct gw_json *j, const struct cluster_member *m)
{
	gw_json_object_begin(j, NULL);
	gw_json_string(j, "kind", graph_kind_name(j->c->g->nodes[m->node].kind));
	gw_json_string(j, "key", gw_key(j->c, m->node));
	gw_json_real(j, "confidence", m->confidence);
	gw_json_string(j, "level", cluster_level_name(m->level));
	links_json(j, m->links, m->n_links);
	gw_json_object_end(j);
}

static void summary_json(struct gw_json *j, const struct cluster *cl)
{
	const struct cluster_summary *s = &cl->summary;
	gw_json_object_begin(j, "summary");
	gw_json_object_begin(j, "providers");
	for (int k = 0; k < GRAPH_KIND_COUNT; k++) {
		if (s->n_by_kind[k] == 0)
			continue;
		gw_json_array_begin(j, graph_kind_name((enum graph_kind)k));
		for (size_t i = 0; i < s->n_by_kind[k]; i++) {
			node_ref_begin(j, NULL, s->by_kind[k][i].node);
			gw_json_int(j, "domains", s->by_kind[k][i].domains);
			gw_json_object_end(j);
		}
		gw_json_array_end(j);
	}
	gw_json_object_end(j);
	gw_json_int(j, "domains", (int64_t)cl->n_members);
	if (s->spof != UINT32_MAX && s->spof < j->c->g->n_nodes) {
		node_ref_begin(j, "single_point_of_failure", s->spof);
		gw_json_real(j, "share", s->spof_share);
		gw_json_object_end(j);
	} else {
		gw_json_null(j, "single_point_of_failure");
	}
	gw_json_object_end(j);
}

static void cluster_json(struct gw_json *j, size_t index)
{
	const struct cluster *cl = &j->c->res->clusters[index];
	gw_json_object_begin(j, NULL);
	gw_json_int(j, "number", (int64_t)index + 1);
	gw_json_real(j, "confidence", cl->confidence);
	gw_json_string(j, "level", cluster_level_name(cl->level));
	gw_json_bool(j, "has_seed", cl->has_seed);
	gw_json_array_begin(j, "families");
	for (int f = 0; f < GRAPH_FAMILY_COUNT; f++)
		if (cl->families & (1u << f))
			gw_json_string(j, NULL, graph_family_name((enum graph_family)f));
	gw_json_array_end(j);
	gw_json_int(j, "sources", (int64_t)cl->n_sources);
	gw_json_string(j, "time_basis",
	               cl->time_basis == CLUSTER_TIME_PDNS           ? "pdns"
	               : cl->time_basis == CLUSTER_TIME_REGISTRATION ? "registration"
	                                                             : "none");
	gw_json_time(j, "time_first", cl->time_first);
	gw_json_time(j, "time_last", cl->time_last);
	gw_json_array_begin(j, "members");
	for (size_t i = 0; i < cl->n_members; i++)
		member_json(j, &cl->members[i]);
	gw_json_array_end(j);
	gw_json_array_begin(j, "nodes");
	for (size_t i = 0; i < cl->n_nodes; i++)
		node_ref(j, NULL, cl->nodes[i]);
	gw_json_array_end(j);
	links_json(j, cl->links, cl->n_links);
	summary_json(j, cl);
	gw_json_object_end(j);
}

static void run_json(struct gw_json *j)
{
	const struct graph_write_options *opt = j->c->opt;
	gw_json_object_begin(j, "run");
	gw_json_array_begin(j, "seeds");
	for (size_t i = 0; i < opt->n_seeds; i++)
		gw_json_string(j, NULL, gw_text(j->c, opt->seeds[i]));
	gw_json_array_end(j);
	gw_json_int(j, "depth", opt->depth);
	gw_json_int(j, "share_max", (int64_t)opt->share_max);
	gw_json_time(j, "since", opt->since);
	gw_json_time(j, "until", opt->until);
	gw_json_bool(j, "overlap_only", opt->overlap_only);
	gw_json_bool(j, "redact_personal", opt->redact_personal);
	gw_json_time(j, "generated", opt->now);
	gw_json_object_end(j);
}

dn_status gw_write_json(struct gw_ctx *c, struct dn_error *err)
{
	struct gw_json *j = malloc(sizeof(*j));
	if (j == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory writing the JSON graph");
	gw_json_init(j, c);
	gw_json_object_begin(j, NULL);
	gw_json_string(j, "format", "dragnet-map");
	gw_json_int(j, "version", 1);
	run_json(j);
	gw_json_array_begin(j, "nodes");
	for (uint32_t i = 0; i < c->g->n_nodes; i++)
		node_json(j, i);
	gw_json_array_end(j);
	gw_json_array_begin(j, "edges");
	for (size_t i = 0; i < c->g->n_edges; i++)
		edge_json(j, &c->g->edges[i]);
	gw_json_array_end(j);
	gw_json_array_begin(j, "clusters");
	for (size_t i = 0; i < c->res->n_clusters; i++)
		cluster_json(j, i);
	gw_json_array_end(j);
	gw_json_object_end(j);
	dn_status rc = gw_json_finish(j, "JSON", err);
	free(j);
	return rc;
}
