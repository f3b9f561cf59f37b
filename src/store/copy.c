/* Copying everything one store contains into another, whatever their backends. */
#include "store/copy.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

/* A source's id in the store copied from and in the store copied to. */
struct source_pair {
	uint32_t from;
	uint32_t to;
};

struct copy {
	struct store *from;
	struct store *to;
	const struct store_copy_options *options;
	size_t batch;
	struct dn_error *err;
	struct store_copy_counts done;

	struct source_pair *sources;     /* sorted by from once all are listed */
	size_t nsources;
	size_t sources_size;

	struct arena text;               /* strings of the rows in the open batch */
	struct pdns_record *rrsets;
	struct pdns_negative *negatives;
	struct store_whois *whois;
	struct store_whois_value *whois_values;
	struct store_cert *certs;
	struct store_cert_name *cert_names;
	struct store_cert_sighting *cert_sightings;
	size_t nrows;                    /* rows waiting in the array of the kind copied */
};

/* What a batch holds: one kind of row at a time. */
enum copy_kind {
	COPY_RRSETS,
	COPY_NEGATIVES,
	COPY_WHOIS,
	COPY_WHOIS_VALUES,
	COPY_CERTS,
	COPY_CERT_NAMES,
	COPY_CERT_SIGHTINGS,
};

/* A batch is written early once its strings take this many bytes, as WHOIS
 * documents carry their raw responses. */
#define COPY_TEXT_MAX (64u << 20)

static bool stop_requested(const struct copy *c)
{
	return c->options->stop != NULL && *c->options->stop;
}

static void report(struct copy *c)
{
	if (c->options->progress != NULL)
		c->options->progress(&c->done, c->options->progress_ctx);
}

/* ---- Sources ---- */

static dn_status add_source(uint32_t id, const char *name, const char *kind, void *ctx)
{
	struct copy *c = ctx;
	if (c->nsources == c->sources_size) {
		size_t size = c->sources_size > 0 ? c->sources_size * 2 : 64;
		struct source_pair *grown = realloc(c->sources, size * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(c->err, DN_ENOMEM, "out of memory listing %zu sources",
			               c->nsources);
		c->sources = grown;
		c->sources_size = size;
	}
	uint32_t target_id;
	dn_status rc = store_source_id(c->to, name, kind, &target_id, c->err);
	if (rc != DN_OK)
		return rc;
	c->sources[c->nsources].from = id;
	c->sources[c->nsources].to = target_id;
	c->nsources++;
	c->done.sources++;
	return DN_OK;
}

static int compare_pairs(const void *a, const void *b)
{
	const struct source_pair *x = a;
	const struct source_pair *y = b;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* The target's id for the source store's source id. */
static dn_status map_source(struct copy *c, uint32_t from, uint32_t *to, const char *what)
{
	struct source_pair key = {.from = from};
	const struct source_pair *found =
		bsearch(&key, c->sources, c->nsources, sizeof(key), compare_pairs);
	if (found == NULL)
		return dn_fail(c->err, DN_ESTORE,
		               "the store copied from returned %s of source id %u, which it does "
		               "not list among its sources",
		               what, from);
	*to = found->to;
	return DN_OK;
}

/* ---- Records, negative answers and WHOIS ---- */

static dn_status put_rows(struct copy *c, enum copy_kind kind)
{
	switch (kind) {
	case COPY_RRSETS:
		return store_put_rrsets(c->to, c->rrsets, c->nrows, c->err);
	case COPY_NEGATIVES:
		return store_put_negatives(c->to, c->negatives, c->nrows, c->err);
	case COPY_WHOIS:
		return store_put_whois(c->to, c->whois, c->nrows, c->err);
	case COPY_WHOIS_VALUES:
		return store_put_whois_values(c->to, c->whois_values, c->nrows, c->err);
	case COPY_CERTS:
		return store_put_certs(c->to, c->certs, c->nrows, c->err);
	case COPY_CERT_NAMES:
		return store_put_cert_names(c->to, c->cert_names, c->nrows, c->err);
	case COPY_CERT_SIGHTINGS:
		return store_put_cert_sightings(c->to, c->cert_sightings, c->nrows, c->err);
	}
	return dn_fail(c->err, DN_EINVAL, "unknown kind of row to copy");
}

static void count_rows(struct copy *c, enum copy_kind kind)
{
	switch (kind) {
	case COPY_RRSETS:
		c->done.rrset_rows += c->nrows;
		break;
	case COPY_NEGATIVES:
		c->done.negative_rows += c->nrows;
		break;
	case COPY_WHOIS:
		c->done.whois_rows += c->nrows;
		break;
	case COPY_WHOIS_VALUES:
		c->done.whois_value_rows += c->nrows;
		break;
	case COPY_CERTS:
		c->done.certs += c->nrows;
		break;
	case COPY_CERT_NAMES:
		c->done.cert_name_rows += c->nrows;
		break;
	case COPY_CERT_SIGHTINGS:
		c->done.cert_sighting_rows += c->nrows;
		break;
	}
}

/* Write the waiting rows in one transaction. */
static dn_status write_batch(struct copy *c, enum copy_kind kind)
{
	if (c->nrows == 0)
		return DN_OK;
	dn_status rc = store_begin(c->to, c->err);
	if (rc != DN_OK)
		return rc;
	rc = put_rows(c, kind);
	if (rc == DN_OK)
		rc = store_commit(c->to, c->err);
	if (rc != DN_OK) {
		store_rollback(c->to);
		return rc;
	}
	count_rows(c, kind);
	c->nrows = 0;
	arena_reset(&c->text);
	report(c);
	return DN_OK;
}

/* Write the batch when it is full, before a row of kind is added. */
static dn_status make_room(struct copy *c, enum copy_kind kind)
{
	if (stop_requested(c))
		return DN_EINTR;
	if (c->nrows == c->batch || c->text.allocated >= COPY_TEXT_MAX)
		return write_batch(c, kind);
	return DN_OK;
}

/* Copy a string into the batch's arena; NULL stays NULL. */
static const char *keep(struct copy *c, const char *text, bool *failed)
{
	if (text == NULL)
		return NULL;
	const char *copy = arena_dup(&c->text, text, strlen(text) + 1);
	if (copy == NULL)
		*failed = true;
	return copy;
}

static dn_status add_rrset(const struct pdns_record *rec, void *ctx)
{
	struct copy *c = ctx;
	dn_status rc = make_room(c, COPY_RRSETS);
	if (rc != DN_OK)
		return rc;

	struct pdns_record *r = &c->rrsets[c->nrows];
	*r = *rec;
	r->source_count = 0;
	rc = map_source(c, rec->source_id, &r->source_id, "a record");
	if (rc != DN_OK)
		return rc;
	bool failed = false;
	r->rrname = keep(c, rec->rrname, &failed);
	r->bailiwick = keep(c, rec->bailiwick, &failed);
	r->rdata = keep(c, rec->rdata, &failed);
	r->rdata_name = keep(c, rec->rdata_name, &failed);
	if (failed)
		return dn_fail(c->err, DN_ENOMEM, "out of memory copying a record of %s",
		               rec->rrname);
	c->nrows++;
	return DN_OK;
}

static dn_status add_negative(const struct pdns_negative *neg, void *ctx)
{
	struct copy *c = ctx;
	dn_status rc = make_room(c, COPY_NEGATIVES);
	if (rc != DN_OK)
		return rc;

	struct pdns_negative *n = &c->negatives[c->nrows];
	*n = *neg;
	n->source_count = 0;
	rc = map_source(c, neg->source_id, &n->source_id, "a negative answer");
	if (rc != DN_OK)
		return rc;
	bool failed = false;
	n->qname = keep(c, neg->qname, &failed);
	n->bailiwick = keep(c, neg->bailiwick, &failed);
	if (failed)
		return dn_fail(c->err, DN_ENOMEM, "out of memory copying a negative answer of %s",
		               neg->qname);
	c->nrows++;
	return DN_OK;
}

static dn_status add_whois(const struct store_whois *doc, void *ctx)
{
	struct copy *c = ctx;
	dn_status rc = make_room(c, COPY_WHOIS);
	if (rc != DN_OK)
		return rc;

	struct store_whois *d = &c->whois[c->nrows];
	*d = *doc;
	rc = map_source(c, doc->source_id, &d->source_id, "a WHOIS document");
	if (rc != DN_OK)
		return rc;
	bool failed = false;
	d->domain = keep(c, doc->domain, &failed);
	d->status = keep(c, doc->status, &failed);
	d->document = keep(c, doc->document, &failed);
	d->raw = keep(c, doc->raw, &failed);
	if (failed)
		return dn_fail(c->err, DN_ENOMEM, "out of memory copying a WHOIS document of %s",
		               doc->domain);
	c->nrows++;
	return DN_OK;
}

static dn_status add_whois_value(const struct store_whois_value *val, void *ctx)
{
	struct copy *c = ctx;
	dn_status rc = make_room(c, COPY_WHOIS_VALUES);
	if (rc != DN_OK)
		return rc;

	struct store_whois_value *v = &c->whois_values[c->nrows];
	*v = *val;
	bool failed = false;
	v->kind = keep(c, val->kind, &failed);
	v->value = keep(c, val->value, &failed);
	v->shown = keep(c, val->shown, &failed);
	v->domain = keep(c, val->domain, &failed);
	v->role = keep(c, val->role, &failed);
	if (failed)
		return dn_fail(c->err, DN_ENOMEM, "out of memory copying a WHOIS value of %s",
		               val->domain);
	c->nrows++;
	return DN_OK;
}

static dn_status add_cert(const struct store_cert *cert, void *ctx)
{
	struct copy *c = ctx;
	dn_status rc = make_room(c, COPY_CERTS);
	if (rc != DN_OK)
		return rc;

	struct store_cert *t = &c->certs[c->nrows];
	*t = *cert;
	bool failed = false;
	t->serial = keep(c, cert->serial, &failed);
	t->issuer = keep(c, cert->issuer, &failed);
	t->subject = keep(c, cert->subject, &failed);
	t->sans = keep(c, cert->sans, &failed);
	t->key_type = keep(c, cert->key_type, &failed);
	t->sig_alg = keep(c, cert->sig_alg, &failed);
	t->level = keep(c, cert->level, &failed);
	if (cert->der != NULL && cert->der_len > 0) {
		t->der = arena_dup(&c->text, cert->der, cert->der_len);
		failed = failed || t->der == NULL;
	}
	if (failed)
		return dn_fail(c->err, DN_ENOMEM, "out of memory copying a certificate");
	c->nrows++;
	return DN_OK;
}

static dn_status add_cert_name(const struct store_cert_name *name, void *ctx)
{
	struct copy *c = ctx;
	dn_status rc = make_room(c, COPY_CERT_NAMES);
	if (rc != DN_OK)
		return rc;

	struct store_cert_name *t = &c->cert_names[c->nrows];
	*t = *name;
	bool failed = false;
	t->kind = keep(c, name->kind, &failed);
	t->value = keep(c, name->value, &failed);
	if (failed)
		return dn_fail(c->err, DN_ENOMEM, "out of memory copying a certificate search key");
	c->nrows++;
	return DN_OK;
}

static dn_status add_cert_sighting(const struct store_cert_sighting *sighting, void *ctx)
{
	struct copy *c = ctx;
	dn_status rc = make_room(c, COPY_CERT_SIGHTINGS);
	if (rc != DN_OK)
		return rc;

	struct store_cert_sighting *t = &c->cert_sightings[c->nrows];
	*t = *sighting;
	rc = map_source(c, sighting->source_id, &t->source_id, "a certificate sighting");
	if (rc != DN_OK)
		return rc;
	bool failed = false;
	t->kind = keep(c, sighting->kind, &failed);
	t->detail = keep(c, sighting->detail, &failed);
	if (failed)
		return dn_fail(c->err, DN_ENOMEM, "out of memory copying a certificate sighting");
	c->nrows++;
	return DN_OK;
}

static dn_status copy_certs(struct copy *c)
{
	dn_status rc = store_dump_certs(c->from, add_cert, c, c->err);
	if (rc == DN_OK)
		rc = write_batch(c, COPY_CERTS);
	if (rc == DN_OK)
		rc = store_dump_cert_names(c->from, add_cert_name, c, c->err);
	if (rc == DN_OK)
		rc = write_batch(c, COPY_CERT_NAMES);
	if (rc == DN_OK)
		rc = store_dump_cert_sightings(c->from, add_cert_sighting, c, c->err);
	if (rc == DN_OK)
		rc = write_batch(c, COPY_CERT_SIGHTINGS);
	return rc;
}

/* ---- Runs ---- */

static dn_status add_run(const struct store_run *run, void *ctx)
{
	struct copy *c = ctx;
	if (stop_requested(c))
		return DN_EINTR;
	struct store_run copy = *run;
	copy.id = 0;
	copy.owner = 0;
	dn_status rc = map_source(c, run->source_id, &copy.source_id, "a run");
	if (rc != DN_OK)
		return rc;
	rc = store_put_run(c->to, &copy, c->err);
	if (rc == DN_OK)
		c->done.runs++;
	return rc;
}

static dn_status copy_runs(struct copy *c)
{
	dn_status rc = store_begin(c->to, c->err);
	if (rc != DN_OK)
		return rc;
	rc = store_list_runs(c->from, add_run, c, c->err);
	if (rc == DN_OK)
		rc = store_commit(c->to, c->err);
	if (rc != DN_OK) {
		store_rollback(c->to);
		c->done.runs = 0;
		return rc;
	}
	report(c);
	return DN_OK;
}

/* ---- The whole copy ---- */

static dn_status copy_all(struct copy *c)
{
	dn_status rc = store_list_sources(c->from, add_source, c, c->err);
	if (rc != DN_OK)
		return rc;
	qsort(c->sources, c->nsources, sizeof(c->sources[0]), compare_pairs);
	report(c);

	rc = store_dump_rrsets(c->from, add_rrset, c, c->err);
	if (rc == DN_OK)
		rc = write_batch(c, COPY_RRSETS);
	if (rc != DN_OK)
		return rc;

	rc = store_dump_negatives(c->from, add_negative, c, c->err);
	if (rc == DN_OK)
		rc = write_batch(c, COPY_NEGATIVES);
	if (rc != DN_OK)
		return rc;

	rc = store_dump_whois(c->from, add_whois, c, c->err);
	if (rc == DN_OK)
		rc = write_batch(c, COPY_WHOIS);
	if (rc != DN_OK)
		return rc;

	rc = store_dump_whois_values(c->from, add_whois_value, c, c->err);
	if (rc == DN_OK)
		rc = write_batch(c, COPY_WHOIS_VALUES);
	if (rc == DN_OK)
		rc = copy_certs(c);
	if (rc != DN_OK)
		return rc;

	if (stop_requested(c))
		return DN_EINTR;
	rc = store_copy_asn(c->from, c->to, &c->done.asn_ranges, c->err);
	if (rc != DN_OK)
		return rc;
	rc = copy_runs(c);
	/* A target with a spool holds the copy only once the spool is empty. */
	return rc == DN_OK ? store_sync(c->to, c->err) : rc;
}

dn_status store_copy(struct store *from, struct store *to, const struct store_copy_options *options,
                     struct store_copy_counts *done, struct dn_error *err)
{
	static const struct store_copy_options defaults = {0};
	struct copy c = {
		.from = from,
		.to = to,
		.options = options != NULL ? options : &defaults,
		.err = err,
	};
	c.batch = c.options->batch > 0 ? c.options->batch : STORE_COPY_BATCH;
	arena_init(&c.text, 1 << 20);
	c.rrsets = malloc(c.batch * sizeof(*c.rrsets));
	c.negatives = malloc(c.batch * sizeof(*c.negatives));
	c.whois = malloc(c.batch * sizeof(*c.whois));
	c.whois_values = malloc(c.batch * sizeof(*c.whois_values));
	c.certs = malloc(c.batch * sizeof(*c.certs));
	c.cert_names = malloc(c.batch * sizeof(*c.cert_names));
	c.cert_sightings = malloc(c.batch * sizeof(*c.cert_sightings));

	dn_status rc;
	if (c.rrsets == NULL || c.negatives == NULL || c.whois == NULL || c.whois_values == NULL ||
	    c.certs == NULL || c.cert_names == NULL || c.cert_sightings == NULL)
		rc = dn_fail(err, DN_ENOMEM, "out of memory for a batch of %zu rows", c.batch);
	else
		rc = copy_all(&c);
	if (rc == DN_EINTR)
		dn_fail(err, DN_EINTR, "interrupted");

	if (done != NULL)
		*done = c.done;
	free(c.rrsets);
	free(c.negatives);
	free(c.whois);
	free(c.whois_values);
	free(c.certs);
	free(c.cert_names);
	free(c.cert_sightings);
	free(c.sources);
	arena_free(&c.text);
	return rc;
}
