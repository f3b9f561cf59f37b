/* IP-to-ASN ranges in the ClickHouse store: rows into asn_range_in and
 * asn_load_in through the spool (ch_schema.c has the tables). Ranges are
 * never updated in place: each load writes its own rows, and reads take
 * only the rows of each source's latest load.
 * NOTE: the rows of earlier loads stay on disk; nothing deletes them yet. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/clickhouse/ch_internal.h"

static bool has_asn_tables(const struct ch_store *s)
{
	return s->schema_version >= CH_ASN_SCHEMA_VERSION;
}

static void add_text(struct ch_buf *b, const char *text)
{
	if (text == NULL)
		text = "";
	ch_buf_str(b, text, strlen(text));
}

static dn_status check_writable(const struct ch_store *s, struct dn_error *err)
{
	if (!s->writable)
		return dn_fail(err, DN_EINVAL,
		               "%s: the store was opened for reading and takes no writes",
		               s->loc.safe);
	return DN_OK;
}

dn_status ch_put_asn_ranges(struct store *store, const struct store_asn_load *load,
                            const struct asn_range *ranges, size_t n, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	dn_status rc = check_writable(s, err);
	struct ch_part_writer *w = &s->parts[CH_PART_ASN_RANGES];
	for (size_t i = 0; rc == DN_OK && i < n; i++) {
		const struct asn_range *r = &ranges[i];
		struct ch_buf *b = &w->buf;
		ch_buf_u32(b, load->source_id);
		ch_buf_i64(b, load->id);
		ch_buf_add(b, r->lo.b, 16);
		ch_buf_add(b, r->hi.b, 16);
		ch_buf_u32(b, r->asn);
		add_text(b, r->country);
		add_text(b, r->origins);
		add_text(b, r->as_org);
		add_text(b, r->isp);
		add_text(b, r->organization);
		ch_add_batch(w);
		rc = ch_end_row(s, w, err);
	}
	return rc;
}

dn_status ch_put_asn_load(struct store *store, const struct store_asn_load *load,
                          struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	dn_status rc = check_writable(s, err);
	if (rc != DN_OK)
		return rc;
	struct ch_part_writer *w = &s->parts[CH_PART_ASN_LOADS];
	struct ch_buf *b = &w->buf;
	ch_buf_u32(b, load->source_id);
	ch_buf_i64(b, load->id);
	ch_buf_i64(b, load->loaded);
	add_text(b, load->format);
	add_text(b, load->input);
	ch_buf_u64(b, load->ranges);
	ch_add_batch(w);
	return ch_end_row(s, w, err);
}

/* ---- Reading ---- */

static void sql_addf(struct ch_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sql_addf(struct ch_buf *b, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0)
		ch_buf_add(b, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static dn_status run_rows(struct ch_store *s, const char *what, struct ch_buf *b, ch_row_fn row,
                          void *ctx, struct dn_error *err)
{
	sql_addf(b, " FORMAT RowBinary");
	ch_buf_u8(b, '\0');
	dn_status rc = b->ok ? ch_select_rows(s, what, b, row, ctx, err)
	                     : dn_fail(err, DN_ENOMEM, "out of memory building a query");
	ch_buf_free(b);
	return rc;
}

/* Terminated copies of one row's strings. */
struct row_text {
	char buf[5][4096];
};

static const char *hold(struct row_text *t, int i, const char *text, size_t len)
{
	if (len == 0)
		return NULL;
	if (len >= sizeof(t->buf[i]))
		len = sizeof(t->buf[i]) - 1;
	memcpy(t->buf[i], text, len);
	t->buf[i][len] = '\0';
	return t->buf[i];
}

/* The latest load of each source, for reads to pick their rows. */
struct load_list {
	struct store_asn_load *items;
	size_t n, size;
	char (*names)[256];
	char (*formats)[16];
	char (*inputs)[1024];
};

static bool parse_load(struct ch_reader *r, void *arg, dn_status *status)
{
	struct load_list *l = arg;
	struct store_asn_load load;
	memset(&load, 0, sizeof(load));
	const char *str[3];
	size_t len[3];
	if (!ch_read_u32(r, &load.source_id) || !ch_read_str(r, &str[0], &len[0]) ||
	    !ch_read_i64(r, &load.id) || !ch_read_i64(r, &load.loaded) ||
	    !ch_read_str(r, &str[1], &len[1]) || !ch_read_str(r, &str[2], &len[2]) ||
	    !ch_read_u64(r, &load.ranges))
		return false;
	if (l->n == l->size) {
		size_t size = l->size > 0 ? l->size * 2 : 16;
		struct store_asn_load *items = realloc(l->items, size * sizeof(*items));
		char(*names)[256] = realloc(l->names, size * sizeof(*names));
		char(*formats)[16] = realloc(l->formats, size * sizeof(*formats));
		char(*inputs)[1024] = realloc(l->inputs, size * sizeof(*inputs));
		if (items != NULL)
			l->items = items;
		if (names != NULL)
			l->names = names;
		if (formats != NULL)
			l->formats = formats;
		if (inputs != NULL)
			l->inputs = inputs;
		if (items == NULL || names == NULL || formats == NULL || inputs == NULL) {
			*status = DN_ENOMEM;
			return true;
		}
		l->size = size;
	}
	char *fields[3] = {l->names[l->n], l->formats[l->n], l->inputs[l->n]};
	size_t sizes[3] = {sizeof(l->names[0]), sizeof(l->formats[0]), sizeof(l->inputs[0])};
	for (int i = 0; i < 3; i++) {
		size_t n = len[i] < sizes[i] ? len[i] : sizes[i] - 1;
		memcpy(fields[i], str[i], n);
		fields[i][n] = '\0';
	}
	l->items[l->n++] = load;
	return true;
}

static void load_list_free(struct load_list *l)
{
	free(l->items);
	free(l->names);
	free(l->formats);
	free(l->inputs);
}

static dn_status read_loads(struct ch_store *s, struct load_list *l, struct dn_error *err)
{
	memset(l, 0, sizeof(*l));
	if (!has_asn_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT source_id, name, last_id, last_loaded, last_format, last_input, "
	         "last_ranges FROM (SELECT source_id, max(id) AS last_id, "
	         "argMax(loaded, id) AS last_loaded, argMax(format, id) AS last_format, "
	         "argMax(input, id) AS last_input, argMax(ranges, id) AS last_ranges "
	         "FROM %s GROUP BY source_id) ANY LEFT JOIN "
	         "(SELECT id AS source_id, any(name) AS name FROM %s GROUP BY id) USING source_id "
	         "ORDER BY name",
	         s->t_asn_load, s->t_sources);
	dn_status rc = run_rows(s, "listing ASN loads", &b, parse_load, l, err);
	for (size_t i = 0; i < l->n; i++) {
		l->items[i].source = l->names[i];
		l->items[i].format = l->formats[i];
		l->items[i].input = l->inputs[i];
	}
	return rc;
}

dn_status ch_list_asn_loads(struct store *store, store_asn_load_fn fn, void *ctx,
                            struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct load_list l;
	dn_status rc = read_loads(s, &l, err);
	for (size_t i = 0; rc == DN_OK && i < l.n; i++)
		rc = fn(&l.items[i], ctx);
	load_list_free(&l);
	return rc;
}

struct range_rows {
	store_asn_range_fn fn;
	void *ctx;
	struct row_text text;
};

/* A row of (source_id, lo, hi, asn, country, origins, as_org, isp,
 * organization). */
static bool parse_range(struct ch_reader *r, void *arg, dn_status *status)
{
	struct range_rows *rows = arg;
	struct asn_range range;
	memset(&range, 0, sizeof(range));
	uint32_t source_id;
	const char *str[5];
	size_t len[5];
	if (!ch_read_u32(r, &source_id) || (size_t)(r->end - r->pos) < 32)
		return false;
	const uint8_t *keys = r->pos;
	r->pos += 32;
	if (!ch_read_u32(r, &range.asn))
		return false;
	for (int i = 0; i < 5; i++) {
		if (!ch_read_str(r, &str[i], &len[i]))
			return false;
	}
	memcpy(range.lo.b, keys, 16);
	memcpy(range.hi.b, keys + 16, 16);
	if (len[0] == 2)
		memcpy(range.country, str[0], 2);
	range.origins = hold(&rows->text, 1, str[1], len[1]);
	range.as_org = hold(&rows->text, 2, str[2], len[2]);
	range.isp = hold(&rows->text, 3, str[3], len[3]);
	range.organization = hold(&rows->text, 4, str[4], len[4]);
	*status = rows->fn(&range, source_id, rows->ctx);
	return true;
}

dn_status ch_query_asn_ranges(struct store *store, const struct store_asn_filter *filter,
                              store_asn_range_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct load_list loads;
	dn_status rc = read_loads(s, &loads, err);
	if (rc != DN_OK || loads.n == 0) {
		load_list_free(&loads);
		return rc;
	}

	/* The latest load of each source, named in the query rather than
	 * joined, so that a cluster needs no distributed subquery. */
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT source_id, lo, hi, asn, country, origins, as_org, isp, organization "
	         "FROM %s WHERE (",
	         s->t_asn_range);
	for (size_t i = 0; i < loads.n; i++)
		sql_addf(&b, "%s(source_id = %u AND load_id = %lld)", i > 0 ? " OR " : "",
		         (unsigned)loads.items[i].source_id, (long long)loads.items[i].id);
	sql_addf(&b, ")");
	if (filter->by_asn) /* the range's AS or one of its origins, as in sqlite_asn.c */
		sql_addf(&b,
		         " AND (asn = %u OR position(concat('_', replaceAll(origins, ',', '_'), "
		         "'_'), '_%u_') > 0)",
		         (unsigned)filter->asn, (unsigned)filter->asn);
	else if (filter->source_id > 0)
		sql_addf(&b, " AND source_id = %u", (unsigned)filter->source_id);
	sql_addf(&b, " ORDER BY source_id, lo, hi");
	load_list_free(&loads);

	struct range_rows *rows = malloc(sizeof(*rows));
	if (rows == NULL) {
		ch_buf_free(&b);
		return dn_fail(err, DN_ENOMEM, "out of memory reading ASN ranges");
	}
	rows->fn = fn;
	rows->ctx = ctx;
	rc = run_rows(s, "reading ASN ranges", &b, parse_range, rows, err);
	free(rows);
	return rc;
}

/* The best range of ch_query_asn_at() so far, with copies of its strings. */
struct asn_hit {
	bool found;
	struct asn_range range;
	uint32_t source_id;
	int64_t load_id;
	struct row_text text;
};

/* A row of (source_id, load_id, lo, hi, asn, country, origins, as_org,
 * isp, organization) that covers the address. */
static bool parse_hit(struct ch_reader *r, void *arg, dn_status *status)
{
	(void)status;
	struct asn_hit *hit = arg;
	struct asn_range range;
	memset(&range, 0, sizeof(range));
	uint32_t source_id;
	int64_t load_id;
	const char *str[5];
	size_t len[5];
	if (!ch_read_u32(r, &source_id) || !ch_read_i64(r, &load_id) ||
	    (size_t)(r->end - r->pos) < 32)
		return false;
	memcpy(range.lo.b, r->pos, 16);
	memcpy(range.hi.b, r->pos + 16, 16);
	r->pos += 32;
	if (!ch_read_u32(r, &range.asn))
		return false;
	for (int i = 0; i < 5; i++) {
		if (!ch_read_str(r, &str[i], &len[i]))
			return false;
	}
	if (hit->found && !store_asn_range_wins(&range, source_id, load_id, &hit->range,
	                                        hit->source_id, hit->load_id))
		return true;
	if (len[0] == 2)
		memcpy(range.country, str[0], 2);
	range.origins = hold(&hit->text, 1, str[1], len[1]);
	range.as_org = hold(&hit->text, 2, str[2], len[2]);
	range.isp = hold(&hit->text, 3, str[3], len[3]);
	range.organization = hold(&hit->text, 4, str[4], len[4]);
	hit->found = true;
	hit->range = range;
	hit->source_id = source_id;
	hit->load_id = load_id;
	return true;
}

/* NOTE: no index finds the ranges that cover ip, so ClickHouse tests the
 * current loads' ranges (the primary key on (source_id, load_id, lo, hi)
 * may skip those that start above ip). Not measured with a full routing
 * table. */
dn_status ch_query_asn_at(struct store *store, const ip_key *ip, store_asn_hit_fn fn, void *ctx,
                          struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct load_list loads;
	dn_status rc = read_loads(s, &loads, err);
	if (rc != DN_OK || loads.n == 0) {
		load_list_free(&loads);
		return rc;
	}
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT source_id, load_id, lo, hi, asn, country, origins, as_org, isp, "
	         "organization FROM %s WHERE (",
	         s->t_asn_range);
	for (size_t i = 0; i < loads.n; i++)
		sql_addf(&b, "%s(source_id = %u AND load_id = %lld)", i > 0 ? " OR " : "",
		         (unsigned)loads.items[i].source_id, (long long)loads.items[i].id);
	load_list_free(&loads);
	sql_addf(&b, ") AND lo <= ");
	ch_quote(&b, (const char *)ip->b, 16);
	sql_addf(&b, " AND hi >= ");
	ch_quote(&b, (const char *)ip->b, 16);

	struct asn_hit *hit = calloc(1, sizeof(*hit));
	if (hit == NULL) {
		ch_buf_free(&b);
		return dn_fail(err, DN_ENOMEM, "out of memory looking up an address's ASN");
	}
	rc = run_rows(s, "looking up an address's ASN", &b, parse_hit, hit, err);
	if (rc == DN_OK && hit->found)
		rc = fn(&hit->range, hit->source_id, hit->load_id, ctx);
	free(hit);
	return rc;
}
