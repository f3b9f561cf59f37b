/* A query's source filter turned into the store's source ids. */
#include "store/source_filter.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct source_lookup {
	const struct pdns_query *query;
	struct store_source_filter *filter;
	bool found[PDNS_QUERY_MAX_SOURCES];
	char **names; /* every source's name, for the error; owned */
	size_t nnames;
	size_t cap;
	bool out_of_memory;
};

static void remember_name(struct source_lookup *l, const char *name)
{
	if (l->out_of_memory)
		return;
	if (l->nnames == l->cap) {
		size_t cap = l->cap > 0 ? l->cap * 2 : 16;
		char **grown = realloc(l->names, cap * sizeof(*grown));
		if (grown == NULL) {
			l->out_of_memory = true;
			return;
		}
		l->names = grown;
		l->cap = cap;
	}
	l->names[l->nnames] = strdup(name);
	if (l->names[l->nnames] == NULL)
		l->out_of_memory = true;
	else
		l->nnames++;
}

static dn_status match_source(uint32_t id, const char *name, const char *kind, void *ctx)
{
	(void)kind;
	struct source_lookup *l = ctx;
	remember_name(l, name);
	for (size_t i = 0; i < l->query->nsources; i++) {
		if (!l->found[i] && strcmp(l->query->sources[i], name) == 0) {
			l->found[i] = true;
			l->filter->ids[l->filter->n++] = id;
		}
	}
	return DN_OK;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fail for the unknown source name, listing the store's sources in name
 * order, as many as fit in the message. */
static dn_status fail_unknown(struct source_lookup *l, const char *name, struct dn_error *err)
{
	if (l->nnames == 0)
		return dn_fail(err, DN_EINVAL,
		               "unknown source '%.200s': the store has no sources yet", name);
	qsort(l->names, l->nnames, sizeof(*l->names), compare_names);
	char known[320];
	size_t used = 0;
	size_t listed = 0;
	known[0] = '\0';
	for (; listed < l->nnames; listed++) {
		int n = snprintf(known + used, sizeof(known) - used, "%s%s", listed > 0 ? ", " : "",
		                 l->names[listed]);
		if (n < 0 || (size_t)n >= sizeof(known) - used) {
			known[used] = '\0';
			break;
		}
		used += (size_t)n;
	}
	if (listed == l->nnames)
		return dn_fail(err, DN_EINVAL,
		               "unknown source '%.100s'; the store's sources are: %s", name, known);
	return dn_fail(err, DN_EINVAL,
	               "unknown source '%.100s'; the store has %zu sources: %s, ... "
	               "(dragnet stats lists up to 64)",
	               name, l->nnames, known);
}

static void format_list(struct store_source_filter *filter)
{
	size_t used = 0;
	filter->list[used++] = '(';
	for (size_t i = 0; i < filter->n; i++) {
		int n = snprintf(filter->list + used, sizeof(filter->list) - used, "%s%u",
		                 i > 0 ? "," : "", filter->ids[i]);
		used += (size_t)n;
	}
	snprintf(filter->list + used, sizeof(filter->list) - used, ")");
}

dn_status store_source_filter_resolve(struct store *store, const struct pdns_query *q,
                                      struct store_source_filter *filter, struct dn_error *err)
{
	memset(filter, 0, sizeof(*filter));
	if (q->nsources == 0)
		return DN_OK;

	struct source_lookup l = {.query = q, .filter = filter};
	dn_status rc = store_list_sources(store, match_source, &l, err);
	if (rc == DN_OK && l.out_of_memory)
		rc = dn_fail(err, DN_ENOMEM, "out of memory reading the sources");
	for (size_t i = 0; rc == DN_OK && i < q->nsources; i++) {
		if (!l.found[i])
			rc = fail_unknown(&l, q->sources[i], err);
	}
	for (size_t i = 0; i < l.nnames; i++)
		free(l.names[i]);
	free(l.names);
	if (rc == DN_OK)
		format_list(filter);
	return rc;
}
