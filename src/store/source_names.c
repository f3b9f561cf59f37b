/* Names of the store's sources by id (see source_names.h). */
#include "store/source_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dn_status store_source_names_add(struct store_source_names *names, uint32_t id, const char *name)
{
	if (names->n == names->cap) {
		size_t cap = names->cap ? names->cap * 2 : 16;
		uint32_t *ids = realloc(names->ids, cap * sizeof(*ids));
		if (ids != NULL)
			names->ids = ids;
		char **list = realloc(names->names, cap * sizeof(*list));
		if (list != NULL)
			names->names = list;
		if (ids == NULL || list == NULL)
			return DN_ENOMEM;
		names->cap = cap;
	}
	names->names[names->n] = strdup(name);
	if (names->names[names->n] == NULL)
		return DN_ENOMEM;
	names->ids[names->n++] = id;
	return DN_OK;
}

static dn_status add_source(uint32_t id, const char *name, const char *kind, void *ctx)
{
	(void)kind;
	return store_source_names_add(ctx, id, name);
}

dn_status store_source_names_load(struct store *store, struct store_source_names *names,
                                  struct dn_error *err)
{
	dn_status rc = store_list_sources(store, add_source, names, err);
	if (rc == DN_ENOMEM)
		return dn_fail(err, DN_ENOMEM, "out of memory reading the source names");
	return rc;
}

void store_source_names_free(struct store_source_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->names[i]);
	free(names->names);
	free(names->ids);
	memset(names, 0, sizeof(*names));
}

const char *store_source_name(const struct store_source_names *names, uint32_t id, char *buf,
                              size_t size)
{
	for (size_t i = 0; i < names->n; i++) {
		if (names->ids[i] == id)
			return names->names[i];
	}
	snprintf(buf, size, "source %u", id);
	return buf;
}
