/* libFuzzer target: crtsh_parse_json(), and crtsh_dn_to_rfc4514() on the
 * input as one issuer name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x509/crtsh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dn_status on_entry(const struct crtsh_entry *e, const struct dn_error *err, void *ctx)
{
	size_t *next = ctx;
	if (e->position != (*next)++)
		abort();
	if (err != NULL) {
		if (err->msg[0] == '\0')
			abort();
		return DN_OK;
	}
	for (size_t i = 0; i < e->n_names; i++) {
		if (e->names[i] == NULL || e->names[i][0] == '\0' || strchr(e->names[i], '\n'))
			abort();
	}
	if (e->issuer_dn != NULL && e->issuer_name == NULL)
		abort();
	if (e->serial_number != NULL &&
	    strspn(e->serial_number, "0123456789abcdef") != strlen(e->serial_number))
		abort();
	return DN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t next = 0, n_entries, n_bad;
	struct dn_error err = {0};
	dn_status rc = crtsh_parse_json((const char *)data, size, on_entry, &next, &n_entries,
	                                &n_bad, &err);
	if (rc == DN_OK && (n_entries != next || n_bad > n_entries))
		abort();

	char *name = malloc(size + 1);
	if (name == NULL)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	char *dn = crtsh_dn_to_rfc4514(name);
	/* Escaping at most doubles each value byte. */
	if (dn != NULL && strlen(dn) > 2 * strlen(name) + 1)
		abort();
	free(dn);
	free(name);
	return 0;
}
