/* Copying IP-to-ASN loads from one store into another: each source's
 * latest load, with its ranges, as one load of the same name and id in the
 * target. */
#include "store/copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

/* Ranges handed to the target per call. */
#define COPY_ASN_BATCH 8192

/* A load of the store copied from, its strings copied. */
struct held_load {
	struct store_asn_load load;
	char source[256];
	char format[16];
	char input[1024];
};

struct load_list {
	struct held_load *items;
	size_t n, size;
};

static dn_status hold_load(const struct store_asn_load *load, void *ctx)
{
	struct load_list *l = ctx;
	if (l->n == l->size) {
		size_t size = l->size > 0 ? l->size * 2 : 16;
		struct held_load *grown = realloc(l->items, size * sizeof(*grown));
		if (grown == NULL)
			return DN_ENOMEM;
		l->items = grown;
		l->size = size;
	}
	struct held_load *h = &l->items[l->n++];
	h->load = *load;
	snprintf(h->source, sizeof(h->source), "%s", load->source != NULL ? load->source : "");
	snprintf(h->format, sizeof(h->format), "%s", load->format != NULL ? load->format : "");
	snprintf(h->input, sizeof(h->input), "%s", load->input != NULL ? load->input : "");
	return DN_OK;
}

/* The ranges of one load on their way to the target. */
struct range_batch {
	struct store *to;
	struct store_asn_load *load; /* with the target's source id */
	struct asn_range ranges[COPY_ASN_BATCH];
	size_t n;
	struct arena text;
	struct dn_error *err;
};

static dn_status flush_batch(struct range_batch *b)
{
	dn_status rc = store_put_asn_ranges(b->to, b->load, b->ranges, b->n, b->err);
	b->load->ranges += b->n;
	b->n = 0;
	arena_reset(&b->text);
	return rc;
}

static const char *keep(struct range_batch *b, const char *text, bool *failed)
{
	if (text == NULL)
		return NULL;
	const char *copy = arena_dup(&b->text, text, strlen(text) + 1);
	*failed |= copy == NULL;
	return copy;
}

static dn_status add_range(const struct asn_range *range, uint32_t source_id, void *ctx)
{
	(void)source_id;
	struct range_batch *b = ctx;
	struct asn_range *r = &b->ranges[b->n];
	bool failed = false;
	*r = *range;
	r->origins = keep(b, range->origins, &failed);
	r->as_org = keep(b, range->as_org, &failed);
	r->isp = keep(b, range->isp, &failed);
	r->organization = keep(b, range->organization, &failed);
	if (failed)
		return dn_fail(b->err, DN_ENOMEM, "out of memory copying ASN ranges");
	if (++b->n == COPY_ASN_BATCH)
		return flush_batch(b);
	return DN_OK;
}

/* Copy one load in one batch of the target, so that the target's source
 * keeps its earlier load when the copy fails. */
static dn_status copy_load(struct store *from, struct store *to, struct held_load *h,
                           struct range_batch *b, uint64_t *ranges, struct dn_error *err)
{
	struct store_asn_load load = h->load;
	load.source = h->source;
	load.format = h->format;
	load.input = h->input;
	load.ranges = 0;
	dn_status rc = store_source_id(to, h->source, "asn", &load.source_id, err);
	if (rc != DN_OK)
		return rc;
	b->load = &load;
	b->n = 0;
	rc = store_begin(to, err);
	if (rc != DN_OK)
		return rc;
	struct store_asn_filter filter = {.source_id = h->load.source_id};
	rc = store_query_asn_ranges(from, &filter, add_range, b, err);
	if (rc == DN_OK && b->n > 0)
		rc = flush_batch(b);
	if (rc == DN_OK)
		rc = store_put_asn_load(to, &load, err);
	if (rc == DN_OK)
		rc = store_commit(to, err);
	else
		store_rollback(to);
	if (rc == DN_OK)
		*ranges += load.ranges;
	return rc;
}

dn_status store_copy_asn(struct store *from, struct store *to, uint64_t *ranges,
                         struct dn_error *err)
{
	struct load_list loads = {0};
	dn_status rc = store_list_asn_loads(from, hold_load, &loads, err);
	if (rc == DN_ENOMEM)
		rc = dn_fail(err, DN_ENOMEM, "out of memory listing ASN loads");
	struct range_batch *b = rc == DN_OK && loads.n > 0 ? malloc(sizeof(*b)) : NULL;
	if (rc == DN_OK && loads.n > 0 && b == NULL)
		rc = dn_fail(err, DN_ENOMEM, "out of memory copying ASN ranges");
	if (b != NULL) {
		b->to = to;
		b->err = err;
		arena_init(&b->text, 1u << 20);
	}
	for (size_t i = 0; rc == DN_OK && i < loads.n; i++)
		rc = copy_load(from, to, &loads.items[i], b, ranges, err);
	if (b != NULL)
		arena_free(&b->text);
	free(b);
	free(loads.items);
	return rc;
}
