/* Matching responses to queries seen on the wire, a guard against spoofed or
 * unsolicited responses. */
#include "ingest/qmatch.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

/* Entries live in a ring in arrival order, so the oldest is always at the
 * head; a hash chain through the same array finds them by key. */
struct qmatch_entry {
	uint64_t key;       /* hash of addresses, ports, transport and id */
	uint64_t question;  /* hash of question name, type and class */
	int64_t time;       /* nanoseconds */
	int32_t next;       /* next entry in the hash chain, -1 at the end */
	bool live;
	bool answered;      /* a response took it; repeats of that response find it */
};

struct qmatch {
	struct qmatch_entry *entries;
	int32_t *buckets;
	size_t capacity;
	size_t nbuckets;    /* power of two */
	size_t head;        /* oldest entry */
	size_t count;       /* entries from head, live or taken */
	uint64_t window;    /* nanoseconds */
};

struct qmatch *qmatch_new(size_t capacity, uint32_t window)
{
	struct qmatch *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->capacity = capacity;
	q->nbuckets = 1;
	while (q->nbuckets < capacity)
		q->nbuckets <<= 1;
	q->entries = calloc(capacity, sizeof(*q->entries));
	q->buckets = malloc(q->nbuckets * sizeof(*q->buckets));
	if (q->entries == NULL || q->buckets == NULL) {
		qmatch_free(q);
		return NULL;
	}
	memset(q->buckets, 0xff, q->nbuckets * sizeof(*q->buckets));
	q->window = (uint64_t)window * 1000000000u;
	return q;
}

void qmatch_free(struct qmatch *q)
{
	if (q == NULL)
		return;
	free(q->entries);
	free(q->buckets);
	free(q);
}

size_t qmatch_memory(const struct qmatch *q)
{
	return q->capacity * sizeof(*q->entries) + q->nbuckets * sizeof(*q->buckets);
}

/* The key from the client's point of view: client address and port first. */
static uint64_t flow_key(const struct capture_message *m, bool response, uint16_t id)
{
	struct {
		uint8_t client[16];
		uint8_t server[16];
		uint16_t client_port;
		uint16_t server_port;
		uint16_t id;
		uint8_t family;
		uint8_t transport;
	} k;
	memset(&k, 0, sizeof(k));
	memcpy(k.client, response ? m->dst : m->src, 16);
	memcpy(k.server, response ? m->src : m->dst, 16);
	k.client_port = response ? m->dport : m->sport;
	k.server_port = response ? m->sport : m->dport;
	k.id = id;
	k.family = m->family;
	k.transport = m->transport;
	return XXH3_64bits(&k, sizeof(k));
}

static uint64_t question_key(const struct dns_message *msg)
{
	if (!msg->has_question)
		return 0;
	uint64_t h = XXH3_64bits(msg->qname, msg->qname_len);
	return h ^ ((uint64_t)msg->qtype << 16 | msg->qclass);
}

static void unlink_entry(struct qmatch *q, size_t index)
{
	struct qmatch_entry *e = &q->entries[index];
	int32_t *link = &q->buckets[e->key & (q->nbuckets - 1)];
	while (*link >= 0) {
		if ((size_t)*link == index) {
			*link = e->next;
			break;
		}
		link = &q->entries[*link].next;
	}
	e->live = false;
}

static void drop_oldest(struct qmatch *q)
{
	struct qmatch_entry *e = &q->entries[q->head];
	if (e->live)
		unlink_entry(q, q->head);
	q->head = (q->head + 1) % q->capacity;
	q->count--;
}

/* A message's time in nanoseconds. Seconds beyond a few centuries, which
 * only a broken clock or a crafted file gives, are clamped so that the
 * product cannot overflow. */
static int64_t stamp_ns(const struct capture_message *m)
{
	const int64_t limit = 9000000000;  /* seconds; times 1e9 stays below INT64_MAX */
	int64_t sec = m->ts_sec;
	if (sec > limit)
		sec = limit;
	else if (sec < -limit)
		sec = -limit;
	return sec * 1000000000 + (int64_t)m->ts_nsec;
}

/* Whether time lies no more than the window from a query's time, both in
 * nanoseconds. The window counts both ways: captures merged from two taps
 * may stamp a response a little before its query. */
static bool within_window(const struct qmatch *q, int64_t query_time, int64_t time)
{
	if (time >= query_time)
		return (uint64_t)time - (uint64_t)query_time <= q->window;
	return (uint64_t)query_time - (uint64_t)time <= q->window;
}

static void expire(struct qmatch *q, int64_t now)
{
	while (q->count > 0) {
		const struct qmatch_entry *e = &q->entries[q->head];
		if (e->live && within_window(q, e->time, now))
			break;
		drop_oldest(q);
	}
}

void qmatch_add_query(struct qmatch *q, const struct capture_message *m,
                      const struct dns_message *msg)
{
	int64_t now = stamp_ns(m);
	expire(q, now);
	if (q->count == q->capacity)
		drop_oldest(q);

	size_t index = (q->head + q->count) % q->capacity;
	struct qmatch_entry *e = &q->entries[index];
	e->key = flow_key(m, false, msg->id);
	e->question = question_key(msg);
	e->time = now;
	e->live = true;
	e->answered = false;
	int32_t *bucket = &q->buckets[e->key & (q->nbuckets - 1)];
	e->next = *bucket;
	*bucket = (int32_t)index;
	q->count++;
}

enum qmatch_result qmatch_take(struct qmatch *q, const struct capture_message *m,
                               const struct dns_message *msg)
{
	uint64_t key = flow_key(m, true, msg->id);
	int64_t now = stamp_ns(m);
	uint64_t question = question_key(msg);
	bool repeat = false;
	for (int32_t i = q->buckets[key & (q->nbuckets - 1)]; i >= 0; i = q->entries[i].next) {
		struct qmatch_entry *e = &q->entries[i];
		if (e->key != key || e->question != question || !within_window(q, e->time, now))
			continue;
		if (!e->answered) {
			e->answered = true;
			return QMATCH_MATCHED;
		}
		repeat = true;
	}
	return repeat ? QMATCH_REPEAT : QMATCH_UNMATCHED;
}
