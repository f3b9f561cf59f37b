/* DNSDB API version 2 over the store: lookup and summarize of rrsets and
 * rdata, answered in the Streaming Application Format (SAF).
 *
 * Paths, under /dnsdb/v2/lookup/ and /dnsdb/v2/summarize/:
 *   rrset/name/NAME[/RRTYPE[/BAILIWICK]]   rrset/raw/HEX[/RRTYPE[/BAILIWICK]]
 *   rdata/name/NAME[/RRTYPE]               rdata/raw/HEX[/RRTYPE]
 *   rdata/ip/ADDR, ADDR,PREFIXLEN or START-END
 * A SAF body is {"cond":"begin"}, one {"obj":{...}} line per result, then
 * {"cond":"succeeded"}, {"cond":"limited","msg":...} when more results
 * were left out, or {"cond":"failed","msg":...} when the store failed.
 *
 * The store keeps one row per (rrname, rrtype, bailiwick, rdata). DNSDB
 * answers an rrset lookup with whole rrsets, so the rows of one rrname,
 * rrtype and bailiwick that share time_first, time_last and count (the
 * records that were seen together) become one obj with an rdata list.
 * Rows with figures of their own stay objs of their own, so each obj's
 * times and count are those of every record it lists. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "dns/rdata.h"
#include "pdns/name.h"
#include "pdns/query.h"
#include "server/dnsdb.h"
#include "server/server.h"
#include "util/arena.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/timeutil.h"

/* DNSDB's default for a request without limit=. */
#define DNSDB_DEFAULT_LIMIT 10000
/* Maximum length of a raw value, in bytes (a name is at most 255). */
#define DNSDB_RAW_MAX 2048

/* ---- Parsing the request ---- */

static dn_status parse_type(const char *text, struct dnsdb_request *dr, struct dn_error *err)
{
	if (strcasecmp(text, "ANY") == 0)
		return DN_OK;
	if (strcasecmp(text, "ANY-DNSSEC") == 0) {
		dr->dnssec_only = true;
		return DN_OK;
	}
	if (!dns_type_parse(text, &dr->q.rrtype) || dr->q.rrtype == 0)
		return dn_fail(err, DN_EINVAL, "rrtype: unknown record type '%s'", text);
	return DN_OK;
}

static dn_status parse_hex(const char *text, struct dnsdb_request *dr, struct dn_error *err)
{
	size_t len = strlen(text);
	if (len == 0 || len % 2 != 0 || len / 2 > DNSDB_RAW_MAX)
		return dn_fail(err, DN_EINVAL,
		               "raw: expected an even number of hex digits, at most %d bytes: '%.80s'",
		               DNSDB_RAW_MAX, text);
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_digit_value(text[i]), lo = hex_digit_value(text[i + 1]);
		if (hi < 0 || lo < 0)
			return dn_fail(err, DN_EINVAL, "raw: not hex: '%.80s'", text);
		dr->raw[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	dr->raw_len = len / 2;
	return DN_OK;
}

/* The wire name that fills raw exactly, in presentation form; false when
 * raw is not one name. */
static bool raw_is_name(const struct dnsdb_request *dr, char *out, size_t size)
{
	size_t at = 0;
	while (at < dr->raw_len && dr->raw[at] != 0) {
		if (dr->raw[at] > 63)
			return false;
		at += dr->raw[at] + 1u;
	}
	if (at + 1 != dr->raw_len)
		return false;
	return dns_name_format(dr->raw, out, size) > 0;
}

/* rrset/raw: the owner name in wire form. */
static dn_status set_raw_rrname(struct dnsdb_request *dr, struct dn_error *err)
{
	char name[DNS_NAME_TEXT_MAX];
	if (!raw_is_name(dr, name, sizeof(name)))
		return dn_fail(err, DN_EINVAL, "rrset/raw: not a domain name in wire form");
	dr->raw_len = 0;
	/* A literal '*' label is a name here, never a wildcard. */
	if (name[0] == '*' && name[1] == '.') {
		char escaped[DNS_NAME_TEXT_MAX + 1];
		snprintf(escaped, sizeof(escaped), "\\%s", name);
		return pdns_query_set_rrname(&dr->q, escaped, err);
	}
	return pdns_query_set_rrname(&dr->q, name, err);
}

/* rdata/raw: search by the address or the name the rdata holds, and keep
 * the records whose rdata is exactly the raw value (see raw_matches()). */
static dn_status set_raw_rdata(struct dnsdb_request *dr, struct dn_error *err)
{
	uint16_t type = dr->q.rrtype;
	uint16_t rdlen = (uint16_t)dr->raw_len;
	ip_key ip;
	char name[DNS_NAME_TEXT_MAX];

	if (type == 0 && rdlen == 4)
		type = 1;
	else if (type == 0 && rdlen == 16)
		type = 28;
	if (type != 0 && dns_rdata_ip(type, dr->raw, rdlen, &ip)) {
		dr->q.kind = PDNS_QUERY_RDATA_IP;
		dr->q.range.lo = ip;
		dr->q.range.hi = ip;
		dr->q.range.family = ip_key_is_v4(&ip) ? 4 : 6;
		dr->q.rrtype = type;
		return DN_OK;
	}
	size_t tlen;
	const uint8_t *target = type != 0 ? dns_rdata_target(type, dr->raw, rdlen, &tlen) : NULL;
	bool found = false;
	if (target != NULL)
		found = dns_name_format(target, name, sizeof(name)) > 0;
	else if (type == 0)
		found = raw_is_name(dr, name, sizeof(name));
	if (!found)
		return dn_fail(err, DN_EINVAL,
		               "rdata/raw: only rdata that holds an address or a domain name can be "
		               "searched; give the rrtype for MX, SRV and similar types");
	dr->q.kind = PDNS_QUERY_RDATA_NAME;
	dr->q.match = PDNS_MATCH_EXACT;
	return pdns_name_normalize(name, dr->q.name, sizeof(dr->q.name), err);
}

static dn_status parse_path(const char *const *part, size_t n, struct dnsdb_request *dr,
                            struct dn_error *err)
{
	if (n < 3 || n > 5)
		return dn_fail(err, DN_EINVAL,
		               "path: expected rrset/name/NAME[/RRTYPE[/BAILIWICK]], "
		               "rrset/raw/HEX[/RRTYPE[/BAILIWICK]], rdata/name/NAME[/RRTYPE], "
		               "rdata/raw/HEX[/RRTYPE] or rdata/ip/ADDR");
	bool rrset = strcmp(part[0], "rrset") == 0;
	if (!rrset && strcmp(part[0], "rdata") != 0)
		return dn_fail(err, DN_EINVAL, "path: unknown lookup type '%.40s' (rrset or rdata)",
		               part[0]);
	if (part[2][0] == '\0')
		return dn_fail(err, DN_EINVAL, "path: nothing to look up after %s/%s/", part[0],
		               part[1]);
	dr->rrset = rrset;
	if (n >= 4 && part[3][0] != '\0' && parse_type(part[3], dr, err) != DN_OK)
		return err->code;
	if (n == 5) {
		if (!rrset)
			return dn_fail(err, DN_EINVAL, "path: rdata lookups take no bailiwick");
		if (pdns_name_normalize(part[4], dr->q.bailiwick, sizeof(dr->q.bailiwick), err)) {
			char why[sizeof(err->msg)];
			memcpy(why, err->msg, sizeof(why));
			return dn_fail(err, DN_EINVAL, "bailiwick: %.400s", why);
		}
		dr->q.has_bailiwick = true;
	}

	const char *value = part[2];
	if (strcmp(part[1], "name") == 0) {
		dn_status rc = rrset ? pdns_query_set_rrname(&dr->q, value, err)
		                     : pdns_query_set_rdata(&dr->q, value, err);
		if (rc == DN_OK && !rrset && dr->q.kind != PDNS_QUERY_RDATA_NAME)
			return dn_fail(err, DN_EINVAL, "rdata/name: '%.80s' is an address; use rdata/ip",
			               value);
		return rc;
	}
	if (strcmp(part[1], "raw") == 0) {
		if (parse_hex(value, dr, err) != DN_OK)
			return err->code;
		return rrset ? set_raw_rrname(dr, err) : set_raw_rdata(dr, err);
	}
	if (strcmp(part[1], "ip") == 0 && !rrset) {
		char range[128];
		if (n > 3)
			return dn_fail(err, DN_EINVAL, "path: rdata/ip takes no rrtype");
		if (strlen(value) >= sizeof(range))
			return dn_fail(err, DN_EINVAL, "rdata/ip: too long: '%.80s'", value);
		/* DNSDB writes a prefix as ADDR,LEN since '/' separates the path. */
		snprintf(range, sizeof(range), "%s", value);
		char *comma = strchr(range, ',');
		if (comma != NULL)
			*comma = '/';
		if (!ip_range_parse(range, &dr->q.range))
			return dn_fail(err, DN_EINVAL,
			               "rdata/ip: not an address, ADDR,PREFIXLEN or START-END: '%s'",
			               value);
		dr->q.kind = PDNS_QUERY_RDATA_IP;
		return DN_OK;
	}
	return dn_fail(err, DN_EINVAL, "path: unknown %s lookup '%.40s' (%s)", part[0], part[1],
	               rrset ? "name or raw" : "name, ip or raw");
}

/* A count: digits only, as DNSDB takes them. */
static dn_status parse_count(const char *name, const char *text, uint64_t *out,
                             struct dn_error *err)
{
	if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text) || strlen(text) > 18)
		return dn_fail(err, DN_EINVAL, "%s: not a number: '%.40s'", name, text);
	*out = strtoull(text, NULL, 10);
	return DN_OK;
}

/* A time fence: epoch seconds, or a negative number of seconds before now. */
static dn_status parse_fence(const char *name, const char *text, int64_t now, int64_t *out,
                             struct dn_error *err)
{
	const char *digits = text[0] == '-' ? text + 1 : text;
	if (digits[0] == '\0' || strspn(digits, "0123456789") != strlen(digits) ||
	    strlen(digits) > 12)
		return dn_fail(err, DN_EINVAL,
		               "%s: not epoch seconds or a negative age in seconds: '%.40s'", name,
		               text);
	int64_t value = strtoll(digits, NULL, 10);
	*out = text[0] == '-' ? now - value : value;
	return DN_OK;
}

static dn_status parse_flag(const char *name, const char *text, bool *out, struct dn_error *err)
{
	static const char *const yes[] = {"t", "true", "1", "yes"};
	static const char *const no[] = {"f", "false", "0", "no"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return DN_OK;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return DN_OK;
		}
	}
	return dn_fail(err, DN_EINVAL, "%s: expected t or f: '%.40s'", name, text);
}

dn_status dnsdb_request_parse(const char *const *parts, size_t nparts,
                              const struct dnsdb_args *args, uint64_t max_results, int64_t now,
                              struct dnsdb_request *dr, struct dn_error *err)
{
	memset(dr, 0, sizeof(*dr));
	pdns_query_init(&dr->q);
	if (parse_path(parts, nparts, dr, err) != DN_OK)
		return err->code;

	static const struct {
		const char *name;
		size_t at;
	} fences[] = {
	        {"time_first_before", offsetof(struct pdns_query, first_before)},
	        {"time_first_after", offsetof(struct pdns_query, first_after)},
	        {"time_last_before", offsetof(struct pdns_query, last_before)},
	        {"time_last_after", offsetof(struct pdns_query, last_after)},
	};
	const char *const fence_text[] = {args->time_first_before, args->time_first_after,
	                                  args->time_last_before, args->time_last_after};
	for (size_t i = 0; i < 4; i++) {
		if (fence_text[i] == NULL)
			continue;
		int64_t *fence = (int64_t *)((char *)&dr->q + fences[i].at);
		if (parse_fence(fences[i].name, fence_text[i], now, fence, err) != DN_OK)
			return err->code;
	}

	/* limit=0 requests the maximum the server allows. */
	uint64_t max_limit = max_results > 0 ? max_results : UINT64_MAX;
	dr->limit = DNSDB_DEFAULT_LIMIT;
	if (args->limit != NULL && parse_count("limit", args->limit, &dr->limit, err) != DN_OK)
		return err->code;
	if (dr->limit == 0 || dr->limit > max_limit)
		dr->limit = max_limit;
	if (args->offset != NULL && parse_count("offset", args->offset, &dr->offset, err) != DN_OK)
		return err->code;
	if (args->max_count != NULL &&
	    parse_count("max_count", args->max_count, &dr->max_count, err) != DN_OK)
		return err->code;
	bool aggr = true;
	if (args->aggr != NULL && parse_flag("aggr", args->aggr, &aggr, err) != DN_OK)
		return err->code;
	if (args->humantime != NULL &&
	    parse_flag("humantime", args->humantime, &dr->humantime, err) != DN_OK)
		return err->code;
	/* The store keeps aggregated records only, so aggr=f (DNSDB's
	 * "gravel", counts per time slice) gets the aggregated ones. */
	(void)aggr;
	return DN_OK;
}

/* ---- Running it ---- */

/* One stored record of the rrset being gathered, copied out of the store. */
struct gathered {
	const char *bailiwick;
	const char *rdata;
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
	size_t seq;
};

struct dnsdb_run {
	const struct dnsdb_request *dr;
	FILE *out;
	bool summarize;
	uint64_t results;        /* objs counted, past the offset */
	uint64_t skipped;        /* objs left out for the offset */
	bool limited;            /* an obj beyond the limit exists */
	bool counted_enough;     /* summarize reached max_count */
	bool out_of_memory;
	/* summarize */
	uint64_t count;
	int64_t first;
	int64_t last;
	/* rrset lookups: the records of the current (rrname, rrtype) */
	char *rrname;
	uint16_t rrtype;
	struct gathered *block;
	size_t nblock;
	size_t capacity;
	struct arena arena;
	/* rdata/raw: the raw value in presentation form for one rrtype */
	char *raw_text;
	size_t raw_size;
	uint16_t raw_text_type;
	bool raw_text_ok;
};

static void put_time(const struct dnsdb_run *r, json_t *obj, const char *key, int64_t t)
{
	if (r->dr->humantime) {
		char when[32];
		time_format_iso(t, when, sizeof(when));
		json_object_set_new(obj, key, json_string(when));
	} else {
		json_object_set_new(obj, key, json_integer(t));
	}
}

/* Write {"obj":obj} as a line and free obj. */
static void write_obj(struct dnsdb_run *r, json_t *obj)
{
	json_t *line = json_object();
	json_object_set_new(line, "obj", obj);
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(line);
	if (text == NULL) {
		r->out_of_memory = true;
		return;
	}
	fputs(text, r->out);
	fputc('\n', r->out);
	free(text);
}

/* One result: count it against offset and limit, then write it or add it
 * to the summary. DN_ELIMIT stops the query. */
static dn_status emit(struct dnsdb_run *r, const char *rrname, uint16_t rrtype,
                      const char *bailiwick, const char *const *rdata, size_t nrdata,
                      bool rdata_list, int64_t first, int64_t last, uint64_t count)
{
	if (r->results == r->dr->limit) {
		r->limited = true;
		return DN_ELIMIT;
	}
	if (r->skipped < r->dr->offset) {
		r->skipped++;
		return DN_OK;
	}
	r->results++;
	if (r->summarize) {
		r->count += count;
		if (first < r->first)
			r->first = first;
		if (last > r->last)
			r->last = last;
		if (r->dr->max_count > 0 && r->count >= r->dr->max_count) {
			r->counted_enough = true;
			return DN_ELIMIT;
		}
		return DN_OK;
	}

	char type[32];
	dns_type_format(rrtype, type, sizeof(type));
	json_t *obj = json_object();
	json_object_set_new(obj, "count", json_integer((json_int_t)count));
	put_time(r, obj, "time_first", first);
	put_time(r, obj, "time_last", last);
	json_object_set_new(obj, "rrname", json_string(rrname));
	json_object_set_new(obj, "rrtype", json_string(type));
	if (bailiwick[0] != '\0')
		json_object_set_new(obj, "bailiwick", json_string(bailiwick));
	if (rdata_list) {
		json_t *list = json_array();
		for (size_t i = 0; i < nrdata; i++)
			json_array_append_new(list, json_string(rdata[i]));
		json_object_set_new(obj, "rdata", list);
	} else {
		json_object_set_new(obj, "rdata", json_string(rdata[0]));
	}
	write_obj(r, obj);
	return r->out_of_memory ? DN_ENOMEM : DN_OK;
}

static int compare_gathered(const void *pa, const void *pb)
{
	const struct gathered *a = pa, *b = pb;
	int c = strcmp(a->bailiwick, b->bailiwick);
	if (c != 0)
		return c;
	if (a->time_first != b->time_first)
		return a->time_first < b->time_first ? -1 : 1;
	if (a->time_last != b->time_last)
		return a->time_last < b->time_last ? -1 : 1;
	if (a->count != b->count)
		return a->count < b->count ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool same_rrset(const struct gathered *a, const struct gathered *b)
{
	return strcmp(a->bailiwick, b->bailiwick) == 0 && a->time_first == b->time_first &&
	       a->time_last == b->time_last && a->count == b->count;
}

/* Emit the gathered records of one (rrname, rrtype) as rrsets. */
static dn_status flush_block(struct dnsdb_run *r)
{
	dn_status rc = DN_OK;
	qsort(r->block, r->nblock, sizeof(*r->block), compare_gathered);
	const char **rdata = malloc((r->nblock > 0 ? r->nblock : 1) * sizeof(*rdata));
	if (rdata == NULL) {
		r->out_of_memory = true;
		return DN_ENOMEM;
	}
	for (size_t i = 0; i < r->nblock && rc == DN_OK;) {
		size_t n = 0;
		const struct gathered *g = &r->block[i];
		while (i < r->nblock && same_rrset(g, &r->block[i]))
			rdata[n++] = r->block[i++].rdata;
		rc = emit(r, r->rrname, r->rrtype, g->bailiwick, rdata, n, true, g->time_first,
		          g->time_last, g->count);
	}
	free(rdata);
	r->nblock = 0;
	r->rrname = NULL;
	arena_reset(&r->arena);
	return rc;
}

static dn_status gather(struct dnsdb_run *r, const struct pdns_record *rec)
{
	if (r->nblock > 0 && (strcmp(r->rrname, rec->rrname) != 0 || r->rrtype != rec->rrtype)) {
		dn_status rc = flush_block(r);
		if (rc != DN_OK)
			return rc;
	}
	if (r->nblock == r->capacity) {
		size_t capacity = r->capacity == 0 ? 16 : r->capacity * 2;
		struct gathered *block = realloc(r->block, capacity * sizeof(*block));
		if (block == NULL)
			goto oom;
		r->block = block;
		r->capacity = capacity;
	}
	if (r->nblock == 0) {
		r->rrname = arena_dup(&r->arena, rec->rrname, strlen(rec->rrname) + 1);
		r->rrtype = rec->rrtype;
		if (r->rrname == NULL)
			goto oom;
	}
	struct gathered *g = &r->block[r->nblock];
	g->bailiwick = arena_dup(&r->arena, rec->bailiwick, strlen(rec->bailiwick) + 1);
	g->rdata = arena_dup(&r->arena, rec->rdata, strlen(rec->rdata) + 1);
	if (g->bailiwick == NULL || g->rdata == NULL)
		goto oom;
	g->time_first = rec->time_first;
	g->time_last = rec->time_last;
	g->count = rec->count;
	g->seq = r->nblock++;
	return DN_OK;
oom:
	r->out_of_memory = true;
	return DN_ENOMEM;
}

static bool is_dnssec_type(uint16_t type)
{
	/* DS, RRSIG, NSEC, DNSKEY, NSEC3, NSEC3PARAM and DLV, as DNSDB's
	 * ANY-DNSSEC selects them. */
	return type == 43 || type == 46 || type == 47 || type == 48 || type == 50 ||
	       type == 51 || type == 32769;
}

/* rdata/raw: whether rec's rdata is the raw value, compared in
 * presentation form under rec's own rrtype. */
static bool raw_matches(struct dnsdb_run *r, const struct pdns_record *rec)
{
	if (r->raw_text == NULL || r->raw_text_type != rec->rrtype) {
		long len = dns_rdata_format(rec->rrtype, r->dr->raw, (uint16_t)r->dr->raw_len,
		                            &r->raw_text, &r->raw_size);
		r->raw_text_type = rec->rrtype;
		r->raw_text_ok = len >= 0;
	}
	return r->raw_text_ok && strcmp(r->raw_text, rec->rdata) == 0;
}

static dn_status on_record(const struct pdns_record *rec, void *ctx)
{
	struct dnsdb_run *r = ctx;
	if (r->dr->dnssec_only && !is_dnssec_type(rec->rrtype))
		return DN_OK;
	if (r->dr->raw_len > 0 && !raw_matches(r, rec))
		return DN_OK;
	if (r->dr->rrset)
		return gather(r, rec);
	const char *rdata = rec->rdata;
	return emit(r, rec->rrname, rec->rrtype, rec->bailiwick, &rdata, 1, false,
	            rec->time_first, rec->time_last, rec->count);
}

static void write_cond(FILE *out, const char *cond, const char *msg)
{
	json_t *line = json_object();
	json_object_set_new(line, "cond", json_string(cond));
	if (msg != NULL)
		json_object_set_new(line, "msg", json_string(msg));
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(line);
	if (text != NULL) {
		fputs(text, out);
		fputc('\n', out);
		free(text);
	}
}

static void write_summary(struct dnsdb_run *r)
{
	json_t *obj = json_object();
	json_object_set_new(obj, "count", json_integer((json_int_t)r->count));
	json_object_set_new(obj, "num_results", json_integer((json_int_t)r->results));
	if (r->results > 0) {
		put_time(r, obj, "time_first", r->first);
		put_time(r, obj, "time_last", r->last);
	}
	write_obj(r, obj);
}

void dnsdb_run(struct store *store, const struct dnsdb_request *dr, bool summarize, FILE *out)
{
	struct dnsdb_run r = {
	        .dr = dr,
	        .out = out,
	        .summarize = summarize,
	        .first = INT64_MAX,
	        .last = INT64_MIN,
	};
	struct pdns_query q = dr->q;
	struct dn_error err = {0};

	arena_init(&r.arena, 16384);
	/* Rrsets are gathered from records in name order. An unfiltered rdata
	 * lookup lets the store stop after offset + limit records, plus one
	 * that tells whether the response is limited. Gathered and filtered
	 * records may make fewer objs than records, so those queries read on
	 * until emit() stops them. */
	q.sort = dr->rrset ? PDNS_SORT_NAME : PDNS_SORT_FIRST;
	q.offset = 0;
	q.limit = 0;
	bool filtered = dr->dnssec_only || dr->raw_len > 0;
	if (!dr->rrset && !filtered && dr->limit < UINT64_MAX - dr->offset - 1)
		q.limit = dr->offset + dr->limit + 1;

	write_cond(out, "begin", NULL);
	dn_status rc = store_query_rrsets(store, &q, on_record, &r, &err);
	if (rc == DN_OK && r.nblock > 0)
		rc = flush_block(&r);
	if (rc == DN_ELIMIT && (r.limited || r.counted_enough))
		rc = DN_OK;
	if (summarize && rc == DN_OK)
		write_summary(&r);

	char msg[sizeof(err.msg)];
	if (r.out_of_memory)
		write_cond(out, "failed", "out of memory");
	else if (rc != DN_OK && err.msg[0] == '\0')
		write_cond(out, "failed", dn_strerror(rc));
	else if (rc != DN_OK && server_hide_paths(err.msg, msg, sizeof(msg))) {
		log_error("DNSDB lookup failed: %s", err.msg);
		write_cond(out, "failed", msg);
	} else if (rc != DN_OK)
		write_cond(out, "failed", err.msg);
	else if (r.limited)
		write_cond(out, "limited", "Result limit reached");
	else
		write_cond(out, "succeeded", NULL);

	free(r.block);
	free(r.raw_text);
	arena_free(&r.arena);
}
