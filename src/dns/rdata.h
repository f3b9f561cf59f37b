/* Presentation format of names, types, rcodes and rdata, and the index values
 * (addresses, target names) that reverse lookups search by. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ipaddr.h"

/* Longest presentation form of a domain name: 255 wire bytes where every
 * byte may need a four-character \DDD escape. */
#define DNS_NAME_TEXT_MAX (255 * 4 + 1)

/* Write the wire-form name in presentation format ("www.example.com.", "." for
 * the root) into buf. Returns the length, or 0 when the name is invalid or
 * buf is too small. */
size_t dns_name_format(const uint8_t *wire, char *buf, size_t size);

/* Write rdata of the given type in standard presentation format (RFC 1035
 * section 5.1 and each type's RFC), or in the RFC 3597 generic form
 * ("\# 4 c0000201") for unknown types and for rdata libknot cannot render.
 * *text is a malloc'd buffer of *size bytes that grows as needed (start with
 * NULL/0). Returns the text length, or -1 when out of memory. */
long dns_rdata_format(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char **text,
                      size_t *size);

/* Mnemonic ("AAAA") or "TYPE65280" for types without one. */
void dns_type_format(uint16_t type, char *buf, size_t size);

/* Accept a mnemonic in any case or "TYPEnnn". */
bool dns_type_parse(const char *text, uint16_t *type);

/* "NOERROR", "NXDOMAIN", ... or "RCODE23" for codes without a name. */
void dns_rcode_format(uint16_t rcode, char *buf, size_t size);
bool dns_rcode_parse(const char *text, uint16_t *rcode);

/* Meta and pseudo types (OPT, TSIG, TKEY, IXFR, AXFR, MAILA, MAILB, ANY),
 * which describe a transaction rather than data and are never stored. */
bool dns_type_is_meta(uint16_t type);

/* The address an A or AAAA rdata holds. False for other types or a wrong
 * rdata length. */
bool dns_rdata_ip(uint16_t type, const uint8_t *rdata, uint16_t rdlen, ip_key *ip);

/* The domain name that rdata points at (the target of CNAME, DNAME, NS,
 * PTR, MX, SRV, KX, AFSDB, RT, NAPTR, SVCB and HTTPS; the primary server of
 * SOA), in wire form, with its length in *len. NULL for other types and
 * when no well-formed name is found inside rdata. */
const uint8_t *dns_rdata_target(uint16_t type, const uint8_t *rdata, uint16_t rdlen, size_t *len);
