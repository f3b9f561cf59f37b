/* Turn a parsed WHOIS record into the store's rows. */
#include "ingest/whois_store.h"

#include <stdlib.h>
#include <string.h>

#include "whois/document.h"
#include "whois/index.h"

/* Four contacts of five values, a registrar and WHOIS_LIST_MAX nameservers. */
#define INDEX_MAX (WHOIS_ROLE_COUNT * 5 + 1 + WHOIS_LIST_MAX)

dn_status whois_store_record(struct store *store, uint32_t source_id,
                             const struct whois_record *rec, const char *raw, size_t raw_len,
                             int64_t observed, struct dn_error *err)
{
	if (rec->domain == NULL || rec->domain[0] == '\0')
		return dn_fail(err, DN_EINVAL, "the response names no domain");
	char *doc = whois_document_write(rec);
	char *raw_text = malloc(raw_len + 1);
	if (doc == NULL || raw_text == NULL) {
		free(doc);
		free(raw_text);
		return dn_fail(err, DN_ENOMEM, "out of memory for a WHOIS document");
	}
	if (raw_len > 0)
		memcpy(raw_text, raw, raw_len);
	raw_text[raw_len] = '\0';

	struct store_whois row = {
		.domain = rec->domain,
		.status = whois_status_name(rec->status),
		.document = doc,
		.raw = raw_text,
		.time_first = observed,
		.time_last = observed,
		.count = 1,
		.source_id = source_id,
	};
	dn_status rc = store_put_whois(store, &row, 1, err);

	struct whois_index_entry entries[INDEX_MAX];
	size_t n = whois_index(rec, entries, INDEX_MAX);
	if (n > INDEX_MAX)
		n = INDEX_MAX;
	struct store_whois_value vals[INDEX_MAX];
	for (size_t i = 0; i < n; i++) {
		vals[i] = (struct store_whois_value){
			.kind = entries[i].kind,
			.value = entries[i].value,
			.shown = entries[i].shown,
			.domain = rec->domain,
			.role = entries[i].role,
			.masked = entries[i].masked,
			.time_first = observed,
			.time_last = observed,
		};
	}
	if (rc == DN_OK && n > 0)
		rc = store_put_whois_values(store, vals, n, err);
	free(doc);
	free(raw_text);
	return rc;
}
