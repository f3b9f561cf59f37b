/* The pDNS query model: what to look up, matched how, fenced by which times. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ipaddr.h"
#include "util/status.h"

enum pdns_query_kind {
	PDNS_QUERY_RRNAME,      /* forward: records owned by a name */
	PDNS_QUERY_RDATA_IP,    /* reverse: A/AAAA records whose address is in a range */
	PDNS_QUERY_RDATA_NAME,  /* reverse: records whose rdata names a host (CNAME, NS, MX, ...) */
};

enum pdns_match {
	PDNS_MATCH_EXACT,
	PDNS_MATCH_LEFT,   /* "*.example.com": every name strictly below example.com */
	PDNS_MATCH_RIGHT,  /* "www.example.*": every name that starts with www.example. */
};

enum pdns_sort {
	PDNS_SORT_FIRST,   /* time_first, oldest first (the default: a timeline) */
	PDNS_SORT_LAST,    /* time_last, newest first */
	PDNS_SORT_COUNT,   /* count, largest first */
	PDNS_SORT_NAME,    /* rrname, then rrtype and rdata */
	PDNS_SORT_NONE,    /* the order the backend finds them in, which may change
	                    * between runs: the query stops at the limit without
	                    * sorting every match first */
};

/* At most this many names in a query's source filter. */
#define PDNS_QUERY_MAX_SOURCES 32
/* Size of a source name with its terminator: names are at most 255 bytes. */
#define PDNS_SOURCE_NAME_BUF 256

struct pdns_query {
	enum pdns_query_kind kind;
	enum pdns_match match;
	/* For RRNAME and RDATA_NAME: the normalised name. For LEFT matches the
	 * part after "*." and for RIGHT matches the part before ".*", both with a
	 * trailing dot ("example.com.", "www.example."). */
	char name[1024];
	struct ip_range range;        /* RDATA_IP */
	uint16_t rrtype;              /* 0 = any type */
	bool has_bailiwick;
	char bailiwick[1024];
	/* Time fences, epoch seconds; PDNS_TIME_UNSET when not given. The
	 * "after" fences are inclusive lower bounds and the "before" fences
	 * exclusive upper bounds on time_first and time_last. */
	int64_t first_after;
	int64_t first_before;
	int64_t last_after;
	int64_t last_before;
	/* Source filter: names of sources as `dragnet stats` lists them, none
	 * for every source. With names, a record matches when any of the named
	 * sources saw it, and its time_first, time_last and count are the
	 * named sources' own figures merged, not the merge over every source.
	 * The time fences and the sort apply to those figures. source_count
	 * still counts every source that saw the record. A name the store does
	 * not know makes the query fail with DN_EINVAL. */
	char sources[PDNS_QUERY_MAX_SOURCES][PDNS_SOURCE_NAME_BUF];
	size_t nsources;
	/* Only records seen by at least this many distinct sources, counted
	 * over every source (the source_count returned) whatever the source
	 * filter. 0 and 1 keep every record. */
	uint32_t min_sources;
	uint64_t limit;               /* 0 = no limit */
	uint64_t offset;
	enum pdns_sort sort;
};

/* Fill q with defaults: forward exact lookup of nothing, no fences, no limit. */
void pdns_query_init(struct pdns_query *q);

/* Set q to look up owner names matching text: "example.com", "*.example.com"
 * or "www.example.*". Names are normalised (lower case, trailing dot, IDN to
 * A-label). */
dn_status pdns_query_set_rrname(struct pdns_query *q, const char *text, struct dn_error *err);

/* Set q to a reverse lookup from text: an address, a CIDR prefix, a
 * "START-END" range, or a name (with the same wildcards as rrname). */
dn_status pdns_query_set_rdata(struct pdns_query *q, const char *text, struct dn_error *err);

/* Add name to q's source filter. A name given twice is kept once. Fails
 * with DN_EINVAL for an empty or too long name, or a filter that is full. */
dn_status pdns_query_add_source(struct pdns_query *q, const char *name, struct dn_error *err);

/* True when text is an address, CIDR prefix or address range. */
bool pdns_text_is_ip_range(const char *text);

/* True when text is meant as an address, prefix or range, valid or not:
 * it has a ':', or a '.' and nothing but digits, dots, '/' and '-'. "192.0.2.99-192.0.2.10",
 * "192.0.2.0/33" and "2001:db8::/32" are; "0/25.2.0.192.in-addr.arpa",
 * "." and "192.0.2.1." (a final dot marks a name) are not. */
bool pdns_text_looks_like_address(const char *text);
