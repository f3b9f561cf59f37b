/* libFuzzer target: the file reader. The input is a whole file: pcap,
 * pcapng, dnstap Frame Streams, a single dnstap message or text, plain or
 * gzip or zstd compressed. Every capture frame goes through the packet
 * decoder, every dnstap frame through the dnstap decoder, and every line
 * is read. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/decode.h"
#include "capture/input.h"
#include "dnstap/dnstap.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_message(const struct capture_message *m, void *ctx)
{
	(void)ctx;
	if (m->len > 65535)
		abort();
}

static void read_dnstap(struct capture_input *input)
{
	static struct dnstap_decoder *decoder;
	if (decoder == NULL && dnstap_decoder_new(&decoder) != DN_OK)
		abort();
	for (;;) {
		const uint8_t *frame;
		size_t len;
		struct dn_error err;
		enum capture_next next = capture_input_next_frame(input, &frame, &len, &err);
		if (next != CAPTURE_NEXT_PACKET)
			break;
		struct dnstap_message msg;
		if (dnstap_decode(decoder, frame, len, &msg, &err) == DN_OK && msg.dns != NULL &&
		    msg.dns_len > len)
			abort();
	}
}

static void read_lines(struct capture_input *input)
{
	for (;;) {
		const char *line;
		size_t len;
		struct dn_error err;
		enum capture_next next = capture_input_next_line(input, &line, &len, &err);
		if (next == CAPTURE_NEXT_END || next == CAPTURE_NEXT_ERROR)
			break;
		if (memchr(line, '\n', len) != NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static struct capture_config config;
	if (fd < 0) {
		log_setup(LOG_ERROR, false);
		capture_config_default(&config);
		fd = memfd_create("fuzz-input", 0);
		if (fd < 0)
			abort();
	}
	/* The reader opens a path, so the input goes into an in-memory file. */
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	struct capture_input *input;
	struct dn_error err;
	if (capture_input_open_file(path, &input, &err) != DN_OK)
		return 0;
	enum capture_format format = capture_input_format(input);
	if (format == CAPTURE_FORMAT_FSTRM || format == CAPTURE_FORMAT_DNSTAP) {
		read_dnstap(input);
		capture_input_close(input);
		return 0;
	}
	if (format == CAPTURE_FORMAT_TEXT) {
		read_lines(input);
		capture_input_close(input);
		return 0;
	}
	struct capture_decoder *decoder = capture_decoder_new(&config, on_message, NULL);
	if (decoder == NULL)
		abort();
	int linktype = capture_input_linktype(input);
	uint64_t number = 0;
	for (;;) {
		const struct pcap_pkthdr *h;
		const uint8_t *frame;
		enum capture_next next = capture_input_next(input, &h, &frame, &err);
		if (next == CAPTURE_NEXT_END || next == CAPTURE_NEXT_ERROR)
			break;
		if (next != CAPTURE_NEXT_PACKET)
			continue;
		number++;
		capture_decode(decoder, linktype, frame, h->caplen, h->len, (int64_t)h->ts.tv_sec,
		               (uint32_t)h->ts.tv_usec, number);
	}
	capture_decoder_free(decoder);
	capture_input_close(input);
	return 0;
}
