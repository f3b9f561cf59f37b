/* The ingest pipeline: capture, dnstap and log inputs -> DNS parser or
 * feed parser -> pDNS extraction -> aggregation -> store. This file has
 * the pipeline's state, memory plan, flushes and runs, and the read loops
 * of files and interfaces; records.c decodes dnstap frames and log lines,
 * listen.c runs the dnstap listener. */
#include "ingest/ingest.h"
#include "ingest/internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/flush.h"
#include "ingest/qmatch.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/timeutil.h"
#include "x509/pem.h"

#define MDNS_PORT 5353
#define LLMNR_PORT 5355

/* Queries remembered for --match-queries. */
#define QMATCH_CAPACITY 262144

/* Memory set aside for the program, its libraries, stdio and a flush's
 * formatted batch, outside every budget we account for. An estimate,
 * checked against peak RSS in the benchmark: an ingest of a small file
 * peaks at 12 MiB (3.6 MiB of it libcurl and its libraries), and a flush
 * holds up to 65,536 formatted records besides the aggregate. */
#define BASE_MEMORY (34u << 20)

void ingest_options_default(struct ingest_options *options)
{
	memset(options, 0, sizeof(*options));
	options->max_memory = 512u << 20;
	options->dnstap_mode = -1;
	options->match_window = 10;
}

void ingest_tally_add(struct ingest_tally *t, uint64_t packet_number)
{
	if (t->count < INGEST_EXAMPLES)
		t->examples[t->count] = packet_number;
	t->count++;
}

/* The shares of --max-memory, with their caps. */
struct memory_plan {
	size_t cache;
	size_t frag;
	size_t tcp;
	size_t fixed;      /* everything but the aggregate */
	size_t aggregate;  /* 0 when total is too small */
};

#define MIN_AGGREGATE (8u << 20)

static struct memory_plan plan_for(size_t total, bool match_queries)
{
	struct memory_plan p;
	p.cache = total / 8 < (64u << 20) ? total / 8 : (64u << 20);
	p.frag = total / 32 < (16u << 20) ? total / 32 : (16u << 20);
	p.tcp = total / 16 < (64u << 20) ? total / 16 : (64u << 20);
	size_t qmatch = match_queries ? (size_t)QMATCH_CAPACITY * 48 : 0;
	p.fixed = BASE_MEMORY + p.cache + p.frag + p.tcp + qmatch;
	p.aggregate = total >= p.fixed + MIN_AGGREGATE ? total - p.fixed : 0;
	return p;
}

size_t ingest_store_cache_bytes(const struct ingest_options *options)
{
	return plan_for(options->max_memory, options->match_queries).cache;
}

/* Split --max-memory between the store cache, reassembly buffers and the
 * aggregate; the aggregate gets what is left. */
static dn_status plan_memory(struct ingest *ing, struct dn_error *err)
{
	struct memory_plan p = plan_for(ing->options.max_memory, ing->options.match_queries);
	if (p.aggregate == 0) {
		size_t mib = 1;
		while (plan_for(mib << 20, ing->options.match_queries).aggregate == 0)
			mib++;
		return dn_fail(err, DN_EINVAL,
		               "--max-memory of %zu bytes is too small; give at least %zu MiB",
		               ing->options.max_memory, mib);
	}
	ing->decoder_config.frag_max_bytes = p.frag;
	ing->decoder_config.tcp_max_bytes = p.tcp;
	ing->agg_budget = p.aggregate;
	return DN_OK;
}

static void on_message(const struct capture_message *m, void *ctx);

/* The code point of the invisible or bidirectional format character that
 * starts at text, or 0. These are C1 controls (U+0080 to U+009F), U+061C,
 * U+200B to U+200F, U+2028 to U+202E, U+2060 to U+206F and U+FEFF: a
 * terminal shows them as nothing or lets them reorder the rest of the line. */
static uint32_t format_character(const unsigned char *text)
{
	if (text[0] == 0xc2 && text[1] >= 0x80 && text[1] <= 0x9f)
		return text[1];
	if (text[0] == 0xd8 && text[1] == 0x9c)
		return 0x061c;
	if (text[0] == 0xef && text[1] == 0xbb && text[2] == 0xbf)
		return 0xfeff;
	if (text[0] != 0xe2 || (text[1] != 0x80 && text[1] != 0x81) || text[2] < 0x80 ||
	    text[2] > 0xbf)
		return 0;
	uint32_t cp = 0x2000 | (uint32_t)(text[1] & 0x3f) << 6 | (uint32_t)(text[2] & 0x3f);
	if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f))
		return cp;
	return 0;
}

bool ingest_name_check(const char *name, char *reason, size_t size)
{
	bool blank = true;
	for (size_t i = 0; name[i] != '\0'; i++) {
		const unsigned char *text = (const unsigned char *)name + i;
		if (text[0] < 0x20 || text[0] == 0x7f) {
			snprintf(reason, size, "control character 0x%02x at byte %zu", text[0], i);
			return false;
		}
		uint32_t cp = format_character(text);
		if (cp != 0) {
			snprintf(reason, size, "control character U+%04X at byte %zu", (unsigned)cp, i);
			return false;
		}
		if (text[0] != ' ')
			blank = false;
	}
	if (blank) {
		snprintf(reason, size, "blank: it contains only spaces");
		return false;
	}
	return true;
}

dn_status ingest_new(struct store *store, const struct ingest_options *options,
                     struct ingest **out, struct dn_error *err)
{
	*out = NULL;
	if (options->source != NULL) {
		char reason[80];
		if (!ingest_name_check(options->source, reason, sizeof(reason)))
			return dn_fail(err, DN_EINVAL, "source name: %s; %s", reason,
			               INGEST_NAME_ADVICE);
	}
	struct ingest *ing = calloc(1, sizeof(*ing));
	if (ing == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	ing->options = *options;
	ing->store = store;
	ing->pid = (int64_t)getpid();

	capture_config_default(&ing->decoder_config);
	dn_status rc = plan_memory(ing, err);
	if (rc != DN_OK) {
		free(ing);
		return rc;
	}
	if (options->nports > 0) {
		capture_config_clear_ports(&ing->decoder_config);
		for (size_t i = 0; i < options->nports; i++)
			capture_config_add_port(&ing->decoder_config, options->ports[i]);
	}
	if (options->mdns)
		capture_config_add_port(&ing->decoder_config, MDNS_PORT);
	if (options->llmnr)
		capture_config_add_port(&ing->decoder_config, LLMNR_PORT);

	ing->decoder = capture_decoder_new(&ing->decoder_config, on_message, ing);
	ing->parser = dns_parser_new();
	ing->agg = pdns_agg_new();
	if (dnstap_decoder_new(&ing->dnstap) != DN_OK || feed_towire_new(&ing->towire) != DN_OK) {
		ingest_free(ing);
		return dn_fail(err, DN_ENOMEM, "out of memory setting up the ingest pipeline");
	}
	if (options->match_queries)
		ing->qmatch = qmatch_new(QMATCH_CAPACITY, options->match_window);
	if (ing->decoder == NULL || ing->parser == NULL || ing->agg == NULL ||
	    (options->match_queries && ing->qmatch == NULL)) {
		ingest_free(ing);
		return dn_fail(err, DN_ENOMEM, "out of memory setting up the ingest pipeline");
	}
	*out = ing;
	return DN_OK;
}

void ingest_free(struct ingest *ing)
{
	if (ing == NULL)
		return;
	capture_decoder_free(ing->decoder);
	dns_parser_free(ing->parser);
	pdns_agg_free(ing->agg);
	qmatch_free(ing->qmatch);
	dnstap_decoder_free(ing->dnstap);
	feed_towire_free(ing->towire);
	feed_parser_free(ing->feed);
	free(ing);
}

void ingest_stop(struct ingest *ing)
{
	ing->stop = 1;
	struct capture_input *input = ing->input;
	if (input != NULL)
		capture_input_break(input);
	struct dnstap_server *server = ing->server;
	if (server != NULL)
		dnstap_server_break(server);
}

bool ingest_stopped(const struct ingest *ing)
{
	return ing->stop;
}

bool ingest_skipped(const struct ingest *ing)
{
	return ing->skipped;
}

const struct ingest_counters *ingest_last(const struct ingest *ing)
{
	return &ing->last;
}

const struct ingest_counters *ingest_totals(const struct ingest *ing)
{
	return &ing->totals;
}

size_t ingest_memory_in_use(const struct ingest *ing)
{
	return pdns_agg_memory(ing->agg) + capture_decoder_memory(ing->decoder);
}

static dn_status count_entry(const struct pdns_agg_entry *entry, void *ctx)
{
	struct ingest_counters *c = ctx;
	if (entry->obs.kind == PDNS_KIND_NEGATIVE)
		c->negatives_written++;
	else
		c->rrsets_written++;
	return DN_OK;
}

/* Write the aggregate and the run's counters in one transaction, then
 * start a fresh aggregate. A dry run only counts what would be written. */
dn_status ingest_flush(struct ingest *ing, bool finished, struct dn_error *err)
{
	struct ingest_counters *c = &ing->last;
	size_t held = ingest_memory_in_use(ing);
	if (held > c->peak_memory)
		c->peak_memory = held;

	if (ing->store == NULL) {
		ing->flush_due = false;
		/* Dry run: count what would be written. */
		dn_status rc = pdns_agg_foreach(ing->agg, count_entry, c);
		c->flushes++;
		pdns_agg_clear(ing->agg);
		return rc;
	}

	ing->flush_due = false;
	ingest_fill_run(ing, finished);

	struct flush_result result;
	size_t entries = pdns_agg_count(ing->agg);
	double started = time_monotonic();
	dn_status rc = ingest_flush_aggregate(ing->store, ing->agg, &ing->run, &result, err);
	if (rc != DN_OK)
		return rc;
	log_debug("flushed %zu entries in %.2f s", entries, time_monotonic() - started);
	c->rrsets_written += result.rrsets;
	c->negatives_written += result.negatives;
	c->flushes++;
	pdns_agg_clear(ing->agg);
	return DN_OK;
}

/* Bring the run's figures up to date for a flush. A resumed run adds this
 * session's counts to the earlier ones; packets already count from the
 * start of the file. */
void ingest_fill_run(struct ingest *ing, bool finished)
{
	struct ingest_counters *c = &ing->last;
	ing->run.updated = time_now();
	ing->run.finished = finished;
	ing->run.owner = ing->closing ? 0 : ing->pid;
	ing->run.packets = c->resumed_after + c->packets;
	ing->run.messages = ing->resumed.messages + c->messages;
	ing->run.records = ing->resumed.records + c->observations;
	ing->run.errors = ing->resumed.errors;
	for (size_t i = 0; i < CAPTURE_RESULT_COUNT; i++) {
		if (capture_result_is_error((enum capture_result)i))
			ing->run.errors += c->capture[i].count;
	}
	for (size_t i = DNS_PARSE_PARTIAL; i < DNS_PARSE_RESULT_COUNT; i++)
		ing->run.errors += c->parse[i].count;
	ing->run.errors += c->dnstap_bad.count + c->feed_bad.count + c->feed_unsupported.count +
	                   c->feed_rejected.count;
}

void ingest_fail(struct ingest *ing, dn_status rc, const struct dn_error *err)
{
	if (ing->failure != DN_OK)
		return;
	ing->failure = rc;
	if (err != NULL)
		ing->failure_err = *err;
	else
		dn_fail(&ing->failure_err, rc, "%s", dn_strerror(rc));
	ing->stop = 1;
	if (ing->input != NULL)
		capture_input_break(ing->input);
}

static void handle_query(struct ingest *ing, const struct capture_message *m)
{
	ing->last.queries++;
	if (ing->qmatch == NULL)
		return;
	struct dns_message msg;
	if (dns_parse_question(ing->parser, m->data, m->len, &msg) == DNS_PARSE_OK)
		qmatch_add_query(ing->qmatch, m, &msg);
}

/* The flush waits for the end of the packet, frame or line, so that a
 * run's count is always a clean point to resume after. */
void ingest_check_memory(struct ingest *ing)
{
	if ((ing->options.flush_records > 0 &&
	     pdns_agg_count(ing->agg) >= ing->options.flush_records) ||
	    pdns_agg_memory(ing->agg) > ing->agg_budget)
		ing->flush_due = true;
}

/* Record what a parsed response holds. */
void ingest_observe(struct ingest *ing, const struct dns_message *msg, int64_t time,
                    const struct pdns_extract_options *options)
{
	struct ingest_counters *c = &ing->last;
	uint64_t before = c->extract.answer_records + c->extract.authority_records +
	                  c->extract.negatives + c->extract.nodata;
	dn_status rc = pdns_extract(msg, ing->source_id, time, options, ing->agg, &c->extract);
	c->observations += c->extract.answer_records + c->extract.authority_records +
	                   c->extract.negatives + c->extract.nodata - before;
	if (rc != DN_OK) {
		ingest_fail(ing, rc, NULL);
		return;
	}
	ingest_check_memory(ing);
}

static void on_message(const struct capture_message *m, void *ctx)
{
	struct ingest *ing = ctx;
	struct ingest_counters *c = &ing->last;
	c->messages++;

	if (m->len >= 12 && !dns_wire_is_response(m->data, m->len)) {
		handle_query(ing, m);
		return;
	}

	struct dns_message msg;
	enum dns_parse_result result = dns_parse_answers(ing->parser, m->data, m->len, &msg);
	if (result != DNS_PARSE_OK)
		ingest_tally_add(&c->parse[result], m->packet_number);
	if (!dns_parse_usable(result))
		return;
	c->responses++;

	if (ing->qmatch != NULL) {
		enum qmatch_result matched = qmatch_take(ing->qmatch, m, &msg);
		if (matched == QMATCH_UNMATCHED) {
			c->unmatched++;
			return;
		}
		if (matched == QMATCH_REPEAT) {
			c->repeated++;
			return;
		}
		c->matched++;
	}

	struct pdns_extract_options options = {
		.mdns = ing->options.mdns && (m->sport == MDNS_PORT || m->dport == MDNS_PORT),
	};
	ingest_observe(ing, &msg, m->ts_sec, &options);
}

/* Decoder counters grow over the life of the decoder; a run reports what
 * changed since it started. */
static void decoder_delta(struct capture_counters *out, const struct capture_counters *now,
                          const struct capture_counters *then)
{
#define DELTA(field) out->field = now->field - then->field
	DELTA(frames);
	DELTA(messages_udp);
	DELTA(messages_tcp);
	DELTA(messages_snapped);
	DELTA(frag_reassembled);
	DELTA(frag_timed_out);
	DELTA(frag_evicted);
	DELTA(frag_overlaps);
	DELTA(tcp_flows_opened);
	DELTA(tcp_flows_evicted);
	DELTA(tcp_flows_expired);
	DELTA(tcp_gaps);
	DELTA(tcp_retransmits);
	DELTA(tcp_bad_messages);
#undef DELTA
	out->peak_bytes = now->peak_bytes;
}

static void add_decoder(struct capture_counters *total, const struct capture_counters *c)
{
	total->frames += c->frames;
	total->messages_udp += c->messages_udp;
	total->messages_tcp += c->messages_tcp;
	total->messages_snapped += c->messages_snapped;
	total->frag_reassembled += c->frag_reassembled;
	total->frag_timed_out += c->frag_timed_out;
	total->frag_evicted += c->frag_evicted;
	total->frag_overlaps += c->frag_overlaps;
	total->tcp_flows_opened += c->tcp_flows_opened;
	total->tcp_flows_evicted += c->tcp_flows_evicted;
	total->tcp_flows_expired += c->tcp_flows_expired;
	total->tcp_gaps += c->tcp_gaps;
	total->tcp_retransmits += c->tcp_retransmits;
	total->tcp_bad_messages += c->tcp_bad_messages;
	if (c->peak_bytes > total->peak_bytes)
		total->peak_bytes = c->peak_bytes;
}

void ingest_add_counters(struct ingest_counters *total, const struct ingest_counters *c)
{
	if (total->packets + total->resumed_after == 0 && total->flushes == 0)
		total->unit = c->unit;
	else if (total->unit != c->unit)
		total->unit = INGEST_MIXED;
	total->dnstap_queries += c->dnstap_queries;
	total->dnstap_unused += c->dnstap_unused;
	total->dnstap_bad.count += c->dnstap_bad.count;
	total->feed_records += c->feed_records;
	total->feed_bad.count += c->feed_bad.count;
	total->feed_unsupported.count += c->feed_unsupported.count;
	total->feed_rejected.count += c->feed_rejected.count;
	total->connections += c->connections;
	add_decoder(&total->decoder, &c->decoder);
	total->packets += c->packets;
	total->bytes += c->bytes;
	total->messages += c->messages;
	total->queries += c->queries;
	total->responses += c->responses;
	total->unmatched += c->unmatched;
	total->matched += c->matched;
	total->repeated += c->repeated;
	total->observations += c->observations;
	total->rrsets_written += c->rrsets_written;
	total->negatives_written += c->negatives_written;
	total->flushes += c->flushes;
	total->kernel_drops += c->kernel_drops;
	total->extract.responses += c->extract.responses;
	total->extract.answer_records += c->extract.answer_records;
	total->extract.authority_records += c->extract.authority_records;
	total->extract.negatives += c->extract.negatives;
	total->extract.nodata += c->extract.nodata;
	total->extract.skipped_opcode += c->extract.skipped_opcode;
	total->extract.skipped_class += c->extract.skipped_class;
	total->extract.skipped_meta += c->extract.skipped_meta;
	for (size_t i = 0; i < CAPTURE_RESULT_COUNT; i++)
		total->capture[i].count += c->capture[i].count;
	for (size_t i = 0; i < DNS_PARSE_RESULT_COUNT; i++)
		total->parse[i].count += c->parse[i].count;
	if (c->peak_memory > total->peak_memory)
		total->peak_memory = c->peak_memory;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

static void reset_run(struct ingest *ing)
{
	memset(&ing->last, 0, sizeof(ing->last));
	memset(&ing->run, 0, sizeof(ing->run));
	memset(&ing->resumed, 0, sizeof(ing->resumed));
	ing->flush_due = false;
	ing->closing = false;
	ing->failure = DN_OK;
	ing->decoder_at_start = *capture_decoder_counters(ing->decoder);
}

/* The command name of a process, from /proc; false where it cannot be read. */
static bool process_name(const char *pid, char *name, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return false;
	bool ok = fgets(name, (int)size, fp) != NULL;
	fclose(fp);
	return ok;
}

/* Whether pid is a live process running this program. A killed ingest
 * leaves its pid behind, and the system may give that pid to some other
 * program later, which must not keep the file locked. */
bool ingest_owner_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT32_MAX)
		return false;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return false;
	char number[24], theirs[64], ours[64];
	snprintf(number, sizeof(number), "%lld", (long long)pid);
	if (!process_name(number, theirs, sizeof(theirs)) ||
	    !process_name("self", ours, sizeof(ours)))
		return true;  /* without /proc, a live pid is taken at its word */
	return strcmp(theirs, ours) == 0;
}

/* Weigh the latest earlier run of this file: read it as new (both false),
 * skip it, resume it, or refuse because another process reads it now. */
static dn_status judge_earlier(const struct ingest *ing, const struct store_run *earlier,
                               const char *source, int64_t size, int64_t mtime_ns,
                               bool *skip, bool *resume, struct dn_error *err)
{
	const char *path = ing->input_path;
	long long id = earlier->id;
	char when[32];
	time_format_iso(earlier->started, when, sizeof(when));
	/* Even --again leaves a file alone while another ingest reads it. */
	if (!earlier->finished && earlier->owner != 0 && earlier->owner != ing->pid &&
	    ingest_owner_alive(earlier->owner))
		return dn_fail(err, DN_EBUSY,
		               "%s: process %lld is ingesting it now (run %lld); wait for it to end, "
		               "or stop it and run again to resume",
		               path, (long long)earlier->owner, id);
	if (ing->options.again)
		return DN_OK;
	if (earlier->size != size || earlier->mtime_ns != mtime_ns) {
		log_warn("%s: changed since run %lld of %s read it (%lld bytes then, %lld now); "
		         "reading all of it, and the records stored from before stay, so a file "
		         "that only grew has its first part counted twice",
		         path, id, when, (long long)earlier->size, (long long)size);
		return DN_OK;
	}
	if (earlier->finished) {
		log_warn("%s: skipped, ingested before (run %lld of %s); give --again to count its "
		         "%ss a second time",
		         path, id, when, ingest_unit_name(ing->unit));
		*skip = true;
		return DN_OK;
	}
	log_info("%s: run %lld of %s stopped after %s %llu, which is stored; resuming after it",
	         path, id, when, ingest_unit_name(ing->unit), (unsigned long long)earlier->packets);
	if (strcmp(source, earlier->source) != 0)
		log_warn("%s: run %lld began under source '%s'; the rest of the file goes there too, "
		         "not to '%s'",
		         path, id, earlier->source, source);
	*resume = true;
	return DN_OK;
}

/* Register the source and the run record in a transaction of their own,
 * so that a run killed before its first flush still shows in stats. For a
 * regular file, the earlier runs decide in that same transaction whether
 * to read it as new, resume an unfinished run or skip it (*skip). Two
 * processes that start on one file therefore cannot both take it. */
dn_status ingest_start_run(struct ingest *ing, const char *source, const char *kind,
                           const char *input, int64_t size, int64_t mtime_ns, bool *skip,
                           struct dn_error *err)
{
	*skip = false;
	reset_run(ing);
	if (ing->store == NULL)
		return DN_OK;

	dn_status rc = store_begin(ing->store, err);
	if (rc != DN_OK)
		return rc;
	struct store_run earlier;
	bool found = false, resume = false;
	if (mtime_ns >= 0)
		rc = store_find_run(ing->store, input, &earlier, &found, err);
	if (rc == DN_OK && found)
		rc = judge_earlier(ing, &earlier, source, size, mtime_ns, skip, &resume, err);
	if (rc == DN_OK && !*skip) {
		if (resume) {
			ing->resumed = earlier;
			ing->run = earlier;
			ing->run.source = NULL;
			ing->source_id = earlier.source_id;
		} else {
			rc = store_source_id(ing->store, source, kind, &ing->source_id, err);
			ing->run.source_id = ing->source_id;
			ing->run.size = size;
			ing->run.mtime_ns = mtime_ns;
			ing->run.started = time_now();
		}
		ing->run.input = input;
		ing->run.owner = ing->pid;
		ing->run.updated = time_now();
		if (rc == DN_OK)
			rc = store_put_run(ing->store, &ing->run, err);
	}
	if (rc == DN_OK)
		rc = store_commit(ing->store, err);
	if (rc != DN_OK)
		store_rollback(ing->store);
	return rc;
}

static void decode_frame(struct ingest *ing, int linktype, const struct pcap_pkthdr *h,
                         const uint8_t *data)
{
	struct ingest_counters *c = &ing->last;
	c->packets++;
	c->bytes += h->caplen;
	/* Timestamps are in nanoseconds: inputs are opened with nanosecond
	 * precision. */
	uint64_t number = c->resumed_after + c->packets;  /* in the file */
	enum capture_result r = capture_decode(ing->decoder, linktype, data, h->caplen, h->len,
	                                       (int64_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec,
	                                       number);
	if (r != CAPTURE_OK)
		ingest_tally_add(&c->capture[r], number);
	if (ing->flush_due) {
		struct dn_error err;
		dn_status rc = ingest_flush(ing, false, &err);
		if (rc != DN_OK)
			ingest_fail(ing, rc, &err);
	}
}

/* The next packet, frame or line of a file, decoded; CAPTURE_NEXT_TIMEOUT
 * for one an earlier run stored, which is skipped. */
static enum capture_next read_next(struct ingest *ing, struct capture_input *input,
                                   int linktype, uint64_t resume_after, struct dn_error *err)
{
	enum capture_next next;
	bool skip = ing->last.resumed_after < resume_after;
	switch (capture_input_format(input)) {
	case CAPTURE_FORMAT_FSTRM:
	case CAPTURE_FORMAT_DNSTAP: {
		const uint8_t *data;
		size_t len;
		next = capture_input_next_frame(input, &data, &len, err);
		if (next != CAPTURE_NEXT_PACKET)
			return next;
		if (skip)
			break;
		ingest_decode_dnstap(ing, data, len);
		return next;
	}
	case CAPTURE_FORMAT_TEXT: {
		const char *line;
		size_t len;
		next = capture_input_next_line(input, &line, &len, err);
		if (next != CAPTURE_NEXT_PACKET && next != CAPTURE_NEXT_TIMEOUT)
			return next;
		if (skip) {
			/* Header lines set the parser up for the lines after them. */
			if (next == CAPTURE_NEXT_PACKET)
				feed_parse_line(ing->feed, line, len, ingest_discard_record, NULL, err);
			break;
		}
		ingest_decode_line(ing, line, len, next == CAPTURE_NEXT_TIMEOUT);
		return CAPTURE_NEXT_PACKET;
	}
	default: {
		const struct pcap_pkthdr *h;
		const uint8_t *data;
		next = capture_input_next(input, &h, &data, err);
		if (next != CAPTURE_NEXT_PACKET)
			return next;
		if (skip)
			break;
		decode_frame(ing, linktype, h, data);
		return next;
	}
	}
	ing->last.resumed_after++;  /* stored by the earlier run */
	return CAPTURE_NEXT_TIMEOUT;
}

dn_status ingest_finish_run(struct ingest *ing, dn_status read_status, struct dn_error *err)
{
	struct dn_error flush_err;
	capture_decoder_expire(ing->decoder, INT64_MAX);
	decoder_delta(&ing->last.decoder, capture_decoder_counters(ing->decoder),
	              &ing->decoder_at_start);
	bool finished = read_status == DN_OK;
	ing->closing = true;
	dn_status rc = ingest_flush(ing, finished, &flush_err);
	ingest_add_counters(&ing->totals, &ing->last);
	if (rc != DN_OK) {
		if (err != NULL)
			*err = flush_err;
		return rc;
	}
	return read_status;
}

/* Close the input after its read loop and end the run: the last flush,
 * unless the store already failed in the loop, and the status to return,
 * with read_err when reading was what failed. */
static dn_status end_run(struct ingest *ing, struct capture_input *input, dn_status read_status,
                         const struct dn_error *read_err, struct dn_error *err)
{
	ing->input = NULL;
	capture_input_close(input);

	if (ing->failure != DN_OK) {
		/* The store failed inside the read loop: nothing more can be
		 * written, so do not try to flush again. */
		ingest_add_counters(&ing->totals, &ing->last);
		if (err != NULL)
			*err = ing->failure_err;
		return ing->failure;
	}
	dn_status rc = ingest_finish_run(ing, read_status, err);
	if (rc == read_status && rc != DN_OK && err != NULL)
		*err = *read_err;
	return rc;
}

dn_status ingest_file(struct ingest *ing, const char *path, struct dn_error *err)
{
	struct capture_input *input;
	dn_status rc = capture_input_open_file(path, &input, err);
	if (rc != DN_OK)
		return rc;

	/* A regular file is known by its absolute path, size and modification
	 * time, so that a second ingest of it can be noticed. Size and time
	 * come from the descriptor being read: a file replaced meanwhile
	 * cannot lend its identity. */
	bool from_stdin = strcmp(path, "-") == 0;
	if (from_stdin || realpath(path, ing->input_path) == NULL)
		snprintf(ing->input_path, sizeof(ing->input_path), "%s", path);
	int64_t mtime_ns = capture_input_mtime_ns(input);
	int64_t size = mtime_ns >= 0 ? (int64_t)capture_input_size(input) : -1;
	if (ing->options.input_name != NULL) {
		snprintf(ing->input_path, sizeof(ing->input_path), "%s", ing->options.input_name);
		mtime_ns = -1;
		size = -1;
	}

	enum capture_format format = capture_input_format(input);
	enum feed_format feed_format = FEED_UNKNOWN;
	feed_parser_free(ing->feed);
	ing->feed = NULL;
	if (format == CAPTURE_FORMAT_TEXT) {
		size_t head_len;
		const uint8_t *head = capture_input_head(input, &head_len);
		feed_format = ing->options.format != FEED_UNKNOWN
		                  ? ing->options.format
		                  : feed_detect((const char *)head, head_len);
		if (feed_format == FEED_UNKNOWN) {
			/* Certificate files are taken before the pipeline, from regular
			 * files only, so certificates here came through a pipe. */
			enum x509_format certs = x509_detect(head, head_len);
			capture_input_close(input);
			if (certs != X509_FORMAT_NONE && ing->options.api_upload)
				return dn_fail(err, DN_EFORMAT,
				               "%s: contains certificates (%s), not passive DNS; upload "
				               "them with kind=certificates or without kind",
				               path, x509_format_name(certs));
			if (ing->options.api_upload)
				return dn_fail(err, DN_EFORMAT,
				               "%s: not a capture or dnstap, and text in none of the log "
				               "formats dragnet reads (Zeek dns.log, Suricata eve.json, "
				               "passivedns, COF, DNSDB SAF); if it is one of those, give "
				               "the format parameter (zeek-tsv, zeek-json, eve, "
				               "passivedns, cof or saf)",
				               path);
			if (certs != X509_FORMAT_NONE)
				return dn_fail(err, DN_EFORMAT,
				               "%s: contains certificates (%s), which are detected in "
				               "regular files only; save them to a file, or name the "
				               "format with --format pem, der, ct or crtsh",
				               path, x509_format_name(certs));
			return dn_fail(err, DN_EFORMAT,
			               "%s: not a capture or dnstap, and text in none of the log "
			               "formats dragnet reads (Zeek dns.log, Suricata eve.json, "
			               "passivedns, COF, DNSDB SAF) or its certificate formats (PEM, "
			               "CT get-entries JSON, crt.sh JSON); if it is one of those, name "
			               "it with --format",
			               path);
		}
		if (feed_parser_new(feed_format, &ing->feed) != DN_OK) {
			capture_input_close(input);
			return dn_fail(err, DN_ENOMEM, "%s: out of memory", path);
		}
	}

	ing->unit = format == CAPTURE_FORMAT_TEXT                                   ? INGEST_LINES
	            : format == CAPTURE_FORMAT_FSTRM || format == CAPTURE_FORMAT_DNSTAP ? INGEST_FRAMES
	                                                                                : INGEST_PACKETS;
	const char *source = ing->options.source;
	/* Other providers' exports are a provider's view; everything else was
	 * seen by a sensor. */
	const char *kind = feed_format == FEED_COF || feed_format == FEED_SAF ? "provider" : "sensor";
	if (source == NULL)
		kind = mtime_ns >= 0 ? "file" : "stream";
	if (source == NULL && from_stdin) {
		source = "stdin";
		if (ing->store != NULL)
			log_warn("standard input: its records are stored under source 'stdin', with "
			         "those of every other unnamed standard input; give --source NAME to "
			         "tell them apart");
	} else if (source == NULL) {
		source = ing->input_path;
		if (mtime_ns < 0 && ing->options.input_name == NULL && ing->store != NULL)
			log_warn("%s is a pipe or device: its records are stored under source '%s'; "
			         "give --source NAME to name them",
			         path, source);
	}
	bool skip;
	rc = ingest_start_run(ing, source, kind, ing->input_path, size, mtime_ns, &skip, err);
	ing->skipped = skip;
	if (rc != DN_OK || skip) {
		capture_input_close(input);
		return rc;
	}
	uint64_t resume_after = ing->resumed.packets;

	ing->input = input;
	ing->label = ing->options.input_name != NULL ? ing->options.input_name : path;
	int linktype = -1;
	switch (format) {
	case CAPTURE_FORMAT_FSTRM:
	case CAPTURE_FORMAT_DNSTAP:
		ing->last.unit = INGEST_FRAMES;
		snprintf(ing->last.format, sizeof(ing->last.format), "dnstap");
		log_debug("%s: reading dnstap%s", path,
		          format == CAPTURE_FORMAT_FSTRM ? " frames" : ", one message");
		break;
	case CAPTURE_FORMAT_TEXT:
		ing->last.unit = INGEST_LINES;
		snprintf(ing->last.format, sizeof(ing->last.format), "%s",
		         feed_format_name(feed_format));
		log_debug("%s: reading a %s log", path, feed_format_name(feed_format));
		break;
	default:
		linktype = capture_input_linktype(input);
		snprintf(ing->last.format, sizeof(ing->last.format), "%s",
		         format == CAPTURE_FORMAT_PCAPNG ? "pcapng" : "pcap");
		log_debug("%s: reading, link type %s", path, pcap_datalink_val_to_name(linktype));
		break;
	}
	struct progress progress;
	progress_start(&progress, ing->options.progress, base_name(path), capture_input_size(input));

	double next_flush = time_monotonic() + ing->options.flush_interval;
	dn_status read_status = DN_OK;
	struct dn_error read_err;
	while (!ing->stop) {
		enum capture_next next = read_next(ing, input, linktype, resume_after, &read_err);
		if (next == CAPTURE_NEXT_END)
			break;
		if (next == CAPTURE_NEXT_ERROR) {
			read_status = read_err.code;
			break;
		}
		if (next != CAPTURE_NEXT_PACKET)
			continue;
		if (ing->flush_due && ing->failure == DN_OK) {
			struct dn_error flush_err;
			dn_status rc_flush = ingest_flush(ing, false, &flush_err);
			if (rc_flush != DN_OK) {
				ingest_fail(ing, rc_flush, &flush_err);
				break;
			}
		}

		/* Reading the clock for every packet would cost more than
		 * decoding some of them. */
		if ((ing->last.packets & 0x3ff) != 0)
			continue;
		progress_update(&progress, capture_input_position(input), ing->last.packets);
		if (ing->options.flush_interval > 0 && time_monotonic() >= next_flush) {
			struct dn_error flush_err;
			dn_status rc_flush = ingest_flush(ing, false, &flush_err);
			if (rc_flush != DN_OK) {
				ingest_fail(ing, rc_flush, &flush_err);
				break;
			}
			next_flush = time_monotonic() + ing->options.flush_interval;
		}
	}
	progress_finish(&progress);
	if (ing->stop && read_status == DN_OK && ing->failure == DN_OK)
		read_status = dn_fail(&read_err, DN_EINTR, "%s: interrupted after %s %llu", path,
		                      ingest_unit_name(ing->last.unit),
		                      (unsigned long long)(ing->last.resumed_after +
		                                           ing->last.packets));
	if (read_status == DN_OK && ing->feed != NULL && ing->failure == DN_OK) {
		struct dn_error end_err;
		dn_status end = feed_parse_end(ing->feed, &end_err);
		if (end == DN_ELIMIT)
			log_warn("%s: %s", path, end_err.msg);
		else if (end != DN_OK)
			read_status = dn_fail(&read_err, end, "%s: %s", path, end_err.msg);
	}
	if (read_status == DN_OK && ing->feed != NULL && ing->failure == DN_OK)
		read_status = ingest_check_format_fits(ing, input, feed_format, &read_err);
	return end_run(ing, input, read_status, &read_err, err);
}

dn_status ingest_live(struct ingest *ing, const char *iface, struct capture_input *input,
                      struct dn_error *err)
{
	dn_status rc;
	char default_source[300];
	const char *source = ing->options.source;
	if (source == NULL) {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		snprintf(default_source, sizeof(default_source), "%s/%s", host, iface);
		source = default_source;
	}
	bool skip;
	rc = ingest_start_run(ing, source, "sensor", iface, -1, -1, &skip, err);
	if (rc != DN_OK) {
		capture_input_close(input);
		return rc;
	}

	ing->input = input;
	int linktype = capture_input_linktype(input);
	log_info("capturing on %s (link type %s) as source '%s'; flushing every %u s", iface,
	         pcap_datalink_val_to_name(linktype), source, ing->options.flush_interval);

	double next_flush = time_monotonic() + ing->options.flush_interval;
	dn_status read_status = DN_OK;
	struct dn_error read_err;
	while (!ing->stop) {
		const struct pcap_pkthdr *h;
		const uint8_t *data;
		enum capture_next next = capture_input_next(input, &h, &data, &read_err);
		if (next == CAPTURE_NEXT_END)
			break;
		if (next == CAPTURE_NEXT_ERROR) {
			read_status = read_err.code;
			break;
		}
		if (next == CAPTURE_NEXT_PACKET)
			decode_frame(ing, linktype, h, data);

		if (time_monotonic() >= next_flush) {
			capture_decoder_expire(ing->decoder, time_now());
			struct dn_error flush_err;
			rc = ingest_flush(ing, false, &flush_err);
			if (rc != DN_OK) {
				ingest_fail(ing, rc, &flush_err);
				break;
			}
			ing->last.kernel_drops = capture_input_kernel_drops(input);
			log_info("%s: %llu packets, %llu responses, %llu records stored so far, "
			         "%llu dropped by the kernel",
			         iface, (unsigned long long)ing->last.packets,
			         (unsigned long long)ing->last.responses,
			         (unsigned long long)ing->last.rrsets_written,
			         (unsigned long long)ing->last.kernel_drops);
			next_flush = time_monotonic() + ing->options.flush_interval;
		}
	}
	ing->last.kernel_drops = capture_input_kernel_drops(input);
	return end_run(ing, input, read_status, &read_err, err);
}

