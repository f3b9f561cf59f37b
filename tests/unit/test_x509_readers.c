/* Tests for the certificate readers: PEM bundles and format detection,
 * RFC 6962 entries (the corpus's get-entries response, and MerkleTreeLeaf
 * hashes stated in certificate-transparency-go's testdata for TestCertPEM
 * and TestPreCertPEM), and crt.sh exports (samples/crtsh-example.json,
 * written by hand for dragnet from crt.sh's documented fields, CC0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509/cert.h"
#include "x509/crtsh.h"
#include "x509/ct.h"
#include "x509/pem.h"

static char corpus[4096];
static char source_dir[4096];

static uint8_t *read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	uint8_t *buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static uint8_t *read_corpus(const char *name, size_t *len)
{
	if (corpus[0] == '\0') {
		print_message("shared corpus not found (set DRAGNET_CORPUS); skipping\n");
		skip();
	}
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", corpus, name);
	uint8_t *buf = read_path(path, len);
	assert_non_null(buf);
	return buf;
}

/* Every callback of x509_read(), in order. */
struct found_log {
	size_t n;
	size_t offset[8];
	size_t der_len[8];
	uint8_t first_byte[8];
	char error[8][512];
};

static dn_status log_found(const struct x509_found *found, const struct dn_error *err, void *ctx)
{
	struct found_log *log = ctx;
	assert_true(log->n < 8);
	assert_int_equal(found->index, log->n);
	log->offset[log->n] = found->offset;
	log->der_len[log->n] = found->der_len;
	log->first_byte[log->n] = found->der ? found->der[0] : 0;
	snprintf(log->error[log->n], sizeof(log->error[0]), "%s", err ? err->msg : "");
	if (err == NULL)
		assert_non_null(found->der);
	log->n++;
	return DN_OK;
}

/* The first certificate block of a corpus PEM file, as text. */
static char *pem_block(const char *name)
{
	size_t len;
	uint8_t *buf = read_corpus(name, &len);
	char *text = calloc(1, len + 1);
	assert_non_null(text);
	memcpy(text, buf, len);
	free(buf);
	char *begin = strstr(text, "-----BEGIN CERTIFICATE-----");
	char *end = strstr(text, "-----END CERTIFICATE-----");
	assert_non_null(begin);
	assert_non_null(end);
	end += strlen("-----END CERTIFICATE-----");
	if (*end == '\n')
		end++;
	*end = '\0';
	memmove(text, begin, strlen(begin) + 1);
	return text;
}

/* A bundle of a certificate, a key block, a broken block, a block without
 * END and a trusted certificate: good blocks arrive, bad ones are named. */
static void test_pem_bundle(void **state)
{
	(void)state;
	char *cert = pem_block("x509/ct-go/TestCertPEM.pem");
	char *ca = pem_block("x509/ct-go/CACertPEM.pem");

	char bundle[32768];
	snprintf(bundle, sizeof(bundle),
	         "subject=whatever\n%s"
	         "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	         "-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n"
	         "%s"
	         "-----BEGIN CERTIFICATE-----\nMAA=\n",
	         cert, ca);

	struct found_log log = {0};
	size_t n_found, n_bad;
	struct dn_error err;
	assert_int_equal(x509_read((const uint8_t *)bundle, strlen(bundle), log_found, &log,
	                           &n_found, &n_bad, &err),
	                 DN_OK);
	assert_int_equal(log.n, 4);
	assert_int_equal(n_found, 2);
	assert_int_equal(n_bad, 2);
	assert_int_equal(log.offset[0], strlen("subject=whatever\n"));
	assert_string_equal(log.error[0], "");
	assert_int_equal(log.first_byte[0], 0x30);
	assert_non_null(strstr(log.error[1], "not valid base64"));
	assert_string_equal(log.error[2], "");
	assert_non_null(strstr(log.error[3], "no '-----END CERTIFICATE-----' line"));
	assert_ptr_equal(strstr(bundle, "-----BEGIN CERTIFICATE-----\nMAA="),
	                 bundle + log.offset[3]);
	free(cert);
	free(ca);
}

/* A TRUSTED CERTIFICATE block gives only the certificate, without the trust
 * settings that follow it; a plain CERTIFICATE with trailing bytes fails. */
static void test_pem_trusted(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = read_corpus("x509/ct-go/der/intermediate.der", &len);

	/* Append an empty SEQUENCE, as X509_CERT_AUX encodes no settings. */
	uint8_t *with_aux = malloc(len + 2);
	assert_non_null(with_aux);
	memcpy(with_aux, der, len);
	with_aux[len] = 0x30;
	with_aux[len + 1] = 0x00;
	char *b64 = malloc(2 * len + 16);
	assert_non_null(b64);
	EVP_EncodeBlock((unsigned char *)b64, with_aux, (int)len + 2);

	for (int trusted = 0; trusted < 2; trusted++) {
		const char *label = trusted ? "TRUSTED CERTIFICATE" : "CERTIFICATE";
		size_t size = strlen(b64) + 128;
		char *pem = malloc(size);
		assert_non_null(pem);
		snprintf(pem, size, "-----BEGIN %s-----\n%s\n-----END %s-----\n", label, b64, label);
		struct found_log log = {0};
		struct dn_error err;
		assert_int_equal(x509_read((const uint8_t *)pem, strlen(pem), log_found, &log, NULL,
		                           NULL, &err),
		                 DN_OK);
		assert_int_equal(log.n, 1);
		if (trusted) {
			assert_string_equal(log.error[0], "");
			assert_int_equal(log.der_len[0], len);
		} else {
			assert_non_null(strstr(log.error[0], "2 bytes after the certificate"));
		}
		free(pem);
	}
	free(b64);
	free(with_aux);
	free(der);
}

static void test_der_input(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = read_corpus("x509/ct-go/der/precert.der", &len);
	assert_int_equal(x509_detect(der, len), X509_FORMAT_DER);

	struct found_log log = {0};
	struct dn_error err;
	assert_int_equal(x509_read(der, len, log_found, &log, NULL, NULL, &err), DN_OK);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.der_len[0], len);

	/* Truncated DER is an error for the block, not for the call. */
	memset(&log, 0, sizeof(log));
	assert_int_equal(x509_read(der, len - 10, log_found, &log, NULL, NULL, &err), DN_OK);
	assert_int_equal(log.n, 1);
	assert_non_null(strstr(log.error[0], "truncated"));

	assert_int_equal(x509_read((const uint8_t *)"hello", 5, log_found, &log, NULL, NULL, &err),
	                 DN_EFORMAT);
	free(der);
}

static void test_detect_formats(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum x509_format format;
	} cases[] = {
		{"-----BEGIN CERTIFICATE-----\n", X509_FORMAT_PEM},
		{"junk\n-----BEGIN TRUSTED CERTIFICATE-----\n", X509_FORMAT_PEM},
		{"Certificate:\n    Data:\n", X509_FORMAT_PEM},
		{"{\"entries\":[{\"leaf_input\":\"AAA=\"}]}", X509_FORMAT_CT_JSON},
		{"\xef\xbb\xbf {\"leaf_input\":\"\"}", X509_FORMAT_CT_JSON},
		{"[{\"issuer_ca_id\":1}]", X509_FORMAT_CRTSH},
		{" [\n {\"name_value\":\"a\"}]", X509_FORMAT_CRTSH},
		{"[]", X509_FORMAT_NONE},
		{"{\"rrname\":\"example.com\"}", X509_FORMAT_NONE},
		{"-----BEGIN PRIVATE KEY-----\n", X509_FORMAT_NONE},
		{"", X509_FORMAT_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum x509_format got = x509_detect((const uint8_t *)cases[i].text,
		                                   strlen(cases[i].text));
		if (got != cases[i].format)
			fail_msg("\"%s\": %s, expected %s", cases[i].text, x509_format_name(got),
			         x509_format_name(cases[i].format));
	}

	size_t len;
	uint8_t *buf = read_corpus("ct/ct-go/get-entries-4.json", &len);
	assert_int_equal(x509_detect(buf, len < 4096 ? len : 4096), X509_FORMAT_CT_JSON);
	free(buf);
	buf = read_corpus("x509/zlint/dsaCert.pem", &len);
	assert_int_equal(x509_detect(buf, len), X509_FORMAT_PEM);
	free(buf);
}

static void test_base64_strict(void **state)
{
	(void)state;
	uint8_t out[16];
	assert_int_equal(ct_base64_decode("TWFu", 4, out), 3);
	assert_memory_equal(out, "Man", 3);
	assert_int_equal(ct_base64_decode("TWE=", 4, out), 2);
	assert_int_equal(ct_base64_decode("TQ==", 4, out), 1);
	assert_int_equal(ct_base64_decode("", 0, out), 0);
	assert_int_equal(ct_base64_decode("TWF", 3, out), -1);   /* length */
	assert_int_equal(ct_base64_decode("TW=u", 4, out), -1);  /* '=' inside */
	assert_int_equal(ct_base64_decode("TR==", 4, out), -1);  /* bits under padding */
	assert_int_equal(ct_base64_decode("TQ==TWFu", 8, out), -1);
	assert_int_equal(ct_base64_decode("TW u", 4, out), -1);
}

/* Entries collected from ct_parse_json(). */
struct ct_log {
	size_t n;
	uint64_t index[8];
	int64_t timestamp[8];
	size_t n_chain[8];
	char error[8][512];
	char extra_error[8][128];
	uint8_t leaf_hash[8][32];
};

static dn_status log_entry(const struct ct_entry *e, const struct dn_error *err, void *ctx)
{
	struct ct_log *log = ctx;
	assert_true(log->n < 8);
	log->index[log->n] = e->index;
	log->timestamp[log->n] = e->timestamp_ms;
	log->n_chain[log->n] = e->n_chain;
	memcpy(log->leaf_hash[log->n], e->leaf_hash, 32);
	snprintf(log->error[log->n], sizeof(log->error[0]), "%s", err ? err->msg : "");
	snprintf(log->extra_error[log->n], 128, "%s", e->extra_error ? e->extra_error : "");
	log->n++;
	return DN_OK;
}

/* The four real x509 entries; first and last timestamps from the corpus
 * manifest, chain lengths from decoding extra_data with openssl asn1parse. */
static void test_ct_get_entries(void **state)
{
	(void)state;
	size_t len;
	uint8_t *json = read_corpus("ct/ct-go/get-entries-4.json", &len);
	struct ct_log log = {0};
	size_t n_entries, n_bad;
	struct dn_error err;
	assert_int_equal(ct_parse_json((const char *)json, len, 1000, log_entry, &log, &n_entries,
	                               &n_bad, &err),
	                 DN_OK);
	assert_int_equal(n_entries, 4);
	assert_int_equal(n_bad, 0);
	assert_int_equal(log.n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(log.index[i], 1000 + i);
		assert_string_equal(log.error[i], "");
		assert_string_equal(log.extra_error[i], "");
		assert_true(log.n_chain[i] >= 2);
	}
	assert_int_equal(log.timestamp[0], 1364258252899LL);
	assert_int_equal(log.timestamp[3], 1364288407156LL);
	free(json);
}

/* get-entry-and-proof's extra_data ("Extra\n") is no chain: the leaf still
 * arrives, with the reason. */
static void test_ct_bad_extra_data(void **state)
{
	(void)state;
	size_t len;
	uint8_t *json = read_corpus("ct/ct-go/get-entry-and-proof.json", &len);
	struct ct_log log = {0};
	struct dn_error err;
	assert_int_equal(ct_parse_json((const char *)json, len, 7, log_entry, &log, NULL, NULL,
	                               &err),
	                 DN_OK);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.index[0], 7);
	assert_string_equal(log.error[0], "");
	assert_non_null(strstr(log.extra_error[0], "chain length runs past the end"));
	assert_int_equal(log.n_chain[0], 0);
	free(json);

	/* Not CT JSON at all, and an entry that is not base64. */
	const char *bad = "{\"entries\":[{\"leaf_input\":\"!!!!\"}, 3]}";
	memset(&log, 0, sizeof(log));
	size_t n_bad;
	assert_int_equal(ct_parse_json(bad, strlen(bad), 0, log_entry, &log, NULL, &n_bad, &err),
	                 DN_OK);
	assert_int_equal(n_bad, 2);
	assert_non_null(strstr(log.error[0], "\"leaf_input\" is not valid base64"));
	assert_non_null(strstr(log.error[1], "not a JSON object"));
	assert_int_equal(ct_parse_json("[1]", 3, 0, log_entry, &log, NULL, NULL, &err), DN_EMALF);
	assert_int_equal(ct_parse_json("{", 1, 0, log_entry, &log, NULL, NULL, &err), DN_EMALF);
}

static dn_status copy_first(const struct x509_found *found, const struct dn_error *err, void *ctx)
{
	struct x509_found *out = ctx;
	assert_null(err);
	if (out->der == NULL) {
		uint8_t *copy = malloc(found->der_len);
		assert_non_null(copy);
		memcpy(copy, found->der, found->der_len);
		out->der = copy;
		out->der_len = found->der_len;
	}
	return DN_OK;
}

static struct x509_cert *parse_corpus_cert(const char *name, struct arena *arena)
{
	size_t len;
	uint8_t *buf = read_corpus(name, &len);
	struct x509_found first = {0};
	struct dn_error err;
	assert_int_equal(x509_read(buf, len, copy_first, &first, NULL, NULL, &err), DN_OK);
	assert_non_null(first.der);
	struct x509_cert *cert;
	assert_int_equal(x509_parse_der(first.der, first.der_len, arena, &cert, &err), DN_OK);
	free((void *)first.der);
	free(buf);
	return cert;
}

static void put_uint(uint8_t **p, uint64_t v, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		*(*p)++ = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/* SHA-256 of the TBSCertificate bytes OpenSSL re-encodes without the poison. */
static size_t tbs_without_poison(const struct x509_cert *cert, uint8_t *out)
{
	const unsigned char *p = cert->der;
	X509 *x = d2i_X509(NULL, &p, (long)cert->der_len);
	assert_non_null(x);
	X509 *copy = X509_dup(x);
	int pos = X509_get_ext_by_NID(copy, NID_ct_precert_poison, -1);
	assert_true(pos >= 0);
	X509_EXTENSION_free(X509_delete_ext(copy, pos));
	unsigned char *tbs = NULL;
	int len = i2d_re_X509_tbs(copy, &tbs);
	assert_true(len > 0);
	memcpy(out, tbs, (size_t)len);
	OPENSSL_free(tbs);
	X509_free(copy);
	X509_free(x);
	return (size_t)len;
}

/* MerkleTreeLeaf hashes of TestCertPEM and TestPreCertPEM as the corpus
 * states them (base64). The timestamps are those of the SCTs that go with
 * them: TestCertProof and TestPreCertProof in certificate-transparency-go's
 * testdata/certs.go. */
static void test_ct_leaf_hash(void **state)
{
	(void)state;
	struct arena arena;
	arena_init(&arena, 16384);
	struct x509_cert *cert = parse_corpus_cert("x509/ct-go/TestCertPEM.pem", &arena);
	struct x509_cert *pre = parse_corpus_cert("x509/ct-go/TestPreCertPEM.pem", &arena);
	struct x509_cert *ca = parse_corpus_cert("x509/ct-go/CACertPEM.pem", &arena);

	static uint8_t leaf[8192];
	uint8_t *p = leaf;
	put_uint(&p, 0, 1);
	put_uint(&p, 0, 1);
	put_uint(&p, 0x13DDB27DED9ULL, 8);
	put_uint(&p, CT_X509_ENTRY, 2);
	put_uint(&p, cert->der_len, 3);
	memcpy(p, cert->der, cert->der_len);
	p += cert->der_len;
	put_uint(&p, 0, 2);

	struct ct_entry entry;
	struct dn_error err;
	assert_int_equal(ct_decode_entry(leaf, (size_t)(p - leaf), NULL, 0, 5, &arena, &entry, &err),
	                 DN_OK);
	assert_int_equal(entry.type, CT_X509_ENTRY);
	assert_int_equal(entry.cert.len, cert->der_len);
	uint8_t expected[33];
	assert_int_equal(EVP_DecodeBlock(expected,
	                                 (const unsigned char *)"BKZLZGMbAnDW0gQWjNJNCyS2IgweWn76YW3tFlu3AuY=",
	                                 44),
	                 33);
	assert_memory_equal(entry.leaf_hash, expected, 32);

	/* The precert entry: issuer key hash, then the TBS without poison. */
	static uint8_t tbs[8192];
	size_t tbs_len = tbs_without_poison(pre, tbs);
	p = leaf;
	put_uint(&p, 0, 2);
	put_uint(&p, 0x13DDB27DF93ULL, 8);
	put_uint(&p, CT_PRECERT_ENTRY, 2);
	memcpy(p, ca->spki_sha256, 32);
	p += 32;
	put_uint(&p, tbs_len, 3);
	memcpy(p, tbs, tbs_len);
	p += tbs_len;
	put_uint(&p, 0, 2);

	/* extra_data: PrecertChainEntry with the precertificate and the CA. */
	static uint8_t extra[16384];
	uint8_t *q = extra;
	put_uint(&q, pre->der_len, 3);
	memcpy(q, pre->der, pre->der_len);
	q += pre->der_len;
	put_uint(&q, 3 + ca->der_len, 3);
	put_uint(&q, ca->der_len, 3);
	memcpy(q, ca->der, ca->der_len);
	q += ca->der_len;

	assert_int_equal(ct_decode_entry(leaf, (size_t)(p - leaf), extra, (size_t)(q - extra), 6,
	                                 &arena, &entry, &err),
	                 DN_OK);
	assert_int_equal(entry.type, CT_PRECERT_ENTRY);
	assert_int_equal(entry.timestamp_ms, 0x13DDB27DF93LL);
	assert_memory_equal(entry.issuer_key_hash, ca->spki_sha256, 32);
	assert_int_equal(entry.precert_tbs.len, tbs_len);
	assert_int_equal(entry.cert.len, pre->der_len);
	assert_int_equal(entry.n_chain, 1);
	assert_int_equal(entry.chain[0].len, ca->der_len);
	assert_null(entry.extra_error);
	assert_int_equal(EVP_DecodeBlock(expected,
	                                 (const unsigned char *)"mbk+d5FDW3oNZJCbOi828rqC3hf+qhigTWVGcXEZq1U=",
	                                 44),
	                 33);
	assert_memory_equal(entry.leaf_hash, expected, 32);

	/* Every truncation of the leaf fails cleanly. */
	for (size_t len = 0; len < (size_t)(p - leaf); len++)
		assert_int_not_equal(ct_decode_entry(leaf, len, NULL, 0, 0, &arena, &entry, &err),
		                     DN_OK);
	leaf[0] = 1;
	assert_int_equal(ct_decode_entry(leaf, (size_t)(p - leaf), NULL, 0, 0, &arena, &entry, &err),
	                 DN_ENOTSUP);
	arena_free(&arena);
}

struct crtsh_seen {
	int64_t id, issuer_ca_id, entry_timestamp, not_before, not_after, result_count;
	char issuer_dn[128], serial[64], names[128];
	bool has_dn;
	size_t n_names;
};

struct crtsh_log {
	size_t n;
	struct crtsh_seen e[4];
};

static dn_status log_crtsh(const struct crtsh_entry *e, const struct dn_error *err, void *ctx)
{
	struct crtsh_log *log = ctx;
	assert_null(err);
	assert_true(log->n < 4);
	assert_int_equal(e->position, log->n);
	struct crtsh_seen *out = &log->e[log->n++];
	out->id = e->id;
	out->issuer_ca_id = e->issuer_ca_id;
	out->entry_timestamp = e->entry_timestamp;
	out->not_before = e->not_before;
	out->not_after = e->not_after;
	out->result_count = e->result_count;
	out->has_dn = e->issuer_dn != NULL;
	snprintf(out->issuer_dn, sizeof(out->issuer_dn), "%s", e->issuer_dn ? e->issuer_dn : "");
	snprintf(out->serial, sizeof(out->serial), "%s", e->serial_number);
	out->n_names = e->n_names;
	out->names[0] = '\0';
	for (size_t i = 0; i < e->n_names; i++) {
		strncat(out->names, e->names[i], sizeof(out->names) - strlen(out->names) - 2);
		strcat(out->names, " ");
	}
	return DN_OK;
}

static int64_t utc(int year, int mon, int day, int hour, int min, int sec)
{
	struct tm tm = {.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
	                .tm_hour = hour, .tm_min = min, .tm_sec = sec};
	return (int64_t)timegm(&tm);
}

static void test_crtsh_sample(void **state)
{
	(void)state;
	char path[8192];
	snprintf(path, sizeof(path), "%s/samples/crtsh-example.json", source_dir);
	size_t len;
	uint8_t *json = read_path(path, &len);
	if (json == NULL)
		fail_msg("%s not found; set DRAGNET_SOURCE_DIR", path);

	struct crtsh_log log = {0};
	size_t n_entries, n_bad;
	struct dn_error err;
	assert_int_equal(crtsh_parse_json((const char *)json, len, log_crtsh, &log, &n_entries,
	                                  &n_bad, &err),
	                 DN_OK);
	assert_int_equal(n_entries, 3);
	assert_int_equal(n_bad, 0);

	assert_int_equal(log.e[0].id, 9000000001LL);
	assert_int_equal(log.e[0].issuer_ca_id, 183267);
	assert_string_equal(log.e[0].issuer_dn, "CN=R3,O=Let's Encrypt,C=US");
	assert_string_equal(log.e[0].names, "shop.example.com www.shop.example.com ");
	assert_int_equal(log.e[0].entry_timestamp, utc(2024, 3, 1, 12, 34, 56));
	assert_int_equal(log.e[0].not_before, utc(2024, 3, 1, 11, 34, 56));
	assert_int_equal(log.e[0].not_after, utc(2024, 5, 30, 11, 34, 55));
	assert_string_equal(log.e[0].serial, "3a1b2c3d4e5f60718293a4b5c6d7e8f9a0b");
	assert_int_equal(log.e[0].result_count, 2);

	assert_string_equal(log.e[1].issuer_dn, "CN=Example RSA CA 2024,O=Example Trust\\, Inc.,C=US");
	assert_string_equal(log.e[1].serial, "d2a1b4c3");

	assert_false(log.e[2].has_dn);
	assert_int_equal(log.e[2].entry_timestamp, CRTSH_NO_TIME);
	assert_string_equal(log.e[2].serial, "0");
	assert_int_equal(log.e[2].result_count, -1);
	free(json);
}

static void test_crtsh_dn_conversion(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"C=US, O=Let's Encrypt, CN=R3", "CN=R3,O=Let's Encrypt,C=US"},
		{"O=A + OU=B, CN=C", "CN=C,OU=B+O=A"},
		{"CN=\" lead and trail \"", "CN=\\ lead and trail\\ "},
		{"CN=\"#hash;semi\"", "CN=\\#hash\\;semi"},
		{"CN=a\\b", NULL},
		{"CN=a=b", NULL},
		{"CN=\"open", NULL},
		{"C=US, ", NULL},
		{"noequals", NULL},
		{"", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dn = crtsh_dn_to_rfc4514(cases[i].in);
		if (cases[i].out == NULL) {
			if (dn != NULL)
				fail_msg("\"%s\" gave \"%s\", expected NULL", cases[i].in, dn);
		} else {
			assert_non_null(dn);
			assert_string_equal(dn, cases[i].out);
		}
		free(dn);
	}
}

static dn_status count_bad(const struct crtsh_entry *e, const struct dn_error *err, void *ctx)
{
	(void)e;
	if (err != NULL)
		(*(size_t *)ctx)++;
	return DN_OK;
}

static void test_crtsh_bad_entries(void **state)
{
	(void)state;
	const char *json = "[{\"id\":\"x\"}, 5, {\"not_before\":\"2024-13-01T00:00:00\"},"
	                   " {\"serial_number\":\"zz\"}, {\"id\":1}]";
	size_t bad = 0, n_bad, n_entries;
	struct dn_error err;
	assert_int_equal(crtsh_parse_json(json, strlen(json), count_bad, &bad, &n_entries, &n_bad,
	                                  &err),
	                 DN_OK);
	assert_int_equal(n_entries, 5);
	assert_int_equal(n_bad, 4);
	assert_int_equal(bad, 4);
	assert_int_equal(crtsh_parse_json("{}", 2, count_bad, &bad, NULL, NULL, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "not a JSON array"));
}

int main(void)
{
	const char *env = getenv("DRAGNET_CORPUS");
	if (env != NULL && env[0] != '\0') {
		snprintf(corpus, sizeof(corpus), "%s", env);
		char probe[8192];
		snprintf(probe, sizeof(probe), "%s/x509", corpus);
		FILE *f = fopen(probe, "r");
		if (f == NULL)
			corpus[0] = '\0';
		else
			fclose(f);
	}
	env = getenv("DRAGNET_SOURCE_DIR");
	snprintf(source_dir, sizeof(source_dir), "%s", env ? env : ".");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pem_bundle),
		cmocka_unit_test(test_pem_trusted),
		cmocka_unit_test(test_der_input),
		cmocka_unit_test(test_detect_formats),
		cmocka_unit_test(test_base64_strict),
		cmocka_unit_test(test_ct_get_entries),
		cmocka_unit_test(test_ct_bad_extra_data),
		cmocka_unit_test(test_ct_leaf_hash),
		cmocka_unit_test(test_crtsh_sample),
		cmocka_unit_test(test_crtsh_dn_conversion),
		cmocka_unit_test(test_crtsh_bad_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
