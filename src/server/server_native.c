/* The native JSON API under /api/v1: the lookups of `dragnet pdns`,
 * `whois`, `cert` and `asn`, a search that counts the records the store
 * has on an indicator, and maps (server_native_map.c).
 *
 * Each lookup route returns {"records": [...], "truncated": BOOL} where the
 * records are what the command prints with --json, one element per line it
 * prints (for cert, the elements of its array). truncated is true when the
 * store holds more than the limit returned. Every result count is capped
 * by the server's max_results. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/rdata.h"
#include "export/asn_json.h"
#include "export/cert_results.h"
#include "export/cert_search.h"
#include "export/pdns_writer.h"
#include "export/whois_writer.h"
#include "graph/pivot.h"
#include "pdns/query.h"
#include "server/server.h"
#include "server/server_native.h"
#include "store/source_names.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "whois/document.h"
#include "whois/response.h"

/* Default limits of the lookups, as the commands have them; the server's
 * max_results caps both these and any limit a request gives. */
#define PDNS_LIMIT_DEFAULT 10000
#define CERT_LIMIT_DEFAULT 1000
/* The search route counts at most this many of each kind of record. */
#define SEARCH_COUNT_MAX 1000

/* ---- Parameters ---- */

uint64_t native_cap(const struct server_request *req, uint64_t limit)
{
	uint64_t max = req->config != NULL ? req->config->limits.max_results : 0;
	if (max > 0 && (limit == 0 || limit > max))
		return max;
	return limit;
}

bool native_flag(struct server_request *req, struct server_response *res, const char *name,
                 bool *value)
{
	const char *text = server_arg(req, name);
	*value = false;
	if (text == NULL || strcmp(text, "0") == 0 || strcmp(text, "false") == 0)
		return true;
	if (text[0] == '\0' || strcmp(text, "1") == 0 || strcmp(text, "true") == 0) {
		*value = true;
		return true;
	}
	server_error(res, 400, "%s: invalid value '%s' (give 1 or 0)", name, text);
	return false;
}

bool native_time(struct server_request *req, struct server_response *res, const char *name,
                 int64_t *value)
{
	const char *text = server_arg(req, name);
	if (text == NULL)
		return true;
	if (!time_parse(text, time_now(), value)) {
		server_error(res, 400,
		             "%s: invalid time '%s' (give epoch seconds, 2024-05-01, "
		             "2024-05-01T12:00:00Z or an age such as 30d)",
		             name, text);
		return false;
	}
	return true;
}

/* Read the count argument name into *value, which keeps its default when
 * the argument is absent; 400 when it is not a number up to max. */
static bool native_count(struct server_request *req, struct server_response *res,
                         const char *name, uint64_t max, uint64_t *value)
{
	const char *text = server_arg(req, name);
	if (text == NULL)
		return true;
	size_t len = strlen(text);
	if (len == 0 || len > 19 || strspn(text, "0123456789") != len) {
		server_error(res, 400, "%s: not a number: '%s'", name, text);
		return false;
	}
	unsigned long long parsed = strtoull(text, NULL, 10);
	if (parsed > max) {
		server_error(res, 400, "%s: %llu is out of range (0 to %" PRIu64 ")", name, parsed,
		             max);
		return false;
	}
	*value = parsed;
	return true;
}

/* The limit argument, capped by max_results. A limit of 0 requests every
 * result, up to the cap. */
static bool native_limit(struct server_request *req, struct server_response *res,
                         uint64_t fallback, uint64_t *limit)
{
	*limit = fallback;
	if (!native_count(req, res, "limit", INT64_MAX, limit))
		return false;
	*limit = native_cap(req, *limit);
	return true;
}

/* ---- Record lists ---- */

bool native_list_open(struct native_list *list)
{
	memset(list, 0, sizeof(*list));
	list->out = open_memstream(&list->buf, &list->len);
	return list->out != NULL;
}

void native_list_next(struct native_list *list)
{
	if (list->n++ > 0)
		fputc(',', list->out);
}

bool native_list_send(struct native_list *list, struct server_response *res, bool truncated)
{
	bool ok = fclose(list->out) == 0;
	list->out = NULL;
	if (!ok) {
		server_error(res, 503, "out of memory writing the records");
		return false;
	}
	fputs("{\"records\":[", res->body);
	fwrite(list->buf, 1, list->len, res->body);
	fprintf(res->body, "],\"truncated\":%s}\n", truncated ? "true" : "false");
	return true;
}

void native_list_free(struct native_list *list)
{
	if (list->out != NULL)
		fclose(list->out);
	free(list->buf);
	memset(list, 0, sizeof(*list));
}

void native_store_error(struct server_response *res, const char *what, dn_status rc,
                        const struct dn_error *err)
{
	switch (rc) {
	case DN_EINVAL:
		server_error(res, 400, "%s", err->msg);
		break;
	case DN_ENOENT:
		server_error(res, 404, "%s", err->msg);
		break;
	case DN_ELIMIT:
	case DN_EINTR:
	case DN_EBUSY:
		server_error(res, 503, "%s: %s", what, err->msg);
		break;
	default:
		server_error(res, 503, "%s failed: %s", what, err->msg);
		break;
	}
}

/* ---- pDNS ---- */

struct pdns_emit {
	struct native_list *list;
	struct pdns_writer *writer;
	uint64_t limit; /* records returned; the query reads one more */
	bool truncated;
	bool out_of_memory;
};

static dn_status emit_record(const struct pdns_record *rec, void *ctx)
{
	struct pdns_emit *e = ctx;
	if (e->limit > 0 && e->list->n == e->limit) {
		e->truncated = true;
		return DN_OK;
	}
	native_list_next(e->list);
	if (!pdns_writer_record(e->writer, rec)) {
		e->out_of_memory = true;
		return DN_ENOMEM;
	}
	return DN_OK;
}

/* Read the pDNS question of the request into q. */
static bool pdns_read_query(struct server_request *req, struct server_response *res,
                            struct pdns_query *q, uint64_t *limit)
{
	struct dn_error err;
	const char *text = server_arg(req, "q");
	if (text == NULL || text[0] == '\0') {
		server_error(res, 400, "q: missing; give a name, address, CIDR prefix or range");
		return false;
	}
	bool rdata;
	if (!native_flag(req, res, "rdata", &rdata))
		return false;
	pdns_query_init(q);
	dn_status rc = rdata || pdns_text_looks_like_address(text)
	                       ? pdns_query_set_rdata(q, text, &err)
	                       : pdns_query_set_rrname(q, text, &err);
	if (rc != DN_OK) {
		server_error(res, 400, "q: %s", err.msg);
		return false;
	}

	const char *type = server_arg(req, "type");
	if (type != NULL && !dns_type_parse(type, &q->rrtype)) {
		server_error(res, 400, "type: unknown record type '%s'", type);
		return false;
	}
	const char *source = server_arg(req, "source");
	if (source != NULL && pdns_query_add_source(q, source, &err) != DN_OK) {
		server_error(res, 400, "source: %s", err.msg);
		return false;
	}
	/* The records active during [since, until): last seen at or after
	 * since, first seen before until. */
	if (!native_time(req, res, "since", &q->last_after) ||
	    !native_time(req, res, "until", &q->first_before))
		return false;
	return native_count(req, res, "offset", INT64_MAX, &q->offset) &&
	       native_limit(req, res, PDNS_LIMIT_DEFAULT, limit);
}

static void native_pdns(struct server_request *req, struct server_response *res)
{
	struct pdns_query q;
	uint64_t limit;
	if (!pdns_read_query(req, res, &q, &limit))
		return;
	q.limit = limit > 0 ? limit + 1 : 0;

	struct native_list list;
	struct pdns_writer_options options = {.format = PDNS_FORMAT_JSON};
	if (!native_list_open(&list)) {
		server_error(res, 503, "out of memory");
		return;
	}
	struct pdns_emit e = {.list = &list, .limit = limit};
	e.writer = pdns_writer_new(list.out, &options);
	if (e.writer == NULL) {
		native_list_free(&list);
		server_error(res, 503, "out of memory");
		return;
	}
	struct dn_error err;
	dn_status rc = store_query_rrsets(req->store, &q, emit_record, &e, &err);
	pdns_writer_finish(e.writer);
	if (rc == DN_OK)
		native_list_send(&list, res, e.truncated);
	else if (e.out_of_memory)
		server_error(res, 503, "out of memory collecting the records");
	else if (rc == DN_EINVAL && q.nsources > 0)
		server_error(res, 400, "source: %s", err.msg); /* a source the store lacks */
	else
		native_store_error(res, "pdns lookup", rc, &err);
	native_list_free(&list);
}

/* ---- WHOIS ---- */

struct whois_emit {
	struct native_list *list;
	struct store_source_names sources;
	struct arena arena;
	bool redact;
	uint64_t limit;
	bool truncated;
	dn_status failure;
	struct dn_error err;
};

static dn_status emit_whois(const struct store_whois *doc, void *ctx)
{
	struct whois_emit *e = ctx;
	if (e->limit > 0 && e->list->n == e->limit) {
		e->truncated = true;
		return DN_OK;
	}
	struct whois_record rec;
	struct dn_error err;
	dn_status rc = whois_document_read(doc->document, strlen(doc->document), &e->arena, &rec,
	                                   &err);
	if (rc != DN_OK) {
		/* As the command does: skip the document and report it. */
		log_error("whois %s: stored document seen %lld: %s", doc->domain,
		          (long long)doc->time_first, err.msg);
		return DN_OK;
	}
	if (e->redact)
		whois_redact_personal(&rec);
	char buf[128];
	const char *source = store_source_name(&e->sources, doc->source_id, buf, sizeof(buf));
	native_list_next(e->list);
	if (!whois_print_stored_json(e->list->out, &rec, doc, source))
		return dn_fail(&e->err, DN_ENOMEM, "out of memory");
	return DN_OK;
}

static void native_whois(struct server_request *req, struct server_response *res)
{
	char key[256];
	if (req->rest == NULL || !whois_domain_key(req->rest, key, sizeof(key))) {
		server_error(res, 400, "domain: '%s' is not a domain name",
		             req->rest != NULL ? req->rest : "");
		return;
	}
	bool history, redact;
	if (!native_flag(req, res, "history", &history) ||
	    !native_flag(req, res, "redact", &redact))
		return;

	struct native_list list;
	if (!native_list_open(&list)) {
		server_error(res, 503, "out of memory");
		return;
	}
	struct whois_emit e = {.list = &list, .redact = redact, .limit = native_cap(req, 0)};
	arena_init(&e.arena, 64 * 1024);
	dn_status rc = store_source_names_load(req->store, &e.sources, &e.err);
	if (rc == DN_OK)
		rc = store_query_whois(req->store, key, !history, false, emit_whois, &e, &e.err);
	if (rc == DN_OK)
		native_list_send(&list, res, e.truncated);
	else
		native_store_error(res, "whois lookup", rc, &e.err);
	arena_free(&e.arena);
	store_source_names_free(&e.sources);
	native_list_free(&list);
}

/* ---- Certificates ---- */

/* Add the conditions of every value of argument name. */
static bool cert_read_conditions(struct server_request *req, struct server_response *res,
                                 struct cert_search *s, const char *name)
{
	struct dn_error err;
	for (size_t i = 0;; i++) {
		const char *value = server_arg_at(req, name, i);
		if (value == NULL)
			return true;
		dn_status rc;
		if (strcmp(name, "san") == 0)
			rc = cert_search_add_san(s, name, value, &err);
		else if (strcmp(name, "issuer") == 0 || strcmp(name, "subject") == 0)
			rc = cert_search_add_dn(s, name, name, value, &err);
		else if (strcmp(name, "spki") == 0)
			rc = cert_search_add_spki(s, name, value, &err);
		else if (strcmp(name, "serial") == 0)
			rc = cert_search_add_serial(s, name, value, &err);
		else
			rc = cert_search_add_fingerprint(s, name, value, &err);
		if (rc != DN_OK) {
			server_error(res, 400, "%s: %s", name, err.msg);
			return false;
		}
	}
}

static bool cert_read_search(struct server_request *req, struct server_response *res,
                             struct cert_search *s)
{
	static const char *const conditions[] = {"san",  "issuer", "subject",
	                                         "spki", "sha256", "serial"};
	cert_search_init(s);
	for (size_t i = 0; i < sizeof(conditions) / sizeof(conditions[0]); i++) {
		if (!cert_read_conditions(req, res, s, conditions[i]))
			return false;
	}
	if (!cert_search_has_conditions(s)) {
		server_error(res, 400, "san: missing; give at least one of san, issuer, subject, "
		                       "spki, sha256 or serial");
		return false;
	}
	if (!native_time(req, res, "valid_at", &s->query.valid_at) ||
	    !native_flag(req, res, "dedupe", &s->dedupe))
		return false;
	/* 0 means "unset" in the query; the epoch itself is one second off. */
	if (server_arg(req, "valid_at") != NULL && s->query.valid_at == 0)
		s->query.valid_at = 1;
	uint64_t limit;
	if (!native_limit(req, res, CERT_LIMIT_DEFAULT, &limit))
		return false;
	s->limit = (size_t)limit;
	return true;
}

static void native_cert(struct server_request *req, struct server_response *res)
{
	struct cert_search *s = malloc(sizeof(*s));
	if (s == NULL) {
		server_error(res, 503, "out of memory");
		return;
	}
	if (!cert_read_search(req, res, s)) {
		free(s);
		return;
	}
	struct cert_list list;
	cert_list_init(&list);
	struct dn_error err = {0};
	bool more = false;
	dn_status rc = cert_search_run(req->store, s, &list, &more, &err);
	if (rc != DN_OK) {
		if (err.msg[0] == '\0')
			dn_fail(&err, rc, "out of memory searching certificates");
		native_store_error(res, "certificate search", rc, &err);
	} else {
		fputs("{\"records\":", res->body);
		if (!cert_list_print(&list, true, res->body))
			server_error(res, 503, "out of memory writing the certificates");
		else
			fprintf(res->body, ",\"truncated\":%s}\n", more ? "true" : "false");
	}
	cert_list_free(&list);
	free(s);
}

/* ---- ASN ---- */

struct asn_emit {
	struct native_list *list;
	const struct store_source_names *sources;
	uint64_t limit;
	bool truncated;
	bool failed;
};

/* The source name of an IP-to-ASN load, as `dragnet asn` shows it. */
static dn_status add_asn_source(const struct store_asn_load *load, void *ctx)
{
	return store_source_names_add(ctx, load->source_id, load->source);
}

static dn_status emit_range(const struct asn_range *range, uint32_t source_id, void *ctx)
{
	struct asn_emit *e = ctx;
	if (e->limit > 0 && e->list->n == e->limit) {
		e->truncated = true;
		return DN_OK;
	}
	json_t *obj = json_object();
	if (obj == NULL)
		return DN_ENOMEM;
	/* `dragnet asn` shows no name for a source it does not list. */
	char unknown[32];
	const char *source = store_source_name(e->sources, source_id, unknown, sizeof(unknown));
	if (source == unknown)
		source = "";
	asn_json_add_range(obj, range, source);
	native_list_next(e->list);
	if (!asn_json_print(e->list->out, obj))
		return DN_ENOMEM;
	return DN_OK;
}

/* Parse "AS64496" or "64496" into *asn; false when text is not one. */
static bool parse_as_number(const char *text, uint32_t *asn)
{
	const char *digits = strncasecmp(text, "AS", 2) == 0 ? text + 2 : text;
	size_t len = strlen(digits);
	if (len == 0 || len > 10 || strspn(digits, "0123456789") != len)
		return false;
	unsigned long long value = strtoull(digits, NULL, 10);
	if (value > UINT32_MAX)
		return false;
	*asn = (uint32_t)value;
	return true;
}

/* The range of an address lookup, written as `dragnet asn --json` does. */
struct asn_hit {
	const char *ip;
	struct asn_emit *emit;
	bool found;
};

static dn_status emit_hit(const struct asn_range *range, uint32_t source_id, int64_t load_id,
                          void *ctx)
{
	(void)load_id;
	struct asn_hit *hit = ctx;
	json_t *obj = json_object();
	if (obj == NULL)
		return DN_ENOMEM;
	char unknown[32];
	const char *source = store_source_name(hit->emit->sources, source_id, unknown,
	                                       sizeof(unknown));
	json_object_set_new(obj, "ip", json_string(hit->ip));
	asn_json_add_range(obj, range, source == unknown ? "" : source);
	hit->found = true;
	native_list_next(hit->emit->list);
	return asn_json_print(hit->emit->list->out, obj) ? DN_OK : DN_ENOMEM;
}

static dn_status asn_lookup_address(struct store *store, const char *text, const ip_key *ip,
                                    struct asn_emit *e, struct dn_error *err)
{
	struct asn_hit hit = {.ip = text, .emit = e};
	dn_status rc = store_query_asn_at(store, ip, emit_hit, &hit, err);
	if (rc != DN_OK || hit.found)
		return rc;
	json_t *obj = json_object();
	if (obj == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	json_object_set_new(obj, "ip", json_string(text));
	json_object_set_new(obj, "asn", json_null());
	native_list_next(e->list);
	return asn_json_print(e->list->out, obj) ? DN_OK : dn_fail(err, DN_ENOMEM, "out of memory");
}

static void native_asn(struct server_request *req, struct server_response *res)
{
	const char *text = req->rest != NULL ? req->rest : "";
	uint32_t asn = 0;
	ip_key ip;
	bool is_address = ip_key_parse(text, &ip);
	if (!is_address && !parse_as_number(text, &asn)) {
		server_error(res, 400,
		             "asn: '%s' is not an IPv4 or IPv6 address nor an AS number "
		             "(AS64496)",
		             text);
		return;
	}
	struct native_list list;
	if (!native_list_open(&list)) {
		server_error(res, 503, "out of memory");
		return;
	}
	struct store_source_names sources = {0};
	struct asn_emit e = {.list = &list, .sources = &sources, .limit = native_cap(req, 0)};
	struct dn_error err = {0};
	dn_status rc = store_list_asn_loads(req->store, add_asn_source, &sources, &err);
	if (rc == DN_OK && is_address) {
		rc = asn_lookup_address(req->store, text, &ip, &e, &err);
	} else if (rc == DN_OK) {
		struct store_asn_filter filter = {.by_asn = true, .asn = asn};
		rc = store_query_asn_ranges(req->store, &filter, emit_range, &e, &err);
	}
	if (rc == DN_ENOMEM && err.msg[0] == '\0')
		dn_fail(&err, DN_ENOMEM, "out of memory");
	if (rc == DN_OK)
		native_list_send(&list, res, e.truncated);
	else
		native_store_error(res, "asn lookup", rc, &err);
	store_source_names_free(&sources);
	native_list_free(&list);
}

/* ---- Search ---- */

/* A count that stops one past its cap, so it costs at most cap + 1 rows. */
struct capped_count {
	uint64_t n;
	uint64_t cap;
};

static uint64_t capped(const struct capped_count *c)
{
	return c->n > c->cap ? c->cap : c->n;
}

static dn_status count_rrset(const struct pdns_record *rec, void *ctx)
{
	(void)rec;
	struct capped_count *c = ctx;
	c->n++;
	return DN_OK;
}

static dn_status count_cert(const struct store_cert *cert, void *ctx)
{
	(void)cert;
	struct capped_count *c = ctx;
	c->n++;
	return DN_OK;
}

static dn_status count_whois(const struct store_whois *doc, void *ctx)
{
	(void)doc;
	struct capped_count *c = ctx;
	c->n++;
	return c->n > c->cap ? DN_ELIMIT : DN_OK;
}

static dn_status search_count_pdns(struct store *store, const struct pivot_seed *seed,
                                   struct capped_count *c, struct dn_error *err)
{
	struct pdns_query q;
	pdns_query_init(&q);
	q.limit = c->cap + 1;
	q.sort = PDNS_SORT_FIRST;
	dn_status rc;
	switch (seed->kind) {
	case GRAPH_DOMAIN:
	case GRAPH_REGDOMAIN:
		rc = pdns_query_set_rrname(&q, seed->key, err);
		break;
	/* A name server or mail host is searched for the domains that point
	 * to it, as the web view's pDNS tab shows them. */
	case GRAPH_NAMESERVER:
	case GRAPH_MX:
	case GRAPH_IP:
	case GRAPH_PREFIX:
		rc = pdns_query_set_rdata(&q, seed->key, err);
		break;
	default:
		return DN_OK;
	}
	if (rc == DN_OK)
		rc = store_query_rrsets(store, &q, count_rrset, c, err);
	return rc;
}

static dn_status search_count_whois(struct store *store, const struct pivot_seed *seed,
                                    struct capped_count *c, struct dn_error *err)
{
	char key[256];
	switch (seed->kind) {
	case GRAPH_DOMAIN:
	case GRAPH_REGDOMAIN:
		if (!whois_domain_key(seed->key, key, sizeof(key)))
			return DN_OK;
		dn_status rc = store_query_whois(store, key, false, false, count_whois, c, err);
		return rc == DN_ELIMIT ? DN_OK : rc;
	case GRAPH_EMAIL:
	case GRAPH_PHONE:
	case GRAPH_NAME:
	case GRAPH_ORG:
	case GRAPH_ADDRESS:
	case GRAPH_REGISTRAR:
	case GRAPH_NAMESERVER:
		/* Here the count is of the domains whose records hold the value. */
		return store_count_whois_value(store, graph_kind_name(seed->kind), seed->key, &c->n,
		                               err);
	default:
		return DN_OK;
	}
}

static dn_status search_count_certs(struct store *store, const struct pivot_seed *seed,
                                    struct capped_count *c, struct dn_error *err)
{
	struct cert_search *s = malloc(sizeof(*s));
	if (s == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	cert_search_init(s);
	dn_status rc;
	switch (seed->kind) {
	case GRAPH_DOMAIN:
	case GRAPH_REGDOMAIN:
	case GRAPH_IP:
	case GRAPH_EMAIL:
		rc = cert_search_add_san(s, "q", seed->key, err);
		break;
	case GRAPH_CERT:
		rc = cert_search_add_fingerprint(s, "q", seed->key, err);
		break;
	case GRAPH_SPKI:
		rc = cert_search_add_spki(s, "q", seed->key, err);
		break;
	case GRAPH_ISSUER:
		rc = cert_search_add_dn(s, "issuer", "q", seed->key, err);
		break;
	default:
		free(s);
		return DN_OK;
	}
	if (rc == DN_OK) {
		s->query.matches = s->matches;
		s->query.n_matches = s->n_matches;
		s->query.issuer_contains = s->issuer_contains;
		s->query.subject_contains = s->subject_contains;
		s->query.limit = (size_t)c->cap + 1;
		rc = store_query_certs(store, &s->query, count_cert, c, err);
	}
	free(s);
	return rc;
}

/* The kind names of the search route: graph kinds, with a prefix called
 * "cidr" as the API documents it. */
static const char *search_kind_name(enum graph_kind kind)
{
	return kind == GRAPH_PREFIX ? "cidr" : graph_kind_name(kind);
}

static void native_search(struct server_request *req, struct server_response *res)
{
	const char *text = server_arg(req, "q");
	if (text == NULL || text[0] == '\0') {
		server_error(res, 400, "q: missing; give a domain, address, CIDR prefix, AS number, "
		                       "email, phone number or certificate hash");
		return;
	}
	struct pivot_seed seed;
	struct dn_error err = {0};
	if (pivot_seed_parse(text, &seed, &err) != DN_OK) {
		server_error(res, 400, "q: %s", err.msg);
		return;
	}
	uint64_t cap = native_cap(req, SEARCH_COUNT_MAX);
	struct capped_count pdns = {.cap = cap}, whois = {.cap = cap}, certs = {.cap = cap};
	dn_status rc = search_count_pdns(req->store, &seed, &pdns, &err);
	if (rc == DN_OK)
		rc = search_count_whois(req->store, &seed, &whois, &err);
	if (rc == DN_OK)
		rc = search_count_certs(req->store, &seed, &certs, &err);
	if (rc != DN_OK) {
		native_store_error(res, "search", rc, &err);
		return;
	}

	json_t *counts = json_pack("{s:I, s:I, s:I}", "pdns", (json_int_t)capped(&pdns), "whois",
	                           (json_int_t)capped(&whois), "certs", (json_int_t)capped(&certs));
	json_t *more = json_pack("{s:b, s:b, s:b}", "pdns", pdns.n > cap, "whois", whois.n > cap,
	                         "certs", certs.n > cap);
	json_t *out = json_pack("{s:s, s:s, s:s, s:o, s:o}", "query", text, "kind",
	                        search_kind_name(seed.kind), "key", seed.key, "counts", counts,
	                        "more", more);
	char *body = out != NULL ? json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(out);
	if (body == NULL) {
		server_error(res, 503, "out of memory");
		return;
	}
	fprintf(res->body, "%s\n", body);
	free(body);
}

/* The parameters each route reads; the server rejects any other, and a
 * repeat of one not marked true. */
static const struct server_param search_params[] = {{"q", false}, {NULL, false}};
static const struct server_param pdns_params[] = {
        {"q", false},     {"type", false},  {"since", false}, {"until", false}, {"source", false},
        {"limit", false}, {"offset", false}, {"rdata", false}, {NULL, false},
};
static const struct server_param whois_params[] = {
        {"history", false}, {"redact", false}, {NULL, false}};
static const struct server_param cert_params[] = {
        {"san", true},      {"issuer", true},  {"subject", true}, {"spki", true},
        {"sha256", true},   {"serial", true},  {"valid_at", false}, {"dedupe", false},
        {"limit", false},   {NULL, false},
};
static const struct server_param asn_params[] = {{NULL, false}};
static const struct server_param map_params[] = {
        {"seed", true},     {"depth", false},  {"since", false}, {"until", false},
        {"overlap", false}, {"redact", false}, {"format", false}, {NULL, false},
};

const struct server_route server_native_routes[] = {
        {"GET", "/api/v1/search", true, SERVER_ROLE_READ, native_search, search_params},
        {"GET", "/api/v1/pdns", true, SERVER_ROLE_READ, native_pdns, pdns_params},
        {"GET", "/api/v1/whois/", false, SERVER_ROLE_READ, native_whois, whois_params},
        {"GET", "/api/v1/cert", true, SERVER_ROLE_READ, native_cert, cert_params},
        {"GET", "/api/v1/asn/", false, SERVER_ROLE_READ, native_asn, asn_params},
        {"GET", "/api/v1/map", true, SERVER_ROLE_READ, native_map, map_params},
        {NULL, NULL, false, SERVER_ROLE_NONE, NULL, NULL},
};
