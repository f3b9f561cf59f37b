/* libFuzzer target: the capture file reader. The input is a whole file,
 * pcap or pcapng, plain or gzip or zstd compressed; every frame it yields
 * goes through the packet decoder. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/decode.h"
#include "capture/input.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_message(const struct capture_message *m, void *ctx)
{
	(void)ctx;
	if (m->len > 65535)
		abort();
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
