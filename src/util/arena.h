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

/* Forget every allocation but keep the first chunk for reuse. */
void arena_reset(struct arena *a);

/* Release all memory. The arena may be reused after arena_init(). */
void arena_free(struct arena *a);
