/* libFuzzer target: the CT readers. The input is get-entries JSON for
 * ct_parse_json(), and is also split into a binary leaf_input and extra_data
 * for ct_decode_entry(): the first two bytes give the leaf length. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "x509/cert.h"
#include "x509/ct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_der(const struct ct_der *der)
{
	if ((der->der == NULL) != (der->len == 0))
		abort();
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < der->len; i++)
		sink ^= der->der[i];
	(void)sink;
}

static void check_entry(const struct ct_entry *e)
{
	if (e->type != CT_X509_ENTRY && e->type != CT_PRECERT_ENTRY)
		abort();
	check_der(&e->cert);
	check_der(&e->precert_tbs);
	for (size_t i = 0; i < e->n_chain; i++)
		check_der(&e->chain[i]);
	if (e->extra_error != NULL && e->n_chain != 0)
		abort();

	if (e->cert.der != NULL) {
		struct arena arena;
		struct x509_cert *cert;
		struct dn_error err;
		arena_init(&arena, 4096);
		(void)x509_parse_der(e->cert.der, e->cert.len, &arena, &cert, &err);
		arena_free(&arena);
	}
}

static dn_status on_entry(const struct ct_entry *e, const struct dn_error *err, void *ctx)
{
	uint64_t *next = ctx;
	if (e->index != (*next)++)
		abort();
	if (err != NULL) {
		if (err->msg[0] == '\0')
			abort();
		return DN_OK;
	}
	check_entry(e);
	return DN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t next = 42;
	size_t n_entries, n_bad;
	struct dn_error err = {0};
	dn_status rc = ct_parse_json((const char *)data, size, 42, on_entry, &next, &n_entries,
	                             &n_bad, &err);
	if (rc == DN_OK && (n_entries != next - 42 || n_bad > n_entries))
		abort();
	if (rc != DN_OK && err.msg[0] == '\0')
		abort();

	if (size >= 2) {
		size_t leaf_len = ((size_t)data[0] << 8 | data[1]) % (size - 1);
		struct arena arena;
		struct ct_entry entry;
		arena_init(&arena, 4096);
		if (ct_decode_entry(data + 2, leaf_len, data + 2 + leaf_len, size - 2 - leaf_len, 0,
		                    &arena, &entry, &err) == DN_OK)
			check_entry(&entry);
		arena_free(&arena);
	}
	return 0;
}
