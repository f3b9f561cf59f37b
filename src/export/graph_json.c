/* The JSON form of a map: every node, edge with its evidence, cluster with
 * its links and summary, and the run's options. docs/mapping.md describes
 * the schema. */
#include <jansson.h>
#include <string.h>

#include "export/graph_writer_internal.h"

/* Set key of obj to value, which is taken over; false when either is NULL
 * (memory ran out). */
static bool set(json_t *obj, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(obj, key, value) == 0;
}

static bool append(json_t *array, json_t *value)
{
	return value != NULL && json_array_append_new(array, value) == 0;
}

static json_t *time_value(int64_t t)
{
	char buf[32];
	return t ? json_string(gw_time(t, buf, sizeof(buf))) : json_null();
}

static json_t *node_ref(struct gw_ctx *c, uint32_t n)
{
	json_t *ref = json_object();
	if (ref == NULL)
		return NULL;
	if (!set(ref, "kind", json_string(graph_kind_name(c->g->nodes[n].kind))) ||
	    !set(ref, "key", json_string(gw_key(c, n)))) {
		json_decref(ref);
		return NULL;
	}
	return ref;
}

static json_t *node_json(struct gw_ctx *c, uint32_t i)
{
	const struct graph_node *n = &c->g->nodes[i];
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	unsigned k = gw_cluster_number(c, i);
	bool ok = set(o, "kind", json_string(graph_kind_name(n->kind))) &&
	          set(o, "key", json_string(gw_key(c, i))) &&
	          set(o, "label", json_string(gw_label(c, i))) &&
	          set(o, "depth", n->depth == UINT32_MAX ? json_null() : json_integer(n->depth)) &&
	          set(o, "seed", json_boolean(n->seed)) &&
	          set(o, "expanded", json_boolean(n->expanded)) &&
	          set(o, "hold", json_string(graph_hold_name(n->hold))) &&
	          set(o, "reason", n->hold_reason ? json_string(gw_text(c, n->hold_reason))
	                                          : json_null()) &&
	          set(o, "share", n->share ? json_integer((json_int_t)n->share) : json_null()) &&
	          set(o, "share_capped", json_boolean(n->share_capped)) &&
	          set(o, "time_first", time_value(n->time_first)) &&
	          set(o, "time_last", time_value(n->time_last)) &&
	          set(o, "cluster", k ? json_integer(k) : json_null());
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *evidence_json(struct gw_ctx *c, const struct graph_evidence *ev)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	bool ok = set(o, "store", json_string(graph_store_kind_name(ev->from))) &&
	          set(o, "source", json_string(gw_text(c, ev->source))) &&
	          set(o, "detail", json_string(gw_text(c, ev->detail))) &&
	          set(o, "time_first", time_value(ev->time_first)) &&
	          set(o, "time_last", time_value(ev->time_last)) &&
	          set(o, "count", json_integer((json_int_t)ev->count)) &&
	          set(o, "sources", json_integer(ev->sources > 1 ? ev->sources : 1));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Add a new array under key to obj and return it (borrowed: obj owns it),
 * or NULL when memory runs out. */
static json_t *add_array(json_t *obj, const char *key)
{
	json_t *a = json_array();
	return obj != NULL && set(obj, key, a) ? a : NULL;
}

static json_t *edge_json(struct gw_ctx *c, const struct graph_edge *e)
{
	json_t *o = json_object();
	bool ok = o != NULL && set(o, "from", node_ref(c, e->from)) &&
	          set(o, "to", node_ref(c, e->to)) &&
	          set(o, "relation", json_string(graph_relation_name(e->relation))) &&
	          set(o, "family",
	              json_string(graph_family_name(graph_relation_family(e->relation)))) &&
	          set(o, "time_first", time_value(e->time_first)) &&
	          set(o, "time_last", time_value(e->time_last));
	json_t *evidence = ok ? add_array(o, "evidence") : NULL;
	ok = evidence != NULL;
	for (size_t i = 0; ok && i < e->n_evidence; i++)
		ok = append(evidence, evidence_json(c, &e->evidence[i]));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *link_json(struct gw_ctx *c, const struct cluster_link *l)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	bool ok = set(o, "value", node_ref(c, l->value)) &&
	          set(o, "family", json_string(graph_family_name(l->family))) &&
	          set(o, "weight", json_real(l->weight)) &&
	          set(o, "members", json_integer(l->n_members)) &&
	          set(o, "sources", json_integer(l->n_sources)) &&
	          set(o, "text", json_string(gw_text(c, l->text)));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *links_json(struct gw_ctx *c, const struct cluster_link *links, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		if (!append(a, link_json(c, &links[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *member_json(struct gw_ctx *c, const struct cluster_member *m)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	bool ok = set(o, "kind", json_string(graph_kind_name(c->g->nodes[m->node].kind))) &&
	          set(o, "key", json_string(gw_key(c, m->node))) &&
	          set(o, "confidence", json_real(m->confidence)) &&
	          set(o, "level", json_string(cluster_level_name(m->level))) &&
	          set(o, "links", links_json(c, m->links, m->n_links));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *summary_json(struct gw_ctx *c, const struct cluster *cl)
{
	const struct cluster_summary *s = &cl->summary;
	json_t *o = json_object();
	json_t *providers = json_object();
	bool ok = o != NULL && set(o, "providers", providers) &&
	          set(o, "domains", json_integer((json_int_t)cl->n_members));
	for (int k = 0; ok && k < GRAPH_KIND_COUNT; k++) {
		if (s->n_by_kind[k] == 0)
			continue;
		json_t *list = add_array(providers, graph_kind_name((enum graph_kind)k));
		ok = list != NULL;
		for (size_t i = 0; ok && i < s->n_by_kind[k]; i++) {
			json_t *p = node_ref(c, s->by_kind[k][i].node);
			ok = append(list, p) && set(p, "domains", json_integer(s->by_kind[k][i].domains));
		}
	}
	if (ok && s->spof != UINT32_MAX && s->spof < c->g->n_nodes) {
		json_t *spof = node_ref(c, s->spof);
		ok = set(o, "single_point_of_failure", spof) &&
		     set(spof, "share", json_real(s->spof_share));
	} else if (ok) {
		ok = set(o, "single_point_of_failure", json_null());
	}
	if (!ok) {
		if (o == NULL)
			json_decref(providers);
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *cluster_json(struct gw_ctx *c, size_t index)
{
	const struct cluster *cl = &c->res->clusters[index];
	json_t *o = json_object();
	bool ok = o != NULL && set(o, "number", json_integer((json_int_t)index + 1)) &&
	          set(o, "confidence", json_real(cl->confidence)) &&
	          set(o, "level", json_string(cluster_level_name(cl->level))) &&
	          set(o, "has_seed", json_boolean(cl->has_seed));
	json_t *families = ok ? add_array(o, "families") : NULL;
	for (int f = 0; families && f < GRAPH_FAMILY_COUNT; f++)
		if ((cl->families & (1u << f)) &&
		    !append(families, json_string(graph_family_name((enum graph_family)f))))
			families = NULL;
	ok = families != NULL && set(o, "sources", json_integer((json_int_t)cl->n_sources)) &&
	     set(o, "time_first", time_value(cl->time_first)) &&
	     set(o, "time_last", time_value(cl->time_last));
	json_t *members = ok ? add_array(o, "members") : NULL;
	for (size_t i = 0; members && i < cl->n_members; i++)
		if (!append(members, member_json(c, &cl->members[i])))
			members = NULL;
	json_t *nodes = members ? add_array(o, "nodes") : NULL;
	for (size_t i = 0; nodes && i < cl->n_nodes; i++)
		if (!append(nodes, node_ref(c, cl->nodes[i])))
			nodes = NULL;
	ok = nodes != NULL && set(o, "links", links_json(c, cl->links, cl->n_links)) &&
	     set(o, "summary", summary_json(c, cl));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *run_json(struct gw_ctx *c)
{
	const struct graph_write_options *opt = c->opt;
	json_t *o = json_object();
	json_t *seeds = add_array(o, "seeds");
	bool ok = seeds != NULL;
	for (size_t i = 0; ok && i < opt->n_seeds; i++)
		ok = append(seeds, json_string(gw_text(c, opt->seeds[i])));
	ok = ok && set(o, "depth", json_integer(opt->depth)) &&
	     set(o, "share_max", json_integer((json_int_t)opt->share_max)) &&
	     set(o, "since", time_value(opt->since)) && set(o, "until", time_value(opt->until)) &&
	     set(o, "overlap_only", json_boolean(opt->overlap_only)) &&
	     set(o, "redact_personal", json_boolean(opt->redact_personal)) &&
	     set(o, "generated", time_value(opt->now));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

dn_status gw_write_json(struct gw_ctx *c, struct dn_error *err)
{
	json_t *doc = json_object();
	bool ok = doc != NULL && set(doc, "format", json_string("dragnet-map")) &&
	          set(doc, "version", json_integer(1)) && set(doc, "run", run_json(c));
	json_t *nodes = ok ? add_array(doc, "nodes") : NULL;
	for (uint32_t i = 0; nodes && i < c->g->n_nodes; i++)
		if (!append(nodes, node_json(c, i)))
			nodes = NULL;
	json_t *edges = nodes ? add_array(doc, "edges") : NULL;
	for (size_t i = 0; edges && i < c->g->n_edges; i++)
		if (!append(edges, edge_json(c, &c->g->edges[i])))
			edges = NULL;
	json_t *clusters = edges ? add_array(doc, "clusters") : NULL;
	for (size_t i = 0; clusters && i < c->res->n_clusters; i++)
		if (!append(clusters, cluster_json(c, i)))
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
