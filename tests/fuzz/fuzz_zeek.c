/* libFuzzer target: the Zeek dns.log readers. The first byte picks the
 * layout (even: TSV, odd: JSON); the rest is fed line by line. Every record
 * they deliver must be accepted by the conversion to wire form, since the
 * readers build names and rdata themselves.
 * The seeds in seeds/fuzz_zeek are Zeek's btest dns.log baselines
 * (zeek/zeek testing/btest/Baseline, BSD-3-Clause) and lines of rita's test
 * logs (activecm/rita test_data, GPL-3.0), with the first byte added. The
 * json-wikipedia seed is Zeek's wikipedia baseline rewritten as JSON. */
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
	/* Counts and times the store cannot take are rejected by design. */
	if (!feed_record_plausible(rec))
		return DN_OK;
	struct dn_error err;
	if (feed_towire_add(c->towire, rec, 1, c->agg, &err) != DN_OK)
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
	if (size == 0)
		return 0;
	enum feed_format format = data[0] % 2 == 0 ? FEED_ZEEK_TSV : FEED_ZEEK_JSON;
	struct feed_parser *parser;
	if (feed_parser_new(format, &parser) != DN_OK)
		abort();

	const char *text = (const char *)data + 1;
	size_t len = size - 1, pos = 0;
	while (pos < len) {
		const char *end = memchr(text + pos, '\n', len - pos);
		size_t line_len = end != NULL ? (size_t)(end - text) - pos : len - pos;
		struct dn_error err = {.msg = ""};
		dn_status rc = feed_parse_line(parser, text + pos, line_len, check_record, &checker,
		                               &err);
		if (rc != DN_OK && (err.msg[0] == '\0' || (rc != DN_EMALF && rc != DN_EFORMAT &&
		                                           rc != DN_ENOTSUP)))
			abort();
		pos += line_len + 1;
	}
	struct dn_error err;
	if (feed_parse_end(parser, &err) != DN_OK)
		abort();
	feed_parser_free(parser);
	pdns_agg_clear(checker.agg);
	return 0;
}
