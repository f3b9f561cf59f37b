/* Records collected from the feed parsers, and the file and line helpers
 * the feed tests share. Include after <cmocka.h>. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed/feed.h"
#include "feed/towire.h"
#include "pdns/aggregate.h"

/* A copy of one struct feed_record. */
struct collected {
	bool negative;
	uint16_t rcode;
	char *rrname;
	uint16_t rrtype;
	char *rdata; /* NULL for a negative */
	bool has_bailiwick;
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
};

struct collection {
	struct collected *items;
	size_t n;
	size_t cap;
};

static inline dn_status collect(const struct feed_record *rec, void *ctx)
{
	struct collection *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap > 0 ? 2 * c->cap : 16;
		c->items = realloc(c->items, c->cap * sizeof(*c->items));
		assert_non_null(c->items);
	}
	assert_non_null(rec->rrname);
	c->items[c->n++] = (struct collected){
		.negative = rec->negative,
		.rcode = rec->rcode,
		.rrname = strdup(rec->rrname),
		.rrtype = rec->rrtype,
		.rdata = rec->rdata != NULL ? strdup(rec->rdata) : NULL,
		.has_bailiwick = rec->bailiwick != NULL,
		.time_first = rec->time_first,
		.time_last = rec->time_last,
		.count = rec->count,
	};
	return DN_OK;
}

static inline void collection_clear(struct collection *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].rrname);
		free(c->items[i].rdata);
	}
	c->n = 0;
}

static inline void collection_free(struct collection *c)
{
	collection_clear(c);
	free(c->items);
	*c = (struct collection){0};
}

/* Parse one line (NUL-terminated, without its line end) into c, which is
 * cleared first. */
static inline dn_status parse_into(struct feed_parser *p, const char *line, struct collection *c,
                                   struct dn_error *err)
{
	collection_clear(c);
	err->code = DN_OK;
	err->msg[0] = '\0';
	return feed_parse_line(p, line, strlen(line), collect, c, err);
}

/* Every record of c must be accepted by the converter to wire form that
 * ingestion uses (libzscanner reads the rdata). */
static inline void assert_towire_accepts(const struct collection *c, const char *where)
{
	struct feed_towire *t;
	assert_int_equal(feed_towire_new(&t), DN_OK);
	struct pdns_agg *agg = pdns_agg_new();
	assert_non_null(agg);
	for (size_t i = 0; i < c->n; i++) {
		const struct collected *k = &c->items[i];
		struct feed_record rec = {
			.negative = k->negative,
			.rcode = k->rcode,
			.rrname = k->rrname,
			.rrtype = k->rrtype,
			.rdata = k->rdata,
			.time_first = k->time_first,
			.time_last = k->time_last,
			.count = k->count,
		};
		struct dn_error err = {0};
		if (feed_towire_add(t, &rec, 1, agg, &err) != DN_OK)
			fail_msg("%s: record %s type %u rdata '%s' rejected: %s", where, k->rrname,
			         k->rrtype, k->rdata != NULL ? k->rdata : "(negative)", err.msg);
	}
	pdns_agg_free(agg);
	feed_towire_free(t);
}

/* The lines of a file, without line ends. */
struct lines {
	char **line;
	size_t n;
};

static inline bool lines_read(const char *path, struct lines *out)
{
	*out = (struct lines){0};
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t cap = 0;
	char *buf = NULL;
	size_t buf_cap = 0;
	ssize_t len;
	while ((len = getline(&buf, &buf_cap, f)) >= 0) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (out->n == cap) {
			cap = cap > 0 ? 2 * cap : 64;
			out->line = realloc(out->line, cap * sizeof(*out->line));
			assert_non_null(out->line);
		}
		out->line[out->n++] = strdup(buf);
	}
	free(buf);
	fclose(f);
	return true;
}

static inline void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->line[i]);
	free(l->line);
	*l = (struct lines){0};
}

/* Split s at each sep (in place) into at most max fields; the count. */
static inline size_t split_in_place(char *s, char sep, char **fields, size_t max)
{
	size_t n = 0;
	fields[n++] = s;
	for (char *p = s; *p != '\0' && n < max; p++) {
		if (*p == sep) {
			*p = '\0';
			fields[n++] = p + 1;
		}
	}
	return n;
}
