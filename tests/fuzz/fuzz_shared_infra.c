/* libFuzzer target: the parser of the shared-infrastructure list that
 * `dragnet map` reads (data/shared-infra.txt or --shared-list FILE), and
 * matching against what it parsed. The input is the text of a list. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/shared_infra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const char *text, size_t len)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	return lines;
}

/* The graph kind whose nodes an entry of kind covers by its own value. */
static bool self_kind(enum shared_kind kind, enum graph_kind *out)
{
	switch (kind) {
	case SHARED_ASN:
		*out = GRAPH_ASN;
		return true;
	case SHARED_PREFIX:
		*out = GRAPH_PREFIX;
		return true;
	case SHARED_NAMESERVER:
		*out = GRAPH_NAMESERVER;
		return true;
	case SHARED_MX:
		*out = GRAPH_MX;
		return true;
	case SHARED_DOMAIN:
		*out = GRAPH_DOMAIN;
		return true;
	case SHARED_ORG:
		*out = GRAPH_ORG;
		return true;
	default:
		return false;
	}
}

static void check_entries(const struct shared_list *l, const char *text, size_t len)
{
	size_t lines = count_lines(text, len);
	for (size_t i = 0; i < l->n_entries; i++) {
		const struct shared_entry *e = &l->entries[i];
		if (e->value == NULL || e->label == NULL || e->value[0] == '\0' ||
		    e->label[0] == '\0' || e->line == 0 || e->line > lines ||
		    (unsigned)e->kind >= SHARED_KIND_COUNT)
			abort();
		/* Every entry covers a node keyed by its own value. */
		enum graph_kind kind;
		if (self_kind(e->kind, &kind) && shared_list_match(l, kind, e->value) == NULL)
			abort();
		if (e->kind == SHARED_EMAIL_DOMAIN) {
			char email[300];
			snprintf(email, sizeof(email), "x@%s", e->value);
			if (shared_list_match(l, GRAPH_EMAIL, email) == NULL)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct shared_list a, b;
	shared_list_init(&a);
	shared_list_init(&b);
	unsigned line_a, line_b;
	struct dn_error err_a, err_b;
	dn_status rc_a = shared_list_parse(&a, text, size, &line_a, &err_a);
	dn_status rc_b = shared_list_parse(&b, text, size, &line_b, &err_b);

	/* The parser keeps no state between calls. */
	if (rc_a != rc_b || line_a != line_b || a.n_entries != b.n_entries)
		abort();
	if (rc_a != DN_OK && (rc_a != DN_EMALF || line_a == 0 ||
	                      line_a > count_lines(text, size) || err_a.msg[0] == '\0'))
		abort();
	if (rc_a == DN_OK && line_a != 0)
		abort();
	check_entries(&a, text, size);
	shared_list_free(&a);
	shared_list_free(&b);
	return 0;
}
