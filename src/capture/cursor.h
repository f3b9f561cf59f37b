/* Bounds-checked reader for packet headers, private to src/capture. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A cursor never moves past its end. A read that does not fit sets error,
 * returns zero (or NULL) and leaves the position where it was, so a parser can
 * read a whole header and check error once.
 */
struct cursor {
	const uint8_t *pos;
	size_t left; /* bytes from pos to the end of the packet */
	bool error;
};

static inline struct cursor cursor_make(const uint8_t *data, size_t len)
{
	struct cursor c = {.pos = data, .left = len, .error = false};
	return c;
}

static inline bool cursor_has(const struct cursor *c, size_t n)
{
	return c->left >= n;
}

/* Return a pointer to the next n bytes and step over them, or NULL. */
static inline const uint8_t *cursor_take(struct cursor *c, size_t n)
{
	if (c->left < n) {
		c->error = true;
		return NULL;
	}
	const uint8_t *p = c->pos;
	c->pos += n;
	c->left -= n;
	return p;
}

static inline void cursor_skip(struct cursor *c, size_t n)
{
	(void)cursor_take(c, n);
}

static inline uint8_t cursor_u8(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint16_t cursor_be16(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t cursor_be32(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 4);
	if (p == NULL)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read four bytes in the byte order of the machine running the decoder. */
static inline uint32_t cursor_host32(struct cursor *c)
{
	uint32_t v = 0;
	const uint8_t *p = cursor_take(c, 4);
	if (p != NULL)
		memcpy(&v, p, sizeof(v));
	return v;
}

/* Return the byte at pos without moving. When there is none, set error and return 0. */
static inline uint8_t cursor_peek_u8(struct cursor *c)
{
	if (c->left < 1) {
		c->error = true;
		return 0;
	}
	return c->pos[0];
}

/* Forget everything beyond the next n bytes (link-layer padding, trailers). */
static inline void cursor_truncate(struct cursor *c, size_t n)
{
	if (c->left > n)
		c->left = n;
}
