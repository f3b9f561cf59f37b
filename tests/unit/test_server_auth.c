/* Tests for the API keys (server/apikey.h) and the routing, authorization
 * and JSON errors of dragnet serve (server/server_internal.h). The key hash
 * below was computed with Python's hashlib:
 * sha256(bytes(range(16)) + b"0123456789ab." + b"5" * 64). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "server/apikey.h"
#include "server/server.h"
#include "server/server_internal.h"

#define KEY_ID "0123456789ab"
#define KEY_TEXT KEY_ID ".5555555555555555555555555555555555555555555555555555555555555555"
#define KEY_SALT "000102030405060708090a0b0c0d0e0f"
#define KEY_HASH "32b9c5838283b123a9e3d09eb28f0a694c7aeedf6b0219661bf21869ccabe55b"
#define KEY_LINE KEY_ID "\tread\t" KEY_SALT "\t" KEY_HASH "\t1700000000\t0\tanalyst one\n"

static void test_parse_valid_file(void **state)
{
	(void)state;
	const char text[] = "# comment\n\n" KEY_LINE
	                    "abcdef012345\twrite\t" KEY_SALT "\t" KEY_HASH "\t1700000001\t1700000500\t\r\n";
	struct apikey_set set = {0};
	unsigned line = 99;
	struct dn_error err;
	assert_int_equal(apikey_parse(text, strlen(text), &set, &line, &err), DN_OK);
	assert_int_equal(line, 0);
	assert_int_equal(set.n, 2);
	assert_string_equal(set.keys[0].id, KEY_ID);
	assert_int_equal(set.keys[0].role, SERVER_ROLE_READ);
	assert_int_equal(set.keys[0].salt[15], 0x0f);
	assert_int_equal(set.keys[0].hash[0], 0x32);
	assert_int_equal(set.keys[0].created, 1700000000);
	assert_int_equal(set.keys[0].revoked, 0);
	assert_string_equal(set.keys[0].name, "analyst one");
	assert_int_equal(set.keys[1].role, SERVER_ROLE_WRITE);
	assert_int_equal(set.keys[1].revoked, 1700000500);
	assert_string_equal(set.keys[1].name, "");
	apikey_set_free(&set);
}

/* Each malformed line is reported with its line number and the field. */
static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
		{"0123456789a\tread\t" KEY_SALT "\t" KEY_HASH "\t1\t0\tx\n", "id"},
		{KEY_ID "\tadmin\t" KEY_SALT "\t" KEY_HASH "\t1\t0\tx\n", "role"},
		{KEY_ID "\tread\t0001\t" KEY_HASH "\t1\t0\tx\n", "salt"},
		{KEY_ID "\tread\t" KEY_SALT "\tABCD\t1\t0\tx\n", "hash"},
		{KEY_ID "\tread\t" KEY_SALT "\t" KEY_HASH "\t-1\t0\tx\n", "created"},
		{KEY_ID "\tread\t" KEY_SALT "\t" KEY_HASH "\t1\tnever\tx\n", "revoked"},
		{KEY_ID "\tread\t" KEY_SALT "\t" KEY_HASH "\t1\t0\n", "too few"},
		{KEY_ID "\tread\t" KEY_SALT "\t" KEY_HASH "\t1\t0\tx\ty\n", "too many"},
		{KEY_ID "\tread\t" KEY_SALT "\t" KEY_HASH "\t1\t0\tbell\a\n", "name"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		snprintf(text, sizeof(text), "# keys\n%s", cases[i].text);
		struct apikey_set set = {0};
		unsigned line = 0;
		struct dn_error err = {0};
		dn_status rc = apikey_parse(text, strlen(text), &set, &line, &err);
		if (rc != DN_EMALF)
			fail_msg("case %zu: status %d, expected DN_EMALF", i, rc);
		assert_int_equal(line, 2);
		if (strstr(err.msg, cases[i].needle) == NULL)
			fail_msg("case %zu: message '%s' does not name '%s'", i, err.msg,
			         cases[i].needle);
		apikey_set_free(&set);
	}

	const char twice[] = KEY_LINE KEY_LINE;
	struct apikey_set set = {0};
	unsigned line = 0;
	struct dn_error err;
	assert_int_equal(apikey_parse(twice, strlen(twice), &set, &line, &err), DN_EMALF);
	assert_int_equal(line, 2);
	assert_non_null(strstr(err.msg, "twice"));
	apikey_set_free(&set);
}

static void test_format_round_trip(void **state)
{
	(void)state;
	struct apikey_set set = {0};
	unsigned line;
	struct dn_error err;
	assert_int_equal(apikey_parse(KEY_LINE, strlen(KEY_LINE), &set, &line, &err), DN_OK);
	char out[APIKEY_LINE_MAX];
	assert_int_equal(apikey_format(&set.keys[0], out, sizeof(out), &err), DN_OK);
	assert_string_equal(out, KEY_LINE);

	struct apikey bad = set.keys[0];
	strcpy(bad.name, "tab\there");
	assert_int_equal(apikey_format(&bad, out, sizeof(out), &err), DN_EINVAL);
	assert_int_equal(apikey_format(&set.keys[0], out, 20, &err), DN_ELIMIT);
	apikey_set_free(&set);
}

static void test_check_presented_keys(void **state)
{
	(void)state;
	struct apikey_set set = {0};
	unsigned line;
	struct dn_error err;
	assert_int_equal(apikey_parse(KEY_LINE, strlen(KEY_LINE), &set, &line, &err), DN_OK);
	const struct apikey *match;

	assert_int_equal(apikey_check(&set, KEY_TEXT, NULL, &match), APIKEY_OK);
	assert_ptr_equal(match, &set.keys[0]);
	assert_int_equal(apikey_check(&set, KEY_TEXT, KEY_ID, &match), APIKEY_OK);
	assert_int_equal(apikey_check(&set, KEY_TEXT, "someone", &match), APIKEY_WRONG_USER);

	char wrong[] = KEY_TEXT;
	wrong[sizeof(wrong) - 2] = '6';
	assert_int_equal(apikey_check(&set, wrong, NULL, &match), APIKEY_WRONG);
	assert_ptr_equal(match, &set.keys[0]);

	char unknown[] = KEY_TEXT;
	unknown[0] = 'f';
	assert_int_equal(apikey_check(&set, unknown, NULL, &match), APIKEY_UNKNOWN);
	assert_null(match);
	assert_int_equal(apikey_check(&set, "", NULL, &match), APIKEY_MALFORMED);
	assert_int_equal(apikey_check(&set, KEY_ID, NULL, &match), APIKEY_MALFORMED);
	assert_int_equal(apikey_check(&set, KEY_TEXT "5", NULL, &match), APIKEY_MALFORMED);
	assert_int_equal(apikey_check(&set, "' OR 1=1 --", NULL, &match), APIKEY_MALFORMED);

	set.keys[0].revoked = 1700000100;
	assert_int_equal(apikey_check(&set, KEY_TEXT, NULL, &match), APIKEY_REVOKED);
	apikey_set_free(&set);
}

static void test_generate_and_check(void **state)
{
	(void)state;
	struct apikey_set set = {0};
	char texts[2][APIKEY_TEXT_MAX];
	struct dn_error err;
	for (int i = 0; i < 2; i++) {
		struct apikey key;
		assert_int_equal(apikey_generate(SERVER_ROLE_WRITE, "ci", 1700000000, &key, texts[i],
		                                 &err),
		                 DN_OK);
		assert_int_equal(strlen(texts[i]), APIKEY_ID_HEX + 1 + APIKEY_SECRET_HEX);
		assert_memory_equal(texts[i], key.id, APIKEY_ID_HEX);
		char line[APIKEY_LINE_MAX];
		assert_int_equal(apikey_format(&key, line, sizeof(line), &err), DN_OK);
		/* The file line never contains the secret. */
		assert_null(strstr(line, texts[i] + APIKEY_ID_HEX + 1));
		unsigned lineno;
		assert_int_equal(apikey_parse(line, strlen(line), &set, &lineno, &err), DN_OK);
	}
	assert_string_not_equal(texts[0], texts[1]);
	const struct apikey *match;
	assert_int_equal(apikey_check(&set, texts[0], NULL, &match), APIKEY_OK);
	assert_ptr_equal(match, &set.keys[0]);
	assert_int_equal(match->role, SERVER_ROLE_WRITE);
	assert_int_equal(apikey_check(&set, texts[1], NULL, &match), APIKEY_OK);
	assert_ptr_equal(match, &set.keys[1]);

	struct apikey key;
	char text[APIKEY_TEXT_MAX];
	assert_int_equal(apikey_generate(SERVER_ROLE_READ, "line\nend", 1, &key, text, &err),
	                 DN_EINVAL);
	apikey_set_free(&set);
}

static void test_keys_file_append_revoke(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	char path[1100];
	char template[1024];
	snprintf(template, sizeof(template), "%s/dragnet-apikey-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(template));
	snprintf(path, sizeof(path), "%s/keys", template);

	struct dn_error err;
	struct apikey a, b;
	char ta[APIKEY_TEXT_MAX], tb[APIKEY_TEXT_MAX];
	assert_int_equal(apikey_generate(SERVER_ROLE_READ, "a", 100, &a, ta, &err), DN_OK);
	assert_int_equal(apikey_generate(SERVER_ROLE_WRITE, "b", 200, &b, tb, &err), DN_OK);
	assert_int_equal(apikey_append(path, &a, &err), DN_OK);
	assert_int_equal(apikey_append(path, &b, &err), DN_OK);
	assert_int_equal(apikey_append(path, &a, &err), DN_EINVAL);
	int64_t revoked_before = -1;
	assert_int_equal(apikey_revoke(path, b.id, 300, &revoked_before, &err), DN_OK);
	assert_int_equal(revoked_before, 0);
	/* A second revocation changes nothing and reports the first time. */
	assert_int_equal(apikey_revoke(path, b.id, 400, &revoked_before, &err), DN_OK);
	assert_int_equal(revoked_before, 300);
	assert_int_equal(apikey_revoke(path, "ffffffffffff", 300, &revoked_before, &err),
	                 DN_ENOENT);

	struct apikey_set set = {0};
	assert_int_equal(apikey_load(path, &set, &err), DN_OK);
	assert_int_equal(set.n, 2);
	assert_string_equal(set.keys[0].id, a.id);
	assert_int_equal(set.keys[0].revoked, 0);
	assert_string_equal(set.keys[1].id, b.id);
	assert_int_equal(set.keys[1].revoked, 300);
	const struct apikey *match;
	assert_int_equal(apikey_check(&set, ta, NULL, &match), APIKEY_OK);
	assert_int_equal(apikey_check(&set, tb, NULL, &match), APIKEY_REVOKED);
	apikey_set_free(&set);

	/* The file is private, and a wider mode gets a warning naming it. */
	char warning[4096];
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_false(apikey_mode_warning(path, warning, sizeof(warning)));
	assert_int_equal(chmod(path, 0640), 0);
	assert_true(apikey_mode_warning(path, warning, sizeof(warning)));
	assert_non_null(strstr(warning, "mode 0640"));
	assert_non_null(strstr(warning, path));

	char missing[1100];
	snprintf(missing, sizeof(missing), "%s/none", template);
	assert_int_equal(apikey_load(missing, &set, &err), DN_ENOENT);
	assert_false(apikey_mode_warning(missing, warning, sizeof(warning)));
	unlink(path);
	rmdir(template);
}

/* ---- routing and authorization ---- */

static void handler_stub(struct server_request *req, struct server_response *res)
{
	(void)req;
	(void)res;
}

static const struct server_route table_a[] = {
	{"GET", "/api/v1/pdns", true, SERVER_ROLE_READ, handler_stub, NULL},
	{"POST", "/api/v1/ingest", true, SERVER_ROLE_WRITE, handler_stub, NULL},
	{"GET", "/dnsdb/v2/ping", true, SERVER_ROLE_NONE, handler_stub, NULL},
	{NULL, NULL, false, SERVER_ROLE_NONE, NULL, NULL},
};

static const struct server_route table_b[] = {
	{"GET", "/dnsdb/v2/lookup/", false, SERVER_ROLE_READ, handler_stub, NULL},
	{"PUT", "/api/v1/ingest", true, SERVER_ROLE_WRITE, handler_stub, NULL},
	{NULL, NULL, false, SERVER_ROLE_NONE, NULL, NULL},
};

static const struct server_route table_any[] = {
	{NULL, "/", false, SERVER_ROLE_NONE, handler_stub, NULL},
	{NULL, NULL, false, SERVER_ROLE_NONE, NULL, NULL},
};

static void test_route_find(void **state)
{
	(void)state;
	const struct server_route *const only_a[] = {table_a, NULL};
	const struct server_route *const both[] = {table_a, table_b, NULL};
	const struct server_route *route;
	char allow[64];

	assert_int_equal(server_route_find(only_a, "GET", "/api/v1/pdns", &route, allow,
	                                   sizeof(allow)),
	                 200);
	assert_ptr_equal(route, &table_a[0]);
	assert_int_equal(server_route_find(only_a, "HEAD", "/api/v1/pdns", &route, allow,
	                                   sizeof(allow)),
	                 200);
	/* An exact route does not match longer paths. */
	assert_int_equal(server_route_find(only_a, "GET", "/api/v1/pdnsx", &route, allow,
	                                   sizeof(allow)),
	                 404);
	assert_null(route);
	assert_int_equal(server_route_find(only_a, "DELETE", "/api/v1/pdns", &route, allow,
	                                   sizeof(allow)),
	                 405);
	/* A GET route serves HEAD too, so Allow lists both. */
	assert_string_equal(allow, "GET, HEAD");
	assert_int_equal(server_route_find(both, "GET", "/api/v1/ingest", &route, allow,
	                                   sizeof(allow)),
	                 405);
	assert_string_equal(allow, "POST, PUT");

	/* A prefix route matches what follows it; the first table wins. */
	assert_int_equal(server_route_find(both, "GET", "/dnsdb/v2/lookup/rrset/name/x", &route,
	                                   allow, sizeof(allow)),
	                 200);
	assert_ptr_equal(route, &table_b[0]);
	assert_int_equal(server_route_find(both, "GET", "/dnsdb/v2/ping", &route, allow,
	                                   sizeof(allow)),
	                 200);
	assert_ptr_equal(route, &table_a[2]);
	/* A route with no method takes any. */
	const struct server_route *const with_any[] = {table_a, table_any, NULL};
	assert_int_equal(server_route_find(with_any, "OPTIONS", "/index.html", &route, allow,
	                                   sizeof(allow)),
	                 200);
	assert_ptr_equal(route, &table_any[0]);

	const struct server_route *const none[] = {NULL};
	assert_int_equal(server_route_find(none, "GET", "/", &route, allow, sizeof(allow)), 404);
}

static void test_authorize_roles(void **state)
{
	(void)state;
	const struct server_route *read = &table_a[0], *write = &table_a[1], *open = &table_a[2];

	/* No key. */
	assert_int_equal(server_authorize(read, false, SERVER_ROLE_NONE, false), 401);
	assert_int_equal(server_authorize(read, false, SERVER_ROLE_NONE, true), 0);
	assert_int_equal(server_authorize(write, false, SERVER_ROLE_NONE, true), 401);
	assert_int_equal(server_authorize(open, false, SERVER_ROLE_NONE, false), 0);

	/* An invalid key is rejected everywhere, even where none is needed. */
	assert_int_equal(server_authorize(read, true, SERVER_ROLE_NONE, true), 401);
	assert_int_equal(server_authorize(open, true, SERVER_ROLE_NONE, false), 401);

	assert_int_equal(server_authorize(read, true, SERVER_ROLE_READ, false), 0);
	assert_int_equal(server_authorize(write, true, SERVER_ROLE_READ, false), 403);
	assert_int_equal(server_authorize(write, true, SERVER_ROLE_READ, true), 403);
	assert_int_equal(server_authorize(read, true, SERVER_ROLE_WRITE, false), 0);
	assert_int_equal(server_authorize(write, true, SERVER_ROLE_WRITE, false), 0);
}

/* server_error() replaces what the handler wrote before it failed. */
static void test_error_replaces_body(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *body = open_memstream(&buf, &len);
	assert_non_null(body);
	struct server_response res = {.status = 200, .body = body};
	fputs("{\"records\": [{\"rrname\": \"partial.example.\"}, ", body);
	server_error(&res, 400, "limit: not a number: '%s'", "a\"b");
	assert_int_equal(fclose(body), 0);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.content_type, "application/json");

	json_error_t jerr;
	json_t *obj = json_loadb(buf, len, 0, &jerr);
	if (obj == NULL)
		fail_msg("error body '%.*s' is not JSON: %s", (int)len, buf, jerr.text);
	assert_int_equal(json_object_size(obj), 1);
	assert_string_equal(json_string_value(json_object_get(obj, "error")),
	                    "limit: not a number: 'a\"b'");
	json_decref(obj);
	free(buf);

	struct server_response small = {0};
	for (int i = 0; i < SERVER_MAX_HEADERS; i++)
		assert_true(server_add_header(&small, "X-A: b"));
	assert_false(server_add_header(&small, "X-A: b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid_file),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_check_presented_keys),
		cmocka_unit_test(test_generate_and_check),
		cmocka_unit_test(test_keys_file_append_revoke),
		cmocka_unit_test(test_route_find),
		cmocka_unit_test(test_authorize_roles),
		cmocka_unit_test(test_error_replaces_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
