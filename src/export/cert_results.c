/* Collecting, pairing and printing the certificates `dragnet cert` found. */
#include "export/cert_results.h"

#include <inttypes.h>
#include <jansson.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "x509/cert.h"

void cert_list_init(struct cert_list *list)
{
	memset(list, 0, sizeof(*list));
	arena_init(&list->arena, 1 << 16);
}

void cert_list_free(struct cert_list *list)
{
	arena_free(&list->arena);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

static void hex(const uint8_t *bytes, size_t n, char *out)
{
	x509_hex(bytes, n, out);
}

static const char *keep(struct arena *a, const char *text)
{
	if (text == NULL)
		return NULL;
	return arena_dup(a, text, strlen(text) + 1);
}

static struct cert_result *find(struct cert_list *list, const uint8_t sha256[32])
{
	for (size_t i = 0; i < list->n; i++)
		if (memcmp(list->items[i].cert.sha256, sha256, 32) == 0)
			return &list->items[i];
	return NULL;
}

dn_status cert_list_add(const struct store_cert *cert, void *ctx)
{
	struct cert_list *list = ctx;
	if (find(list, cert->sha256) != NULL)
		return DN_OK;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct cert_result *grown = realloc(list->items, cap * sizeof(*grown));
		if (grown == NULL)
			return DN_ENOMEM;
		list->items = grown;
		list->cap = cap;
	}
	struct arena *a = &list->arena;
	struct cert_result *r = &list->items[list->n];
	memset(r, 0, sizeof(*r));
	r->cert = *cert;
	r->cert.serial = keep(a, cert->serial);
	r->cert.issuer = keep(a, cert->issuer);
	r->cert.subject = keep(a, cert->subject);
	r->cert.sans = keep(a, cert->sans);
	r->cert.key_type = keep(a, cert->key_type);
	r->cert.sig_alg = keep(a, cert->sig_alg);
	r->cert.level = keep(a, cert->level);
	r->cert.der = cert->der_len > 0 ? arena_dup(a, cert->der, cert->der_len) : NULL;
	if (r->cert.serial == NULL || r->cert.issuer == NULL || r->cert.subject == NULL ||
	    r->cert.sans == NULL || (cert->der_len > 0 && r->cert.der == NULL))
		return DN_ENOMEM;
	list->n++;
	return DN_OK;
}

/* ---- Sightings and partial certificates ---- */

struct sighting_sink {
	struct cert_list *list;
	struct store_cert_sighting *items;
	size_t n, cap;
};

static dn_status add_sighting(const struct store_cert_sighting *g, void *ctx)
{
	struct sighting_sink *sink = ctx;
	if (sink->n == sink->cap) {
		size_t cap = sink->cap ? sink->cap * 2 : 8;
		struct store_cert_sighting *grown = realloc(sink->items, cap * sizeof(*grown));
		if (grown == NULL)
			return DN_ENOMEM;
		sink->items = grown;
		sink->cap = cap;
	}
	struct store_cert_sighting *copy = &sink->items[sink->n];
	*copy = *g;
	copy->kind = keep(&sink->list->arena, g->kind);
	copy->detail = keep(&sink->list->arena, g->detail);
	if (copy->kind == NULL || copy->detail == NULL)
		return DN_ENOMEM;
	sink->n++;
	return DN_OK;
}

/* The full certificate stored with the issuer and serial of a partial one. */
struct full_search {
	struct store_cert found;
	struct cert_list *list;
	bool any;
};

static dn_status take_full(const struct store_cert *cert, void *ctx)
{
	struct full_search *search = ctx;
	if (cert->partial || search->any)
		return DN_OK;
	search->any = true;
	return cert_list_add(cert, search->list);
}

static dn_status replace_partials(struct cert_list *list, struct store *store,
                                  struct dn_error *err)
{
	size_t n = list->n;
	for (size_t i = 0; i < n; i++) {
		if (!list->items[i].cert.partial)
			continue;
		const struct store_cert *p = &list->items[i].cert;
		struct store_cert_match matches[] = {
			{.kind = "serial", .value = p->serial},
			{.kind = "issuer", .value = p->issuer},
		};
		/* No limit: the partial row itself matches too. */
		struct store_cert_query q = {.matches = matches, .n_matches = 2};
		struct full_search search = {.list = list};
		dn_status rc = store_query_certs(store, &q, take_full, &search, err);
		if (rc != DN_OK)
			return rc;
		/* list->items may have moved. */
		if (search.any)
			list->items[i].hidden = true;
	}
	return DN_OK;
}

dn_status cert_list_resolve(struct cert_list *list, struct store *store, struct dn_error *err)
{
	return replace_partials(list, store, err);
}

/* Read the sightings of r, including those stored under its partial key. */
static dn_status read_sightings(struct cert_list *list, struct cert_result *r,
                                struct store *store, struct dn_error *err)
{
	struct sighting_sink sink = {.list = list};
	dn_status rc = store_query_cert_sightings(store, r->cert.sha256, add_sighting, &sink, err);
	if (rc == DN_OK && !r->cert.partial) {
		uint8_t key[32];
		store_cert_partial_key(r->cert.issuer, r->cert.serial, key);
		rc = store_query_cert_sightings(store, key, add_sighting, &sink, err);
	}
	if (rc == DN_ENOMEM && err->msg[0] == '\0')
		dn_fail(err, DN_ENOMEM, "out of memory reading certificate sightings");
	/* The sightings move into the list's arena, so the array can go. */
	r->sightings = sink.n > 0 ? arena_dup(&list->arena, sink.items,
	                                      sink.n * sizeof(*sink.items))
	                          : NULL;
	r->n_sightings = r->sightings != NULL ? sink.n : 0;
	free(sink.items);
	return rc;
}

dn_status cert_list_read_sightings(struct cert_list *list, struct store *store,
                                   struct dn_error *err)
{
	dn_status rc = DN_OK;
	for (size_t i = 0; i < list->n && rc == DN_OK; i++) {
		struct cert_result *r = &list->items[i];
		if (r->hidden)
			continue;
		rc = read_sightings(list, r, store, err);
		/* r->paired points into list->items, where it is writable. */
		if (rc == DN_OK && r->paired != NULL)
			rc = read_sightings(list, &list->items[r->paired - list->items], store, err);
	}
	return rc;
}

/* A store_cert_fn that adds a final certificate (neither a precertificate
 * nor partial) to the list (ctx). */
static dn_status add_final(const struct store_cert *cert, void *ctx)
{
	if (cert->precert || cert->partial)
		return DN_OK;
	return cert_list_add(cert, ctx);
}

/* Whether the list contains a final certificate with the TBS hash of pre. */
static bool has_final(const struct cert_list *list, const struct cert_result *pre)
{
	for (size_t j = 0; j < list->n; j++) {
		const struct store_cert *c = &list->items[j].cert;
		if (!c->precert && !c->partial && memcmp(c->tbs_sha256, pre->cert.tbs_sha256, 32) == 0)
			return true;
	}
	return false;
}

dn_status cert_list_pair(struct cert_list *list, struct store *store, struct dn_error *err)
{
	static const uint8_t zero[32];

	/* A precertificate that matched without its final certificate: look
	 * the final one up by the TBS hash, so that it is shown in its place. */
	size_t n = list->n;
	for (size_t i = 0; i < n; i++) {
		const struct cert_result *pre = &list->items[i];
		if (!pre->cert.precert || pre->hidden || memcmp(pre->cert.tbs_sha256, zero, 32) == 0 ||
		    has_final(list, pre))
			continue;
		char tbs[65];
		hex(pre->cert.tbs_sha256, 32, tbs);
		struct store_cert_match match = {.kind = "tbs", .value = tbs};
		struct store_cert_query q = {.matches = &match, .n_matches = 1};
		dn_status rc = store_query_certs(store, &q, add_final, list, err);
		if (rc != DN_OK)
			return rc;
	}

	/* Nothing is added to the list from here on, so pointers into
	 * list->items stay valid. */
	for (size_t i = 0; i < list->n; i++) {
		struct cert_result *pre = &list->items[i];
		if (!pre->cert.precert || pre->hidden || memcmp(pre->cert.tbs_sha256, zero, 32) == 0)
			continue;
		for (size_t j = 0; j < list->n; j++) {
			struct cert_result *final = &list->items[j];
			if (final->cert.precert || final->cert.partial || final->hidden ||
			    final->paired != NULL ||
			    memcmp(final->cert.tbs_sha256, pre->cert.tbs_sha256, 32) != 0)
				continue;
			final->paired = pre;
			pre->hidden = true;
			break;
		}
	}
	return DN_OK;
}

size_t cert_list_cut(struct cert_list *list, size_t limit)
{
	size_t shown = 0, cut = 0;
	for (size_t i = 0; i < list->n; i++) {
		if (list->items[i].hidden)
			continue;
		if (limit > 0 && shown == limit) {
			list->items[i].hidden = true;
			cut++;
		} else {
			shown++;
		}
	}
	return cut;
}

/* ---- Registrable domains ---- */

bool cert_registrable_domain(const char *name, char *out, size_t size)
{
	static const psl_ctx_t *psl;
	if (psl == NULL)
		psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
	if (psl == NULL)
		return false;
	while (strncmp(name, "*.", 2) == 0)
		name += 2;
	const char *domain = psl_registrable_domain(psl, name);
	if (domain == NULL)
		return false;
	snprintf(out, size, "%s", domain);
	return true;
}

/* ---- Printing ---- */

static void print_flags(const struct store_cert *c, FILE *out)
{
	const char *sep = "";
	if (c->partial) {
		fprintf(out, "partial (crt.sh entry, no DER)");
		return;
	}
	if (c->is_ca) {
		fprintf(out, "%sCA", sep);
		sep = ", ";
	}
	if (c->self_signed) {
		fprintf(out, "%sself-signed", sep);
		sep = ", ";
	}
	if (c->precert) {
		fprintf(out, "%sprecertificate", sep);
		sep = ", ";
	}
	if (sep[0] == '\0')
		fprintf(out, "leaf");
}

static void print_text(const struct cert_result *r, FILE *out)
{
	const struct store_cert *c = &r->cert;
	char sha256[65], sha1[41], spki[65], before[32], after[32];
	hex(c->sha256, 32, sha256);
	hex(c->sha1, 20, sha1);
	hex(c->spki_sha256, 32, spki);
	time_format_iso(c->not_before, before, sizeof(before));
	time_format_iso(c->not_after, after, sizeof(after));
	/* A partial certificate's key is no fingerprint, so it gets a label
	 * of its own. */
	fprintf(out, "%s %s\n", c->partial ? "partial key" : "sha256 ", sha256);
	if (!c->partial) {
		fprintf(out, "  sha1      %s\n", sha1);
		fprintf(out, "  spki      %s\n", spki);
	}
	fprintf(out, "  subject   %s\n", c->subject);
	fprintf(out, "  issuer    %s\n", c->issuer);
	fprintf(out, "  serial    %s\n", c->serial);
	fprintf(out, "  valid     %s to %s\n", before, after);
	if (c->sans[0] != '\0') {
		fprintf(out, "  names     ");
		for (const char *p = c->sans; *p != '\0'; p++)
			fputs(*p == '\n' ? ", " : (char[]){*p, '\0'}, out);
		fputc('\n', out);
	}
	if (!c->partial)
		fprintf(out, "  key       %s %d, %s, validation %s\n", c->key_type, c->key_bits,
		        c->sig_alg, c->level);
	if (c->crtsh_id > 0)
		fprintf(out, "  crt.sh    id %" PRId64 "\n", c->crtsh_id);
	fprintf(out, "  kind      ");
	print_flags(c, out);
	fputc('\n', out);
	if (r->paired != NULL) {
		char pre[65];
		hex(r->paired->cert.sha256, 32, pre);
		fprintf(out, "  precert   %s (same TBS)\n", pre);
	}
	const struct cert_result *groups[2] = {r, r->paired};
	for (size_t k = 0; k < 2; k++) {
		if (groups[k] == NULL)
			continue;
		for (size_t i = 0; i < groups[k]->n_sightings; i++) {
			const struct store_cert_sighting *g = &groups[k]->sightings[i];
			char first[32], last[32];
			time_format_iso(g->time_first, first, sizeof(first));
			time_format_iso(g->time_last, last, sizeof(last));
			fprintf(out, "  seen      %s %s, %" PRIu64 " time%s, %s to %s%s\n", g->kind,
			        g->detail, g->count, g->count == 1 ? "" : "s", first, last,
			        k == 1 ? " (precertificate)" : "");
		}
	}
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * bytes there are not one. Overlong forms and surrogates are invalid. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
	           : (s[0] & 0xf8) == 0xf0                    ? 4
	                                                      : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t cp = len == 1 ? s[0] : s[0] & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of text. A byte that is not part of valid UTF-8 (a file
 * name in another encoding) is written as \xHH, the form the DN and SAN
 * fields already use, so that no value is dropped. Returns NULL only when
 * memory runs out. */
static json_t *json_text(const char *text)
{
	json_t *value = json_string(text);
	if (value != NULL)
		return value;
	size_t n = strlen(text);
	char *out = malloc(4 * n + 1);
	if (out == NULL)
		return NULL;
	const unsigned char *s = (const unsigned char *)text;
	size_t at = 0;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_length(s + i, n - i);
		if (len == 0) {
			at += (size_t)sprintf(out + at, "\\x%02x", s[i]);
			i++;
			continue;
		}
		memcpy(out + at, s + i, len);
		at += len;
		i += len;
	}
	out[at] = '\0';
	value = json_string(out);
	free(out);
	return value;
}

/* Set key of o to a JSON string of text; false when memory runs out. */
static bool set_text(json_t *o, const char *key, const char *text)
{
	json_t *value = json_text(text != NULL ? text : "");
	return value != NULL && json_object_set_new(o, key, value) == 0;
}

static json_t *sightings_json(const struct cert_result *r)
{
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && r != NULL && i < r->n_sightings; i++) {
		const struct store_cert_sighting *g = &r->sightings[i];
		json_t *o = json_pack("{s:I, s:I, s:I}", "time_first", (json_int_t)g->time_first,
		                      "time_last", (json_int_t)g->time_last, "count",
		                      (json_int_t)g->count);
		if (o == NULL || !set_text(o, "kind", g->kind) || !set_text(o, "detail", g->detail) ||
		    json_array_append_new(list, o) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* Set key of o to value, which it takes over; false when value is NULL
 * (memory ran out) or the set fails. */
static bool set_new(json_t *o, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(o, key, value) == 0;
}

static json_t *split_sans(const char *sans)
{
	json_t *list = json_array();
	for (const char *p = sans; list != NULL && *p != '\0';) {
		const char *end = strchr(p, '\n');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		char *name = strndup(p, len);
		json_t *value = name != NULL ? json_text(name) : NULL;
		free(name);
		if (value == NULL || json_array_append_new(list, value) != 0) {
			json_decref(list);
			return NULL;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return list;
}

static json_t *to_json(const struct cert_result *r)
{
	const struct store_cert *c = &r->cert;
	char sha256[65], sha1[41], spki[65], tbs[65];
	hex(c->sha256, 32, sha256);
	hex(c->sha1, 20, sha1);
	hex(c->spki_sha256, 32, spki);
	hex(c->tbs_sha256, 32, tbs);
	/* A partial certificate has no fingerprint. Its key is
	 * store_cert_partial_key(), which exists nowhere outside dragnet. */
	json_t *o = json_object();
	bool ok = o != NULL &&
	          (c->partial ? set_new(o, "sha256", json_null()) &&
	                            set_text(o, "partial_key", sha256)
	                      : set_text(o, "sha256", sha256)) &&
	          set_new(o, "partial", json_boolean(c->partial)) &&
	          set_text(o, "serial", c->serial) && set_text(o, "issuer", c->issuer) &&
	          set_text(o, "subject", c->subject) && set_text(o, "key_type", c->key_type) &&
	          set_text(o, "sig_alg", c->sig_alg) &&
	          set_new(o, "not_before", json_integer(c->not_before)) &&
	          set_new(o, "not_after", json_integer(c->not_after));
	if (ok && !c->partial)
		ok = set_text(o, "sha1", sha1) && set_text(o, "spki_sha256", spki) &&
		     set_text(o, "tbs_sha256", tbs);
	ok = ok && set_new(o, "key_bits", json_integer(c->key_bits)) &&
	     set_text(o, "level", c->level) && set_new(o, "ca", json_boolean(c->is_ca)) &&
	     set_new(o, "self_signed", json_boolean(c->self_signed)) &&
	     set_new(o, "precert", json_boolean(c->precert)) &&
	     set_new(o, "sans", split_sans(c->sans));
	if (ok && c->crtsh_id > 0)
		ok = set_new(o, "crtsh_id", json_integer(c->crtsh_id));
	ok = ok && set_new(o, "sightings", sightings_json(r));
	if (ok && r->paired != NULL) {
		char pre[65];
		hex(r->paired->cert.sha256, 32, pre);
		ok = set_text(o, "precert_sha256", pre) &&
		     set_new(o, "precert_sightings", sightings_json(r->paired));
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

bool cert_list_print(const struct cert_list *list, bool json, FILE *out)
{
	if (json) {
		json_t *all = json_array();
		bool ok = all != NULL;
		for (size_t i = 0; ok && i < list->n; i++)
			if (!list->items[i].hidden)
				ok = json_array_append_new(all, to_json(&list->items[i])) == 0;
		/* Nothing is printed when a certificate is missing from the array. */
		if (ok)
			ok = json_dumpf(all, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF;
		json_decref(all);
		return ok;
	}
	bool first = true;
	for (size_t i = 0; i < list->n; i++) {
		if (list->items[i].hidden)
			continue;
		if (!first)
			fputc('\n', out);
		first = false;
		print_text(&list->items[i], out);
	}
	return true;
}
