/* DNS-over-TCP reassembly: per-direction streams cut into length-prefixed messages. */
#include "capture/tcpflow.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "capture/tables.h"

/* A segment that arrived ahead of the stream, kept until the gap before it fills. */
struct tcp_held {
	struct tcp_held *next; /* held segments are sorted by sequence number */
	uint32_t seq;
	uint32_t len;
	bool fin;
	uint8_t data[];
};

struct tcp_flow {
	struct tcp_flow *hash_next;
	struct tcp_flow *older; /* age list, least recently active first */
	struct tcp_flow *newer;
	struct tcp_flow *buffer_older; /* flows holding data, in the order they started to */
	struct tcp_flow *buffer_newer;
	uint64_t hash;
	struct capture_tcp_key key;
	int64_t last_seen;  /* packet time of the latest segment, epoch seconds */
	size_t bytes;       /* memory charged to tcp_bytes for this flow */
	uint32_t next_seq;  /* sequence number of the next byte in stream order */
	uint32_t first_seq; /* first data byte after the SYN, when syn_seen */
	bool syn_seen;
	bool closed;       /* the FIN was reached, so free after this segment */
	uint8_t prefix[2]; /* length prefix of the message being collected */
	uint8_t prefix_len;
	uint16_t msg_len; /* valid when prefix_len == 2 */
	uint32_t msg_have;
	uint8_t *msg;  /* msg_len bytes, allocated when prefix_len == 2 */
	uint32_t skip; /* bytes still to discard of a message we could not buffer */
	struct tcp_held *held;
	uint32_t held_count;
};

struct capture_tcp_table {
	struct tcp_flow **buckets;
	size_t bucket_mask;
	struct tcp_flow *oldest;
	struct tcp_flow *newest;
	struct tcp_flow *buffer_oldest;
	struct tcp_flow *buffer_newest;
	uint64_t hash_seed;
	size_t count;
	size_t max_flows;
	size_t max_bytes;
	uint32_t idle_timeout;
	struct capture_counters *counters;

	/* Destination of the messages of the segment being processed. */
	const struct capture_message *frame;
	capture_message_fn fn;
	void *ctx;
};

/* Serial number arithmetic (RFC 1982): a is later than b within half the space. */
static bool seq_after(uint32_t a, uint32_t b)
{
	return a != b && a - b < 0x80000000u;
}

static size_t held_size(uint32_t len)
{
	return sizeof(struct tcp_held) + len;
}

struct capture_tcp_table *capture_tcp_table_new(const struct capture_config *cfg,
                                                struct capture_counters *counters)
{
	struct capture_tcp_table *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	size_t nbuckets = capture_bucket_count(cfg->tcp_max_flows);
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		free(t);
		return NULL;
	}
	t->bucket_mask = nbuckets - 1;
	t->hash_seed = capture_hash_seed();
	t->max_flows = cfg->tcp_max_flows;
	t->max_bytes = cfg->tcp_max_bytes;
	t->idle_timeout = cfg->tcp_idle_timeout;
	t->counters = counters;
	return t;
}

/* Charge n more bytes to f, putting it on the list of flows that hold data. */
static void flow_charge(struct capture_tcp_table *t, struct tcp_flow *f, size_t n)
{
	if (f->bytes == 0) {
		f->buffer_older = t->buffer_newest;
		f->buffer_newer = NULL;
		if (t->buffer_newest)
			t->buffer_newest->buffer_newer = f;
		else
			t->buffer_oldest = f;
		t->buffer_newest = f;
	}
	f->bytes += n;
	t->counters->tcp_bytes += n;
	capture_note_peak(t->counters);
}

static void buffer_list_remove(struct capture_tcp_table *t, struct tcp_flow *f)
{
	if (f->buffer_older)
		f->buffer_older->buffer_newer = f->buffer_newer;
	else
		t->buffer_oldest = f->buffer_newer;
	if (f->buffer_newer)
		f->buffer_newer->buffer_older = f->buffer_older;
	else
		t->buffer_newest = f->buffer_older;
}

static void flow_release(struct capture_tcp_table *t, struct tcp_flow *f, size_t n)
{
	f->bytes -= n;
	t->counters->tcp_bytes -= n;
	if (f->bytes == 0)
		buffer_list_remove(t, f);
}

static void age_list_remove(struct capture_tcp_table *t, struct tcp_flow *f)
{
	if (f->older)
		f->older->newer = f->newer;
	else
		t->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	else
		t->newest = f->older;
}

static void age_list_append(struct capture_tcp_table *t, struct tcp_flow *f)
{
	f->older = t->newest;
	f->newer = NULL;
	if (t->newest)
		t->newest->newer = f;
	else
		t->oldest = f;
	t->newest = f;
}

/* Remove f from the table and free it with all the data it buffers. */
static void flow_drop(struct capture_tcp_table *t, struct tcp_flow *f)
{
	struct tcp_flow **link = &t->buckets[f->hash & t->bucket_mask];
	while (*link != f)
		link = &(*link)->hash_next;
	*link = f->hash_next;
	age_list_remove(t, f);
	if (f->bytes > 0)
		buffer_list_remove(t, f);
	t->counters->tcp_bytes -= f->bytes;
	t->count--;

	free(f->msg);
	struct tcp_held *h = f->held;
	while (h != NULL) {
		struct tcp_held *next = h->next;
		free(h);
		h = next;
	}
	free(f);
}

void capture_tcp_table_free(struct capture_tcp_table *t)
{
	if (t == NULL)
		return;
	while (t->oldest != NULL)
		flow_drop(t, t->oldest);
	free(t->buckets);
	free(t);
}

static struct tcp_flow *flow_find(struct capture_tcp_table *t, const struct capture_tcp_key *key,
                                  uint64_t hash)
{
	struct tcp_flow *f = t->buckets[hash & t->bucket_mask];
	for (; f != NULL; f = f->hash_next) {
		if (f->hash == hash && memcmp(&f->key, key, sizeof(*key)) == 0)
			return f;
	}
	return NULL;
}

/* Start tracking a direction, evicting the least recently active one when the
 * table is full. Returns NULL when no flows are allowed or malloc fails. */
static struct tcp_flow *flow_create(struct capture_tcp_table *t, const struct capture_tcp_key *key,
                                    uint64_t hash)
{
	if (t->max_flows == 0)
		return NULL;
	if (t->count >= t->max_flows) {
		flow_drop(t, t->oldest);
		t->counters->tcp_flows_evicted++;
	}
	struct tcp_flow *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->hash = hash;
	f->key = *key;
	struct tcp_flow **bucket = &t->buckets[hash & t->bucket_mask];
	f->hash_next = *bucket;
	*bucket = f;
	age_list_append(t, f);
	t->count++;
	t->counters->tcp_flows_opened++;
	return f;
}

/* Make room for size more bytes by evicting the flows that started buffering
 * first, never keep. Returns false when that cannot make enough room. */
static bool reserve_bytes(struct capture_tcp_table *t, size_t size, struct tcp_flow *keep)
{
	if (size > t->max_bytes)
		return false;
	while (t->counters->tcp_bytes + size > t->max_bytes) {
		struct tcp_flow *victim = t->buffer_oldest;
		if (victim == keep)
			victim = keep->buffer_newer;
		if (victim == NULL)
			return false;
		flow_drop(t, victim);
		t->counters->tcp_flows_evicted++;
	}
	return true;
}

static void deliver(struct capture_tcp_table *t, const uint8_t *data, size_t len)
{
	struct capture_message msg = *t->frame;
	msg.data = data;
	msg.len = len;
	t->counters->messages_tcp++;
	t->fn(&msg, t->ctx);
}

/* Forget the message being collected, so the stream is at a message boundary. */
static void message_discard(struct capture_tcp_table *t, struct tcp_flow *f)
{
	if (f->msg != NULL) {
		free(f->msg);
		f->msg = NULL;
		flow_release(t, f, f->msg_len);
	}
	f->prefix_len = 0;
	f->msg_have = 0;
	f->skip = 0;
}

/* The length prefix is complete: allocate the message buffer. The bytes of a
 * message that does not fit within tcp_max_bytes are discarded as they arrive, so
 * the stream stays in step. It counts as a gap because it is lost like one. */
static void message_begin(struct capture_tcp_table *t, struct tcp_flow *f)
{
	f->msg_len = (uint16_t)(f->prefix[0] << 8 | f->prefix[1]);
	f->msg_have = 0;
	if (f->msg_len == 0) {
		t->counters->tcp_bad_messages++;
		f->prefix_len = 0;
		return;
	}
	if (reserve_bytes(t, f->msg_len, f))
		f->msg = malloc(f->msg_len);
	if (f->msg == NULL) {
		f->skip = f->msg_len;
		f->prefix_len = 0;
		t->counters->tcp_gaps++;
		return;
	}
	flow_charge(t, f, f->msg_len);
}

/* Cut n in-order stream bytes into messages. Whole messages inside p are
 * delivered from p without a copy; only a message that continues into a later
 * segment is copied into the flow. */
static void stream_consume(struct capture_tcp_table *t, struct tcp_flow *f, const uint8_t *p,
                           size_t n)
{
	while (n > 0) {
		if (f->skip > 0) {
			size_t k = n < f->skip ? n : f->skip;
			f->skip -= (uint32_t)k;
			p += k;
			n -= k;
			continue;
		}
		if (f->prefix_len == 0 && n >= 2) {
			size_t len = (size_t)(p[0] << 8 | p[1]);
			if (len == 0) {
				t->counters->tcp_bad_messages++;
				p += 2;
				n -= 2;
				continue;
			}
			if (n - 2 >= len) {
				deliver(t, p + 2, len);
				p += 2 + len;
				n -= 2 + len;
				continue;
			}
		}
		if (f->prefix_len < 2) {
			f->prefix[f->prefix_len++] = *p++;
			n--;
			if (f->prefix_len == 2)
				message_begin(t, f);
			continue;
		}
		size_t want = f->msg_len - f->msg_have;
		size_t k = n < want ? n : want;
		memcpy(f->msg + f->msg_have, p, k);
		f->msg_have += (uint32_t)k;
		p += k;
		n -= k;
		if (f->msg_have == f->msg_len) {
			deliver(t, f->msg, f->msg_len);
			message_discard(t, f);
		}
	}
}

/* Take a segment that starts at or before next_seq: skip what the stream already
 * has (a retransmission) and consume the rest. A FIN here ends the stream. */
static void stream_take(struct capture_tcp_table *t, struct tcp_flow *f, uint32_t seq,
                        const uint8_t *data, uint32_t len, bool fin)
{
	uint32_t behind = f->next_seq - seq;
	if (behind >= len) {
		if (len > 0)
			t->counters->tcp_retransmits++;
	} else {
		if (behind > 0)
			t->counters->tcp_retransmits++;
		stream_consume(t, f, data + behind, len - behind);
		f->next_seq += len - behind;
	}
	if (fin)
		f->closed = true;
}

/* Take held segments that the stream has now reached. */
static void stream_drain(struct capture_tcp_table *t, struct tcp_flow *f)
{
	while (f->held != NULL && !seq_after(f->held->seq, f->next_seq)) {
		struct tcp_held *h = f->held;
		f->held = h->next;
		f->held_count--;
		stream_take(t, f, h->seq, h->data, h->len, h->fin);
		flow_release(t, f, held_size(h->len));
		free(h);
	}
}

/* Keep a segment that lies ahead of the stream. Returns false when the queue is
 * full or memory is short, so the caller must give up on the gap. */
static bool stream_hold(struct capture_tcp_table *t, struct tcp_flow *f, uint32_t seq,
                        const uint8_t *data, uint32_t len, bool fin)
{
	if (len == 0 && !fin)
		return true;
	struct tcp_held **link = &f->held;
	while (*link != NULL && seq_after(seq, (*link)->seq))
		link = &(*link)->next;
	struct tcp_held *same = *link;
	if (same != NULL && same->seq == seq && same->len >= len) {
		if (len > 0)
			t->counters->tcp_retransmits++;
		same->fin |= fin;
		return true;
	}

	if (f->held_count >= CAPTURE_TCP_HELD_MAX || !reserve_bytes(t, held_size(len), f))
		return false;
	struct tcp_held *h = malloc(held_size(len));
	if (h == NULL)
		return false;
	h->seq = seq;
	h->len = len;
	h->fin = fin;
	memcpy(h->data, data, len);
	h->next = *link;
	*link = h;
	f->held_count++;
	flow_charge(t, f, held_size(len));
	return true;
}

static void held_discard(struct capture_tcp_table *t, struct tcp_flow *f)
{
	while (f->held != NULL) {
		struct tcp_held *h = f->held;
		f->held = h->next;
		flow_release(t, f, held_size(h->len));
		free(h);
	}
	f->held_count = 0;
}

/* Give up on the bytes before seq: drop the partial message, count a gap and
 * continue the stream at seq as if a message started there. */
static void stream_restart(struct capture_tcp_table *t, struct tcp_flow *f, uint32_t seq)
{
	message_discard(t, f);
	t->counters->tcp_gaps++;
	f->next_seq = seq;
}

static void stream_add(struct capture_tcp_table *t, struct tcp_flow *f, uint32_t seq,
                       const uint8_t *data, uint32_t len, bool fin)
{
	if (seq_after(seq, f->next_seq)) {
		if (stream_hold(t, f, seq, data, len, fin))
			return;
		/* With no room to wait any longer, the gap is lost. Resume at the
		 * earliest segment after it, held or this one. */
		uint32_t resume = seq;
		if (f->held != NULL && seq_after(seq, f->held->seq))
			resume = f->held->seq;
		stream_restart(t, f, resume);
		stream_drain(t, f);
		if (seq_after(seq, f->next_seq) && stream_hold(t, f, seq, data, len, fin))
			return;
		if (seq_after(seq, f->next_seq)) {
			/* Held segments beyond a second gap leave no room either. */
			held_discard(t, f);
			stream_restart(t, f, seq);
		}
	}
	stream_take(t, f, seq, data, len, fin);
	stream_drain(t, f);
}

/* A SYN on a flow we already track is either a retransmitted SYN or a new
 * connection on the same ports. A new connection starts the stream over. */
static void flow_handle_syn(struct capture_tcp_table *t, struct tcp_flow *f, uint32_t data_seq)
{
	if (f->syn_seen && data_seq == f->first_seq)
		return;
	bool lost = f->prefix_len > 0 || f->skip > 0 || f->held != NULL;
	held_discard(t, f);
	message_discard(t, f);
	if (lost)
		t->counters->tcp_gaps++;
	f->syn_seen = true;
	f->first_seq = data_seq;
	f->next_seq = data_seq;
	f->closed = false;
}

static void flow_drop_reverse(struct capture_tcp_table *t, const struct capture_tcp_key *key)
{
	struct capture_tcp_key reverse = *key;
	memcpy(reverse.src, key->dst, sizeof(reverse.src));
	memcpy(reverse.dst, key->src, sizeof(reverse.dst));
	reverse.sport = key->dport;
	reverse.dport = key->sport;
	uint64_t hash = XXH3_64bits_withSeed(&reverse, sizeof(reverse), t->hash_seed);
	struct tcp_flow *f = flow_find(t, &reverse, hash);
	if (f != NULL)
		flow_drop(t, f);
}

void capture_tcp_add(struct capture_tcp_table *t, const struct capture_tcp_segment *seg,
                     const struct capture_message *frame, int64_t now, capture_message_fn fn,
                     void *ctx)
{
	t->frame = frame;
	t->fn = fn;
	t->ctx = ctx;

	uint64_t hash = XXH3_64bits_withSeed(&seg->key, sizeof(seg->key), t->hash_seed);
	struct tcp_flow *f = flow_find(t, &seg->key, hash);

	/* A reset aborts the connection: neither direction will complete a message. */
	if (seg->flags & CAPTURE_TCP_RST) {
		if (f != NULL)
			flow_drop(t, f);
		flow_drop_reverse(t, &seg->key);
		return;
	}

	bool syn = seg->flags & CAPTURE_TCP_SYN;
	bool fin = seg->flags & CAPTURE_TCP_FIN;
	uint32_t data_seq = seg->seq + (syn ? 1 : 0); /* the SYN takes one sequence number */
	uint32_t len = (uint32_t)seg->len;            /* at most 65535, as it fits an IP packet */

	if (f == NULL) {
		/* A bare ACK or FIN carries nothing to reassemble and opens nothing. */
		if (!syn && len == 0)
			return;
		f = flow_create(t, &seg->key, hash);
		if (f == NULL)
			return;
		/* Without a SYN the capture began mid-stream: start at this segment. */
		f->syn_seen = syn;
		f->first_seq = data_seq;
		f->next_seq = data_seq;
	} else {
		age_list_remove(t, f);
		age_list_append(t, f);
		if (syn)
			flow_handle_syn(t, f, data_seq);
	}
	f->last_seen = now;

	stream_add(t, f, data_seq, seg->data, len, fin);
	if (f->closed)
		flow_drop(t, f);
}

void capture_tcp_expire(struct capture_tcp_table *t, int64_t now)
{
	while (t->oldest != NULL &&
	       capture_is_expired(t->oldest->last_seen, now, t->idle_timeout)) {
		flow_drop(t, t->oldest);
		t->counters->tcp_flows_expired++;
	}
}

size_t capture_tcp_memory(const struct capture_tcp_table *t)
{
	return sizeof(*t) + (t->bucket_mask + 1) * sizeof(*t->buckets) +
	       t->count * sizeof(struct tcp_flow) + t->counters->tcp_bytes;
}
