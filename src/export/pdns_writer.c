/* Rendering pDNS results as a table, COF NDJSON or CSV. */
#include "export/pdns_writer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dns/rdata.h"
#include "pdns/name.h"
#include "util/timeutil.h"

/* Columns of the table and CSV output. Records use all of them; negative
 * answers put the rcode where records have rdata. */
enum column { COL_FIRST, COL_LAST, COL_COUNT, COL_SOURCES, COL_NAME, COL_TYPE, COL_DATA,
	      COL_BAILIWICK, COL_ASN, COL_AS_ORG, COLUMN_COUNT };

static const char *const record_headers[COLUMN_COUNT] = {
	"time_first", "time_last", "count", "sources", "rrname", "rrtype", "rdata", "bailiwick",
	"asn", "as_org",
};
static const char *const negative_headers[COLUMN_COUNT] = {
	"time_first", "time_last", "count", "sources", "qname", "qtype", "rcode", "bailiwick",
	"asn", "as_org",
};

struct table_row {
	char *cells[COLUMN_COUNT];
};

struct pdns_writer {
	FILE *out;
	struct pdns_writer_options options;
	bool negative_rows;
	bool header_written;
	struct table_row *rows;
	size_t nrows;
	size_t capacity;
};

struct pdns_writer *pdns_writer_new(FILE *out, const struct pdns_writer_options *options)
{
	struct pdns_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->out = out;
	w->options = *options;
	return w;
}

/* ---- Shared cell formatting ---- */

static void fill_cells(const struct pdns_writer *w, char cells[COLUMN_COUNT][PDNS_NAME_BUF],
                       int64_t first, int64_t last, uint64_t count, uint32_t sources,
                       const char *name, const char *type, const char *bailiwick)
{
	time_format_iso(first, cells[COL_FIRST], PDNS_NAME_BUF);
	time_format_iso(last, cells[COL_LAST], PDNS_NAME_BUF);
	snprintf(cells[COL_COUNT], PDNS_NAME_BUF, "%" PRIu64, count);
	snprintf(cells[COL_SOURCES], PDNS_NAME_BUF, "%" PRIu32, sources);
	if (w->options.unicode) {
		pdns_name_to_unicode(name, cells[COL_NAME], PDNS_NAME_BUF);
		pdns_name_to_unicode(bailiwick, cells[COL_BAILIWICK], PDNS_NAME_BUF);
	} else {
		snprintf(cells[COL_NAME], PDNS_NAME_BUF, "%s", name);
		snprintf(cells[COL_BAILIWICK], PDNS_NAME_BUF, "%s", bailiwick);
	}
	snprintf(cells[COL_TYPE], PDNS_NAME_BUF, "%s", type);
	cells[COL_DATA][0] = '\0'; /* rdata can exceed PDNS_NAME_BUF; callers pass it apart */
	cells[COL_ASN][0] = '\0';
	cells[COL_AS_ORG][0] = '\0';
}

/* The ASN table's entry for the address of an A or AAAA record, if any. */
static const struct asn_entry *find_asn(const struct pdns_writer *w, const struct pdns_record *rec)
{
	ip_key ip;
	if (w->options.asn == NULL || (rec->rrtype != 1 && rec->rrtype != 28) ||
	    !ip_key_parse(rec->rdata, &ip))
		return NULL;
	return asn_table_lookup(w->options.asn, &ip);
}

/* The organisation shown for an entry: the AS's, else the ISP database's. */
static const char *entry_org(const struct asn_entry *e)
{
	if (e->range.as_org != NULL)
		return e->range.as_org;
	return e->range.organization != NULL ? e->range.organization : e->range.isp;
}

/* The last column written: the ASN columns with --asn, else the bailiwick. */
static int last_column(const struct pdns_writer *w)
{
	return w->options.asn != NULL ? COL_AS_ORG : COL_BAILIWICK;
}

/* ---- CSV ---- */

static void csv_field(FILE *out, const char *value, bool last)
{
	if (strpbrk(value, ",\"\r\n") == NULL) {
		fputs(value, out);
	} else {
		fputc('"', out);
		for (const char *p = value; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	}
	fputs(last ? "\r\n" : ",", out);
}

static void csv_row(struct pdns_writer *w, char cells[COLUMN_COUNT][PDNS_NAME_BUF],
                    const char *data)
{
	if (!w->header_written) {
		const char *const *headers = w->negative_rows ? negative_headers : record_headers;
		for (int i = 0; i <= last_column(w); i++)
			csv_field(w->out, headers[i], i == last_column(w));
		w->header_written = true;
	}
	for (int i = 0; i <= last_column(w); i++)
		csv_field(w->out, i == COL_DATA ? data : cells[i], i == last_column(w));
}

/* ---- Table ---- */

static bool table_add(struct pdns_writer *w, char cells[COLUMN_COUNT][PDNS_NAME_BUF],
                      const char *data)
{
	if (w->nrows == w->capacity) {
		size_t capacity = w->capacity == 0 ? 256 : w->capacity * 2;
		struct table_row *rows = realloc(w->rows, capacity * sizeof(*rows));
		if (rows == NULL)
			return false;
		w->rows = rows;
		w->capacity = capacity;
	}
	struct table_row *row = &w->rows[w->nrows];
	for (int i = 0; i < COLUMN_COUNT; i++) {
		row->cells[i] = strdup(i == COL_DATA ? data : cells[i]);
		if (row->cells[i] == NULL) {
			while (i-- > 0)
				free(row->cells[i]);
			return false;
		}
	}
	w->nrows++;
	return true;
}

/* Columns a UTF-8 string takes on a terminal, counting one per code point
 * (an estimate: East Asian wide characters take two). */
static size_t display_width(const char *text)
{
	size_t width = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		if ((*p & 0xc0) != 0x80)
			width++;
	}
	return width;
}

static void pad(FILE *out, size_t n)
{
	while (n-- > 0)
		fputc(' ', out);
}

/* Counts are right-aligned; the last column is not padded. */
static void print_cell(FILE *out, const char *text, size_t width, int column, bool last)
{
	size_t used = display_width(text);
	size_t fill = width > used ? width - used : 0;
	if (column == COL_COUNT || column == COL_SOURCES) {
		pad(out, fill);
		fputs(text, out);
	} else {
		fputs(text, out);
		if (!last)
			pad(out, fill);
	}
	fputs(last ? "\n" : "  ", out);
}

static void table_print(struct pdns_writer *w)
{
	if (w->nrows == 0)
		return;
	const char *const *headers = w->negative_rows ? negative_headers : record_headers;
	size_t width[COLUMN_COUNT];
	bool any_bailiwick = false;
	for (int i = 0; i < COLUMN_COUNT; i++)
		width[i] = strlen(headers[i]);
	for (size_t r = 0; r < w->nrows; r++) {
		for (int i = 0; i < COLUMN_COUNT; i++) {
			size_t len = display_width(w->rows[r].cells[i]);
			if (len > width[i])
				width[i] = len;
		}
		if (w->rows[r].cells[COL_BAILIWICK][0] != '\0')
			any_bailiwick = true;
	}

	/* The bailiwick column is shown only when some row has one, and the
	 * ASN columns only with --asn. */
	int columns[COLUMN_COUNT], n = 0;
	for (int i = COL_FIRST; i <= COL_DATA; i++)
		columns[n++] = i;
	if (any_bailiwick)
		columns[n++] = COL_BAILIWICK;
	if (w->options.asn != NULL) {
		columns[n++] = COL_ASN;
		columns[n++] = COL_AS_ORG;
	}
	for (int i = 0; i < n; i++)
		print_cell(w->out, headers[columns[i]], width[columns[i]], columns[i], i == n - 1);
	for (size_t r = 0; r < w->nrows; r++) {
		for (int i = 0; i < n; i++)
			print_cell(w->out, w->rows[r].cells[columns[i]], width[columns[i]],
			           columns[i], i == n - 1);
	}
}

/* ---- JSON (COF) ---- */

static void json_emit(struct pdns_writer *w, json_t *obj)
{
	if (obj == NULL)
		return;
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	if (text != NULL) {
		fputs(text, w->out);
		fputc('\n', w->out);
		free(text);
	}
	json_decref(obj);
}

/* ---- Public entry points ---- */

bool pdns_writer_record(struct pdns_writer *w, const struct pdns_record *rec)
{
	char type[32];
	dns_type_format(rec->rrtype, type, sizeof(type));

	if (w->options.format == PDNS_FORMAT_JSON) {
		/* Field names and types of the passive DNS Common Output Format
		 * (draft-dulaunoy-dnsop-passive-dns-cof). */
		json_t *obj = json_object();
		json_object_set_new(obj, "count", json_integer((json_int_t)rec->count));
		json_object_set_new(obj, "time_first", json_integer(rec->time_first));
		json_object_set_new(obj, "time_last", json_integer(rec->time_last));
		json_object_set_new(obj, "rrtype", json_string(type));
		json_object_set_new(obj, "rrname", json_string(rec->rrname));
		json_object_set_new(obj, "rdata", json_string(rec->rdata));
		if (rec->bailiwick[0] != '\0')
			json_object_set_new(obj, "bailiwick", json_string(rec->bailiwick));
		/* Not a COF field but a key of dragnet's own. */
		json_object_set_new(obj, "sources", json_integer(rec->source_count));
		const struct asn_entry *e = find_asn(w, rec);
		if (e != NULL) {
			json_object_set_new(obj, "asn", json_integer(e->range.asn));
			const char *org = entry_org(e);
			json_object_set_new(obj, "as_org", org != NULL ? json_string(org) : json_null());
		}
		json_emit(w, obj);
		return true;
	}

	static char cells[COLUMN_COUNT][PDNS_NAME_BUF];
	fill_cells(w, cells, rec->time_first, rec->time_last, rec->count, rec->source_count,
	           rec->rrname, type, rec->bailiwick);
	const struct asn_entry *e = find_asn(w, rec);
	if (e != NULL) {
		const char *org = entry_org(e);
		snprintf(cells[COL_ASN], PDNS_NAME_BUF, "%" PRIu32, e->range.asn);
		snprintf(cells[COL_AS_ORG], PDNS_NAME_BUF, "%s", org != NULL ? org : "");
	}
	if (w->options.format == PDNS_FORMAT_CSV) {
		csv_row(w, cells, rec->rdata);
		return true;
	}
	return table_add(w, cells, rec->rdata);
}

bool pdns_writer_negative(struct pdns_writer *w, const struct pdns_negative *neg)
{
	char type[32], rcode[32];
	dns_type_format(neg->qtype, type, sizeof(type));
	if (neg->rcode == 0)
		snprintf(rcode, sizeof(rcode), "NODATA");
	else
		dns_rcode_format(neg->rcode, rcode, sizeof(rcode));
	w->negative_rows = true;

	if (w->options.format == PDNS_FORMAT_JSON) {
		json_t *obj = json_object();
		json_object_set_new(obj, "count", json_integer((json_int_t)neg->count));
		json_object_set_new(obj, "time_first", json_integer(neg->time_first));
		json_object_set_new(obj, "time_last", json_integer(neg->time_last));
		json_object_set_new(obj, "rrtype", json_string(type));
		json_object_set_new(obj, "rrname", json_string(neg->qname));
		json_object_set_new(obj, "rcode", json_string(rcode));
		if (neg->bailiwick[0] != '\0')
			json_object_set_new(obj, "bailiwick", json_string(neg->bailiwick));
		json_object_set_new(obj, "sources", json_integer(neg->source_count));
		json_emit(w, obj);
		return true;
	}

	static char cells[COLUMN_COUNT][PDNS_NAME_BUF];
	fill_cells(w, cells, neg->time_first, neg->time_last, neg->count, neg->source_count,
	           neg->qname, type, neg->bailiwick);
	if (w->options.format == PDNS_FORMAT_CSV) {
		csv_row(w, cells, rcode);
		return true;
	}
	return table_add(w, cells, rcode);
}

void pdns_writer_finish(struct pdns_writer *w)
{
	if (w == NULL)
		return;
	if (w->options.format == PDNS_FORMAT_TABLE)
		table_print(w);
	for (size_t r = 0; r < w->nrows; r++) {
		for (int i = 0; i < COLUMN_COUNT; i++)
			free(w->rows[r].cells[i]);
	}
	free(w->rows);
	fflush(w->out);
	free(w);
}
