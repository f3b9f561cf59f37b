/* Records from one response logged in a Zeek dns.log, read from either
 * layout (TSV or JSON). Zeek logs each answer as text, without its type or
 * owner; zeek_response_records() infers both where the text and the query
 * type allow one reading only, and reports the other answers as not
 * supported. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feed/feed.h"

/* The value of a number or flag that the line does not log. */
#define ZEEK_UNSET (-1)

/* Presentation names are at most 255 wire bytes, 4 characters a byte. */
#define ZEEK_NAME_TEXT_MAX 1100

/* A string field as the log writes it, with Zeek's \xHH escapes still in. */
struct zeek_text {
	const char *data;
	size_t len;
	bool set; /* false for an unset field or an absent JSON key */
};

/* The fields of one dns.log line that its records depend on. Numbers and
 * flags are ZEEK_UNSET when the line does not log them. */
struct zeek_response {
	bool time_valid;
	int64_t time;        /* epoch seconds of ts, when time_valid */
	struct zeek_text ts; /* ts as written, for the message when it is invalid */
	struct zeek_text query;
	struct zeek_text opcode_name;
	struct zeek_text proto;
	int64_t qclass, qtype, rcode, opcode;
	int64_t orig_p, resp_p;
	int tc, rd, rejected; /* 1, 0 or ZEEK_UNSET */
	const struct zeek_text *answers;
	size_t nanswers;
};

/* A growable byte buffer. */
struct zeek_buf {
	char *data;
	size_t len;
	size_t size;
};

/* Memory reused from line to line; zero it before first use. */
struct zeek_scratch {
	struct zeek_buf raw;   /* one field with its escapes undone */
	struct zeek_buf rdata; /* TXT rdata in presentation form */
	char owner[ZEEK_NAME_TEXT_MAX];
	char target[ZEEK_NAME_TEXT_MAX];
};

void zeek_scratch_free(struct zeek_scratch *scratch);

/* Reserve room for len more bytes in buf; false when out of memory. */
bool zeek_buf_reserve(struct zeek_buf *buf, size_t len);

/* Deliver to fn the records of response r: answer records, and a negative
 * record for an error rcode or a NODATA reply. Returns DN_OK also for lines
 * that carry nothing to record (queries without a response, opcodes other
 * than QUERY, classes other than IN, mDNS, LLMNR and NetBIOS); DN_EMALF
 * for an invalid ts; DN_ENOTSUP, after delivering the rest, when some
 * answer or the negative cannot be stated; DN_ENOMEM; or the first status
 * other than DN_OK that fn returned. */
dn_status zeek_response_records(struct zeek_scratch *scratch, const struct zeek_response *r,
                                feed_record_fn fn, void *ctx, struct dn_error *err);
