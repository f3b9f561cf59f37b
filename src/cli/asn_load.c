/* `dragnet asn --load`: each file is read whole, parsed, and written to
 * the store in one batch, so that a file that fails halfway leaves the
 * source's earlier load in place. */
#include "cli/asn_load.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/arena.h"
#include "util/log.h"

/* Ranges handed to the store per call. */
#define LOAD_BATCH 8192
/* Bad lines of one file that are logged one by one; the rest are counted. */
#define BAD_LINES_LOGGED 20

struct load {
	struct store *store;
	struct store_asn_load info;
	const char *file;
	struct asn_range *ranges;
	size_t nranges;
	struct arena text;
	uint64_t bad_lines;
	struct dn_error *err;
};

static const char *keep(struct load *l, const char *text)
{
	return text != NULL ? arena_dup(&l->text, text, strlen(text) + 1) : NULL;
}

static dn_status flush_ranges(struct load *l)
{
	dn_status rc = store_put_asn_ranges(l->store, &l->info, l->ranges, l->nranges, l->err);
	l->info.ranges += l->nranges;
	l->nranges = 0;
	arena_reset(&l->text);
	return rc;
}

static dn_status add_range(const struct asn_range *range, void *ctx)
{
	struct load *l = ctx;
	struct asn_range *r = &l->ranges[l->nranges];
	*r = *range;
	r->origins = keep(l, range->origins);
	r->as_org = keep(l, range->as_org);
	r->isp = keep(l, range->isp);
	r->organization = keep(l, range->organization);
	if ((range->origins != NULL && r->origins == NULL) ||
	    (range->as_org != NULL && r->as_org == NULL) ||
	    (range->isp != NULL && r->isp == NULL) ||
	    (range->organization != NULL && r->organization == NULL))
		return dn_fail(l->err, DN_ENOMEM, "out of memory reading %s", l->file);
	if (++l->nranges == LOAD_BATCH)
		return flush_ranges(l);
	return DN_OK;
}

static void report_bad_line(uint64_t line, const char *reason, void *ctx)
{
	struct load *l = ctx;
	if (++l->bad_lines <= BAD_LINES_LOGGED)
		log_warn("%s:%" PRIu64 ": %s; line skipped", l->file, line, reason);
	else if (l->bad_lines == BAD_LINES_LOGGED + 1)
		log_warn("%s: more bad lines; the rest are counted, not shown", l->file);
}

/* Read the whole file into a malloc'd buffer. */
static dn_status read_file(const char *path, char **data, size_t *len, struct dn_error *err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return dn_fail(err, DN_EIO, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return dn_fail(err, DN_EIO, "not a regular file");
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		return dn_fail(err, DN_ENOMEM, "out of memory reading %lld bytes",
		               (long long)st.st_size);
	}
	size_t n = fread(buf, 1, (size_t)st.st_size, f);
	bool failed = ferror(f) != 0;
	fclose(f);
	if (failed) {
		free(buf);
		return dn_fail(err, DN_EIO, "read failed: %s", strerror(errno));
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return DN_OK;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* Parse the file into the open batch. */
static dn_status parse_file(struct load *l, enum asn_format format, const char *data, size_t len,
                            struct asn_parse_counts *counts)
{
	switch (format) {
	case ASN_FORMAT_IP2ASN:
		return asn_ip2asn_parse(data, len, add_range, report_bad_line, l, counts);
	case ASN_FORMAT_PFX2AS:
		return asn_pfx2as_parse(data, len, add_range, report_bad_line, l, counts);
	case ASN_FORMAT_MMDB:
		return asn_mmdb_read(l->file, add_range, l, counts, l->err);
	default:
		return dn_fail(l->err, DN_EFORMAT,
		               "unknown format: not ip2asn TSV, pfx2as or MMDB (give --format)");
	}
}

/* Fail a load that parsed but gave no range, so that a wrong or empty file
 * never replaces the source's earlier ranges with nothing. */
static dn_status fail_no_ranges(enum asn_format format, const struct asn_parse_counts *counts,
                                const char *source, struct dn_error *err)
{
	if (format == ASN_FORMAT_MMDB)
		return dn_fail(err, DN_EFORMAT,
		               "no network has AS data (autonomous_system_number, "
		               "autonomous_system_organization, isp or organization), so this is "
		               "not an ASN or ISP database; source '%s' keeps its earlier ranges",
		               source);
	if (counts->bad_lines > 0)
		return dn_fail(err, DN_EFORMAT,
		               "no usable range: all %" PRIu64 " data lines are invalid; source "
		               "'%s' keeps its earlier ranges",
		               counts->bad_lines, source);
	return dn_fail(err, DN_EFORMAT,
	               "no usable range: the file has no data lines; source '%s' keeps its "
	               "earlier ranges",
	               source);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Load one file; returns a status, with the message in err. */
static dn_status load_file(struct store *store, const char *file, const char *source,
                           enum asn_format format, struct dn_error *err)
{
	char *data = NULL;
	size_t len = 0;
	dn_status rc = read_file(file, &data, &len, err);
	if (rc != DN_OK)
		return rc;
	if (len == 0) {
		free(data);
		return dn_fail(err, DN_EFORMAT,
		               "the file is empty; source '%s' keeps its earlier ranges",
		               source != NULL ? source : base_name(file));
	}
	enum asn_format detected = asn_format_detect((const uint8_t *)data, len);
	if (format == ASN_FORMAT_UNKNOWN)
		format = detected;
	const char *compression = NULL;
	if (detected != ASN_FORMAT_MMDB)
		compression = asn_compression_detect((const uint8_t *)data, len);
	if (compression != NULL) {
		free(data);
		return dn_fail(err, DN_EFORMAT, "compressed with %s; uncompress it first",
		               compression);
	}
	if (format == ASN_FORMAT_MMDB) {
		free(data); /* libmaxminddb maps the file itself */
		data = NULL;
		len = 0;
	}

	const char *name = source != NULL ? source : base_name(file);
	struct load l = {.store = store, .file = file, .err = err};
	l.ranges = malloc(LOAD_BATCH * sizeof(*l.ranges));
	arena_init(&l.text, 1u << 20);
	if (l.ranges == NULL)
		rc = dn_fail(err, DN_ENOMEM, "out of memory");
	if (rc == DN_OK)
		rc = store_source_id(store, name, "asn", &l.info.source_id, err);
	l.info.id = now_ns();
	l.info.loaded = l.info.id / 1000000000;
	l.info.format = asn_format_name(format);
	l.info.input = file;

	struct asn_parse_counts counts = {0};
	if (rc == DN_OK)
		rc = store_begin(store, err);
	if (rc == DN_OK) {
		rc = parse_file(&l, format, data, len, &counts);
		if (rc == DN_OK && l.info.ranges + l.nranges == 0)
			rc = fail_no_ranges(format, &counts, name, err);
		if (rc == DN_OK && l.nranges > 0)
			rc = flush_ranges(&l);
		if (rc == DN_OK)
			rc = store_put_asn_load(store, &l.info, err);
		if (rc == DN_OK)
			rc = store_commit(store, err);
		else
			store_rollback(store);
	}
	if (rc == DN_OK && format == ASN_FORMAT_MMDB)
		log_info("%s: %" PRIu64 " ranges loaded as source '%s' (mmdb)", file, l.info.ranges,
		         name);
	else if (rc == DN_OK)
		log_info("%s: %" PRIu64 " ranges loaded as source '%s' (%s), %" PRIu64
		         " bad lines skipped",
		         file, l.info.ranges, name, l.info.format, l.bad_lines);
	free(l.ranges);
	arena_free(&l.text);
	free(data);
	return rc;
}

int cli_asn_load(const struct cli_common *common, char **files, int nfiles, const char *source,
                 enum asn_format format)
{
	if (source != NULL && nfiles > 1)
		return cli_usage_error("asn", "--source names one source: give one file with it");
	struct store *store;
	int code = cli_open_store(common, STORE_WRITE, NULL, &store);
	if (code != DN_EXIT_OK)
		return code;

	int result = DN_EXIT_OK;
	for (int i = 0; i < nfiles; i++) {
		struct dn_error err = {0};
		dn_status rc = load_file(store, files[i], source, format, &err);
		if (rc == DN_OK)
			continue;
		log_error("%s: %s", files[i], err.msg);
		if (rc == DN_ESTORE || rc == DN_ESCHEMA || rc == DN_ENOMEM) {
			result = rc == DN_ENOMEM ? DN_EXIT_FAILURE : DN_EXIT_STORE;
			break;
		}
		result = DN_EXIT_INPUT;
	}
	struct dn_error err;
	if (result != DN_EXIT_STORE && store_sync(store, &err) != DN_OK) {
		log_error("%s", err.msg);
		result = DN_EXIT_STORE;
	}
	store_close(store);
	return cli_finish_output(result);
}
