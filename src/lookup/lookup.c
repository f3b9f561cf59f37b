/* Options of the live lookups, the loopback check, and the choice between
 * RDAP and WHOIS for a name. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "lookup/internal.h"
#include "lookup/lookup.h"
#include "util/log.h"

void lookup_options_init(struct lookup_options *options)
{
	memset(options, 0, sizeof(*options));
	options->timeout_ms = LOOKUP_TIMEOUT_MS;
	options->interval_ms = LOOKUP_INTERVAL_MS;
	options->response_max = LOOKUP_RESPONSE_MAX;
	options->protocols = LOOKUP_RDAP | LOOKUP_WHOIS;
}

bool lookup_host_is_loopback(const char *host)
{
	char bare[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len >= sizeof(bare))
		return false;
	memcpy(bare, host, len);
	bare[len] = '\0';

	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, bare, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, bare, &v6) != 1)
		return false;
	if (IN6_IS_ADDR_LOOPBACK(&v6))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

dn_status lookup_check_domain(const char *domain, struct dn_error *err)
{
	size_t len = strlen(domain);
	if (len == 0 || len > 253)
		return dn_fail(err, DN_EINVAL, "\"%s\" is not a domain name", domain);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)domain[i];
		if (c <= ' ' || c >= 0x7f)
			return dn_fail(err, DN_EINVAL,
			               "\"%s\" is not a domain name in ASCII; give the A-label "
			               "(xn--...) of an internationalised name",
			               domain);
	}
	return DN_OK;
}

dn_status lookup_domain(const char *domain, const struct lookup_options *options,
                        struct lookup_result *result, struct dn_error *err)
{
	memset(result, 0, sizeof(*result));
	result->rdap.retry_after = -1;

	if (options->protocols & LOOKUP_RDAP) {
		struct dn_error rerr;
		dn_status rc = lookup_rdap(domain, options, &result->rdap, &rerr);
		if (rc == DN_OK) {
			result->protocol = LOOKUP_RDAP;
			return DN_OK;
		}
		bool fall_back = (rc == DN_ENOENT || rc == DN_EIO || rc == DN_EMALF) &&
		                 (options->protocols & LOOKUP_WHOIS);
		if (!fall_back) {
			if (err != NULL)
				*err = rerr;
			return rc;
		}
		snprintf(result->rdap_skipped, sizeof(result->rdap_skipped), "%s", rerr.msg);
		log_info("%s: asking WHOIS, not RDAP: %s", domain, rerr.msg);
		lookup_rdap_response_free(&result->rdap);
	}

	if (!(options->protocols & LOOKUP_WHOIS))
		return dn_fail(err, DN_EINVAL, "%s: no lookup protocol allowed", domain);
	dn_status rc = lookup_whois(domain, options, &result->whois, err);
	if (result->whois.n_hops > 0)
		result->protocol = LOOKUP_WHOIS;
	return rc;
}

void lookup_result_free(struct lookup_result *result)
{
	lookup_rdap_response_free(&result->rdap);
	lookup_whois_chain_free(&result->whois);
	result->protocol = 0;
}
