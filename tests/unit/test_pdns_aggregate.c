/* Tests for the in-memory aggregator and the first/last/count merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pdns/aggregate.h"
#include "pdns/record.h"

static const uint8_t OWNER[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
static const uint8_t ZONE_A[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
static const uint8_t ZONE_B[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
static const uint8_t ADDR1[4] = {192, 0, 2, 1};
static const uint8_t ADDR2[4] = {192, 0, 2, 2};

static struct pdns_obs rrset_obs(uint32_t source, const uint8_t *rdata, size_t rdlen)
{
	struct pdns_obs obs = {
		.source_id = source,
		.kind = PDNS_KIND_RRSET,
		.rrtype = 1,
		.owner = OWNER,
		.owner_len = sizeof(OWNER),
		.rdata = rdata,
		.rdata_len = rdlen,
	};
	return obs;
}

/* What only_entry() saw: how often the callback ran, and the last entry. */
struct single {
	size_t calls;
	struct pdns_agg_entry entry;
};

static dn_status take_single(const struct pdns_agg_entry *entry, void *ctx)
{
	struct single *s = ctx;
	s->calls++;
	s->entry = *entry;
	return DN_OK;
}

static struct pdns_agg_entry only_entry(struct pdns_agg *agg)
{
	struct single s = {0};
	assert_int_equal(pdns_agg_count(agg), 1);
	assert_int_equal(pdns_agg_foreach(agg, take_single, &s), DN_OK);
	assert_int_equal(s.calls, 1);
	return s.entry;
}

static void test_identical_merge(void **state)
{
	(void)state;
	struct pdns_agg *agg = pdns_agg_new();
	assert_non_null(agg);
	struct pdns_obs obs = rrset_obs(3, ADDR1, 4);

	assert_int_equal(pdns_agg_add(agg, &obs, 100), DN_OK);
	assert_int_equal(pdns_agg_add(agg, &obs, 50), DN_OK);
	assert_int_equal(pdns_agg_add(agg, &obs, 200), DN_OK);
	assert_int_equal(pdns_agg_add(agg, &obs, 120), DN_OK);

	struct pdns_agg_entry e = only_entry(agg);
	assert_int_equal(e.time_first, 50);
	assert_int_equal(e.time_last, 200);
	assert_int_equal(e.count, 4);
	assert_int_equal(e.obs.source_id, 3);
	assert_int_equal(e.obs.kind, PDNS_KIND_RRSET);
	assert_int_equal(e.obs.rrtype, 1);
	assert_int_equal(e.obs.owner_len, sizeof(OWNER));
	assert_memory_equal(e.obs.owner, OWNER, sizeof(OWNER));
	assert_int_equal(e.obs.bailiwick_len, 0);
	assert_int_equal(e.obs.rdata_len, 4);
	assert_memory_equal(e.obs.rdata, ADDR1, 4);

	/* A span merges like its count of single sightings. */
	assert_int_equal(pdns_agg_add_span(agg, &obs, 10, 20, 5), DN_OK);
	assert_int_equal(pdns_agg_add_span(agg, &obs, 300, 400, 2), DN_OK);
	e = only_entry(agg);
	assert_int_equal(e.time_first, 10);
	assert_int_equal(e.time_last, 400);
	assert_int_equal(e.count, 11);
	pdns_agg_free(agg);
}

/* The aggregator keeps its own copy: the caller may reuse its buffers. */
static void test_copies_keys(void **state)
{
	(void)state;
	struct pdns_agg *agg = pdns_agg_new();
	assert_non_null(agg);
	uint8_t owner[sizeof(OWNER)];
	uint8_t rdata[4];
	memcpy(owner, OWNER, sizeof(OWNER));
	memcpy(rdata, ADDR1, 4);
	struct pdns_obs obs = rrset_obs(1, rdata, 4);
	obs.owner = owner;
	assert_int_equal(pdns_agg_add(agg, &obs, 1), DN_OK);

	memset(owner, 0, sizeof(owner));
	memset(rdata, 0, sizeof(rdata));
	struct pdns_agg_entry e = only_entry(agg);
	assert_memory_equal(e.obs.owner, OWNER, sizeof(OWNER));
	assert_memory_equal(e.obs.rdata, ADDR1, 4);
	pdns_agg_free(agg);
}

/* Observations that differ in any key field stay apart. */
static void test_distinct_keys(void **state)
{
	(void)state;
	struct pdns_agg *agg = pdns_agg_new();
	assert_non_null(agg);
	size_t expected = 0;

	struct pdns_obs base = rrset_obs(1, ADDR1, 4);
	assert_int_equal(pdns_agg_add(agg, &base, 1), DN_OK);
	expected++;

	struct pdns_obs o = base;
	o.source_id = 2;
	assert_int_equal(pdns_agg_add(agg, &o, 1), DN_OK);
	expected++;

	o = base;
	o.rdata = ADDR2;
	assert_int_equal(pdns_agg_add(agg, &o, 1), DN_OK);
	expected++;

	o = base;
	o.rrtype = 28;
	assert_int_equal(pdns_agg_add(agg, &o, 1), DN_OK);
	expected++;

	o = base;
	o.bailiwick = ZONE_A;
	o.bailiwick_len = sizeof(ZONE_A);
	assert_int_equal(pdns_agg_add(agg, &o, 1), DN_OK);
	expected++;

	o.bailiwick = ZONE_B;
	o.bailiwick_len = sizeof(ZONE_B);
	assert_int_equal(pdns_agg_add(agg, &o, 1), DN_OK);
	expected++;

	/* Another owner. */
	o = base;
	o.owner = ZONE_A;
	o.owner_len = sizeof(ZONE_A);
	assert_int_equal(pdns_agg_add(agg, &o, 1), DN_OK);
	expected++;

	/* A negative for the same name and type, then the same with another rcode. */
	struct pdns_obs neg = {
		.source_id = 1,
		.kind = PDNS_KIND_NEGATIVE,
		.rrtype = 1,
		.rcode = 3,
		.owner = OWNER,
		.owner_len = sizeof(OWNER),
	};
	assert_int_equal(pdns_agg_add(agg, &neg, 1), DN_OK);
	expected++;
	neg.rcode = 0;
	assert_int_equal(pdns_agg_add(agg, &neg, 1), DN_OK);
	expected++;
	/* An rrset with empty rdata and the same fields as the NODATA. */
	o = base;
	o.rdata = NULL;
	o.rdata_len = 0;
	assert_int_equal(pdns_agg_add(agg, &o, 1), DN_OK);
	expected++;

	assert_int_equal(pdns_agg_count(agg), expected);

	/* "Unknown" bailiwick is one value whether given as NULL or as length 0. */
	o = base;
	o.bailiwick = ZONE_A;
	o.bailiwick_len = 0;
	assert_int_equal(pdns_agg_add(agg, &o, 2), DN_OK);
	o.bailiwick = NULL;
	o.bailiwick_len = 7;
	assert_int_equal(pdns_agg_add(agg, &o, 3), DN_OK);
	assert_int_equal(pdns_agg_count(agg), expected);
	pdns_agg_free(agg);
}

/* Entries keyed by an index in their rdata, for the growth tests. */
static struct pdns_obs indexed_obs(uint32_t index, uint8_t rdata[4])
{
	rdata[0] = (uint8_t)(index >> 24);
	rdata[1] = (uint8_t)(index >> 16);
	rdata[2] = (uint8_t)(index >> 8);
	rdata[3] = (uint8_t)index;
	return rrset_obs(9, rdata, 4);
}

struct index_check {
	uint32_t n;
	uint64_t expected_count;
	uint8_t *seen;
};

static dn_status check_index(const struct pdns_agg_entry *entry, void *ctx)
{
	struct index_check *c = ctx;
	assert_int_equal(entry->obs.rdata_len, 4);
	const uint8_t *r = entry->obs.rdata;
	uint32_t index = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3];
	assert_true(index < c->n);
	assert_int_equal(c->seen[index], 0);
	c->seen[index] = 1;
	assert_int_equal(entry->count, c->expected_count);
	assert_int_equal(entry->time_first, (int64_t)index);
	assert_int_equal(entry->time_last, (int64_t)index + (c->expected_count - 1) * 1000000);
	return DN_OK;
}

static void check_all_indexes(struct pdns_agg *agg, uint32_t n, uint64_t count)
{
	struct index_check c = {.n = n, .expected_count = count, .seen = calloc(n, 1)};
	assert_non_null(c.seen);
	assert_int_equal(pdns_agg_foreach(agg, check_index, &c), DN_OK);
	for (uint32_t i = 0; i < n; i++) {
		if (!c.seen[i])
			fail_msg("entry %u missing", i);
	}
	free(c.seen);
}

/* Far past the initial table (4096 slots at a 0.7 load factor): every entry
 * survives each rehash, and later sightings still find their entry. */
static void test_growth_keeps_entries(void **state)
{
	(void)state;
	const uint32_t n = 50000;
	struct pdns_agg *agg = pdns_agg_new();
	assert_non_null(agg);
	uint8_t rdata[4];
	size_t memory_before = pdns_agg_memory(agg);

	for (uint32_t i = 0; i < n; i++) {
		struct pdns_obs obs = indexed_obs(i, rdata);
		assert_int_equal(pdns_agg_add(agg, &obs, i), DN_OK);
	}
	assert_int_equal(pdns_agg_count(agg), n);
	assert_true(pdns_agg_memory(agg) > memory_before);
	check_all_indexes(agg, n, 1);

	for (uint32_t i = 0; i < n; i++) {
		struct pdns_obs obs = indexed_obs(i, rdata);
		assert_int_equal(pdns_agg_add(agg, &obs, (int64_t)i + 1000000), DN_OK);
	}
	assert_int_equal(pdns_agg_count(agg), n);
	check_all_indexes(agg, n, 2);

	/* After a clear the table is empty but usable. */
	pdns_agg_clear(agg);
	assert_int_equal(pdns_agg_count(agg), 0);
	check_all_indexes(agg, 0, 1);
	for (uint32_t i = 0; i < 100; i++) {
		struct pdns_obs obs = indexed_obs(i, rdata);
		assert_int_equal(pdns_agg_add(agg, &obs, i), DN_OK);
	}
	assert_int_equal(pdns_agg_count(agg), 100);
	check_all_indexes(agg, 100, 1);
	pdns_agg_free(agg);
}

static dn_status stop_at_third(const struct pdns_agg_entry *entry, void *ctx)
{
	(void)entry;
	int *calls = ctx;
	return ++*calls == 3 ? DN_EIO : DN_OK;
}

static void test_foreach_stops(void **state)
{
	(void)state;
	struct pdns_agg *agg = pdns_agg_new();
	assert_non_null(agg);
	uint8_t rdata[4];
	for (uint32_t i = 0; i < 10; i++) {
		struct pdns_obs obs = indexed_obs(i, rdata);
		assert_int_equal(pdns_agg_add(agg, &obs, i), DN_OK);
	}
	int calls = 0;
	assert_int_equal(pdns_agg_foreach(agg, stop_at_third, &calls), DN_EIO);
	assert_int_equal(calls, 3);
	pdns_agg_free(agg);
}

/* xorshift64*, so that the random stream is the same on every run. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* A stream element: a key drawn from a small universe and a time. */
struct sighting {
	uint32_t source;
	uint8_t kind;
	uint16_t rrtype;
	uint16_t rcode;
	uint8_t owner[16];
	size_t owner_len;
	uint8_t bailiwick[16];
	size_t bailiwick_len;
	uint8_t rdata[4];
	size_t rdata_len;
	int64_t time;
};

static void make_sighting(uint64_t *rng, struct sighting *s)
{
	memset(s, 0, sizeof(*s));
	uint64_t r = next_random(rng);
	s->source = (uint32_t)(r % 3) + 1;
	s->kind = (r >> 8) % 5 == 0 ? PDNS_KIND_NEGATIVE : PDNS_KIND_RRSET;
	s->rrtype = (r >> 12) % 2 == 0 ? 1 : 28;
	unsigned host = (unsigned)((r >> 16) % 400);
	s->owner_len = (size_t)snprintf((char *)s->owner + 1, sizeof(s->owner) - 1, "h%u", host);
	s->owner[0] = (uint8_t)s->owner_len;
	s->owner[s->owner_len + 1] = 0;
	s->owner_len += 2;
	if ((r >> 28) % 3 == 0) {
		static const uint8_t zone[] = {2, 'e', 'x', 0};
		memcpy(s->bailiwick, zone, sizeof(zone));
		s->bailiwick_len = sizeof(zone);
	}
	if (s->kind == PDNS_KIND_NEGATIVE) {
		s->rcode = (r >> 30) % 2 == 0 ? 0 : 3;
	} else {
		s->rdata[0] = 10;
		s->rdata[3] = (uint8_t)((r >> 32) % 4);
		s->rdata_len = 4;
	}
	s->time = 1700000000 + (int64_t)((r >> 40) % 100000);
}

static struct pdns_obs sighting_obs(const struct sighting *s)
{
	struct pdns_obs obs = {
		.source_id = s->source,
		.kind = s->kind,
		.rrtype = s->rrtype,
		.rcode = s->rcode,
		.owner = s->owner,
		.owner_len = s->owner_len,
		.bailiwick = s->bailiwick_len > 0 ? s->bailiwick : NULL,
		.bailiwick_len = s->bailiwick_len,
		.rdata = s->rdata_len > 0 ? s->rdata : NULL,
		.rdata_len = s->rdata_len,
	};
	return obs;
}

/* An aggregate entry flattened to a comparable key plus its values. */
struct flat {
	uint8_t key[64];
	size_t key_len;
	int64_t first;
	int64_t last;
	uint64_t count;
};

struct flat_list {
	size_t count;
	size_t capacity;
	struct flat *items;
};

static void flatten_key(const struct pdns_obs *obs, struct flat *f)
{
	size_t n = 0;
	memset(f->key, 0, sizeof(f->key));
	memcpy(f->key + n, &obs->source_id, 4);
	n += 4;
	f->key[n++] = obs->kind;
	memcpy(f->key + n, &obs->rrtype, 2);
	n += 2;
	memcpy(f->key + n, &obs->rcode, 2);
	n += 2;
	f->key[n++] = (uint8_t)obs->owner_len;
	memcpy(f->key + n, obs->owner, obs->owner_len);
	n += obs->owner_len;
	size_t bw = obs->bailiwick != NULL ? obs->bailiwick_len : 0;
	f->key[n++] = (uint8_t)bw;
	if (bw > 0)
		memcpy(f->key + n, obs->bailiwick, bw);
	n += bw;
	size_t rd = obs->rdata != NULL ? obs->rdata_len : 0;
	f->key[n++] = (uint8_t)rd;
	if (rd > 0)
		memcpy(f->key + n, obs->rdata, rd);
	n += rd;
	assert_true(n <= sizeof(f->key));
	f->key_len = n;
}

static dn_status append_flat(const struct pdns_agg_entry *entry, void *ctx)
{
	struct flat_list *list = ctx;
	if (list->count == list->capacity) {
		list->capacity = list->capacity == 0 ? 1024 : list->capacity * 2;
		list->items = realloc(list->items, list->capacity * sizeof(*list->items));
		assert_non_null(list->items);
	}
	struct flat *f = &list->items[list->count++];
	flatten_key(&entry->obs, f);
	f->first = entry->time_first;
	f->last = entry->time_last;
	f->count = entry->count;
	return DN_OK;
}

static int compare_flat(const void *a, const void *b)
{
	const struct flat *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	if (c != 0)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Sort list and merge entries with equal keys through pdns_merge_times(). */
static void sort_and_merge(struct flat_list *list)
{
	if (list->count == 0)
		return;
	qsort(list->items, list->count, sizeof(*list->items), compare_flat);
	size_t out = 0;
	for (size_t i = 1; i < list->count; i++) {
		struct flat *keep = &list->items[out];
		const struct flat *next = &list->items[i];
		if (compare_flat(keep, next) == 0)
			pdns_merge_times(&keep->first, &keep->last, &keep->count, next->first,
			                 next->last, next->count);
		else
			list->items[++out] = *next;
	}
	list->count = out + 1;
}

static void assert_flat_equal(const struct flat_list *a, const struct flat_list *b)
{
	assert_int_equal(a->count, b->count);
	for (size_t i = 0; i < a->count; i++) {
		assert_int_equal(a->items[i].key_len, b->items[i].key_len);
		assert_memory_equal(a->items[i].key, b->items[i].key, a->items[i].key_len);
		assert_int_equal(a->items[i].first, b->items[i].first);
		assert_int_equal(a->items[i].last, b->items[i].last);
		assert_int_equal(a->items[i].count, b->items[i].count);
	}
}

static dn_status add_entry_span(const struct pdns_agg_entry *entry, void *ctx)
{
	return pdns_agg_add_span(ctx, &entry->obs, entry->time_first, entry->time_last,
	                         entry->count);
}

#define STREAM_LENGTH 40000
#define MAX_PARTS 7

/* The stream aggregated in one piece must equal the same stream cut into
 * random chunks, spread over several aggregators, and merged back, whatever
 * the cut and whatever the order of the final merges. */
static void test_merge_property(void **state)
{
	(void)state;
	struct sighting *stream = malloc(STREAM_LENGTH * sizeof(*stream));
	assert_non_null(stream);
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < STREAM_LENGTH; i++)
		make_sighting(&rng, &stream[i]);

	struct pdns_agg *whole = pdns_agg_new();
	assert_non_null(whole);
	for (size_t i = 0; i < STREAM_LENGTH; i++) {
		struct pdns_obs obs = sighting_obs(&stream[i]);
		assert_int_equal(pdns_agg_add(whole, &obs, stream[i].time), DN_OK);
	}
	struct flat_list reference = {0};
	assert_int_equal(pdns_agg_foreach(whole, append_flat, &reference), DN_OK);
	assert_int_equal(reference.count, pdns_agg_count(whole));
	size_t entries = reference.count;
	sort_and_merge(&reference);
	/* The aggregator itself must already have merged every duplicate. */
	assert_int_equal(reference.count, entries);
	uint64_t total = 0;
	for (size_t i = 0; i < reference.count; i++)
		total += reference.items[i].count;
	assert_int_equal(total, STREAM_LENGTH);

	for (uint64_t split = 1; split <= 6; split++) {
		uint64_t split_rng = split * 0xd1b54a32d192ed03ULL;
		size_t parts = 2 + (size_t)(next_random(&split_rng) % (MAX_PARTS - 1));
		struct pdns_agg *part[MAX_PARTS];
		for (size_t p = 0; p < parts; p++) {
			part[p] = pdns_agg_new();
			assert_non_null(part[p]);
		}

		/* Random chunk lengths, each chunk to a random aggregator. */
		size_t i = 0;
		while (i < STREAM_LENGTH) {
			size_t chunk = 1 + (size_t)(next_random(&split_rng) % 3000);
			size_t target = (size_t)(next_random(&split_rng) % parts);
			for (size_t end = i + chunk; i < end && i < STREAM_LENGTH; i++) {
				struct pdns_obs obs = sighting_obs(&stream[i]);
				assert_int_equal(pdns_agg_add(part[target], &obs, stream[i].time),
				                 DN_OK);
			}
		}

		/* Merge through the test's own pdns_merge_times() pass. */
		struct flat_list merged = {0};
		for (size_t p = 0; p < parts; p++)
			assert_int_equal(pdns_agg_foreach(part[p], append_flat, &merged), DN_OK);
		sort_and_merge(&merged);
		assert_flat_equal(&merged, &reference);

		/* Merge again through add_span() into one aggregator, parts in
		 * reverse order. */
		struct pdns_agg *combined = pdns_agg_new();
		assert_non_null(combined);
		for (size_t p = parts; p-- > 0;)
			assert_int_equal(pdns_agg_foreach(part[p], add_entry_span, combined),
			                 DN_OK);
		struct flat_list respanned = {0};
		assert_int_equal(pdns_agg_foreach(combined, append_flat, &respanned), DN_OK);
		assert_int_equal(respanned.count, pdns_agg_count(combined));
		sort_and_merge(&respanned);
		assert_flat_equal(&respanned, &reference);
		free(respanned.items);
		free(merged.items);
		pdns_agg_free(combined);
		for (size_t p = 0; p < parts; p++)
			pdns_agg_free(part[p]);
	}

	free(reference.items);
	pdns_agg_free(whole);
	free(stream);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_merge), cmocka_unit_test(test_copies_keys),
		cmocka_unit_test(test_distinct_keys),   cmocka_unit_test(test_growth_keeps_entries),
		cmocka_unit_test(test_foreach_stops),   cmocka_unit_test(test_merge_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
