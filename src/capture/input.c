/* Opening inputs: capture files (pcap, pcapng) through libpcap, dnstap
 * Frame Streams through libfstrm, single dnstap messages and text logs;
 * any of them gzip or zstd compressed or on standard input; and live
 * interfaces through libpcap. */
#include "capture/input.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstrm.h>
#include <zlib.h>
#include <zstd.h>

#include "dnstap/dnstap.h"
#include "util/log.h"

/* Bytes read ahead to tell the formats apart. */
#define HEAD_MAX 4096
/* The largest dnstap frame read, and the largest single-message file. */
#define FRAME_MAX (1u << 20)
/* Longer lines are reported as damaged rather than parsed. */
#define LINE_MAX_BYTES (1u << 20)

/* Decompressing reader behind a stdio stream (fopencookie), for inputs that
 * libpcap cannot open by name: compressed files and standard input. */
struct stream_state {
	const char *path;  /* for messages */
	FILE *raw;
	bool close_raw;
	enum capture_compression compression;
	z_stream zlib;
	bool zlib_ready;
	bool zlib_member_done;
	ZSTD_DStream *zstd;
	bool zstd_frame_done;
	uint8_t in[1 << 16];
	size_t in_pos;
	size_t in_len;
	bool raw_eof;
	uint64_t consumed;  /* raw bytes taken from the file */
	char error[256];
};

struct capture_input {
	pcap_t *pcap;
	struct stream_state *stream;  /* NULL when libpcap opened the file by name */
	enum capture_format format;
	enum capture_compression compression;
	uint64_t size;
	int64_t mtime_ns;     /* -1 unless a regular file */
	char path[PATH_MAX];  /* for messages */
	uint64_t frames;
	uint8_t head[HEAD_MAX];  /* the first bytes, decompressed */
	size_t head_len;
	FILE *fp;                     /* Frame Streams, dnstap and text: the decoded stream */
	struct fstrm_reader *fstrm;
	char fstrm_error[300];
	uint8_t *message;             /* a single dnstap message */
	size_t message_len;
	char *line;
	size_t line_size;
	volatile sig_atomic_t broken; /* capture_input_break() on a non-pcap input */
	bool micro;                 /* the interface gives microseconds only */
	struct pcap_pkthdr header;  /* a packet's header, its time made nanoseconds */
	char *buffer;  /* stdio buffer of a plain file; freed after pcap_close() */
};

static const uint8_t magic_gzip[2] = {0x1f, 0x8b};
static const uint8_t magic_zstd[4] = {0x28, 0xb5, 0x2f, 0xfd};

static bool refill(struct stream_state *s)
{
	if (s->in_pos < s->in_len)
		return true;
	if (s->raw_eof)
		return false;
	size_t n = fread(s->in, 1, sizeof(s->in), s->raw);
	if (n == 0) {
		if (ferror(s->raw))
			snprintf(s->error, sizeof(s->error), "read failed: %s", strerror(errno));
		s->raw_eof = true;
		return false;
	}
	s->in_pos = 0;
	s->in_len = n;
	s->consumed += n;
	return true;
}

static ssize_t read_plain(struct stream_state *s, char *buf, size_t size)
{
	if (!refill(s))
		return s->error[0] != '\0' ? -1 : 0;
	size_t n = s->in_len - s->in_pos;
	if (n > size)
		n = size;
	memcpy(buf, s->in + s->in_pos, n);
	s->in_pos += n;
	return (ssize_t)n;
}

/* gzip files may hold several members back to back (as `cat a.gz b.gz`
 * makes); inflate restarts after each. */
static ssize_t read_gzip(struct stream_state *s, char *buf, size_t size)
{
	s->zlib.next_out = (Bytef *)buf;
	s->zlib.avail_out = (uInt)(size > UINT32_MAX ? UINT32_MAX : size);
	while (s->zlib.avail_out > 0) {
		if (s->zlib.avail_in == 0) {
			if (!refill(s))
				break;
			s->zlib.next_in = s->in + s->in_pos;
			s->zlib.avail_in = (uInt)(s->in_len - s->in_pos);
			s->in_pos = s->in_len;
		}
		if (s->zlib_member_done) {
			/* Another member must start with the gzip magic number;
			 * anything else is trailing junk, which gzip(1) also
			 * ignores with a warning. */
			if (s->zlib.next_in[0] != magic_gzip[0] ||
			    (s->zlib.avail_in > 1 && s->zlib.next_in[1] != magic_gzip[1])) {
				log_warn("%s: bytes after the end of the gzip data ignored", s->path);
				s->zlib.avail_in = 0;
				s->raw_eof = true;
				break;
			}
			inflateReset(&s->zlib);
			s->zlib_member_done = false;
		}
		int rc = inflate(&s->zlib, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			s->zlib_member_done = true;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			snprintf(s->error, sizeof(s->error), "gzip data is corrupt: %s",
			         s->zlib.msg != NULL ? s->zlib.msg : "inflate failed");
			return -1;
		}
	}
	size_t produced = size - s->zlib.avail_out;
	if (produced == 0 && s->raw_eof && !s->zlib_member_done && s->error[0] == '\0')
		snprintf(s->error, sizeof(s->error), "gzip data ends early (truncated file)");
	return produced > 0 || s->error[0] == '\0' ? (ssize_t)produced : -1;
}

/* Whether the unread input starts like a zstd frame, regular or skippable,
 * as far as the bytes at hand show. */
static bool zstd_frame_follows(const struct stream_state *s)
{
	const uint8_t *p = s->in + s->in_pos;
	size_t n = s->in_len - s->in_pos;
	static const uint8_t skippable[4] = {0x50, 0x2a, 0x4d, 0x18};  /* low nibble of [0] free */
	bool regular = true, skip = true;
	for (size_t i = 0; i < 4 && i < n; i++) {
		regular = regular && p[i] == magic_zstd[i];
		skip = skip && (i == 0 ? (p[0] & 0xf0) == skippable[0] : p[i] == skippable[i]);
	}
	return regular || skip;
}

static ssize_t read_zstd(struct stream_state *s, char *buf, size_t size)
{
	ZSTD_outBuffer out = {buf, size, 0};
	while (out.pos < out.size) {
		/* With the input used up, calls with no input still flush what
		 * the decoder holds, until one produces nothing. */
		bool have_input = s->in_pos < s->in_len || refill(s);
		if (have_input && s->zstd_frame_done && !zstd_frame_follows(s)) {
			/* As with gzip, junk after the last frame is dropped
			 * with a warning. */
			log_warn("%s: bytes after the end of the zstd data ignored", s->path);
			s->in_pos = s->in_len;
			s->raw_eof = true;
			break;
		}
		ZSTD_inBuffer in = {s->in, have_input ? s->in_len : 0, have_input ? s->in_pos : 0};
		size_t before = out.pos;
		size_t ret = ZSTD_decompressStream(s->zstd, &out, &in);
		if (ZSTD_isError(ret)) {
			snprintf(s->error, sizeof(s->error), "zstd data is corrupt: %s",
			         ZSTD_getErrorName(ret));
			return -1;
		}
		if (have_input)
			s->in_pos = in.pos;
		if (!have_input && out.pos == before)
			break;
		/* 0: a frame ended and all of it was written out. */
		s->zstd_frame_done = ret == 0;
	}
	if (out.pos == 0 && s->raw_eof && !s->zstd_frame_done && s->error[0] == '\0')
		snprintf(s->error, sizeof(s->error), "zstd data ends early (truncated file)");
	return out.pos > 0 || s->error[0] == '\0' ? (ssize_t)out.pos : -1;
}

static ssize_t stream_read(void *cookie, char *buf, size_t size)
{
	struct stream_state *s = cookie;
	switch (s->compression) {
	case CAPTURE_GZIP:
		return read_gzip(s, buf, size);
	case CAPTURE_ZSTD:
		return read_zstd(s, buf, size);
	case CAPTURE_PLAIN:
		break;
	}
	return read_plain(s, buf, size);
}

static void stream_free(struct stream_state *s)
{
	if (s == NULL)
		return;
	if (s->zlib_ready)
		inflateEnd(&s->zlib);
	ZSTD_freeDStream(s->zstd);
	if (s->close_raw && s->raw != NULL)
		fclose(s->raw);
	free(s);
}

/* Whether the bytes look like the start of a text log: at most one in a
 * hundred is a control character other than tab and line ends. NULs count
 * as such, so a log that a crash padded with a few NULs is still text. */
static bool looks_like_text(const uint8_t *head, size_t n)
{
	size_t odd = 0;
	for (size_t i = 0; i < n; i++) {
		if (head[i] < 0x20 && head[i] != '\t' && head[i] != '\n' && head[i] != '\r')
			odd++;
	}
	return odd * 100 <= n;
}

static dn_status detect_format(const char *path, bool decompressed, const uint8_t *head,
                               size_t n, enum capture_format *format, struct dn_error *err)
{
	static const uint32_t pcap_magics[] = {0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1};
	if (n == 0)
		return dn_fail(err, DN_EFORMAT, "%s: file is empty", path);
	if (n < 4 && !looks_like_text(head, n))
		return dn_fail(err, DN_EFORMAT, "%s: %zu bytes is too short for any input format",
		               path, n);

	uint32_t magic = n >= 4 ? (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 |
	                              (uint32_t)head[2] << 8 | head[3]
	                        : 0xffffffff;
	for (size_t i = 0; i < sizeof(pcap_magics) / sizeof(pcap_magics[0]); i++) {
		if (magic == pcap_magics[i]) {
			*format = CAPTURE_FORMAT_PCAP;
			return DN_OK;
		}
	}
	if (magic == 0x0a0d0d0a) {
		*format = CAPTURE_FORMAT_PCAPNG;
		return DN_OK;
	}
	/* Frame Streams opens with an escape (four zero bytes), the control
	 * frame's length, and its type: START is 2. */
	if (magic == 0 && n >= 12 && head[8] == 0 && head[9] == 0 && head[10] == 0 &&
	    head[11] == 2) {
		*format = CAPTURE_FORMAT_FSTRM;
		return DN_OK;
	}
	if (looks_like_text(head, n)) {
		*format = CAPTURE_FORMAT_TEXT;
		return DN_OK;
	}
	/* A lone Dnstap protobuf starts with the tag of one of its fields:
	 * identity (1), version (2), extra (3), message (14) or type (15). */
	if (head[0] == 0x0a || head[0] == 0x12 || head[0] == 0x1a || head[0] == 0x72 ||
	    head[0] == 0x78) {
		*format = CAPTURE_FORMAT_DNSTAP;
		return DN_OK;
	}
	return dn_fail(err, DN_EFORMAT,
	               "%s: %snot a pcap or pcapng capture, dnstap (Frame Streams or a single "
	               "message) or a text log (it starts with bytes %02x %02x %02x %02x%s)",
	               path, decompressed ? "the decompressed data is " : "", head[0],
	               n > 1 ? head[1] : 0, n > 2 ? head[2] : 0, n > 3 ? head[3] : 0,
	               decompressed ? "" : "; gzip and zstd compressed files are accepted too");
}

/* The stream handed to libpcap. The decompressed magic number is read
 * before libpcap sees the stream, so those bytes are kept here and handed
 * out first. */
struct prefixed {
	struct stream_state *inner;
	uint8_t head[HEAD_MAX];
	size_t head_len;
	size_t head_pos;
};

static ssize_t prefixed_read(void *cookie, char *buf, size_t size)
{
	struct prefixed *p = cookie;
	if (p->head_pos < p->head_len) {
		size_t n = p->head_len - p->head_pos;
		if (n > size)
			n = size;
		memcpy(buf, p->head + p->head_pos, n);
		p->head_pos += n;
		return (ssize_t)n;
	}
	return stream_read(p->inner, buf, size);
}

static int prefixed_close(void *cookie)
{
	struct prefixed *p = cookie;
	stream_free(p->inner);
	free(p);
	return 0;
}

static dn_status open_through_stream(struct capture_input *in, FILE *raw, bool close_raw,
                                     const uint8_t *raw_head, size_t raw_head_len,
                                     struct dn_error *err)
{
	struct stream_state *s = calloc(1, sizeof(*s));
	struct prefixed *p = calloc(1, sizeof(*p));
	if (s == NULL || p == NULL) {
		free(s);
		free(p);
		if (close_raw)
			fclose(raw);
		return dn_fail(err, DN_ENOMEM, "%s: out of memory", in->path);
	}
	s->path = in->path;
	s->raw = raw;
	s->close_raw = close_raw;
	s->compression = in->compression;
	memcpy(s->in, raw_head, raw_head_len);
	s->in_len = raw_head_len;
	s->consumed = raw_head_len;
	p->inner = s;

	if (s->compression == CAPTURE_GZIP) {
		/* 15 + 16: a gzip wrapper with the largest window. */
		if (inflateInit2(&s->zlib, 15 + 16) != Z_OK) {
			prefixed_close(p);
			return dn_fail(err, DN_ENOMEM, "%s: cannot start gzip decoding", in->path);
		}
		s->zlib_ready = true;
	} else if (s->compression == CAPTURE_ZSTD) {
		s->zstd = ZSTD_createDStream();
		if (s->zstd == NULL) {
			prefixed_close(p);
			return dn_fail(err, DN_ENOMEM, "%s: cannot start zstd decoding", in->path);
		}
	}

	/* Peek at the decompressed start, to tell the formats apart. */
	while (p->head_len < sizeof(p->head)) {
		ssize_t n = stream_read(s, (char *)p->head + p->head_len,
		                        sizeof(p->head) - p->head_len);
		if (n <= 0)
			break;
		p->head_len += (size_t)n;
	}
	if (s->error[0] != '\0') {
		dn_fail(err, DN_EMALF, "%s: %s", in->path, s->error);
		prefixed_close(p);
		return DN_EMALF;
	}
	dn_status rc = detect_format(in->path, in->compression != CAPTURE_PLAIN, p->head,
	                             p->head_len, &in->format, err);
	if (rc != DN_OK) {
		prefixed_close(p);
		return rc;
	}
	memcpy(in->head, p->head, p->head_len);
	in->head_len = p->head_len;

	cookie_io_functions_t io = {.read = prefixed_read, .close = prefixed_close};
	FILE *fp = fopencookie(p, "r", io);
	if (fp == NULL) {
		prefixed_close(p);
		return dn_fail(err, DN_ENOMEM, "%s: cannot create a decoding stream", in->path);
	}
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	in->stream = s;
	if (in->format != CAPTURE_FORMAT_PCAP && in->format != CAPTURE_FORMAT_PCAPNG) {
		in->fp = fp;
		return DN_OK;
	}

	char errbuf[PCAP_ERRBUF_SIZE];
	in->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (in->pcap == NULL) {
		in->stream = NULL;
		/* A decoding failure explains more than libpcap's short read. */
		dn_fail(err, DN_EMALF, "%s: cannot read capture header: %s", in->path,
		        s->error[0] != '\0' ? s->error : errbuf);
		fclose(fp);
		return DN_EMALF;
	}
	return DN_OK;
}

/* stdio reads regular files in st_blksize (often 4 KiB) pieces; larger
 * reads cut the system calls of a big capture by two orders of magnitude. */
#define INPUT_BUFFER_BYTES (1 << 20)

static dn_status open_plain_file(struct capture_input *in, const char *path,
                                 struct dn_error *err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return dn_fail(err, DN_EIO, "cannot open %s: %s", in->path, strerror(errno));
	in->buffer = malloc(INPUT_BUFFER_BYTES);
	if (in->buffer != NULL)
		setvbuf(fp, in->buffer, _IOFBF, INPUT_BUFFER_BYTES);
	/* libpcap calls fread() twice a packet; only this thread uses the
	 * stream, so stdio need not lock it each time. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	in->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (in->pcap == NULL) {
		fclose(fp);
		return dn_fail(err, DN_EMALF, "%s: cannot read capture header: %s", in->path,
		               errbuf);
	}
	return DN_OK;
}

/* A plain regular file that libpcap does not read: read it from the
 * start through stdio. Takes fp, closing it on failure. */
static dn_status open_plain_stream(struct capture_input *in, FILE *fp, struct dn_error *err)
{
	if (fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return dn_fail(err, DN_EIO, "cannot read %s from its start: %s", in->path,
		               strerror(errno));
	}
	in->buffer = malloc(INPUT_BUFFER_BYTES);
	if (in->buffer != NULL)
		setvbuf(fp, in->buffer, _IOFBF, INPUT_BUFFER_BYTES);
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	in->fp = fp;
	return DN_OK;
}

static fstrm_res fstrm_read_stdio(void *obj, void *data, size_t count)
{
	struct capture_input *in = obj;
	size_t got = fread(data, 1, count, in->fp);
	if (got == count)
		return fstrm_res_success;
	if (got == 0 && feof(in->fp))
		return fstrm_res_stop;
	if (ferror(in->fp))
		snprintf(in->fstrm_error, sizeof(in->fstrm_error), "read failed: %s",
		         in->stream != NULL && in->stream->error[0] != '\0' ? in->stream->error
		                                                             : strerror(errno));
	else
		snprintf(in->fstrm_error, sizeof(in->fstrm_error),
		         "the file ends inside a frame (truncated)");
	return fstrm_res_failure;
}

static fstrm_res fstrm_noop(void *obj)
{
	(void)obj;
	return fstrm_res_success;
}

/* Read a Frame Streams file through libfstrm, from the stream already
 * opened: the rdwr reads in->fp, so compression and standard input work
 * as for captures. Only the dnstap content type is accepted. */
static dn_status open_fstrm(struct capture_input *in, struct dn_error *err)
{
	struct fstrm_rdwr *rdwr = fstrm_rdwr_init(in);
	struct fstrm_reader_options *ropt = fstrm_reader_options_init();
	if (rdwr == NULL || ropt == NULL) {
		if (rdwr != NULL)
			fstrm_rdwr_destroy(&rdwr);
		if (ropt != NULL)
			fstrm_reader_options_destroy(&ropt);
		return dn_fail(err, DN_ENOMEM, "%s: out of memory", in->path);
	}
	fstrm_rdwr_set_open(rdwr, fstrm_noop);
	fstrm_rdwr_set_close(rdwr, fstrm_noop);
	fstrm_rdwr_set_read(rdwr, fstrm_read_stdio);
	fstrm_reader_options_add_content_type(ropt, DNSTAP_CONTENT_TYPE,
	                                      strlen(DNSTAP_CONTENT_TYPE));
	fstrm_reader_options_set_max_frame_size(ropt, FRAME_MAX);
	in->fstrm = fstrm_reader_init(ropt, &rdwr);
	fstrm_reader_options_destroy(&ropt);
	if (in->fstrm == NULL) {
		if (rdwr != NULL)
			fstrm_rdwr_destroy(&rdwr);
		return dn_fail(err, DN_ENOMEM, "%s: out of memory", in->path);
	}
	if (fstrm_reader_open(in->fstrm) != fstrm_res_success)
		return dn_fail(err, DN_EMALF,
		               "%s: not a dnstap Frame Streams file: %s", in->path,
		               in->fstrm_error[0] != '\0'
		                   ? in->fstrm_error
		                   : "the START frame is damaged or names a content type other "
		                     "than " DNSTAP_CONTENT_TYPE);
	return DN_OK;
}

/* A file holding one dnstap message without Frame Streams framing. */
static dn_status read_whole_message(struct capture_input *in, struct dn_error *err)
{
	in->message = malloc(FRAME_MAX + 1);
	if (in->message == NULL)
		return dn_fail(err, DN_ENOMEM, "%s: out of memory", in->path);
	size_t n = fread(in->message, 1, FRAME_MAX + 1, in->fp);
	if (ferror(in->fp))
		return dn_fail(err, DN_EIO, "cannot read %s: %s", in->path, strerror(errno));
	if (n > FRAME_MAX)
		return dn_fail(err, DN_EFORMAT,
		               "%s: not a capture, Frame Streams file or text log, and too large "
		               "(over %u bytes) for a single dnstap message",
		               in->path, FRAME_MAX);
	in->message_len = n;
	return DN_OK;
}

dn_status capture_input_open_file(const char *path, struct capture_input **out,
                                  struct dn_error *err)
{
	*out = NULL;
	struct capture_input *in = calloc(1, sizeof(*in));
	if (in == NULL)
		return dn_fail(err, DN_ENOMEM, "%s: out of memory", path);
	bool use_stdin = strcmp(path, "-") == 0;
	snprintf(in->path, sizeof(in->path), "%s", use_stdin ? "(standard input)" : path);

	FILE *raw = use_stdin ? stdin : fopen(path, "rb");
	if (raw == NULL) {
		dn_fail(err, DN_EIO, "cannot open %s: %s", path, strerror(errno));
		free(in);
		return DN_EIO;
	}
	/* Pipes and FIFOs (as from <(zcat x.gz)) are read like standard input. */
	struct stat st;
	bool known = fstat(fileno(raw), &st) == 0;
	bool regular = known && S_ISREG(st.st_mode);
	if (!use_stdin && known && S_ISDIR(st.st_mode)) {
		fclose(raw);
		free(in);
		return dn_fail(err, DN_EIO, "cannot read %s: it is a directory", path);
	}
	in->size = regular ? (uint64_t)st.st_size : 0;
	in->mtime_ns = regular && !use_stdin
	                   ? (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec
	                   : -1;

	uint8_t *head = in->head;
	size_t n = 0;
	while (n < sizeof(in->head)) {
		size_t got = fread(head + n, 1, sizeof(in->head) - n, raw);
		if (got == 0)
			break;
		n += got;
	}
	if (n < sizeof(in->head) && ferror(raw)) {
		dn_fail(err, DN_EIO, "cannot read %s: %s", path, strerror(errno));
		if (!use_stdin)
			fclose(raw);
		free(in);
		return DN_EIO;
	}

	if (n >= 2 && memcmp(head, magic_gzip, 2) == 0)
		in->compression = CAPTURE_GZIP;
	else if (n >= 4 && memcmp(head, magic_zstd, 4) == 0)
		in->compression = CAPTURE_ZSTD;

	dn_status rc;
	if (in->compression == CAPTURE_PLAIN && !use_stdin && regular) {
		in->head_len = n;
		rc = detect_format(path, false, head, n, &in->format, err);
		if (rc == DN_OK &&
		    (in->format == CAPTURE_FORMAT_PCAP || in->format == CAPTURE_FORMAT_PCAPNG)) {
			/* Let libpcap read the file directly: the fastest path. */
			fclose(raw);
			raw = NULL;
			rc = open_plain_file(in, path, err);
		} else if (rc == DN_OK) {
			rc = open_plain_stream(in, raw, err);
			raw = NULL;
		}
		if (raw != NULL)
			fclose(raw);
	} else {
		rc = open_through_stream(in, raw, !use_stdin, head, n, err);
	}
	if (rc == DN_OK && in->format == CAPTURE_FORMAT_FSTRM)
		rc = open_fstrm(in, err);
	else if (rc == DN_OK && in->format == CAPTURE_FORMAT_DNSTAP)
		rc = read_whole_message(in, err);
	if (rc != DN_OK) {
		capture_input_close(in);
		return rc;
	}
	*out = in;
	return DN_OK;
}

dn_status capture_input_open_live(const char *iface, const struct capture_live_options *options,
                                  struct capture_input **out, struct dn_error *err)
{
	*out = NULL;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct capture_input *in = calloc(1, sizeof(*in));
	if (in == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	snprintf(in->path, sizeof(in->path), "%s", iface);
	in->format = CAPTURE_FORMAT_LIVE;
	in->mtime_ns = -1;

	in->pcap = pcap_create(iface, errbuf);
	if (in->pcap == NULL) {
		free(in);
		return dn_fail(err, DN_EIO, "cannot open interface %s: %s", iface, errbuf);
	}
	/* Immediate mode hands each packet over as it arrives. libpcap then
	 * ignores its own read timeout, so the timeout that periodic flushes
	 * need comes from poll() in capture_input_next(). */
	pcap_set_snaplen(in->pcap, options->snaplen);
	pcap_set_promisc(in->pcap, options->promiscuous);
	pcap_set_immediate_mode(in->pcap, 1);
	pcap_set_buffer_size(in->pcap, options->buffer_bytes);
	in->micro = pcap_set_tstamp_precision(in->pcap, PCAP_TSTAMP_PRECISION_NANO) != 0;

	int rc = pcap_activate(in->pcap);
	if (rc < 0) {
		dn_fail(err, DN_EIO, "cannot start capturing on %s: %s%s", iface,
		        pcap_geterr(in->pcap),
		        rc == PCAP_ERROR_PERM_DENIED ? " (run as root or grant CAP_NET_RAW)" : "");
		pcap_close(in->pcap);
		free(in);
		return DN_EIO;
	}

	if (pcap_setnonblock(in->pcap, 1, errbuf) != 0) {
		dn_fail(err, DN_EIO, "cannot poll interface %s: %s", iface, errbuf);
		pcap_close(in->pcap);
		free(in);
		return DN_EIO;
	}
	if (pcap_get_selectable_fd(in->pcap) < 0) {
		dn_fail(err, DN_EIO, "cannot poll interface %s: it has no selectable descriptor",
		        iface);
		pcap_close(in->pcap);
		free(in);
		return DN_EIO;
	}

	if (options->filter != NULL) {
		struct bpf_program program;
		if (pcap_compile(in->pcap, &program, options->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			dn_fail(err, DN_EINVAL, "invalid capture filter '%s': %s", options->filter,
			        pcap_geterr(in->pcap));
			pcap_close(in->pcap);
			free(in);
			return DN_EINVAL;
		}
		int set = pcap_setfilter(in->pcap, &program);
		pcap_freecode(&program);
		if (set != 0) {
			dn_fail(err, DN_EIO, "cannot set capture filter '%s' on %s: %s",
			        options->filter, iface, pcap_geterr(in->pcap));
			pcap_close(in->pcap);
			free(in);
			return DN_EIO;
		}
	}
	*out = in;
	return DN_OK;
}

enum capture_next capture_input_next(struct capture_input *in, const struct pcap_pkthdr **header,
                                     const uint8_t **data, struct dn_error *err)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	if (in->pcap == NULL) {
		dn_fail(err, DN_EINVAL, "%s is not a capture", in->path);
		return CAPTURE_NEXT_ERROR;
	}
	int rc = pcap_next_ex(in->pcap, &h, &d);
	if (rc == 0 && in->format == CAPTURE_FORMAT_LIVE) {
		/* Nothing buffered: wait up to 250 ms, or less when a signal
		 * arrives, then try once more. */
		struct pollfd pfd = {.fd = pcap_get_selectable_fd(in->pcap), .events = POLLIN};
		if (poll(&pfd, 1, 250) > 0)
			rc = pcap_next_ex(in->pcap, &h, &d);
	}
	if (rc == 1) {
		in->frames++;
		if (in->micro) {
			in->header = *h;
			in->header.ts.tv_usec *= 1000;
			h = &in->header;
		}
		*header = h;
		*data = d;
		return CAPTURE_NEXT_PACKET;
	}
	if (rc == 0)
		return CAPTURE_NEXT_TIMEOUT;
	if (rc == PCAP_ERROR_BREAK)
		return CAPTURE_NEXT_END;

	const char *why = pcap_geterr(in->pcap);
	if (in->stream != NULL && in->stream->error[0] != '\0')
		why = in->stream->error;
	/* A broken file is damaged input; a failing interface is not. */
	dn_fail(err, in->format == CAPTURE_FORMAT_LIVE ? DN_EIO : DN_EMALF,
	        "%s: reading stopped after packet %llu (file offset %llu): %s", in->path,
	        (unsigned long long)in->frames, (unsigned long long)capture_input_position(in),
	        why);
	return CAPTURE_NEXT_ERROR;
}

void capture_input_break(struct capture_input *in)
{
	in->broken = 1;
	if (in->pcap != NULL)
		pcap_breakloop(in->pcap);
}

enum capture_format capture_input_format(const struct capture_input *in)
{
	return in->format;
}

const uint8_t *capture_input_head(const struct capture_input *in, size_t *len)
{
	*len = in->head_len;
	return in->head;
}

enum capture_next capture_input_next_frame(struct capture_input *in, const uint8_t **data,
                                           size_t *len, struct dn_error *err)
{
	if (in->broken)
		return CAPTURE_NEXT_END;
	if (in->format != CAPTURE_FORMAT_DNSTAP && in->format != CAPTURE_FORMAT_FSTRM) {
		dn_fail(err, DN_EINVAL, "%s is not dnstap", in->path);
		return CAPTURE_NEXT_ERROR;
	}
	if (in->format == CAPTURE_FORMAT_DNSTAP) {
		if (in->frames > 0)
			return CAPTURE_NEXT_END;
		in->frames++;
		*data = in->message;
		*len = in->message_len;
		return CAPTURE_NEXT_PACKET;
	}
	for (;;) {
		/* libfstrm 0.6.1 reports success without setting data or len when
		 * a frame is over the maximum size, so both start out unset. */
		*data = NULL;
		*len = 0;
		fstrm_res res = fstrm_reader_read(in->fstrm, data, len);
		if (res == fstrm_res_success && *data != NULL) {
			in->frames++;
			return CAPTURE_NEXT_PACKET;
		}
		if (res == fstrm_res_success && in->fstrm_error[0] == '\0')
			snprintf(in->fstrm_error, sizeof(in->fstrm_error), "a frame over 1 MiB");
		if (res != fstrm_res_stop)
			break;
		/* Files of Frame Streams joined with cat: another START may follow
		 * the STOP. */
		int next = getc(in->fp);
		if (next == EOF)
			return CAPTURE_NEXT_END;
		ungetc(next, in->fp);
		fstrm_reader_destroy(&in->fstrm);
		struct dn_error open_err;
		if (open_fstrm(in, &open_err) != DN_OK) {
			dn_fail(err, DN_EMALF,
			        "%s: bytes after the STOP frame that follows frame %llu (offset %llu) "
			        "do not start another dnstap stream",
			        in->path, (unsigned long long)in->frames,
			        (unsigned long long)capture_input_position(in));
			return CAPTURE_NEXT_ERROR;
		}
	}
	dn_fail(err, DN_EMALF, "%s: reading stopped after frame %llu (offset %llu): %s", in->path,
	        (unsigned long long)in->frames, (unsigned long long)capture_input_position(in),
	        in->fstrm_error[0] != '\0'
	            ? in->fstrm_error
	            : "damaged Frame Streams data, or a frame over 1 MiB");
	return CAPTURE_NEXT_ERROR;
}

enum capture_next capture_input_next_line(struct capture_input *in, const char **line,
                                          size_t *len, struct dn_error *err)
{
	if (in->broken)
		return CAPTURE_NEXT_END;
	if (in->format != CAPTURE_FORMAT_TEXT) {
		dn_fail(err, DN_EINVAL, "%s is not text", in->path);
		return CAPTURE_NEXT_ERROR;
	}
	errno = 0;
	ssize_t n = getline(&in->line, &in->line_size, in->fp);
	if (n < 0) {
		if (ferror(in->fp)) {
			dn_fail(err, in->stream != NULL && in->stream->error[0] != '\0' ? DN_EMALF : DN_EIO,
			        "%s: reading stopped after line %llu (offset %llu): %s", in->path,
			        (unsigned long long)in->frames,
			        (unsigned long long)capture_input_position(in),
			        in->stream != NULL && in->stream->error[0] != '\0' ? in->stream->error
			                                                           : strerror(errno));
			return CAPTURE_NEXT_ERROR;
		}
		return CAPTURE_NEXT_END;
	}
	in->frames++;
	if (n > 0 && in->line[n - 1] == '\n')
		n--;
	*line = in->line;
	*len = (size_t)n;
	/* NOTE: getline() reads a whole line into memory, however long, before this check. */
	if ((size_t)n > LINE_MAX_BYTES)
		return CAPTURE_NEXT_TIMEOUT;
	return CAPTURE_NEXT_PACKET;
}

int capture_input_linktype(const struct capture_input *in)
{
	return in->pcap != NULL ? pcap_datalink(in->pcap) : -1;
}

int64_t capture_input_mtime_ns(const struct capture_input *in)
{
	return in->mtime_ns;
}

uint64_t capture_input_position(const struct capture_input *in)
{
	if (in->stream != NULL)
		return in->stream->consumed;
	if (in->format == CAPTURE_FORMAT_LIVE)
		return 0;
	FILE *fp = in->fp != NULL ? in->fp : pcap_file(in->pcap);
	long pos = fp != NULL ? ftell(fp) : -1;
	return pos > 0 ? (uint64_t)pos : 0;
}

uint64_t capture_input_size(const struct capture_input *in)
{
	return in->size;
}

uint64_t capture_input_kernel_drops(const struct capture_input *in)
{
	struct pcap_stat st;
	if (in->format != CAPTURE_FORMAT_LIVE || pcap_stats(in->pcap, &st) != 0)
		return 0;
	return (uint64_t)st.ps_drop + st.ps_ifdrop;
}

void capture_input_close(struct capture_input *in)
{
	if (in == NULL)
		return;
	if (in->pcap != NULL)
		pcap_close(in->pcap);
	if (in->fstrm != NULL)
		fstrm_reader_destroy(&in->fstrm);
	if (in->fp != NULL)
		fclose(in->fp);
	free(in->message);
	free(in->line);
	free(in->buffer);
	free(in);
}
