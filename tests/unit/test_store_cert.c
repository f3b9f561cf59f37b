/* Certificate operations of the SQLite store: keeping a certificate once,
 * merging sightings, searches by key prefix, name and validity, groups,
 * dumps, and the key range of a hex prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/cert_key.h"
#include "store/store.h"

static char db_path[4096];

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(db_path, sizeof(db_path), "%s/test_store_cert_%d.db", tmp ? tmp : "/tmp",
	         (int)getpid());
	unlink(db_path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char extra[4200];
	unlink(db_path);
	snprintf(extra, sizeof(extra), "%s-wal", db_path);
	unlink(extra);
	snprintf(extra, sizeof(extra), "%s-shm", db_path);
	unlink(extra);
	return 0;
}

static struct store *open_store(enum store_mode mode)
{
	struct store *s = NULL;
	struct dn_error err = {0};
	if (store_open(db_path, mode, NULL, &s, &err) != DN_OK)
		fail_msg("store_open: %s", err.msg);
	return s;
}

/* A certificate whose key starts with the byte first. */
static struct store_cert make_cert(uint8_t first, const char *cn, int64_t not_before)
{
	static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	struct store_cert c = {
		.serial = "5",
		.issuer = "CN=Test CA,O=Shared Org",
		.subject = cn,
		.sans = "DNS:a.example",
		.not_before = not_before,
		.not_after = not_before + 1000,
		.key_type = "EC",
		.key_bits = 256,
		.sig_alg = "ecdsa-with-SHA256",
		.level = "dv",
		.self_signed = true,
		.der = der,
		.der_len = sizeof(der),
	};
	memset(c.sha256, first, sizeof(c.sha256));
	c.sha256[31] = 0x01;
	memset(c.sha1, 0x11, sizeof(c.sha1));
	return c;
}

static struct store_cert_name make_name(const struct store_cert *c, const char *kind,
                                        const char *value)
{
	struct store_cert_name n = {.kind = kind, .value = value};
	memcpy(n.sha256, c->sha256, 32);
	return n;
}

static struct store_cert_sighting make_sighting(const struct store_cert *c, int64_t first,
                                                int64_t last, uint32_t source_id)
{
	struct store_cert_sighting g = {
		.kind = "file",
		.detail = "/data/a.pem",
		.time_first = first,
		.time_last = last,
		.count = 1,
		.source_id = source_id,
	};
	memcpy(g.sha256, c->sha256, 32);
	return g;
}

static void put(struct store *s, const struct store_cert *certs, size_t ncerts,
                const struct store_cert_name *names, size_t nnames,
                const struct store_cert_sighting *sightings, size_t nsightings)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_certs(s, certs, ncerts, &err), DN_OK);
	assert_int_equal(store_put_cert_names(s, names, nnames, &err), DN_OK);
	assert_int_equal(store_put_cert_sightings(s, sightings, nsightings, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
}

struct found {
	size_t n;
	uint8_t first[8];
	char subject[8][64];
	size_t der_len;
};

static dn_status collect(const struct store_cert *c, void *ctx)
{
	struct found *f = ctx;
	if (f->n < 8) {
		f->first[f->n] = c->sha256[0];
		snprintf(f->subject[f->n], sizeof(f->subject[0]), "%s", c->subject);
	}
	f->der_len = c->der_len;
	f->n++;
	return DN_OK;
}

static struct found search(struct store *s, const struct store_cert_query *q)
{
	struct found f = {0};
	struct dn_error err = {0};
	assert_int_equal(store_query_certs(s, q, collect, &f, &err), DN_OK);
	return f;
}

static struct found search_one(struct store *s, const char *kind, const char *value,
                               bool prefix)
{
	struct store_cert_match m = {.kind = kind, .value = value, .prefix = prefix};
	struct store_cert_query q = {.matches = &m, .n_matches = 1};
	return search(s, &q);
}

static void test_cert_kept_once(void **state)
{
	(void)state;
	struct store *s = open_store(STORE_WRITE);
	struct store_cert a = make_cert(0xab, "CN=first", 100);
	struct store_cert again = a;
	again.subject = "CN=changed";
	put(s, &a, 1, NULL, 0, NULL, 0);
	put(s, &again, 1, NULL, 0, NULL, 0);
	struct found f = search_one(s, "sha256", "ab", true);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.subject[0], "CN=first");
	assert_int_equal(f.der_len, 5);
	store_close(s);
}

struct sightings {
	size_t n;
	struct store_cert_sighting last;
};

static dn_status collect_sighting(const struct store_cert_sighting *g, void *ctx)
{
	struct sightings *list = ctx;
	list->n++;
	list->last = *g;
	return DN_OK;
}

static void test_sightings_merge(void **state)
{
	(void)state;
	struct store *s = open_store(STORE_WRITE);
	struct store_cert a = make_cert(0x10, "CN=a", 100);
	struct store_cert_sighting later = make_sighting(&a, 500, 600, 2);
	struct store_cert_sighting earlier = make_sighting(&a, 50, 70, 3);
	put(s, &a, 1, NULL, 0, &later, 1);
	put(s, NULL, 0, NULL, 0, &earlier, 1);
	struct sightings list = {0};
	struct dn_error err = {0};
	assert_int_equal(store_query_cert_sightings(s, a.sha256, collect_sighting, &list, &err),
	                 DN_OK);
	assert_int_equal(list.n, 1);
	assert_int_equal(list.last.time_first, 50);
	assert_int_equal(list.last.time_last, 600);
	assert_int_equal(list.last.count, 2);
	/* The source of the earliest sighting. */
	assert_int_equal(list.last.source_id, 3);
	store_close(s);
}

static void test_search_conditions(void **state)
{
	(void)state;
	struct store *s = open_store(STORE_WRITE);
	struct store_cert certs[3] = {
		make_cert(0xa1, "CN=one", 100),
		make_cert(0xa2, "CN=two", 200),
		make_cert(0xb3, "CN=three", 300),
	};
	struct store_cert_name names[] = {
		make_name(&certs[0], "dns", "example.www"),
		make_name(&certs[1], "dns", "example.*"),
		make_name(&certs[2], "dns", "test.mail"),
		make_name(&certs[0], "issuer.O", "Shared Org"),
		make_name(&certs[1], "issuer.O", "Shared Org"),
		make_name(&certs[2], "issuer.O", "Other Org"),
	};
	put(s, certs, 3, names, 6, NULL, 0);

	/* An odd-length prefix: a1 and a2 but not b3; newest first. */
	struct found f = search_one(s, "sha256", "a", true);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.first[0], 0xa2);
	assert_int_equal(f.first[1], 0xa1);
	assert_int_equal(search_one(s, "sha256", "a1", true).n, 1);
	assert_int_equal(search_one(s, "sha256", "c", true).n, 0);

	/* A name or the wildcard that covers it. */
	struct store_cert_match name = {.kind = "dns", .value = "example.www",
	                                .alt_value = "example.*"};
	struct store_cert_query q = {.matches = &name, .n_matches = 1};
	assert_int_equal(search(s, &q).n, 2);
	assert_int_equal(search_one(s, "dns", "example.", true).n, 2);
	assert_int_equal(search_one(s, "issuer.O", "Shared Org", false).n, 2);

	/* Two conditions, a substring and validity windows. */
	struct store_cert_match both[] = {
		{.kind = "issuer.O", .value = "Shared Org"},
		{.kind = "sha256", .value = "a2", .prefix = true},
	};
	struct store_cert_query q2 = {.matches = both, .n_matches = 2};
	assert_int_equal(search(s, &q2).n, 1);
	static const char *const thr[] = {"THR"};
	struct store_cert_query contains = {.subject_contains = thr, .n_subject_contains = 1};
	assert_int_equal(search(s, &contains).n, 1);
	static const char *const cn_and_thr[] = {"CN=", "thr"};
	struct store_cert_query both_contain = {.subject_contains = cn_and_thr,
	                                        .n_subject_contains = 2};
	assert_int_equal(search(s, &both_contain).n, 1);
	static const char *const thr_and_other[] = {"THR", "no such text"};
	struct store_cert_query neither = {.subject_contains = thr_and_other,
	                                   .n_subject_contains = 2};
	assert_int_equal(search(s, &neither).n, 0);
	struct store_cert_query valid = {.valid_at = 1150};
	f = search(s, &valid);
	assert_int_equal(f.n, 2);
	struct store_cert_query expiring = {.expires_before = 1150};
	assert_int_equal(search(s, &expiring).n, 1);
	static const char *const cn[] = {"CN="};
	struct store_cert_query limited = {.subject_contains = cn, .n_subject_contains = 1,
	                                   .limit = 2};
	assert_int_equal(search(s, &limited).n, 2);

	struct dn_error err = {0};
	struct store_cert_match bad = {.kind = "sha256", .value = "xyz", .prefix = true};
	struct store_cert_query q3 = {.matches = &bad, .n_matches = 1};
	struct found none = {0};
	assert_int_equal(store_query_certs(s, &q3, collect, &none, &err), DN_EINVAL);
	store_close(s);
}

struct groups {
	size_t n;
	char value[4][32];
	uint64_t certs[4];
};

static dn_status collect_group(const char *kind, const char *value, uint64_t certs, void *ctx)
{
	(void)kind;
	struct groups *g = ctx;
	if (g->n < 4) {
		snprintf(g->value[g->n], sizeof(g->value[0]), "%s", value);
		g->certs[g->n] = certs;
	}
	g->n++;
	return DN_OK;
}

static void test_groups_and_dumps(void **state)
{
	(void)state;
	struct store *s = open_store(STORE_WRITE);
	struct store_cert certs[3] = {
		make_cert(0x01, "CN=a", 1),
		make_cert(0x02, "CN=b", 2),
		make_cert(0x03, "CN=c", 3),
	};
	struct store_cert_name names[] = {
		make_name(&certs[0], "spki", "aa"),
		make_name(&certs[1], "spki", "aa"),
		make_name(&certs[1], "spki", "aa"), /* a repeat changes nothing */
		make_name(&certs[2], "spki", "bb"),
	};
	put(s, certs, 3, names, 4, NULL, 0);
	struct groups g = {0};
	struct dn_error err = {0};
	assert_int_equal(store_group_cert_names(s, "spki", 2, 0, collect_group, &g, &err), DN_OK);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.value[0], "aa");
	assert_int_equal(g.certs[0], 2);

	struct found f = {0};
	assert_int_equal(store_dump_certs(s, collect, &f, &err), DN_OK);
	assert_int_equal(f.n, 3);
	store_close(s);
}

static void test_partial_key_matches(void **state)
{
	(void)state;
	uint8_t a[32], b[32], c[32];
	store_cert_partial_key("CN=R3,O=Let's Encrypt,C=US", "3a", a);
	store_cert_partial_key("CN=R3,O=Let's Encrypt,C=US", "3a", b);
	store_cert_partial_key("CN=R3,O=Let's Encrypt,C=US", "3b", c);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, c, 32);
}

static void test_hex_range(void **state)
{
	(void)state;
	uint8_t low[32], high[32];
	size_t low_len, high_len;
	assert_true(store_cert_hex_range("ab1", low, &low_len, high, &high_len));
	assert_int_equal(low_len, 2);
	assert_int_equal(low[0], 0xab);
	assert_int_equal(low[1], 0x10);
	assert_int_equal(high_len, 2);
	assert_int_equal(high[0], 0xab);
	assert_int_equal(high[1], 0x20);
	/* All ff: no upper bound. */
	assert_true(store_cert_hex_range("ff", low, &low_len, high, &high_len));
	assert_int_equal(high_len, 0);
	assert_false(store_cert_hex_range("", low, &low_len, high, &high_len));
	assert_false(store_cert_hex_range("AB", low, &low_len, high, &high_len));
	assert_false(store_cert_hex_range("0g", low, &low_len, high, &high_len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cert_kept_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sightings_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_conditions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_and_dumps, setup, teardown),
		cmocka_unit_test(test_partial_key_matches),
		cmocka_unit_test(test_hex_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
