/* DNS message parsing into plain views of each record.
 *
 * This is our own wire parser rather than libknot's knot_pkt_parse(): on the
 * 2-million-packet benchmark, knot_pkt_parse() and the allocations behind it
 * took 37% of decode time, more than the budget allows (docs/benchmarks.md).
 * It still takes the rdata layout of every type from libknot's descriptor
 * tables, and tests/fuzz/fuzz_dns_diff.c checks that it yields the same
 * records as knot_pkt_parse() for every message libknot parses in full. */
#include "dns/message.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "util/arena.h"

/* Room for the record views of one message. A 64 KiB message cannot hold more
 * than 65535 / 11 records (root owner plus a 10-byte header each). */
#define DNS_MAX_RRS (65535 / 11 + 1)
#define DNS_HEADER_SIZE 12
#define DNS_RR_HEADER_SIZE 10
#define DNS_NAME_MAX 255
/* A pointer chain longer than this cannot occur within a 255-byte name. */
#define DNS_MAX_POINTERS 127

/* Names already read from this message, by the offset of their first label,
 * so that a compression pointer to one is a copy instead of a second walk
 * and lower-casing. The suffix points into memory that lives as long as the
 * message (the arena or the question buffer). The generation number marks
 * entries of earlier messages as stale, so the table is never cleared. */
#define NAME_CACHE_SLOTS 64

struct name_cache_entry {
	uint32_t generation;
	uint16_t offset;
	uint8_t len;
	const uint8_t *suffix;
};

struct dns_parser {
	struct arena arena;  /* uncompressed owners and rdata of one message */
	struct dns_rr *views;
	uint8_t question[DNS_NAME_MAX];
	uint32_t generation;
	struct name_cache_entry cache[NAME_CACHE_SLOTS];
};

static const char *const result_text[DNS_PARSE_RESULT_COUNT] = {
	[DNS_PARSE_OK] = "parsed",
	[DNS_PARSE_TRAILING] = "trailing bytes after the last record",
	[DNS_PARSE_PARTIAL] = "a section is malformed or cut short",
	[DNS_PARSE_SHORT] = "shorter than a DNS header",
	[DNS_PARSE_BAD_QUESTION] = "malformed question section",
	[DNS_PARSE_NO_MEMORY] = "out of memory",
};

const char *dns_parse_result_text(enum dns_parse_result result)
{
	if ((unsigned)result >= DNS_PARSE_RESULT_COUNT)
		return "unknown parse result";
	return result_text[result];
}

struct dns_parser *dns_parser_new(void)
{
	struct dns_parser *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->views = malloc(DNS_MAX_RRS * sizeof(*p->views));
	if (p->views == NULL) {
		free(p);
		return NULL;
	}
	arena_init(&p->arena, 64 * 1024);
	return p;
}

void dns_parser_free(struct dns_parser *parser)
{
	if (parser == NULL)
		return;
	arena_free(&parser->arena);
	free(parser->views);
	free(parser);
}

bool dns_wire_is_response(const uint8_t *wire, size_t len)
{
	return len >= DNS_HEADER_SIZE && (wire[2] & 0x80) != 0;
}

static uint16_t read_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t read_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void read_header(const uint8_t *wire, struct dns_message *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->id = read_u16(wire);
	msg->qr = (wire[2] & 0x80) != 0;
	msg->opcode = (wire[2] >> 3) & 0x0f;
	msg->aa = (wire[2] & 0x04) != 0;
	msg->tc = (wire[2] & 0x02) != 0;
	msg->rd = (wire[2] & 0x01) != 0;
	msg->ra = (wire[3] & 0x80) != 0;
	msg->ad = (wire[3] & 0x20) != 0;
	msg->cd = (wire[3] & 0x10) != 0;
	msg->rcode = wire[3] & 0x0f;
	msg->qdcount = read_u16(wire + 4);
	msg->ancount = read_u16(wire + 6);
	msg->nscount = read_u16(wire + 8);
	msg->arcount = read_u16(wire + 10);
}

/* ASCII lower-casing (RFC 4343): only A-Z change, without a branch. */
static inline uint8_t ascii_lower(uint8_t c)
{
	return (uint8_t)(c + (((unsigned)(c - 'A') < 26u) << 5));
}

/* Copy len bytes, lower-casing ASCII letters, eight at a time where the label
 * is long enough: a byte is upper case when adding 0x3f to its low seven
 * bits sets the top bit ('A' and up) and adding 0x25 does not ('Z' and
 * below), and its top bit itself is clear. */
static inline void lower_copy(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, src + i, 8);
		uint64_t low = x & 0x7f7f7f7f7f7f7f7full;
		uint64_t upper = ~x & ((low + 0x3f3f3f3f3f3f3f3full) ^ (low + 0x2525252525252525ull)) &
		                 0x8080808080808080ull;
		x |= upper >> 2;
		memcpy(dst + i, &x, 8);
	}
	for (; i < len; i++)
		dst[i] = ascii_lower(src[i]);
}

static const struct name_cache_entry *cache_find(const struct dns_parser *p, size_t offset)
{
	const struct name_cache_entry *e = &p->cache[offset % NAME_CACHE_SLOTS];
	return e->generation == p->generation && e->offset == offset ? e : NULL;
}

/*
 * Read the name at wire[pos], following compression pointers, and write it
 * uncompressed and lower-cased to out (room for DNS_NAME_MAX bytes, which
 * must stay valid for the rest of the message: the name cache points into
 * it). Bytes before the first pointer must lie before end; a pointer may aim
 * anywhere in the message before itself. Together with the 255-byte limit on
 * names, that makes every loop end. Returns the bytes consumed at pos, or 0
 * when the name is malformed; *out_len is the uncompressed length.
 */
static size_t read_name(struct dns_parser *p, const uint8_t *wire, size_t size, size_t pos,
                        size_t end, uint8_t *out, size_t *out_len)
{
	const size_t start = pos;
	size_t written = 0;
	size_t consumed = 0;
	size_t limit = end;
	int pointers = 0;
	/* Labels read from the message: where each began and where it went. */
	uint16_t label_at[DNS_NAME_MAX / 2];
	uint8_t label_out[DNS_NAME_MAX / 2];
	size_t labels = 0;

	for (;;) {
		if (pos >= limit)
			return 0;
		uint8_t len = wire[pos];

		if ((len & 0xc0) == 0xc0) {
			if (pos + 1 >= limit || ++pointers > DNS_MAX_POINTERS)
				return 0;
			size_t target = (size_t)(len & 0x3f) << 8 | wire[pos + 1];
			if (target >= pos)
				return 0;  /* forward or self pointer */
			if (consumed == 0)
				consumed = pos + 2 - start;
			const struct name_cache_entry *hit = cache_find(p, target);
			if (hit != NULL) {
				if (written + hit->len > DNS_NAME_MAX)
					return 0;
				memcpy(out + written, hit->suffix, hit->len);
				written += hit->len;
				break;
			}
			pos = target;
			limit = size;
			continue;
		}
		if ((len & 0xc0) != 0)
			return 0;  /* extended (0x40) and reserved (0x80) label types */
		if (written + 1 + len > DNS_NAME_MAX || pos + 1 + len > limit)
			return 0;

		if (len != 0 && pos <= UINT16_MAX) {
			label_at[labels] = (uint16_t)pos;
			label_out[labels++] = (uint8_t)written;
		}
		out[written++] = len;
		if (len == 0) {
			if (consumed == 0)
				consumed = pos + 1 - start;
			break;
		}
		lower_copy(out + written, wire + pos + 1, len);
		written += len;
		pos += 1 + len;
	}

	for (size_t i = 0; i < labels; i++) {
		struct name_cache_entry *e = &p->cache[label_at[i] % NAME_CACHE_SLOTS];
		e->generation = p->generation;
		e->offset = label_at[i];
		e->len = (uint8_t)(written - label_out[i]);
		e->suffix = out + label_out[i];
	}
	*out_len = written;
	return consumed;
}

/* The wire layout of type's rdata from libknot's tables, or NULL for types
 * libknot does not know (their rdata is taken as opaque bytes). */
static const int *lookup_layout(uint16_t type)
{
	const knot_rdata_descriptor_t *d = knot_get_rdata_descriptor(type);
	if (d->type_name == NULL)
		d = knot_get_obsolete_rdata_descriptor(type);
	return d->type_name != NULL ? d->block_types : NULL;
}

/* libknot's tables are constant, so the answers for types below 256 (all
 * but a few) are looked up once, on first use. Each slot is written in one
 * store; two threads filling it at once would store the same value. */
static const int *rdata_layout(uint16_t type)
{
	static const int no_layout[1] = {KNOT_RDATA_WF_END};
	static const int *layouts[256];
	if (type >= 256)
		return lookup_layout(type);
	const int *layout = layouts[type];
	if (layout == NULL) {
		layout = lookup_layout(type);
		layouts[type] = layout != NULL ? layout : no_layout;
	}
	return layout == no_layout ? NULL : layout;
}

size_t dns_naptr_header_size(const uint8_t *rdata, size_t avail)
{
	size_t pos = 4;
	if (avail < pos)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (pos >= avail || pos + 1 + rdata[pos] > avail)
			return 0;
		pos += 1 + rdata[pos];
	}
	return pos;
}

/* Lower-case the name at rdata + offset when it is a valid uncompressed
 * name inside rdata; SVCB and HTTPS rdata is otherwise opaque to us. A
 * name that is not valid is left untouched. */
static void lower_embedded_name(uint8_t *rdata, size_t rdlen, size_t offset)
{
	size_t pos = offset;
	for (;;) {
		if (pos >= rdlen || pos - offset >= DNS_NAME_MAX)
			return;
		uint8_t len = rdata[pos];
		if (len == 0)
			break;
		if ((len & 0xc0) != 0 || pos + 1 + len > rdlen)
			return;
		pos += 1 + len;
	}
	for (pos = offset; rdata[pos] != 0; pos += 1 + rdata[pos]) {
		for (size_t i = 1; i <= rdata[pos]; i++)
			rdata[pos + i] = ascii_lower(rdata[pos + i]);
	}
}

/*
 * Copy the rdata at wire[pos, pos + rdlen) into out, with every domain name
 * uncompressed and lower-cased. out has room for 65535 bytes. Returns the
 * output length, or -1 when the rdata is too short for its type's layout.
 */
static long copy_rdata(struct dns_parser *p, const uint8_t *wire, size_t size, size_t pos,
                       uint16_t rdlen, uint16_t type, uint8_t *out)
{
	const int *layout = rdata_layout(type);
	size_t end = pos + rdlen;
	size_t written = 0;

	if (layout == NULL || rdlen == 0) {
		/* Unknown types are opaque; an empty rdata is allowed for any
		 * type, as in UPDATE messages. */
		memcpy(out, wire + pos, rdlen);
		return rdlen;
	}
	if (type == KNOT_RRTYPE_SVCB || type == KNOT_RRTYPE_HTTPS) {
		/* libknot's layout for these is one opaque block; only the
		 * target name after the priority is lower-cased. */
		memcpy(out, wire + pos, rdlen);
		lower_embedded_name(out, rdlen, 2);
		return rdlen;
	}

	for (int b = 0; b < KNOT_MAX_RDATA_BLOCKS && layout[b] != KNOT_RDATA_WF_END; b++) {
		int block = layout[b];
		size_t avail = end - pos;
		size_t take;

		switch (block) {
		case KNOT_RDATA_WF_COMPRESSIBLE_DNAME:
		case KNOT_RDATA_WF_DECOMPRESSIBLE_DNAME:
		case KNOT_RDATA_WF_FIXED_DNAME: {
			size_t name_len;
			if (written + DNS_NAME_MAX > UINT16_MAX)
				return -1;
			/* libknot, like most resolvers, also follows pointers in
			 * names that must not be compressed (KNOT_RDATA_WF_FIXED_DNAME):
			 * multicast DNS compresses the NSEC next name, for one. */
			take = read_name(p, wire, size, pos, end, out + written, &name_len);
			if (take == 0)
				return -1;
			pos += take;
			written += name_len;
			continue;
		}
		case KNOT_RDATA_WF_NAPTR_HEADER:
			take = dns_naptr_header_size(wire + pos, avail);
			if (take == 0)
				return -1;
			break;
		case KNOT_RDATA_WF_REMAINDER:
			take = avail;
			break;
		default:
			if (block <= 0 || (size_t)block > avail)
				return -1;
			take = (size_t)block;
			break;
		}
		if (written + take > UINT16_MAX)
			return -1;
		memcpy(out + written, wire + pos, take);
		pos += take;
		written += take;
	}
	/* Bytes left after the last field are dropped, as libknot 3.2 does, so
	 * that both parsers store the same rdata (tests/fuzz/fuzz_dns_diff.c). */
	return (long)written;
}

/* Parse the record at *pos into v; false when it is malformed or cut short. */
static bool parse_rr(struct dns_parser *p, const uint8_t *wire, size_t size, size_t *pos,
                     struct dns_rr *v)
{
	const uint8_t *owner = NULL;
	size_t owner_len = 0;
	size_t used = 0;

	/* Most owners are a single pointer to a name read before (the
	 * question); they share that copy instead of making another. */
	if (size - *pos >= 2 && (wire[*pos] & 0xc0) == 0xc0) {
		size_t target = (size_t)(wire[*pos] & 0x3f) << 8 | wire[*pos + 1];
		const struct name_cache_entry *hit = target < *pos ? cache_find(p, target) : NULL;
		if (hit != NULL) {
			owner = hit->suffix;
			owner_len = hit->len;
			used = 2;
		}
	}
	if (owner == NULL) {
		/* Read into message memory, as the name cache may point at it. */
		uint8_t *copy = arena_alloc(&p->arena, DNS_NAME_MAX);
		if (copy == NULL)
			return false;
		used = read_name(p, wire, size, *pos, size, copy, &owner_len);
		owner = copy;
	}
	if (used == 0 || size - (*pos + used) < DNS_RR_HEADER_SIZE)
		return false;
	const uint8_t *h = wire + *pos + used;
	uint16_t rdlen = read_u16(h + 8);
	size_t rdata_at = *pos + used + DNS_RR_HEADER_SIZE;
	if (rdlen > size - rdata_at)
		return false;

	v->type = read_u16(h);
	v->rclass = read_u16(h + 2);
	v->ttl = read_u32(h + 4);

	/* Names in rdata grow when uncompressed, by up to 253 bytes each, and
	 * no layout has more than two. */
	uint8_t *rdata = arena_alloc(&p->arena, rdlen + (size_t)DNS_NAME_MAX * 2 + 8);
	if (rdata == NULL)
		return false;
	long rd = copy_rdata(p, wire, size, rdata_at, rdlen, v->type, rdata);
	if (rd < 0)
		return false;

	v->owner = owner;
	v->owner_len = owner_len;
	v->rdata = rdata;
	v->rdlen = (uint16_t)rd;
	*pos = rdata_at + rdlen;
	return true;
}

long dns_rdata_canonical(struct dns_parser *p, uint16_t type, const uint8_t *rdata,
                         uint16_t rdlen, uint8_t *out)
{
	arena_reset(&p->arena);
	if (++p->generation == 0) {
		memset(p->cache, 0, sizeof(p->cache));
		p->generation = 1;
	}
	return copy_rdata(p, rdata, rdlen, 0, rdlen, type, out);
}

/* Header and question. On DNS_PARSE_OK, *pos is the offset of the answer
 * section. */
static enum dns_parse_result parse_start(struct dns_parser *p, const uint8_t *wire, size_t len,
                                         struct dns_message *msg, size_t *pos)
{
	arena_reset(&p->arena);
	/* After 2^32 messages a stale entry could match again: start over. */
	if (++p->generation == 0) {
		memset(p->cache, 0, sizeof(p->cache));
		p->generation = 1;
	}
	if (len < DNS_HEADER_SIZE) {
		memset(msg, 0, sizeof(*msg));
		return DNS_PARSE_SHORT;
	}
	read_header(wire, msg);
	*pos = DNS_HEADER_SIZE;
	if (msg->qdcount == 0)
		return DNS_PARSE_OK;
	if (msg->qdcount > 1)
		return DNS_PARSE_BAD_QUESTION;

	size_t used = read_name(p, wire, len, *pos, len, p->question, &msg->qname_len);
	if (used == 0 || len - (*pos + used) < 4)
		return DNS_PARSE_BAD_QUESTION;
	const uint8_t *q = wire + *pos + used;
	msg->has_question = true;
	msg->qname = p->question;
	msg->qtype = read_u16(q);
	msg->qclass = read_u16(q + 2);
	*pos += used + 4;
	return DNS_PARSE_OK;
}

enum dns_parse_result dns_parse_question(struct dns_parser *parser, const uint8_t *wire,
                                         size_t len, struct dns_message *msg)
{
	assert(parser != NULL);
	assert(msg != NULL);
	size_t pos;
	return parse_start(parser, wire, len, msg, &pos);
}

/* The rules libknot applies to OPT and TSIG while parsing: at most one of
 * each, and TSIG the last record of the message. */
static bool meta_record_valid(const struct dns_rr *v, bool *seen_opt, bool *seen_tsig)
{
	if (*seen_tsig)
		return false;
	if (v->type == KNOT_RRTYPE_OPT) {
		if (*seen_opt)
			return false;
		*seen_opt = true;
	} else if (v->type == KNOT_RRTYPE_TSIG) {
		*seen_tsig = true;
	}
	return true;
}

/* Step over the record at *pos without copying it, keeping only what the
 * header needs (type, TTL); false when it runs off the message. */
static bool skip_rr(const uint8_t *wire, size_t size, size_t *pos, struct dns_rr *v)
{
	size_t p = *pos;
	for (;;) {
		if (p >= size)
			return false;
		uint8_t len = wire[p];
		if ((len & 0xc0) == 0xc0) {
			p += 2;
			break;
		}
		if ((len & 0xc0) != 0)
			return false;
		p += 1 + len;
		if (len == 0)
			break;
	}
	if (p > size || size - p < DNS_RR_HEADER_SIZE)
		return false;
	memset(v, 0, sizeof(*v));
	v->type = read_u16(wire + p);
	v->rclass = read_u16(wire + p + 2);
	v->ttl = read_u32(wire + p + 4);
	size_t rdlen = read_u16(wire + p + 8);
	p += DNS_RR_HEADER_SIZE;
	if (rdlen > size - p)
		return false;
	*pos = p + rdlen;
	return true;
}

static enum dns_parse_result parse_sections(struct dns_parser *parser, const uint8_t *wire,
                                            size_t len, struct dns_message *msg,
                                            bool keep_additional)
{
	size_t pos;
	enum dns_parse_result result = parse_start(parser, wire, len, msg, &pos);
	if (result != DNS_PARSE_OK)
		return result;

	const uint16_t counts[DNS_SECTION_COUNT] = {msg->ancount, msg->nscount, msg->arcount};
	size_t used = 0;
	bool damaged = false, seen_opt = false, seen_tsig = false;

	for (int s = DNS_ANSWER; s < DNS_SECTION_COUNT; s++) {
		bool keep = s != DNS_ADDITIONAL || keep_additional;
		msg->rr[s] = parser->views + used;
		size_t n = 0;
		while (!damaged && n < counts[s]) {
			struct dns_rr skipped;
			struct dns_rr *v = keep ? &parser->views[used + n] : &skipped;
			bool ok = keep ? used + n < DNS_MAX_RRS && parse_rr(parser, wire, len, &pos, v)
			               : skip_rr(wire, len, &pos, v);
			if (!ok || !meta_record_valid(v, &seen_opt, &seen_tsig)) {
				damaged = true;
				break;
			}
			if (v->type == KNOT_RRTYPE_OPT) {
				/* RFC 6891 section 6.1.3: the upper 8 bits of the
				 * extended rcode are the first byte of the TTL. */
				msg->has_edns = true;
				msg->rcode = (uint16_t)((v->ttl >> 24) << 4 | (msg->rcode & 0x0f));
			}
			n++;
		}
		msg->count[s] = keep ? n : 0;
		msg->complete[s] = !damaged;
		used += keep ? n : 0;
	}

	if (damaged)
		return DNS_PARSE_PARTIAL;
	return pos < len ? DNS_PARSE_TRAILING : DNS_PARSE_OK;
}

enum dns_parse_result dns_parse(struct dns_parser *parser, const uint8_t *wire, size_t len,
                                struct dns_message *msg)
{
	assert(parser != NULL);
	assert(msg != NULL);
	return parse_sections(parser, wire, len, msg, true);
}

enum dns_parse_result dns_parse_answers(struct dns_parser *parser, const uint8_t *wire,
                                        size_t len, struct dns_message *msg)
{
	assert(parser != NULL);
	assert(msg != NULL);
	return parse_sections(parser, wire, len, msg, false);
}
