/* In-memory aggregation of observations before they are flushed to the store. */
#include "pdns/aggregate.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "pdns/record.h"
#include "util/arena.h"

/* An entry: aggregate values followed by the serialised key
 *   source_id(4) kind(1) rrtype(2) rcode(2) owner_len(1) owner
 *   bailiwick_len(1) bailiwick rdata_len(2) rdata
 * Keys are compared as bytes, so equal observations land on one entry. */
struct agg_node {
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
	uint32_t key_len;
	uint8_t key[];
};

/* The hash sits next to the pointer so that probing past other keys costs
 * no visit to their nodes: one cache miss for the slot, one for the match. */
struct agg_slot {
	uint64_t hash;
	struct agg_node *node;  /* NULL when the slot is free */
};

/* Observations wait in a small batch before they are merged: each one's
 * slot is prefetched when it arrives and its node before the merge, so the
 * cache misses of a batch overlap instead of following one another. On
 * tables larger than the CPU cache that halves the time spent here. */
#define AGG_BATCH 16
#define AGG_BATCH_BYTES (16 * 1024)
#define AGG_KEY_MAX (4 + 1 + 2 + 2 + 1 + 255 + 1 + 255 + 2 + 65535)

struct agg_pending {
	uint64_t hash;
	uint32_t offset;  /* of the key in pending_keys */
	uint32_t len;
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
};

struct pdns_agg {
	struct arena nodes;
	struct agg_slot *slots;   /* open addressing, linear probing */
	size_t capacity;          /* power of two */
	size_t used;
	struct agg_pending pending[AGG_BATCH];
	size_t npending;
	size_t pending_bytes;
	dn_status deferred;       /* a merge failure seen by pdns_agg_count() */
	uint8_t pending_keys[AGG_BATCH_BYTES];
	uint8_t scratch[AGG_KEY_MAX];
};

#define AGG_INITIAL_CAPACITY 4096

struct pdns_agg *pdns_agg_new(void)
{
	struct pdns_agg *agg = calloc(1, sizeof(*agg));
	if (agg == NULL)
		return NULL;
	agg->slots = calloc(AGG_INITIAL_CAPACITY, sizeof(*agg->slots));
	if (agg->slots == NULL) {
		free(agg);
		return NULL;
	}
	agg->capacity = AGG_INITIAL_CAPACITY;
	arena_init(&agg->nodes, 1 << 20);
	return agg;
}

void pdns_agg_free(struct pdns_agg *agg)
{
	if (agg == NULL)
		return;
	arena_free(&agg->nodes);
	free(agg->slots);
	free(agg);
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t key_length(const struct pdns_obs *obs)
{
	size_t bw_len = obs->bailiwick != NULL ? obs->bailiwick_len : 0;
	size_t rd_len = obs->rdata != NULL ? obs->rdata_len : 0;
	return 4 + 1 + 2 + 2 + 1 + obs->owner_len + 1 + bw_len + 2 + rd_len;
}

static size_t serialise_key(const struct pdns_obs *obs, uint8_t *out)
{
	size_t bw_len = obs->bailiwick != NULL ? obs->bailiwick_len : 0;
	size_t rd_len = obs->rdata != NULL ? obs->rdata_len : 0;
	assert(obs->owner_len <= 255);
	assert(bw_len <= 255);
	assert(rd_len <= 65535);

	uint8_t *p = out;
	memcpy(p, &obs->source_id, 4);
	p += 4;
	*p++ = obs->kind;
	put_u16(p, obs->rrtype);
	p += 2;
	put_u16(p, obs->rcode);
	p += 2;
	*p++ = (uint8_t)obs->owner_len;
	memcpy(p, obs->owner, obs->owner_len);
	p += obs->owner_len;
	*p++ = (uint8_t)bw_len;
	if (bw_len > 0)
		memcpy(p, obs->bailiwick, bw_len);
	p += bw_len;
	put_u16(p, (uint16_t)rd_len);
	p += 2;
	if (rd_len > 0)
		memcpy(p, obs->rdata, rd_len);
	p += rd_len;
	return (size_t)(p - out);
}

static void deserialise_key(const uint8_t *key, struct pdns_obs *obs)
{
	const uint8_t *p = key;
	memcpy(&obs->source_id, p, 4);
	p += 4;
	obs->kind = *p++;
	obs->rrtype = get_u16(p);
	p += 2;
	obs->rcode = get_u16(p);
	p += 2;
	obs->owner_len = *p++;
	obs->owner = p;
	p += obs->owner_len;
	obs->bailiwick_len = *p++;
	obs->bailiwick = obs->bailiwick_len > 0 ? p : NULL;
	p += obs->bailiwick_len;
	obs->rdata_len = get_u16(p);
	p += 2;
	obs->rdata = obs->rdata_len > 0 ? p : NULL;
}

static dn_status grow_table(struct pdns_agg *agg)
{
	size_t capacity = agg->capacity * 2;
	struct agg_slot *slots = calloc(capacity, sizeof(*slots));
	if (slots == NULL)
		return DN_ENOMEM;
	for (size_t i = 0; i < agg->capacity; i++) {
		if (agg->slots[i].node == NULL)
			continue;
		size_t j = agg->slots[i].hash & (capacity - 1);
		while (slots[j].node != NULL)
			j = (j + 1) & (capacity - 1);
		slots[j] = agg->slots[i];
	}
	free(agg->slots);
	agg->slots = slots;
	agg->capacity = capacity;
	return DN_OK;
}

/* Merge one serialised key into the table. */
static dn_status merge_key(struct pdns_agg *agg, const uint8_t *key, size_t key_len, uint64_t hash,
                           int64_t time_first, int64_t time_last, uint64_t count)
{
	size_t mask = agg->capacity - 1;
	size_t i = hash & mask;
	for (; agg->slots[i].node != NULL; i = (i + 1) & mask) {
		if (agg->slots[i].hash != hash)
			continue;
		struct agg_node *node = agg->slots[i].node;
		if (node->key_len == key_len && memcmp(node->key, key, key_len) == 0) {
			pdns_merge_times(&node->time_first, &node->time_last, &node->count,
			                 time_first, time_last, count);
			return DN_OK;
		}
	}

	/* Keep the load factor at or below 0.7; a grown table needs a new probe. */
	if ((agg->used + 1) * 10 > agg->capacity * 7) {
		if (grow_table(agg) != DN_OK)
			return DN_ENOMEM;
		mask = agg->capacity - 1;
		i = hash & mask;
		while (agg->slots[i].node != NULL)
			i = (i + 1) & mask;
	}

	struct agg_node *node = arena_alloc(&agg->nodes, sizeof(*node) + key_len);
	if (node == NULL)
		return DN_ENOMEM;
	node->time_first = time_first;
	node->time_last = time_last;
	node->count = count;
	node->key_len = (uint32_t)key_len;
	memcpy(node->key, key, key_len);
	agg->slots[i].hash = hash;
	agg->slots[i].node = node;
	agg->used++;
	return DN_OK;
}

/* Merge every waiting observation. */
static dn_status drain(struct pdns_agg *agg)
{
	size_t mask = agg->capacity - 1;
	for (size_t k = 0; k < agg->npending; k++) {
		const struct agg_slot *slot = &agg->slots[agg->pending[k].hash & mask];
		if (slot->node != NULL && slot->hash == agg->pending[k].hash)
			__builtin_prefetch(slot->node);
	}

	dn_status rc = DN_OK;
	for (size_t k = 0; k < agg->npending && rc == DN_OK; k++) {
		const struct agg_pending *p = &agg->pending[k];
		rc = merge_key(agg, agg->pending_keys + p->offset, p->len, p->hash, p->time_first,
		               p->time_last, p->count);
	}
	agg->npending = 0;
	agg->pending_bytes = 0;
	return rc;
}

dn_status pdns_agg_add_span(struct pdns_agg *agg, const struct pdns_obs *obs, int64_t time_first,
                            int64_t time_last, uint64_t count)
{
	assert(agg != NULL);
	assert(obs != NULL);
	if (agg->deferred != DN_OK)
		return agg->deferred;
	size_t key_len = key_length(obs);

	dn_status rc;
	if (agg->pending_bytes + key_len > sizeof(agg->pending_keys)) {
		if ((rc = drain(agg)) != DN_OK)
			return rc;
		/* A key too long to wait (large rdata) is merged at once. */
		if (key_len > sizeof(agg->pending_keys)) {
			serialise_key(obs, agg->scratch);
			uint64_t hash = XXH3_64bits(agg->scratch, key_len);
			return merge_key(agg, agg->scratch, key_len, hash, time_first, time_last,
			                 count);
		}
	}

	uint8_t *key = agg->pending_keys + agg->pending_bytes;
	serialise_key(obs, key);
	uint64_t hash = XXH3_64bits(key, key_len);
	struct agg_pending *p = &agg->pending[agg->npending++];
	p->hash = hash;
	p->offset = (uint32_t)agg->pending_bytes;
	p->len = (uint32_t)key_len;
	p->time_first = time_first;
	p->time_last = time_last;
	p->count = count;
	agg->pending_bytes += key_len;
	__builtin_prefetch(&agg->slots[hash & (agg->capacity - 1)]);

	if (agg->npending == AGG_BATCH)
		return drain(agg);
	return DN_OK;
}

dn_status pdns_agg_add(struct pdns_agg *agg, const struct pdns_obs *obs, int64_t time)
{
	return pdns_agg_add_span(agg, obs, time, time, 1);
}

size_t pdns_agg_count(struct pdns_agg *agg)
{
	dn_status rc = drain(agg);
	if (rc != DN_OK)
		agg->deferred = rc;
	return agg->used;
}

size_t pdns_agg_memory(const struct pdns_agg *agg)
{
	return agg->nodes.allocated + agg->capacity * sizeof(*agg->slots);
}

struct walk {
	pdns_agg_fn fn;
	void *ctx;
	dn_status rc;
};

/* Visit the nodes of one arena chunk in memory order. Every block of the
 * node arena is one node, so block sizes follow from key_len. */
static void walk_chunk(const void *start, size_t used, void *ctx)
{
	struct walk *w = ctx;
	const uint8_t *p = start;
	const uint8_t *end = p + used;
	while (p < end && w->rc == DN_OK) {
		const struct agg_node *node = (const struct agg_node *)p;
		struct pdns_agg_entry entry;
		deserialise_key(node->key, &entry.obs);
		entry.time_first = node->time_first;
		entry.time_last = node->time_last;
		entry.count = node->count;
		w->rc = w->fn(&entry, w->ctx);
		p += arena_round(sizeof(*node) + node->key_len);
	}
}

dn_status pdns_agg_foreach(struct pdns_agg *agg, pdns_agg_fn fn, void *ctx)
{
	dn_status rc = agg->deferred != DN_OK ? agg->deferred : drain(agg);
	if (rc != DN_OK)
		return rc;
	/* Walking the nodes where they lie in memory reads them in order;
	 * walking the hash table would visit them at random. */
	struct walk w = {fn, ctx, DN_OK};
	arena_each_chunk(&agg->nodes, walk_chunk, &w);
	return w.rc;
}

void pdns_agg_clear(struct pdns_agg *agg)
{
	memset(agg->slots, 0, agg->capacity * sizeof(*agg->slots));
	agg->used = 0;
	agg->npending = 0;
	agg->pending_bytes = 0;
	agg->deferred = DN_OK;  /* what failed to merge is gone with the rest */
	arena_reset(&agg->nodes);
}
