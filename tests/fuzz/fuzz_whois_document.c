/* libFuzzer target: reading dragnet's WHOIS documents (whois/document.h).
 * A document that reads must write back to a document that reads to the
 * same record and writes to the same bytes, and jansson must accept every
 * document written. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "whois/document.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena arena;
	arena_init(&arena, 4096);
	struct whois_record rec, back;
	struct dn_error err;
	if (whois_document_read((const char *)data, size, &arena, &rec, &err) == DN_OK) {
		char *doc = whois_document_write(&rec);
		if (doc == NULL)
			abort();
		json_error_t jerr;
		json_t *root = json_loads(doc, JSON_REJECT_DUPLICATES, &jerr);
		if (root == NULL)
			abort();
		json_decref(root);
		if (whois_document_read(doc, strlen(doc), &arena, &back, &err) != DN_OK)
			abort();
		char *again = whois_document_write(&back);
		if (again == NULL || strcmp(again, doc) != 0)
			abort();
		free(again);
		free(doc);
	}
	arena_free(&arena);
	return 0;
}
