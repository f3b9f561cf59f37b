/* libFuzzer target: the RDAP bootstrap parser and the choice of service. The
 * input is the text of a bootstrap file. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lookup/bootstrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A name made of "host." and an entry's suffix must find the entry with the
 * longest suffix that ends the name at a label boundary. */
static void check_find(const struct rdap_bootstrap *b)
{
	char name[300];
	for (size_t i = 0; i < b->n_entries && i < 64; i++) {
		const struct rdap_bootstrap_entry *e = &b->entries[i];
		size_t n = strlen(e->suffix);
		if (e->suffix[0] == '\0' || e->suffix[0] == '.' || e->suffix[n - 1] == '.' ||
		    e->base_url[strlen(e->base_url) - 1] != '/')
			abort();
		if (n + 6 > 253)
			continue;
		memcpy(name, "host.", 5);
		memcpy(name + 5, e->suffix, n + 1);
		size_t len = n + 5;

		const char *base = rdap_bootstrap_find(b, name);
		if (base == NULL)
			abort();
		size_t best = 0, chosen = 0;
		for (size_t j = 0; j < b->n_entries; j++) {
			const struct rdap_bootstrap_entry *o = &b->entries[j];
			size_t m = strlen(o->suffix);
			bool match = m <= len && strcasecmp(name + len - m, o->suffix) == 0 &&
			             (m == len || name[len - m - 1] == '.');
			if (match && m > best)
				best = m;
			if (match && o->base_url == base)
				chosen = m;
		}
		/* Each entry has its own copy of its URL, so the pointer names the
		 * chosen entry: it must match and be the longest match. */
		if (chosen == 0 || chosen != best)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rdap_bootstrap b;
	struct dn_error err;
	dn_status rc = rdap_bootstrap_parse((const char *)data, size, &b, &err);
	if (rc != DN_OK) {
		if ((rc != DN_EMALF && rc != DN_ENOMEM) || err.msg[0] == '\0' || b.entries != NULL)
			abort();
		return 0;
	}
	check_find(&b);
	rdap_bootstrap_free(&b);
	return 0;
}
