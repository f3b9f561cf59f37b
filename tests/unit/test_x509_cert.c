/* Tests for x509_parse_der(): the corpus's ct-go test certificates against
 * the `openssl x509 -text` dumps stored next to them, the TBS hash against
 * OpenSSL's own re-encoding without the CT extensions, and the malformed
 * certificates under x509/ct-go/invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509/cert.h"
#include "x509/pem.h"

static char corpus_x509[4096]; /* $DRAGNET_CORPUS/x509 */

struct der_buf {
	uint8_t *der;
	size_t len;
};

static dn_status keep_first(const struct x509_found *found, const struct dn_error *err, void *ctx)
{
	struct der_buf *out = ctx;
	assert_null(err);
	if (out->der == NULL) {
		out->der = malloc(found->der_len);
		assert_non_null(out->der);
		memcpy(out->der, found->der, found->der_len);
		out->len = found->der_len;
	}
	return DN_OK;
}

static void skip_without_corpus(void)
{
	if (corpus_x509[0] == '\0') {
		print_message("shared corpus folder x509/ not found (set DRAGNET_CORPUS); "
		              "skipping\n");
		skip();
	}
}

/* The DER of the first certificate in a corpus file under x509/. */
static struct der_buf load(const char *name)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", corpus_x509, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);

	struct der_buf out = {0};
	struct dn_error err;
	assert_int_equal(x509_read(buf, n, keep_first, &out, NULL, NULL, &err), DN_OK);
	assert_non_null(out.der);
	return out;
}

static int64_t utc(int year, int mon, int day, int hour, int min, int sec)
{
	struct tm tm = {.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
	                .tm_hour = hour, .tm_min = min, .tm_sec = sec};
	return (int64_t)timegm(&tm);
}

static struct x509_cert *parse_ok(struct arena *arena, const struct der_buf *der)
{
	struct x509_cert *cert;
	struct dn_error err = {0};
	dn_status rc = x509_parse_der(der->der, der->len, arena, &cert, &err);
	if (rc != DN_OK)
		fail_msg("x509_parse_der: %s", err.msg);
	return cert;
}

/* Values from x509/ct-go/CACertPEM.openssl.txt. */
static void test_ca_cert_fields(void **state)
{
	(void)state;
	skip_without_corpus();
	struct arena arena;
	arena_init(&arena, 16384);
	struct der_buf der = load("ct-go/CACertPEM.pem");
	struct x509_cert *cert = parse_ok(&arena, &der);

	assert_string_equal(cert->serial, "0");
	assert_string_equal(cert->sig_alg, "sha1WithRSAEncryption");
	assert_string_equal(cert->key_type, "RSA");
	assert_int_equal(cert->key_bits, 1024);
	assert_int_equal(cert->not_before, utc(2012, 6, 1, 0, 0, 0));
	assert_int_equal(cert->not_after, utc(2022, 6, 1, 0, 0, 0));
	assert_string_equal(cert->issuer.dn, "L=Erw Wen,ST=Wales,O=Certificate Transparency CA,C=GB");
	assert_string_equal(cert->subject.dn, cert->issuer.dn);
	assert_int_equal(cert->subject.n_attrs, 4);
	assert_string_equal(cert->subject.attrs[0].key, "C");
	assert_string_equal(cert->subject.attrs[0].value, "GB");
	assert_string_equal(cert->subject.attrs[3].key, "L");
	assert_string_equal(cert->subject.attrs[3].value, "Erw Wen");
	assert_true(cert->is_ca);
	assert_true(cert->self_signed);
	assert_false(cert->precert);

	/* The DER is copied into the arena and hashed as given. */
	uint8_t sha256[32];
	SHA256(der.der, der.len, sha256);
	assert_memory_equal(cert->sha256, sha256, 32);
	assert_int_equal(cert->der_len, der.len);
	assert_ptr_not_equal(cert->der, der.der);
	free(der.der);
	arena_free(&arena);
}

/* TestCertPEM is signed by CACertPEM: not self-signed, not a CA. */
static void test_leaf_not_self_signed(void **state)
{
	(void)state;
	skip_without_corpus();
	struct arena arena;
	arena_init(&arena, 16384);
	struct der_buf der = load("ct-go/TestCertPEM.pem");
	struct x509_cert *cert = parse_ok(&arena, &der);
	assert_string_equal(cert->serial, "6");
	assert_false(cert->is_ca);
	assert_false(cert->self_signed);
	assert_string_equal(cert->subject.dn, "L=Erw Wen,ST=Wales,O=Certificate Transparency,C=GB");
	free(der.der);
	arena_free(&arena);
}

/* SHA-256 of the TBSCertificate as OpenSSL re-encodes it without the CT
 * poison and SCT list extensions. */
static void openssl_tbs_hash(const struct der_buf *der, uint8_t out[32])
{
	const unsigned char *p = der->der;
	X509 *x = d2i_X509(NULL, &p, (long)der->len);
	assert_non_null(x);
	X509 *copy = X509_dup(x);
	assert_non_null(copy);
	int nids[] = {NID_ct_precert_poison, NID_ct_precert_scts};
	for (size_t i = 0; i < 2; i++) {
		int pos = X509_get_ext_by_NID(copy, nids[i], -1);
		if (pos >= 0)
			X509_EXTENSION_free(X509_delete_ext(copy, pos));
	}
	unsigned char *tbs = NULL;
	int len = i2d_re_X509_tbs(copy, &tbs);
	assert_true(len > 0);
	SHA256(tbs, (size_t)len, out);
	OPENSSL_free(tbs);
	X509_free(copy);
	X509_free(x);
}

/* The precertificate and the certificate with its SCTs embedded share one TBS
 * hash, and each equals OpenSSL's re-encoding. */
static void test_precert_pairs_with_final(void **state)
{
	(void)state;
	skip_without_corpus();
	struct arena arena;
	arena_init(&arena, 16384);
	struct der_buf pre = load("ct-go/TestPreCertPEM.pem");
	struct der_buf final = load("ct-go/TestEmbeddedCertPEM.pem");
	struct x509_cert *pre_cert = parse_ok(&arena, &pre);
	struct x509_cert *final_cert = parse_ok(&arena, &final);

	assert_true(pre_cert->precert);
	assert_false(pre_cert->has_scts);
	assert_false(final_cert->precert);
	assert_true(final_cert->has_scts);
	assert_memory_equal(pre_cert->tbs_sha256, final_cert->tbs_sha256, 32);
	assert_memory_not_equal(pre_cert->sha256, final_cert->sha256, 32);

	uint8_t expected[32];
	openssl_tbs_hash(&pre, expected);
	assert_memory_equal(pre_cert->tbs_sha256, expected, 32);
	openssl_tbs_hash(&final, expected);
	assert_memory_equal(final_cert->tbs_sha256, expected, 32);

	/* Without CT extensions the hash is of the TBS as encoded. */
	struct der_buf plain = load("ct-go/TestCertPEM.pem");
	struct x509_cert *plain_cert = parse_ok(&arena, &plain);
	openssl_tbs_hash(&plain, expected);
	assert_memory_equal(plain_cert->tbs_sha256, expected, 32);

	free(pre.der);
	free(final.der);
	free(plain.der);
	arena_free(&arena);
}

/* Each malformed corpus certificate is rejected with its own reason. */
static void test_invalid_rejected(void **state)
{
	(void)state;
	skip_without_corpus();
	static const struct {
		const char *file, *reason;
	} cases[] = {
		{"mismatching-sig-alg.pem", "signature algorithm in TBSCertificate differs"},
		{"xf-der-pubkey-rsa-nonminimal-int.pem", "not minimally encoded"},
		{"xf-ext-extended-key-usage-empty-oid.pem", "zero-length OBJECT IDENTIFIER"},
		{"xf-ext-extended-key-usage-empty.pem", "empty ExtendedKeyUsage"},
		{"xf-ext-subject-info-empty.pem", "empty SubjectInfoAccess"},
		{"xf-pubkey-rsa-modulus-negative.pem", "RSA modulus is negative"},
		{"xf-pubkey-rsa-param-nonnull.pem", "parameters are not NULL"},
	};
	struct arena arena;
	arena_init(&arena, 16384);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[256];
		snprintf(name, sizeof(name), "ct-go/invalid/%s", cases[i].file);
		struct der_buf der = load(name);
		struct x509_cert *cert = (struct x509_cert *)1;
		struct dn_error err = {0};
		assert_int_equal(x509_parse_der(der.der, der.len, &arena, &cert, &err), DN_EMALF);
		assert_null(cert);
		if (strstr(err.msg, cases[i].reason) == NULL)
			fail_msg("%s: reason \"%s\" lacks \"%s\"", cases[i].file, err.msg,
			         cases[i].reason);
		free(der.der);
	}

	/* Accepted on purpose: a valid encoding of a weak curve. */
	struct der_buf weak = load("ct-go/invalid/xf-pubkey-ecdsa-secp192r1.pem");
	struct x509_cert *cert = parse_ok(&arena, &weak);
	assert_string_equal(cert->key_type, "EC");
	assert_string_equal(cert->key_curve, "prime192v1");
	assert_int_equal(cert->key_bits, 192);
	free(weak.der);
	arena_free(&arena);
}

/* Every truncation of a good certificate, and a trailing byte, is rejected
 * without a crash. */
static void test_truncated_rejected(void **state)
{
	(void)state;
	skip_without_corpus();
	struct arena arena;
	arena_init(&arena, 16384);
	struct der_buf der = load("ct-go/TestCertPEM.pem");
	for (size_t len = 0; len < der.len; len++) {
		struct x509_cert *cert;
		struct dn_error err = {0};
		assert_int_equal(x509_parse_der(der.der, len, &arena, &cert, &err), DN_EMALF);
		arena_reset(&arena);
	}
	uint8_t *longer = malloc(der.len + 1);
	assert_non_null(longer);
	memcpy(longer, der.der, der.len);
	longer[der.len] = 0;
	struct x509_cert *cert;
	struct dn_error err = {0};
	assert_int_equal(x509_parse_der(longer, der.len + 1, &arena, &cert, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "1 bytes after the certificate"));
	free(longer);
	free(der.der);
	arena_free(&arena);
}

/* Policy OIDs give the validation level; zlint's EV-less samples have none. */
static void test_level_names(void **state)
{
	(void)state;
	assert_string_equal(x509_level_name(X509_LEVEL_DV), "dv");
	assert_string_equal(x509_level_name(X509_LEVEL_OV), "ov");
	assert_string_equal(x509_level_name(X509_LEVEL_IV), "iv");
	assert_string_equal(x509_level_name(X509_LEVEL_EV), "ev");
	assert_string_equal(x509_level_name(X509_LEVEL_UNKNOWN), "unknown");

	char hex[9];
	x509_hex((const uint8_t *)"\x00\xab\x10\xff", 4, hex);
	assert_string_equal(hex, "00ab10ff");
}

int main(void)
{
	const char *corpus = getenv("DRAGNET_CORPUS");
	if (corpus != NULL && corpus[0] != '\0') {
		snprintf(corpus_x509, sizeof(corpus_x509), "%s/x509", corpus);
		FILE *probe = fopen(corpus_x509, "r");
		if (probe == NULL)
			corpus_x509[0] = '\0';
		else
			fclose(probe);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_cert_fields),
		cmocka_unit_test(test_leaf_not_self_signed),
		cmocka_unit_test(test_precert_pairs_with_final),
		cmocka_unit_test(test_invalid_rejected),
		cmocka_unit_test(test_truncated_rejected),
		cmocka_unit_test(test_level_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
