/* Passive-DNS semantics: which parts of a response become observations. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "dns/message.h"
#include "pdns/aggregate.h"
#include "util/status.h"

struct pdns_extract_counters {
	uint64_t responses;         /* responses examined */
	uint64_t answer_records;    /* answer-section records observed */
	uint64_t authority_records; /* NS and SOA records observed from the authority section */
	uint64_t negatives;         /* error rcodes */
	uint64_t nodata;            /* NOERROR, not a referral, no data of the question type */
	uint64_t skipped_opcode;    /* NOTIFY, UPDATE and other opcodes carry no lookup data */
	uint64_t skipped_class;     /* records outside class IN (CHAOS, HESIOD, ...) */
	uint64_t skipped_meta;      /* meta types such as OPT inside data sections */
};

struct pdns_extract_options {
	/* Multicast DNS (RFC 6762 section 10.2) uses the top bit of the class as
	 * the cache-flush flag; clear it before checking for class IN. */
	bool mdns;
	/* The zone the answer came from when the input says so (dnstap's
	 * query_zone): a lower-cased wire name used as the bailiwick of every
	 * record inside it, whatever the AA bit. NULL to work it out from the
	 * message. */
	const uint8_t *zone;
};

/* Turn one parsed response into observations for source_id at time:
 *   - every answer-section record of class IN except meta types;
 *   - NS and SOA records of the authority section;
 *   - a negative observation for an error rcode, or NODATA for a NOERROR
 *     response that is not a referral. NODATA needs a complete, untruncated
 *     answer section without a record of the question type at the end of
 *     the CNAME chain (RFC 2308 section 2.2). Both kinds name the last name
 *     of the chain and the question type.
 * The bailiwick is known only for authoritative answers (AA set): it is the
 * deepest zone, named by an NS or SOA owner of class IN in the message, that
 * contains the question name; records outside that zone get no bailiwick.
 * Queries and unusable messages must be filtered out by the caller.
 * Returns DN_ENOMEM when the aggregator cannot grow. */
dn_status pdns_extract(const struct dns_message *msg, uint32_t source_id, int64_t time,
                       const struct pdns_extract_options *options, struct pdns_agg *agg,
                       struct pdns_extract_counters *counters);
