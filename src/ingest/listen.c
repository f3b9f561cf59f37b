/* The dnstap listener's pipeline: frames from the server's reader threads
 * are decoded here, and a writer thread stores one aggregate while the
 * next fills. */
#include <stdio.h>
#include <unistd.h>

#include "ingest/internal.h"
#include "ingest/writer.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Collect the background writer's finished write, if any: its aggregate
 * becomes the spare, its figures go into the counters. wait: wait for a
 * write in progress. */
static dn_status collect_write(struct ingest *ing, struct ingest_writer *writer,
                               struct pdns_agg **spare, bool wait, struct dn_error *err)
{
	struct pdns_agg *agg;
	struct flush_result result;
	dn_status rc;
	if (!ingest_writer_collect(writer, wait, &agg, &result, &rc, err))
		return DN_OK;
	*spare = agg;
	if (rc != DN_OK)
		return rc;
	ing->last.rrsets_written += result.rrsets;
	ing->last.negatives_written += result.negatives;
	ing->last.flushes++;
	return DN_OK;
}

/* Hand the aggregate to the background writer and go on with the spare.
 * When the writer is still busy, wait for it if must is set (memory is
 * full), else leave the flush for later. */
static dn_status background_flush(struct ingest *ing, struct ingest_writer *writer,
                                  struct pdns_agg **spare, bool must, struct dn_error *err)
{
	dn_status rc = collect_write(ing, writer, spare, must, err);
	if (rc != DN_OK)
		return rc;
	if (*spare == NULL)
		return DN_OK; /* the writer still has it */
	struct ingest_counters *c = &ing->last;
	size_t held = ingest_memory_in_use(ing) + pdns_agg_memory(*spare);
	if (held > c->peak_memory)
		c->peak_memory = held;
	ingest_fill_run(ing, false);
	struct pdns_agg *full = ing->agg;
	ing->agg = *spare;
	*spare = NULL;
	ingest_writer_submit(writer, full, &ing->run);
	ing->flush_due = false;
	return DN_OK;
}

dn_status ingest_dnstap_check_address(const char *address, struct dn_error *err)
{
	return dnstap_server_check_address(address, err);
}

dn_status ingest_dnstap_listen(struct ingest *ing, const char *address, struct dn_error *err)
{
	char default_source[300];
	const char *source = ing->options.source;
	if (source == NULL) {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		snprintf(default_source, sizeof(default_source), "%s/dnstap", host);
		source = default_source;
	}
	struct dnstap_server *server;
	struct dnstap_server_options server_options = {
		.mode = ing->options.dnstap_mode,
		.group = ing->options.dnstap_group,
	};
	dn_status rc = dnstap_server_open(address, &server_options, &server, err);
	if (rc != DN_OK)
		return rc;
	bool skip;
	rc = ingest_start_run(ing, source, "sensor", address, -1, -1, &skip, err);
	if (rc != DN_OK) {
		dnstap_server_close(server);
		return rc;
	}
	/* A flush of a large aggregate takes seconds. A second aggregate takes
	 * frames meanwhile while a writer thread stores the first, so the two
	 * share the aggregate's memory. */
	struct ingest_writer *writer = NULL;
	struct pdns_agg *spare = pdns_agg_new();
	if (spare == NULL || ingest_writer_start(ing->store, &writer, err) != DN_OK) {
		pdns_agg_free(spare);
		dnstap_server_close(server);
		return spare == NULL ? dn_fail(err, DN_ENOMEM, "out of memory") : err->code;
	}
	size_t budget = ing->agg_budget;
	ing->agg_budget = budget / 2;
	ing->server = server;
	ing->label = address;
	ing->last.unit = INGEST_FRAMES;
	snprintf(ing->last.format, sizeof(ing->last.format), "dnstap");
	log_info("listening for dnstap on %s as source '%s'; flushing every %u s", address, source,
	         ing->options.flush_interval);

	double next_flush = time_monotonic() + ing->options.flush_interval;
	uint64_t reported_connections = 0, reported_frames = 0;
	while (ing->failure == DN_OK) {
		const uint8_t *data;
		size_t len;
		enum capture_next next = dnstap_server_next(server, 250, &data, &len);
		if (next == CAPTURE_NEXT_END)
			break;
		struct dn_error flush_err;
		if (next == CAPTURE_NEXT_PACKET) {
			ingest_decode_dnstap(ing, data, len);
			if (ing->flush_due && ing->failure == DN_OK) {
				rc = background_flush(ing, writer, &spare, true, &flush_err);
				if (rc != DN_OK) {
					ingest_fail(ing, rc, &flush_err);
					break;
				}
			}
			if ((ing->last.packets & 0x3ff) != 0)
				continue;
		}
		rc = collect_write(ing, writer, &spare, false, &flush_err);
		if (rc == DN_OK && ing->options.flush_interval > 0 && time_monotonic() >= next_flush)
			rc = background_flush(ing, writer, &spare, false, &flush_err);
		else
			continue;
		if (rc != DN_OK) {
			ingest_fail(ing, rc, &flush_err);
			break;
		}
		uint64_t connections = dnstap_server_connections(server);
		if (ing->last.packets != reported_frames || connections != reported_connections)
			log_info("%s: %llu frames from %llu connections, %llu responses so far; %llu "
			         "flushes written",
			         address, (unsigned long long)ing->last.packets,
			         (unsigned long long)connections, (unsigned long long)ing->last.responses,
			         (unsigned long long)ing->last.flushes);
		reported_connections = connections;
		reported_frames = ing->last.packets;
		next_flush = time_monotonic() + ing->options.flush_interval;
	}
	ing->last.connections = dnstap_server_connections(server);
	uint64_t failed = dnstap_server_failed(server);
	if (failed > 0)
		log_warn("%s: %llu of %llu dnstap streams ended with an error (see above)", address,
		         (unsigned long long)failed, (unsigned long long)ing->last.connections);
	ing->server = NULL;
	dnstap_server_close(server);

	/* The last background write, then the rest in the foreground. */
	struct dn_error write_err;
	dn_status written = collect_write(ing, writer, &spare, true, &write_err);
	if (written != DN_OK)
		ingest_fail(ing, written, &write_err);
	ingest_writer_stop(writer);
	pdns_agg_free(spare);
	ing->agg_budget = budget;

	if (ing->failure != DN_OK) {
		ingest_add_counters(&ing->totals, &ing->last);
		if (err != NULL)
			*err = ing->failure_err;
		return ing->failure;
	}
	return ingest_finish_run(ing, DN_OK, err);
}
