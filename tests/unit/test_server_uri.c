/* Tests of the server's reading of request targets (server/server_uri.h)
 * and of the hiding of server paths in error messages (server/server.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/server.h"
#include "server/server_uri.h"

static void handler_stub(struct server_request *req, struct server_response *res)
{
	(void)req;
	(void)res;
}

static const struct server_param pdns_params[] = {
	{"q", false}, {"limit", false}, {"seed", true}, {NULL, false}};
static const struct server_param no_params[] = {{NULL, false}};
static const struct server_route pdns_route = {"GET", "/api/v1/pdns", true, SERVER_ROLE_READ,
                                               handler_stub, pdns_params};
static const struct server_route lookup_route = {
	"GET", "/dnsdb/v2/lookup/", false, SERVER_ROLE_READ, handler_stub, no_params};
static const struct server_route open_route = {"GET", "/static/", false, SERVER_ROLE_NONE,
                                               handler_stub, NULL};

static void test_path_segments(void **state)
{
	(void)state;
	struct server_uri uri;
	struct dn_error err;
	server_uri_init(&uri);
	assert_int_equal(server_uri_set_path(&uri,
	                                     "/dnsdb/v2/lookup/rrset/name/5.0%2f26.2.0.192.in-addr.arpa/PTR",
	                                     &err),
	                 DN_OK);
	assert_int_equal(uri.nsegments, 7);
	assert_string_equal(uri.segments[0], "dnsdb");
	assert_string_equal(uri.segments[5], "5.0/26.2.0.192.in-addr.arpa");
	assert_string_equal(uri.segments[6], "PTR");
	/* Routes see the encoded slash as %2F, so it separates no segments. */
	assert_string_equal(uri.path, "/dnsdb/v2/lookup/rrset/name/5.0%2F26.2.0.192.in-addr.arpa/PTR");

	assert_int_equal(server_uri_route(&uri, &lookup_route, &err), DN_OK);
	assert_int_equal(uri.nrest, 4);
	assert_string_equal(uri.rest_segments[0], "rrset");
	assert_string_equal(uri.rest_segments[2], "5.0/26.2.0.192.in-addr.arpa");
	assert_string_equal(uri.rest, "rrset/name/5.0/26.2.0.192.in-addr.arpa/PTR");
	server_uri_free(&uri);

	/* Other escapes are decoded; '%' and '/' come back encoded in path. */
	server_uri_init(&uri);
	assert_int_equal(server_uri_set_path(&uri, "/static/a%20b%25c%41/", &err), DN_OK);
	assert_int_equal(uri.nsegments, 3);
	assert_string_equal(uri.segments[1], "a b%cA");
	assert_string_equal(uri.segments[2], "");
	assert_string_equal(uri.path, "/static/a b%25cA/");
	assert_int_equal(server_uri_route(&uri, &open_route, &err), DN_OK);
	assert_string_equal(uri.rest, "a b%cA/");
	server_uri_free(&uri);

	/* An exact route has no rest. */
	server_uri_init(&uri);
	assert_int_equal(server_uri_set_path(&uri, "/api/v1/pdns", &err), DN_OK);
	assert_int_equal(server_uri_route(&uri, &pdns_route, &err), DN_OK);
	assert_string_equal(uri.rest, "");
	assert_int_equal(uri.nrest, 0);
	server_uri_free(&uri);
}

static void test_path_errors(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		const char *message;
	} cases[] = {
		{"/api/v1/whois/a%00b", "path segment 'a%00b': %00 (a NUL byte) is not allowed"},
		{"/x/a%zz", "path segment 'a%zz': invalid percent-encoding '%zz'"},
		{"/x/a%", "path segment 'a%': invalid percent-encoding '%'"},
		{"/x/a%4", "path segment 'a%4': invalid percent-encoding '%4'"},
		{"/x/a%4/b", "path segment 'a%4': invalid percent-encoding '%4'"},
		{"/x/%g0", "invalid percent-encoding '%g0'"},
		{"*", "path: '*' does not start with '/'"},
		{"", "path: '' does not start with '/'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct server_uri uri;
		struct dn_error err = {0};
		server_uri_init(&uri);
		if (server_uri_set_path(&uri, cases[i].raw, &err) != DN_EINVAL)
			fail_msg("'%s' was accepted", cases[i].raw);
		if (strstr(err.msg, cases[i].message) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].raw, err.msg,
			         cases[i].message);
		server_uri_free(&uri);
	}
}

static void test_args(void **state)
{
	(void)state;
	struct server_uri uri;
	struct dn_error err;
	server_uri_init(&uri);
	assert_int_equal(server_uri_add_arg(&uri, "q", "a%2Bb%26c%3D", &err), DN_OK);
	assert_int_equal(server_uri_add_arg(&uri, "seed", "x", &err), DN_OK);
	assert_int_equal(server_uri_add_arg(&uri, "s%65ed", "y", &err), DN_OK);
	assert_int_equal(server_uri_add_arg(&uri, "limit", NULL, &err), DN_OK);
	/* "&&" leaves an empty argument, which is skipped. */
	assert_int_equal(server_uri_add_arg(&uri, "", NULL, &err), DN_OK);
	assert_int_equal(uri.nargs, 4);
	assert_string_equal(server_uri_arg(&uri, "q", 0), "a+b&c=");
	assert_string_equal(server_uri_arg(&uri, "seed", 0), "x");
	assert_string_equal(server_uri_arg(&uri, "seed", 1), "y");
	assert_null(server_uri_arg(&uri, "seed", 2));
	assert_string_equal(server_uri_arg(&uri, "limit", 0), "");
	assert_null(server_uri_arg(&uri, "offset", 0));
	assert_int_equal(server_uri_check_args(&uri, &pdns_route, &err), DN_OK);

	assert_int_equal(server_uri_add_arg(&uri, "q", "b", &err), DN_OK);
	assert_int_equal(server_uri_check_args(&uri, &pdns_route, &err), DN_EINVAL);
	assert_string_equal(err.msg, "q: given more than once; give it once");
	/* A route without a list takes anything, repeated or not. */
	assert_int_equal(server_uri_check_args(&uri, &open_route, &err), DN_OK);
	server_uri_free(&uri);

	server_uri_init(&uri);
	assert_int_equal(server_uri_add_arg(&uri, "q", "a", &err), DN_OK);
	assert_int_equal(server_uri_add_arg(&uri, "bogus", "1", &err), DN_OK);
	assert_int_equal(server_uri_check_args(&uri, &pdns_route, &err), DN_EINVAL);
	assert_string_equal(err.msg, "bogus: unknown parameter; /api/v1/pdns takes q, limit, seed");
	assert_int_equal(server_uri_check_args(&uri, &lookup_route, &err), DN_EINVAL);
	assert_string_equal(err.msg, "q: unknown parameter; /dnsdb/v2/lookup/ takes none");
	server_uri_free(&uri);

	static const struct {
		const char *name;
		const char *value;
		const char *message;
	} bad[] = {
		{"q", "a%00b", "q: %00 (a NUL byte) is not allowed"},
		{"q", "a%zz", "q: invalid percent-encoding '%zz'"},
		{"q", "%", "q: invalid percent-encoding '%'"},
		{"li%00mit", "1", "parameter name 'li%00mit': %00 (a NUL byte) is not allowed"},
		{"%x", NULL, "parameter name '%x': invalid percent-encoding '%x'"},
		{"", "1", "query argument '=1' has no name"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dn_error e = {0};
		server_uri_init(&uri);
		if (server_uri_add_arg(&uri, bad[i].name, bad[i].value, &e) != DN_EINVAL)
			fail_msg("'%s=%s' was accepted", bad[i].name, bad[i].value ? bad[i].value : "");
		if (strstr(e.msg, bad[i].message) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].name, e.msg, bad[i].message);
		assert_int_equal(uri.nargs, 0);
		server_uri_free(&uri);
	}
}

static void test_hide_paths(void **state)
{
	(void)state;
	char out[512];
	server_hide_clear();
	assert_false(server_hide_paths("/srv/dragnet/store.db: begin failed", out, sizeof(out)));
	assert_string_equal(out, "/srv/dragnet/store.db: begin failed");

	server_hide_path("/srv/dragnet/store.db", "the store");
	server_hide_path("/srv/dragnet", "the data folder");
	server_hide_path("db", "the short store");
	server_hide_path("", "nothing");
	assert_true(server_hide_paths("cannot read database /srv/dragnet/store.db: file is not a "
	                              "database",
	                              out, sizeof(out)));
	assert_string_equal(out, "cannot read database the store: file is not a database");
	/* The longer path wins where both match, and suffixes stay. */
	assert_true(server_hide_paths("/srv/dragnet/store.db-wal and /srv/dragnet/other", out,
	                              sizeof(out)));
	assert_string_equal(out, "the store-wal and the data folder/other");
	/* A path inside a longer word or path is left alone. */
	assert_false(server_hide_paths("dnsdb lookup of /var/srv/dragnet2 in dbx", out,
	                               sizeof(out)));
	assert_string_equal(out, "dnsdb lookup of /var/srv/dragnet2 in dbx");
	assert_true(server_hide_paths("open 'db': denied", out, sizeof(out)));
	assert_string_equal(out, "open 'the short store': denied");
	/* Output is cut to its size. */
	char small[12];
	assert_true(server_hide_paths("/srv/dragnet/store.db is gone", small, sizeof(small)));
	assert_string_equal(small, "the store i");

	/* server_error() hides them in the body and keeps the message for the log. */
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	assert_non_null(f);
	struct server_response res = {.body = f};
	server_error(&res, 503, "%s: begin failed: database is locked", "/srv/dragnet/store.db");
	fclose(f);
	assert_string_equal(body, "{\"error\":\"the store: begin failed: database is locked\"}\n");
	assert_string_equal(res.log_message, "/srv/dragnet/store.db: begin failed: database is locked");
	free(body);
	server_hide_clear();
	assert_false(server_hide_paths("/srv/dragnet/store.db", out, sizeof(out)));
}

/* Optional whitespace around a header value is dropped, and the rest is kept byte for byte. */
static void test_header_trim(void **state)
{
	(void)state;
	char out[16];
	const char *plain = "KEY";
	const char *leading = " \tKEY";

	assert_ptr_equal(server_header_trim(plain, out, sizeof(out)), plain);
	assert_null(server_header_trim(NULL, out, sizeof(out)));
	assert_string_equal(server_header_trim(leading, out, sizeof(out)), "KEY");
	assert_string_equal(server_header_trim("KEY \t ", out, sizeof(out)), "KEY");
	assert_string_equal(server_header_trim("\tA B\t", out, sizeof(out)), "A B");
	assert_string_equal(server_header_trim(" \t ", out, sizeof(out)), "");
	/* A value too long for out comes back untrimmed. */
	const char *long_value = "0123456789abcdefXYZ ";
	assert_ptr_equal(server_header_trim(long_value, out, sizeof(out)), long_value);
}

/* The request line as libmicrohttpd 0.9.75 leaves it in its buffer: NUL over the space
 * before the version. */
static void test_target_nul(void **state)
{
	(void)state;
	static const char clean[] = "/api/v1/pdns?q=a.example\0HTTP/1.1";
	static const char cut[] = "/api/v1/pdns?q=a.example\0&type=TXT\0HTTP/1.1";
	size_t clean_len = strlen(clean);
	size_t cut_len = strlen(cut);

	assert_false(server_target_has_nul(clean, clean_len, clean + clean_len + 1));
	assert_true(server_target_has_nul(cut, cut_len, cut + sizeof(cut) - sizeof("HTTP/1.1")));
	/* A version stored before the target, or none at all, proves nothing. */
	assert_false(server_target_has_nul(cut + 5, cut_len - 5, cut));
	assert_false(server_target_has_nul(NULL, 0, cut));
	assert_false(server_target_has_nul(cut, cut_len, NULL));
}

static void test_target_control(void **state)
{
	(void)state;
	static const char del[] = "/api/v1/pdns?q=login\x7fpaypa1-secure.example";
	static const char tab[] = "/api/v1/whois/a\tb.example";
	static const char escape[] = "/\x1b[2J";

	assert_null(server_target_control("/api/v1/pdns?q=a.example&type=A"));
	assert_null(server_target_control("/api/v1/pdns?q=caf%C3%A9.example%7F"));
	assert_null(server_target_control("/caf\xc3\xa9"));
	assert_ptr_equal(server_target_control(del), del + 20);
	assert_ptr_equal(server_target_control(tab), tab + 15);
	assert_ptr_equal(server_target_control(escape), escape + 1);
	static const char first[] = "\x01/";
	assert_ptr_equal(server_target_control(first), first);
}

/* Header lines as libmicrohttpd 0.9.75 leaves them in its buffer: NUL over each CR and LF. */
static void test_header_value_cut(void **state)
{
	(void)state;
	static const char crlf[] = "X-Api-Key: KEY\0\0Accept: */*\0\0\0\0";
	static const char lf[] = "X-Api-Key: KEY\0Accept: */*\0\0";
	static const char two_nuls[] = "X-Api-Key: KEY\0\0junk\0\0Accept: */*\0\0\0\0";
	static const char trailing_nul[] = "X-Api-Key: KEY\0\0\0Accept: */*\0\0\0\0";
	static const char trailing_nul_lf[] = "X-Api-Key: KEY\0\0Accept: */*\0\0";
	static const char last_junk[] = "Accept: */*\0\0junk\0\0\0\0";
	static const char last_junk_lf[] = "Accept: */*\0junk\0\0";
	const char *crlf_end = crlf + 14;
	const char *lf_end = lf + 14;

	assert_false(server_header_value_cut(crlf_end, crlf_end + 2, 2));
	assert_false(server_header_value_cut(crlf_end, crlf_end + 2, 0));
	assert_false(server_header_value_cut(crlf + 27, NULL, 2));
	assert_false(server_header_value_cut(lf_end, lf_end + 1, 1));
	/* A header line may end in a bare LF inside a CR LF request. */
	assert_false(server_header_value_cut(lf_end, lf_end + 1, 2));
	assert_false(server_header_value_cut(lf + 26, NULL, 1));

	assert_true(server_header_value_cut(two_nuls + 14, two_nuls + 22, 2));
	assert_true(server_header_value_cut(two_nuls + 14, two_nuls + 22, 0));
	assert_true(server_header_value_cut(trailing_nul + 14, trailing_nul + 17, 2));
	assert_true(server_header_value_cut(trailing_nul_lf + 14, trailing_nul_lf + 16, 1));
	assert_true(server_header_value_cut(last_junk + 11, NULL, 2));
	/* With LF line ends the same bytes are the blank line and then the body. */
	assert_false(server_header_value_cut(last_junk + 11, NULL, 1));
	assert_true(server_header_value_cut(last_junk_lf + 11, NULL, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_segments),
		cmocka_unit_test(test_path_errors),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_hide_paths),
		cmocka_unit_test(test_header_trim),
		cmocka_unit_test(test_target_nul),
		cmocka_unit_test(test_target_control),
		cmocka_unit_test(test_header_value_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
