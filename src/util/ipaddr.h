/* IP addresses as 16-byte keys that sort in numeric order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 address is stored as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one
 * byte-wise comparison orders every address and an IPv4 range stays contiguous. */
typedef struct {
	uint8_t b[16];
} ip_key;

/* Inclusive range of addresses, with the family it was written in: an
 * IPv6 range such as ::/0 covers the IPv4-mapped keys too, so searches use
 * the family to tell A from AAAA data. */
struct ip_range {
	ip_key lo;
	ip_key hi;
	uint8_t family;  /* 4 or 6 */
};

void ip_key_from_v4(ip_key *key, const uint8_t v4[4]);
void ip_key_from_v6(ip_key *key, const uint8_t v6[16]);
bool ip_key_is_v4(const ip_key *key);

/* Parse one address in dotted or RFC 5952 form. */
bool ip_key_parse(const char *text, ip_key *key);

/* Print the address in its normal text form (dotted for IPv4). buf needs
 * INET6_ADDRSTRLEN (46) bytes. */
void ip_key_format(const ip_key *key, char *buf, size_t size);

/* Parse "ADDR", "ADDR/LEN" or "START-END" into an inclusive range. A prefix
 * length counts bits of the address as written (0-32 for IPv4, 0-128 for IPv6);
 * host bits set below the prefix are ignored, as DNSDB does. Returns false for
 * anything else, for a reversed range and for a range mixing families. */
bool ip_range_parse(const char *text, struct ip_range *range);
