/* The STIX 2.1 bundle of a map: Cyber-observable Objects for domains,
 * addresses, ASNs, certificates and emails, identities for the other
 * registrant values and registrars, relationships for the edges, and one
 * infrastructure object per operator cluster.
 *
 * Identifiers are deterministic. An SCO's is the UUIDv5, in the STIX
 * namespace, of its ID contributing properties serialised as RFC 8785 (JCS)
 * JSON, as the STIX 2.1 specification recommends. The other objects
 * take the UUIDv5 of their content in dragnet's namespace. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "export/graph_writer_internal.h"
#include "util/timeutil.h"

struct stix {
	struct gw_ctx *c;
	json_t *objects;        /* the bundle's "objects" */
	json_t *seen;           /* ids already in objects, as keys */
	char created[40];       /* every SDO's and SRO's created and modified */
	char identity[64];      /* dragnet's identity, the created_by_ref */
	const char **node_ids;  /* per node: its object's id, or NULL for none */
	uint32_t *cert_issuer;  /* per node: the issuer node of a certificate */
	uint32_t *cert_spki;
	bool failed;
};

static bool set(json_t *obj, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(obj, key, value) == 0;
}

/* Append s to buf as an RFC 8785 string body: '"' and '\' escaped, the
 * controls with a short form as \b \t \n \f \r, other controls as \u00xx
 * in lower case, everything else unchanged. */
static const char *jcs_string(struct gw_ctx *c, const char *s)
{
	const char *out = "";
	char piece[8];
	size_t start = 0, i = 0;
	for (; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		const char *esc = NULL;
		switch (ch) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\f': esc = "\\f"; break;
		case '\r': esc = "\\r"; break;
		default:
			if (ch < 0x20) {
				snprintf(piece, sizeof(piece), "\\u%04x", ch);
				esc = piece;
			}
		}
		if (esc == NULL)
			continue;
		out = gw_printf(c, "%s%.*s%s", out, (int)(i - start), s + start, esc);
		start = i + 1;
	}
	return gw_printf(c, "%s%s", out, s + start);
}

static const char *sco_id(struct gw_ctx *c, const char *type, const char *canonical)
{
	char uuid[37];
	gw_uuid5(gw_stix_namespace, canonical, strlen(canonical), uuid);
	return gw_printf(c, "%s--%s", type, uuid);
}

static const char *derived_id(struct gw_ctx *c, const char *type, const char *content)
{
	char uuid[37];
	gw_uuid5(gw_dragnet_namespace, content, strlen(content), uuid);
	return gw_printf(c, "%s--%s", type, uuid);
}

/* Add obj to the bundle unless an object with its id is there already. */
static void add_object(struct stix *s, json_t *obj)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	if (obj == NULL || id == NULL) {
		json_decref(obj);
		s->failed = true;
		return;
	}
	if (json_object_get(s->seen, id)) {
		json_decref(obj);
		return;
	}
	if (json_object_set_new(s->seen, id, json_true()) != 0 ||
	    json_array_append_new(s->objects, obj) != 0)
		s->failed = true;
}

/* A new object with the properties every STIX 2.1 object has; SDOs and SROs
 * also get created, modified and created_by_ref. */
static json_t *new_object(struct stix *s, const char *type, const char *id, bool domain_object)
{
	json_t *o = json_object();
	bool ok = o && set(o, "type", json_string(type)) && set(o, "spec_version", json_string("2.1")) &&
	          set(o, "id", json_string(id));
	if (ok && domain_object)
		ok = set(o, "created", json_string(s->created)) &&
		     set(o, "modified", json_string(s->created)) &&
		     (strcmp(id, s->identity) == 0 ||
		      set(o, "created_by_ref", json_string(s->identity)));
	if (!ok) {
		json_decref(o);
		s->failed = true;
		return NULL;
	}
	return o;
}

static const char *identity_class_of(enum graph_kind kind)
{
	switch (kind) {
	case GRAPH_NAME: return "individual";
	case GRAPH_ORG:
	case GRAPH_REGISTRAR: return "organization";
	default: return "unknown";
	}
}

/* An identity standing for a registrant value or registrar: STIX 2.1 has no
 * observable for a phone number, a person's name or a postal address. */
static const char *add_identity(struct stix *s, uint32_t n)
{
	struct gw_ctx *c = s->c;
	const struct graph_node *node = &c->g->nodes[n];
	const char *klass = c->redacted[n] ? "individual" : identity_class_of(node->kind);
	const char *value = gw_key(c, n);
	const char *id = c->redacted[n]
	                         ? derived_id(c, "identity", gw_printf(c, "redacted|%s|%u",
	                                                               graph_kind_name(node->kind), n))
	                         : derived_id(c, "identity", gw_printf(c, "%s|%s|%s", klass,
	                                                               graph_kind_name(node->kind),
	                                                               value));
	json_t *o = new_object(s, "identity", id, true);
	bool contact = node->kind == GRAPH_PHONE || node->kind == GRAPH_ADDRESS ||
	               node->kind == GRAPH_EMAIL;
	bool ok = o && set(o, "name", json_string(gw_label(c, n))) &&
	          set(o, "identity_class", json_string(klass)) &&
	          set(o, "description",
	              json_string(gw_printf(c, "%s%s", gw_kind_words(node->kind, false),
	                                    c->redacted[n] ? ", redacted" : ""))) &&
	          (!contact || set(o, "contact_information", json_string(gw_label(c, n))));
	if (!ok) {
		json_decref(o);
		s->failed = true;
		return NULL;
	}
	add_object(s, o);
	return id;
}

static const char *add_sco_value(struct stix *s, const char *type, const char *value)
{
	struct gw_ctx *c = s->c;
	const char *id = sco_id(c, type, gw_printf(c, "{\"value\":\"%s\"}", jcs_string(c, value)));
	json_t *o = new_object(s, type, id, false);
	if (o && !set(o, "value", json_string(value))) {
		json_decref(o);
		o = NULL;
	}
	add_object(s, o);
	return id;
}

static const char *add_asn(struct stix *s, uint32_t n)
{
	struct gw_ctx *c = s->c;
	const char *key = c->g->nodes[n].key;
	if (strncasecmp(key, "AS", 2) == 0)
		key += 2;
	char *end;
	unsigned long long number = strtoull(key, &end, 10);
	if (end == key || *end != '\0' || number > UINT32_MAX)
		return NULL;
	const char *id = sco_id(c, "autonomous-system", gw_printf(c, "{\"number\":%llu}", number));
	json_t *o = new_object(s, "autonomous-system", id, false);
	if (o && !set(o, "number", json_integer((json_int_t)number))) {
		json_decref(o);
		o = NULL;
	}
	add_object(s, o);
	return id;
}

static const char *add_certificate(struct stix *s, uint32_t n)
{
	struct gw_ctx *c = s->c;
	const char *sha256 = gw_key(c, n);
	const char *id = sco_id(c, "x509-certificate",
	                        gw_printf(c, "{\"hashes\":{\"SHA-256\":\"%s\"}}", jcs_string(c, sha256)));
	json_t *o = new_object(s, "x509-certificate", id, false);
	json_t *hashes = json_object();
	bool ok = o && set(o, "hashes", hashes) && set(hashes, "SHA-256", json_string(sha256));
	if (ok && s->cert_issuer[n] != UINT32_MAX)
		ok = set(o, "issuer", json_string(gw_label(c, s->cert_issuer[n])));
	/* STIX 2.1 has no property for the key's digest, hence a custom one. */
	if (ok && s->cert_spki[n] != UINT32_MAX)
		ok = set(o, "x_dragnet_spki_sha256", json_string(gw_key(c, s->cert_spki[n])));
	if (!ok) {
		if (o == NULL)
			json_decref(hashes);
		json_decref(o);
		o = NULL;
	}
	add_object(s, o);
	return id;
}

/* Create the object for node n, if its kind has one, and return its id. */
static const char *add_node(struct stix *s, uint32_t n)
{
	struct gw_ctx *c = s->c;
	const struct graph_node *node = &c->g->nodes[n];
	switch (node->kind) {
	case GRAPH_DOMAIN:
	case GRAPH_REGDOMAIN:
	case GRAPH_NAMESERVER:
	case GRAPH_MX:
		return add_sco_value(s, "domain-name", gw_key(c, n));
	case GRAPH_IP:
	case GRAPH_PREFIX:
		/* ipv4-addr and ipv6-addr values may be CIDR blocks. */
		return add_sco_value(s, strchr(node->key, ':') ? "ipv6-addr" : "ipv4-addr",
		                     gw_key(c, n));
	case GRAPH_ASN:
		return add_asn(s, n);
	case GRAPH_EMAIL:
		if (!c->redacted[n])
			return add_sco_value(s, "email-addr", gw_key(c, n));
		return add_identity(s, n);
	case GRAPH_PHONE:
	case GRAPH_NAME:
	case GRAPH_ORG:
	case GRAPH_ADDRESS:
	case GRAPH_REGISTRAR:
		return add_identity(s, n);
	case GRAPH_CERT:
		return add_certificate(s, n);
	case GRAPH_SPKI:
	case GRAPH_ISSUER:
	case GRAPH_KIND_COUNT:
		break;
	}
	/* Keys and issuers are properties of their certificates. */
	return NULL;
}

static const char *stix_time(int64_t t, char *buf, size_t size)
{
	char iso[32];
	time_format_iso(t, iso, sizeof(iso));
	size_t len = strlen(iso);
	if (len > 0 && iso[len - 1] == 'Z')
		iso[len - 1] = '\0';
	snprintf(buf, size, "%s.000Z", iso);
	return buf;
}

static const char *evidence_text(struct gw_ctx *c, const struct graph_edge *e)
{
	const char *text = "";
	char first[40], last[40];
	for (size_t i = 0; i < e->n_evidence; i++) {
		const struct graph_evidence *ev = &e->evidence[i];
		const char *span = "";
		if (ev->time_first || ev->time_last)
			span = gw_printf(c, ", %s to %s", gw_time(ev->time_first, first, sizeof(first)),
			                 gw_time(ev->time_last, last, sizeof(last)));
		text = gw_printf(c, "%s%s%s%s%s: %s (seen %" PRIu64 " times%s)", text, i ? "; " : "",
		                 graph_store_kind_name(ev->from), ev->source[0] ? ":" : "",
		                 gw_text(c, ev->source), gw_text(c, ev->detail), ev->count, span);
	}
	return text;
}

static void add_relationship(struct stix *s, const char *type, const char *from, const char *to,
                             const char *description, int64_t first, int64_t last)
{
	struct gw_ctx *c = s->c;
	if (strcmp(from, to) == 0)
		return;
	const char *id = derived_id(c, "relationship", gw_printf(c, "%s|%s|%s", from, type, to));
	json_t *o = new_object(s, "relationship", id, true);
	char a[40], b[40];
	bool ok = o && set(o, "relationship_type", json_string(type)) &&
	          set(o, "source_ref", json_string(from)) && set(o, "target_ref", json_string(to));
	if (ok && description)
		ok = set(o, "description", json_string(description));
	/* STIX requires stop_time to be later than start_time. */
	if (ok && first && last > first)
		ok = set(o, "start_time", json_string(stix_time(first, a, sizeof(a)))) &&
		     set(o, "stop_time", json_string(stix_time(last, b, sizeof(b))));
	if (!ok) {
		json_decref(o);
		o = NULL;
	}
	add_object(s, o);
}

/* The relationship type STIX 2.1 defines between the objects of an edge,
 * or "related-to". */
static const char *relationship_type(const struct gw_ctx *c, const struct graph_edge *e)
{
	enum graph_kind to = c->g->nodes[e->to].kind;
	switch (e->relation) {
	case GRAPH_REL_RESOLVES:
	case GRAPH_REL_CNAME:
		return "resolves-to";
	case GRAPH_REL_ORIGIN:
		return to == GRAPH_ASN ? "belongs-to" : "related-to";
	default:
		return "related-to";
	}
}

static void add_edges(struct stix *s)
{
	struct gw_ctx *c = s->c;
	for (size_t i = 0; i < c->g->n_edges && !s->failed; i++) {
		const struct graph_edge *e = &c->g->edges[i];
		const char *from = s->node_ids[e->from], *to = s->node_ids[e->to];
		if (from == NULL || to == NULL)
			continue;
		const char *type = relationship_type(c, e);
		const char *description = gw_printf(c, "%s, from %s", graph_relation_name(e->relation),
		                                    evidence_text(c, e));
		add_relationship(s, type, from, to, description, e->time_first, e->time_last);
	}
}

static const char *cluster_description(struct gw_ctx *c, const struct cluster *cl)
{
	const char *text = gw_printf(c, "Operator cluster of %zu domains found by dragnet, %s "
	                                "confidence (%.2f).",
	                             cl->n_members, cluster_level_name(cl->level), cl->confidence);
	const struct cluster_summary *sum = &cl->summary;
	if (sum->spof != UINT32_MAX && sum->spof < c->g->n_nodes)
		text = gw_printf(c, "%s Single point of failure: %s (%s) serves %.0f%% of it.", text,
		                 gw_label(c, sum->spof),
		                 gw_kind_words(c->g->nodes[sum->spof].kind, false),
		                 sum->spof_share * 100.0);
	for (size_t i = 0; i < cl->n_links; i++)
		text = gw_printf(c, "%s Link: %s.", text, gw_text(c, cl->links[i].text));
	return text;
}

static void add_cluster(struct stix *s, size_t index)
{
	struct gw_ctx *c = s->c;
	const struct cluster *cl = &c->res->clusters[index];
	struct gw_buf content = {0};
	gw_buf_printf(c, &content, "infrastructure");
	for (size_t i = 0; i < cl->n_nodes; i++)
		if (cl->nodes[i] < c->g->n_nodes && s->node_ids[cl->nodes[i]])
			gw_buf_printf(c, &content, "|%s", s->node_ids[cl->nodes[i]]);
	const char *id = derived_id(c, "infrastructure", content.data ? content.data : "");
	gw_buf_free(&content);
	json_t *o = new_object(s, "infrastructure", id, true);
	json_t *types = json_array();
	char a[40], b[40];
	long confidence = lround(cl->confidence * 100.0);
	if (confidence < 0)
		confidence = 0;
	if (confidence > 100)
		confidence = 100;
	bool ok = o && set(o, "name", json_string(gw_printf(c, "dragnet cluster %zu", index + 1))) &&
	          set(o, "description", json_string(cluster_description(c, cl))) &&
	          set(o, "infrastructure_types", types) &&
	          json_array_append_new(types, json_string("unknown")) == 0 &&
	          set(o, "confidence",
	              json_integer(confidence));
	if (ok && cl->time_first)
		ok = set(o, "first_seen", json_string(stix_time(cl->time_first, a, sizeof(a))));
	if (ok && cl->time_last && cl->time_last >= cl->time_first)
		ok = set(o, "last_seen", json_string(stix_time(cl->time_last, b, sizeof(b))));
	if (!ok) {
		if (o == NULL)
			json_decref(types);
		json_decref(o);
		o = NULL;
	}
	add_object(s, o);
	for (size_t i = 0; i < cl->n_nodes && !s->failed; i++) {
		uint32_t n = cl->nodes[i];
		if (n < c->g->n_nodes && s->node_ids[n])
			add_relationship(s, "consists-of", id, s->node_ids[n], NULL, 0, 0);
	}
}

static void find_certificate_parts(struct stix *s)
{
	const struct graph *g = s->c->g;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		s->cert_issuer[i] = s->cert_spki[i] = UINT32_MAX;
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];
		if (e->relation == GRAPH_REL_CERT_ISSUER && g->nodes[e->to].kind == GRAPH_ISSUER)
			s->cert_issuer[e->from] = e->to;
		else if (e->relation == GRAPH_REL_CERT_KEY && g->nodes[e->to].kind == GRAPH_SPKI)
			s->cert_spki[e->from] = e->to;
	}
}

static dn_status write_bundle(struct stix *s, struct dn_error *err)
{
	struct gw_ctx *c = s->c;
	json_t *identity = new_object(s, "identity", s->identity, true);
	if (identity && !(set(identity, "name", json_string("dragnet")) &&
	                  set(identity, "identity_class", json_string("system")))) {
		json_decref(identity);
		identity = NULL;
	}
	add_object(s, identity);
	find_certificate_parts(s);
	for (uint32_t i = 0; i < c->g->n_nodes && !s->failed; i++)
		s->node_ids[i] = add_node(s, i);
	add_edges(s);
	for (size_t k = 0; k < c->res->n_clusters && !s->failed; k++)
		add_cluster(s, k);
	if (s->failed || c->out_of_memory)
		return dn_fail(err, DN_ENOMEM, "out of memory building the STIX bundle");

	/* The bundle's id derives from the ids of everything in it. */
	struct gw_buf content = {0};
	gw_buf_printf(c, &content, "bundle");
	size_t index;
	json_t *obj;
	json_array_foreach(s->objects, index, obj)
		gw_buf_printf(c, &content, "|%s", json_string_value(json_object_get(obj, "id")));
	const char *bundle_id = derived_id(c, "bundle", content.data ? content.data : "");
	gw_buf_free(&content);
	json_t *bundle = json_object();
	bool ok = bundle && set(bundle, "type", json_string("bundle")) &&
	          set(bundle, "id", json_string(bundle_id)) &&
	          set(bundle, "objects", json_incref(s->objects));
	if (!ok || c->out_of_memory) {
		json_decref(bundle);
		return dn_fail(err, DN_ENOMEM, "out of memory building the STIX bundle");
	}
	errno = 0;
	int rc = json_dumpf(bundle, c->out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(bundle);
	if (rc != 0 || fputc('\n', c->out) == EOF || fflush(c->out) != 0)
		return dn_fail(err, DN_EIO, "writing the STIX bundle failed: %s",
		               errno ? strerror(errno) : "unknown error");
	return gw_finish(c, "STIX", err);
}

dn_status gw_write_stix(struct gw_ctx *c, struct dn_error *err)
{
	struct stix s = {.c = c};
	size_t n = c->g->n_nodes + 1;
	s.objects = json_array();
	s.seen = json_object();
	s.node_ids = calloc(n, sizeof(*s.node_ids));
	s.cert_issuer = calloc(n, sizeof(*s.cert_issuer));
	s.cert_spki = calloc(n, sizeof(*s.cert_spki));
	dn_status rc;
	if (s.objects == NULL || s.seen == NULL || s.node_ids == NULL || s.cert_issuer == NULL ||
	    s.cert_spki == NULL) {
		rc = dn_fail(err, DN_ENOMEM, "out of memory for a STIX bundle of %zu nodes",
		             c->g->n_nodes);
	} else {
		stix_time(c->opt->now, s.created, sizeof(s.created));
		snprintf(s.identity, sizeof(s.identity), "%s",
		         derived_id(c, "identity", "identity|system|dragnet"));
		rc = write_bundle(&s, err);
	}
	json_decref(s.objects);
	json_decref(s.seen);
	free(s.node_ids);
	free(s.cert_issuer);
	free(s.cert_spki);
	return rc;
}
