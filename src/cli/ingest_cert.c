/* dragnet ingest of certificate files: finding them among the inputs,
 * reading them within --max-memory and importing them with a run record. */
#include "cli/ingest_cert.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "ingest/cert_store.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Memory outside the certificate budget besides the store cache: the
 * program, its libraries and stdio, as the packet pipeline plans it. */
#define CERT_BASE_MEMORY ((size_t)34 << 20)

/* A certificate file is read whole, and the JSON readers parse all of it
 * into a tree before the first entry comes out, so a file needs a multiple
 * of its size. The factors are estimates from peak RSS on generated files:
 * 188 MB of get-entries JSON peaked at 511 MB, 90 MB of crt.sh JSON at
 * 697 MB (dragnet ingest with the default 512M, before batches had a
 * memory limit). PEM and DER need the file itself. */
static size_t memory_factor(enum x509_format format)
{
	switch (format) {
	case X509_FORMAT_CT_JSON:
		return 3;
	case X509_FORMAT_CRTSH:
		return 8;
	default:
		return 1;
	}
}

enum x509_format ingest_cert_format_from_name(const char *name)
{
	if (strcmp(name, "pem") == 0)
		return X509_FORMAT_PEM;
	if (strcmp(name, "der") == 0)
		return X509_FORMAT_DER;
	if (strcmp(name, "ct") == 0)
		return X509_FORMAT_CT_JSON;
	if (strcmp(name, "crtsh") == 0)
		return X509_FORMAT_CRTSH;
	return X509_FORMAT_NONE;
}

/* The memory a --max-memory of max_memory leaves for one certificate file
 * and its batches. */
static size_t cert_budget_for(const struct ingest_options *options, size_t max_memory)
{
	struct ingest_options probe = *options;
	probe.max_memory = max_memory;
	size_t fixed = CERT_BASE_MEMORY + ingest_store_cache_bytes(&probe);
	return max_memory > fixed ? max_memory - fixed : 0;
}

static size_t cert_budget(const struct ingest_options *options)
{
	return cert_budget_for(options, options->max_memory);
}

/* A quarter of the budget goes to the batch being written, the rest to
 * the file and what its reader builds from it. */
static size_t allowance_for(const struct ingest_options *options, size_t max_memory)
{
	size_t budget = cert_budget_for(options, max_memory);
	return budget - budget / 4;
}

static size_t file_allowance(const struct ingest_options *options)
{
	return allowance_for(options, options->max_memory);
}

static void format_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= (1u << 20))
		snprintf(buf, size, "%" PRIu64 " MiB", bytes >> 20);
	else
		snprintf(buf, size, "%" PRIu64 " bytes", bytes);
}

/* Whether a file of size bytes in format fits in the memory --max-memory
 * leaves for it; logs the rejection when it does not. */
static bool fits_memory(const char *path, uint64_t size, enum x509_format format,
                        const struct ingest_options *options)
{
	uint64_t need = size * memory_factor(format);
	size_t allowance = file_allowance(options);
	if (need <= allowance)
		return true;
	char file_text[32], need_text[32], limit_text[32];
	format_size(size, file_text, sizeof(file_text));
	format_size(need, need_text, sizeof(need_text));
	format_size(options->max_memory, limit_text, sizeof(limit_text));
	size_t suggest = options->max_memory;
	while (allowance_for(options, suggest) < need && suggest < SIZE_MAX / 2)
		suggest += suggest / 8 + (1u << 20);
	log_error("%s: not read: %s of %s input needs about %s of memory, because the "
	          "file is read whole%s; --max-memory %s leaves room for %zu MiB; give "
	          "--max-memory %zuM or more, or split the file",
	          path, file_text, x509_format_name(format), need_text,
	          memory_factor(format) > 1 ? " and its JSON parsed into a tree" : "", limit_text,
	          allowance >> 20, (suggest + (1u << 20) - 1) >> 20);
	return false;
}

/* Read all of f into a buffer from malloc, at most limit bytes.
 * *too_large is set when the data goes on past that. */
static uint8_t *read_stream(FILE *f, size_t limit, size_t *len, bool *too_large)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap + 1);
	*too_large = false;
	while (buf != NULL) {
		if (n == cap) {
			if (cap >= limit) {
				*too_large = true;
				break;
			}
			cap = cap * 2 < limit ? cap * 2 : limit;
			uint8_t *grown = realloc(buf, cap + 1);
			if (grown == NULL)
				break;
			buf = grown;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				break;
			*len = n;
			buf[n] = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

/* Read the regular file f whole, from its start; size comes from fstat(). */
static uint8_t *read_file(FILE *f, size_t size)
{
	uint8_t *buf = malloc(size + 1);
	if (buf == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_SET) != 0 || fread(buf, 1, size, f) != size) {
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

/* Log what the file gave; returns the exit code for it. A file in which
 * nothing could be stored is an input error, like an empty one. */
static int report(const struct cert_file *file, const struct cert_import_counts *counts,
                  bool dry_run, double seconds)
{
	const char *verb = dry_run ? "read" : "stored";
	char resumed[96] = "";
	if (counts->resumed > 0)
		snprintf(resumed, sizeof(resumed), ", after %" PRIu64 " items an earlier run stored",
		         counts->resumed);
	if (counts->certs + counts->partial + counts->resumed == 0) {
		log_error("%s: %s, no certificate %s: %" PRIu64 " malformed (%.2f s)", file->path,
		          counts->format, verb, counts->bad, seconds);
		return DN_EXIT_INPUT;
	}
	if (strcmp(counts->format, x509_format_name(X509_FORMAT_CRTSH)) == 0)
		log_info("%s: %s, %s %" PRIu64 " crt.sh entries without DER%s; %" PRIu64
		         " malformed, skipped (%.2f s)",
		         file->path, counts->format, verb, counts->partial, resumed, counts->bad,
		         seconds);
	else
		log_info("%s: %s, %s %" PRIu64 " certificates%s; %" PRIu64
		         " malformed, skipped (%.2f s)",
		         file->path, counts->format, verb, counts->certs, resumed, counts->bad,
		         seconds);
	return DN_EXIT_OK;
}

static int exit_for(dn_status rc)
{
	if (rc == DN_ENOMEM)
		return DN_EXIT_FAILURE;
	if (rc == DN_ESTORE || rc == DN_ESCHEMA)
		return DN_EXIT_STORE;
	return DN_EXIT_INPUT;
}

/* Register the run, then read and import the file: a file skipped as
 * ingested before is not read at all. */
static int import(struct store *store, struct cert_file *file, FILE *f, bool regular,
                  const struct ingest_options *options, enum ingest_cert_outcome *outcome)
{
	struct dn_error err = {0};
	struct cert_run run;
	dn_status rc = cert_import_start(store, file, &run, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return exit_for(rc);
	}
	if (run.skip) {
		*outcome = INGEST_CERT_SKIPPED;
		return DN_EXIT_OK;
	}

	double started = time_monotonic();
	size_t stream_limit = file_allowance(options) / memory_factor(file->format);
	size_t len = 0;
	bool too_large = false;
	uint8_t *buf = regular ? read_file(f, (size_t)file->size)
	                       : read_stream(f, stream_limit, &len, &too_large);
	if (regular)
		len = (size_t)file->size;
	if (buf == NULL) {
		char limit[32];
		format_size(options->max_memory, limit, sizeof(limit));
		if (too_large)
			log_error("%s: not read: more certificate data than --max-memory %s leaves "
			          "room for (%zu MiB); give a larger --max-memory, or split the input",
			          file->path, limit, stream_limit >> 20);
		else
			log_error("%s: reading the certificate file failed", file->path);
		return DN_EXIT_INPUT;
	}

	struct cert_import_counts counts;
	rc = cert_import_buffer(store, file, &run, buf, len, &counts, &err);
	free(buf);
	if (rc == DN_OK && store != NULL)
		rc = store_sync(store, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return exit_for(rc);
	}
	return report(file, &counts, options->dry_run, time_monotonic() - started);
}

/* The name and kind of the source of the file's sightings. */
static void name_source(struct cert_file *file, const struct ingest_options *options,
                        bool from_stdin)
{
	if (options->source != NULL) {
		file->source = options->source;
		file->source_kind = "provider";
	} else if (from_stdin) {
		file->source = "stdin";
		file->source_kind = "stream";
	} else {
		file->source = file->input;
		file->source_kind = file->mtime_ns >= 0 ? "file" : "stream";
	}
}

int ingest_cert_input(struct store *store, const char *path, const struct ingest_options *options,
                      enum x509_format forced, enum ingest_cert_outcome *outcome)
{
	*outcome = INGEST_CERT_NOT_CERTS;
	bool from_stdin = strcmp(path, "-") == 0;
	struct stat st;
	bool regular = !from_stdin && stat(path, &st) == 0 && S_ISREG(st.st_mode);
	if (!regular && forced == X509_FORMAT_NONE)
		return DN_EXIT_OK;

	FILE *f = from_stdin ? stdin : fopen(path, "rb");
	if (f == NULL) {
		if (forced == X509_FORMAT_NONE)
			return DN_EXIT_OK; /* ingest_file() reports it */
		*outcome = INGEST_CERT_READ;
		log_error("cannot open %s: %s", path, strerror(errno));
		return DN_EXIT_INPUT;
	}
	enum x509_format format = forced;
	if (regular && format == X509_FORMAT_NONE) {
		uint8_t head[4096];
		size_t n = fread(head, 1, sizeof(head), f);
		format = x509_detect(head, n);
		if (format == X509_FORMAT_NONE) {
			fclose(f);
			return DN_EXIT_OK;
		}
	}
	*outcome = INGEST_CERT_READ;

	char full[PATH_MAX];
	if (from_stdin || realpath(path, full) == NULL)
		snprintf(full, sizeof(full), "%s", from_stdin ? "-" : path);
	struct cert_file file = {
		.path = from_stdin ? "standard input" : path,
		.input = full,
		.detail = from_stdin ? "stdin" : full,
		.size = -1,
		.mtime_ns = -1,
		.seen = time_now(),
		.format = forced,
		.again = options->again,
		.batch_memory = cert_budget(options) / 4,
	};
	if (regular && fstat(fileno(f), &st) == 0) {
		file.size = (int64_t)st.st_size;
		file.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		file.seen = (int64_t)st.st_mtim.tv_sec;
	}
	name_source(&file, options, from_stdin);

	int code;
	if (regular && file.size < 0) {
		log_error("%s: reading the certificate file failed: %s", path, strerror(errno));
		code = DN_EXIT_INPUT;
	} else if (regular && !fits_memory(path, (uint64_t)file.size, format, options)) {
		code = DN_EXIT_INPUT;
	} else {
		code = import(store, &file, f, regular, options, outcome);
	}
	if (!from_stdin)
		fclose(f);
	return code;
}
