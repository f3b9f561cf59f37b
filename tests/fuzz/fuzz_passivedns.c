/* libFuzzer target: the passivedns log reader, fed line by line. The reader
 * checks names and the rdata of A, AAAA, CNAME, NS and PTR, so the
 * conversion to wire form must accept those. Other rdata passes through as
 * passivedns wrote it, and ingestion rejects what libzscanner cannot read.
 * The seeds in seeds/fuzz_passivedns are lines written in passivedns's
 * layout from tshark's decode of dnscap's src/test/dns.pcap (DNS-OARC/dnscap,
 * BSD-3-Clause) and Zeek's testing/btest/Traces/wikipedia.pcap (zeek/zeek,
 * BSD-3-Clause), and lines written for dragnet (GPL-3.0-or-later). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed/feed.h"
#include "feed/towire.h"
#include "pdns/aggregate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct checker {
	struct feed_towire *towire;
	struct pdns_agg *agg;
};

static dn_status check_record(const struct feed_record *rec, void *ctx)
{
	struct checker *c = ctx;
	if (rec->rrname == NULL || rec->count == 0 || rec->time_last < rec->time_first ||
	    rec->bailiwick != NULL || (rec->rdata == NULL) != rec->negative)
		abort();
	bool checked = rec->negative || rec->rrtype == 1 || rec->rrtype == 28 ||
	               rec->rrtype == 5 || rec->rrtype == 2 || rec->rrtype == 12;
	/* Counts and times the store cannot take are rejected by design. */
	if (!feed_record_plausible(rec))
		return DN_OK;
	struct dn_error err;
	if (feed_towire_add(c->towire, rec, 1, c->agg, &err) != DN_OK && checked)
		abort();
	return DN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct checker checker;
	if (checker.agg == NULL) {
		checker.agg = pdns_agg_new();
		if (checker.agg == NULL || feed_towire_new(&checker.towire) != DN_OK)
			abort();
	}
	struct feed_parser *parser;
	if (feed_parser_new(FEED_PASSIVEDNS, &parser) != DN_OK)
		abort();
	const char *text = (const char *)data;
	size_t pos = 0;
	while (pos < size) {
		const char *end = memchr(text + pos, '\n', size - pos);
		size_t line_len = end != NULL ? (size_t)(end - text) - pos : size - pos;
		struct dn_error err = {.msg = ""};
		dn_status rc = feed_parse_line(parser, text + pos, line_len, check_record, &checker,
		                               &err);
		if (rc != DN_OK && (err.msg[0] == '\0' || (rc != DN_EMALF && rc != DN_ENOTSUP)))
			abort();
		pos += line_len + 1;
	}
	feed_parser_free(parser);
	pdns_agg_clear(checker.agg);
	return 0;
}
