/* Bump allocator: many small allocations, freed all at once. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;  /* chunk being filled; older chunks follow */
	size_t chunk_size;         /* size of new chunks, in bytes */
	size_t allocated;          /* bytes obtained from malloc, for memory limits */
};

/* Prepare an empty arena whose chunks are chunk_size bytes (larger requests get
 * a chunk of their own). This function can't fail; memory is taken lazily. */
void arena_init(struct arena *a, size_t chunk_size);

/* Return len bytes aligned for any type, or NULL when malloc fails. The memory
 * lives until arena_reset() or arena_free(). */
void *arena_alloc(struct arena *a, size_t len);

/* Copy len bytes into the arena; NULL when malloc fails. */
void *arena_dup(struct arena *a, const void *src, size_t len);

/* Format like printf() into the arena; NULL when malloc or the format fails. */
const char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Every allocation starts at a multiple of ARENA_ALIGN bytes, and blocks of
 * one chunk follow each other in allocation order, each rounded up to that
 * multiple; callers that know their block sizes can walk a chunk. */
#define ARENA_ALIGN (sizeof(max_align_t))

static inline size_t arena_round(size_t len)
{
	size_t need = (len + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	return need == 0 ? ARENA_ALIGN : need;
}

/* Call fn with the used part of every chunk, in no particular order. */
void arena_each_chunk(const struct arena *a, void (*fn)(const void *start, size_t used, void *ctx),
                      void *ctx);

/* Forget every allocation but keep the first chunk for reuse. */
void arena_reset(struct arena *a);

/* Release all memory. The arena may be reused after arena_init(). */
void arena_free(struct arena *a);
