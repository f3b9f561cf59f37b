/* libFuzzer target: dragnet's DNS parser against libknot's knot_pkt_parse().
 * Whenever libknot parses a message in full, dragnet must parse it in full
 * too and return the same records. */
#include <stdio.h>
#include <stdlib.h>

#include "../common/dns_compare.h"
#include "../common/knot_reference.h"
#include "dns/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_parser *ours;
	static struct knot_ref_parser *reference;
	if (ours == NULL) {
		ours = dns_parser_new();
		reference = knot_ref_parser_new();
	}
	/* libknot cannot take more than 65535 bytes. */
	if (size > 65535)
		return 0;

	struct dns_message a, b;
	enum dns_parse_result want = knot_ref_parse(reference, data, size, &b);
	enum dns_parse_result got = dns_parse(ours, data, size, &a);
	if (want != DNS_PARSE_OK && want != DNS_PARSE_TRAILING)
		return 0;

	char why[160];
	if (got != want) {
		fprintf(stderr, "libknot: %s, dragnet: %s\n", dns_parse_result_text(want),
		        dns_parse_result_text(got));
		abort();
	}
	if (!dns_messages_equal(&a, &b, why, sizeof(why))) {
		fprintf(stderr, "parsers disagree: %s\n", why);
		abort();
	}
	return 0;
}
