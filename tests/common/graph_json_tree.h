/* The JSON writer of the graph as it was before the streaming writer: it
 * builds a jansson tree and dumps it with json_dumpf(). Tests run it through
 * gw_run() as the reference that the streaming output must equal byte for
 * byte. Only test_graph_writer.c includes it. */
#pragma once

#include <jansson.h>
#include <string.h>

#include "export/graph_writer_internal.h"

/* Set key of obj to value, which is taken over; false when either is NULL
 * (memory ran out). */
static bool tree_set(json_t *obj, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(obj, key, value) == 0;
}

static bool tree_append(json_t *array, json_t *value)
{
	return value != NULL && json_array_append_new(array, value) == 0;
}

static json_t *tree_time_value(int64_t t)
{
	char buf[32];
	return t ? json_string(gw_time(t, buf, sizeof(buf))) : json_null();
}

static json_t *tree_node_ref(struct gw_ctx *c, uint32_t n)
{
	json_t *ref = json_object();
	if (ref == NULL)
		return NULL;
	if (!tree_set(ref, "kind", json_string(graph_kind_name(c->g->nodes[n].kind))) ||
	    !tree_set(ref, "key", json_string(gw_key(c, n)))) {
		json_decref(ref);
		return NULL;
	}
	return ref;
}

static json_t *tree_node_json(struct gw_ctx *c, uint32_t i)
{
	const struct graph_node *n = &c->g->nodes[i];
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	unsigned k = gw_cluster_number(c, i);
	bool ok = tree_set(o, "kind", json_string(graph_kind_name(n->kind))) &&
	          tree_set(o, "key", json_string(gw_key(c, i))) &&
	          tree_set(o, "label", json_string(gw_label(c, i))) &&
	          tree_set(o, "depth", n->depth == UINT32_MAX ? json_null() : json_integer(n->depth)) &&
	          tree_set(o, "seed", json_boolean(n->seed)) &&
	          tree_set(o, "expanded", json_boolean(n->expanded)) &&
	          tree_set(o, "hold", json_string(graph_hold_name(n->hold))) &&
	          tree_set(o, "reason", n->hold_reason ? json_string(gw_text(c, n->hold_reason))
	                                          : json_null()) &&
	          tree_set(o, "share", n->share ? json_integer((json_int_t)n->share) : json_null()) &&
	          tree_set(o, "share_capped", json_boolean(n->share_capped)) &&
	          tree_set(o, "time_first", tree_time_value(n->time_first)) &&
	          tree_set(o, "time_last", tree_time_value(n->time_last)) &&
	          tree_set(o, "cluster", k ? json_integer(k) : json_null());
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *tree_evidence_json(struct gw_ctx *c, const struct graph_evidence *ev)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	bool ok = tree_set(o, "store", json_string(graph_store_kind_name(ev->from))) &&
	          tree_set(o, "source", json_string(gw_text(c, ev->source))) &&
	          tree_set(o, "detail", json_string(gw_text(c, ev->detail))) &&
	          tree_set(o, "time_first", tree_time_value(ev->time_first)) &&
	          tree_set(o, "time_last", tree_time_value(ev->time_last)) &&
	          tree_set(o, "count", json_integer((json_int_t)ev->count)) &&
	          tree_set(o, "sources", json_integer(ev->sources > 1 ? ev->sources : 1));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Add a new array under key to obj and return it (borrowed: obj owns it),
 * or NULL when memory runs out. */
static json_t *tree_add_array(json_t *obj, const char *key)
{
	json_t *a = json_array();
	return obj != NULL && tree_set(obj, key, a) ? a : NULL;
}

static json_t *tree_edge_json(struct gw_ctx *c, const struct graph_edge *e)
{
	json_t *o = json_object();
	bool ok = o != NULL && tree_set(o, "from", tree_node_ref(c, e->from)) &&
	          tree_set(o, "to", tree_node_ref(c, e->to)) &&
	          tree_set(o, "relation", json_string(graph_relation_name(e->relation))) &&
	          tree_set(o, "family",
	              json_string(graph_family_name(graph_relation_family(e->relation)))) &&
	          tree_set(o, "time_first", tree_time_value(e->time_first)) &&
	          tree_set(o, "time_last", tree_time_value(e->time_last));
	json_t *evidence = ok ? tree_add_array(o, "evidence") : NULL;
	ok = evidence != NULL;
	for (size_t i = 0; ok && i < e->n_evidence; i++)
		ok = tree_append(evidence, tree_evidence_json(c, &e->evidence[i]));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *tree_link_json(struct gw_ctx *c, const struct cluster_link *l)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	bool ok = tree_set(o, "value", tree_node_ref(c, l->value)) &&
	          tree_set(o, "family", json_string(graph_family_name(l->family))) &&
	          tree_set(o, "weight", json_real(l->weight)) &&
	          tree_set(o, "members", json_integer(l->n_members)) &&
	          tree_set(o, "sources", json_integer(l->n_sources)) &&
	          tree_set(o, "text", json_string(gw_text(c, l->text)));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *tree_links_json(struct gw_ctx *c, const struct cluster_link *links, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		if (!tree_append(a, tree_link_json(c, &links[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *tree_member_json(struct gw_ctx *c, const struct cluster_member *m)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	bool ok = tree_set(o, "kind", json_string(graph_kind_name(c->g->nodes[m->node].kind))) &&
	          tree_set(o, "key", json_string(gw_key(c, m->node))) &&
	          tree_set(o, "confidence", json_real(m->confidence)) &&
	          tree_set(o, "level", json_string(cluster_level_name(m->level))) &&
	          tree_set(o, "links", tree_links_json(c, m->links, m->n_links));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *tree_summary_json(struct gw_ctx *c, const struct cluster *cl)
{
	const struct cluster_summary *s = &cl->summary;
	json_t *o = json_object();
	json_t *providers = json_object();
	bool ok = o != NULL && tree_set(o, "providers", providers) &&
	          tree_set(o, "domains", json_integer((json_int_t)cl->n_members));
	for (int k = 0; ok && k < GRAPH_KIND_COUNT; k++) {
		if (s->n_by_kind[k] == 0)
			continue;
		json_t *list = tree_add_array(providers, graph_kind_name((enum graph_kind)k));
		ok = list != NULL;
		for (size_t i = 0; ok && i < s->n_by_kind[k]; i++) {
			json_t *p = tree_node_ref(c, s->by_kind[k][i].node);
			ok = tree_append(list, p) && tree_set(p, "domains", json_integer(s->by_kind[k][i].domains));
		}
	}
	if (ok && s->spof != UINT32_MAX && s->spof < c->g->n_nodes) {
		json_t *spof = tree_node_ref(c, s->spof);
		ok = tree_set(o, "single_point_of_failure", spof) &&
		     tree_set(spof, "share", json_real(s->spof_share));
	} else if (ok) {
		ok = tree_set(o, "single_point_of_failure", json_null());
	}
	if (!ok) {
		if (o == NULL)
			json_decref(providers);
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *tree_cluster_json(struct gw_ctx *c, size_t index)
{
	const struct cluster *cl = &c->res->clusters[index];
	json_t *o = json_object();
	bool ok = o != NULL && tree_set(o, "number", json_integer((json_int_t)index + 1)) &&
	          tree_set(o, "confidence", json_real(cl->confidence)) &&
	          tree_set(o, "level", json_string(cluster_level_name(cl->level))) &&
	          tree_set(o, "has_seed", json_boolean(cl->has_seed));
	json_t *families = ok ? tree_add_array(o, "families") : NULL;
	for (int f = 0; families && f < GRAPH_FAMILY_COUNT; f++)
		if ((cl->families & (1u << f)) &&
		    !tree_append(families, json_string(graph_family_name((enum graph_family)f))))
			families = NULL;
	const char *basis = cl->time_basis == CLUSTER_TIME_PDNS           ? "pdns"
	                    : cl->time_basis == CLUSTER_TIME_REGISTRATION ? "registration"
	                                                                  : "none";
	ok = families != NULL && tree_set(o, "sources", json_integer((json_int_t)cl->n_sources)) &&
	     tree_set(o, "time_basis", json_string(basis)) &&
	     tree_set(o, "time_first", tree_time_value(cl->time_first)) &&
	     tree_set(o, "time_last", tree_time_value(cl->time_last));
	json_t *members = ok ? tree_add_array(o, "members") : NULL;
	for (size_t i = 0; members && i < cl->n_members; i++)
		if (!tree_append(members, tree_member_json(c, &cl->members[i])))
			members = NULL;
	json_t *nodes = members ? tree_add_array(o, "nodes") : NULL;
	for (size_t i = 0; nodes && i < cl->n_nodes; i++)
		if (!tree_append(nodes, tree_node_ref(c, cl->nodes[i])))
			nodes = NULL;
	ok = nodes != NULL && tree_set(o, "links", tree_links_json(c, cl->links, cl->n_links)) &&
	     tree_set(o, "summary", tree_summary_json(c, cl));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *tree_run_json(struct gw_ctx *c)
{
	const struct graph_write_options *opt = c->opt;
	json_t *o = json_object();
	json_t *seeds = tree_add_array(o, "seeds");
	bool ok = seeds != NULL;
	for (size_t i = 0; ok && i < opt->n_seeds; i++)
		ok = tree_append(seeds, json_string(gw_text(c, opt->seeds[i])));
	ok = ok && tree_set(o, "depth", json_integer(opt->depth)) &&
	     tree_set(o, "share_max", json_integer((json_int_t)opt->share_max)) &&
	     tree_set(o, "since", tree_time_value(opt->since)) && tree_set(o, "until", tree_time_value(opt->until)) &&
	     tree_set(o, "overlap_only", json_boolean(opt->overlap_only)) &&
	     tree_set(o, "redact_personal", json_boolean(opt->redact_personal)) &&
	     tree_set(o, "generated", tree_time_value(opt->now));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static dn_status tree_write_json(struct gw_ctx *c, struct dn_error *err)
{
	json_t *doc = json_object();
	bool ok = doc != NULL && tree_set(doc, "format", json_string("dragnet-map")) &&
	          tree_set(doc, "version", json_integer(1)) && tree_set(doc, "run", tree_run_json(c));
	json_t *nodes = ok ? tree_add_array(doc, "nodes") : NULL;
	for (uint32_t i = 0; nodes && i < c->g->n_nodes; i++)
		if (!tree_append(nodes, tree_node_json(c, i)))
			nodes = NULL;
	json_t *edges = nodes ? tree_add_array(doc, "edges") : NULL;
	for (size_t i = 0; edges && i < c->g->n_edges; i++)
		if (!tree_append(edges, tree_edge_json(c, &c->g->edges[i])))
			edges = NULL;
	json_t *clusters = edges ? tree_add_array(doc, "clusters") : NULL;
	for (size_t i = 0; clusters && i < c->res->n_clusters; i++)
		if (!tree_append(clusters, tree_cluster_json(c, i)))
			clusters = NULL;
	if (clusters == NULL) {
		json_decref(doc);
		return dn_fail(err, DN_ENOMEM, "out of memory building the JSON graph");
	}
	int rc = json_dumpf(doc, c->out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0 || fputc('\n', c->out) == EOF)
		return dn_fail(err, DN_EIO, "writing the JSON graph failed");
	return gw_finish(c, "JSON", err);
}
