/* IANA's RDAP bootstrap file for domain names (RFC 9224) and the choice of
 * service for a name. Pure: no I/O. */
#pragma once

#include <stddef.h>

#include "util/status.h"

/* One label suffix ("com", "co.uk") and the base URL of its service. */
struct rdap_bootstrap_entry {
	char *suffix;   /* lower case, no leading or trailing dot */
	char *base_url; /* https:// preferred over http://, always ending in '/' */
};

struct rdap_bootstrap {
	struct rdap_bootstrap_entry *entries;
	size_t n_entries;
};

/* Parse len bytes of the bootstrap JSON into *out, which the caller frees
 * with rdap_bootstrap_free(). A service whose URLs are neither http:// nor
 * https:// is skipped, and so is an empty suffix. Returns DN_EMALF, naming
 * the service, when the JSON is invalid or lacks the "services" array of
 * [[suffix...], [url...]] pairs; DN_ENOMEM. Never reads past len. */
dn_status rdap_bootstrap_parse(const char *json, size_t len, struct rdap_bootstrap *out,
                               struct dn_error *err);

/* The base URL for domain (case and a trailing dot ignored): the entry whose
 * suffix matches the most labels at the end of the name, or NULL. */
const char *rdap_bootstrap_find(const struct rdap_bootstrap *bootstrap, const char *domain);

void rdap_bootstrap_free(struct rdap_bootstrap *bootstrap);
