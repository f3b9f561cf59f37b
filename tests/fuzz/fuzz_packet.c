/* libFuzzer target: link layers, IP, fragment and TCP reassembly, then the
 * DNS path, over a sequence of frames. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <pcap/dlt.h>

#include "capture/decode.h"
#include "dns/message.h"
#include "pdns/aggregate.h"
#include "pdns/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input layout, repeated: one byte choosing the link type from this table,
 * a two-byte big-endian frame length, the frame. Several frames per input
 * let the fuzzer reach fragment and TCP reassembly. */
static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6,
	DLT_NULL,   DLT_LOOP,      DLT_PPP,        DLT_PPP_SERIAL,
};

struct sink {
	struct dns_parser *parser;
	struct pdns_agg *agg;
};

static void on_message(const struct capture_message *m, void *ctx)
{
	struct sink *sink = ctx;
	struct dns_message msg;
	if (m->len > 65535)
		abort();
	enum dns_parse_result result = dns_parse(sink->parser, m->data, m->len, &msg);
	if (!dns_parse_usable(result) || !msg.qr)
		return;
	struct pdns_extract_counters counters = {0};
	struct pdns_extract_options options = {0};
	pdns_extract(&msg, 1, m->ts_sec, &options, sink->agg, &counters);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sink sink;
	static struct capture_config config;
	if (sink.parser == NULL) {
		sink.parser = dns_parser_new();
		sink.agg = pdns_agg_new();
		capture_config_default(&config);
		capture_config_add_port(&config, 5353);
		/* Small limits so that eviction paths run too. */
		config.frag_max_bytes = 64 * 1024;
		config.frag_max_datagrams = 8;
		config.tcp_max_flows = 8;
		config.tcp_max_bytes = 128 * 1024;
	}
	struct capture_decoder *d = capture_decoder_new(&config, on_message, &sink);
	if (d == NULL)
		return 0;

	size_t pos = 0;
	uint64_t number = 0;
	while (pos + 3 <= size) {
		int linktype = linktypes[data[pos] % (sizeof(linktypes) / sizeof(linktypes[0]))];
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		/* wirelen above caplen for odd frame numbers: snapped captures. */
		number++;
		size_t wirelen = len + (number % 2);
		capture_decode(d, linktype, data + pos, len, wirelen, 1700000000 + (int64_t)number,
		               0, number);
		pos += len;
	}
	capture_decoder_expire(d, INT64_MAX);
	if (capture_decoder_memory(d) > 64 * 1024 * 1024)
		abort();
	capture_decoder_free(d);
	pdns_agg_clear(sink.agg);
	return 0;
}
