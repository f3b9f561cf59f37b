/* Building the IP-to-ASN lookup table from what a store holds. */
#include "cli/asn_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each source's name and the id of its latest load, which ranks it. */
struct source_rank {
	uint32_t source_id;
	int64_t load_id;
	char name[256];
};

struct table_build {
	struct asn_table *table;
	struct source_rank *sources;
	size_t nsources, size;
	struct dn_error *err;
};

static dn_status add_load(const struct store_asn_load *load, void *ctx)
{
	struct table_build *b = ctx;
	if (b->nsources == b->size) {
		size_t size = b->size > 0 ? b->size * 2 : 16;
		struct source_rank *grown = realloc(b->sources, size * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(b->err, DN_ENOMEM, "out of memory listing ASN sources");
		b->sources = grown;
		b->size = size;
	}
	struct source_rank *r = &b->sources[b->nsources++];
	r->source_id = load->source_id;
	r->load_id = load->id;
	snprintf(r->name, sizeof(r->name), "%s", load->source != NULL ? load->source : "");
	return DN_OK;
}

static const struct source_rank *find_source(const struct table_build *b, uint32_t source_id)
{
	for (size_t i = 0; i < b->nsources; i++) {
		if (b->sources[i].source_id == source_id)
			return &b->sources[i];
	}
	return NULL;
}

static dn_status add_range(const struct asn_range *range, uint32_t source_id, void *ctx)
{
	struct table_build *b = ctx;
	const struct source_rank *source = find_source(b, source_id);
	uint64_t rank = source != NULL && source->load_id > 0 ? (uint64_t)source->load_id : 0;
	return asn_table_add(b->table, range, source_id, source != NULL ? source->name : "", rank,
	                     b->err);
}

dn_status cli_asn_table_build(struct store *store, struct asn_table **table,
                              struct dn_error *err)
{
	struct table_build b = {.table = asn_table_new(), .err = err};
	if (b.table == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for the ASN table");
	static const struct store_asn_filter every_range = {0};
	dn_status rc = store_list_asn_loads(store, add_load, &b, err);
	if (rc == DN_OK)
		rc = store_query_asn_ranges(store, &every_range, add_range, &b, err);
	if (rc == DN_OK)
		rc = asn_table_build(b.table, err);
	free(b.sources);
	if (rc != DN_OK) {
		asn_table_free(b.table);
		return rc;
	}
	*table = b.table;
	return DN_OK;
}
