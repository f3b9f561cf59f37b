/* libFuzzer target: x509_parse_der(). The input is one DER certificate. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "x509/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const struct x509_name *name)
{
	if (name->dn == NULL || (name->n_attrs > 0 && name->attrs == NULL))
		abort();
	for (size_t i = 0; i < name->n_attrs; i++) {
		if (name->attrs[i].key == NULL || name->attrs[i].value == NULL)
			abort();
	}
}

static void check_list(const char *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (items[i] == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena arena;
	struct x509_cert *cert;
	struct dn_error err = {0};
	arena_init(&arena, 4096);
	dn_status rc = x509_parse_der(data, size, &arena, &cert, &err);
	if (rc != DN_OK) {
		if (cert != NULL || err.msg[0] == '\0' || (rc != DN_EMALF && rc != DN_ENOMEM))
			abort();
		arena_free(&arena);
		return 0;
	}

	/* The record is complete and describes exactly these bytes. */
	uint8_t sha256[32];
	SHA256(data, size, sha256);
	if (cert->der_len != size || memcmp(cert->der, data, size) != 0 ||
	    memcmp(cert->sha256, sha256, 32) != 0 || cert->serial == NULL ||
	    cert->key_type == NULL || cert->sig_alg == NULL)
		abort();
	check_name(&cert->issuer);
	check_name(&cert->subject);
	check_list(cert->san_dns, cert->n_san_dns);
	check_list(cert->san_ip, cert->n_san_ip);
	check_list(cert->san_email, cert->n_san_email);
	check_list(cert->policies, cert->n_policies);
	arena_free(&arena);
	return 0;
}
