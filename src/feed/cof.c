/* Passive DNS Common Output Format (draft-dulaunoy-dnsop-passive-dns-cof):
 * one JSON object per line, as CIRCL's passive DNS, `dnsdbq -j` and
 * `dragnet pdns --json` write them. Times and counts may be numbers or
 * strings; rdata may be one string or an array of them. */
#include "feed/cof.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns/rdata.h"
#include "feed/feed_impl.h"
#include "feed/json_line.h"

/* Longest piece of an offending value quoted in an error message. */
#define QUOTE_MAX 64

/* Describe value for an error message: a string in quotes (cut to
 * QUOTE_MAX bytes), a number, or the JSON type. */
static const char *describe(const json_t *value, char *buf, size_t size)
{
	switch (json_typeof(value)) {
	case JSON_STRING:
		snprintf(buf, size, "\"%.*s\"", (int)(json_string_length(value) < QUOTE_MAX
		                                          ? json_string_length(value)
		                                          : QUOTE_MAX),
		         json_string_value(value));
		break;
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
		break;
	case JSON_REAL:
		snprintf(buf, size, "%g", json_real_value(value));
		break;
	case JSON_OBJECT:
		snprintf(buf, size, "an object");
		break;
	case JSON_ARRAY:
		snprintf(buf, size, "an array");
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		snprintf(buf, size, "a boolean");
		break;
	case JSON_NULL:
	default:
		snprintf(buf, size, "null");
		break;
	}
	return buf;
}

/* A member that is absent or JSON null reads as NULL. */
static const json_t *member(const json_t *obj, const char *key)
{
	const json_t *value = json_object_get(obj, key);
	return json_is_null(value) ? NULL : value;
}

/* A string without NUL bytes, which C strings would cut short. */
static bool is_text(const json_t *value)
{
	return json_is_string(value) &&
	       strlen(json_string_value(value)) == json_string_length(value);
}

static dn_status read_rrtype(const json_t *value, uint16_t *rrtype, struct dn_error *err)
{
	char buf[QUOTE_MAX + 8];
	if (value == NULL)
		return dn_fail(err, DN_EMALF, "missing rrtype");
	if (json_is_integer(value) && json_integer_value(value) >= 0 &&
	    json_integer_value(value) <= UINT16_MAX) {
		*rrtype = (uint16_t)json_integer_value(value);
		return DN_OK;
	}
	if (is_text(value) && dns_type_parse(json_string_value(value), rrtype))
		return DN_OK;
	return dn_fail(err, DN_EMALF, "invalid rrtype %s: expected a type name such as AAAA or "
	               "TYPE65280", describe(value, buf, sizeof(buf)));
}

static dn_status read_time(const json_t *obj, const char *key, int64_t *epoch, bool *present,
                           struct dn_error *err)
{
	char buf[QUOTE_MAX + 8];
	const json_t *value = member(obj, key);
	*present = value != NULL;
	if (value == NULL || json_time_value(value, epoch))
		return DN_OK;
	return dn_fail(err, DN_EMALF, "invalid %s %s: expected epoch seconds or an ISO 8601 time",
	               key, describe(value, buf, sizeof(buf)));
}

/* time_first/time_last, which sensors set, or else the zone file times
 * zone_time_first/zone_time_last. A pair with one half missing is taken as
 * one sighting at the time given. */
static dn_status read_times(const json_t *obj, int64_t *first, int64_t *last,
                            struct dn_error *err)
{
	static const char *const pairs[2][2] = {
		{"time_first", "time_last"},
		{"zone_time_first", "zone_time_last"},
	};
	for (int i = 0; i < 2; i++) {
		bool has_first, has_last;
		dn_status rc = read_time(obj, pairs[i][0], first, &has_first, err);
		if (rc == DN_OK)
			rc = read_time(obj, pairs[i][1], last, &has_last, err);
		if (rc != DN_OK)
			return rc;
		if (!has_first && !has_last)
			continue;
		if (!has_first)
			*first = *last;
		if (!has_last)
			*last = *first;
		if (*first > *last)
			return dn_fail(err, DN_EMALF, "%s is later than %s", pairs[i][0],
			               pairs[i][1]);
		return DN_OK;
	}
	return dn_fail(err, DN_EMALF, "missing time: the object needs time_first and time_last, "
	               "or zone_time_first and zone_time_last");
}

static dn_status read_count(const json_t *obj, uint64_t *count, struct dn_error *err)
{
	char buf[QUOTE_MAX + 8];
	const json_t *value = member(obj, "count");
	*count = 1;
	if (value == NULL)
		return DN_OK;
	if (json_count_value(value, count) && *count > 0)
		return DN_OK;
	return dn_fail(err, DN_EMALF, "invalid count %s: expected a whole number of at least 1",
	               describe(value, buf, sizeof(buf)));
}

static dn_status read_rcode(const json_t *value, uint16_t *rcode, struct dn_error *err)
{
	char buf[QUOTE_MAX + 8];
	if (json_is_integer(value) && json_integer_value(value) >= 0 &&
	    json_integer_value(value) <= 4095) {
		*rcode = (uint16_t)json_integer_value(value);
		return DN_OK;
	}
	if (is_text(value)) {
		/* NODATA is NOERROR without data, stored as rcode 0. */
		if (strcasecmp(json_string_value(value), "NODATA") == 0) {
			*rcode = 0;
			return DN_OK;
		}
		if (dns_rcode_parse(json_string_value(value), rcode))
			return DN_OK;
	}
	return dn_fail(err, DN_EMALF, "invalid rcode %s: expected NXDOMAIN, SERVFAIL, NODATA, ... "
	               "or a number", describe(value, buf, sizeof(buf)));
}

/* Check rdata before any record goes out, so a bad element delivers nothing. */
static dn_status check_rdata(const json_t *rdata, struct dn_error *err)
{
	char buf[QUOTE_MAX + 8];
	if (is_text(rdata))
		return DN_OK;
	if (!json_is_array(rdata))
		return dn_fail(err, DN_EMALF, "invalid rdata %s: expected a string or an array of "
		               "strings", describe(rdata, buf, sizeof(buf)));
	if (json_array_size(rdata) == 0)
		return dn_fail(err, DN_EMALF, "rdata is an empty array");
	size_t i;
	const json_t *item;
	json_array_foreach(rdata, i, item) {
		if (!is_text(item))
			return dn_fail(err, DN_EMALF, "invalid rdata[%zu] %s: expected a string", i,
			               describe(item, buf, sizeof(buf)));
	}
	return DN_OK;
}

dn_status cof_object_parse(const json_t *obj, feed_record_fn fn, void *ctx, struct dn_error *err)
{
	struct feed_record rec = {0};
	const json_t *rrname = member(obj, "rrname");
	if (!is_text(rrname) || json_string_length(rrname) == 0)
		return dn_fail(err, DN_EMALF, "%s rrname: expected a domain name string",
		               rrname == NULL ? "missing" : "invalid");
	rec.rrname = json_string_value(rrname);

	dn_status rc = read_rrtype(member(obj, "rrtype"), &rec.rrtype, err);
	if (rc == DN_OK)
		rc = read_times(obj, &rec.time_first, &rec.time_last, err);
	if (rc == DN_OK)
		rc = read_count(obj, &rec.count, err);
	if (rc != DN_OK)
		return rc;

	const json_t *bailiwick = member(obj, "bailiwick");
	if (bailiwick != NULL && !is_text(bailiwick))
		return dn_fail(err, DN_EMALF, "invalid bailiwick: expected a domain name string");
	if (bailiwick != NULL && json_string_length(bailiwick) > 0)
		rec.bailiwick = json_string_value(bailiwick);

	const json_t *rdata = member(obj, "rdata");
	const json_t *rcode = member(obj, "rcode");
	if (rdata == NULL && rcode != NULL) {
		rec.negative = true;
		if ((rc = read_rcode(rcode, &rec.rcode, err)) != DN_OK)
			return rc;
		return fn(&rec, ctx);
	}
	if (rdata == NULL)
		return dn_fail(err, DN_EMALF, "missing rdata (and no rcode that would make the "
		               "object a negative answer)");
	if ((rc = check_rdata(rdata, err)) != DN_OK)
		return rc;

	if (json_is_string(rdata)) {
		rec.rdata = json_string_value(rdata);
		return fn(&rec, ctx);
	}
	size_t i;
	const json_t *item;
	json_array_foreach(rdata, i, item) {
		rec.rdata = json_string_value(item);
		if ((rc = fn(&rec, ctx)) != DN_OK)
			return rc;
	}
	return DN_OK;
}

static dn_status cof_line(void *state, const char *line, size_t len, feed_record_fn fn, void *ctx,
                          struct dn_error *err)
{
	(void)state;
	if (json_line_is_blank(line, len))
		return DN_OK;
	json_t *obj;
	dn_status rc = json_line_load(line, len, JSON_REJECT_DUPLICATES, &obj, err);
	if (rc != DN_OK)
		return rc;
	rc = cof_object_parse(obj, fn, ctx, err);
	json_decref(obj);
	return rc;
}

/* A first line that is an object naming rrname, rrtype and rdata (or the
 * rcode of a negative) with a time or a count. The keys are looked for as
 * text, since buf may end inside the line. */
static bool cof_detect(const char *buf, size_t len)
{
	const char *line;
	size_t n;
	if (!json_line_first(buf, len, &line, &n) || line[0] != '{')
		return false;
	if (json_line_has(line, n, "\"event_type\""))
		return false;
	bool has_data = json_line_has(line, n, "\"rdata\"") || json_line_has(line, n, "\"rcode\"");
	bool has_time = json_line_has(line, n, "\"time_first\"") ||
	                json_line_has(line, n, "\"time_last\"") ||
	                json_line_has(line, n, "\"zone_time_first\"") ||
	                json_line_has(line, n, "\"zone_time_last\"") ||
	                json_line_has(line, n, "\"count\"");
	return json_line_has(line, n, "\"rrname\"") && json_line_has(line, n, "\"rrtype\"") &&
	       has_data && has_time;
}

const struct feed_format_ops feed_cof_ops = {
	.format = FEED_COF,
	.name = "cof",
	.line = cof_line,
	.detect = cof_detect,
};
