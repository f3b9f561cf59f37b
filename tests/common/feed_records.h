/* Test helper: feed lines to a feed parser and keep copies of the records
 * it delivers. Include after <cmocka.h>. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed/feed.h"

#define COLLECT_MAX 64
#define COLLECT_TEXT 1200

struct collected {
	bool negative;
	uint16_t rcode;
	char rrname[COLLECT_TEXT];
	uint16_t rrtype;
	char rdata[COLLECT_TEXT];   /* "" for negatives */
	bool has_bailiwick;
	char bailiwick[COLLECT_TEXT];
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
};

struct collector {
	struct collected rec[COLLECT_MAX];
	size_t n;
	dn_status reply;      /* what the callback returns */
	size_t reply_after;   /* ... from this record on (counted from 1); 0: always DN_OK */
};

static inline dn_status collect_record(const struct feed_record *rec, void *ctx)
{
	struct collector *c = ctx;
	assert_true(c->n < COLLECT_MAX);
	struct collected *out = &c->rec[c->n++];
	memset(out, 0, sizeof(*out));
	out->negative = rec->negative;
	out->rcode = rec->rcode;
	assert_non_null(rec->rrname);
	assert_true(strlen(rec->rrname) < COLLECT_TEXT);
	snprintf(out->rrname, sizeof(out->rrname), "%s", rec->rrname);
	out->rrtype = rec->rrtype;
	if (rec->negative) {
		assert_null(rec->rdata);
	} else {
		assert_non_null(rec->rdata);
		assert_true(strlen(rec->rdata) < COLLECT_TEXT);
		snprintf(out->rdata, sizeof(out->rdata), "%s", rec->rdata);
	}
	out->has_bailiwick = rec->bailiwick != NULL;
	if (rec->bailiwick != NULL)
		snprintf(out->bailiwick, sizeof(out->bailiwick), "%s", rec->bailiwick);
	out->time_first = rec->time_first;
	out->time_last = rec->time_last;
	out->count = rec->count;
	/* The interface promises these for every record. */
	assert_true(rec->count >= 1);
	assert_true(rec->time_first <= rec->time_last);
	if (c->reply_after > 0 && c->n >= c->reply_after)
		return c->reply;
	return DN_OK;
}

/* Parse one NUL-terminated line into c (emptied first). */
static inline dn_status collect_line(struct feed_parser *p, const char *line, struct collector *c,
                                     struct dn_error *err)
{
	c->n = 0;
	memset(err, 0, sizeof(*err));
	dn_status rc = feed_parse_line(p, line, strlen(line), collect_record, c, err);
	if (rc != DN_OK && rc != DN_ENOMEM)
		assert_true(err->msg[0] != '\0');
	return rc;
}

/* The whole file at path, NUL-terminated, or NULL when it cannot be read. */
static inline char *collect_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}
