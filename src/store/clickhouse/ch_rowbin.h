/* ClickHouse's RowBinary format: little-endian integers, strings as a
 * LEB128 length and bytes, FixedString(N) as N bytes. Pure code, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing output buffer; ok turns false once an allocation fails, and
 * later appends do nothing. */
struct ch_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool ok;
};

void ch_buf_init(struct ch_buf *b);
void ch_buf_free(struct ch_buf *b);
void ch_buf_reset(struct ch_buf *b);
void ch_buf_add(struct ch_buf *b, const void *data, size_t len);
void ch_buf_u8(struct ch_buf *b, uint8_t v);
void ch_buf_u16(struct ch_buf *b, uint16_t v);
void ch_buf_u32(struct ch_buf *b, uint32_t v);
void ch_buf_u64(struct ch_buf *b, uint64_t v);
void ch_buf_i64(struct ch_buf *b, int64_t v);
void ch_buf_str(struct ch_buf *b, const char *s, size_t len);

/* Reading rows: each call takes one value from [pos, end) and returns false,
 * consuming nothing further, when the value is not complete yet. */
struct ch_reader {
	const uint8_t *pos;
	const uint8_t *end;
};

bool ch_read_u8(struct ch_reader *r, uint8_t *v);
bool ch_read_u16(struct ch_reader *r, uint16_t *v);
bool ch_read_u32(struct ch_reader *r, uint32_t *v);
bool ch_read_u64(struct ch_reader *r, uint64_t *v);
bool ch_read_i64(struct ch_reader *r, int64_t *v);
/* A String: *s points into the input, not terminated. */
bool ch_read_str(struct ch_reader *r, const char **s, size_t *len);
