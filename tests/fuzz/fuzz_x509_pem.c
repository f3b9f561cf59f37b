/* libFuzzer target: x509_detect() and x509_read() on PEM or DER input, and
 * x509_parse_der() on every certificate found. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "x509/cert.h"
#include "x509/pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct scan {
	size_t size;
	size_t next_index;
	size_t last_offset;
};

static dn_status on_found(const struct x509_found *found, const struct dn_error *err, void *ctx)
{
	struct scan *scan = ctx;
	if (found->index != scan->next_index++ || found->offset >= scan->size ||
	    (scan->next_index > 1 && found->offset <= scan->last_offset))
		abort();
	scan->last_offset = found->offset;
	if (err != NULL) {
		if (found->der != NULL || err->msg[0] == '\0')
			abort();
		return DN_OK;
	}
	if (found->der == NULL || found->der_len == 0)
		abort();

	struct arena arena;
	struct x509_cert *cert;
	struct dn_error parse_err;
	arena_init(&arena, 4096);
	(void)x509_parse_der(found->der, found->der_len, &arena, &cert, &parse_err);
	arena_free(&arena);
	return DN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum x509_format format = x509_detect(data, size);
	if (x509_format_name(format) == NULL)
		abort();

	struct scan scan = {.size = size};
	size_t n_found, n_bad;
	struct dn_error err = {0};
	dn_status rc = x509_read(data, size, on_found, &scan, &n_found, &n_bad, &err);
	if (rc != DN_OK && rc != DN_EFORMAT && rc != DN_ENOMEM)
		abort();
	if (n_found + n_bad != scan.next_index)
		abort();
	return 0;
}
