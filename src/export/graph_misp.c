/* The MISP event of a map: one attribute per value, typed and categorised
 * as MISP's describeTypes.json defines, tagged with its cluster and the
 * confidence of that cluster. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "export/graph_writer_internal.h"
#include "util/timeutil.h"

/* The attribute type, category and default to_ids of a node kind. The
 * pairs are from the sane_defaults and category_type_mappings of MISP's
 * describeTypes.json. MISP has no type for a postal address, a key digest
 * or an issuer DN, so those are "text" with a comment. */
struct misp_type {
	const char *type;
	const char *category;
	bool to_ids;
	const char *comment;
};

static const struct misp_type types[GRAPH_KIND_COUNT] = {
	[GRAPH_DOMAIN] = {"domain", "Network activity", true, "domain"},
	[GRAPH_REGDOMAIN] = {"domain", "Network activity", true, "registrable domain"},
	[GRAPH_IP] = {"ip-dst", "Network activity", true, "IP address"},
	[GRAPH_PREFIX] = {"ip-dst", "Network activity", false, "routed prefix"},
	[GRAPH_ASN] = {"AS", "Network activity", false, "origin ASN"},
	[GRAPH_NAMESERVER] = {"hostname", "Network activity", true, "nameserver"},
	[GRAPH_MX] = {"hostname", "Network activity", true, "MX host"},
	[GRAPH_EMAIL] = {"whois-registrant-email", "Attribution", false, "registrant email"},
	[GRAPH_PHONE] = {"whois-registrant-phone", "Attribution", false, "registrant phone"},
	[GRAPH_NAME] = {"whois-registrant-name", "Attribution", false, "registrant name"},
	[GRAPH_ORG] = {"whois-registrant-org", "Attribution", false, "registrant organisation"},
	[GRAPH_ADDRESS] = {"text", "Attribution", false, "registrant address"},
	[GRAPH_REGISTRAR] = {"whois-registrar", "Attribution", false, "registrar"},
	[GRAPH_CERT] = {"x509-fingerprint-sha256", "Network activity", true,
	                "certificate SHA-256"},
	[GRAPH_SPKI] = {"text", "Network activity", false, "SPKI SHA-256 of a certificate key"},
	[GRAPH_ISSUER] = {"text", "Network activity", false, "certificate issuer DN"},
};

/* MISP levels of the estimative-language taxonomy's
 * confidence-in-analytic-judgment predicate. */
static const char *estimative_level(enum cluster_level level)
{
	switch (level) {
	case CLUSTER_HIGH: return "high";
	case CLUSTER_MEDIUM: return "moderate";
	default: return "low";
	}
}

struct misp {
	struct gw_ctx *c;
	json_t *attributes;
	json_t *seen;            /* "type|value" of the attributes so far */
	char event_uuid[37];
	char timestamp[24];      /* epoch seconds, as MISP writes them */
	size_t redacted[GRAPH_KIND_COUNT];
	/* Per node: an address that serves more than its own cluster. */
	bool *shared_address;
	bool failed;
};

static bool set(json_t *obj, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(obj, key, value) == 0;
}

static const char *cluster_colour(unsigned number)
{
	static const char *const colours[] = {"#1f78b4", "#33a02c", "#e31a1c", "#ff7f00",
	                                      "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a"};
	return colours[(number - 1) % (sizeof(colours) / sizeof(colours[0]))];
}

static bool add_tag(json_t *tags, const char *name, const char *colour)
{
	json_t *t = json_object();
	bool ok = t && set(t, "name", json_string(name)) && set(t, "colour", json_string(colour)) &&
	          set(t, "exportable", json_true());
	if (!ok || json_array_append_new(tags, t) != 0) {
		if (!ok)
			json_decref(t);
		return false;
	}
	return true;
}

static json_t *attribute_tags(struct misp *m, uint32_t n)
{
	struct gw_ctx *c = m->c;
	json_t *tags = json_array();
	unsigned k = gw_cluster_number(c, n);
	if (tags == NULL || k == 0)
		return tags;
	const struct cluster_member *member = gw_member(c, n);
	enum cluster_level level = member ? member->level : c->res->clusters[k - 1].level;
	bool ok = add_tag(tags, gw_printf(c, "dragnet:cluster=\"%u\"", k), cluster_colour(k)) &&
	          add_tag(tags,
	                  gw_printf(c, "estimative-language:confidence-in-analytic-judgment=\"%s\"",
	                            estimative_level(level)),
	                  "#7f7f7f");
	if (!ok) {
		json_decref(tags);
		return NULL;
	}
	return tags;
}

static void add_attribute(struct misp *m, const char *type, const char *category, bool to_ids,
                          const char *value, const char *comment, json_t *tags)
{
	struct gw_ctx *c = m->c;
	const char *seen_key = gw_printf(c, "%s|%s", type, value);
	if (json_object_get(m->seen, seen_key)) {
		json_decref(tags);
		return;
	}
	char uuid[37];
	const char *name = gw_printf(c, "misp-attribute|%s|%s", m->event_uuid, seen_key);
	gw_uuid5(gw_dragnet_namespace, name, strlen(name), uuid);
	json_t *a = json_object();
	bool ok = a && set(a, "uuid", json_string(uuid)) && set(a, "type", json_string(type)) &&
	          set(a, "category", json_string(category)) && set(a, "to_ids", json_boolean(to_ids)) &&
	          set(a, "value", json_string(value)) && set(a, "comment", json_string(comment)) &&
	          set(a, "timestamp", json_string(m->timestamp)) &&
	          set(a, "distribution", json_string("5")) &&
	          set(a, "disable_correlation", json_false()) && set(a, "Tag", tags);
	if (!ok) {
		if (a == NULL || json_object_get(a, "Tag") == NULL)
			json_decref(tags);
		json_decref(a);
		m->failed = true;
		return;
	}
	if (json_array_append_new(m->attributes, a) != 0 ||
	    json_object_set_new(m->seen, seen_key, json_true()) != 0)
		m->failed = true;
}

/* Whether node n is held as a value that many share, or is masked or weak,
 * so that the map did not expand it. */
static bool is_held(const struct graph_node *node)
{
	return node->hold == GRAPH_HOLD_SHARED || node->hold == GRAPH_HOLD_LISTED ||
	       node->hold == GRAPH_HOLD_MASKED || node->hold == GRAPH_HOLD_WEAK;
}

/* Mark in m->shared_address each address that serves more than its own
 * cluster: a domain of another cluster or of none resolves to it, its
 * counted share exceeds the domains of its cluster that resolve to it, or
 * its routed prefix (or that prefix's ASN) is held as shared or listed. */
static bool mark_shared_addresses(struct misp *m)
{
	const struct graph *g = m->c->g;
	uint32_t *own = calloc(g->n_nodes + 1, sizeof(*own));
	m->shared_address = calloc(g->n_nodes + 1, sizeof(*m->shared_address));
	if (own == NULL || m->shared_address == NULL) {
		free(own);
		return false;
	}
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];
		if (e->relation != GRAPH_REL_RESOLVES || e->to >= g->n_nodes || e->from >= g->n_nodes)
			continue;
		int32_t k = g->nodes[e->to].cluster;
		if (k >= 0 && g->nodes[e->from].cluster == k)
			own[e->to]++;
		else
			m->shared_address[e->to] = true;
	}
	/* Two passes, because an ORIGIN edge marks a prefix that an IN_PREFIX
	 * edge then passes on to its addresses. */
	bool *held_prefix = calloc(g->n_nodes + 1, sizeof(*held_prefix));
	if (held_prefix == NULL) {
		free(own);
		return false;
	}
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];
		if (e->relation == GRAPH_REL_ORIGIN && e->to < g->n_nodes && e->from < g->n_nodes &&
		    is_held(&g->nodes[e->to]))
			held_prefix[e->from] = true;
	}
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];
		if (e->relation != GRAPH_REL_IN_PREFIX || e->to >= g->n_nodes || e->from >= g->n_nodes)
			continue;
		if (held_prefix[e->to] || is_held(&g->nodes[e->to]))
			m->shared_address[e->from] = true;
	}
	for (uint32_t n = 0; n < g->n_nodes; n++)
		if (g->nodes[n].share > own[n])
			m->shared_address[n] = true;
	free(held_prefix);
	free(own);
	return true;
}

/* Whether node n is an indicator to detect (MISP's to_ids): a value of a
 * kind that MISP detects, a member or part of a cluster of level low or
 * better (a member at that level itself), not held, and for an address not
 * shared beyond its cluster. Everything else is context. */
static bool is_indicator(struct misp *m, uint32_t n)
{
	struct gw_ctx *c = m->c;
	const struct graph_node *node = &c->g->nodes[n];
	unsigned k = gw_cluster_number(c, n);
	if (!types[node->kind].to_ids || k == 0 || is_held(node))
		return false;
	if (c->res->clusters[k - 1].level < CLUSTER_LOW)
		return false;
	const struct cluster_member *member = gw_member(c, n);
	if (member != NULL && member->level < CLUSTER_LOW)
		return false;
	return node->kind != GRAPH_IP || !m->shared_address[n];
}

static void add_node(struct misp *m, uint32_t n)
{
	struct gw_ctx *c = m->c;
	const struct graph_node *node = &c->g->nodes[n];
	if (c->redacted[n]) {
		m->redacted[node->kind]++;
		return;
	}
	const struct misp_type *t = &types[node->kind];
	unsigned k = gw_cluster_number(c, n);
	const char *comment = t->comment;
	if (k)
		comment = gw_printf(c, "%s, dragnet cluster %u", comment, k);
	if (node->hold != GRAPH_HOLD_NONE && node->hold != GRAPH_HOLD_DEPTH)
		comment = gw_printf(c, "%s, not expanded (%s)", comment, graph_hold_name(node->hold));
	else if (k && node->kind == GRAPH_IP && m->shared_address[n])
		comment = gw_printf(c, "%s, shared beyond the cluster", comment);
	add_attribute(m, t->type, t->category, is_indicator(m, n), gw_key(c, n), comment,
	              attribute_tags(m, n));
}

/* One "anonymised" attribute counts the redacted values, so that the event
 * records what it leaves out without carrying it. */
static void add_redacted(struct misp *m)
{
	struct gw_ctx *c = m->c;
	struct gw_buf text = {0};
	for (int k = 0; k < GRAPH_KIND_COUNT; k++)
		if (m->redacted[k])
			gw_buf_printf(c, &text, "%s%zu %s", text.len ? ", " : "", m->redacted[k],
			              gw_kind_words((enum graph_kind)k, m->redacted[k] != 1));
	if (text.len)
		add_attribute(m, "anonymised", "Attribution", false, GRAPH_REDACTED_TEXT,
		              gw_printf(c, "personal data redacted: %s", text.data), json_array());
	gw_buf_free(&text);
}

static json_t *event_tags(struct misp *m)
{
	struct gw_ctx *c = m->c;
	json_t *tags = json_array();
	for (size_t k = 0; tags && k < c->res->n_clusters; k++) {
		const struct cluster *cl = &c->res->clusters[k];
		unsigned number = (unsigned)k + 1;
		bool ok = add_tag(tags, gw_printf(c, "dragnet:cluster=\"%u\"", number),
		                  cluster_colour(number)) &&
		          add_tag(tags,
		                  gw_printf(c, "dragnet:cluster-confidence=\"%u:%s:%ld\"", number,
		                            cluster_level_name(cl->level),
		                            lround(cl->confidence * 100.0)),
		                  cluster_colour(number));
		if (!ok) {
			json_decref(tags);
			return NULL;
		}
	}
	return tags;
}

static void derive_event_uuid(struct misp *m)
{
	struct gw_ctx *c = m->c;
	struct gw_buf content = {0};
	gw_buf_printf(c, &content, "misp-event");
	for (size_t i = 0; i < c->opt->n_seeds; i++)
		gw_buf_printf(c, &content, "|seed:%s", c->opt->seeds[i]);
	for (uint32_t i = 0; i < c->g->n_nodes; i++)
		gw_buf_printf(c, &content, "|%s:%s", graph_kind_name(c->g->nodes[i].kind),
		              c->g->nodes[i].key);
	const char *name = content.data ? content.data : "";
	gw_uuid5(gw_dragnet_namespace, name, strlen(name), m->event_uuid);
	gw_buf_free(&content);
}

static const char *event_info(struct gw_ctx *c)
{
	size_t domains = 0;
	for (size_t k = 0; k < c->res->n_clusters; k++)
		domains += c->res->clusters[k].n_members;
	const char *seeds = "";
	for (size_t i = 0; i < c->opt->n_seeds; i++)
		seeds = gw_printf(c, "%s%s%s", seeds, i ? ", " : "", gw_text(c, c->opt->seeds[i]));
	return gw_printf(c, "dragnet infrastructure map from %s: %zu domains in %zu clusters",
	                 c->opt->n_seeds ? seeds : "no seed", domains, c->res->n_clusters);
}

static dn_status write_event(struct misp *m, struct dn_error *err)
{
	struct gw_ctx *c = m->c;
	for (uint32_t i = 0; i < c->g->n_nodes && !m->failed; i++)
		add_node(m, i);
	add_redacted(m);
	char date[32], org_uuid[37];
	time_format_iso(c->opt->now, date, sizeof(date));
	date[10] = '\0';
	gw_uuid5(gw_dragnet_namespace, "misp-org|dragnet", strlen("misp-org|dragnet"), org_uuid);
	json_t *doc = json_object();
	json_t *event = json_object();
	if (doc == NULL || !set(doc, "Event", event)) {
		if (doc == NULL)
			json_decref(event);
		json_decref(doc);
		return dn_fail(err, DN_ENOMEM, "out of memory building the MISP event");
	}
	json_t *org = json_object();
	bool ok = !m->failed && set(event, "uuid", json_string(m->event_uuid)) &&
	          set(event, "info", json_string(event_info(c))) &&
	          set(event, "date", json_string(date)) &&
	          set(event, "timestamp", json_string(m->timestamp)) &&
	          set(event, "published", json_false()) &&
	          /* Initial analysis, undefined threat level, this organisation
	           * only: the map is unreviewed machine output. */
	          set(event, "analysis", json_string("0")) &&
	          set(event, "threat_level_id", json_string("4")) &&
	          set(event, "distribution", json_string("0")) && set(event, "Orgc", org) &&
	          set(org, "name", json_string("dragnet")) && set(org, "uuid", json_string(org_uuid)) &&
	          set(event, "Tag", event_tags(m)) &&
	          set(event, "Attribute", json_incref(m->attributes)) &&
	          set(event, "Object", json_array());
	if (!ok || c->out_of_memory) {
		/* org belongs to event once set() has taken it. */
		if (json_object_get(event, "Orgc") == NULL)
			json_decref(org);
		json_decref(doc);
		return dn_fail(err, DN_ENOMEM, "out of memory building the MISP event");
	}
	errno = 0;
	int rc = json_dumpf(doc, c->out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0 || fputc('\n', c->out) == EOF || fflush(c->out) != 0)
		return dn_fail(err, DN_EIO, "writing the MISP event failed: %s",
		               errno ? strerror(errno) : "unknown error");
	return gw_finish(c, "MISP", err);
}

dn_status gw_write_misp(struct gw_ctx *c, struct dn_error *err)
{
	struct misp m = {.c = c};
	m.attributes = json_array();
	m.seen = json_object();
	dn_status rc;
	if (m.attributes == NULL || m.seen == NULL || !mark_shared_addresses(&m)) {
		rc = dn_fail(err, DN_ENOMEM, "out of memory for a MISP event");
	} else {
		snprintf(m.timestamp, sizeof(m.timestamp), "%" PRId64, c->opt->now);
		derive_event_uuid(&m);
		rc = write_event(&m, err);
	}
	json_decref(m.attributes);
	json_decref(m.seen);
	free(m.shared_address);
	return rc;
}
