/* Shared state of registrants.c (intake and evidence items),
 * registrants_match.c (near-match detectors) and registrants_group.c
 * (bursts, groups, confidence). Not a public interface. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/registrants.h"
#include "util/arena.h"
#include "util/status.h"

/* The contact fields that can link domains, plus bursts. */
enum rg_field { RG_EMAIL = 0, RG_PHONE, RG_NAME, RG_ORG, RG_ADDRESS, RG_BURST, RG_FIELD_COUNT };

/* One distinct clear (field, key) on at most share_max domains. */
struct rg_value {
	enum rg_field field;
	const char *key;         /* in the result arena */
	const char *shown;
	uint32_t *domains;       /* sorted domain ids */
	float *roles;            /* per domain: factor of its strongest role */
	size_t n_domains;
};

/* Items weighing less than this corroborate a group but never link
 * domains, so that weak matches cannot chain unrelated groups together. */
#define RG_LINK_MIN 0.3

/* One evidence item before grouping. */
struct rg_item {
	enum registrants_evidence_kind kind;
	enum rg_field field;
	const char *description; /* the reason without " across N domains" */
	uint32_t *values;        /* value ids, sorted by key */
	size_t n_values;
	uint32_t *domains;       /* sorted domain ids */
	size_t n_domains;
	double weight;
	bool sequential;
	bool skip;               /* replaced by its per-group copies */
	/* Bursts only: the registrar as published and the burst's size. */
	const char *registrar;
	size_t burst_size;
};

struct rg_ctx {
	struct registrants_options opt;
	struct registrants_result *res;  /* its arena contains strings and output */
	struct arena scratch;            /* everything freed at the end */
	const char **domain_names;       /* sorted, unique */
	size_t n_domain_names;
	struct rg_value *values;
	size_t n_values;
	struct rg_item *items;
	size_t n_items;
	size_t cap_items;
	struct registrants_unused *unused;
	size_t n_unused;
	size_t cap_unused;
	uint32_t *stamp;                 /* per domain id: scratch mark for unions */
	uint32_t stamp_now;
	float *best_role;                /* per domain id: scratch role factor */
};

extern const char *const RG_FIELD_NAMES[RG_FIELD_COUNT];

/* The field called kind ("email", ...), or -1 for the kinds that are not
 * registrant evidence. */
int rg_field_of(const char *kind);
/* The id of a domain that collect_domains() saw. */
uint32_t rg_domain_id(const struct rg_ctx *ctx, const char *name);
/* Copies into a; NULL (also for s NULL) when memory ran out. */
const char *rg_strdup(struct arena *a, const char *s);
int rg_cmp_u32(const void *a, const void *b);
/* Make room for one more item in ctx->items; DN_ENOMEM on failure. */
dn_status rg_grow_items(struct rg_ctx *ctx);

/* Add an evidence item that ties the domains of the given values, with
 * reason description + " across N domains". Sets of fewer than two domains
 * are dropped; sets over share_max go to the unused list. Fails only on
 * DN_ENOMEM. */
dn_status rg_add_item(struct rg_ctx *ctx, enum registrants_evidence_kind kind,
                      enum rg_field field, double base, const uint32_t *values, size_t n_values,
                      bool sequential, const char *description);

/* Write up to max_shown keys of values, ", "-separated, into buf, with
 * "and N more" after them when there are more. */
void rg_list_keys(const struct rg_ctx *ctx, const uint32_t *values, size_t n, size_t max_shown,
                  char *buf, size_t size);

/* Find bursts, form groups from the items and write them with their
 * evidence and confidence to ctx->res. Fails only on DN_ENOMEM. */
dn_status rg_build_groups(struct rg_ctx *ctx, const struct registrants_domain *domains,
                          size_t n_domains);

/* Near-match detectors: each adds its items through rg_add_item(). */
dn_status rg_match_phones(struct rg_ctx *ctx);
dn_status rg_match_emails(struct rg_ctx *ctx);
dn_status rg_match_similar(struct rg_ctx *ctx, enum rg_field field);

/* Union-find over 0..n-1 in a caller's array. */
uint32_t rg_find(uint32_t *parent, uint32_t x);
void rg_union(uint32_t *parent, uint32_t a, uint32_t b);

/* Whether a and b are at most one insertion, deletion, substitution or
 * swap of neighbouring bytes apart, none of which touches a digit: "12 high
 * st" and "13 high st" are two addresses, not a typing error. */
bool rg_one_edit(const char *a, size_t la, const char *b, size_t lb);

/* Join i and j in parent (union-find over 0..n-1) for every pair of
 * strings[0..n) that are one edit apart (rg_one_edit) and whose class[]
 * differs. Strings shorter than min_len or longer than 128 bytes are
 * skipped. Fails only on DN_ENOMEM. */
dn_status rg_edit_pairs(const char *const *strings, const uint32_t *class, size_t n,
                        size_t min_len, uint32_t *parent);
