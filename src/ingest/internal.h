/* What the files of the ingest pipeline share: the pipeline's state and
 * the steps that pipeline.c (files and interfaces), records.c (dnstap
 * frames and log lines) and listen.c (the dnstap listener) all use. Not
 * for use outside src/ingest. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>

#include "capture/decode.h"
#include "capture/dnstap_server.h"
#include "capture/input.h"
#include "dns/message.h"
#include "dnstap/dnstap.h"
#include "feed/feed.h"
#include "feed/towire.h"
#include "ingest/ingest.h"
#include "ingest/qmatch.h"
#include "pdns/aggregate.h"
#include "pdns/extract.h"
#include "store/store.h"

/* Damaged frames and lines: the first few of an input are named in full,
 * the rest only counted. */
#define DETAILED_ERRORS 5

struct ingest {
	struct ingest_options options;
	struct store *store;
	struct capture_decoder *decoder;
	struct capture_config decoder_config;
	struct dns_parser *parser;
	struct pdns_agg *agg;
	struct qmatch *qmatch;
	struct dnstap_decoder *dnstap;
	struct feed_towire *towire;
	struct feed_parser *feed;  /* the text input being read */
	uint64_t item;             /* number of the frame or line being read, in the file */
	enum ingest_unit unit;     /* what the input being opened is made of */
	const char *label;         /* the input, for messages */
	size_t agg_budget;

	/* The input being read and what it belongs to. */
	struct capture_input *volatile input;  /* read by ingest_stop() in a signal handler */
	struct dnstap_server *volatile server; /* the same, for a dnstap listener */
	char input_path[PATH_MAX];  /* absolute path of the file, the run's input */
	uint32_t source_id;
	struct store_run run;
	struct store_run resumed;  /* the earlier run this one continues, or zeros */
	bool flush_due;            /* the aggregate is full; flush after this packet */
	bool closing;              /* the next flush is the run's last */
	int64_t pid;               /* ours, the owner of the runs we write */
	struct ingest_counters last;
	struct ingest_counters totals;
	volatile sig_atomic_t stop;
	bool skipped;  /* the last file was ingested before and not read again */

	/* Decoder counters when the current run started. */
	struct capture_counters decoder_at_start;

	/* A failure inside the decoder callback, reported after the read loop. */
	dn_status failure;
	struct dn_error failure_err;
};

/* pipeline.c */
void ingest_tally_add(struct ingest_tally *t, uint64_t number);
size_t ingest_memory_in_use(const struct ingest *ing);
/* Write the aggregate and the run's counters in one transaction. */
dn_status ingest_flush(struct ingest *ing, bool finished, struct dn_error *err);
void ingest_fill_run(struct ingest *ing, bool finished);
/* Note a failure inside a read loop and stop the loop. */
void ingest_fail(struct ingest *ing, dn_status rc, const struct dn_error *err);
void ingest_check_memory(struct ingest *ing);
void ingest_observe(struct ingest *ing, const struct dns_message *msg, int64_t time,
                    const struct pdns_extract_options *options);
void ingest_add_counters(struct ingest_counters *total, const struct ingest_counters *c);
dn_status ingest_start_run(struct ingest *ing, const char *source, const char *kind,
                           const char *input, int64_t size, int64_t mtime_ns, bool *skip,
                           struct dn_error *err);
dn_status ingest_finish_run(struct ingest *ing, dn_status read_status, struct dn_error *err);
/* Whether pid is a live process running this program, so that the run it
 * owns is still being written. */
bool ingest_owner_alive(int64_t pid);

/* report.c */
/* "packet", "frame", "line", or "item" for totals over mixed inputs. */
const char *ingest_unit_name(enum ingest_unit unit);

/* records.c */
void ingest_damaged(struct ingest *ing, struct ingest_tally *t, const struct dn_error *e);
void ingest_decode_dnstap(struct ingest *ing, const uint8_t *data, size_t len);
void ingest_decode_line(struct ingest *ing, const char *line, size_t len, bool too_long);
dn_status ingest_discard_record(const struct feed_record *rec, void *ctx);
dn_status ingest_check_format_fits(const struct ingest *ing, const struct capture_input *input,
                                   enum feed_format format, struct dn_error *err);
