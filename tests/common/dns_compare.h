/* Compare two parsed DNS messages record by record, for differential tests. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libknot/libknot.h>

#include "dns/message.h"

/* Write the first difference between a and b into why (size bytes) and
 * return false; return true when every header field, the question and
 * every record agree. Meta records (OPT, TSIG, TKEY) are compared without
 * their rdata, whose names libknot leaves in their original case. */
static inline bool dns_messages_equal(const struct dns_message *a, const struct dns_message *b,
                                      char *why, size_t size)
{
	if (a->id != b->id || a->opcode != b->opcode || a->qr != b->qr || a->aa != b->aa ||
	    a->tc != b->tc || a->rcode != b->rcode || a->has_edns != b->has_edns) {
		snprintf(why, size, "header differs (rcode %u/%u, edns %d/%d)", a->rcode, b->rcode,
		         a->has_edns, b->has_edns);
		return false;
	}
	if (a->has_question != b->has_question || a->qtype != b->qtype || a->qclass != b->qclass ||
	    a->qname_len != b->qname_len ||
	    (a->has_question && memcmp(a->qname, b->qname, a->qname_len) != 0)) {
		snprintf(why, size, "question differs");
		return false;
	}
	for (int s = 0; s < DNS_SECTION_COUNT; s++) {
		if (a->count[s] != b->count[s]) {
			snprintf(why, size, "section %d: %zu records against %zu", s, a->count[s],
			         b->count[s]);
			return false;
		}
		for (size_t i = 0; i < a->count[s]; i++) {
			const struct dns_rr *x = &a->rr[s][i];
			const struct dns_rr *y = &b->rr[s][i];
			bool meta = x->type == KNOT_RRTYPE_OPT || x->type == KNOT_RRTYPE_TSIG ||
			            x->type == KNOT_RRTYPE_TKEY;
			if (x->type != y->type || x->rclass != y->rclass || x->ttl != y->ttl ||
			    x->owner_len != y->owner_len ||
			    memcmp(x->owner, y->owner, x->owner_len) != 0) {
				snprintf(why, size, "section %d record %zu: header differs", s, i);
				return false;
			}
			if (!meta && (x->rdlen != y->rdlen ||
			              (x->rdlen > 0 && memcmp(x->rdata, y->rdata, x->rdlen) != 0))) {
				snprintf(why, size, "section %d record %zu (type %u): rdata differs", s,
				         i, x->type);
				return false;
			}
		}
	}
	return true;
}
