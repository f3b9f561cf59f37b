/* Importing one certificate file into the store: PEM, DER, CT get-entries
 * JSON or a crt.sh export, in transactions of CERT_IMPORT_BATCH
 * certificates. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ingest/cert_store.h"
#include "util/log.h"
#include "x509/ct.h"
#include "x509/pem.h"

/* Malformed items named in the log per file; the rest are only counted. */
#define BAD_LOGGED 20

struct import {
	struct store *store; /* NULL: count only */
	const char *path;
	uint32_t source_id;
	int64_t seen;
	struct cert_batch *batch;
	struct cert_import_counts *counts;
	struct dn_error *err;
};

static void report_bad(struct import *im, const char *where, const char *reason)
{
	im->counts->bad++;
	if (im->counts->bad <= BAD_LOGGED)
		log_warn("%s: %s: %s; skipped", im->path, where, reason);
	else if (im->counts->bad == BAD_LOGGED + 1)
		log_warn("%s: more malformed certificates; only counting them from here", im->path);
}

/* Write the batch in a transaction once it is full, or at the end. */
static dn_status flush(struct import *im, bool final)
{
	size_t n = cert_batch_count(im->batch);
	if (n == 0 || (!final && n < CERT_IMPORT_BATCH))
		return DN_OK;
	if (im->store == NULL)
		return cert_batch_put(im->batch, NULL, im->err);
	dn_status rc = store_begin(im->store, im->err);
	if (rc != DN_OK)
		return rc;
	rc = cert_batch_put(im->batch, im->store, im->err);
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
			return dn_fail(im->err, DN_ENOMEM, "%s: %s: %s", im->path, where, perr.msg);
		report_bad(im, where, perr.msg);
		return DN_OK;
	}
	dn_status rc = cert_batch_add(im->batch, cert, kind, detail, seen, im->source_id, im->err);
	if (rc != DN_OK)
		return rc;
	im->counts->certs++;
	return flush(im, false);
}

/* ---- PEM and DER ---- */

static dn_status on_found(const struct x509_found *found, const struct dn_error *err, void *ctx)
{
	struct import *im = ctx;
	char where[64];
	snprintf(where, sizeof(where), "certificate %zu at byte %zu", found->index + 1,
	         found->offset);
	if (err != NULL) {
		report_bad(im, where, err->msg);
		return DN_OK;
	}
	return add_der(im, found->der, found->der_len, "file", im->path, im->seen, where);
}

/* ---- CT get-entries ---- */

static dn_status on_ct_entry(const struct ct_entry *entry, const struct dn_error *err, void *ctx)
{
	struct import *im = ctx;
	char where[64];
	snprintf(where, sizeof(where), "entry %" PRIu64, entry->index);
	if (err != NULL) {
		report_bad(im, where, err->msg);
		return DN_OK;
	}
	if (entry->cert.der == NULL) {
		report_bad(im, where, "a precertificate entry without extra_data has no certificate");
		return DN_OK;
	}
	/* The log's own name is not in get-entries output, so the detail is
	 * the file and the entry's index in the log. */
	char detail[1200];
	snprintf(detail, sizeof(detail), "%s#%" PRIu64, im->path, entry->index);
	int64_t seen = entry->timestamp_ms / 1000;
	dn_status rc = add_der(im, entry->cert.der, entry->cert.len, "ct", detail, seen, where);
	for (size_t i = 0; i < entry->n_chain && rc == DN_OK; i++) {
		char chain_where[96];
		snprintf(chain_where, sizeof(chain_where), "entry %" PRIu64 " chain certificate %zu",
		         entry->index, i + 1);
		rc = add_der(im, entry->chain[i].der, entry->chain[i].len, "ct", detail, seen,
		             chain_where);
	}
	return rc;
}

/* ---- crt.sh ---- */

static dn_status on_crtsh(const struct crtsh_entry *entry, const struct dn_error *err, void *ctx)
{
	struct import *im = ctx;
	char where[64];
	snprintf(where, sizeof(where), "entry %zu", entry->position);
	if (err != NULL) {
		report_bad(im, where, err->msg);
		return DN_OK;
	}
	char detail[1200];
	snprintf(detail, sizeof(detail), "%s#crt.sh id %" PRId64, im->path, entry->id);
	struct dn_error aerr = {0};
	dn_status rc = cert_batch_add_crtsh(im->batch, entry, detail, im->source_id, &aerr);
	if (rc == DN_EINVAL) {
		report_bad(im, where, aerr.msg);
		return DN_OK;
	}
	if (rc != DN_OK) {
		*im->err = aerr;
		return rc;
	}
	im->counts->partial++;
	return flush(im, false);
}

dn_status cert_import_buffer(struct store *store, const char *path, const uint8_t *buf,
                             size_t len, uint32_t source_id, int64_t seen,
                             struct cert_import_counts *counts, struct dn_error *err)
{
	memset(counts, 0, sizeof(*counts));
	err->msg[0] = '\0';
	enum x509_format format = x509_detect(buf, len);
	snprintf(counts->format, sizeof(counts->format), "%s", x509_format_name(format));
	if (format == X509_FORMAT_NONE)
		return dn_fail(err, DN_EFORMAT, "%s: not a certificate file", path);

	struct import im = {
		.store = store,
		.path = path,
		.source_id = source_id,
		.seen = seen,
		.batch = cert_batch_new(),
		.counts = counts,
		.err = err,
	};
	if (im.batch == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading %s", path);

	dn_status rc;
	struct dn_error perr = {0};
	if (format == X509_FORMAT_CT_JSON)
		rc = ct_parse_json((const char *)buf, len, 0, on_ct_entry, &im, NULL, NULL, &perr);
	else if (format == X509_FORMAT_CRTSH)
		rc = crtsh_parse_json((const char *)buf, len, on_crtsh, &im, NULL, NULL, &perr);
	else
		rc = x509_read(buf, len, on_found, &im, NULL, NULL, &perr);
	/* A callback's own failure is already in err; the parser's is in perr. */
	if (rc != DN_OK && err->msg[0] == '\0')
		dn_fail(err, rc, "%s: %s", path, perr.msg);
	if (rc == DN_OK)
		rc = flush(&im, true);
	cert_batch_free(im.batch);
	return rc;
}
