/* The ingest pipeline, for files, live interfaces and dnstap streams:
 *   captures: input -> packet decoder -> DNS parser -> extraction
 *   dnstap:   input -> dnstap decoder -> DNS parser -> extraction
 *   logs:     input -> feed parser -> presentation-to-wire conversion
 * then aggregation -> store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"
#include "capture/input.h"
#include "dns/message.h"
#include "feed/feed.h"
#include "pdns/extract.h"
#include "store/store.h"
#include "util/status.h"

/* How many packet numbers each damage reason keeps for the summary. */
#define INGEST_EXAMPLES 5

struct ingest_options {
	size_t max_memory;        /* bytes for aggregation, reassembly and store cache together */
	const char *source;       /* source name for every input; NULL: one per file */
	bool dry_run;             /* decode and aggregate, write nothing */
	bool again;               /* read files ingested before, from their start */
	bool match_queries;       /* keep only responses whose query was seen */
	uint32_t match_window;    /* seconds a query waits for its response */
	bool mdns;                /* also decode multicast DNS on port 5353 */
	bool llmnr;               /* also decode LLMNR on port 5355 */
	uint16_t ports[64];       /* DNS ports; nports == 0 means 53 */
	size_t nports;
	bool progress;            /* draw a progress line on stderr (callers check isatty) */
	uint32_t flush_interval;  /* seconds between flushes; 0: only at the end and when
	                             memory runs short */
	size_t flush_records;     /* flush when the aggregate holds this many entries; 0: off */
	enum feed_format format;  /* text inputs: this format; FEED_UNKNOWN detects it */
	int dnstap_mode;          /* dnstap Unix socket permissions; -1: the umask's */
	const char *dnstap_group; /* dnstap Unix socket group; NULL: ours */
	/* The name of the input in the run table and in warnings, in place of
	 * the file's path ("api upload ..."); NULL for the path. A named input
	 * is not known by size and time, so it is never skipped or resumed. */
	const char *input_name;
	/* Word format errors for the HTTP upload's kind and format parameters
	 * instead of the command's --format option. */
	bool api_upload;
};

/* Fill options with defaults: 512 MiB, port 53, 10 s match window, no
 * periodic flush (capture sets its own 60 s). */
void ingest_options_default(struct ingest_options *options);

/* Damage seen while reading: a count and the first packet numbers. */
struct ingest_tally {
	uint64_t count;
	uint64_t examples[INGEST_EXAMPLES];
};

/* The kind of item an input is made of, for reports. */
enum ingest_unit { INGEST_PACKETS, INGEST_FRAMES, INGEST_LINES, INGEST_MIXED };

struct ingest_counters {
	enum ingest_unit unit;        /* packets, dnstap frames or log lines */
	char format[16];              /* "pcap", "dnstap", "zeek-tsv", ...; "" for totals */
	uint64_t resumed_after;       /* packets an earlier run stored, not read again; per file */
	uint64_t packets;             /* packets read and decoded */
	uint64_t bytes;
	uint64_t messages;            /* DNS messages delivered by the decoder */
	uint64_t queries;
	uint64_t responses;
	uint64_t unmatched;           /* responses dropped by --match-queries */
	uint64_t matched;
	uint64_t repeated;            /* further responses to a matched query, dropped */
	uint64_t observations;        /* records and negatives before aggregation */
	uint64_t rrsets_written;      /* aggregated records written (or counted in a dry run) */
	uint64_t negatives_written;
	uint64_t flushes;
	struct pdns_extract_counters extract;
	struct ingest_tally capture[CAPTURE_RESULT_COUNT];
	struct ingest_tally parse[DNS_PARSE_RESULT_COUNT];
	uint64_t kernel_drops;        /* live capture only */
	uint64_t dnstap_queries;      /* dnstap query messages, not recorded */
	uint64_t dnstap_unused;       /* responses of types not recorded (STUB, TOOL, UPDATE) */
	struct ingest_tally dnstap_bad;  /* frames that are not valid dnstap */
	uint64_t feed_records;        /* records and negatives read from log lines */
	struct ingest_tally feed_bad;    /* log lines that could not be read */
	struct ingest_tally feed_unsupported; /* lines with answers that cannot be mapped */
	struct ingest_tally feed_rejected;    /* records with a name or rdata we cannot read */
	uint64_t connections;         /* dnstap listener: streams accepted */
	size_t peak_memory;           /* highest accounted memory */
	struct capture_counters decoder; /* reassembly events during this input */
};

struct ingest;

/* The share of options->max_memory that the store may use for its cache;
 * give it to store_open() before ingest_new(). */
size_t ingest_store_cache_bytes(const struct ingest_options *options);

/* Check a source name or an upload's name. Returns true when it is valid,
 * else false with the first fault written into reason: a control byte
 * (below 0x20, or 0x7f), an invisible or bidirectional format character
 * (such as U+202E), or a name of only spaces. Names are printed one a line
 * by `dragnet stats` and in logs, where such characters would corrupt the
 * output or disguise the name. The empty name is the caller's to reject. */
bool ingest_name_check(const char *name, char *reason, size_t size);

/* Advice that follows the reason when ingest_name_check() rejects a name. */
#define INGEST_NAME_ADVICE "give a printable name that is not blank"

/* Prepare a pipeline writing into store (NULL only for a dry run). */
dn_status ingest_new(struct store *store, const struct ingest_options *options,
                     struct ingest **ingest, struct dn_error *err);

/* Read one capture file ("-" for standard input) to its end, then flush.
 * Damaged packets are counted and skipped. A file already ingested in full
 * (same absolute path, size and modification time) is skipped, and one
 * whose earlier run was cut short is resumed after the last stored packet,
 * unless options.again is set. Returns DN_OK when the file was read or
 * skipped (even with damaged packets), DN_EFORMAT/DN_EMALF/DN_EIO when it
 * could not be read at all or broke off (what was read before is kept),
 * DN_ESTORE when writing failed, DN_EINTR when ingest_stop() was called. */
dn_status ingest_file(struct ingest *ingest, const char *path, struct dn_error *err);

/* Capture from input, a live capture on interface iface opened with
 * capture_input_open_live(), until ingest_stop(), flushing every
 * flush_interval seconds and when memory runs short. Closes input. */
dn_status ingest_live(struct ingest *ingest, const char *iface, struct capture_input *input,
                      struct dn_error *err);

/* Receive dnstap on a listening socket, from "unix:PATH" or "tcp:HOST:PORT",
 * until ingest_stop(), flushing every flush_interval seconds and when
 * memory runs short. Any number of resolvers may connect. */
dn_status ingest_dnstap_listen(struct ingest *ingest, const char *address, struct dn_error *err);

/* Check the syntax of a dnstap listener address without opening it. */
dn_status ingest_dnstap_check_address(const char *address, struct dn_error *err);

/* Ask a running ingest_file(), ingest_live() or ingest_dnstap_listen() to
 * flush and return. Safe to call from a signal handler. */
void ingest_stop(struct ingest *ingest);

/* True once ingest_stop() was called. */
bool ingest_stopped(const struct ingest *ingest);

/* True when the last ingest_file() skipped a file ingested before. */
bool ingest_skipped(const struct ingest *ingest);

/* Counters of the last file or capture, and the totals of all of them. */
const struct ingest_counters *ingest_last(const struct ingest *ingest);
const struct ingest_counters *ingest_totals(const struct ingest *ingest);

/* Write a summary of counters to stderr at info level, with damage reasons
 * and their first packet numbers; label names the input. */
void ingest_report(const char *label, const struct ingest_counters *counters, bool dry_run,
                   double seconds);

/* Receives the text of one warning of ingest_warnings(). */
typedef void (*ingest_warning_fn)(const char *text, void *ctx);

/* Pass each damage warning of counters to fn, worded as ingest_report()
 * logs them but without the label: damaged and skipped packets, frames
 * and lines with their first numbers, lost fragments and TCP gaps. */
void ingest_warnings(const struct ingest_counters *counters, ingest_warning_fn fn, void *ctx);

void ingest_free(struct ingest *ingest);
