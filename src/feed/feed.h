/* Records from text logs and other providers' exports: Zeek dns.log (TSV
 * and JSON), Suricata eve.json, passivedns, COF NDJSON and DNSDB SAF.
 * Parsers are pure: one line in, records out through a callback; no I/O
 * and no store. Names and rdata come out in master-file presentation form
 * and are turned into wire form by pdns/textobs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

enum feed_format {
	FEED_UNKNOWN = 0,
	FEED_ZEEK_TSV,   /* Zeek dns.log with its #separator/#fields header */
	FEED_ZEEK_JSON,  /* Zeek dns.log, one JSON object per line */
	FEED_EVE,        /* Suricata eve.json, DNS records in the v1, v2 or v3 layout */
	FEED_PASSIVEDNS, /* gamelinux passivedns: fields separated by "||" */
	FEED_COF,        /* Passive DNS Common Output Format, one object per line */
	FEED_SAF,        /* DNSDB streaming: {"cond":"begin"} {"obj":...} ... {"cond":"succeeded"} */
	FEED_FORMAT_COUNT
};

/* One record, or one negative answer, as an input states it. Strings live
 * only during the callback. */
struct feed_record {
	bool negative;         /* a response without data: an error rcode or NODATA */
	uint16_t rcode;        /* negatives: 0 for NODATA, 3 for NXDOMAIN, ... */
	const char *rrname;    /* owner (or question name of a negative) in presentation
	                          form with master-file escapes (\DDD, \.); the final dot
	                          is optional; any case */
	uint16_t rrtype;       /* record type, or the question type of a negative */
	const char *rdata;     /* rdata as a zone file writes it ("10 mx.example.com.",
	                          "\"text\""); NULL for negatives */
	const char *bailiwick; /* zone the data came from, as rrname; NULL when unknown */
	int64_t time_first;    /* epoch seconds */
	int64_t time_last;     /* >= time_first */
	uint64_t count;        /* sightings, >= 1 */
};

typedef dn_status (*feed_record_fn)(const struct feed_record *rec, void *ctx);

struct feed_parser;

/* A parser for one input in format; DN_ENOMEM or DN_EINVAL for FEED_UNKNOWN. */
dn_status feed_parser_new(enum feed_format format, struct feed_parser **parser);
void feed_parser_free(struct feed_parser *parser);

/* Parse one line, given without its line end (a final '\r' is allowed).
 * Returns DN_OK when the line was used, or carries nothing to record
 * (comments, headers, queries, other event types, blank lines); DN_EMALF,
 * DN_EFORMAT or DN_ENOTSUP with err saying what is wrong with the line
 * (the caller adds file and line number, counts it and goes on); or the
 * first status other than DN_OK that fn returned, at once. A line that
 * fails may have delivered some records before the failure. */
dn_status feed_parse_line(struct feed_parser *parser, const char *line, size_t len,
                          feed_record_fn fn, void *ctx, struct dn_error *err);

/* At the end of the input: DN_EMALF when it ended where it must not (a SAF
 * stream without its terminator, or one that reported a failure). */
dn_status feed_parse_end(struct feed_parser *parser, struct dn_error *err);

/* The format of an input from its first bytes: the first of its first
 * eight lines that looks like one of the formats decides. FEED_UNKNOWN
 * when none does. */
enum feed_format feed_detect(const char *buf, size_t len);

/* "zeek-tsv", "zeek-json", "eve", "passivedns", "cof", "saf". */
const char *feed_format_name(enum feed_format format);

/* Parse a format name as printed by feed_format_name(); FEED_UNKNOWN if
 * none matches. */
enum feed_format feed_format_from_name(const char *name);
