/* Tests for the target syntax of the TLS grab client and the checks it makes
 * before it connects (lookup/tls_grab.h). Nothing here opens a connection:
 * every tls_grab() call is rejected before the socket is created. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lookup/tls_grab.h"

struct target_case {
	const char *text;
	const char *host;
	unsigned port;
	bool is_address;
	const char *name;
};

static void test_valid_targets(void **state)
{
	(void)state;
	static const struct target_case cases[] = {
	        {"example.com", "example.com", 443, false, "example.com:443"},
	        {"Example.COM.:8443", "example.com", 8443, false, "example.com:8443"},
	        {"mail_1.example.net:25", "mail_1.example.net", 25, false, "mail_1.example.net:25"},
	        {"192.0.2.1", "192.0.2.1", 443, true, "192.0.2.1:443"},
	        {"198.51.100.7:65535", "198.51.100.7", 65535, true, "198.51.100.7:65535"},
	        {"[2001:db8::1]:853", "2001:db8::1", 853, true, "[2001:db8::1]:853"},
	        {"[2001:db8::1]", "2001:db8::1", 443, true, "[2001:db8::1]:443"},
	        {"2001:db8::1", "2001:db8::1", 443, true, "[2001:db8::1]:443"},
	        {"::1", "::1", 443, true, "[::1]:443"},
	        {"2001:db8::443", "2001:db8::443", 443, true, "[2001:db8::443]:443"},
	        {"[::1:443]", "::1:443", 443, true, "[::1:443]:443"},
	        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", 443, true, "[1:2:3:4:5:6:7:8]:443"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct target_case *c = &cases[i];
		struct tls_grab_target t;
		struct dn_error err = {0};
		dn_status rc = tls_grab_parse_target(c->text, TLS_GRAB_PORT, &t, &err);
		if (rc != DN_OK)
			fail_msg("\"%s\": rejected: %s", c->text, err.msg);
		assert_string_equal(t.host, c->host);
		assert_int_equal(t.port, c->port);
		assert_int_equal(t.is_address, c->is_address);
		assert_string_equal(t.name, c->name);
	}
}

static void test_default_port(void **state)
{
	(void)state;
	struct tls_grab_target t;
	struct dn_error err = {0};
	assert_int_equal(tls_grab_parse_target("example.org", 8443, &t, &err), DN_OK);
	assert_int_equal(t.port, 8443);
	assert_string_equal(t.name, "example.org:8443");
}

static void test_invalid_targets(void **state)
{
	(void)state;
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';

	const char *cases[] = {
	        "",
	        ":443",
	        "example.com:",
	        "example.com:0",
	        "example.com:65536",
	        "example.com:12a",
	        "example.com:-1",
	        "[192.0.2.1]:443",
	        "[example.com]:443",
	        "[2001:db8::1",
	        "[2001:db8::1]x",
	        "[2001:db8::1]:",
	        "::1:443",
	        "2001:db8::1:8443",
	        "::ffff:192.0.2.1:443",
	        "bad host",
	        "ex\xc3\xa4mple.com",
	        "example.com/path",
	        "user@example.com",
	        long_name,
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tls_grab_target t;
		struct dn_error err = {0};
		dn_status rc = tls_grab_parse_target(cases[i], TLS_GRAB_PORT, &t, &err);
		if (rc != DN_EINVAL)
			fail_msg("\"%s\": expected DN_EINVAL, got %d", cases[i], rc);
		assert_true(err.msg[0] != '\0');
	}
}

static void test_loopback_only_rejects(void **state)
{
	(void)state;
	struct tls_grab_options o;
	tls_grab_options_init(&o);
	o.loopback_only = true;
	o.interval_ms = 0;

	const char *targets[] = {"192.0.2.1:443", "[2001:db8::1]:443", "localhost:443"};
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct tls_grab_target t;
		struct tls_grab_result r;
		struct dn_error err = {0};
		assert_int_equal(tls_grab_parse_target(targets[i], TLS_GRAB_PORT, &t, &err), DN_OK);
		assert_int_equal(tls_grab(&t, &o, &r, &err), DN_EINVAL);
		assert_non_null(strstr(err.msg, "loopback"));
		assert_int_equal(r.n_certs, 0);
		tls_grab_result_free(&r);
	}
}

static void test_invalid_sni_rejected(void **state)
{
	(void)state;
	struct tls_grab_options o;
	tls_grab_options_init(&o);
	o.loopback_only = true;
	o.interval_ms = 0;

	const char *names[] = {"bad name", "ex\xc3\xa4mple.com", ""};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tls_grab_target t;
		struct tls_grab_result r;
		struct dn_error err = {0};
		o.sni = names[i];
		assert_int_equal(tls_grab_parse_target("127.0.0.1:1", TLS_GRAB_PORT, &t, &err),
		                 DN_OK);
		assert_int_equal(tls_grab(&t, &o, &r, &err), DN_EINVAL);
		assert_non_null(strstr(err.msg, "SNI"));
		tls_grab_result_free(&r);
	}
}

static void test_options_defaults(void **state)
{
	(void)state;
	struct tls_grab_options o;
	tls_grab_options_init(&o);
	assert_null(o.sni);
	assert_false(o.no_sni);
	assert_false(o.loopback_only);
	assert_int_equal(o.timeout_ms, TLS_GRAB_TIMEOUT_MS);
	assert_int_equal(o.interval_ms, TLS_GRAB_INTERVAL_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid_targets),
	        cmocka_unit_test(test_default_port),
	        cmocka_unit_test(test_invalid_targets),
	        cmocka_unit_test(test_loopback_only_rejects),
	        cmocka_unit_test(test_invalid_sni_rejected),
	        cmocka_unit_test(test_options_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
