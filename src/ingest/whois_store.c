/* Turn parsed WHOIS records into the store's rows, a batch at a time. */
#include "ingest/whois_store.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "whois/document.h"
#include "whois/index.h"

/* Four contacts of five values, a registrar and WHOIS_LIST_MAX nameservers. */
#define INDEX_MAX (WHOIS_ROLE_COUNT * 5 + 1 + WHOIS_LIST_MAX)

struct whois_batch {
	struct arena arena; /* every string of docs and vals */
	struct store_whois *docs;
	size_t n_docs, cap_docs;
	struct store_whois_value *vals;
	size_t n_vals, cap_vals;
	char **owned; /* raw buffers handed over by whois_batch_add_owned() */
	size_t n_owned, cap_owned;
};

static void free_owned(struct whois_batch *b)
{
	for (size_t i = 0; i < b->n_owned; i++)
		free(b->owned[i]);
	b->n_owned = 0;
}

struct whois_batch *whois_batch_new(void)
{
	struct whois_batch *b = calloc(1, sizeof(*b));
	if (b != NULL)
		arena_init(&b->arena, 1 << 20);
	return b;
}

void whois_batch_free(struct whois_batch *b)
{
	if (b == NULL)
		return;
	arena_free(&b->arena);
	free_owned(b);
	free(b->owned);
	free(b->docs);
	free(b->vals);
	free(b);
}

size_t whois_batch_count(const struct whois_batch *b)
{
	return b->n_docs;
}

static const char *keep(struct whois_batch *b, const char *s, size_t len)
{
	char *copy = arena_alloc(&b->arena, len + 1);
	if (copy != NULL) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

static const char *keep_str(struct whois_batch *b, const char *s)
{
	return s != NULL ? keep(b, s, strlen(s)) : NULL;
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

static dn_status add(struct whois_batch *b, uint32_t source_id, const struct whois_record *rec,
                     const char *raw, size_t raw_len, bool raw_kept, int64_t observed,
                     struct dn_error *err)
{
	if (rec->domain == NULL || rec->domain[0] == '\0')
		return dn_fail(err, DN_EINVAL, "the response names no domain");
	struct whois_index_entry entries[INDEX_MAX];
	size_t n = whois_index(rec, entries, INDEX_MAX);
	if (n > INDEX_MAX)
		n = INDEX_MAX;
	if (!grow((void **)&b->docs, &b->cap_docs, b->n_docs + 1, sizeof(*b->docs)) ||
	    !grow((void **)&b->vals, &b->cap_vals, b->n_vals + n, sizeof(*b->vals)))
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of WHOIS records");
	char *doc = whois_document_write(rec);
	if (doc == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a WHOIS document");
	const char *domain = keep_str(b, rec->domain);
	/* The raw text: the caller's buffer when the batch owns it, else a copy. */
	const char *raw_text = "";
	if (raw_kept)
		raw_text = raw;
	else if (raw != NULL)
		raw_text = keep(b, raw, raw_len);
	struct store_whois *row = &b->docs[b->n_docs];
	*row = (struct store_whois){
		.domain = domain,
		.status = whois_status_name(rec->status),
		.document = keep_str(b, doc),
		/* NOTE: the store takes raw as a C string, so a response with a
		 * NUL byte keeps only the text before it (the parser saw all). */
		.raw = raw_text,
		.time_first = observed,
		.time_last = observed,
		.count = 1,
		.source_id = source_id,
	};
	free(doc);
	bool ok = domain != NULL && row->document != NULL && row->raw != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		struct store_whois_value *v = &b->vals[b->n_vals + i];
		*v = (struct store_whois_value){
			.kind = entries[i].kind,
			.value = keep_str(b, entries[i].value),
			.shown = keep_str(b, entries[i].shown),
			.domain = domain,
			.role = entries[i].role,
			.masked = entries[i].masked,
			.time_first = observed,
			.time_last = observed,
		};
		ok = v->value != NULL && (entries[i].shown == NULL || v->shown != NULL);
	}
	if (!ok)
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of WHOIS records");
	b->n_docs++;
	b->n_vals += n;
	return DN_OK;
}

dn_status whois_batch_add(struct whois_batch *b, uint32_t source_id,
                          const struct whois_record *rec, const char *raw, size_t raw_len,
                          int64_t observed, struct dn_error *err)
{
	return add(b, source_id, rec, raw, raw_len, false, observed, err);
}

dn_status whois_batch_add_owned(struct whois_batch *b, uint32_t source_id,
                                const struct whois_record *rec, char *raw, size_t raw_len,
                                int64_t observed, struct dn_error *err)
{
	if (!grow((void **)&b->owned, &b->cap_owned, b->n_owned + 1, sizeof(*b->owned))) {
		free(raw);
		return dn_fail(err, DN_ENOMEM, "out of memory for a batch of WHOIS records");
	}
	b->owned[b->n_owned++] = raw;
	return add(b, source_id, rec, raw, raw_len, true, observed, err);
}

dn_status whois_batch_put(struct whois_batch *b, struct store *store, struct dn_error *err)
{
	dn_status rc = DN_OK;
	if (b->n_docs > 0)
		rc = store_put_whois(store, b->docs, b->n_docs, err);
	if (rc == DN_OK && b->n_vals > 0)
		rc = store_put_whois_values(store, b->vals, b->n_vals, err);
	b->n_docs = 0;
	b->n_vals = 0;
	arena_reset(&b->arena);
	free_owned(b);
	return rc;
}

dn_status whois_store_record(struct store *store, uint32_t source_id,
                             const struct whois_record *rec, const char *raw, size_t raw_len,
                             int64_t observed, struct dn_error *err)
{
	struct whois_batch *b = whois_batch_new();
	if (b == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a WHOIS record");
	dn_status rc = whois_batch_add(b, source_id, rec, raw, raw_len, observed, err);
	if (rc == DN_OK)
		rc = whois_batch_put(b, store, err);
	whois_batch_free(b);
	return rc;
}
