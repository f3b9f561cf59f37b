/* IP-to-ASN data: the range record, the ip2asn, pfx2as and MMDB readers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ipaddr.h"
#include "util/status.h"

/* One network of an IP-to-ASN source: an inclusive address range (IPv4 as
 * IPv4-mapped keys, like ip_key) and what the source says about it.
 * Strings are NULL when the source gives none. */
struct asn_range {
	ip_key lo;
	ip_key hi;
	uint32_t asn;             /* origin AS; 0 when the source gives none ("Not routed") */
	char country[3];          /* ISO 3166-1 alpha-2, upper case; "" when unknown */
	const char *origins;      /* every origin as given when there are several
	                           * ("64500_64501" MOAS, "64500,64501" AS set) */
	const char *as_org;       /* AS description or autonomous_system_organization */
	const char *isp;          /* MMDB ISP databases only */
	const char *organization; /* MMDB ISP databases only */
};

/* Input formats of `dragnet asn --load`. */
enum asn_format {
	ASN_FORMAT_UNKNOWN,
	ASN_FORMAT_IP2ASN, /* iptoasn.com TSV: range_start range_end AS_number country AS_description */
	ASN_FORMAT_PFX2AS, /* CAIDA RouteViews prefix-to-AS: prefix, length, AS */
	ASN_FORMAT_MMDB,   /* MaxMind DB (GeoLite2-ASN, GeoIP2-ISP layouts) */
};

/* "ip2asn", "pfx2as", "mmdb"; NULL for ASN_FORMAT_UNKNOWN. */
const char *asn_format_name(enum asn_format format);
/* The format called name; ASN_FORMAT_UNKNOWN when there is none. */
enum asn_format asn_format_parse(const char *name);

/* The name of the compression whose magic number data starts with
 * ("gzip", "zstd", "xz", "bzip2"), or NULL for none of these. Meant for
 * data that asn_format_detect() did not find to be MMDB. */
const char *asn_compression_detect(const uint8_t *data, size_t len);

/* Guess the format of a file from its first bytes: the MMDB metadata
 * marker anywhere in data, else the shape of the first line that is
 * neither empty nor a '#' comment. */
enum asn_format asn_format_detect(const uint8_t *data, size_t len);

/* Called once per record; strings live only during the call. Return DN_OK
 * to go on, anything else to stop the parse with that status. */
typedef dn_status (*asn_range_fn)(const struct asn_range *range, void *ctx);

/* Called once per line that is skipped, with its 1-based number and why. */
typedef void (*asn_bad_line_fn)(uint64_t line, const char *reason, void *ctx);

struct asn_parse_counts {
	uint64_t lines;     /* lines read, comments and blank lines included */
	uint64_t records;   /* passed to the record callback */
	uint64_t bad_lines; /* passed to the bad-line callback */
};

/* Parse ip2asn or pfx2as text. Bad lines go to bad (which may be NULL) and
 * are skipped; the parse fails only when fn stops it. counts may be NULL.
 * Neither function keeps state between calls or reads past len. */
dn_status asn_ip2asn_parse(const char *data, size_t len, asn_range_fn fn, asn_bad_line_fn bad,
                           void *ctx, struct asn_parse_counts *counts);
dn_status asn_pfx2as_parse(const char *data, size_t len, asn_range_fn fn, asn_bad_line_fn bad,
                           void *ctx, struct asn_parse_counts *counts);

/* Read every network of the MaxMind DB file at path by walking its search
 * tree, and call fn once per network whose data record has an AS number,
 * AS organization, ISP or organization. An IPv6
 * database's IPv4 subtree (::/96) gives IPv4 ranges, and the aliases that
 * point into it (::ffff:0:0/96, 2002::/16 and the like) are skipped.
 * Fails with DN_EIO when the file does not open, DN_EFORMAT when it is not
 * an MMDB file, and DN_EMALF when its search tree or data section is
 * damaged. err names the reason, not the file. counts->lines is the number of search tree nodes visited. */
dn_status asn_mmdb_read(const char *path, asn_range_fn fn, void *ctx,
                        struct asn_parse_counts *counts, struct dn_error *err);

/* True when asn is the range's AS or one of its origins (a multi-origin
 * "64500_64501" or an AS set "64500,64501"). */
bool asn_range_has_origin(const struct asn_range *range, uint32_t asn);

/* Write the smallest list of CIDR prefixes that covers exactly lo..hi to
 * out, separated by ", ", IPv4 in dotted form. Returns false when out is
 * too small (out then ends in "..."). */
bool asn_range_format_cidrs(const ip_key *lo, const ip_key *hi, char *out, size_t size);

/* Set *len to the prefix length when lo..hi is exactly one CIDR prefix
 * (counted in the bits of its family: 0-32 for IPv4), else return false. */
bool asn_range_prefix_len(const ip_key *lo, const ip_key *hi, unsigned *len);
