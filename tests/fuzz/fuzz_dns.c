/* libFuzzer target: DNS message parsing, pDNS extraction and presentation. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dns/message.h"
#include "dns/rdata.h"
#include "pdns/aggregate.h"
#include "pdns/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct format_ctx {
	char *text;
	size_t size;
};

/* Render every aggregated entry the way a flush does. */
static dn_status format_entry(const struct pdns_agg_entry *e, void *ctx)
{
	struct format_ctx *f = ctx;
	char name[DNS_NAME_TEXT_MAX];
	ip_key ip;
	size_t target_len;

	dns_name_format(e->obs.owner, name, sizeof(name));
	if (e->obs.bailiwick != NULL)
		dns_name_format(e->obs.bailiwick, name, sizeof(name));
	if (e->obs.kind == PDNS_KIND_NEGATIVE)
		return DN_OK;
	if (dns_rdata_format(e->obs.rrtype, e->obs.rdata, (uint16_t)e->obs.rdata_len, &f->text,
	                     &f->size) < 0)
		abort();
	const uint8_t *target =
		dns_rdata_target(e->obs.rrtype, e->obs.rdata, (uint16_t)e->obs.rdata_len, &target_len);
	if (target != NULL)
		dns_name_format(target, name, sizeof(name));
	dns_rdata_ip(e->obs.rrtype, e->obs.rdata, (uint16_t)e->obs.rdata_len, &ip);
	return DN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_parser *parser;
	static struct pdns_agg *agg;
	static struct format_ctx format;
	if (parser == NULL) {
		parser = dns_parser_new();
		agg = pdns_agg_new();
	}

	struct dns_message msg;
	dns_parse_question(parser, data, size, &msg);
	dns_parse_answers(parser, data, size, &msg);
	enum dns_parse_result result = dns_parse(parser, data, size, &msg);
	if (!dns_parse_usable(result) || !msg.qr)
		return 0;

	struct pdns_extract_counters counters = {0};
	struct pdns_extract_options options = {.mdns = size % 2 == 1};
	if (pdns_extract(&msg, 1, 1700000000, &options, agg, &counters) != DN_OK)
		abort();
	pdns_agg_foreach(agg, format_entry, &format);
	pdns_agg_clear(agg);
	return 0;
}
