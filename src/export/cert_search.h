/* Certificate searches as `dragnet cert` and the HTTP API take them. The
 * conditions come from the text a user typed: a SAN, an issuer or subject
 * DN or attribute, a fingerprint, an SPKI hash or a serial. A search runs
 * against the store and is folded into the certificates to show
 * (export/cert_results.h).
 *
 * Messages name the parameter as the caller calls it ("--spki" for the
 * command, "spki" for the API), which each function takes as param. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "export/cert_results.h"
#include "store/store.h"
#include "util/status.h"

/* At most this many conditions, and substrings of each DN. */
#define CERT_SEARCH_MAX_MATCHES 16

struct cert_search {
	struct store_cert_match matches[CERT_SEARCH_MAX_MATCHES];
	size_t n_matches;
	struct store_cert_query query;
	/* Issuer and subject substrings: every one must occur. */
	const char *issuer_contains[CERT_SEARCH_MAX_MATCHES];
	const char *subject_contains[CERT_SEARCH_MAX_MATCHES];
	const char *fingerprint; /* a prefix of either hash: searched twice */
	size_t limit;            /* certificates shown; 0: all */
	bool dedupe;             /* show a precertificate and its final certificate once */
	/* Strings the matches point to. */
	char text[CERT_SEARCH_MAX_MATCHES][1100];
};

/* Empty the search, with the limit of 1000 certificates. */
void cert_search_init(struct cert_search *s);

/* Add a condition. Each fails with DN_EINVAL, naming param and the value,
 * when the text is invalid or the search is full. */
dn_status cert_search_add_fingerprint(struct cert_search *s, const char *param, const char *text,
                                      struct dn_error *err);
dn_status cert_search_add_spki(struct cert_search *s, const char *param, const char *text,
                               struct dn_error *err);
dn_status cert_search_add_serial(struct cert_search *s, const char *param, const char *text,
                                 struct dn_error *err);
/* which is "issuer" or "subject". */
dn_status cert_search_add_dn(struct cert_search *s, const char *which, const char *param,
                             const char *text, struct dn_error *err);
dn_status cert_search_add_san(struct cert_search *s, const char *param, const char *name,
                              struct dn_error *err);

/* Whether any condition or time is set: a search without one would list
 * every certificate. */
bool cert_search_has_conditions(const struct cert_search *s);

/* Run s into list: query the store, replace partial certificates by full
 * ones, pair precertificates (s->dedupe), cut at s->limit and read the
 * sightings. Sets *more when more certificates than the limit may match. */
dn_status cert_search_run(struct store *store, struct cert_search *s, struct cert_list *list,
                          bool *more, struct dn_error *err);
