/* Decoder throughput: decode one capture file, held in memory, many times over. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "capture/decode.h"

struct frame {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	int64_t ts_sec;
	uint32_t ts_nsec;
};

static void count_message(const struct capture_message *msg, void *ctx)
{
	uint64_t *bytes = ctx;
	*bytes += msg->len;
}

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read every frame of path into memory. Returns the number of frames, or -1. */
static long load_frames(const char *path, struct frame **frames, int *linktype)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pcap =
	        pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (pcap == NULL) {
		fprintf(stderr, "bench_capture_decode: cannot open %s: %s\n", path, errbuf);
		return -1;
	}
	*linktype = pcap_datalink(pcap);
	size_t n = 0, cap = 1024;
	*frames = malloc(cap * sizeof(**frames));
	struct pcap_pkthdr *header;
	const uint8_t *data;
	while (*frames != NULL && pcap_next_ex(pcap, &header, &data) == 1) {
		if (n == cap) {
			cap *= 2;
			*frames = realloc(*frames, cap * sizeof(**frames));
			if (*frames == NULL)
				break;
		}
		uint8_t *copy = malloc(header->caplen ? header->caplen : 1);
		if (copy == NULL)
			break;
		memcpy(copy, data, header->caplen);
		(*frames)[n++] = (struct frame){copy, header->caplen, header->len,
		                                header->ts.tv_sec, (uint32_t)header->ts.tv_usec};
	}
	pcap_close(pcap);
	if (*frames == NULL) {
		fprintf(stderr, "bench_capture_decode: out of memory reading %s\n", path);
		return -1;
	}
	return (long)n;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_capture_decode FILE [LOOPS]\n"
		                "Decodes the frames of FILE LOOPS times (default 20000) and prints "
		                "frames and messages per second.\n");
		return 2;
	}
	long loops = argc == 3 ? strtol(argv[2], NULL, 10) : 20000;
	if (loops <= 0) {
		fprintf(stderr, "bench_capture_decode: invalid LOOPS %s: give a positive number\n",
		        argv[2]);
		return 2;
	}

	struct frame *frames;
	int linktype;
	long n = load_frames(argv[1], &frames, &linktype);
	if (n <= 0)
		return 1;

	struct capture_config cfg;
	capture_config_default(&cfg);
	uint64_t message_bytes = 0;
	struct capture_decoder *d = capture_decoder_new(&cfg, count_message, &message_bytes);
	if (d == NULL) {
		fprintf(stderr, "bench_capture_decode: out of memory\n");
		return 1;
	}

	/* Each pass is shifted past the previous one in packet time, as if the file
	 * had been captured again right after itself. */
	int64_t span = frames[n - 1].ts_sec - frames[0].ts_sec + 1;
	uint64_t number = 0;
	double start = seconds_now();
	for (long pass = 0; pass < loops; pass++) {
		int64_t shift = pass * span;
		for (long i = 0; i < n; i++) {
			const struct frame *f = &frames[i];
			capture_decode(d, linktype, f->data, f->caplen, f->wirelen,
			               f->ts_sec + shift, f->ts_nsec, ++number);
		}
	}
	double elapsed = seconds_now() - start;

	const struct capture_counters *c = capture_decoder_counters(d);
	uint64_t messages = c->messages_udp + c->messages_tcp;
	printf("%s: %llu frames, %llu messages (%llu payload bytes) in %.3f s\n", argv[1],
	       (unsigned long long)c->frames, (unsigned long long)messages,
	       (unsigned long long)message_bytes, elapsed);
	printf("%.2f million frames/s, %.2f million messages/s, %.1f ns/frame\n",
	       (double)c->frames / elapsed / 1e6, (double)messages / elapsed / 1e6,
	       elapsed * 1e9 / (double)c->frames);

	capture_decoder_free(d);
	for (long i = 0; i < n; i++)
		free((void *)frames[i].data);
	free(frames);
	return 0;
}
