/* dnstap decoder throughput: decode every data frame of Frame Streams files,
 * held in memory, over and over for a fixed time.
 *
 *   bench_dnstap_decode [--seconds N] [--protobuf-c-malloc] FILE...
 *
 * By default each frame goes through dnstap_decode(). --protobuf-c-malloc
 * instead runs only dnstap__dnstap__unpack() and free_unpacked() with
 * protobuf-c's default (malloc) allocator and no checks, as a baseline for
 * what the decoder's arena allocator saves. Prints messages per second of
 * one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fstrm.h>

#include "dnstap.pb-c.h"
#include "dnstap/dnstap.h"

struct frame {
	uint8_t *data;
	size_t len;
};

struct frames {
	struct frame *items;
	size_t count, cap;
};

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_frame(struct frames *frames, const uint8_t *data, size_t len)
{
	if (frames->count == frames->cap) {
		size_t cap = frames->cap ? 2 * frames->cap : 256;
		struct frame *items = realloc(frames->items, cap * sizeof(*items));
		if (items == NULL)
			return -1;
		frames->items = items;
		frames->cap = cap;
	}
	struct frame *f = &frames->items[frames->count];
	f->data = malloc(len ? len : 1);
	if (f->data == NULL)
		return -1;
	memcpy(f->data, data, len);
	f->len = len;
	frames->count++;
	return 0;
}

/* Append every data frame of path. Returns 0, or -1 after printing the error. */
static int load_frames(const char *path, struct frames *frames)
{
	struct fstrm_file_options *fopt = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fopt, path);
	struct fstrm_reader *reader = fstrm_file_reader_init(fopt, NULL);
	fstrm_file_options_destroy(&fopt);
	if (reader == NULL || fstrm_reader_open(reader) != fstrm_res_success) {
		fprintf(stderr, "bench_dnstap_decode: cannot open %s as a Frame Streams file\n",
		        path);
		return -1;
	}
	const uint8_t *data;
	size_t len;
	fstrm_res res;
	while ((res = fstrm_reader_read(reader, &data, &len)) == fstrm_res_success) {
		if (add_frame(frames, data, len) != 0) {
			fprintf(stderr, "bench_dnstap_decode: out of memory\n");
			return -1;
		}
	}
	fstrm_reader_destroy(&reader);
	if (res != fstrm_res_stop) {
		fprintf(stderr, "bench_dnstap_decode: reading %s failed\n", path);
		return -1;
	}
	return 0;
}

/* Decode every frame once and return the number that decoded. */
static size_t pass_decode(struct dnstap_decoder *decoder, const struct frames *frames,
                          uint64_t *dns_bytes)
{
	size_t ok = 0;
	for (size_t i = 0; i < frames->count; i++) {
		struct dnstap_message msg;
		struct dn_error err;
		if (dnstap_decode(decoder, frames->items[i].data, frames->items[i].len, &msg,
		                  &err) == DN_OK) {
			ok++;
			*dns_bytes += msg.dns_len;
		}
	}
	return ok;
}

static size_t pass_unpack(const struct frames *frames, uint64_t *dns_bytes)
{
	size_t ok = 0;
	for (size_t i = 0; i < frames->count; i++) {
		Dnstap__Dnstap *d = dnstap__dnstap__unpack(NULL, frames->items[i].len,
		                                           frames->items[i].data);
		if (d == NULL)
			continue;
		ok++;
		if (d->message != NULL)
			*dns_bytes += d->message->response_message.len;
		dnstap__dnstap__free_unpacked(d, NULL);
	}
	return ok;
}

int main(int argc, char **argv)
{
	double budget = 5;
	int baseline = 0;
	struct frames frames = {0};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			budget = atof(argv[++i]);
		} else if (strcmp(argv[i], "--protobuf-c-malloc") == 0) {
			baseline = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: bench_dnstap_decode [--seconds N] "
			                "[--protobuf-c-malloc] FILE...\n");
			return 2;
		} else if (load_frames(argv[i], &frames) != 0) {
			return 1;
		}
	}
	if (frames.count == 0) {
		fprintf(stderr, "bench_dnstap_decode: no frames; name Frame Streams files\n");
		return 2;
	}

	struct dnstap_decoder *decoder;
	if (dnstap_decoder_new(&decoder) != DN_OK) {
		fprintf(stderr, "bench_dnstap_decode: out of memory\n");
		return 1;
	}
	uint64_t messages = 0, decoded = 0, dns_bytes = 0;
	double start = seconds_now(), elapsed;
	do {
		decoded += baseline ? pass_unpack(&frames, &dns_bytes)
		                    : pass_decode(decoder, &frames, &dns_bytes);
		messages += frames.count;
		elapsed = seconds_now() - start;
	} while (elapsed < budget);

	printf("%s: %zu frames, %llu messages in %.2f s, %.0f messages/s, %llu decoded, "
	       "%llu DNS bytes\n",
	       baseline ? "protobuf-c unpack with malloc" : "dnstap_decode", frames.count,
	       (unsigned long long)messages, elapsed, (double)messages / elapsed,
	       (unsigned long long)decoded, (unsigned long long)dns_bytes);

	dnstap_decoder_free(decoder);
	for (size_t i = 0; i < frames.count; i++)
		free(frames.items[i].data);
	free(frames.items);
	return 0;
}
