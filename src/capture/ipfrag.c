/* IP fragment reassembly in a bounded hash table keyed by (family, src, dst, id, protocol). */
#include "capture/ipfrag.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "capture/tables.h"

/* Received payload bytes [offset, offset + len). Pieces of a datagram are kept
 * sorted by offset and never overlap: bytes already stored win, so a later
 * fragment contributes only the ranges nothing covered yet. */
struct frag_piece {
	struct frag_piece *next;
	uint32_t offset;
	uint32_t len;
	uint8_t data[];
};

struct frag_datagram {
	struct frag_datagram *hash_next;
	struct frag_datagram *older; /* age list, ordered by arrival of the first fragment */
	struct frag_datagram *newer;
	uint64_t hash;
	struct capture_frag_key key;
	int64_t created; /* packet time of the first fragment, epoch seconds */
	struct frag_piece *pieces;
	struct frag_piece *last; /* piece with the highest offset, for in-order appends */
	uint32_t piece_count;
	uint32_t received; /* payload bytes stored */
	uint32_t total;    /* payload length, once the last fragment arrived */
	bool total_known;
};

struct capture_frag_table {
	struct frag_datagram **buckets;
	size_t bucket_mask;
	struct frag_datagram *oldest;
	struct frag_datagram *newest;
	uint64_t hash_seed;
	size_t count;
	size_t max_datagrams;
	size_t max_bytes;
	uint32_t timeout;
	struct capture_counters *counters;
};

struct capture_frag_table *capture_frag_table_new(const struct capture_config *cfg,
                                                  struct capture_counters *counters)
{
	struct capture_frag_table *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	size_t nbuckets = capture_bucket_count(cfg->frag_max_datagrams);
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		free(t);
		return NULL;
	}
	t->bucket_mask = nbuckets - 1;
	t->hash_seed = capture_hash_seed();
	t->max_datagrams = cfg->frag_max_datagrams;
	t->max_bytes = cfg->frag_max_bytes;
	t->timeout = cfg->frag_timeout;
	t->counters = counters;
	return t;
}

static size_t piece_size(uint32_t len)
{
	return sizeof(struct frag_piece) + len;
}

static void datagram_unlink(struct capture_frag_table *t, struct frag_datagram *dg)
{
	struct frag_datagram **link = &t->buckets[dg->hash & t->bucket_mask];
	while (*link != dg)
		link = &(*link)->hash_next;
	*link = dg->hash_next;

	if (dg->older)
		dg->older->newer = dg->newer;
	else
		t->oldest = dg->newer;
	if (dg->newer)
		dg->newer->older = dg->older;
	else
		t->newest = dg->older;
	t->count--;
}

/* Remove dg from the table and free it with everything it stored. */
static void datagram_drop(struct capture_frag_table *t, struct frag_datagram *dg)
{
	datagram_unlink(t, dg);
	struct frag_piece *p = dg->pieces;
	while (p != NULL) {
		struct frag_piece *next = p->next;
		t->counters->frag_bytes -= piece_size(p->len);
		free(p);
		p = next;
	}
	free(dg);
}

void capture_frag_table_free(struct capture_frag_table *t)
{
	if (t == NULL)
		return;
	while (t->oldest != NULL)
		datagram_drop(t, t->oldest);
	free(t->buckets);
	free(t);
}

static struct frag_datagram *datagram_find(struct capture_frag_table *t,
                                           const struct capture_frag_key *key, uint64_t hash)
{
	struct frag_datagram *dg = t->buckets[hash & t->bucket_mask];
	for (; dg != NULL; dg = dg->hash_next) {
		if (dg->hash == hash && memcmp(&dg->key, key, sizeof(*key)) == 0)
			return dg;
	}
	return NULL;
}

/* Start a datagram, evicting the oldest one when the table is full. Returns NULL
 * when frag_max_datagrams is 0 or malloc fails. */
static struct frag_datagram *datagram_create(struct capture_frag_table *t,
                                             const struct capture_frag_key *key, uint64_t hash,
                                             int64_t now)
{
	if (t->max_datagrams == 0)
		return NULL;
	if (t->count >= t->max_datagrams) {
		datagram_drop(t, t->oldest);
		t->counters->frag_evicted++;
	}
	struct frag_datagram *dg = calloc(1, sizeof(*dg));
	if (dg == NULL)
		return NULL;
	dg->hash = hash;
	dg->key = *key;
	dg->created = now;

	struct frag_datagram **bucket = &t->buckets[hash & t->bucket_mask];
	dg->hash_next = *bucket;
	*bucket = dg;
	dg->older = t->newest;
	if (t->newest)
		t->newest->newer = dg;
	else
		t->oldest = dg;
	t->newest = dg;
	t->count++;
	return dg;
}

/* Make room for size more bytes by evicting the oldest datagrams other than keep.
 * Returns false when even an otherwise empty table has no room. */
static bool reserve_bytes(struct capture_frag_table *t, size_t size, struct frag_datagram *keep)
{
	if (size > t->max_bytes)
		return false;
	while (t->counters->frag_bytes + size > t->max_bytes) {
		struct frag_datagram *victim = t->oldest;
		if (victim == keep)
			victim = keep->newer;
		if (victim == NULL)
			return false;
		datagram_drop(t, victim);
		t->counters->frag_evicted++;
	}
	return true;
}

/* Store data[0, len), which belongs at offset, as a new piece after prev (or first
 * when prev is NULL). Returns false when limits or malloc forbid it. */
static bool piece_insert(struct capture_frag_table *t, struct frag_datagram *dg,
                         struct frag_piece *prev, uint32_t offset, const uint8_t *data,
                         uint32_t len)
{
	if (dg->piece_count >= CAPTURE_FRAG_PIECES_MAX)
		return false;
	if (!reserve_bytes(t, piece_size(len), dg))
		return false;
	struct frag_piece *p = malloc(piece_size(len));
	if (p == NULL)
		return false;
	p->offset = offset;
	p->len = len;
	memcpy(p->data, data, len);

	struct frag_piece **link = prev ? &prev->next : &dg->pieces;
	p->next = *link;
	*link = p;
	if (p->next == NULL)
		dg->last = p;
	dg->piece_count++;
	dg->received += len;
	t->counters->frag_bytes += piece_size(len);
	capture_note_peak(t->counters);
	return true;
}

/* Store the parts of [offset, end) that no piece covers yet. Sets *overlap when
 * some part was already there. Returns false when a piece could not be stored. */
static bool datagram_store(struct capture_frag_table *t, struct frag_datagram *dg, uint32_t offset,
                           uint32_t end, const uint8_t *data, bool *overlap)
{
	struct frag_piece *last = dg->last;
	if (last == NULL || offset >= last->offset + last->len)
		return piece_insert(t, dg, last, offset, data, end - offset);

	struct frag_piece *prev = NULL;
	struct frag_piece *p = dg->pieces;
	uint32_t pos = offset; /* first byte of [offset, end) not yet stored or skipped */
	while (pos < end) {
		if (p != NULL && p->offset + p->len <= pos) {
			prev = p;
			p = p->next;
			continue;
		}
		if (p != NULL && p->offset <= pos) {
			/* pos lies inside p: those bytes were received earlier and stay. */
			*overlap = true;
			pos = p->offset + p->len;
			continue;
		}
		/* The gap before p (or after the last piece) takes what fits in it. */
		uint32_t gap_end = (p != NULL && p->offset < end) ? p->offset : end;
		if (!piece_insert(t, dg, prev, pos, data + (pos - offset), gap_end - pos))
			return false;
		prev = prev ? prev->next : dg->pieces;
		pos = gap_end;
	}
	return true;
}

/* Copy the pieces of a complete datagram into one malloc'd buffer. */
static uint8_t *datagram_assemble(const struct frag_datagram *dg)
{
	uint8_t *buf = malloc(dg->total);
	if (buf == NULL)
		return NULL;
	for (const struct frag_piece *p = dg->pieces; p != NULL; p = p->next)
		memcpy(buf + p->offset, p->data, p->len);
	return buf;
}

/* Check a fragment against what its datagram already has: one length for the
 * whole, and no data beyond it. */
static bool datagram_accepts(const struct frag_datagram *dg, uint32_t end, bool more)
{
	if (more)
		return !dg->total_known || end <= dg->total;
	if (dg->total_known)
		return end == dg->total;
	return dg->last == NULL || dg->last->offset + dg->last->len <= end;
}

enum capture_result capture_frag_add(struct capture_frag_table *t,
                                     const struct capture_frag_key *key, uint32_t offset, bool more,
                                     const uint8_t *data, size_t len, int64_t now,
                                     uint8_t **datagram, size_t *datagram_len)
{
	*datagram = NULL;
	*datagram_len = 0;

	/* Every fragment but the last carries a multiple of 8 bytes (RFC 791, RFC 8200). */
	if (len == 0 || (more && len % 8 != 0))
		return CAPTURE_FRAG_INVALID;
	if (offset > CAPTURE_FRAG_PAYLOAD_MAX || len > CAPTURE_FRAG_PAYLOAD_MAX - offset)
		return CAPTURE_FRAG_INVALID;
	uint32_t end = offset + (uint32_t)len;

	uint64_t hash = XXH3_64bits_withSeed(key, sizeof(*key), t->hash_seed);
	struct frag_datagram *dg = datagram_find(t, key, hash);
	if (dg == NULL) {
		dg = datagram_create(t, key, hash, now);
		if (dg == NULL)
			return CAPTURE_FRAG_LIMIT;
	}
	if (!datagram_accepts(dg, end, more)) {
		datagram_drop(t, dg);
		return CAPTURE_FRAG_INVALID;
	}
	if (!more) {
		dg->total = end;
		dg->total_known = true;
	}

	bool overlap = false;
	bool stored = datagram_store(t, dg, offset, end, data, &overlap);
	if (overlap)
		t->counters->frag_overlaps++;
	if (!stored) {
		/* A datagram this fragment would have started was never held, so it
		 * does not count as evicted. */
		if (dg->piece_count > 0)
			t->counters->frag_evicted++;
		datagram_drop(t, dg);
		return CAPTURE_FRAG_LIMIT;
	}
	if (!dg->total_known || dg->received != dg->total)
		return CAPTURE_OK;

	/* Pieces never overlap, so received == total means no hole is left. */
	uint8_t *buf = datagram_assemble(dg);
	size_t total = dg->total;
	datagram_drop(t, dg);
	if (buf == NULL)
		return CAPTURE_FRAG_LIMIT;
	t->counters->frag_reassembled++;
	*datagram = buf;
	*datagram_len = total;
	return CAPTURE_OK;
}

void capture_frag_expire(struct capture_frag_table *t, int64_t now)
{
	while (t->oldest != NULL && capture_is_expired(t->oldest->created, now, t->timeout)) {
		datagram_drop(t, t->oldest);
		t->counters->frag_timed_out++;
	}
}

size_t capture_frag_memory(const struct capture_frag_table *t)
{
	return sizeof(*t) + (t->bucket_mask + 1) * sizeof(*t->buckets) +
	       t->count * sizeof(struct frag_datagram) + t->counters->frag_bytes;
}
