/* Certificates read from the store for `dragnet cert`, its patterns and
 * the HTTP API: collected in memory with their sightings, paired and
 * printed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "store/store.h"
#include "util/arena.h"

/* A stored certificate with what was found about it. Strings live in the
 * list's arena. */
struct cert_result {
	struct store_cert cert;
	struct store_cert_sighting *sightings;
	size_t n_sightings;
	/* --dedupe: the precertificate folded into this final certificate,
	 * else NULL. */
	const struct cert_result *paired;
	/* Folded into another result, a partial one a full one replaces, or
	 * beyond --limit. */
	bool hidden;
};

struct cert_list {
	struct arena arena;
	struct cert_result *items;
	size_t n, cap;
};

void cert_list_init(struct cert_list *list);
void cert_list_free(struct cert_list *list);

/* A store_cert_fn that appends a copy of the certificate to the list (ctx),
 * skipping one whose key is already there. */
dn_status cert_list_add(const struct store_cert *cert, void *ctx);

/* Hide each partial certificate whose full certificate (the same issuer
 * and serial) the store holds, and add the full one in its place. */
dn_status cert_list_resolve(struct cert_list *list, struct store *store, struct dn_error *err);

/* --dedupe: pair each visible precertificate with the final certificate
 * that has the same TBS hash, reading that one from the store when the
 * list lacks it, and hide the precertificate. */
dn_status cert_list_pair(struct cert_list *list, struct store *store, struct dn_error *err);

/* Hide the visible certificates after the first limit (0: none) and
 * return how many were hidden. */
size_t cert_list_cut(struct cert_list *list, size_t limit);

/* Read the sightings of each visible certificate and of the
 * precertificate paired with it, including those stored under its
 * partial key (crt.sh entries of the same issuer and serial). */
dn_status cert_list_read_sightings(struct cert_list *list, struct store *store,
                                   struct dn_error *err);

/* Print the visible certificates as text blocks or as a JSON array. JSON
 * strings that are not valid UTF-8 (file names in sightings) get each
 * invalid byte as \xHH. Returns false, having printed no JSON, when memory
 * runs out or the JSON cannot be written. */
bool cert_list_print(const struct cert_list *list, bool json, FILE *out);

/* The registrable domain (public suffix plus one label, by libpsl) of a
 * DNS name from a SAN ("*.a.example.co.uk" gives "example.co.uk"), written
 * to out; false when the name has none (an IP address, a bare suffix). */
bool cert_registrable_domain(const char *name, char *out, size_t size);
