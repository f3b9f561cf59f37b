/* Live WHOIS (TCP port 43) and RDAP (HTTP) lookups of domain names.
 *
 * These clients and the TLS client in tls_grab.h are the only code in
 * dragnet that contacts third parties. Only `whois --live` calls them. Every
 * query to one server waits for that server's minimum interval, kept for the
 * life of the process, and a server that reports throttling is not asked
 * again until it allows. The clients fetch bytes: parsing belongs to
 * whois/text.h and whois/rdap.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"
#include "whois/record.h"

#define LOOKUP_WHOIS_ROOT "whois.iana.org"
#define LOOKUP_RDAP_BOOTSTRAP "https://data.iana.org/rdap/dns.json"
#define LOOKUP_TIMEOUT_MS 15000
#define LOOKUP_INTERVAL_MS 2000
#define LOOKUP_RESPONSE_MAX ((size_t)1 << 20)

/* Servers asked for one name: the root, a registry and a registrar, plus one
 * spare for a registry that refers to another registry. */
#define LOOKUP_HOPS_MAX 4
/* Maximum length of "HOST:PORT", terminator included. */
#define LOOKUP_SERVER_MAX 300
/* Maximum length of a URL, terminator included. */
#define LOOKUP_URL_MAX 2048
/* Maximum number of HTTP redirects followed for one RDAP query. */
#define LOOKUP_REDIRECTS_MAX 5

enum lookup_protocol {
	LOOKUP_RDAP = 1 << 0,
	LOOKUP_WHOIS = 1 << 1,
};

struct lookup_options {
	/* First WHOIS server, "HOST" or "HOST:PORT" ("[V6]:PORT"); NULL for
	 * whois.iana.org on port 43. */
	const char *whois_root;
	/* IANA's RDAP bootstrap file for DNS (RFC 9224): an http:// or https://
	 * URL, or a file path; NULL for LOOKUP_RDAP_BOOTSTRAP. */
	const char *rdap_bootstrap;
	unsigned timeout_ms;    /* one query: connect, send and receive, redirects included */
	unsigned interval_ms;   /* minimum time between two queries to one server */
	size_t response_max;      /* bytes; a larger response fails with DN_ELIMIT */
	unsigned protocols;     /* LOOKUP_RDAP | LOOKUP_WHOIS, for lookup_domain() */
	/* Reject every server that is not a loopback address before resolving
	 * its name, so that a test can never reach another host. */
	bool loopback_only;
};

/* Fill options with the defaults above, both protocols and no loopback
 * restriction. This function can't fail. */
void lookup_options_init(struct lookup_options *options);

/* One WHOIS server's response. */
struct lookup_whois_hop {
	char server[LOOKUP_SERVER_MAX]; /* "whois.verisign-grs.com", or "HOST:PORT" off port 43 */
	char *text;                     /* the bytes received, malloc'd, NUL added after len */
	size_t len;
	/* Status of text by whois_parse_text(), or WHOIS_ERROR when it rejects text. */
	enum whois_status status;
};

/* The servers asked for one name, root first. */
struct lookup_whois_chain {
	struct lookup_whois_hop hops[LOOKUP_HOPS_MAX];
	size_t n_hops;
};

/* Ask the root WHOIS server for domain (an A-label) and follow referrals
 * ("refer:", "whois:", "Registrar WHOIS Server:") to at most LOOKUP_HOPS_MAX
 * servers, never asking one server twice. A few registries get the query
 * form they need ("=NAME" for Verisign, "-T dn,ace NAME" for DENIC).
 *
 * Returns DN_OK when every server in the chain sent a response. On failure the
 * chain keeps the hops fetched before the one that failed, and keeps a hop
 * whose response reports throttling. Errors: DN_EINVAL for a domain or server
 * that cannot be sent, DN_EIO when a server cannot be reached, times out or
 * resets the connection, DN_ELIMIT for a response over response_max, DN_EBUSY
 * when a server reports throttling (or did earlier in this process),
 * DN_EINTR after an interrupt_note(), DN_ENOMEM. Call
 * lookup_whois_chain_free() whatever it returns. */
dn_status lookup_whois(const char *domain, const struct lookup_options *options,
                       struct lookup_whois_chain *chain, struct dn_error *err);

/* Return the hop with the most specific response: the last hop whose status
 * is WHOIS_FOUND, else the last hop, or NULL for an empty chain. */
const struct lookup_whois_hop *lookup_whois_best_hop(const struct lookup_whois_chain *chain);

/* Free the hop texts and empty the chain. */
void lookup_whois_chain_free(struct lookup_whois_chain *chain);

/* One RDAP response. */
struct lookup_rdap_response {
	long http_status;          /* of the last response, after redirects */
	char url[LOOKUP_URL_MAX];  /* the URL that gave that response */
	unsigned redirects;
	char *body;                /* malloc'd, NUL added after len */
	size_t len;
	long retry_after;          /* seconds from Retry-After, or -1 */
	/* WHOIS_FOUND for 2xx, WHOIS_NOT_FOUND for 404, WHOIS_THROTTLED for
	 * 429, else WHOIS_ERROR. */
	enum whois_status status;
};

/* Write to base the RDAP base URL (ending in '/') that the bootstrap file
 * gives for domain: the service of the longest matching label suffix. The
 * bootstrap file is fetched or read once per location and kept for the life
 * of the process. Returns DN_ENOENT when no service matches, DN_EIO or
 * DN_EMALF when the file cannot be fetched or parsed. */
dn_status lookup_rdap_base(const char *domain, const struct lookup_options *options, char *base,
                           size_t size, struct dn_error *err);

/* GET base + "domain/" + domain with Accept: application/rdap+json,
 * following up to LOOKUP_REDIRECTS_MAX redirects. Returns DN_OK for 2xx and
 * 404 (response->status tells them apart), DN_EBUSY for 429 (the server is then
 * left alone for Retry-After seconds) or while an earlier 429 holds,
 * DN_ENOENT when the bootstrap has no service for domain, DN_EIO for other
 * HTTP statuses and failed transfers, DN_ELIMIT for a body over response_max
 * or too many redirects, DN_EINTR, DN_ENOMEM. Call
 * lookup_rdap_response_free() whatever it returns. */
dn_status lookup_rdap(const char *domain, const struct lookup_options *options,
                      struct lookup_rdap_response *response, struct dn_error *err);

void lookup_rdap_response_free(struct lookup_rdap_response *response);

/* Outcome of lookup_domain(). */
struct lookup_result {
	enum lookup_protocol protocol;   /* protocol of the response returned, 0 for none */
	struct lookup_rdap_response rdap;
	struct lookup_whois_chain whois;
	/* Why WHOIS was used in place of RDAP: no service for the TLD, or the
	 * RDAP error. "" when RDAP was not allowed or not tried. */
	char rdap_skipped[sizeof(((struct dn_error *)0)->msg)];
};

/* Look domain up in the default order: RDAP when options->protocols allows
 * it and the bootstrap file has a service for the name, else WHOIS when
 * allowed. An RDAP query that fails on the network (DN_EIO) or has no
 * service for the name (DN_ENOENT) falls back to
 * WHOIS; a throttled one (DN_EBUSY) does not. Returns what the protocol used
 * returns. Call lookup_result_free() whatever it returns. */
dn_status lookup_domain(const char *domain, const struct lookup_options *options,
                        struct lookup_result *result, struct dn_error *err);

void lookup_result_free(struct lookup_result *result);

/* Free the cached bootstrap files, so leak checkers see a clean exit. */
void lookup_cleanup(void);
