/* RowBinary encoding and decoding. */
#include "store/clickhouse/ch_rowbin.h"

#include <stdlib.h>
#include <string.h>

void ch_buf_init(struct ch_buf *b)
{
	memset(b, 0, sizeof(*b));
	b->ok = true;
}

void ch_buf_free(struct ch_buf *b)
{
	free(b->data);
	ch_buf_init(b);
}

void ch_buf_reset(struct ch_buf *b)
{
	b->len = 0;
}

void ch_buf_add(struct ch_buf *b, const void *data, size_t len)
{
	if (!b->ok || len == 0)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		uint8_t *grown = realloc(b->data, cap);
		if (grown == NULL) {
			b->ok = false;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void add_le(struct ch_buf *b, uint64_t v, size_t size)
{
	uint8_t bytes[8];
	for (size_t i = 0; i < size; i++)
		bytes[i] = (uint8_t)(v >> (8 * i));
	ch_buf_add(b, bytes, size);
}

void ch_buf_u8(struct ch_buf *b, uint8_t v)
{
	ch_buf_add(b, &v, 1);
}

void ch_buf_u16(struct ch_buf *b, uint16_t v)
{
	add_le(b, v, 2);
}

void ch_buf_u32(struct ch_buf *b, uint32_t v)
{
	add_le(b, v, 4);
}

void ch_buf_u64(struct ch_buf *b, uint64_t v)
{
	add_le(b, v, 8);
}

void ch_buf_i64(struct ch_buf *b, int64_t v)
{
	add_le(b, (uint64_t)v, 8);
}

void ch_buf_str(struct ch_buf *b, const char *s, size_t len)
{
	uint8_t varint[10];
	size_t n = 0;
	uint64_t v = len;
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		varint[n++] = v != 0 ? (uint8_t)(byte | 0x80) : byte;
	} while (v != 0);
	ch_buf_add(b, varint, n);
	ch_buf_add(b, s, len);
}

static bool read_le(struct ch_reader *r, uint64_t *v, size_t size)
{
	if ((size_t)(r->end - r->pos) < size)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < size; i++)
		x |= (uint64_t)r->pos[i] << (8 * i);
	r->pos += size;
	*v = x;
	return true;
}

bool ch_read_u8(struct ch_reader *r, uint8_t *v)
{
	uint64_t x;
	if (!read_le(r, &x, 1))
		return false;
	*v = (uint8_t)x;
	return true;
}

bool ch_read_u16(struct ch_reader *r, uint16_t *v)
{
	uint64_t x;
	if (!read_le(r, &x, 2))
		return false;
	*v = (uint16_t)x;
	return true;
}

bool ch_read_u32(struct ch_reader *r, uint32_t *v)
{
	uint64_t x;
	if (!read_le(r, &x, 4))
		return false;
	*v = (uint32_t)x;
	return true;
}

bool ch_read_u64(struct ch_reader *r, uint64_t *v)
{
	return read_le(r, v, 8);
}

bool ch_read_i64(struct ch_reader *r, int64_t *v)
{
	uint64_t x;
	if (!read_le(r, &x, 8))
		return false;
	*v = (int64_t)x;
	return true;
}

bool ch_read_str(struct ch_reader *r, const char **s, size_t *len)
{
	uint64_t n = 0;
	const uint8_t *p = r->pos;
	for (int shift = 0;; shift += 7) {
		if (p == r->end || shift > 63)
			return false;
		uint8_t byte = *p++;
		n |= (uint64_t)(byte & 0x7f) << shift;
		if ((byte & 0x80) == 0)
			break;
	}
	if ((uint64_t)(r->end - p) < n)
		return false;
	*s = (const char *)p;
	*len = (size_t)n;
	r->pos = p + n;
	return true;
}
