/* The list of known shared infrastructure: CDN and hosting networks, DNS
 * hosting, public CAs and privacy proxies, whose values `dragnet map` keeps
 * in the graph but never expands.
 *
 * The list is text, one entry a line, three fields separated by '|':
 *
 *     KIND | VALUE | LABEL
 *     asn        | AS13335          | Cloudflare
 *     prefix     | 104.16.0.0/13    | Cloudflare
 *     nameserver | ns.cloudflare.com | Cloudflare DNS
 *     issuer-org | Let's Encrypt    | Let's Encrypt (public CA)
 *
 * Space around fields is ignored; '#' starts a comment line; blank lines
 * are skipped. KIND is one of
 *   asn          an AS number, "AS13335" or "13335"
 *   prefix       an IPv4 or IPv6 CIDR prefix; covers addresses and prefixes in it
 *   nameserver   a host name; covers it and every name below it
 *   mx           the same, for mail exchangers
 *   domain       the same, for names seen in DNS (CDN edge names)
 *   issuer-org   the organisation (O) of a certificate issuer, any case
 *   email-domain the domain of an email address; covers names below it too
 *   org          a registrant or registrar organisation, compared as the
 *                WHOIS index normalises organisations
 *
 * The default list is data/shared-infra.txt, compiled into the program.
 * The parser is pure: text in, entries out. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "util/arena.h"
#include "util/ipaddr.h"
#include "util/status.h"

enum shared_kind {
	SHARED_ASN,
	SHARED_PREFIX,
	SHARED_NAMESERVER,
	SHARED_MX,
	SHARED_DOMAIN,
	SHARED_ISSUER_ORG,
	SHARED_EMAIL_DOMAIN,
	SHARED_ORG,
	SHARED_KIND_COUNT
};

struct shared_entry {
	enum shared_kind kind;
	const char *value;       /* normalised: lower case, no trailing dot */
	const char *label;
	uint32_t asn;            /* SHARED_ASN */
	struct ip_range range;   /* SHARED_PREFIX */
	unsigned line;           /* 1-based line in the list text */
};

struct shared_list {
	struct shared_entry *entries;
	size_t n_entries, cap_entries;
	struct arena arena;
};

void shared_list_init(struct shared_list *list);
void shared_list_free(struct shared_list *list);

/* Add the entries of text (len bytes, NUL bytes rejected) to list. On a
 * bad line, fails with DN_EMALF, sets *line to its number and names the
 * reason in err; the entries of earlier lines stay in the list. Fails with
 * DN_ENOMEM when memory runs out. line may be NULL. */
dn_status shared_list_parse(struct shared_list *list, const char *text, size_t len,
                            unsigned *line, struct dn_error *err);

/* Add the entries of the compiled-in data/shared-infra.txt. */
dn_status shared_list_load_default(struct shared_list *list, struct dn_error *err);

/* The entry that covers the graph node (kind, key), or NULL. Keys are as
 * graph.h describes them; an issuer key is an RFC 4514 DN, or "O=VALUE" for
 * the organisation of self-signed issuers. */
const struct shared_entry *shared_list_match(const struct shared_list *list, enum graph_kind kind,
                                             const char *key);

/* "asn", "prefix", "nameserver", ...: the KIND names of the list. */
const char *shared_kind_name(enum shared_kind kind);
