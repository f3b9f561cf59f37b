/* Pivots over WHOIS: a registered domain's index values, and reverse WHOIS
 * from a value to the domains that hold it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/pivot_internal.h"
#include "util/log.h"
#include "whois/document.h"
#include "whois/index.h"
#include "whois/privacy.h"

/* At most this many index values are read from one WHOIS record. */
#define VALUES_PER_RECORD 64

/* ---- A registered domain's own values ---- */

struct doc_pick {
	struct pivot_run *r;
	const char *document;
	int64_t time_first, time_last;
	uint32_t source_id;
};

/* Keep the document last seen inside the time fence. */
static dn_status pick_document(const struct store_whois *doc, void *ctx)
{
	struct doc_pick *p = ctx;
	if (strcmp(doc->status, "found") != 0 ||
	    !pivot_in_fence(p->r, doc->time_first, doc->time_last))
		return DN_OK;
	if (p->document != NULL && (doc->time_last < p->time_last ||
	                            (doc->time_last == p->time_last && doc->time_first < p->time_first)))
		return DN_OK;
	p->document = pivot_scratch_dup(p->r, doc->document);
	if (p->document == NULL)
		return dn_fail(p->r->err, DN_ENOMEM, "out of memory reading WHOIS");
	p->time_first = doc->time_first;
	p->time_last = doc->time_last;
	p->source_id = doc->source_id;
	return DN_OK;
}

static bool value_kind(const char *name, enum graph_kind *kind, enum graph_relation *rel)
{
	static const struct {
		const char *name;
		enum graph_kind kind;
		enum graph_relation rel;
	} kinds[] = {
	        {"email", GRAPH_EMAIL, GRAPH_REL_REGISTRANT},
	        {"phone", GRAPH_PHONE, GRAPH_REL_REGISTRANT},
	        {"name", GRAPH_NAME, GRAPH_REL_REGISTRANT},
	        {"org", GRAPH_ORG, GRAPH_REL_REGISTRANT},
	        {"address", GRAPH_ADDRESS, GRAPH_REL_REGISTRANT},
	        {"registrar", GRAPH_REGISTRAR, GRAPH_REL_REGISTRAR},
	        {"nameserver", GRAPH_NAMESERVER, GRAPH_REL_NS},
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].name, name) == 0) {
			*kind = kinds[i].kind;
			*rel = kinds[i].rel;
			return true;
		}
	}
	return false;
}

/* "registrant email", "registrar", "nameserver": the edge's detail. */
static void value_detail(const char *role, const char *kind, char *out, size_t size)
{
	if (strcmp(role, "registrar") == 0 || strcmp(role, "domain") == 0)
		snprintf(out, size, "%s", kind);
	else
		snprintf(out, size, "%s %s", role, kind);
}

static dn_status hold_masked(struct pivot_run *r, uint32_t id, const char *shown)
{
	struct graph_node *n = &r->g->nodes[id];
	if (n->hold == GRAPH_HOLD_MASKED || n->expanded)
		return DN_OK;
	const char *service = shown != NULL ? whois_privacy_service(shown) : NULL;
	char reason[200];
	if (service != NULL)
		snprintf(reason, sizeof(reason), "masked: privacy service %s", service);
	else
		snprintf(reason, sizeof(reason), "masked: redacted or a privacy service");
	const char *copy = arena_dup(&r->g->arena, reason, strlen(reason) + 1);
	if (copy == NULL)
		return dn_fail(r->err, DN_ENOMEM, "out of memory mapping");
	n->hold = GRAPH_HOLD_MASKED;
	n->hold_reason = copy;
	return DN_OK;
}

static dn_status add_index_entry(struct pivot_run *r, const struct whois_index_entry *e,
                                 const struct doc_pick *doc)
{
	enum graph_kind kind;
	enum graph_relation rel;
	if (!value_kind(e->kind, &kind, &rel))
		return DN_OK;
	char key[WHOIS_KEY_MAX], detail[96];
	if (kind == GRAPH_NAMESERVER)
		pivot_name_key(e->value, key, sizeof(key));
	else
		snprintf(key, sizeof(key), "%s", e->value);
	value_detail(e->role, e->kind, detail, sizeof(detail));
	struct graph_evidence ev = {
	        .from = GRAPH_FROM_WHOIS,
	        .source = pivot_source_name(r, doc->source_id),
	        .detail = detail,
	        .time_first = doc->time_first,
	        .time_last = doc->time_last,
	        .count = 1,
	};
	if (!pivot_follows(r, &ev))
		return DN_OK;
	uint32_t id;
	dn_status rc = pivot_add_node(r, kind, key, e->shown, r->depth, &id);
	if (rc == DN_OK && e->masked)
		rc = hold_masked(r, id, e->shown);
	if (rc != DN_OK)
		return rc;
	return pivot_link(r, r->current, id, rel, &ev, id, NULL);
}

dn_status pivot_expand_regdomain(struct pivot_run *r)
{
	char domain[1024];
	snprintf(domain, sizeof(domain), "%s", r->g->nodes[r->current].key);
	bool go;
	dn_status rc = pivot_regdomain_names(r, &go);
	if (rc != DN_OK || !go)
		return rc;

	struct doc_pick pick = {.r = r};
	bool fenced = r->opt->since != 0 || r->opt->until != 0;
	r->stats->queries++;
	rc = store_query_whois(r->store, domain, !fenced, false, pick_document, &pick,
	                                 r->err);
	if (rc != DN_OK || pick.document == NULL)
		return rc;

	struct whois_record rec;
	struct dn_error parse_err;
	if (whois_document_read(pick.document, strlen(pick.document), &r->scratch, &rec,
	                        &parse_err) != DN_OK) {
		log_warn("map: the stored WHOIS record of %s is unreadable, skipped: %s", domain,
		         parse_err.msg);
		return DN_OK;
	}
	struct whois_index_entry *entries = malloc(VALUES_PER_RECORD * sizeof(*entries));
	if (entries == NULL)
		return dn_fail(r->err, DN_ENOMEM, "out of memory reading WHOIS");
	size_t n = whois_index(&rec, entries, VALUES_PER_RECORD);
	if (n > VALUES_PER_RECORD)
		n = VALUES_PER_RECORD;
	for (size_t i = 0; i < n && rc == DN_OK; i++)
		rc = add_index_entry(r, &entries[i], &pick);
	free(entries);
	return rc;
}

/* ---- Reverse WHOIS ---- */

struct value_row {
	const char *domain;
	const char *value;
	const char *role;
	bool masked;
	int64_t time_first, time_last;
};

struct value_rows {
	struct pivot_run *r;
	struct value_row *items;
	size_t n, cap;
};

static dn_status collect_value(const struct store_whois_value *v, void *ctx)
{
	struct value_rows *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap > 0 ? l->cap * 2 : 64;
		struct value_row *grown = realloc(l->items, cap * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(l->r->err, DN_ENOMEM, "out of memory reading WHOIS values");
		l->items = grown;
		l->cap = cap;
	}
	struct value_row *row = &l->items[l->n];
	row->domain = pivot_scratch_dup(l->r, v->domain);
	row->value = pivot_scratch_dup(l->r, v->value);
	row->role = pivot_scratch_dup(l->r, v->role);
	if (row->domain == NULL || row->value == NULL || row->role == NULL)
		return dn_fail(l->r->err, DN_ENOMEM, "out of memory reading WHOIS values");
	row->masked = v->masked;
	row->time_first = v->time_first;
	row->time_last = v->time_last;
	l->n++;
	return DN_OK;
}

/* Look up kind/value (a prefix of the key when prefix is set) with room
 * for limit + 1 domains at four roles each. */
static dn_status lookup_values(struct pivot_run *r, const char *kind, const char *value,
                              bool prefix, uint64_t limit, struct value_rows *rows)
{
	struct store_whois_lookup q = {
	        .kind = kind, .value = value, .prefix = prefix, .limit = 4 * (limit + 1)};
	rows->r = r;
	r->stats->queries++;
	return store_query_whois_values(r->store, &q, collect_value, rows, r->err);
}

/* Distinct domains among the rows (ordered by domain) for which keep
 * holds, with value_len bytes (0: any length) and not equal to skip. */
static uint64_t count_domains(const struct value_rows *rows, size_t value_len, const char *skip)
{
	uint64_t n = 0;
	const char *last = NULL;
	for (size_t i = 0; i < rows->n; i++) {
		const struct value_row *row = &rows->items[i];
		if ((value_len > 0 && strlen(row->value) != value_len) ||
		    (skip != NULL && strcmp(row->value, skip) == 0))
			continue;
		if (last == NULL || strcmp(last, row->domain) != 0)
			n++;
		last = row->domain;
	}
	return n;
}

/* Add regdomain -> current for each row that is in the time fence, not
 * masked, of value_len bytes (0: any) and not equal to skip. A variant row
 * links its domain to the number it holds, a node of its own, so that the
 * graph keeps each domain's real number and clustering finds a run of near
 * numbers, not one shared number. */
static dn_status link_rows(struct pivot_run *r, const struct value_rows *rows, const char *kind,
                           enum graph_relation rel, size_t value_len, const char *skip,
                           bool variant)
{
	dn_status rc = DN_OK;
	for (size_t i = 0; i < rows->n && rc == DN_OK; i++) {
		const struct value_row *row = &rows->items[i];
		if (row->masked || !pivot_in_fence(r, row->time_first, row->time_last) ||
		    (value_len > 0 && strlen(row->value) != value_len) ||
		    (skip != NULL && strcmp(row->value, skip) == 0))
			continue;
		char detail[WHOIS_KEY_MAX + 96], what[96];
		value_detail(row->role, kind, what, sizeof(what));
		if (variant)
			snprintf(detail, sizeof(detail), "%s, a variant of %s (last digit differs)",
			         what, r->g->nodes[r->current].key);
		else
			snprintf(detail, sizeof(detail), "%s", what);
		struct graph_evidence ev = {
		        .from = GRAPH_FROM_WHOIS,
		        .source = "",
		        .detail = detail,
		        .time_first = row->time_first,
		        .time_last = row->time_last,
		        .count = 1,
		};
		if (!pivot_follows(r, &ev))
			continue;
		uint32_t domain, target = r->current;
		if (variant)
			rc = pivot_add_node(r, GRAPH_PHONE, row->value, NULL, r->depth, &target);
		if (rc == DN_OK)
			rc = pivot_add_node(r, GRAPH_REGDOMAIN, row->domain, NULL, r->depth, &domain);
		if (rc == DN_OK)
			rc = pivot_link(r, domain, target, rel, &ev, domain, NULL);
	}
	return rc;
}

static bool all_masked(const struct value_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		if (!rows->items[i].masked)
			return false;
	return rows->n > 0;
}

/* Numbers equal to the current phone but for the last digit: a prefix
 * lookup on all digits but the last, so a sequential run of numbers is
 * reached. Skipped, not held, when they are too many. */
static dn_status phone_variants(struct pivot_run *r, const char *key, uint64_t limit)
{
	size_t len = strlen(key);
	if (len < 8)
		return DN_OK;
	char prefix[WHOIS_KEY_MAX];
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(len - 1), key);
	struct value_rows rows = {0};
	dn_status rc = lookup_values(r, "phone", prefix, true, limit, &rows);
	if (rc == DN_OK) {
		uint64_t n = count_domains(&rows, len, key);
		if (n > limit || rows.n >= 4 * (limit + 1))
			log_debug("map: numbers like %s differ in the last digit on more than %llu "
			          "domains; not followed",
			          key, (unsigned long long)limit);
		else
			rc = link_rows(r, &rows, "phone", GRAPH_REL_REGISTRANT, len, key, true);
	}
	free(rows.items);
	return rc;
}

dn_status pivot_expand_value(struct pivot_run *r)
{
	const struct graph_node *n = &r->g->nodes[r->current];
	char key[WHOIS_KEY_MAX];
	snprintf(key, sizeof(key), "%s", n->key);
	enum graph_kind kind = n->kind;
	const char *kind_name = graph_kind_name(kind);
	enum graph_relation rel = kind == GRAPH_REGISTRAR ? GRAPH_REL_REGISTRAR : GRAPH_REL_REGISTRANT;
	uint64_t limit = pivot_share_limit(r->opt, kind);

	struct value_rows rows = {0};
	dn_status rc = lookup_values(r, kind_name, key, false, limit, &rows);
	if (rc == DN_OK && all_masked(&rows))
		rc = hold_masked(r, r->current, NULL);
	bool go = false;
	if (rc == DN_OK && r->g->nodes[r->current].hold == GRAPH_HOLD_NONE)
		go = pivot_check_share(r, count_domains(&rows, 0, NULL), rows.n >= 4 * (limit + 1),
		                       "domains");
	if (rc == DN_OK && go)
		rc = link_rows(r, &rows, kind_name, rel, 0, NULL, false);
	free(rows.items);
	if (rc == DN_OK && go && kind == GRAPH_PHONE)
		rc = phone_variants(r, key, limit);
	return rc;
}

dn_status pivot_whois_nameserver(struct pivot_run *r)
{
	char key[WHOIS_KEY_MAX];
	snprintf(key, sizeof(key), "%s", r->g->nodes[r->current].key);
	uint64_t limit = pivot_share_limit(r->opt, GRAPH_NAMESERVER);
	struct value_rows rows = {0};
	dn_status rc = lookup_values(r, "nameserver", key, false, limit, &rows);
	if (rc == DN_OK) {
		uint64_t n = count_domains(&rows, 0, NULL);
		if (n > limit || rows.n >= 4 * (limit + 1)) {
			struct graph_node *node = &r->g->nodes[r->current];
			if (n > node->share)
				node->share = n;
			log_debug("map: WHOIS lists %s on more than %llu domains; not followed", key,
			          (unsigned long long)limit);
		} else {
			rc = link_rows(r, &rows, "nameserver", GRAPH_REL_NS, 0, NULL, false);
		}
	}
	free(rows.items);
	return rc;
}
