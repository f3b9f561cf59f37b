/* Zeek dns.log readers: the tab-separated layout, whose #fields header names
 * the columns (so older field sets without opcode, auth or addl work too),
 * and the JSON layout, one object per line. Both fill a struct
 * zeek_response; zeek_response.c turns it into records. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feed/feed_impl.h"
#include "feed/zeek_response.h"
#include "util/hex.h"
#include "util/timeutil.h"

/* Maximum length of a separator or field marker kept from the header. */
#define MARK_MAX 32

/* Epoch seconds below the year 5138; a longer ts is no time. */
#define TS_DIGITS_MAX 11

static bool text_equals(const char *data, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(data, s, len) == 0;
}

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return len > 0;
}

/* Epoch seconds written as "1517336042.279652"; false for anything else,
 * such as btest's canonified "XXXXXXXXXX.XXXXXX". */
static bool parse_epoch(const char *s, size_t len, int64_t *out)
{
	const char *dot = memchr(s, '.', len);
	size_t int_len = dot != NULL ? (size_t)(dot - s) : len;
	if (!all_digits(s, int_len) || int_len > TS_DIGITS_MAX)
		return false;
	if (dot != NULL && !all_digits(dot + 1, len - int_len - 1))
		return false;
	int64_t value = 0;
	for (size_t i = 0; i < int_len; i++)
		value = value * 10 + (s[i] - '0');
	*out = value;
	return true;
}

static struct zeek_text *grow_texts(struct zeek_text **texts, size_t *cap, size_t need)
{
	if (need <= *cap)
		return *texts;
	size_t n = *cap > 0 ? *cap : 16;
	while (n < need)
		n *= 2;
	struct zeek_text *grown = realloc(*texts, n * sizeof(**texts));
	if (grown == NULL)
		return NULL;
	*texts = grown;
	*cap = n;
	return grown;
}

/* ---- TSV ---- */

enum tsv_column {
	COL_TS,
	COL_QUERY,
	COL_QCLASS,
	COL_QTYPE,
	COL_RCODE,
	COL_TC,
	COL_RD,
	COL_REJECTED,
	COL_OPCODE,
	COL_OPCODE_NAME,
	COL_ORIG_P,
	COL_RESP_P,
	COL_PROTO,
	COL_ANSWERS,
	COL_COUNT
};

static const char *const column_names[COL_COUNT] = {
	"ts",       "query",  "qclass",      "qtype",     "rcode",     "TC",    "RD",
	"rejected", "opcode", "opcode_name", "id.orig_p", "id.resp_p", "proto", "answers",
};

/* A separator or marker from the header. */
struct mark {
	char text[MARK_MAX];
	size_t len;
};

struct zeek_tsv {
	struct mark separator, set_separator, empty_field, unset_field;
	struct mark path;      /* #path, when it names a log other than dns */
	bool have_fields;      /* a #fields line was read */
	const char *missing;   /* a needed column #fields lacks, or NULL */
	size_t nfields;
	int col[COL_COUNT];    /* index of each column, or -1 */
	struct zeek_text *cells;
	size_t cells_cap;
	struct zeek_text *answers;
	size_t answers_cap;
	struct zeek_scratch scratch;
};

static void mark_set(struct mark *m, const char *s, size_t len)
{
	if (len >= MARK_MAX)
		len = MARK_MAX - 1;
	memcpy(m->text, s, len);
	m->text[len] = '\0';
	m->len = len;
}

/* A header value with Zeek's \xHH escapes undone ("\x09" is a tab). */
static void mark_set_escaped(struct mark *m, const char *s, size_t len)
{
	char value[MARK_MAX];
	size_t n = 0;
	for (size_t i = 0; i < len && n < MARK_MAX - 1; i++) {
		int hi, lo;
		if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' &&
		    (hi = hex_digit_value(s[i + 2])) >= 0 && (lo = hex_digit_value(s[i + 3])) >= 0) {
			value[n++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			value[n++] = s[i];
		}
	}
	mark_set(m, value, n);
}

static dn_status tsv_init(void *state)
{
	struct zeek_tsv *t = state;
	mark_set(&t->separator, "\t", 1);
	mark_set(&t->set_separator, ",", 1);
	mark_set(&t->empty_field, "(empty)", 7);
	mark_set(&t->unset_field, "-", 1);
	return DN_OK;
}

static void tsv_fini(void *state)
{
	struct zeek_tsv *t = state;
	free(t->cells);
	free(t->answers);
	zeek_scratch_free(&t->scratch);
}

/* Split line at sep into cells; the count of cells, or 0 when out of
 * memory. */
static size_t split(const char *line, size_t len, const struct mark *sep,
                    struct zeek_text **cells, size_t *cap)
{
	size_t n = 0, start = 0;
	for (;;) {
		const char *hit = sep->len > 0 && start <= len
		                          ? memmem(line + start, len - start, sep->text, sep->len)
		                          : NULL;
		size_t end = hit != NULL ? (size_t)(hit - line) : len;
		if (grow_texts(cells, cap, n + 1) == NULL)
			return 0;
		(*cells)[n++] =
		        (struct zeek_text){.data = line + start, .len = end - start, .set = true};
		if (hit == NULL)
			return n;
		start = end + sep->len;
	}
}

static dn_status read_fields(struct zeek_tsv *t, const char *names, size_t len,
                             struct dn_error *err)
{
	size_t n = split(names, len, &t->separator, &t->cells, &t->cells_cap);
	if (n == 0)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	for (size_t c = 0; c < COL_COUNT; c++)
		t->col[c] = -1;
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < COL_COUNT; c++) {
			if (t->col[c] < 0 && text_equals(t->cells[i].data, t->cells[i].len,
			                                 column_names[c]))
				t->col[c] = (int)i;
		}
	}
	t->nfields = n;
	t->have_fields = true;
	t->missing = NULL;
	static const enum tsv_column needed[] = {COL_TS, COL_QUERY, COL_RCODE};
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (t->col[needed[i]] < 0) {
			t->missing = column_names[needed[i]];
			break;
		}
	}
	return DN_OK;
}

/* A header line ("#fields<TAB>ts<TAB>uid..."). Lines starting with '#'
 * that Zeek does not write, such as btest's "###" banner, are comments. */
static dn_status read_header(struct zeek_tsv *t, const char *line, size_t len,
                             struct dn_error *err)
{
	static const char separator[] = "#separator ";
	if (len >= sizeof(separator) - 1 && memcmp(line, separator, sizeof(separator) - 1) == 0) {
		/* A new log starts; it declares its own fields. */
		size_t skip = sizeof(separator) - 1;
		mark_set_escaped(&t->separator, line + skip, len - skip);
		t->have_fields = false;
		t->path.len = 0;
		return DN_OK;
	}
	if (t->separator.len == 0)
		return DN_OK;
	const char *hit = memmem(line, len, t->separator.text, t->separator.len);
	if (hit == NULL)
		return DN_OK;
	const char *key = line + 1;
	size_t key_len = (size_t)(hit - key);
	const char *value = hit + t->separator.len;
	size_t value_len = len - (size_t)(value - line);
	if (text_equals(key, key_len, "set_separator"))
		mark_set_escaped(&t->set_separator, value, value_len);
	else if (text_equals(key, key_len, "empty_field"))
		mark_set_escaped(&t->empty_field, value, value_len);
	else if (text_equals(key, key_len, "unset_field"))
		mark_set_escaped(&t->unset_field, value, value_len);
	else if (text_equals(key, key_len, "path"))
		mark_set(&t->path, value, text_equals(value, value_len, "dns") ? 0 : value_len);
	else if (text_equals(key, key_len, "fields"))
		return read_fields(t, value, value_len, err);
	return DN_OK;
}

static const struct zeek_text *tsv_cell(const struct zeek_tsv *t, enum tsv_column c)
{
	static const struct zeek_text absent = {.set = false};
	return t->col[c] >= 0 ? &t->cells[t->col[c]] : &absent;
}

static bool tsv_unset(const struct zeek_tsv *t, const struct zeek_text *cell)
{
	return !cell->set || text_equals(cell->data, cell->len, t->unset_field.text);
}

/* A count column; ZEEK_UNSET when unset. */
static dn_status tsv_count(const struct zeek_tsv *t, enum tsv_column c, int64_t max,
                           int64_t *out, struct dn_error *err)
{
	const struct zeek_text *cell = tsv_cell(t, c);
	*out = ZEEK_UNSET;
	if (tsv_unset(t, cell))
		return DN_OK;
	int64_t value = 0;
	bool ok = all_digits(cell->data, cell->len) && cell->len <= 10;
	for (size_t i = 0; ok && i < cell->len; i++)
		value = value * 10 + (cell->data[i] - '0');
	if (!ok || value > max)
		return dn_fail(err, DN_EMALF, "%s '%.*s' is not a number up to %lld",
		               column_names[c], (int)(cell->len < 40 ? cell->len : 40), cell->data,
		               (long long)max);
	*out = value;
	return DN_OK;
}

static dn_status tsv_bool(const struct zeek_tsv *t, enum tsv_column c, int *out,
                          struct dn_error *err)
{
	const struct zeek_text *cell = tsv_cell(t, c);
	*out = ZEEK_UNSET;
	if (tsv_unset(t, cell))
		return DN_OK;
	if (text_equals(cell->data, cell->len, "T") || text_equals(cell->data, cell->len, "F")) {
		*out = cell->data[0] == 'T';
		return DN_OK;
	}
	return dn_fail(err, DN_EMALF, "%s '%.*s' is neither T nor F", column_names[c],
	               (int)(cell->len < 40 ? cell->len : 40), cell->data);
}

/* A string column: unset, or the empty string for the empty marker. */
static struct zeek_text tsv_string(const struct zeek_tsv *t, enum tsv_column c)
{
	const struct zeek_text *cell = tsv_cell(t, c);
	if (tsv_unset(t, cell))
		return (struct zeek_text){.set = false};
	if (text_equals(cell->data, cell->len, t->empty_field.text))
		return (struct zeek_text){.data = cell->data, .len = 0, .set = true};
	return *cell;
}

static dn_status tsv_answers(struct zeek_tsv *t, struct zeek_response *r, struct dn_error *err)
{
	const struct zeek_text *cell = tsv_cell(t, COL_ANSWERS);
	r->nanswers = 0;
	if (tsv_unset(t, cell) || text_equals(cell->data, cell->len, t->empty_field.text))
		return DN_OK;
	r->nanswers = split(cell->data, cell->len, &t->set_separator, &t->answers,
	                    &t->answers_cap);
	if (r->nanswers == 0)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	r->answers = t->answers;
	return DN_OK;
}

static dn_status tsv_response(struct zeek_tsv *t, struct zeek_response *r, struct dn_error *err)
{
	dn_status rc;
	const struct zeek_text *ts = tsv_cell(t, COL_TS);
	r->ts = *ts;
	r->time_valid = parse_epoch(ts->data, ts->len, &r->time);
	r->query = tsv_string(t, COL_QUERY);
	r->opcode_name = tsv_string(t, COL_OPCODE_NAME);
	r->proto = tsv_string(t, COL_PROTO);
	if ((rc = tsv_count(t, COL_QCLASS, UINT16_MAX, &r->qclass, err)) != DN_OK ||
	    (rc = tsv_count(t, COL_QTYPE, UINT16_MAX, &r->qtype, err)) != DN_OK ||
	    (rc = tsv_count(t, COL_RCODE, UINT16_MAX, &r->rcode, err)) != DN_OK ||
	    (rc = tsv_count(t, COL_OPCODE, UINT16_MAX, &r->opcode, err)) != DN_OK ||
	    (rc = tsv_count(t, COL_ORIG_P, UINT16_MAX, &r->orig_p, err)) != DN_OK ||
	    (rc = tsv_count(t, COL_RESP_P, UINT16_MAX, &r->resp_p, err)) != DN_OK ||
	    (rc = tsv_bool(t, COL_TC, &r->tc, err)) != DN_OK ||
	    (rc = tsv_bool(t, COL_RD, &r->rd, err)) != DN_OK ||
	    (rc = tsv_bool(t, COL_REJECTED, &r->rejected, err)) != DN_OK)
		return rc;
	return tsv_answers(t, r, err);
}

static dn_status tsv_line(void *state, const char *line, size_t len, feed_record_fn fn,
                          void *ctx, struct dn_error *err)
{
	struct zeek_tsv *t = state;
	if (len == 0)
		return DN_OK;
	if (line[0] == '#')
		return read_header(t, line, len, err);
	if (!t->have_fields)
		return dn_fail(err, DN_EMALF, "a data line before the #fields header");
	if (t->path.len > 0)
		return dn_fail(err, DN_EFORMAT, "a Zeek %s log, not a dns.log", t->path.text);
	if (t->missing != NULL)
		return dn_fail(err, DN_EMALF, "the #fields header has no %s column", t->missing);

	size_t n = split(line, len, &t->separator, &t->cells, &t->cells_cap);
	if (n == 0)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	if (n != t->nfields)
		return dn_fail(err, DN_EMALF, "%zu fields where the #fields header names %zu", n,
		               t->nfields);
	struct zeek_response r = {0};
	dn_status rc = tsv_response(t, &r, err);
	if (rc != DN_OK)
		return rc;
	return zeek_response_records(&t->scratch, &r, fn, ctx, err);
}

/* A Zeek TSV log starts with "#separator " (btest baselines put a "###"
 * banner before it). A #path other than dns is another log. */
static bool tsv_detect(const char *buf, size_t len)
{
	bool separator = false;
	size_t pos = 0;
	while (pos < len && buf[pos] == '#') {
		const char *end = memchr(buf + pos, '\n', len - pos);
		size_t line_len = end != NULL ? (size_t)(end - buf - pos) : len - pos;
		const char *line = buf + pos;
		size_t advance = line_len + 1;
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--; /* Windows line ends */
		if (line_len >= 11 && memcmp(line, "#separator ", 11) == 0)
			separator = true;
		if (separator && line_len >= 6 && memcmp(line, "#path", 5) == 0 &&
		    (line_len != 9 || memcmp(line + 6, "dns", 3) != 0))
			return false;
		if (end == NULL)
			break;
		pos += advance;
	}
	return separator;
}

const struct feed_format_ops feed_zeek_tsv_ops = {
	.format = FEED_ZEEK_TSV,
	.name = "zeek-tsv",
	.state_size = sizeof(struct zeek_tsv),
	.init = tsv_init,
	.fini = tsv_fini,
	.line = tsv_line,
	.detect = tsv_detect,
};

/* ---- JSON ---- */

struct zeek_json {
	struct zeek_text *answers;
	size_t answers_cap;
	struct zeek_scratch scratch;
};

static void json_fini(void *state)
{
	struct zeek_json *j = state;
	free(j->answers);
	zeek_scratch_free(&j->scratch);
}

static struct zeek_text json_text(const json_t *value)
{
	if (!json_is_string(value))
		return (struct zeek_text){.set = false};
	return (struct zeek_text){.data = json_string_value(value),
	                          .len = json_string_length(value),
	                          .set = true};
}

static dn_status json_count(json_t *obj, const char *key, int64_t *out, struct dn_error *err)
{
	json_t *value = json_object_get(obj, key);
	*out = ZEEK_UNSET;
	if (value == NULL || json_is_null(value))
		return DN_OK;
	if (json_is_integer(value) && json_integer_value(value) >= 0 &&
	    json_integer_value(value) <= UINT16_MAX) {
		*out = json_integer_value(value);
		return DN_OK;
	}
	return dn_fail(err, DN_EMALF, "%s is not a number up to %d", key, UINT16_MAX);
}

/* A port, as "id.resp_p" or, in nested output, "id": {"resp_p": ...}. */
static dn_status json_port(json_t *obj, const char *key, int64_t *out, struct dn_error *err)
{
	char flat[16];
	snprintf(flat, sizeof(flat), "id.%s", key);
	if (json_object_get(obj, flat) != NULL)
		return json_count(obj, flat, out, err);
	json_t *id = json_object_get(obj, "id");
	*out = ZEEK_UNSET;
	return json_is_object(id) ? json_count(id, key, out, err) : DN_OK;
}

static dn_status json_bool(json_t *obj, const char *key, int *out, struct dn_error *err)
{
	json_t *value = json_object_get(obj, key);
	*out = ZEEK_UNSET;
	if (value == NULL || json_is_null(value))
		return DN_OK;
	if (!json_is_boolean(value))
		return dn_fail(err, DN_EMALF, "%s is not true or false", key);
	*out = json_is_true(value);
	return DN_OK;
}

/* ts as a number of epoch seconds, or as a string in ISO 8601 form
 * (LogAscii::json_timestamps = JSON::TS_ISO8601) or epoch seconds. */
static bool json_time(json_t *value, int64_t *out)
{
	if (json_is_number(value)) {
		double t = json_number_value(value);
		if (!isfinite(t) || t < 0 || t >= 1e11)
			return false;
		*out = (int64_t)floor(t);
		return true;
	}
	if (!json_is_string(value))
		return false;
	const char *s = json_string_value(value);
	size_t len = json_string_length(value);
	if (strlen(s) != len)
		return false;
	if (len >= 11 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 2) &&
	    s[7] == '-' && all_digits(s + 8, 2) && (s[10] == 'T' || s[10] == ' '))
		return time_parse(s, 0, out) && *out >= 0;
	return parse_epoch(s, len, out);
}

static dn_status json_answers(struct zeek_json *j, json_t *obj, struct zeek_response *r,
                              struct dn_error *err)
{
	json_t *answers = json_object_get(obj, "answers");
	r->nanswers = 0;
	if (answers == NULL || json_is_null(answers))
		return DN_OK;
	if (!json_is_array(answers))
		return dn_fail(err, DN_EMALF, "answers is not an array");
	size_t n = json_array_size(answers);
	if (n == 0)
		return DN_OK;
	if (grow_texts(&j->answers, &j->answers_cap, n) == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		j->answers[i] = json_text(json_array_get(answers, i));
		if (!j->answers[i].set)
			return dn_fail(err, DN_EMALF, "answer %zu is not a string", i + 1);
	}
	r->answers = j->answers;
	r->nanswers = n;
	return DN_OK;
}

static dn_status json_string_field(json_t *obj, const char *key, struct zeek_text *out,
                                   struct dn_error *err)
{
	json_t *value = json_object_get(obj, key);
	*out = json_text(value);
	if (value != NULL && !json_is_null(value) && !out->set)
		return dn_fail(err, DN_EMALF, "%s is not a string", key);
	return DN_OK;
}

static dn_status json_response(struct zeek_json *j, json_t *obj, struct zeek_response *r,
                               struct dn_error *err)
{
	json_t *ts = json_object_get(obj, "ts");
	if (ts == NULL)
		return dn_fail(err, DN_EMALF, "no ts");
	r->time_valid = json_time(ts, &r->time);
	static const struct zeek_text number = {.data = "(a number)", .len = 10, .set = true};
	r->ts = json_is_string(ts) ? json_text(ts) : number;
	dn_status rc;
	if ((rc = json_string_field(obj, "query", &r->query, err)) != DN_OK ||
	    (rc = json_string_field(obj, "opcode_name", &r->opcode_name, err)) != DN_OK ||
	    (rc = json_string_field(obj, "proto", &r->proto, err)) != DN_OK ||
	    (rc = json_count(obj, "qclass", &r->qclass, err)) != DN_OK ||
	    (rc = json_count(obj, "qtype", &r->qtype, err)) != DN_OK ||
	    (rc = json_count(obj, "rcode", &r->rcode, err)) != DN_OK ||
	    (rc = json_count(obj, "opcode", &r->opcode, err)) != DN_OK ||
	    (rc = json_port(obj, "orig_p", &r->orig_p, err)) != DN_OK ||
	    (rc = json_port(obj, "resp_p", &r->resp_p, err)) != DN_OK ||
	    (rc = json_bool(obj, "TC", &r->tc, err)) != DN_OK ||
	    (rc = json_bool(obj, "RD", &r->rd, err)) != DN_OK ||
	    (rc = json_bool(obj, "rejected", &r->rejected, err)) != DN_OK)
		return rc;
	return json_answers(j, obj, r, err);
}

/* True when obj has a field only a dns.log record has. */
static bool has_dns_field(json_t *obj)
{
	static const char *const keys[] = {"query", "qtype", "qtype_name", "rcode", "trans_id"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (json_object_get(obj, keys[i]) != NULL)
			return true;
	}
	return false;
}

static dn_status json_line(void *state, const char *line, size_t len, feed_record_fn fn,
                           void *ctx, struct dn_error *err)
{
	struct zeek_json *j = state;
	size_t start = 0;
	while (start < len && (line[start] == ' ' || line[start] == '\t'))
		start++;
	if (start == len)
		return DN_OK;

	json_error_t jerr;
	json_t *obj = json_loadb(line + start, len - start,
	                         JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (obj == NULL)
		return dn_fail(err, DN_EMALF, "invalid JSON at column %d: %s", jerr.column + 1,
		               jerr.text);
	dn_status rc = DN_OK;
	json_t *path = json_object_get(obj, "_path");
	if (!json_is_object(obj)) {
		rc = dn_fail(err, DN_EMALF, "a JSON value that is not an object");
	} else if (json_object_get(obj, "event_type") != NULL) {
		rc = dn_fail(err, DN_EFORMAT, "a Suricata eve record, not a Zeek dns.log line");
	} else if (json_is_string(path) && strcmp(json_string_value(path), "dns") != 0) {
		rc = DN_OK; /* another log of a mixed stream */
	} else if (!has_dns_field(obj)) {
		rc = dn_fail(err, DN_EFORMAT, "a JSON object without dns.log fields (query, qtype, "
		                              "rcode or trans_id)");
	} else {
		struct zeek_response r = {0};
		rc = json_response(j, obj, &r, err);
		if (rc == DN_OK)
			rc = zeek_response_records(&j->scratch, &r, fn, ctx, err);
	}
	json_decref(obj);
	return rc;
}

/* The first line is a JSON object with dns.log keys: "_path":"dns", or
 * "uid" beside "query" or "qtype_name"; and no "event_type", which marks
 * Suricata's eve. A first line cut short by the buffer is matched by its
 * text. */
static bool json_detect(const char *buf, size_t len)
{
	size_t start = 0;
	while (start < len && (buf[start] == ' ' || buf[start] == '\t' || buf[start] == '\n' ||
	                       buf[start] == '\r'))
		start++;
	if (start == len || buf[start] != '{')
		return false;
	const char *end = memchr(buf + start, '\n', len - start);
	size_t line_len = end != NULL ? (size_t)(end - buf) - start : len - start;
	const char *line = buf + start;
	if (end != NULL) {
		json_t *obj = json_loadb(line, line_len, 0, NULL);
		bool dns = false;
		if (json_is_object(obj) && json_object_get(obj, "event_type") == NULL) {
			json_t *path = json_object_get(obj, "_path");
			bool dns_path = json_is_string(path) &&
			                strcmp(json_string_value(path), "dns") == 0;
			dns = dns_path || (json_object_get(obj, "uid") != NULL &&
			       (json_object_get(obj, "query") != NULL ||
			        json_object_get(obj, "qtype_name") != NULL));
		}
		json_decref(obj);
		return dns;
	}
	if (memmem(line, line_len, "\"event_type\"", 12) != NULL)
		return false;
	return memmem(line, line_len, "\"_path\":\"dns\"", 13) != NULL ||
	       (memmem(line, line_len, "\"uid\"", 5) != NULL &&
	        (memmem(line, line_len, "\"query\"", 7) != NULL ||
	         memmem(line, line_len, "\"qtype_name\"", 12) != NULL));
}

const struct feed_format_ops feed_zeek_json_ops = {
	.format = FEED_ZEEK_JSON,
	.name = "zeek-json",
	.state_size = sizeof(struct zeek_json),
	.fini = json_fini,
	.line = json_line,
	.detect = json_detect,
};
