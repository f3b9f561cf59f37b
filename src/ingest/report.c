/* Summaries of an ingest: what was read, what was kept, what was damaged. */
#include <stdio.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/internal.h"
#include "util/log.h"
#include "util/progress.h"

const char *ingest_unit_name(enum ingest_unit unit)
{
	switch (unit) {
	case INGEST_FRAMES:
		return "frame";
	case INGEST_LINES:
		return "line";
	case INGEST_MIXED:
		return "item";
	default:
		return "packet";
	}
}

/* Pass the text of one damage tally to fn: the count, the reason and the
 * first item numbers. */
static void warn_tally(const char *unit, const char *reason, const struct ingest_tally *t,
                       ingest_warning_fn fn, void *ctx)
{
	if (t->count == 0)
		return;
	char examples[128] = "";
	size_t shown = t->count < INGEST_EXAMPLES ? t->count : INGEST_EXAMPLES;
	size_t len = 0;
	for (size_t i = 0; i < shown && len < sizeof(examples); i++) {
		int n = snprintf(examples + len, sizeof(examples) - len, "%s%llu", i ? ", " : "",
		                 (unsigned long long)t->examples[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	char text[512];
	/* Totals over several files carry no packet numbers (they are 1-based,
	 * so 0 means none was kept). */
	if (t->examples[0] == 0)
		snprintf(text, sizeof(text), "%llu %s%s: %s", (unsigned long long)t->count, unit,
		         t->count == 1 ? "" : "s", reason);
	else
		snprintf(text, sizeof(text), "%llu %s%s: %s (%s%s %s%s)",
		         (unsigned long long)t->count, unit, t->count == 1 ? "" : "s", reason, unit,
		         shown == 1 ? "" : "s", examples, t->count > shown ? ", ..." : "");
	fn(text, ctx);
}

void ingest_warnings(const struct ingest_counters *c, ingest_warning_fn fn, void *ctx)
{
	char text[512];
	const char *unit = ingest_unit_name(c->unit);
	const struct capture_counters *d = &c->decoder;
	if (d->messages_snapped > 0) {
		snprintf(text, sizeof(text),
		         "%llu UDP messages cut short by the capture's snapshot length; their "
		         "complete records were kept",
		         (unsigned long long)d->messages_snapped);
		fn(text, ctx);
	}
	if (d->frag_timed_out + d->frag_evicted + d->frag_overlaps > 0) {
		snprintf(text, sizeof(text),
		         "IP fragments: %llu datagrams never completed, %llu dropped for "
		         "memory, %llu overlapping fragments",
		         (unsigned long long)d->frag_timed_out, (unsigned long long)d->frag_evicted,
		         (unsigned long long)d->frag_overlaps);
		fn(text, ctx);
	}
	if (d->tcp_gaps + d->tcp_flows_evicted + d->tcp_bad_messages > 0) {
		snprintf(text, sizeof(text),
		         "TCP: %llu gaps in streams (messages lost), %llu flows dropped for "
		         "memory, %llu zero-length messages",
		         (unsigned long long)d->tcp_gaps, (unsigned long long)d->tcp_flows_evicted,
		         (unsigned long long)d->tcp_bad_messages);
		fn(text, ctx);
	}
	if (c->kernel_drops > 0) {
		snprintf(text, sizeof(text),
		         "the kernel dropped %llu packets (capture too slow; use a BPF filter "
		         "with -f or a larger buffer)",
		         (unsigned long long)c->kernel_drops);
		fn(text, ctx);
	}

	for (size_t i = 0; i < CAPTURE_RESULT_COUNT; i++) {
		char reason[128];
		if (!capture_result_is_error((enum capture_result)i))
			continue;
		snprintf(reason, sizeof(reason), "skipped, %s",
		         capture_result_text((enum capture_result)i));
		warn_tally(unit, reason, &c->capture[i], fn, ctx);
	}
	for (size_t i = DNS_PARSE_TRAILING; i < DNS_PARSE_RESULT_COUNT; i++) {
		char reason[128];
		snprintf(reason, sizeof(reason), "%s: %s",
		         i <= DNS_PARSE_PARTIAL ? "DNS message kept up to the damage"
		                                : "DNS message skipped",
		         dns_parse_result_text((enum dns_parse_result)i));
		warn_tally(unit, reason, &c->parse[i], fn, ctx);
	}
	warn_tally(unit, "skipped, not valid dnstap", &c->dnstap_bad, fn, ctx);
	warn_tally(unit, "skipped, cannot be read", &c->feed_bad, fn, ctx);
	warn_tally(unit,
	           "some answers left out, as the log does not give their type, owner or "
	           "rdata in full",
	           &c->feed_unsupported, fn, ctx);
	warn_tally(unit,
	           "records left out, with a name or rdata that cannot be read, or an "
	           "impossible count or time",
	           &c->feed_rejected, fn, ctx);
}

static void log_warning(const char *text, void *ctx)
{
	log_warn("%s: %s", (const char *)ctx, text);
}

void ingest_report(const char *label, const struct ingest_counters *c, bool dry_run,
                   double seconds)
{
	char bytes[32], peak[32];
	format_bytes(c->bytes, bytes, sizeof(bytes));
	format_bytes(c->peak_memory, peak, sizeof(peak));
	double rate = seconds > 0 ? (double)c->packets / seconds : 0;

	const char *unit = ingest_unit_name(c->unit);
	char resumed[80] = "";
	if (c->resumed_after > 0)
		snprintf(resumed, sizeof(resumed), " resumed after %s %llu;", unit,
		         (unsigned long long)c->resumed_after);
	char format[32] = "";
	if (c->format[0] != '\0')
		snprintf(format, sizeof(format), " %s", c->format);
	if (c->unit == INGEST_LINES)
		log_info("%s:%s %llu%s lines (%s) in %.2f s, %.0f lines/s; %llu records read",
		         label, resumed, (unsigned long long)c->packets, format, bytes, seconds, rate,
		         (unsigned long long)c->feed_records);
	else
		log_info("%s:%s %llu%s %ss (%s) in %.2f s, %.0f %ss/s; %llu DNS messages: "
		         "%llu queries, %llu responses",
		         label, resumed, (unsigned long long)c->packets, format, unit, bytes, seconds,
		         rate, unit, (unsigned long long)c->messages,
		         (unsigned long long)(c->queries + c->dnstap_queries),
		         (unsigned long long)c->responses);
	if (c->connections > 0)
		log_info("%s: %llu dnstap connections accepted", label,
		         (unsigned long long)c->connections);
	if (c->dnstap_unused > 0)
		log_info("%s: not recorded: %llu dnstap responses of types other than AUTH, "
		         "RESOLVER, CLIENT and FORWARDER",
		         label, (unsigned long long)c->dnstap_unused);
	if (c->unit == INGEST_LINES)
		log_info("%s: %llu records, %llu error rcodes, %llu NODATA", label,
		         (unsigned long long)c->extract.answer_records,
		         (unsigned long long)c->extract.negatives,
		         (unsigned long long)c->extract.nodata);
	else
		log_info("%s: %llu answer and %llu authority records, %llu error rcodes, %llu NODATA",
		         label, (unsigned long long)c->extract.answer_records,
		         (unsigned long long)c->extract.authority_records,
		         (unsigned long long)c->extract.negatives, (unsigned long long)c->extract.nodata);
	/* A record that is held when two flushes happen is written by both. */
	log_info("%s: %s %llu aggregated records and %llu negative answers in %llu flush%s%s "
	         "(peak memory for aggregation and reassembly %s)",
	         label, dry_run ? "would write" : "wrote", (unsigned long long)c->rrsets_written,
	         (unsigned long long)c->negatives_written, (unsigned long long)c->flushes,
	         c->flushes == 1 ? "" : "es",
	         c->flushes > 1 ? ", counting a record once per flush that wrote it" : "", peak);
	if (c->matched > 0 || c->unmatched > 0 || c->repeated > 0)
		log_info("%s: query matching: %llu responses matched, %llu without a query dropped, "
		         "%llu repeated answers to a matched query dropped",
		         label, (unsigned long long)c->matched, (unsigned long long)c->unmatched,
		         (unsigned long long)c->repeated);
	if (c->extract.skipped_opcode + c->extract.skipped_class > 0)
		log_info("%s: not recorded: %llu responses with an opcode other than QUERY, "
		         "%llu records outside class IN",
		         label, (unsigned long long)c->extract.skipped_opcode,
		         (unsigned long long)c->extract.skipped_class);
	const struct capture_counters *d = &c->decoder;
	if (d->frag_reassembled + d->messages_tcp > 0)
		log_info("%s: reassembled %llu fragmented IP datagrams and %llu DNS messages over "
		         "TCP (%llu flows, %llu retransmitted segments)",
		         label, (unsigned long long)d->frag_reassembled,
		         (unsigned long long)d->messages_tcp, (unsigned long long)d->tcp_flows_opened,
		         (unsigned long long)d->tcp_retransmits);
	ingest_warnings(c, log_warning, (void *)label);
}
