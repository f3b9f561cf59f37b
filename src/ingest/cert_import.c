/* Importing one certificate file into the store: PEM, DER, CT get-entries
 * JSON or a crt.sh export, in batches, with a run record that lets a second
 * ingest of the same file skip it or resume it. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ingest/cert_store.h"
#include "ingest/internal.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "x509/ct.h"
#include "x509/pem.h"

/* Malformed items named in the log per file; the rest are only counted. */
#define BAD_LOGGED 20

/* ---- The run ---- */

/* Weigh the latest earlier run of the file: read it as new (both false),
 * skip it, resume it, or fail because another process reads it now. */
static dn_status judge_earlier(const struct cert_file *file, const struct store_run *earlier,
                               int64_t pid, bool *skip, bool *resume, struct dn_error *err)
{
	long long id = earlier->id;
	char when[32];
	time_format_iso(earlier->started, when, sizeof(when));
	/* Even --again leaves a file alone while another ingest reads it. */
	if (!earlier->finished && earlier->owner != 0 && earlier->owner != pid &&
	    ingest_owner_alive(earlier->owner))
		return dn_fail(err, DN_EBUSY,
		               "%s: process %lld is ingesting it now (run %lld); wait for it to end, "
		               "or stop it and run again to resume",
		               file->path, (long long)earlier->owner, id);
	if (file->again)
		return DN_OK;
	if (earlier->size != file->size || earlier->mtime_ns != file->mtime_ns) {
		log_warn("%s: changed since run %lld of %s read it (%lld bytes then, %lld now); "
		         "reading all of it, and the sightings stored from before stay, so a "
		         "certificate in both versions has its file sighting counted twice",
		         file->path, id, when, (long long)earlier->size, (long long)file->size);
		return DN_OK;
	}
	if (earlier->finished) {
		log_warn("%s: skipped, ingested before (run %lld of %s); give --again to count its "
		         "certificates a second time",
		         file->path, id, when);
		*skip = true;
		return DN_OK;
	}
	log_info("%s: run %lld of %s stopped after %llu items, which are stored; resuming after "
	         "them",
	         file->path, id, when, (unsigned long long)earlier->packets);
	*resume = true;
	return DN_OK;
}

dn_status cert_import_start(struct store *store, const struct cert_file *file,
                            struct cert_run *run, struct dn_error *err)
{
	memset(run, 0, sizeof(*run));
	run->pid = (int64_t)getpid();
	if (store == NULL)
		return DN_OK;

	dn_status rc = store_begin(store, err);
	if (rc != DN_OK)
		return rc;
	struct store_run earlier;
	bool found = false, resume = false;
	if (file->mtime_ns >= 0)
		rc = store_find_run(store, file->input, &earlier, &found, err);
	if (rc == DN_OK && found)
		rc = judge_earlier(file, &earlier, run->pid, &run->skip, &resume, err);
	if (rc == DN_OK && !run->skip) {
		if (resume) {
			run->run = earlier;
			run->run.source = NULL;
			run->resume_after = earlier.packets;
			run->resume_records = earlier.records;
			run->resume_errors = earlier.errors;
			if (strcmp(file->source, earlier.source) != 0)
				log_warn("%s: run %lld began under source '%s'; the rest of the file goes "
				         "there too, not to '%s'",
				         file->path, (long long)earlier.id, earlier.source, file->source);
		} else {
			rc = store_source_id(store, file->source, file->source_kind,
			                     &run->run.source_id, err);
			run->run.size = file->size;
			run->run.mtime_ns = file->mtime_ns;
			run->run.started = time_now();
		}
		run->run.input = file->input;
		run->run.owner = run->pid;
		run->run.updated = time_now();
		if (rc == DN_OK)
			rc = store_put_run(store, &run->run, err);
	}
	if (rc == DN_OK)
		rc = store_commit(store, err);
	if (rc != DN_OK)
		store_rollback(store);
	return rc;
}

/* ---- The import ---- */

struct import {
	struct store *store; /* NULL: count only */
	const struct cert_file *file;
	struct cert_run *run;
	uint64_t items;      /* PEM blocks, log entries or crt.sh entries reached */
	bool single_ct_entry; /* get-entry-and-proof: the log index is not in the file */
	struct cert_batch *batch;
	struct cert_import_counts *counts;
	struct dn_error *err;
};

static void report_bad(struct import *im, const char *where, const char *reason)
{
	im->counts->bad++;
	if (im->counts->bad <= BAD_LOGGED)
		log_warn("%s: %s: %s; skipped", im->file->path, where, reason);
	else if (im->counts->bad == BAD_LOGGED + 1)
		log_warn("%s: more malformed certificates; only counting them from here",
		         im->file->path);
}

/* Whether the next item was stored by the run this one resumes; counts it. */
static bool stored_before(struct import *im)
{
	im->items++;
	if (im->items > im->run->resume_after)
		return false;
	im->counts->resumed++;
	return true;
}

/* Bring the run's figures up to date for the transaction being written. */
static void fill_run(struct import *im, bool final, bool finished)
{
	struct store_run *r = &im->run->run;
	const struct cert_import_counts *c = im->counts;
	r->updated = time_now();
	r->finished = finished;
	r->owner = final ? 0 : im->run->pid;
	r->packets = im->items;
	r->records = im->run->resume_records + c->certs + c->partial;
	r->errors = im->run->resume_errors + c->bad;
}

/* Write the batch, and the run with it, in one transaction, once the batch
 * is full or at the end (final). finished is set when the whole file was
 * read. Called between items only, so a run cut short has stored whole
 * items. */
static dn_status flush(struct import *im, bool final, bool finished)
{
	size_t n = cert_batch_count(im->batch);
	size_t limit = im->file->batch_memory;
	bool full = n >= CERT_IMPORT_BATCH ||
	            (limit > 0 && n > 0 && cert_batch_memory(im->batch) >= limit);
	if (!final && !full)
		return DN_OK;
	if (im->store == NULL)
		return cert_batch_put(im->batch, NULL, im->err);
	dn_status rc = store_begin(im->store, im->err);
	if (rc != DN_OK)
		return rc;
	rc = cert_batch_put(im->batch, im->store, im->err);
	fill_run(im, final, finished);
	if (rc == DN_OK)
		rc = store_put_run(im->store, &im->run->run, im->err);
	if (rc == DN_OK)
		rc = store_commit(im->store, im->err);
	if (rc != DN_OK)
		store_rollback(im->store);
	return rc;
}

/* Parse der and add it to the batch; a certificate that does not parse is
 * reported as malformed at where. */
static dn_status add_der(struct import *im, const uint8_t *der, size_t len, const char *kind,
                         const char *detail, int64_t seen, const char *where)
{
	struct x509_cert *cert;
	struct dn_error perr = {0};
	if (x509_parse_der(der, len, cert_batch_arena(im->batch), &cert, &perr) != DN_OK) {
		if (perr.code == DN_ENOMEM)
			return dn_fail(im->err, DN_ENOMEM, "%s: %s: %s", im->file->path, where,
			               perr.msg);
		report_bad(im, where, perr.msg);
		return DN_OK;
	}
	dn_status rc = cert_batch_add(im->batch, cert, kind, detail, seen,
	                              im->run->run.source_id, im->err);
	if (rc != DN_OK)
		return rc;
	im->counts->certs++;
	return DN_OK;
}

/* ---- PEM and DER ---- */

static dn_status on_found(const struct x509_found *found, const struct dn_error *err, void *ctx)
{
	struct import *im = ctx;
	if (stored_before(im))
		return DN_OK;
	char where[64];
	snprintf(where, sizeof(where), "certificate %zu at byte %zu", found->index + 1,
	         found->offset);
	if (err != NULL) {
		report_bad(im, where, err->msg);
		return DN_OK;
	}
	dn_status rc = add_der(im, found->der, found->der_len, "file", im->file->detail,
	                       im->file->seen, where);
	return rc == DN_OK ? flush(im, false, false) : rc;
}

/* ---- CT get-entries ---- */

/* Whether the CT JSON in buf is a get-entries response: its "entries"
 * member comes before any "leaf_input", which get-entries nests inside the
 * array. A get-entry-and-proof response has "leaf_input" at the top level
 * and no "entries". */
static bool is_get_entries(const uint8_t *buf, size_t len)
{
	const uint8_t *entries = memmem(buf, len, "\"entries\"", 9);
	const uint8_t *leaf = memmem(buf, len, "\"leaf_input\"", 12);
	return entries != NULL && (leaf == NULL || entries < leaf);
}

static dn_status on_ct_entry(const struct ct_entry *entry, const struct dn_error *err, void *ctx)
{
	struct import *im = ctx;
	if (stored_before(im))
		return DN_OK;
	char where[64];
	if (im->single_ct_entry)
		snprintf(where, sizeof(where), "the entry");
	else
		snprintf(where, sizeof(where), "entry %" PRIu64, entry->index);
	if (err != NULL) {
		report_bad(im, where, err->msg);
		return DN_OK;
	}
	if (entry->extra_error != NULL)
		log_warn("%s: %s: extra_data not decoded (%s); storing the leaf without its chain",
		         im->file->path, where, entry->extra_error);
	if (entry->cert.der == NULL) {
		report_bad(im, where, "a precertificate entry without extra_data has no certificate");
		return DN_OK;
	}
	/* The log's own name is not in get-entries output, so the detail is
	 * the file and the entry's index in the log. A get-entry-and-proof
	 * response does not carry the index (the request named it), so its
	 * detail is the file alone. */
	char detail[PATH_MAX + 32];
	if (im->single_ct_entry)
		snprintf(detail, sizeof(detail), "%s", im->file->detail);
	else
		snprintf(detail, sizeof(detail), "%s#%" PRIu64, im->file->detail, entry->index);
	int64_t seen = entry->timestamp_ms / 1000;
	dn_status rc = add_der(im, entry->cert.der, entry->cert.len, "ct", detail, seen, where);
	for (size_t i = 0; i < entry->n_chain && rc == DN_OK; i++) {
		char chain_where[128];
		snprintf(chain_where, sizeof(chain_where), "%s chain certificate %zu", where, i + 1);
		rc = add_der(im, entry->chain[i].der, entry->chain[i].len, "ct", detail, seen,
		             chain_where);
	}
	return rc == DN_OK ? flush(im, false, false) : rc;
}

/* ---- crt.sh ---- */

static dn_status on_crtsh(const struct crtsh_entry *entry, const struct dn_error *err, void *ctx)
{
	struct import *im = ctx;
	if (stored_before(im))
		return DN_OK;
	char where[64];
	snprintf(where, sizeof(where), "entry %zu", entry->position);
	if (err != NULL) {
		report_bad(im, where, err->msg);
		return DN_OK;
	}
	char detail[PATH_MAX + 48];
	snprintf(detail, sizeof(detail), "%s#crt.sh id %" PRId64, im->file->detail, entry->id);
	struct dn_error aerr = {0};
	dn_status rc = cert_batch_add_crtsh(im->batch, entry, detail, im->run->run.source_id,
	                                    &aerr);
	if (rc == DN_EINVAL) {
		report_bad(im, where, aerr.msg);
		return DN_OK;
	}
	if (rc != DN_OK) {
		*im->err = aerr;
		return rc;
	}
	im->counts->partial++;
	return flush(im, false, false);
}

dn_status cert_import_buffer(struct store *store, const struct cert_file *file,
                             struct cert_run *run, const uint8_t *buf, size_t len,
                             struct cert_import_counts *counts, struct dn_error *err)
{
	memset(counts, 0, sizeof(*counts));
	err->msg[0] = '\0';
	enum x509_format format = file->format != X509_FORMAT_NONE ? file->format
	                                                            : x509_detect(buf, len);
	snprintf(counts->format, sizeof(counts->format), "%s", x509_format_name(format));
	if (format == X509_FORMAT_NONE)
		return dn_fail(err, DN_EFORMAT, "%s: not a certificate file", file->path);

	struct import im = {
		.store = store,
		.file = file,
		.run = run,
		.batch = cert_batch_new(),
		.counts = counts,
		.err = err,
	};
	if (im.batch == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading %s", file->path);

	dn_status rc;
	struct dn_error perr = {0};
	if (format == X509_FORMAT_CT_JSON) {
		im.single_ct_entry = !is_get_entries(buf, len);
		rc = ct_parse_json((const char *)buf, len, 0, on_ct_entry, &im, NULL, NULL, &perr);
	} else if (format == X509_FORMAT_CRTSH) {
		rc = crtsh_parse_json((const char *)buf, len, on_crtsh, &im, NULL, NULL, &perr);
	} else {
		rc = x509_read(buf, len, on_found, &im, NULL, NULL, &perr);
	}
	/* A callback's own failure is already in err; the parser's is in perr. */
	if (rc != DN_OK && err->msg[0] == '\0')
		dn_fail(err, rc, "%s: %s", file->path, perr.msg);
	/* After a failure of the input, what was read is stored and the run
	 * is left unfinished. After a failure of the store, nothing more is
	 * written. A file that gave nothing at all is left unfinished at its
	 * start, so the next ingest reads it and reports it again. */
	bool stored_any = counts->certs + counts->partial + run->resume_records > 0;
	if (!stored_any)
		im.items = 0;
	if (rc == DN_OK) {
		rc = flush(&im, true, stored_any);
	} else if (rc != DN_ESTORE && rc != DN_ENOMEM) {
		struct dn_error flush_err;
		im.err = &flush_err;
		dn_status flushed = flush(&im, true, false);
		if (flushed != DN_OK) {
			*err = flush_err;
			rc = flushed;
		}
	}
	cert_batch_free(im.batch);
	return rc;
}
