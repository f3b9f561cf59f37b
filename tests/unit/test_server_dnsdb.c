/* Tests of the DNSDB API v2 request model (server/dnsdb.h): paths and
 * arguments, rrset grouping, limits, filters and the SAF framing, run
 * against a SQLite store of hand-made records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "server/dnsdb.h"
#include "store/store.h"

#define NOW 1700000000

static char db_path[4096];
static struct store *store;

static struct pdns_record rec(const char *rrname, uint16_t type, const char *bailiwick,
                              const char *rdata, int64_t first, int64_t last, uint64_t count,
                              uint32_t source)
{
	struct pdns_record r = {
		.rrname = rrname,
		.rrtype = type,
		.bailiwick = bailiwick,
		.rdata = rdata,
		.time_first = first,
		.time_last = last,
		.count = count,
		.source_id = source,
	};
	r.has_ip = (type == 1 || type == 28) && ip_key_parse(rdata, &r.ip);
	return r;
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	struct dn_error err = {0};
	uint32_t source;
	snprintf(db_path, sizeof(db_path), "%s/test_server_dnsdb_%d.db", tmp ? tmp : "/tmp",
	         (int)getpid());
	unlink(db_path);
	if (store_open(db_path, STORE_WRITE, NULL, &store, &err) != DN_OK)
		fail_msg("store_open: %s", err.msg);
	assert_int_equal(store_source_id(store, "test", "file", &source, &err), DN_OK);

	/* www.example.com A: .1 and .2 seen together (one rrset), .3 alone. */
	struct pdns_record recs[] = {
		rec("www.example.com.", 1, "example.com.", "192.0.2.1", 100, 200, 5, source),
		rec("www.example.com.", 1, "example.com.", "192.0.2.2", 100, 200, 5, source),
		rec("www.example.com.", 1, "example.com.", "192.0.2.3", 300, 400, 2, source),
		rec("www.example.com.", 28, "example.com.", "2001:db8::1", 100, 200, 5, source),
		rec("mail.example.com.", 1, "example.com.", "192.0.2.9", 500, 600, 1, source),
		rec("example.com.", 2, "com.", "ns1.example.net.", 50, 900, 7, source),
		rec("example.com.", 43, "com.", "12345 8 2 "
		    "49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD",
		    50, 900, 7, source),
		rec("alias.example.org.", 5, "example.org.", "www.example.com.", 150, 160, 3, source),
		rec("other.example.org.", 5, "example.org.", "mail.example.com.", 150, 160, 3,
		    source),
		/* An RFC 2317 classless delegation name: a '/' inside a label. */
		rec("5.0/26.2.0.192.in-addr.arpa.", 12, "2.0.192.in-addr.arpa.",
		    "host5.example.test.", 700, 800, 4, source),
	};
	recs[5].rdata_name = "ns1.example.net.";
	recs[7].rdata_name = "www.example.com.";
	recs[8].rdata_name = "mail.example.com.";
	recs[9].rdata_name = "host5.example.test.";
	assert_int_equal(store_begin(store, &err), DN_OK);
	if (store_put_rrsets(store, recs, sizeof(recs) / sizeof(recs[0]), &err) != DN_OK)
		fail_msg("put_rrsets: %s", err.msg);
	assert_int_equal(store_commit(store, &err), DN_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char extra[4200];
	store_close(store);
	unlink(db_path);
	snprintf(extra, sizeof(extra), "%s-wal", db_path);
	unlink(extra);
	snprintf(extra, sizeof(extra), "%s-shm", db_path);
	unlink(extra);
	return 0;
}

/* The SAF lines of one response: objs in order and the terminator. */
struct answer {
	json_t *objs;    /* array of the "obj" members */
	char cond[32];   /* the last line's cond */
	char msg[256];
};

static void answer_free(struct answer *a)
{
	json_decref(a->objs);
}

/* Split text, a path after /dnsdb/v2/lookup/ whose segments contain no
 * '/', at each '/' into parts (16 at most). */
static size_t split_text(char *text, const char **parts)
{
	size_t n = 0;
	for (char *p = text; p != NULL && n < 16;) {
		parts[n++] = p;
		p = strchr(p, '/');
		if (p != NULL)
			*p++ = '\0';
	}
	return n;
}

static dn_status parse_text(const char *rest, const struct dnsdb_args *args,
                            uint64_t max_results, struct dnsdb_request *dr,
                            struct dn_error *err)
{
	char copy[8192];
	const char *parts[16];
	assert_true(strlen(rest) < sizeof(copy));
	strcpy(copy, rest);
	size_t n = split_text(copy, parts);
	return dnsdb_request_parse(parts, n, args, max_results, NOW, dr, err);
}

/* Run the request given as path segments and collect its response. */
static dn_status run_parts(const char *const *parts, size_t nparts,
                           const struct dnsdb_args *args, bool summarize, struct answer *a,
                           struct dn_error *err);

static dn_status run(const char *rest, const struct dnsdb_args *args, bool summarize,
                     struct answer *a, struct dn_error *err)
{
	char copy[8192];
	const char *parts[16];
	assert_true(strlen(rest) < sizeof(copy));
	strcpy(copy, rest);
	size_t n = split_text(copy, parts);
	return run_parts(parts, n, args, summarize, a, err);
}

static dn_status run_parts(const char *const *parts, size_t nparts,
                           const struct dnsdb_args *args, bool summarize, struct answer *a,
                           struct dn_error *err)
{
	static const struct dnsdb_args none;
	struct dnsdb_request *dr = malloc(sizeof(*dr));
	assert_non_null(dr);
	dn_status rc = dnsdb_request_parse(parts, nparts, args != NULL ? args : &none, 0, NOW, dr,
	                                   err);
	if (rc != DN_OK) {
		free(dr);
		return rc;
	}
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	dnsdb_run(store, dr, summarize, out);
	fclose(out);
	free(dr);

	/* Check the framing line by line. */
	memset(a, 0, sizeof(*a));
	a->objs = json_array();
	char *save = NULL;
	size_t lines = 0;
	bool ended = false;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		json_error_t jerr;
		json_t *root = json_loads(line, 0, &jerr);
		if (root == NULL)
			fail_msg("not JSON: %s", line);
		assert_false(ended);
		const char *cond = json_string_value(json_object_get(root, "cond"));
		json_t *obj = json_object_get(root, "obj");
		if (lines == 0) {
			assert_string_equal(cond, "begin");
			assert_int_equal(json_object_size(root), 1);
		} else if (obj != NULL) {
			assert_int_equal(json_object_size(root), 1);
			json_array_append(a->objs, obj);
		} else {
			assert_non_null(cond);
			snprintf(a->cond, sizeof(a->cond), "%s", cond);
			const char *msg = json_string_value(json_object_get(root, "msg"));
			snprintf(a->msg, sizeof(a->msg), "%s", msg != NULL ? msg : "");
			ended = true;
		}
		json_decref(root);
	}
	assert_true(ended);
	free(text);
	return DN_OK;
}

static json_t *obj_at(const struct answer *a, size_t i)
{
	return json_array_get(a->objs, i);
}

static const char *str(json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	if (v == NULL)
		fail_msg("no string %s", key);
	return v;
}

static json_int_t num(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void test_rrset_grouping(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	assert_int_equal(run("rrset/name/www.example.com/A", NULL, false, &a, &err), DN_OK);
	assert_string_equal(a.cond, "succeeded");
	assert_int_equal(json_array_size(a.objs), 2);
	/* The rrset of two records, then the record seen alone. */
	json_t *o = obj_at(&a, 0);
	assert_string_equal(str(o, "rrname"), "www.example.com.");
	assert_string_equal(str(o, "rrtype"), "A");
	assert_string_equal(str(o, "bailiwick"), "example.com.");
	assert_int_equal(num(o, "count"), 5);
	assert_int_equal(num(o, "time_first"), 100);
	assert_int_equal(num(o, "time_last"), 200);
	json_t *rdata = json_object_get(o, "rdata");
	assert_int_equal(json_array_size(rdata), 2);
	assert_string_equal(json_string_value(json_array_get(rdata, 0)), "192.0.2.1");
	assert_string_equal(json_string_value(json_array_get(rdata, 1)), "192.0.2.2");
	o = obj_at(&a, 1);
	assert_int_equal(num(o, "count"), 2);
	assert_int_equal(json_array_size(json_object_get(o, "rdata")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "rdata"), 0)),
	                    "192.0.2.3");
	answer_free(&a);

	/* Without a type, AAAA comes as an rrset of its own. */
	assert_int_equal(run("rrset/name/www.example.com", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 3);
	answer_free(&a);
}

static void test_limit_offset(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	struct dnsdb_args args = {.limit = "1"};
	assert_int_equal(run("rrset/name/www.example.com/A", &args, false, &a, &err), DN_OK);
	assert_string_equal(a.cond, "limited");
	assert_true(a.msg[0] != '\0');
	assert_int_equal(json_array_size(a.objs), 1);
	answer_free(&a);

	/* A limit that every result fits in is not "limited". */
	args.limit = "2";
	assert_int_equal(run("rrset/name/www.example.com/A", &args, false, &a, &err), DN_OK);
	assert_string_equal(a.cond, "succeeded");
	answer_free(&a);

	args = (struct dnsdb_args){.offset = "1"};
	assert_int_equal(run("rrset/name/www.example.com/A", &args, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_int_equal(num(obj_at(&a, 0), "count"), 2);
	answer_free(&a);

	args = (struct dnsdb_args){.limit = "1"};
	assert_int_equal(run("rdata/ip/192.0.2.0,24", &args, false, &a, &err), DN_OK);
	assert_string_equal(a.cond, "limited");
	assert_int_equal(json_array_size(a.objs), 1);
	answer_free(&a);
}

static void test_wildcards_and_bailiwick(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	assert_int_equal(run("rrset/name/*.example.com/A", NULL, false, &a, &err), DN_OK);
	/* www: two rrsets, mail: one. */
	assert_int_equal(json_array_size(a.objs), 3);
	answer_free(&a);

	assert_int_equal(run("rrset/name/www.example.*", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 3);
	answer_free(&a);

	assert_int_equal(run("rrset/name/example.com/ANY/com", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 2);
	answer_free(&a);
	assert_int_equal(run("rrset/name/example.com/ANY/net", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 0);
	assert_string_equal(a.cond, "succeeded");
	answer_free(&a);

	assert_int_equal(run("rrset/name/example.com/ANY-DNSSEC", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_string_equal(str(obj_at(&a, 0), "rrtype"), "DS");
	answer_free(&a);
}

static void test_rdata_lookups(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	assert_int_equal(run("rdata/ip/192.0.2.2", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	/* rdata lookups return one obj per record, rdata as a string. */
	assert_string_equal(str(obj_at(&a, 0), "rdata"), "192.0.2.2");
	answer_free(&a);

	assert_int_equal(run("rdata/ip/192.0.2.2-192.0.2.9", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 3);
	answer_free(&a);

	assert_int_equal(run("rdata/ip/2001:db8::,32", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_string_equal(str(obj_at(&a, 0), "rrtype"), "AAAA");
	answer_free(&a);

	assert_int_equal(run("rdata/name/www.example.com/CNAME", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_string_equal(str(obj_at(&a, 0), "rrname"), "alias.example.org.");
	answer_free(&a);

	assert_int_equal(run("rdata/name/*.example.com", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 2);
	answer_free(&a);
}

static void test_raw(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	/* 03 www 07 example 03 com 00 */
	assert_int_equal(run("rrset/raw/03777777076578616d706c6503636f6d00/A", NULL, false, &a,
	                     &err),
	                 DN_OK);
	assert_int_equal(json_array_size(a.objs), 2);
	answer_free(&a);

	/* c0 00 02 03 is 192.0.2.3 */
	assert_int_equal(run("rdata/raw/c0000203", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_string_equal(str(obj_at(&a, 0), "rdata"), "192.0.2.3");
	answer_free(&a);

	/* 04 mail 07 example 03 com 00, the rdata of other's CNAME */
	assert_int_equal(run("rdata/raw/046d61696c076578616d706c6503636f6d00", NULL, false, &a,
	                     &err),
	                 DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_string_equal(str(obj_at(&a, 0), "rrname"), "other.example.org.");
	answer_free(&a);

	assert_int_equal(run("rdata/raw/abc", NULL, false, &a, &err), DN_EINVAL);
	assert_int_equal(run("rdata/raw/zz", NULL, false, &a, &err), DN_EINVAL);
	assert_int_equal(run("rrset/raw/0377", NULL, false, &a, &err), DN_EINVAL);
}

static void test_time_fences(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	struct dnsdb_args args = {.time_last_after = "300"};
	assert_int_equal(run("rrset/name/www.example.com/A", &args, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_int_equal(num(obj_at(&a, 0), "time_last"), 400);
	answer_free(&a);

	args = (struct dnsdb_args){.time_first_before = "200"};
	assert_int_equal(run("rrset/name/www.example.com/A", &args, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_int_equal(num(obj_at(&a, 0), "time_first"), 100);
	answer_free(&a);

	/* A negative fence counts back from now: everything is older. */
	args = (struct dnsdb_args){.time_last_after = "-3600"};
	assert_int_equal(run("rrset/name/www.example.com/A", &args, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 0);
	answer_free(&a);
	args = (struct dnsdb_args){.time_first_before = "-3600"};
	assert_int_equal(run("rrset/name/www.example.com/A", &args, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 2);
	answer_free(&a);

	args = (struct dnsdb_args){.humantime = "t"};
	assert_int_equal(run("rrset/name/mail.example.com", &args, false, &a, &err), DN_OK);
	assert_string_equal(str(obj_at(&a, 0), "time_first"), "1970-01-01T00:08:20Z");
	answer_free(&a);
}

static void test_summarize(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	assert_int_equal(run("rrset/name/www.example.com/A", NULL, true, &a, &err), DN_OK);
	assert_string_equal(a.cond, "succeeded");
	assert_int_equal(json_array_size(a.objs), 1);
	json_t *o = obj_at(&a, 0);
	assert_int_equal(num(o, "count"), 7);
	assert_int_equal(num(o, "num_results"), 2);
	assert_int_equal(num(o, "time_first"), 100);
	assert_int_equal(num(o, "time_last"), 400);
	answer_free(&a);

	struct dnsdb_args args = {.max_count = "3"};
	assert_int_equal(run("rrset/name/www.example.com/A", &args, true, &a, &err), DN_OK);
	assert_int_equal(num(obj_at(&a, 0), "num_results"), 1);
	assert_int_equal(num(obj_at(&a, 0), "count"), 5);
	answer_free(&a);

	assert_int_equal(run("rdata/ip/198.51.100.0,24", NULL, true, &a, &err), DN_OK);
	o = obj_at(&a, 0);
	assert_int_equal(num(o, "count"), 0);
	assert_int_equal(num(o, "num_results"), 0);
	assert_null(json_object_get(o, "time_first"));
	answer_free(&a);
}

static void test_bad_requests(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	static const char *const bad_paths[] = {
		"", "rrset", "rrset/name", "rrset/name/", "rrset/bogus/x", "rdata/ip/example.com",
		"rdata/ip/192.0.2.0,33", "rdata/ip/192.0.2.1/A", "rdata/name/192.0.2.1",
		"rrset/name/www.example.com/NOTATYPE", "rrset/name/a/A/b/c",
		"rdata/name/example.com/A/com", "rrset/name/a..b", "lookup/rrset/name/x",
	};
	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		if (run(bad_paths[i], NULL, false, &a, &err) != DN_EINVAL)
			fail_msg("'%s' was accepted", bad_paths[i]);
		assert_true(err.msg[0] != '\0');
	}

	struct dnsdb_args args = {.limit = "1;DROP TABLE rrset"};
	assert_int_equal(run("rrset/name/www.example.com", &args, false, &a, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "limit"));
	args = (struct dnsdb_args){.offset = "-1"};
	assert_int_equal(run("rrset/name/www.example.com", &args, false, &a, &err), DN_EINVAL);
	args = (struct dnsdb_args){.time_first_after = "1' OR '1'='1"};
	assert_int_equal(run("rrset/name/www.example.com", &args, false, &a, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "time_first_after"));
	args = (struct dnsdb_args){.aggr = "maybe"};
	assert_int_equal(run("rrset/name/www.example.com", &args, false, &a, &err), DN_EINVAL);

	/* SQL in a name is a name that nothing owns, and the store is intact. */
	assert_int_equal(run("rrset/name/a'--.example", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 0);
	assert_string_equal(a.cond, "succeeded");
	answer_free(&a);
	assert_int_equal(run("rrset/name/x');DROP-TABLE-rrset;--", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 0);
	answer_free(&a);
	/* White space is no part of a name. */
	assert_int_equal(run("rrset/name/x');DROP TABLE rrset;--", NULL, false, &a, &err),
	                 DN_EINVAL);
	assert_int_equal(run("rrset/name/www.example.com/A", NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 2);
	answer_free(&a);
}

static void test_limit_caps(void **state)
{
	(void)state;
	struct dnsdb_request *dr = malloc(sizeof(*dr));
	struct dn_error err;
	struct dnsdb_args args = {0};
	assert_int_equal(parse_text("rrset/name/x", &args, 0, dr, &err), DN_OK);
	assert_int_equal(dr->limit, 10000);
	args.limit = "0";
	assert_int_equal(parse_text("rrset/name/x", &args, 500, dr, &err), DN_OK);
	assert_int_equal(dr->limit, 500);
	args.limit = "600";
	assert_int_equal(parse_text("rrset/name/x", &args, 500, dr, &err), DN_OK);
	assert_int_equal(dr->limit, 500);
	args.limit = "0";
	assert_int_equal(parse_text("rrset/name/x", &args, 0, dr, &err), DN_OK);
	assert_true(dr->limit == UINT64_MAX);
	free(dr);
}

/* A name with '/' in a label arrives as one segment (the client sent
 * %2F) and is looked up whole, by owner and in rdata. */
static void test_slash_in_name(void **state)
{
	(void)state;
	struct answer a;
	struct dn_error err;
	const char *owner[] = {"rrset", "name", "5.0/26.2.0.192.in-addr.arpa", "PTR"};
	assert_int_equal(run_parts(owner, 4, NULL, false, &a, &err), DN_OK);
	assert_string_equal(a.cond, "succeeded");
	assert_int_equal(json_array_size(a.objs), 1);
	json_t *o = obj_at(&a, 0);
	assert_string_equal(str(o, "rrname"), "5.0/26.2.0.192.in-addr.arpa.");
	assert_string_equal(str(o, "rrtype"), "PTR");
	assert_int_equal(num(o, "count"), 4);
	answer_free(&a);

	const char *reverse[] = {"rdata", "name", "host5.example.test"};
	assert_int_equal(run_parts(reverse, 3, NULL, false, &a, &err), DN_OK);
	assert_int_equal(json_array_size(a.objs), 1);
	assert_string_equal(str(obj_at(&a, 0), "rrname"), "5.0/26.2.0.192.in-addr.arpa.");
	answer_free(&a);

	/* Split at the '/', the same name reads as NAME/RRTYPE and fails. */
	assert_int_equal(run("rrset/name/5.0/26.2.0.192.in-addr.arpa", NULL, false, &a, &err),
	                 DN_EINVAL);
	assert_non_null(strstr(err.msg, "rrtype"));
	/* Six segments are one too many. */
	const char *six[] = {"rrset", "name", "a.example", "A", "example", "x"};
	assert_int_equal(run_parts(six, 6, NULL, false, &a, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "path: expected"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rrset_grouping),
		cmocka_unit_test(test_limit_offset),
		cmocka_unit_test(test_wildcards_and_bailiwick),
		cmocka_unit_test(test_rdata_lookups),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_time_fences),
		cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_limit_caps),
		cmocka_unit_test(test_slash_in_name),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
