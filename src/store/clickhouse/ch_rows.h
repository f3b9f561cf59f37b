/* Parsing the RowBinary answers of the ClickHouse backend's lookups and
 * dumps, piece by piece as they arrive. Pure code: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdns/record.h"
#include "store/clickhouse/ch_rowbin.h"
#include "store/store.h"

/* Parse one row from r and hand it on; return false, without calling
 * anything, when the row is not complete in r. */
typedef bool (*ch_row_fn)(struct ch_reader *r, void *ctx, dn_status *status);

/* State of one answer being parsed; zero it, set row and ctx, and free
 * pending when done. */
struct ch_row_stream {
	ch_row_fn row;
	void *ctx;
	struct ch_buf pending; /* bytes of a row cut by the end of a piece */
	uint64_t rows;
};

/* Copies of a row's strings, terminated, for the callbacks. */
struct ch_row_text {
	char *buf;
	size_t cap;
};

struct ch_rrset_rows {
	store_record_fn fn;
	void *ctx;
	struct ch_row_text text;
	bool dump; /* per source, with the writer's fields */
};

struct ch_negative_rows {
	store_negative_fn fn;
	void *ctx;
	struct ch_row_text text;
	bool dump;
};

/* A ch_sink_fn: append a piece of the answer and parse every complete row;
 * a row cut by the end of the piece waits in pending for the next one. */
dn_status ch_row_stream_sink(const uint8_t *data, size_t len, void *arg);

/* Row parsers for ch_row_stream.row, with ctx a ch_rrset_rows or a
 * ch_negative_rows. A lookup row is (name, type, bailiwick, rdata, first,
 * last, count, sources, ip). A dump row is (name, type, bailiwick, rdata,
 * source, rdata_key, target, first, last, count). Rows of negative answers
 * have the rcode after the type and no rdata columns. */
bool ch_parse_rrset(struct ch_reader *r, void *ctx, dn_status *status);
bool ch_parse_negative(struct ch_reader *r, void *ctx, dn_status *status);
