/* IP addresses as 16-byte keys that sort in numeric order. */
#include "util/ipaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void ip_key_from_v4(ip_key *key, const uint8_t v4[4])
{
	memcpy(key->b, v4_mapped_prefix, 12);
	memcpy(key->b + 12, v4, 4);
}

void ip_key_from_v6(ip_key *key, const uint8_t v6[16])
{
	memcpy(key->b, v6, 16);
}

bool ip_key_is_v4(const ip_key *key)
{
	return memcmp(key->b, v4_mapped_prefix, 12) == 0;
}

bool ip_key_parse(const char *text, ip_key *key)
{
	uint8_t buf[16];
	if (strchr(text, ':') == NULL) {
		if (inet_pton(AF_INET, text, buf) != 1)
			return false;
		ip_key_from_v4(key, buf);
		return true;
	}
	if (inet_pton(AF_INET6, text, buf) != 1)
		return false;
	ip_key_from_v6(key, buf);
	return true;
}

void ip_key_format(const ip_key *key, char *buf, size_t size)
{
	if (ip_key_is_v4(key))
		inet_ntop(AF_INET, key->b + 12, buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, key->b, buf, (socklen_t)size);
}

/* Clear (to 0) or set (to 1) every bit after the first `keep` bits. */
static void fill_host_bits(ip_key *key, unsigned keep, bool ones)
{
	for (unsigned bit = keep; bit < 128; bit++) {
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
		if (ones)
			key->b[bit / 8] |= mask;
		else
			key->b[bit / 8] &= (uint8_t)~mask;
	}
}

static bool parse_cidr(const char *text, const char *slash, struct ip_range *range)
{
	char addr[64];
	size_t len = (size_t)(slash - text);
	if (len == 0 || len >= sizeof(addr))
		return false;
	memcpy(addr, text, len);
	addr[len] = '\0';

	ip_key base;
	if (!ip_key_parse(addr, &base))
		return false;

	const char *digits = slash + 1;
	if (*digits < '0' || *digits > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long plen = strtoul(digits, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;

	bool v4 = strchr(addr, ':') == NULL;
	if (plen > (v4 ? 32u : 128u))
		return false;
	unsigned keep = (unsigned)plen + (v4 ? 96u : 0u);

	range->lo = base;
	range->hi = base;
	range->family = v4 ? 4 : 6;
	fill_host_bits(&range->lo, keep, false);
	fill_host_bits(&range->hi, keep, true);
	return true;
}

bool ip_range_parse(const char *text, struct ip_range *range)
{
	const char *slash = strchr(text, '/');
	if (slash != NULL)
		return parse_cidr(text, slash, range);

	const char *dash = strchr(text, '-');
	if (dash == NULL) {
		if (!ip_key_parse(text, &range->lo))
			return false;
		range->hi = range->lo;
		range->family = strchr(text, ':') == NULL ? 4 : 6;
		return true;
	}

	char lo[64], hi[64];
	size_t lo_len = (size_t)(dash - text);
	size_t hi_len = strlen(dash + 1);
	if (lo_len == 0 || lo_len >= sizeof(lo) || hi_len == 0 || hi_len >= sizeof(hi))
		return false;
	memcpy(lo, text, lo_len);
	lo[lo_len] = '\0';
	memcpy(hi, dash + 1, hi_len + 1);

	if (!ip_key_parse(lo, &range->lo) || !ip_key_parse(hi, &range->hi))
		return false;
	bool lo_v4 = strchr(lo, ':') == NULL;
	if (lo_v4 != (strchr(hi, ':') == NULL))
		return false;
	range->family = lo_v4 ? 4 : 6;
	return memcmp(range->lo.b, range->hi.b, 16) <= 0;
}
