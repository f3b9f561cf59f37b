/* Names of the store's sources by id, read once before a query, because a
 * backend that streams results cannot run another query from inside the
 * callback of the first. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/status.h"

struct store_source_names {
	uint32_t *ids;
	char **names;
	size_t n, cap;
};

/* Read every source of store into names, which starts zeroed. Free it
 * with store_source_names_free() whatever this returns. */
dn_status store_source_names_load(struct store *store, struct store_source_names *names,
                                  struct dn_error *err);

/* Add the source id called name; DN_ENOMEM when memory runs out. */
dn_status store_source_names_add(struct store_source_names *names, uint32_t id, const char *name);

void store_source_names_free(struct store_source_names *names);

/* The name of source id; "source ID", written to buf, when names has no
 * such id. This function can't fail. */
const char *store_source_name(const struct store_source_names *names, uint32_t id, char *buf,
                              size_t size);
