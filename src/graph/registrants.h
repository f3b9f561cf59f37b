/* Registrant correlation: groups of domains that are probably one operator,
 * found in the WHOIS index values of many domains.
 *
 * Pure: arrays in, groups out, no store and no I/O. To call it, collect every
 * index row of the domains in question (store_dump_whois_values() or a
 * reverse-WHOIS query), one struct registrants_domain per domain with its
 * registrar and creation time, then
 *
 *     struct registrants_options opt;
 *     struct registrants_result res;
 *     registrants_options_init(&opt);            // then change what you need
 *     if (registrants_correlate(rows, n_rows, domains, n_domains, &opt, &res, err))
 *             return err->code;
 *     ... read res.groups[0 .. res.n_groups) and res.unused[0 .. res.n_unused) ...
 *     registrants_result_free(&res);
 *
 * Evidence. Each item ties a set of domains and carries a reason to show:
 *   - the same normalised email, phone, name, org or address;
 *   - E.164 phone numbers equal but for the last one or two digits, noting
 *     when the differing digits form a run (0-9, or with a constant step);
 *   - email variants: one local part at several email domains, local parts
 *     that differ only in digits or ".", "_", "-", or one edit apart when
 *     they are at least 8 characters long;
 *   - similar names, orgs and addresses: the same words in another order,
 *     or one edit apart on keys of at least 10 bytes, where an edit that
 *     touches a digit does not count. For names also "j smith" against the
 *     one full name "john smith" it abbreviates;
 *   - a burst: at least burst_min domains created at one registrar with at
 *     most burst_gap seconds between neighbours.
 * Rows with kind "registrar" or "nameserver", or a role other than
 * registrant, admin, tech or billing, are not registrant evidence.
 *
 * Values that never link. Masked rows (redacted or a privacy service) and
 * values shared by more than share_max domains are left out and listed in
 * res.unused with the reason ("not used: shared by 412 domains"). The
 * default, 100, sits above the tens of domains one campaign usually
 * registers and below the hundreds or thousands that carry a reseller's
 * default contact or a registrar's placeholder. Raise it to follow bulk
 * registrants, lower it on small, noisy sets. An item of similar values that
 * together cover more than share_max domains is left out the same way.
 *
 * Scoring. An item's weight is the base weight of its evidence kind (the
 * tables in registrants.c and registrants_match.c, from 0.85 for one email
 * down to 0.1 for a burst) times a role factor: 1.0 when every domain in the
 * item has the value as registrant, else the factor of the weakest role that
 * covers a domain (admin 0.7, tech 0.5, billing 0.5). Items of at least 0.3
 * link: the domains they tie form groups (connected components). Lighter
 * items (bursts, initials, loose last-two-digit phones, weak roles) only
 * corroborate: a group lists such an item, cut to its own members, when it
 * holds at least two of the item's domains. A group's confidence combines the
 * strongest item of each field (email, phone, name, org, address, burst) as
 * independent evidence: 1 - (1 - w_email)(1 - w_phone)...; two phone items
 * count as one, so email + phone scores above two phone items.
 *
 * Output is deterministic: groups by size (largest first) then first domain,
 * members sorted by strcmp, evidence by weight then reason. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/arena.h"
#include "util/status.h"

/* Default for registrants_options.share_max; see the header comment. */
#define REGISTRANTS_SHARE_MAX 100

/* Registrar and creation time of a domain, which its contact rows lack. */
struct registrants_domain {
	const char *domain;      /* as in the rows' domain field */
	const char *registrar;   /* registrar name as published, or NULL */
	int64_t created;         /* epoch seconds, or WHOIS_TIME_UNSET */
};

struct registrants_options {
	size_t share_max;        /* values on more domains than this never link */
	int64_t burst_gap;       /* seconds between neighbouring creations in a burst */
	size_t burst_min;        /* minimum number of domains in a burst */
};

enum registrants_evidence_kind {
	REGISTRANTS_SAME_VALUE = 0, /* identical normalised value */
	REGISTRANTS_PHONE_DIGITS,   /* phones equal but for the last one or two digits */
	REGISTRANTS_EMAIL_VARIANT,  /* local part reused, varied by digits or separators, or one edit */
	REGISTRANTS_SIMILAR,        /* words reordered or one edit apart */
	REGISTRANTS_INITIALS,       /* "j smith" against "john smith" */
	REGISTRANTS_BURST,          /* created close together at one registrar */
};

struct registrants_evidence {
	enum registrants_evidence_kind kind;
	const char *field;           /* "email", "phone", "name", "org", "address", "created" */
	const char *reason;          /* one line for an analyst */
	const char **values;         /* the normalised values involved, sorted; none for a burst */
	size_t n_values;
	const char **domains;        /* sorted */
	size_t n_domains;
	double weight;               /* 0..1, role factor included */
	bool sequential;             /* PHONE_DIGITS: three or more differing digit values
	                              * rising by a constant step (0-9, or 00-57 by 3) */
};

struct registrants_group {
	const char **domains;        /* sorted */
	size_t n_domains;
	struct registrants_evidence *evidence;
	size_t n_evidence;
	double confidence;           /* 0..1 */
};

/* A value left out, and why. */
struct registrants_unused {
	const char *kind;
	const char *value;
	const char *shown;           /* one published form */
	size_t n_domains;
	bool masked;                 /* else: shared by more than share_max domains */
	const char *reason;          /* "not used: shared by 412 domains" */
};

/* Everything lives in arena; registrants_result_free() releases it. */
struct registrants_result {
	struct registrants_group *groups;
	size_t n_groups;
	struct registrants_unused *unused;  /* by kind, then value */
	size_t n_unused;
	struct arena arena;
};

/* Fill opt with the defaults: share_max REGISTRANTS_SHARE_MAX, burst_gap one
 * day, burst_min 3. This function can't fail. */
void registrants_options_init(struct registrants_options *opt);

/* Group the domains of rows and domains (either may name a domain the other
 * lacks) into probable operators. opt may be NULL for the defaults. On
 * success out contains the result, which the caller frees with
 * registrants_result_free(). On failure (DN_ENOMEM, or DN_EINVAL for a row
 * without kind, value or domain) out is empty and needs no free. The strings
 * of rows and domains are copied, so the caller may free them afterwards. */
dn_status registrants_correlate(const struct store_whois_value *rows, size_t n_rows,
                                const struct registrants_domain *domains, size_t n_domains,
                                const struct registrants_options *opt,
                                struct registrants_result *out, struct dn_error *err);

/* Release a result of registrants_correlate(). */
void registrants_result_free(struct registrants_result *res);
