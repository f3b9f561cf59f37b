/* Bump allocator: many small allocations, freed all at once. */
#include "util/arena.h"

#include <stdarg.h>
#include <stdio.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;  /* usable bytes in data[] */
	size_t used;
	max_align_t data[];
};


void arena_init(struct arena *a, size_t chunk_size)
{
	assert(a != NULL);
	a->head = NULL;
	a->chunk_size = chunk_size < 256 ? 256 : chunk_size;
	a->allocated = 0;
}

static struct arena_chunk *chunk_new(struct arena *a, size_t min_size)
{
	size_t size = min_size > a->chunk_size ? min_size : a->chunk_size;
	struct arena_chunk *c = malloc(sizeof(*c) + size);
	if (c == NULL)
		return NULL;
	c->size = size;
	c->used = 0;
	a->allocated += sizeof(*c) + size;
	return c;
}

void *arena_alloc(struct arena *a, size_t len)
{
	assert(a != NULL);
	size_t need = arena_round(len);

	struct arena_chunk *c = a->head;
	if (c == NULL || c->size - c->used < need) {
		struct arena_chunk *fresh = chunk_new(a, need);
		if (fresh == NULL)
			return NULL;
		if (c != NULL && need > a->chunk_size) {
			/* An oversized block goes behind the current chunk so the
			 * space left in the current one is not wasted. */
			fresh->next = c->next;
			c->next = fresh;
			fresh->used = need;
			return fresh->data;
		}
		fresh->next = c;
		a->head = c = fresh;
	}

	void *p = (char *)c->data + c->used;
	c->used += need;
	return p;
}

void *arena_dup(struct arena *a, const void *src, size_t len)
{
	void *p = arena_alloc(a, len);
	if (p != NULL && len > 0)
		memcpy(p, src, len);
	return p;
}

void arena_each_chunk(const struct arena *a, void (*fn)(const void *start, size_t used, void *ctx),
                      void *ctx)
{
	for (const struct arena_chunk *c = a->head; c != NULL; c = c->next) {
		if (c->used > 0)
			fn(c->data, c->used, ctx);
	}
}

void arena_reset(struct arena *a)
{
	assert(a != NULL);
	if (a->head == NULL)
		return;

	/* Keep the newest chunk for reuse, unless it is an oversized one (the
	 * first allocation may have made it); free the rest. */
	struct arena_chunk *keep = a->head;
	struct arena_chunk *rest = keep->next;
	if (keep->size > a->chunk_size) {
		rest = keep;
		keep = NULL;
	} else {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
	a->allocated = keep != NULL ? sizeof(*keep) + keep->size : 0;
	while (rest != NULL) {
		struct arena_chunk *next = rest->next;
		free(rest);
		rest = next;
	}
}

void arena_free(struct arena *a)
{
	assert(a != NULL);
	struct arena_chunk *c = a->head;
	while (c != NULL) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->allocated = 0;
}

const char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = arena_alloc(a, (size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}
