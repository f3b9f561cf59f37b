/*
 * dnstap_send: sends the frames of a dnstap Frame Streams file to a dnstap
 * receiver over a Unix socket or TCP, at a fixed rate, the way a resolver
 * sends them, and counts the frames a resolver would have dropped.
 *
 * A resolver that sends through libfstrm's I/O thread hands each frame to
 * an input queue (512 frames by default in libfstrm 0.6) and drops the
 * frame when that queue is full, for instance because the receiver stopped
 * reading. This program models that queue in one thread: frames arrive at
 * --rate per second by the clock, wait in a queue of --queue frames, and
 * are written in batches of up to --batch frames once --notify frames wait
 * (libfstrm's defaults are 64 and 32), with libfstrm's bidirectional writer.
 * While a write blocks, arrivals pile up, and those that find the queue
 * full are counted as dropped. With --rate 0 every frame is written as fast
 * as the receiver takes it, and nothing is dropped.
 *
 * The file's frames are loaded into memory first and sent in a loop until
 * --frames or --seconds worth of frames have arrived. When all are sent,
 * the writer sends STOP and waits for the receiver's FINISH, so every frame
 * has been read by the receiver when the program ends.
 */

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include <fstrm.h>

#define CONTENT_TYPE "protobuf:dnstap.Dnstap"
#define DEFAULT_QUEUE 512
#define DEFAULT_BATCH 64
#define DEFAULT_NOTIFY 32
#define MAX_BATCH 1024

struct options {
	const char *input;
	const char *unix_path;
	const char *tcp_address;
	const char *tcp_port;
	double rate;     /* frames per second, 0 for as fast as possible */
	uint64_t frames; /* frames to offer, 0 when given by seconds */
	double seconds;
	uint64_t queue;
	unsigned batch;
	unsigned notify; /* frames waiting before a write starts */
	bool verbose;
};

struct frames {
	uint8_t *data;
	size_t size;
	size_t capacity;
	struct iovec *iov; /* iov[i] points into data */
	size_t count;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double when)
{
	struct timespec ts = {.tv_sec = (time_t)when};
	ts.tv_nsec = (long)((when - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
	}
}

/* Reads every data frame of path into memory. */
static void frames_load(const char *path, struct frames *f)
{
	struct fstrm_file_options *fopt = fstrm_file_options_init();
	struct fstrm_reader_options *ropt = fstrm_reader_options_init();
	fstrm_file_options_set_file_path(fopt, path);
	fstrm_reader_options_add_content_type(ropt, CONTENT_TYPE, strlen(CONTENT_TYPE));
	struct fstrm_reader *reader = fstrm_file_reader_init(fopt, ropt);
	fstrm_file_options_destroy(&fopt);
	fstrm_reader_options_destroy(&ropt);
	if (reader == NULL || fstrm_reader_open(reader) != fstrm_res_success) {
		errx(1, "cannot open %s as a dnstap Frame Streams file", path);
	}
	size_t *offsets = NULL;
	size_t offsets_capacity = 0;
	for (;;) {
		const uint8_t *data;
		size_t len;
		fstrm_res res = fstrm_reader_read(reader, &data, &len);
		if (res == fstrm_res_stop) {
			break;
		}
		if (res != fstrm_res_success) {
			errx(1, "%s: reading frame %zu failed", path, f->count + 1);
		}
		if (f->size + len > f->capacity) {
			f->capacity = f->capacity ? 2 * f->capacity : 1 << 24;
			f->data = realloc(f->data, f->capacity);
		}
		if (f->count == offsets_capacity) {
			offsets_capacity = offsets_capacity ? 2 * offsets_capacity : 1 << 16;
			offsets = realloc(offsets, 2 * offsets_capacity * sizeof(size_t));
		}
		if (f->data == NULL || offsets == NULL) {
			errx(1, "out of memory loading %s", path);
		}
		memcpy(f->data + f->size, data, len);
		offsets[2 * f->count] = f->size;
		offsets[2 * f->count + 1] = len;
		f->size += len;
		f->count++;
	}
	fstrm_reader_destroy(&reader);
	if (f->count == 0) {
		errx(1, "%s holds no data frames", path);
	}
	/* The buffer has stopped moving, so the pointers can be made now. */
	f->iov = calloc(f->count, sizeof(*f->iov));
	if (f->iov == NULL) {
		errx(1, "out of memory loading %s", path);
	}
	for (size_t i = 0; i < f->count; i++) {
		f->iov[i].iov_base = f->data + offsets[2 * i];
		f->iov[i].iov_len = offsets[2 * i + 1];
	}
	free(offsets);
}

static struct fstrm_writer *writer_connect(const struct options *opt)
{
	struct fstrm_writer_options *wopt = fstrm_writer_options_init();
	fstrm_writer_options_add_content_type(wopt, CONTENT_TYPE, strlen(CONTENT_TYPE));
	struct fstrm_writer *writer;
	if (opt->unix_path != NULL) {
		struct fstrm_unix_writer_options *uopt = fstrm_unix_writer_options_init();
		fstrm_unix_writer_options_set_socket_path(uopt, opt->unix_path);
		writer = fstrm_unix_writer_init(uopt, wopt);
		fstrm_unix_writer_options_destroy(&uopt);
	} else {
		struct fstrm_tcp_writer_options *topt = fstrm_tcp_writer_options_init();
		fstrm_tcp_writer_options_set_socket_address(topt, opt->tcp_address);
		fstrm_tcp_writer_options_set_socket_port(topt, opt->tcp_port);
		writer = fstrm_tcp_writer_init(topt, wopt);
		fstrm_tcp_writer_options_destroy(&topt);
	}
	fstrm_writer_options_destroy(&wopt);
	if (writer == NULL || fstrm_writer_open(writer) != fstrm_res_success) {
		if (opt->unix_path != NULL) {
			errx(1,
			     "cannot connect to a dnstap receiver on %s, or it does not accept %s",
			     opt->unix_path, CONTENT_TYPE);
		}
		errx(1,
		     "cannot connect to a dnstap receiver at %s port %s, or it does not accept %s",
		     opt->tcp_address, opt->tcp_port, CONTENT_TYPE);
	}
	return writer;
}

struct result {
	uint64_t offered;
	uint64_t sent;
	uint64_t dropped;
	uint64_t max_queued;
	uint64_t writes;
	/* Frames found dropped right after a write, which blocked because the
	 * receiver did not read fast enough. */
	uint64_t dropped_after_write;
	/* Frames found dropped right after a sleep: this program woke up late
	 * because another process held its CPU. A resolver's I/O thread would
	 * have dropped them too. */
	uint64_t dropped_after_sleep;
	double max_write_seconds;
	double max_late_seconds; /* max delay of a wake-up past the requested time */
	double send_seconds;     /* first arrival to the last write */
	double close_seconds;    /* STOP until the receiver's FINISH */
};

static void send_frames(const struct options *opt, const struct frames *f,
                        struct fstrm_writer *writer, struct result *r)
{
	uint64_t total = opt->frames;
	if (total == 0) {
		total = (uint64_t)(opt->rate * opt->seconds + 0.5);
	}
	uint64_t queue_size = opt->rate > 0 ? opt->queue : UINT64_MAX;
	uint64_t queued = 0;
	size_t cursor = 0;
	struct iovec iov[MAX_BATCH];
	double start = now_seconds();
	memset(r, 0, sizeof(*r));
	/* Per-second figures for --verbose. */
	double next_report = start + 1;
	uint64_t reported_sent = 0, reported_dropped = 0, second_max_queued = 0;
	bool after_write = false;

	while (r->offered < total || queued > 0) {
		double now = now_seconds();
		uint64_t due = total;
		if (opt->rate > 0) {
			double arrived = (now - start) * opt->rate;
			due = arrived < (double)total ? (uint64_t)arrived : total;
		}
		if (due > r->offered) {
			queued += due - r->offered;
			r->offered = due;
			if (queued > queue_size) {
				uint64_t lost = queued - queue_size;
				r->dropped += lost;
				*(after_write ? &r->dropped_after_write
				              : &r->dropped_after_sleep) += lost;
				queued = queue_size;
			}
		}
		if (queued > r->max_queued) {
			r->max_queued = queued;
		}
		if (queued > second_max_queued) {
			second_max_queued = queued;
		}
		if (opt->verbose && now >= next_report) {
			fprintf(stderr,
			        "dnstap_send: %.1f s: %" PRIu64 " sent, %" PRIu64
			        " dropped, queue at most %" PRIu64 " frames\n",
			        now - start, r->sent - reported_sent, r->dropped - reported_dropped,
			        second_max_queued);
			reported_sent = r->sent;
			reported_dropped = r->dropped;
			second_max_queued = 0;
			next_report += 1;
		}
		/* Like libfstrm's I/O thread, wake up for a write once --notify
		 * frames wait, or for the last ones. */
		if (queued < opt->notify && r->offered < total) {
			uint64_t wait_for = opt->notify - queued;
			if (wait_for > total - r->offered) {
				wait_for = total - r->offered;
			}
			double wake = start + (double)(r->offered + wait_for) / opt->rate;
			sleep_until(wake);
			double late = now_seconds() - wake;
			if (late > r->max_late_seconds) {
				r->max_late_seconds = late;
			}
			after_write = false;
			continue;
		}
		unsigned n = queued < opt->batch ? (unsigned)queued : opt->batch;
		for (unsigned i = 0; i < n; i++) {
			iov[i] = f->iov[cursor];
			cursor = cursor + 1 == f->count ? 0 : cursor + 1;
		}
		double write_start = now_seconds();
		if (fstrm_writer_writev(writer, iov, (int)n) != fstrm_res_success) {
			errx(1, "writing to the receiver failed after %" PRIu64 " frames", r->sent);
		}
		double write_seconds = now_seconds() - write_start;
		if (write_seconds > r->max_write_seconds) {
			r->max_write_seconds = write_seconds;
		}
		after_write = true;
		queued -= n;
		r->sent += n;
		r->writes++;
	}
	double sent_at = now_seconds();
	r->send_seconds = sent_at - start;
	if (fstrm_writer_close(writer) != fstrm_res_success) {
		errx(1, "closing the stream failed: the receiver did not FINISH");
	}
	r->close_seconds = now_seconds() - sent_at;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: dnstap_send -r FILE (-u SOCKET | -a ADDRESS -p PORT) [options]\n"
	        "Send the frames of a dnstap file at a fixed rate, through a bounded queue\n"
	        "as a resolver does, and count the frames that found the queue full.\n"
	        "\n"
	        "  -r, --read FILE        dnstap Frame Streams file; its frames are sent in a "
	        "loop\n"
	        "  -u, --unix SOCKET      Unix socket of the receiver\n"
	        "  -a, --tcp ADDRESS      numeric IP address of the receiver, with -p PORT\n"
	        "  -p, --port PORT        TCP port of the receiver\n"
	        "  -R, --rate N           frames per second; 0 sends as fast as the receiver\n"
	        "                         reads, with no queue and no drops (default 0)\n"
	        "  -n, --frames N         frames to send (default: the file's, or --seconds)\n"
	        "  -s, --seconds S        send for S seconds at --rate (rate x S frames)\n"
	        "      --queue N          frames the queue holds (default %d)\n"
	        "      --batch N          max frames per write, 1 to %d (default %d)\n"
	        "      --notify N         frames that must wait before a write starts, 1 to\n"
	        "                         --batch (default %d)\n"
	        "  -v, --verbose          print frames sent and dropped every second\n"
	        "  -h, --help             print this help\n"
	        "\n"
	        "Prints one line: frames offered, sent and dropped, the time and rate of\n"
	        "sending, the deepest the queue got, and how long the receiver took to\n"
	        "acknowledge the end of the stream. Exits 1 when a frame was dropped.\n",
	        DEFAULT_QUEUE, MAX_BATCH, DEFAULT_BATCH, DEFAULT_NOTIFY);
}

static double parse_number(const char *text, const char *option, double min, double max)
{
	char *end = NULL;
	errno = 0;
	double value = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(value >= min && value <= max)) {
		errx(2, "invalid value '%s' for %s: expected a number from %g to %g", text, option,
		     min, max);
	}
	return value;
}

static void options_parse(int argc, char **argv, struct options *opt)
{
	enum { OPT_QUEUE = 256, OPT_BATCH, OPT_NOTIFY };
	static const struct option long_options[] = {
	        {"read", required_argument, NULL, 'r'},
	        {"unix", required_argument, NULL, 'u'},
	        {"tcp", required_argument, NULL, 'a'},
	        {"port", required_argument, NULL, 'p'},
	        {"rate", required_argument, NULL, 'R'},
	        {"frames", required_argument, NULL, 'n'},
	        {"seconds", required_argument, NULL, 's'},
	        {"queue", required_argument, NULL, OPT_QUEUE},
	        {"batch", required_argument, NULL, OPT_BATCH},
	        {"notify", required_argument, NULL, OPT_NOTIFY},
	        {"verbose", no_argument, NULL, 'v'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	*opt = (struct options){
	        .queue = DEFAULT_QUEUE, .batch = DEFAULT_BATCH, .notify = DEFAULT_NOTIFY};
	int c;
	while ((c = getopt_long(argc, argv, "r:u:a:p:R:n:s:vh", long_options, NULL)) != -1) {
		switch (c) {
		case 'r':
			opt->input = optarg;
			break;
		case 'u':
			opt->unix_path = optarg;
			break;
		case 'a':
			opt->tcp_address = optarg;
			break;
		case 'p':
			opt->tcp_port = optarg;
			parse_number(optarg, "--port", 1, 65535);
			break;
		case 'R':
			opt->rate = parse_number(optarg, "--rate", 0, 1e9);
			break;
		case 'n':
			opt->frames = (uint64_t)parse_number(optarg, "--frames", 1, 1e12);
			break;
		case 's':
			opt->seconds = parse_number(optarg, "--seconds", 0.001, 1e6);
			break;
		case OPT_QUEUE:
			opt->queue = (uint64_t)parse_number(optarg, "--queue", 1, 1e9);
			break;
		case OPT_BATCH:
			opt->batch = (unsigned)parse_number(optarg, "--batch", 1, MAX_BATCH);
			break;
		case OPT_NOTIFY:
			opt->notify = (unsigned)parse_number(optarg, "--notify", 1, MAX_BATCH);
			break;
		case 'v':
			opt->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		errx(2, "unexpected argument '%s'; see dnstap_send --help", argv[optind]);
	}
	if (opt->input == NULL) {
		errx(2, "missing -r FILE: name the dnstap file to send");
	}
	if ((opt->unix_path == NULL) == (opt->tcp_address == NULL)) {
		errx(2, "give either -u SOCKET or -a ADDRESS -p PORT");
	}
	if (opt->tcp_address != NULL && opt->tcp_port == NULL) {
		errx(2, "missing -p PORT for -a %s", opt->tcp_address);
	}
	if (opt->notify > opt->batch) {
		errx(2, "--notify %u is more than --batch %u", opt->notify, opt->batch);
	}
	if (opt->seconds > 0 && opt->frames > 0) {
		errx(2, "give --frames or --seconds, not both");
	}
	if (opt->seconds > 0 && opt->rate == 0) {
		errx(2, "--seconds needs a --rate");
	}
}

int main(int argc, char **argv)
{
	struct options opt;
	options_parse(argc, argv, &opt);
	struct frames f = {0};
	frames_load(opt.input, &f);
	if (opt.frames == 0 && opt.seconds == 0) {
		opt.frames = f.count;
	}
	struct fstrm_writer *writer = writer_connect(&opt);
	struct result r;
	send_frames(&opt, &f, writer, &r);
	fstrm_writer_destroy(&writer);

	printf("dnstap_send: %" PRIu64 " frames offered at %.0f/s, %" PRIu64 " sent, %" PRIu64
	       " dropped (queue of %" PRIu64 " frames full; %" PRIu64 " while writing, %" PRIu64
	       " while asleep); sent in %.3f s, %.0f frames/s, %" PRIu64
	       " writes, longest write %.2f ms, latest wake-up %.2f ms, queue at most %" PRIu64
	       " frames; receiver finished %.3f s after the last write\n",
	       r.offered, opt.rate, r.sent, r.dropped, opt.rate > 0 ? opt.queue : r.offered,
	       r.dropped_after_write, r.dropped_after_sleep, r.send_seconds,
	       r.send_seconds > 0 ? (double)r.sent / r.send_seconds : 0, r.writes,
	       1e3 * r.max_write_seconds, 1e3 * r.max_late_seconds, r.max_queued, r.close_seconds);
	free(f.iov);
	free(f.data);
	return r.dropped > 0 ? 1 : 0;
}
