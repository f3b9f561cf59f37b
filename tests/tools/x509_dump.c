/* Print what the x509 readers make of a certificate file, one JSON object per
 * certificate (or per crt.sh entry), so test_x509_oracle.py can compare the
 * fields with the openssl binary:
 *   {"offset": N, "index": N, "sha256": HEX, ..., "subject": DN, ...}
 *   {"offset": N, "index": N, "error": "why"}       a block or entry that failed
 * CT JSON input adds "ct_index", "timestamp_ms", "entry_type", "leaf_hash",
 * "role" ("leaf" or "chain") and, for precert entries, "issuer_key_hash" and
 * "precert_tbs_sha256". Times are epoch seconds.
 * Usage: x509_dump [--repeat N] FILE
 * With --repeat, every certificate is parsed N times without printing and the
 * CPU time per parse goes to stderr. Exit status 0, 1 when the file is in no
 * certificate format, 2 for bad arguments or an unreadable file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "util/arena.h"
#include "x509/cert.h"
#include "x509/crtsh.h"
#include "x509/ct.h"
#include "x509/pem.h"

static long repeat;
static size_t parsed;
static double cpu_seconds;

static json_t *text(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *hex(const uint8_t *bytes, size_t n)
{
	char buf[2 * 64 + 1];
	x509_hex(bytes, n, buf);
	return json_string(buf);
}

static json_t *string_list(const char *const *items, size_t count)
{
	json_t *list = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(list, text(items[i]));
	return list;
}

static json_t *attrs_json(const struct x509_name *name)
{
	json_t *list = json_array();
	for (size_t i = 0; i < name->n_attrs; i++)
		json_array_append_new(list, json_pack("[ss]", name->attrs[i].key,
		                                      name->attrs[i].value));
	return list;
}

static json_t *cert_json(const struct x509_cert *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "sha1", hex(c->sha1, 20));
	json_object_set_new(o, "sha256", hex(c->sha256, 32));
	json_object_set_new(o, "spki_sha256", hex(c->spki_sha256, 32));
	json_object_set_new(o, "tbs_sha256", hex(c->tbs_sha256, 32));
	json_object_set_new(o, "serial", text(c->serial));
	json_object_set_new(o, "issuer", text(c->issuer.dn));
	json_object_set_new(o, "issuer_attrs", attrs_json(&c->issuer));
	json_object_set_new(o, "subject", text(c->subject.dn));
	json_object_set_new(o, "subject_attrs", attrs_json(&c->subject));
	json_object_set_new(o, "not_before", json_integer(c->not_before));
	json_object_set_new(o, "not_after", json_integer(c->not_after));
	json_object_set_new(o, "san_dns", string_list(c->san_dns, c->n_san_dns));
	json_object_set_new(o, "san_ip", string_list(c->san_ip, c->n_san_ip));
	json_object_set_new(o, "san_email", string_list(c->san_email, c->n_san_email));
	json_object_set_new(o, "key_type", text(c->key_type));
	json_object_set_new(o, "key_bits", json_integer(c->key_bits));
	json_object_set_new(o, "key_curve", text(c->key_curve));
	json_object_set_new(o, "sig_alg", text(c->sig_alg));
	json_object_set_new(o, "is_ca", json_boolean(c->is_ca));
	json_object_set_new(o, "self_signed", json_boolean(c->self_signed));
	json_object_set_new(o, "precert", json_boolean(c->precert));
	json_object_set_new(o, "has_scts", json_boolean(c->has_scts));
	json_object_set_new(o, "policies", string_list(c->policies, c->n_policies));
	json_object_set_new(o, "level", json_string(x509_level_name(c->level)));
	return o;
}

static void print(json_t *o)
{
	char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (line != NULL)
		puts(line);
	free(line);
	json_decref(o);
}

/* Parse one DER certificate into o (or an "error" member), timing it when
 * --repeat is given. */
static void add_parsed(json_t *o, const uint8_t *der, size_t len)
{
	struct arena arena;
	struct x509_cert *cert;
	struct dn_error err = {0};
	arena_init(&arena, 16384);

	if (repeat > 0) {
		clock_t start = clock();
		for (long i = 0; i < repeat; i++) {
			arena_reset(&arena);
			(void)x509_parse_der(der, len, &arena, &cert, &err);
		}
		cpu_seconds += (double)(clock() - start) / CLOCKS_PER_SEC;
		parsed += (size_t)repeat;
		arena_reset(&arena);
	}

	if (x509_parse_der(der, len, &arena, &cert, &err) == DN_OK)
		json_object_update_new(o, cert_json(cert));
	else
		json_object_set_new(o, "error", json_string(err.msg));
	arena_free(&arena);
}

static dn_status on_found(const struct x509_found *found, const struct dn_error *err, void *ctx)
{
	(void)ctx;
	json_t *o = json_pack("{sIsI}", "offset", (json_int_t)found->offset, "index",
	                      (json_int_t)found->index);
	if (err != NULL)
		json_object_set_new(o, "error", json_string(err->msg));
	else
		add_parsed(o, found->der, found->der_len);
	print(o);
	return DN_OK;
}

static json_t *ct_base(const struct ct_entry *e, const char *role, size_t chain_pos)
{
	json_t *o = json_pack("{sIsIss}", "ct_index", (json_int_t)e->index, "timestamp_ms",
	                      (json_int_t)e->timestamp_ms, "role", role);
	json_object_set_new(o, "entry_type", json_string(ct_entry_type_name(e->type)));
	json_object_set_new(o, "leaf_hash", hex(e->leaf_hash, 32));
	json_object_set_new(o, "chain_position", json_integer((json_int_t)chain_pos));
	if (e->type == CT_PRECERT_ENTRY) {
		uint8_t tbs_hash[32];
		EVP_Digest(e->precert_tbs.der, e->precert_tbs.len, tbs_hash, NULL, EVP_sha256(),
		           NULL);
		json_object_set_new(o, "issuer_key_hash", hex(e->issuer_key_hash, 32));
		json_object_set_new(o, "precert_tbs_sha256", hex(tbs_hash, 32));
	}
	return o;
}

static dn_status on_ct_entry(const struct ct_entry *e, const struct dn_error *err, void *ctx)
{
	(void)ctx;
	if (err != NULL) {
		print(json_pack("{sIss}", "ct_index", (json_int_t)e->index, "error", err->msg));
		return DN_OK;
	}
	json_t *leaf = ct_base(e, "leaf", 0);
	if (e->extra_error != NULL)
		json_object_set_new(leaf, "extra_error", json_string(e->extra_error));
	if (e->cert.der != NULL)
		add_parsed(leaf, e->cert.der, e->cert.len);
	else
		json_object_set_new(leaf, "error", json_string("no certificate in the entry"));
	print(leaf);
	for (size_t i = 0; i < e->n_chain; i++) {
		json_t *o = ct_base(e, "chain", i + 1);
		add_parsed(o, e->chain[i].der, e->chain[i].len);
		print(o);
	}
	return DN_OK;
}

static dn_status on_crtsh_entry(const struct crtsh_entry *e, const struct dn_error *err,
                                void *ctx)
{
	(void)ctx;
	json_t *o = json_pack("{sI}", "position", (json_int_t)e->position);
	if (err != NULL) {
		json_object_set_new(o, "error", json_string(err->msg));
		print(o);
		return DN_OK;
	}
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "issuer_ca_id", json_integer(e->issuer_ca_id));
	json_object_set_new(o, "issuer_name", text(e->issuer_name));
	json_object_set_new(o, "issuer_dn", text(e->issuer_dn));
	json_object_set_new(o, "common_name", text(e->common_name));
	json_object_set_new(o, "names", string_list(e->names, e->n_names));
	json_object_set_new(o, "entry_timestamp", e->entry_timestamp == CRTSH_NO_TIME
	                                                  ? json_null()
	                                                  : json_integer(e->entry_timestamp));
	json_object_set_new(o, "not_before", e->not_before == CRTSH_NO_TIME
	                                             ? json_null()
	                                             : json_integer(e->not_before));
	json_object_set_new(o, "not_after", e->not_after == CRTSH_NO_TIME
	                                            ? json_null()
	                                            : json_integer(e->not_after));
	json_object_set_new(o, "serial_number", text(e->serial_number));
	json_object_set_new(o, "result_count", json_integer(e->result_count));
	print(o);
	return DN_OK;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *grown = realloc(buf, cap *= 2);
			if (grown == NULL)
				free(buf);
			buf = grown;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	int arg = 1;
	if (argc > 3 && strcmp(argv[1], "--repeat") == 0) {
		repeat = strtol(argv[2], NULL, 10);
		arg = 3;
	}
	if (arg + 1 != argc) {
		fprintf(stderr, "usage: x509_dump [--repeat N] FILE\n");
		return 2;
	}
	size_t len;
	uint8_t *buf = read_file(argv[arg], &len);
	if (buf == NULL) {
		perror(argv[arg]);
		return 2;
	}

	struct dn_error err = {0};
	dn_status rc;
	enum x509_format format = x509_detect(buf, len);
	switch (format) {
	case X509_FORMAT_PEM:
	case X509_FORMAT_DER:
		rc = x509_read(buf, len, on_found, NULL, NULL, NULL, &err);
		break;
	case X509_FORMAT_CT_JSON:
		rc = ct_parse_json((const char *)buf, len, 0, on_ct_entry, NULL, NULL, NULL, &err);
		break;
	case X509_FORMAT_CRTSH:
		rc = crtsh_parse_json((const char *)buf, len, on_crtsh_entry, NULL, NULL, NULL,
		                      &err);
		break;
	default:
		rc = dn_fail(&err, DN_EFORMAT, "not a certificate format");
		break;
	}
	free(buf);
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", argv[arg], x509_format_name(format), err.msg);
		return 1;
	}
	if (repeat > 0 && parsed > 0)
		fprintf(stderr, "%zu parses, %.2f us CPU per certificate\n", parsed,
		        cpu_seconds * 1e6 / (double)parsed);
	return 0;
}
