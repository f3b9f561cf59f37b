/* Shared body of the feed parser fuzz targets: the input is a log, fed to
 * a fresh parser line by line and then ended. Every record must keep the
 * promises of struct feed_record, every failure must come with a message,
 * and a second parser must give the same results. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <libzscanner/scanner.h>

#include "feed/feed.h"

struct fuzz_feed_run {
	bool check_presentation; /* names and rdata must read as a zone file does */
	uint64_t digest;         /* of every record and status, to compare runs */
	zs_scanner_t *scanner;
};

static void fuzz_digest(struct fuzz_feed_run *run, const void *bytes, size_t len)
{
	const unsigned char *p = bytes;
	for (size_t i = 0; i < len; i++)
		run->digest = (run->digest ^ p[i]) * 1099511628211ULL;
}

static void fuzz_digest_text(struct fuzz_feed_run *run, const char *text)
{
	fuzz_digest(run, text != NULL ? text : "(null)", text != NULL ? strlen(text) + 1 : 7);
}

/* A record the parser wrote itself must be what the zone-file scanner
 * reads back, with the same type. */
static void fuzz_check_presentation(struct fuzz_feed_run *run, const struct feed_record *rec)
{
	uint8_t owner[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(owner, rec->rrname, sizeof(owner)) == NULL)
		abort();
	if (rec->negative)
		return;

	/* The scanner reads the generic form under any type number, but does
	 * not know every mnemonic (NULL, for one). */
	char type[32];
	if (strncmp(rec->rdata, "\\# ", 3) == 0)
		snprintf(type, sizeof(type), "TYPE%u", rec->rrtype);
	else if (knot_rrtype_to_string(rec->rrtype, type, sizeof(type)) < 0)
		abort();
	size_t size = strlen(rec->rdata) + 64;
	char *line = malloc(size);
	if (line == NULL)
		abort();
	int n = snprintf(line, size, ". 0 IN %s %s\n", type, rec->rdata);
	zs_scanner_t *s = run->scanner;
	if (zs_set_input_string(s, line, (size_t)n) != 0 || zs_parse_record(s) != 0 ||
	    s->state != ZS_STATE_DATA || s->r_type != rec->rrtype) {
		fprintf(stderr, "unreadable record: %s %s %s\n", rec->rrname, type, rec->rdata);
		abort();
	}
	free(line);
}

static dn_status fuzz_feed_record(const struct feed_record *rec, void *ctx)
{
	struct fuzz_feed_run *run = ctx;
	if (rec->rrname == NULL || rec->rrname[0] == '\0' || rec->count == 0 ||
	    rec->time_first > rec->time_last || rec->negative != (rec->rdata == NULL) ||
	    (rec->bailiwick != NULL && rec->bailiwick[0] == '\0'))
		abort();
	if (run->check_presentation)
		fuzz_check_presentation(run, rec);
	fuzz_digest(run, &rec->negative, sizeof(rec->negative));
	fuzz_digest(run, &rec->rcode, sizeof(rec->rcode));
	fuzz_digest(run, &rec->rrtype, sizeof(rec->rrtype));
	fuzz_digest(run, &rec->time_first, sizeof(rec->time_first));
	fuzz_digest(run, &rec->time_last, sizeof(rec->time_last));
	fuzz_digest(run, &rec->count, sizeof(rec->count));
	fuzz_digest_text(run, rec->rrname);
	fuzz_digest_text(run, rec->rdata);
	fuzz_digest_text(run, rec->bailiwick);
	return DN_OK;
}

static uint64_t fuzz_feed_once(enum feed_format format, const uint8_t *data, size_t size,
                               bool check_presentation)
{
	zs_scanner_t scanner;
	if (zs_init(&scanner, ".", KNOT_CLASS_IN, 0) != 0)
		abort();
	struct fuzz_feed_run run = {
		.check_presentation = check_presentation,
		.digest = 14695981039346656037ULL,
		.scanner = &scanner,
	};
	struct feed_parser *parser;
	if (feed_parser_new(format, &parser) != DN_OK)
		abort();

	const char *text = (const char *)data;
	size_t start = 0;
	while (start < size) {
		const char *nl = memchr(text + start, '\n', size - start);
		size_t len = nl != NULL ? (size_t)(nl - (text + start)) : size - start;
		struct dn_error err = {0};
		dn_status rc = feed_parse_line(parser, text + start, len, fuzz_feed_record, &run, &err);
		if (rc != DN_OK && rc != DN_EMALF && rc != DN_EFORMAT && rc != DN_ENOTSUP)
			abort();
		if (rc != DN_OK && err.msg[0] == '\0')
			abort();
		fuzz_digest(&run, &rc, sizeof(rc));
		start += len + 1;
	}
	struct dn_error err = {0};
	dn_status rc = feed_parse_end(parser, &err);
	if (rc != DN_OK && rc != DN_EMALF && rc != DN_ELIMIT)
		abort();
	if (rc != DN_OK && err.msg[0] == '\0')
		abort();
	fuzz_digest(&run, &rc, sizeof(rc));

	feed_parser_free(parser);
	zs_deinit(&scanner);
	return run.digest;
}

static void fuzz_feed(enum feed_format format, const uint8_t *data, size_t size,
                      bool check_presentation)
{
	/* Detection looks at any input without harm. */
	(void)feed_detect((const char *)data, size < 4096 ? size : 4096);
	uint64_t first = fuzz_feed_once(format, data, size, check_presentation);
	if (fuzz_feed_once(format, data, size, false) != first)
		abort();
}
