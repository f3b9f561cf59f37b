/* Aggregated passive-DNS records: what the store keeps and queries return. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/ipaddr.h"

/* A time that no fence or record has set. */
#define PDNS_TIME_UNSET INT64_MIN

/* One (rrname, rrtype, bailiwick, rdata) as seen by one source, or, when read
 * back from the store, merged over all sources. Names are in presentation
 * format, lower case, with the trailing dot; IDNs stay in A-label form. */
struct pdns_record {
	const char *rrname;
	uint16_t rrtype;
	const char *bailiwick;   /* zone the data came from; "" when unknown */
	const char *rdata;       /* presentation format, RFC 3597 form for unknown types */
	int64_t time_first;      /* epoch seconds */
	int64_t time_last;
	uint64_t count;          /* times seen */
	uint32_t source_id;      /* on write: who saw it; on read: 0 */
	uint32_t source_count;   /* on read: how many sources saw it; on write: 0 */

	/* Index values derived from rdata by the writer, so that reverse
	 * lookups need not parse rdata text. Ignored on read. */
	bool has_ip;
	ip_key ip;               /* A and AAAA */
	const char *rdata_name;  /* host named by rdata (CNAME, NS, MX, ...), else NULL */
};

/* A response that carried no data for its question: an error rcode
 * (NXDOMAIN, SERVFAIL, REFUSED, ...) or NOERROR with an empty answer (NODATA). */
struct pdns_negative {
	const char *qname;
	uint16_t qtype;
	uint16_t rcode;          /* extended rcode; 0 means NODATA */
	const char *bailiwick;
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
	uint32_t source_id;
	uint32_t source_count;
};

/* Merge b into a: earliest first, latest last, counts added. Order and grouping
 * of merges never change the result, which is what lets flushes, files and
 * runs be combined in any order. */
static inline void pdns_merge_times(int64_t *first, int64_t *last, uint64_t *count,
                                    int64_t b_first, int64_t b_last, uint64_t b_count)
{
	if (b_first < *first)
		*first = b_first;
	if (b_last > *last)
		*last = b_last;
	*count += b_count;
}
