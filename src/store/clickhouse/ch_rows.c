/* Parsing RowBinary answers as they stream in: pure code, bytes in,
 * records out through callbacks. */
#include "store/clickhouse/ch_rows.h"

#include <stdlib.h>
#include <string.h>

/* ---- Streaming rows ---- */

dn_status ch_row_stream_sink(const uint8_t *data, size_t len, void *arg)
{
	struct ch_row_stream *st = arg;
	ch_buf_add(&st->pending, data, len);
	if (!st->pending.ok)
		return DN_ENOMEM;
	struct ch_reader r = {st->pending.data, st->pending.data + st->pending.len};
	dn_status status = DN_OK;
	while (r.pos < r.end) {
		const uint8_t *start = r.pos;
		if (!st->row(&r, st->ctx, &status)) {
			r.pos = start;
			break;
		}
		st->rows++;
		if (status != DN_OK)
			return status;
	}
	size_t left = (size_t)(r.end - r.pos);
	memmove(st->pending.data, r.pos, left);
	st->pending.len = left;
	return DN_OK;
}

/* ---- Lookups ---- */

/* Copies of a row's strings, terminated, for the callbacks. */

/* Copy s, terminated, to offset *used of t and set *at to that offset;
 * false when out of memory. Offsets stay valid when t grows. */
static bool hold(struct ch_row_text *t, size_t *used, const char *s, size_t len, size_t *at)
{
	if (*used + len + 1 > t->cap) {
		size_t cap = t->cap > 0 ? t->cap : 4096;
		while (cap < *used + len + 1)
			cap *= 2;
		char *grown = realloc(t->buf, cap);
		if (grown == NULL)
			return false;
		t->buf = grown;
		t->cap = cap;
	}
	memcpy(t->buf + *used, s, len);
	t->buf[*used + len] = '\0';
	*at = *used;
	*used += len + 1;
	return true;
}

#define HELD(t, off) ((t)->buf + (off))

bool ch_parse_rrset(struct ch_reader *r, void *arg, dn_status *status)
{
	struct ch_rrset_rows *rows = arg;
	const char *name, *bailiwick, *rdata, *key = "", *target = "";
	size_t name_len, bailiwick_len, rdata_len, key_len = 0, target_len = 0;
	uint16_t rrtype;
	uint32_t source_id = 0;
	int64_t first, last;
	uint64_t count, sources = 1;
	if (!ch_read_str(r, &name, &name_len) || !ch_read_u16(r, &rrtype) ||
	    !ch_read_str(r, &bailiwick, &bailiwick_len) || !ch_read_str(r, &rdata, &rdata_len))
		return false;
	if (rows->dump && (!ch_read_u32(r, &source_id) || !ch_read_str(r, &key, &key_len) ||
	                   !ch_read_str(r, &target, &target_len)))
		return false;
	if (!ch_read_i64(r, &first) || !ch_read_i64(r, &last) || !ch_read_u64(r, &count))
		return false;
	if (!rows->dump && !ch_read_u64(r, &sources))
		return false;
	if (!rows->dump && !ch_read_str(r, &key, &key_len)) /* o_ip, for the order only */
		return false;

	size_t used = 0, n, b, d, t;
	if (!hold(&rows->text, &used, name, name_len, &n) ||
	    !hold(&rows->text, &used, bailiwick, bailiwick_len, &b) ||
	    !hold(&rows->text, &used, rdata, rdata_len, &d) ||
	    !hold(&rows->text, &used, target, target_len, &t)) {
		*status = DN_ENOMEM;
		return true;
	}
	struct pdns_record rec = {
	        .rrname = HELD(&rows->text, n),
	        .rrtype = rrtype,
	        .bailiwick = HELD(&rows->text, b),
	        .rdata = HELD(&rows->text, d),
	        .time_first = first,
	        .time_last = last,
	        .count = count,
	        .source_count = (uint32_t)sources,
	};
	if (rows->dump) {
		rec.source_id = source_id;
		rec.source_count = 0;
		if (key_len == 17 && key[0] == 'I') {
			rec.has_ip = true;
			memcpy(rec.ip.b, key + 1, 16);
		} else if (key_len > 0 && key[0] == 'N') {
			rec.rdata_name = HELD(&rows->text, t);
		}
	}
	*status = rows->fn(&rec, rows->ctx);
	return true;
}

bool ch_parse_negative(struct ch_reader *r, void *arg, dn_status *status)
{
	struct ch_negative_rows *rows = arg;
	const char *name, *bailiwick;
	size_t name_len, bailiwick_len;
	uint16_t qtype, rcode;
	uint32_t source_id = 0;
	int64_t first, last;
	uint64_t count, sources = 1;
	if (!ch_read_str(r, &name, &name_len) || !ch_read_u16(r, &qtype) ||
	    !ch_read_u16(r, &rcode) || !ch_read_str(r, &bailiwick, &bailiwick_len))
		return false;
	if (rows->dump && !ch_read_u32(r, &source_id))
		return false;
	if (!ch_read_i64(r, &first) || !ch_read_i64(r, &last) || !ch_read_u64(r, &count))
		return false;
	if (!rows->dump && !ch_read_u64(r, &sources))
		return false;
	size_t used = 0, n, b;
	if (!hold(&rows->text, &used, name, name_len, &n) ||
	    !hold(&rows->text, &used, bailiwick, bailiwick_len, &b)) {
		*status = DN_ENOMEM;
		return true;
	}
	struct pdns_negative neg = {
	        .qname = HELD(&rows->text, n),
	        .qtype = qtype,
	        .rcode = rcode,
	        .bailiwick = HELD(&rows->text, b),
	        .time_first = first,
	        .time_last = last,
	        .count = count,
	        .source_id = source_id,
	        .source_count = rows->dump ? 0 : (uint32_t)sources,
	};
	*status = rows->fn(&neg, rows->ctx);
	return true;
}
