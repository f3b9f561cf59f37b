/* DNSDB API version 2: the request model and the SAF answers behind
 * server_dnsdb.c's routes, apart from HTTP so that tests and fuzzers can
 * drive them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pdns/query.h"
#include "store/store.h"
#include "util/status.h"

/* The query arguments a DNSDB request may carry, NULL when absent. */
struct dnsdb_args {
	const char *limit;
	const char *offset;
	const char *max_count;
	const char *aggr;
	const char *humantime;
	const char *time_first_before;
	const char *time_first_after;
	const char *time_last_before;
	const char *time_last_after;
};

struct dnsdb_request {
	struct pdns_query q;     /* what to ask the store; its limit is unused */
	bool rrset;              /* an rrset lookup: respond with whole rrsets */
	bool dnssec_only;        /* rrtype ANY-DNSSEC */
	bool humantime;          /* times as ISO 8601 text, not epoch seconds */
	uint64_t limit;          /* objs at most, at least 1 */
	uint64_t offset;         /* objs to skip first */
	uint64_t max_count;      /* summarize: stop once the counts reach this; 0: never */
	uint8_t raw[2048];       /* rdata/raw: the rdata wanted, in wire form */
	size_t raw_len;          /* 0 unless rdata/raw */
};

/* Read a request from the nparts segments of the path after
 * /dnsdb/v2/lookup/ or /dnsdb/v2/summarize/, each percent-decoded on its
 * own (so a name may contain '/'), and its arguments. max_results caps
 * the limit (0: no cap); now is the time that negative fences count back
 * from. DN_EINVAL with a message naming the part or argument at fault. */
dn_status dnsdb_request_parse(const char *const *parts, size_t nparts,
                              const struct dnsdb_args *args, uint64_t max_results, int64_t now,
                              struct dnsdb_request *dr, struct dn_error *err);

/* Run dr against store and write the SAF response to out: a lookup's objs,
 * or a summarize's one obj. Store failures end the stream with a
 * "failed" line, its message with server paths hidden (server.h,
 * server_hide_path()), so this function can't fail. */
void dnsdb_run(struct store *store, const struct dnsdb_request *dr, bool summarize, FILE *out);
