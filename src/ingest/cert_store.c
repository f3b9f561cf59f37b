/* Turn parsed certificates into the store's rows, a batch at a time, and
 * import certificate files. */
#include "ingest/cert_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "x509/ct.h"
#include "x509/pem.h"

struct cert_batch {
	struct arena arena; /* parsed certificates and every string of the rows */
	struct store_cert *certs;
	size_t n_certs, cap_certs;
	struct store_cert_name *names;
	size_t n_names, cap_names;
	struct store_cert_sighting *sightings;
	size_t n_sightings, cap_sightings;
};

struct cert_batch *cert_batch_new(void)
{
	struct cert_batch *b = calloc(1, sizeof(*b));
	if (b != NULL)
		arena_init(&b->arena, 1 << 20);
	return b;
}

void cert_batch_free(struct cert_batch *b)
{
	if (b == NULL)
		return;
	arena_free(&b->arena);
	free(b->certs);
	free(b->names);
	free(b->sightings);
	free(b);
}

struct arena *cert_batch_arena(struct cert_batch *b)
{
	return &b->arena;
}

size_t cert_batch_count(const struct cert_batch *b)
{
	return b->n_certs;
}

size_t cert_batch_memory(const struct cert_batch *b)
{
	return b->arena.allocated + b->cap_certs * sizeof(*b->certs) +
	       b->cap_names * sizeof(*b->names) + b->cap_sightings * sizeof(*b->sightings);
}

static bool grow(void **items, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap : 256;
	while (n < need)
		n *= 2;
	void *grown = realloc(*items, n * size);
	if (grown == NULL)
		return false;
	*items = grown;
	*cap = n;
	return true;
}

static char *keep(struct arena *a, const char *text, size_t len)
{
	char *copy = arena_alloc(a, len + 1);
	if (copy != NULL) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	return copy;
}

/* ---- Search keys ---- */

/* name with its labels in reverse order and no trailing dot:
 * "www.example.com" becomes "com.example.www", so that the names under a
 * domain share a prefix. */
static char *reverse_labels(struct arena *a, const char *name)
{
	size_t len = strlen(name);
	while (len > 0 && name[len - 1] == '.')
		len--;
	char *out = arena_alloc(a, len + 1);
	if (out == NULL)
		return NULL;
	size_t at = 0;
	size_t end = len;
	while (end > 0) {
		size_t start = end;
		while (start > 0 && name[start - 1] != '.')
			start--;
		memcpy(out + at, name + start, end - start);
		at += end - start;
		if (start > 0)
			out[at++] = '.';
		end = start > 0 ? start - 1 : 0;
	}
	out[at] = '\0';
	return out;
}

/* A subject CN that names a host: no spaces, at least one dot. */
static bool looks_like_host(const char *cn)
{
	return strchr(cn, '.') != NULL && strpbrk(cn, " \t,/:@") == NULL;
}

static char *lower_copy(struct arena *a, const char *text)
{
	size_t len = strlen(text);
	char *out = keep(a, text, len);
	if (out != NULL)
		for (size_t i = 0; i < len; i++)
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

typedef dn_status (*name_fn)(const char *kind, const char *value, void *ctx);

static dn_status add_attrs(const struct x509_name *name, const char *prefix, struct arena *a,
                           name_fn fn, void *ctx, struct dn_error *err)
{
	for (size_t i = 0; i < name->n_attrs; i++) {
		char kind[160];
		snprintf(kind, sizeof(kind), "%s.%s", prefix, name->attrs[i].key);
		char *kept = keep(a, kind, strlen(kind));
		if (kept == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory indexing a certificate");
		dn_status rc = fn(kept, name->attrs[i].value, ctx);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

static dn_status add_hex(const char *kind, const uint8_t *bytes, size_t n, struct arena *a,
                         name_fn fn, void *ctx, struct dn_error *err)
{
	char *hex = arena_alloc(a, 2 * n + 1);
	if (hex == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory indexing a certificate");
	x509_hex(bytes, n, hex);
	return fn(kind, hex, ctx);
}

static dn_status add_dns(const char *name, struct arena *a, name_fn fn, void *ctx,
                         struct dn_error *err)
{
	char *lower = lower_copy(a, name);
	char *rev = lower != NULL ? reverse_labels(a, lower) : NULL;
	if (rev == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory indexing a certificate");
	return fn("dns", rev, ctx);
}

/* Whether name is one of the certificate's DNS SANs, ignoring case. */
static bool in_san_dns(const struct x509_cert *c, const char *name)
{
	for (size_t i = 0; i < c->n_san_dns; i++)
		if (strcasecmp(c->san_dns[i], name) == 0)
			return true;
	return false;
}

dn_status cert_index_names(const struct x509_cert *c, struct arena *a, name_fn fn, void *ctx,
                           struct dn_error *err)
{
	dn_status rc = DN_OK;
	for (size_t i = 0; i < c->n_san_dns && rc == DN_OK; i++)
		rc = add_dns(c->san_dns[i], a, fn, ctx, err);
	for (size_t i = 0; i < c->n_san_ip && rc == DN_OK; i++)
		rc = fn("ip", c->san_ip[i], ctx);
	for (size_t i = 0; i < c->n_san_email && rc == DN_OK; i++)
		rc = fn("email", c->san_email[i], ctx);
	/* The subject CN is a name the certificate covers, for clients that
	 * still read it, when it names a host. Most CNs repeat a SAN, which
	 * gave the key already. */
	for (size_t i = 0; i < c->subject.n_attrs && rc == DN_OK; i++) {
		const struct x509_attr *attr = &c->subject.attrs[i];
		if (strcmp(attr->key, "CN") == 0 && looks_like_host(attr->value) &&
		    !in_san_dns(c, attr->value))
			rc = add_dns(attr->value, a, fn, ctx, err);
	}
	if (rc == DN_OK && c->issuer.dn != NULL)
		rc = fn("issuer", c->issuer.dn, ctx);
	if (rc == DN_OK && c->subject.dn != NULL)
		rc = fn("subject", c->subject.dn, ctx);
	if (rc == DN_OK)
		rc = add_attrs(&c->issuer, "issuer", a, fn, ctx, err);
	if (rc == DN_OK)
		rc = add_attrs(&c->subject, "subject", a, fn, ctx, err);
	if (rc == DN_OK && c->self_signed && c->issuer.dn != NULL)
		rc = fn("ss-issuer", c->issuer.dn, ctx);
	for (size_t i = 0; c->self_signed && i < c->issuer.n_attrs && rc == DN_OK; i++)
		if (strcmp(c->issuer.attrs[i].key, "O") == 0)
			rc = fn("ss-issuer.O", c->issuer.attrs[i].value, ctx);
	if (rc == DN_OK)
		rc = add_hex("sha1", c->sha1, sizeof(c->sha1), a, fn, ctx, err);
	if (rc == DN_OK)
		rc = add_hex("spki", c->spki_sha256, sizeof(c->spki_sha256), a, fn, ctx, err);
	if (rc == DN_OK)
		rc = add_hex("tbs", c->tbs_sha256, sizeof(c->tbs_sha256), a, fn, ctx, err);
	if (rc == DN_OK && c->serial != NULL)
		rc = fn("serial", c->serial, ctx);
	return rc;
}

/* ---- The batch ---- */

struct name_sink {
	struct cert_batch *batch;
	const uint8_t *sha256;
};

static dn_status sink_name(const char *kind, const char *value, void *ctx)
{
	struct name_sink *sink = ctx;
	struct cert_batch *b = sink->batch;
	if (!grow((void **)&b->names, &b->cap_names, b->n_names + 1, sizeof(*b->names)))
		return DN_ENOMEM;
	struct store_cert_name *n = &b->names[b->n_names++];
	n->kind = kind;
	n->value = value;
	memcpy(n->sha256, sink->sha256, 32);
	return DN_OK;
}

/* "DNS:name", "IP:address" and "email:address" lines. */
static const char *sans_text(struct arena *a, const struct x509_cert *c)
{
	size_t len = 1;
	for (size_t i = 0; i < c->n_san_dns; i++)
		len += strlen(c->san_dns[i]) + 5;
	for (size_t i = 0; i < c->n_san_ip; i++)
		len += strlen(c->san_ip[i]) + 4;
	for (size_t i = 0; i < c->n_san_email; i++)
		len += strlen(c->san_email[i]) + 7;
	char *out = arena_alloc(a, len);
	if (out == NULL)
		return NULL;
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < c->n_san_dns; i++)
		at += (size_t)snprintf(out + at, len - at, "%sDNS:%s", at > 0 ? "\n" : "",
		                       c->san_dns[i]);
	for (size_t i = 0; i < c->n_san_ip; i++)
		at += (size_t)snprintf(out + at, len - at, "%sIP:%s", at > 0 ? "\n" : "",
		                       c->san_ip[i]);
	for (size_t i = 0; i < c->n_san_email; i++)
		at += (size_t)snprintf(out + at, len - at, "%semail:%s", at > 0 ? "\n" : "",
		                       c->san_email[i]);
	return out;
}

static dn_status add_sighting(struct cert_batch *b, const uint8_t sha256[32], const char *kind,
                              const char *detail, int64_t seen, uint32_t source_id,
                              struct dn_error *err)
{
	if (!grow((void **)&b->sightings, &b->cap_sightings, b->n_sightings + 1,
	          sizeof(*b->sightings)))
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of certificates");
	const char *kept = keep(&b->arena, detail, strlen(detail));
	if (kept == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of certificates");
	struct store_cert_sighting *g = &b->sightings[b->n_sightings++];
	*g = (struct store_cert_sighting){
		.kind = kind,
		.detail = kept,
		.time_first = seen,
		.time_last = seen,
		.count = 1,
		.source_id = source_id,
	};
	memcpy(g->sha256, sha256, 32);
	return DN_OK;
}

dn_status cert_batch_add(struct cert_batch *b, const struct x509_cert *cert, const char *kind,
                         const char *detail, int64_t seen, uint32_t source_id,
                         struct dn_error *err)
{
	if (!grow((void **)&b->certs, &b->cap_certs, b->n_certs + 1, sizeof(*b->certs)))
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of certificates");
	const char *sans = sans_text(&b->arena, cert);
	if (sans == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of certificates");
	struct store_cert *row = &b->certs[b->n_certs];
	*row = (struct store_cert){
		.serial = cert->serial,
		.issuer = cert->issuer.dn,
		.subject = cert->subject.dn,
		.sans = sans,
		.not_before = cert->not_before,
		.not_after = cert->not_after,
		.key_type = cert->key_type,
		.key_bits = cert->key_bits,
		.sig_alg = cert->sig_alg,
		.level = x509_level_name(cert->level),
		.is_ca = cert->is_ca,
		.self_signed = cert->self_signed,
		.precert = cert->precert,
		.der = cert->der,
		.der_len = cert->der_len,
	};
	memcpy(row->sha256, cert->sha256, 32);
	memcpy(row->sha1, cert->sha1, 20);
	memcpy(row->spki_sha256, cert->spki_sha256, 32);
	memcpy(row->tbs_sha256, cert->tbs_sha256, 32);

	size_t names_before = b->n_names;
	struct name_sink sink = {b, cert->sha256};
	dn_status rc = cert_index_names(cert, &b->arena, sink_name, &sink, err);
	if (rc == DN_ENOMEM && err->msg[0] == '\0')
		dn_fail(err, DN_ENOMEM, "out of memory for a batch of certificates");
	if (rc == DN_OK)
		rc = add_sighting(b, cert->sha256, kind, detail, seen, source_id, err);
	if (rc != DN_OK) {
		b->n_names = names_before;
		return rc;
	}
	b->n_certs++;
	return DN_OK;
}

dn_status cert_batch_add_crtsh(struct cert_batch *b, const struct crtsh_entry *e,
                               const char *detail, uint32_t source_id, struct dn_error *err)
{
	if (e->serial_number == NULL || e->issuer_name == NULL)
		return dn_fail(err, DN_EINVAL, "entry %zu (crt.sh id %" PRId64 ") lacks its %s",
		               e->position, e->id, e->serial_number == NULL ? "serial" : "issuer");
	if (!grow((void **)&b->certs, &b->cap_certs, b->n_certs + 1, sizeof(*b->certs)))
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of certificates");
	struct arena *a = &b->arena;
	/* The RFC 4514 form gives the key of the full certificate. When the
	 * name does not convert, crt.sh's form is kept, and no full
	 * certificate will match it. */
	const char *issuer = e->issuer_dn != NULL ? e->issuer_dn : e->issuer_name;
	issuer = keep(a, issuer, strlen(issuer));
	const char *serial = keep(a, e->serial_number, strlen(e->serial_number));
	char subject_text[1100];
	bool has_cn = e->common_name != NULL && e->common_name[0] != '\0';
	snprintf(subject_text, sizeof(subject_text), "%s%s", has_cn ? "CN=" : "",
	         has_cn ? e->common_name : "");
	const char *subject = keep(a, subject_text, strlen(subject_text));

	size_t sans_len = 1;
	for (size_t i = 0; i < e->n_names; i++)
		sans_len += strlen(e->names[i]) + 5;
	char *sans = arena_alloc(a, sans_len);
	if (issuer == NULL || serial == NULL || subject == NULL || sans == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of certificates");
	size_t at = 0;
	sans[0] = '\0';
	for (size_t i = 0; i < e->n_names; i++)
		at += (size_t)snprintf(sans + at, sans_len - at, "%sDNS:%s", at > 0 ? "\n" : "",
		                       e->names[i]);

	struct store_cert *row = &b->certs[b->n_certs];
	*row = (struct store_cert){
		.partial = true,
		.serial = serial,
		.issuer = issuer,
		.subject = subject,
		.sans = sans,
		.not_before = e->not_before != CRTSH_NO_TIME ? e->not_before : 0,
		.not_after = e->not_after != CRTSH_NO_TIME ? e->not_after : 0,
		.key_type = "",
		.sig_alg = "",
		.level = "unknown",
		.crtsh_id = e->id > 0 ? e->id : 0,
	};
	store_cert_partial_key(issuer, serial, row->sha256);

	size_t names_before = b->n_names;
	struct name_sink sink = {b, row->sha256};
	dn_status rc = DN_OK;
	for (size_t i = 0; i < e->n_names && rc == DN_OK; i++)
		rc = add_dns(e->names[i], a, sink_name, &sink, err);
	if (rc == DN_OK)
		rc = sink_name("issuer", issuer, &sink);
	if (rc == DN_OK)
		rc = sink_name("serial", serial, &sink);
	int64_t seen = e->entry_timestamp != CRTSH_NO_TIME ? e->entry_timestamp : row->not_before;
	if (rc == DN_OK)
		rc = add_sighting(b, row->sha256, "crtsh", detail, seen, source_id, err);
	if (rc != DN_OK) {
		b->n_names = names_before;
		return rc == DN_ENOMEM && err->msg[0] == '\0'
		               ? dn_fail(err, DN_ENOMEM, "out of memory for a batch of certificates")
		               : rc;
	}
	b->n_certs++;
	return DN_OK;
}

dn_status cert_batch_put(struct cert_batch *b, struct store *store, struct dn_error *err)
{
	dn_status rc = DN_OK;
	if (store == NULL)
		b->n_certs = 0;
	if (b->n_certs > 0)
		rc = store_put_certs(store, b->certs, b->n_certs, err);
	if (rc == DN_OK && store != NULL && b->n_names > 0)
		rc = store_put_cert_names(store, b->names, b->n_names, err);
	if (rc == DN_OK && store != NULL && b->n_sightings > 0)
		rc = store_put_cert_sightings(store, b->sightings, b->n_sightings, err);
	b->n_certs = 0;
	b->n_names = 0;
	b->n_sightings = 0;
	arena_reset(&b->arena);
	return rc;
}
