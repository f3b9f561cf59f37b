/* The IP-to-ASN lookup table. The build cuts the address space at every
 * range's first address and one past its last, keeps for each piece the
 * smallest range that covers it, and joins neighbours with the same
 * winner. IPv4 lookups then search an array of 32-bit starts, after a
 * directory on the first 16 bits narrows the search to the segments of
 * that /16. IPv6 lookups search the first 64 bits of each start, after a
 * directory on the first 20 bits, and compare whole starts only among
 * segments whose first 64 bits are equal. */
#include "asn/table.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

typedef unsigned __int128 u128;

#define NO_ENTRY UINT32_MAX
#define DIRECTORY_SIZE (65536 + 1)
#define V6_DIRECTORY_BITS 20
#define V6_DIRECTORY_SIZE ((1u << V6_DIRECTORY_BITS) + 1)

struct pending {
	u128 lo, hi;
	uint64_t rank;
	uint32_t index; /* into entries; the order of adding */
};

struct asn_table {
	struct arena text;
	struct asn_entry *entries;
	struct pending *pending;
	size_t nentries, entries_size;
	bool built;

	/* IPv4: starts of the segments within ::ffff:0:0/96, as 32-bit
	 * addresses; the first is 0. */
	uint32_t *v4_start;
	uint32_t *v4_entry;
	size_t nv4;
	uint32_t v4_dir[DIRECTORY_SIZE]; /* first segment whose start is >= b << 16 */

	/* Every address, IPv4-mapped ones too; the first start is 0. */
	u128 *v6_start;
	uint64_t *v6_high;  /* the first 64 bits of each start */
	uint32_t *v6_entry;
	size_t nv6;
	uint32_t *v6_dir;   /* V6_DIRECTORY_SIZE: first segment whose start is >= b << 108 */
};

static u128 key_to_u128(const ip_key *key)
{
	u128 v = 0;
	for (int i = 0; i < 16; i++)
		v = (v << 8) | key->b[i];
	return v;
}

struct asn_table *asn_table_new(void)
{
	struct asn_table *t = calloc(1, sizeof(*t));
	if (t != NULL)
		arena_init(&t->text, 1u << 20);
	return t;
}

static const char *copy_text(struct asn_table *t, const char *text)
{
	if (text == NULL)
		return NULL;
	return arena_dup(&t->text, text, strlen(text) + 1);
}

dn_status asn_table_add(struct asn_table *t, const struct asn_range *range, uint32_t source_id,
                        const char *source, uint64_t rank, struct dn_error *err)
{
	if (t->built)
		return dn_fail(err, DN_EINVAL, "the ASN table is already built");
	u128 lo = key_to_u128(&range->lo), hi = key_to_u128(&range->hi);
	if (lo > hi)
		return dn_fail(err, DN_EINVAL, "range ends before it starts");
	if (t->nentries == t->entries_size) {
		size_t size = t->entries_size > 0 ? t->entries_size * 2 : 1024;
		struct asn_entry *entries = realloc(t->entries, size * sizeof(*entries));
		if (entries == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory adding ASN range %zu", t->nentries);
		t->entries = entries;
		struct pending *pending = realloc(t->pending, size * sizeof(*pending));
		if (pending == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory adding ASN range %zu", t->nentries);
		t->pending = pending;
		t->entries_size = size;
	}

	struct asn_entry *e = &t->entries[t->nentries];
	e->range = *range;
	e->range.origins = copy_text(t, range->origins);
	e->range.as_org = copy_text(t, range->as_org);
	e->range.isp = copy_text(t, range->isp);
	e->range.organization = copy_text(t, range->organization);
	e->source_id = source_id;
	e->source = copy_text(t, source != NULL ? source : "");
	if ((range->origins != NULL && e->range.origins == NULL) ||
	    (range->as_org != NULL && e->range.as_org == NULL) ||
	    (range->isp != NULL && e->range.isp == NULL) ||
	    (range->organization != NULL && e->range.organization == NULL) || e->source == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory adding ASN range %zu", t->nentries);
	t->pending[t->nentries] = (struct pending){lo, hi, rank, (uint32_t)t->nentries};
	t->nentries++;
	return DN_OK;
}

/* ---- Build ---- */

static int compare_lo(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int compare_u128(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;
	return x < y ? -1 : x > y;
}

/* True when a should win over b where both cover an address. */
static bool wins(const struct pending *a, const struct pending *b)
{
	u128 size_a = a->hi - a->lo, size_b = b->hi - b->lo;
	if (size_a != size_b)
		return size_a < size_b;
	if (a->rank != b->rank)
		return a->rank > b->rank;
	return a->index > b->index;
}

/* A binary heap of the ranges that start at or before the sweep point,
 * the winner on top. Ranges that ended are removed only once they reach
 * the top. */
struct heap {
	const struct pending **items;
	size_t n;
};

static void heap_push(struct heap *h, const struct pending *p)
{
	size_t i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!wins(p, h->items[parent]))
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = p;
}

static void heap_pop(struct heap *h)
{
	const struct pending *last = h->items[--h->n];
	size_t i = 0;
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= h->n)
			break;
		if (child + 1 < h->n && wins(h->items[child + 1], h->items[child]))
			child++;
		if (!wins(h->items[child], last))
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->n > 0)
		h->items[i] = last;
}

/* Set dir[b], for b below size - 1, to the first of the n sorted starts
 * that is at least b << shift; dir[size - 1] is n. */
static void fill_directory(uint32_t *dir, size_t size, const uint64_t *starts, size_t n,
                           unsigned shift)
{
	size_t i = 0;
	for (size_t b = 0; b + 1 < size; b++) {
		while (i < n && starts[i] < ((uint64_t)b << shift))
			i++;
		dir[b] = (uint32_t)i;
	}
	dir[size - 1] = (uint32_t)n;
}

/* Cut the IPv4-mapped part out of the segments into the 32-bit arrays. */
static dn_status build_v4(struct asn_table *t, struct dn_error *err)
{
	const u128 v4_lo = (u128)0xffff << 32, v4_hi = v4_lo | 0xffffffffu;
	t->v4_start = malloc((t->nv6 + 1) * sizeof(*t->v4_start));
	t->v4_entry = malloc((t->nv6 + 1) * sizeof(*t->v4_entry));
	if (t->v4_start == NULL || t->v4_entry == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory building the IPv4 ASN table");

	/* The segment covering ::ffff:0.0.0.0 is the last that starts at or
	 * before it; segment 0 starts at 0, so there is one. */
	size_t i = 0;
	while (i + 1 < t->nv6 && t->v6_start[i + 1] <= v4_lo)
		i++;
	t->nv4 = 0;
	t->v4_start[t->nv4] = 0;
	t->v4_entry[t->nv4++] = t->v6_entry[i];
	for (i++; i < t->nv6 && t->v6_start[i] <= v4_hi; i++) {
		t->v4_start[t->nv4] = (uint32_t)(t->v6_start[i] - v4_lo);
		t->v4_entry[t->nv4++] = t->v6_entry[i];
	}
	uint64_t *wide = malloc((t->nv4 + 1) * sizeof(*wide));
	if (wide == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory building the IPv4 ASN table");
	for (size_t j = 0; j < t->nv4; j++)
		wide[j] = t->v4_start[j];
	fill_directory(t->v4_dir, DIRECTORY_SIZE, wide, t->nv4, 16);
	free(wide);
	return DN_OK;
}

dn_status asn_table_build(struct asn_table *t, struct dn_error *err)
{
	if (t->built)
		return DN_OK;
	size_t n = t->nentries;
	if (n > 0) /* pending is NULL for an empty table */
		qsort(t->pending, n, sizeof(*t->pending), compare_lo);

	/* Every boundary: each first address, and one past each last. */
	u128 *points = malloc((2 * n + 1) * sizeof(*points));
	struct heap heap = {.items = malloc((n + 1) * sizeof(*heap.items))};
	t->v6_start = malloc((2 * n + 1) * sizeof(*t->v6_start));
	t->v6_entry = malloc((2 * n + 1) * sizeof(*t->v6_entry));
	if (points == NULL || heap.items == NULL || t->v6_start == NULL || t->v6_entry == NULL) {
		free(points);
		free(heap.items);
		return dn_fail(err, DN_ENOMEM, "out of memory building the ASN table of %zu ranges",
		               n);
	}
	size_t npoints = 0;
	points[npoints++] = 0;
	for (size_t i = 0; i < n; i++) {
		points[npoints++] = t->pending[i].lo;
		if (t->pending[i].hi != ~(u128)0)
			points[npoints++] = t->pending[i].hi + 1;
	}
	qsort(points, npoints, sizeof(*points), compare_u128);

	/* Sweep the boundaries in order; at each, the heap's top (once ended
	 * ranges are dropped) covers everything up to the next boundary. */
	size_t next = 0;
	t->nv6 = 0;
	for (size_t p = 0; p < npoints; p++) {
		u128 at = points[p];
		if (p > 0 && at == points[p - 1])
			continue;
		while (next < n && t->pending[next].lo <= at)
			heap_push(&heap, &t->pending[next++]);
		while (heap.n > 0 && heap.items[0]->hi < at)
			heap_pop(&heap);
		uint32_t winner = heap.n > 0 ? heap.items[0]->index : NO_ENTRY;
		if (t->nv6 > 0 && t->v6_entry[t->nv6 - 1] == winner)
			continue;
		t->v6_start[t->nv6] = at;
		t->v6_entry[t->nv6++] = winner;
	}
	free(points);
	free(heap.items);
	free(t->pending);
	t->pending = NULL;

	t->v6_high = malloc((t->nv6 + 1) * sizeof(*t->v6_high));
	t->v6_dir = malloc(V6_DIRECTORY_SIZE * sizeof(*t->v6_dir));
	if (t->v6_high == NULL || t->v6_dir == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory building the IPv6 ASN table");
	for (size_t i = 0; i < t->nv6; i++)
		t->v6_high[i] = (uint64_t)(t->v6_start[i] >> 64);
	fill_directory(t->v6_dir, V6_DIRECTORY_SIZE, t->v6_high, t->nv6, 64 - V6_DIRECTORY_BITS);

	dn_status rc = build_v4(t, err);
	if (rc == DN_OK)
		t->built = true;
	return rc;
}

/* ---- Lookup ---- */

const struct asn_entry *asn_table_lookup(const struct asn_table *t, const ip_key *ip)
{
	if (!t->built)
		return NULL;
	uint32_t entry;
	if (ip_key_is_v4(ip)) {
		uint32_t key = (uint32_t)ip->b[12] << 24 | (uint32_t)ip->b[13] << 16 |
		               (uint32_t)ip->b[14] << 8 | ip->b[15];
		uint32_t bucket = key >> 16;
		/* The result is the last segment that starts at or before key.
		 * It is at least the one before the bucket's first segment and
		 * below the next bucket's first. */
		size_t lo = t->v4_dir[bucket] > 0 ? t->v4_dir[bucket] - 1 : 0;
		size_t hi = t->v4_dir[bucket + 1];
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (t->v4_start[mid] <= key)
				lo = mid;
			else
				hi = mid;
		}
		entry = t->v4_entry[lo];
	} else {
		u128 key = key_to_u128(ip);
		uint64_t high = (uint64_t)(key >> 64);
		uint32_t bucket = (uint32_t)(high >> (64 - V6_DIRECTORY_BITS));
		size_t lo = t->v6_dir[bucket] > 0 ? t->v6_dir[bucket] - 1 : 0;
		size_t hi = t->v6_dir[bucket + 1];
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (t->v6_high[mid] <= high)
				lo = mid;
			else
				hi = mid;
		}
		/* Starts that share the first 64 bits with key may still lie
		 * above it; segment 0 starts at 0, so the walk stops. */
		while (t->v6_start[lo] > key)
			lo--;
		entry = t->v6_entry[lo];
	}
	return entry == NO_ENTRY ? NULL : &t->entries[entry];
}

size_t asn_table_ranges(const struct asn_table *t)
{
	return t->nentries;
}

size_t asn_table_segments(const struct asn_table *t)
{
	return t->nv4 + t->nv6;
}

void asn_table_free(struct asn_table *t)
{
	if (t == NULL)
		return;
	arena_free(&t->text);
	free(t->entries);
	free(t->pending);
	free(t->v4_start);
	free(t->v4_entry);
	free(t->v6_start);
	free(t->v6_high);
	free(t->v6_dir);
	free(t->v6_entry);
	free(t);
}
