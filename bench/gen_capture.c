/*
 * gen_capture: writes a deterministic pcap file of synthetic DNS traffic
 * between clients and recursive resolvers, and optionally the pDNS records that
 * an exact ingest of it must produce.
 *
 * Traffic model:
 * - The name universe (--names) is 1/25 reverse names (in-addr.arpa, ip6.arpa)
 *   and zones of four names each: the apex, www and two hosts from a table of
 *   web, mail, SRV (_sip._tcp and others) and _dmarc labels. Zone labels are
 *   made of syllables under com, net, org, info, example and test.
 * - A query picks a name by Zipf popularity (exponent ZIPF_EXPONENT, ranks
 *   shuffled over the universe) and a qtype that suits the name. 5% ask for
 *   made-up names and get NXDOMAIN with an SOA in authority, 1% get SERVFAIL
 *   and 3% of UDP queries get no response.
 * - An answer is a function of (seed, name, qtype, time): A sets of 1-4
 *   addresses, rotating on a fixed period for some zones, 5-8 fresh addresses
 *   every 3 minutes for fast-flux zones; CNAME chains of 1-2 hops into shared
 *   CDN edge names; AAAA, MX (null MX too), TXT (SPF, tokens, multi-string),
 *   NS, SOA, CAA, HTTPS, SRV and PTR. NODATA carries the zone SOA in
 *   authority. Some positive answers carry the zone NS in authority with glue.
 * - Exchanges start at an even rate over --duration. Responses follow after a
 *   cache-hit or cache-miss delay, so exchanges interleave in the file.
 * - A --tcp-share of queries use TCP: handshake, 2-byte length prefix, some
 *   connections pipeline two queries in one segment, some responses are split
 *   over two segments, some connections follow a truncated UDP response, and
 *   every connection closes with FIN.
 * - Every address is in 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
 *   100.64.0.0/10 or 2001:db8::/32, and every MAC in 00:00:5e:00:53:00/24.
 */

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libknot/libknot.h>
#include <pcap/pcap.h>
#include <xxhash.h>

#include "rng.h"
#include "util/arena.h"
#include "util/timeutil.h"

/* Defaults of the command-line options. */
#define DEFAULT_PACKETS 2000000u
#define DEFAULT_SEED 1u
#define DEFAULT_START 1700000000
#define DEFAULT_DURATION 86400
#define DEFAULT_NAMES 200000u
#define DEFAULT_TCP_SHARE 0.02
#define DEFAULT_IPV6_SHARE 0.15

/* The name tables take about 60 bytes per name (estimated from the struct and
 * array sizes), so the maximum keeps them under 1 GiB. */
#define MIN_NAMES 100u
#define MAX_NAMES 10000000u

/* Traffic model parameters. */
#define ZIPF_EXPONENT 1.0
#define HOSTS_PER_ZONE 4
#define REVERSE_NAME_DIVISOR 25 /* one name in 25 is a reverse name */
#define NXDOMAIN_SHARE 0.05
#define SERVFAIL_SHARE 0.01
#define UNANSWERED_SHARE 0.03 /* UDP only; TCP queries always get a response */
#define EDNS_SHARE 0.85
#define MIXED_CASE_SHARE 0.03   /* query names sent with random letter case */
#define AUTHORITY_NS_SHARE 0.15 /* positive answers that carry the zone NS */
#define CLIENT_COUNT 4000
#define TCP_PIPELINE_SHARE 0.3        /* TCP connections that carry two queries */
#define TCP_TRUNCATED_FIRST_SHARE 0.2 /* at small --tcp-share; falls to 0 at 1 */
#define TCP_SPLIT_SHARE 0.25          /* TCP responses split over two segments */
#define TCP_MAX_MESSAGE 4096          /* largest response the resolvers send over TCP */
#define UDP_MAX_PAYLOAD 1232          /* resolvers cap EDNS UDP responses here */

/* Frames: Ethernet (14) + IPv6 (40) + TCP (20) + MSS (1440) fits. */
#define FRAME_MAX 1536
#define MSS_IPV4 1460
#define MSS_IPV6 1440
#define SNAPLEN 262144

/* A TCP connection never needs more frames than this: 2 for a truncated UDP
 * exchange first, 3 for the handshake, 2 query segments, 2 responses of at most
 * TCP_MAX_MESSAGE bytes in at most 4 segments each, and 3 to close. */
#define TCP_MAX_FRAMES (2 + 3 + 2 + 8 + 3)

#define NO_INDEX UINT32_MAX

/* ---- Random numbers ---- */

/* Uniform in [0, n); the modulo bias is below 2^-40 for every n used here. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static bool rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Log-uniform in [lo, hi), for delays spread over orders of magnitude. */
static int64_t rng_log_uniform(struct rng *r, double lo, double hi)
{
	return (int64_t)(lo * exp(rng_unit(r) * log(hi / lo)));
}

/* ---- Small helpers ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count, size);

	if (p == NULL) {
		errx(1, "out of memory allocating %zu x %zu bytes", count, size);
	}
	return p;
}

/* Formats into out like snprintf. Every text generated here fits its buffer,
 * so truncation is an internal error. */
__attribute__((format(printf, 3, 4))) static void format_text(char *out, size_t size,
                                                              const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int len = vsnprintf(out, size, format, args);
	va_end(args);
	if (len < 0 || (size_t)len >= size) {
		errx(1, "internal error: generated text does not fit %zu bytes: %s", size, out);
	}
}

/* Writes the wire form of "label.suffix" into dst (KNOT_DNAME_MAXLEN bytes)
 * and returns its length, or 0 when the result would be too long. suffix is
 * an uncompressed wire name. */
static size_t dname_join(uint8_t *dst, const char *label, const uint8_t *suffix)
{
	size_t label_len = strlen(label);
	size_t suffix_len = knot_dname_size(suffix);

	if (label_len == 0 || label_len > KNOT_DNAME_MAXLABELLEN ||
	    1 + label_len + suffix_len > KNOT_DNAME_MAXLEN) {
		return 0;
	}
	dst[0] = (uint8_t)label_len;
	memcpy(dst + 1, label, label_len);
	memcpy(dst + 1 + label_len, suffix, suffix_len);
	return 1 + label_len + suffix_len;
}

/* ---- Address plan ---- */

enum address_pool {
	POOL_SHARED, /* 198.51.100.0/24 and 203.0.113.0/24: shared hosting and CDN edges */
	POOL_WIDE,   /* 100.65.0.0 - 100.127.255.255: dedicated hosts */
};

static uint32_t pool_address_v4(enum address_pool pool, uint64_t h)
{
	if (pool == POOL_SHARED) {
		uint32_t base = (h & 1) ? 0xc6336400u : 0xcb007100u;
		return base | (uint32_t)(1 + (h >> 1) % 254);
	}
	return 0x64410000u + (uint32_t)(h % (63u << 16));
}

/* Record addresses live in 2001:db8:1000::/36, away from clients and resolvers. */
static void pool_address_v6(uint8_t out[16], uint64_t h)
{
	memset(out, 0, 16);
	put32(out, 0x20010db8u);
	put16(out + 4, (uint16_t)(0x1000 | ((h >> 48) & 0x0fff)));
	put16(out + 6, (uint16_t)(h >> 32));
	put16(out + 14, (uint16_t)(1 + (h & 0xfff)));
}

/* ---- Name universe ---- */

enum name_role {
	ROLE_APEX,
	ROLE_WEB,
	ROLE_MAIL,
	ROLE_SRV,
	ROLE_DMARC,
	ROLE_REVERSE_V4,
	ROLE_REVERSE_V6,
};

enum cname_kind {
	CNAME_NONE,
	CNAME_ONE_HOP,  /* name -> shared load balancer, which has the addresses */
	CNAME_TWO_HOPS, /* name -> per-zone CDN alias -> shared CDN edge */
};

enum zone_flag {
	ZONE_MAIL_OWN = 1 << 0,      /* MX points at mail.<zone> */
	ZONE_MAIL_PROVIDER = 1 << 1, /* MX points at a mail provider */
	ZONE_NULL_MX = 1 << 2,       /* "0 ." MX (RFC 7505) */
	ZONE_IPV6 = 1 << 3,
	ZONE_HTTPS = 1 << 4,
	ZONE_CAA = 1 << 5,
	ZONE_ROTATE = 1 << 6, /* addresses change every rotation period */
	ZONE_FAST_FLUX = 1 << 7,
	ZONE_SHARED_HOSTING = 1 << 8,
	ZONE_OWN_NS = 1 << 9, /* ns1/ns2.<zone> with glue */
};

struct zone_info {
	uint64_t key; /* hash every attribute of the zone derives from */
	uint16_t flags;
	uint8_t tld;
};

struct name_info {
	uint32_t wire_offset; /* into universe.wire */
	uint32_t zone;        /* owning zone, or NO_INDEX for reverse names */
	uint32_t rank;        /* 0 is the most popular name */
	uint8_t role;
	uint8_t cname;
};

struct host_label {
	const char *label;
	uint8_t role;
};

/* Labels below the apex. "www" is always the second name of a zone, and the
 * other two come from this table, starting at an offset that depends on the
 * zone, so the four names of a zone are distinct. */
static const struct host_label HOST_LABELS[] = {
        {"mail", ROLE_MAIL},
        {"api", ROLE_WEB},
        {"cdn", ROLE_WEB},
        {"static", ROLE_WEB},
        {"img", ROLE_WEB},
        {"login", ROLE_WEB},
        {"m", ROLE_WEB},
        {"app", ROLE_WEB},
        {"_dmarc", ROLE_DMARC},
        {"shop", ROLE_WEB},
        {"blog", ROLE_WEB},
        {"smtp", ROLE_MAIL},
        {"_sip._tcp", ROLE_SRV},
        {"dev", ROLE_WEB},
        {"vpn", ROLE_WEB},
        {"news", ROLE_WEB},
        {"_xmpp-client._tcp", ROLE_SRV},
        {"docs", ROLE_WEB},
        {"status", ROLE_WEB},
        {"auth", ROLE_WEB},
        {"assets", ROLE_WEB},
        {"_imaps._tcp", ROLE_SRV},
        {"media", ROLE_WEB},
        {"portal", ROLE_WEB},
        {"webmail", ROLE_WEB},
        {"_autodiscover._tcp", ROLE_SRV},
        {"ws", ROLE_WEB},
        {"git", ROLE_WEB},
};
#define HOST_LABEL_COUNT (sizeof(HOST_LABELS) / sizeof(HOST_LABELS[0]))

struct tld_info {
	const char *label;
	unsigned weight;
};

static const struct tld_info TLDS[] = {
        {"com", 50}, {"net", 14}, {"org", 12}, {"info", 6}, {"example", 10}, {"test", 8},
};
#define TLD_COUNT (sizeof(TLDS) / sizeof(TLDS[0]))

/* Fixed names of shared infrastructure, all under RFC 2606 example domains. */
enum provider_suffix {
	SUFFIX_DNS_HOST,  /* dnshost-<p>.example.com: nameservers */
	SUFFIX_MAIL_HOST, /* mailhost-<p>.example.net: MX targets */
	SUFFIX_LB,        /* hosting-<p>.example.org: one-hop CNAME targets */
	SUFFIX_CDN_ALIAS, /* cdn-<p>.example.net: first hop of two-hop chains */
	SUFFIX_CDN_EDGE,  /* edge.cdn-<p>.example.com: shared CDN edge names */
	SUFFIX_ISP_POOL,  /* pool.isp-<p>.example.net: PTR targets for clients */
	SUFFIX_REGISTRY,  /* registry.example: TLD SOA names */
	SUFFIX_COUNT
};
#define PROVIDERS 4

/* Each suffix is "<before><provider letter><after>"; the registry has no letter. */
static const char *const SUFFIX_TEXT[SUFFIX_COUNT][2] = {
        {"dnshost-", ".example.com."},  {"mailhost-", ".example.net."},
        {"hosting-", ".example.org."},  {"cdn-", ".example.net."},
        {"edge.cdn-", ".example.com."}, {"pool.isp-", ".example.net."},
        {"registry.example.", NULL},
};

struct universe {
	uint64_t seed;
	uint32_t name_count;
	uint32_t reverse_count;
	uint32_t zone_count;
	struct name_info *names;
	struct zone_info *zones;
	uint8_t *wire;
	size_t wire_len;
	size_t wire_capacity;
	double *zipf_cumulative; /* by rank, not normalised */
	uint32_t *by_rank;       /* rank -> name index */
	uint8_t suffixes[SUFFIX_COUNT][PROVIDERS][KNOT_DNAME_MAXLEN];
	uint8_t tld_wire[TLD_COUNT][KNOT_DNAME_MAXLEN];
};

static const uint8_t *name_wire(const struct universe *u, uint32_t name)
{
	return u->wire + u->names[name].wire_offset;
}

static const uint8_t *zone_apex(const struct universe *u, uint32_t zone)
{
	return name_wire(u, zone); /* the apex of zone z is name z */
}

static const uint8_t *provider_suffix(const struct universe *u, enum provider_suffix suffix,
                                      uint64_t key)
{
	return u->suffixes[suffix][key % PROVIDERS];
}

static void universe_add_name(struct universe *u, uint32_t index, const char *text)
{
	if (u->wire_capacity - u->wire_len < KNOT_DNAME_MAXLEN) {
		u->wire_capacity *= 2;
		u->wire = realloc(u->wire, u->wire_capacity);
		if (u->wire == NULL) {
			errx(1, "out of memory growing the name table to %zu bytes",
			     u->wire_capacity);
		}
	}
	uint8_t *dst = u->wire + u->wire_len;
	if (knot_dname_from_str(dst, text, KNOT_DNAME_MAXLEN) == NULL) {
		errx(1, "internal error: generated name '%s' is not a valid domain name", text);
	}
	u->names[index].wire_offset = (uint32_t)u->wire_len;
	u->wire_len += knot_dname_size(dst);
}

/*
 * Writes the second-level label of zone z. The base word is 3 syllables (4 when
 * there are more than 17 * 5 ^ 3 zones) whose digits are an affine bijection of
 * z, so base words are distinct. Decorations keep them distinct: a prefix makes
 * the length odd or starts with a non-syllable ("my"), and a suffix adds a
 * hyphen or digits, which base words never contain.
 */
static void zone_label(char *out, size_t size, uint32_t z, uint32_t zone_count, uint64_t key,
                       uint64_t seed)
{
	static const char consonants[] = "bcdfghjklmnprstvz";
	static const char vowels[] = "aeiou";
	static const char *const prefixes[] = {"my", "get", "the", "try"};
	static const char *const suffixes[] = {"-net",   "-labs", "-hq",    "-app",
	                                       "-cloud", "-shop", "-media", "-tech"};
	const uint64_t syllables = (sizeof(consonants) - 1) * (sizeof(vowels) - 1);
	uint64_t space = syllables * syllables * syllables;
	int count = 3;
	if (zone_count > space) {
		space *= syllables;
		count = 4;
	}

	/* 2654435761 shares no factor with 85, so this is a bijection mod 85^k. */
	uint64_t digits = ((uint64_t)z * 2654435761u + mix64(seed) % space) % space;
	char word[16];
	for (int i = 0; i < count; i++) {
		word[2 * i] = consonants[(digits % syllables) / 5];
		word[2 * i + 1] = vowels[digits % 5];
		digits /= syllables;
	}
	word[2 * count] = '\0';

	unsigned style = (unsigned)(key % 10);
	if (style == 7) {
		format_text(out, size, "%s%s", prefixes[(key >> 8) % 4], word);
	} else if (style == 8) {
		format_text(out, size, "%s%s", word, suffixes[(key >> 8) % 8]);
	} else if (style == 9) {
		format_text(out, size, "%s%u", word, (unsigned)((key >> 8) % 400));
	} else {
		format_text(out, size, "%s", word);
	}
}

static uint8_t pick_tld(uint64_t h)
{
	unsigned total = 0;
	for (size_t i = 0; i < TLD_COUNT; i++) {
		total += TLDS[i].weight;
	}
	unsigned x = (unsigned)(h % total);
	for (size_t i = 0; i < TLD_COUNT; i++) {
		if (x < TLDS[i].weight) {
			return (uint8_t)i;
		}
		x -= TLDS[i].weight;
	}
	return 0;
}

static uint16_t pick_zone_flags(uint64_t key)
{
	uint64_t h = mix64(key);
	uint16_t flags = 0;
	unsigned mail = (unsigned)(h % 100);

	if (mail < 25) {
		flags |= ZONE_MAIL_OWN;
	} else if (mail < 70) {
		flags |= ZONE_MAIL_PROVIDER;
	} else if (mail < 80) {
		flags |= ZONE_NULL_MX;
	}
	if ((h >> 8) % 100 < 45) {
		flags |= ZONE_IPV6;
	}
	if ((h >> 16) % 100 < 30) {
		flags |= ZONE_HTTPS;
	}
	if ((h >> 24) % 100 < 25) {
		flags |= ZONE_CAA;
	}
	if ((h >> 32) % 100 < 10) {
		flags |= ZONE_ROTATE;
	}
	if ((h >> 40) % 1000 < 1) {
		flags |= ZONE_FAST_FLUX;
	}
	if ((h >> 48) % 100 < 30) {
		flags |= ZONE_SHARED_HOSTING;
	}
	if ((h >> 56) % 100 < 20) {
		flags |= ZONE_OWN_NS;
	}
	return flags;
}

/* The address behind reverse name j: v4 for three in four, v6 for the rest. The
 * v4 map multiplies by an odd constant mod 2^22, a bijection onto 100.64.0.0/10,
 * so the first /16 (the clients) gets PTR names as well. */
static uint32_t reverse_address_v4(uint32_t j)
{
	return 0x64400000u | ((j * 2654435761u) & 0x3fffffu);
}

static void reverse_address_v6(uint8_t out[16], uint32_t j)
{
	memset(out, 0, 16);
	put32(out, 0x20010db8u);
	put16(out + 4, (uint16_t)(0x1000 | ((j >> 16) & 0x0fff)));
	put16(out + 6, (uint16_t)j);
	put16(out + 14, 1);
}

static void reverse_name_text(char *out, size_t size, uint32_t j)
{
	if (j % 4 != 3) {
		uint32_t a = reverse_address_v4(j);
		format_text(out, size, "%u.%u.%u.%u.in-addr.arpa.", a & 0xff, (a >> 8) & 0xff,
		            (a >> 16) & 0xff, a >> 24);
		return;
	}
	uint8_t a6[16];
	reverse_address_v6(a6, j);
	size_t pos = 0;
	for (int i = 15; i >= 0; i--) {
		format_text(out + pos, size - pos, "%x.%x.", a6[i] & 0xf, a6[i] >> 4);
		pos += 4;
	}
	format_text(out + pos, size - pos, "ip6.arpa.");
}

static void universe_build_zipf(struct universe *u, struct rng *r)
{
	u->zipf_cumulative = xcalloc(u->name_count, sizeof(double));
	u->by_rank = xcalloc(u->name_count, sizeof(uint32_t));

	double total = 0;
	for (uint32_t rank = 0; rank < u->name_count; rank++) {
		total += 1.0 / pow((double)rank + 1, ZIPF_EXPONENT);
		u->zipf_cumulative[rank] = total;
		u->by_rank[rank] = rank;
	}

	/* Fisher-Yates, so popularity is independent of zone and role. */
	for (uint32_t i = u->name_count - 1; i > 0; i--) {
		uint32_t k = (uint32_t)rng_below(r, (uint64_t)i + 1);
		uint32_t tmp = u->by_rank[i];
		u->by_rank[i] = u->by_rank[k];
		u->by_rank[k] = tmp;
	}
	for (uint32_t rank = 0; rank < u->name_count; rank++) {
		u->names[u->by_rank[rank]].rank = rank;
	}
}

static void universe_build(struct universe *u, uint32_t name_count, uint64_t seed)
{
	memset(u, 0, sizeof(*u));
	u->seed = seed;
	u->name_count = name_count;
	u->reverse_count = name_count / REVERSE_NAME_DIVISOR;
	uint32_t forward_count = name_count - u->reverse_count;
	u->zone_count = (forward_count + HOSTS_PER_ZONE - 1) / HOSTS_PER_ZONE;
	u->names = xcalloc(name_count, sizeof(*u->names));
	u->zones = xcalloc(u->zone_count, sizeof(*u->zones));
	u->wire_capacity = (size_t)name_count * 32;
	u->wire = xcalloc(u->wire_capacity, 1);

	for (int s = 0; s < SUFFIX_COUNT; s++) {
		for (int p = 0; p < PROVIDERS; p++) {
			char text[64];
			if (SUFFIX_TEXT[s][1] == NULL) {
				format_text(text, sizeof(text), "%s", SUFFIX_TEXT[s][0]);
			} else {
				format_text(text, sizeof(text), "%s%c%s", SUFFIX_TEXT[s][0],
				            'a' + p, SUFFIX_TEXT[s][1]);
			}
			knot_dname_from_str(u->suffixes[s][p], text, KNOT_DNAME_MAXLEN);
		}
	}
	for (size_t t = 0; t < TLD_COUNT; t++) {
		knot_dname_from_str(u->tld_wire[t], TLDS[t].label, KNOT_DNAME_MAXLEN);
	}

	char zone_text[96];
	char text[KNOT_DNAME_TXT_MAXLEN + 1];
	for (uint32_t z = 0; z < u->zone_count; z++) {
		struct zone_info *zone = &u->zones[z];
		zone->key = hash3(seed, 0x7a6f6e65, z);
		zone->tld = pick_tld(zone->key >> 20);
		zone->flags = pick_zone_flags(zone->key);
	}

	/* Name i < forward_count is host slot i / zone_count of zone i % zone_count. */
	for (uint32_t i = 0; i < forward_count; i++) {
		uint32_t z = i % u->zone_count;
		uint32_t slot = i / u->zone_count;
		const struct zone_info *zone = &u->zones[z];
		struct name_info *name = &u->names[i];

		zone_label(zone_text, sizeof(zone_text), z, u->zone_count, zone->key, seed);
		name->zone = z;
		uint64_t h = hash3(seed, 0x6e616d65, i);
		if (slot == 0) {
			name->role = ROLE_APEX;
			format_text(text, sizeof(text), "%s.%s.", zone_text, TLDS[zone->tld].label);
		} else {
			const struct host_label *host = &HOST_LABELS[0];
			const char *label = "www";
			name->role = ROLE_WEB;
			if (slot > 1) {
				size_t k = (slot - 2 + zone->key % HOST_LABEL_COUNT) %
				           HOST_LABEL_COUNT;
				host = &HOST_LABELS[k];
				label = host->label;
				name->role = host->role;
			}
			format_text(text, sizeof(text), "%s.%s.%s.", label, zone_text,
			            TLDS[zone->tld].label);
		}
		if (name->role == ROLE_WEB && !(zone->flags & ZONE_FAST_FLUX)) {
			unsigned chance = (unsigned)(h % 100);
			if (chance < 12) {
				name->cname = CNAME_ONE_HOP;
			} else if (chance < 25) {
				name->cname = CNAME_TWO_HOPS;
			}
		}
		universe_add_name(u, i, text);
	}

	for (uint32_t j = 0; j < u->reverse_count; j++) {
		uint32_t i = forward_count + j;
		reverse_name_text(text, sizeof(text), j);
		u->names[i].zone = NO_INDEX;
		u->names[i].role = (j % 4 == 3) ? ROLE_REVERSE_V6 : ROLE_REVERSE_V4;
		universe_add_name(u, i, text);
	}

	struct rng shuffle;
	rng_seed(&shuffle, seed ^ 0x5a697066ULL);
	universe_build_zipf(u, &shuffle);
}

static void universe_free(struct universe *u)
{
	free(u->names);
	free(u->zones);
	free(u->wire);
	free(u->zipf_cumulative);
	free(u->by_rank);
}

static uint32_t universe_sample(const struct universe *u, struct rng *r)
{
	double x = rng_unit(r) * u->zipf_cumulative[u->name_count - 1];
	uint32_t lo = 0;
	uint32_t hi = u->name_count - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (u->zipf_cumulative[mid] < x) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return u->by_rank[lo];
}

/* ---- Questions ---- */

enum outcome {
	OUTCOME_ANSWER, /* NOERROR, with records or NODATA */
	OUTCOME_NXDOMAIN,
	OUTCOME_SERVFAIL,
};

struct question {
	uint8_t qname[KNOT_DNAME_MAXLEN]; /* as sent, possibly in mixed case */
	uint32_t name;                    /* universe index, or NO_INDEX if made up */
	uint32_t soa_zone; /* made-up names: zone of the authority SOA, or NO_INDEX */
	uint8_t soa_tld;   /* made-up names with no zone: TLD of the authority SOA */
	uint16_t qtype;
	uint16_t id;
	enum outcome outcome;
	bool edns;
	bool dnssec_ok;
	bool cookie;
	uint16_t udp_payload;
	uint8_t client_cookie[8];
};

struct weighted_type {
	uint16_t qtype;
	unsigned weight;
};

static const struct weighted_type APEX_QTYPES[] = {
        {KNOT_RRTYPE_A, 45}, {KNOT_RRTYPE_AAAA, 15}, {KNOT_RRTYPE_MX, 12}, {KNOT_RRTYPE_TXT, 10},
        {KNOT_RRTYPE_NS, 6}, {KNOT_RRTYPE_SOA, 4},   {KNOT_RRTYPE_CAA, 3}, {KNOT_RRTYPE_HTTPS, 5},
};
static const struct weighted_type WEB_QTYPES[] = {
        {KNOT_RRTYPE_A, 62},
        {KNOT_RRTYPE_AAAA, 28},
        {KNOT_RRTYPE_HTTPS, 10},
};
static const struct weighted_type MAIL_QTYPES[] = {
        {KNOT_RRTYPE_A, 60},
        {KNOT_RRTYPE_AAAA, 40},
};

static uint16_t pick_weighted(struct rng *r, const struct weighted_type *table, size_t count)
{
	unsigned total = 0;
	for (size_t i = 0; i < count; i++) {
		total += table[i].weight;
	}
	unsigned x = (unsigned)rng_below(r, total);
	for (size_t i = 0; i < count; i++) {
		if (x < table[i].weight) {
			return table[i].qtype;
		}
		x -= table[i].weight;
	}
	return table[0].qtype;
}

#define PICK(r, table) pick_weighted(r, table, sizeof(table) / sizeof(table[0]))

static uint16_t pick_qtype(struct rng *r, enum name_role role)
{
	switch (role) {
	case ROLE_APEX:
		return PICK(r, APEX_QTYPES);
	case ROLE_WEB:
		return PICK(r, WEB_QTYPES);
	case ROLE_MAIL:
		return PICK(r, MAIL_QTYPES);
	case ROLE_SRV:
		return KNOT_RRTYPE_SRV;
	case ROLE_DMARC:
		return KNOT_RRTYPE_TXT;
	case ROLE_REVERSE_V4:
	case ROLE_REVERSE_V6:
		return KNOT_RRTYPE_PTR;
	}
	return KNOT_RRTYPE_A;
}

/* Writes a random label of length in [min_len, max_len]. Unless letters_only,
 * one character is a digit, so the label never equals one from HOST_LABELS. */
static void random_label(struct rng *r, char *out, unsigned min_len, unsigned max_len,
                         bool letters_only)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned len = min_len + (unsigned)rng_below(r, max_len - min_len + 1);
	unsigned letters = 26;
	unsigned symbols = letters_only ? letters : sizeof(alphabet) - 1;

	for (unsigned i = 0; i < len; i++) {
		out[i] = alphabet[rng_below(r, symbols)];
	}
	if (!letters_only) {
		out[rng_below(r, len)] = (char)('0' + rng_below(r, 10));
	}
	out[len] = '\0';
}

/* Fills q with a made-up name that does not exist: a random label under a zone
 * of the universe, a wpad/isatap probe, or a DGA-like second-level name. */
static void question_make_nxdomain(const struct universe *u, struct rng *r, struct question *q)
{
	char label[32];
	unsigned kind = (unsigned)rng_below(r, 10);

	q->name = NO_INDEX;
	q->soa_zone = NO_INDEX;
	q->qtype = rng_chance(r, 0.7) ? KNOT_RRTYPE_A : KNOT_RRTYPE_AAAA;
	if (kind < 7) {
		uint32_t zone = (uint32_t)rng_below(r, u->zone_count);
		if (kind < 5) {
			random_label(r, label, 5, 12, false);
		} else {
			format_text(label, sizeof(label), "%s", kind == 5 ? "wpad" : "isatap");
		}
		q->soa_zone = zone;
		dname_join(q->qname, label, zone_apex(u, zone));
		return;
	}
	q->soa_tld = (uint8_t)rng_below(r, 4); /* com, net, org or info */
	random_label(r, label, 10, 20, true);
	dname_join(q->qname, label, u->tld_wire[q->soa_tld]);
}

static void randomize_case(struct rng *r, uint8_t *wire)
{
	while (*wire != 0) {
		uint8_t len = *wire++;
		for (uint8_t i = 0; i < len; i++) {
			if (wire[i] >= 'a' && wire[i] <= 'z' && rng_chance(r, 0.5)) {
				wire[i] = (uint8_t)(wire[i] - 'a' + 'A');
			}
		}
		wire += len;
	}
}

static void question_pick(const struct universe *u, struct rng *r, struct question *q)
{
	memset(q, 0, sizeof(*q));
	q->id = (uint16_t)rng_next(r);
	if (rng_chance(r, NXDOMAIN_SHARE)) {
		question_make_nxdomain(u, r, q);
		q->outcome = OUTCOME_NXDOMAIN;
	} else {
		q->name = universe_sample(u, r);
		q->qtype = pick_qtype(r, u->names[q->name].role);
		memcpy(q->qname, name_wire(u, q->name), knot_dname_size(name_wire(u, q->name)));
		q->outcome = rng_chance(r, SERVFAIL_SHARE) ? OUTCOME_SERVFAIL : OUTCOME_ANSWER;
	}
	if (rng_chance(r, MIXED_CASE_SHARE)) {
		randomize_case(r, q->qname);
	}

	q->edns = rng_chance(r, EDNS_SHARE);
	if (q->edns) {
		static const uint16_t payloads[] = {1232, 1232, 1232, 4096, 4096, 512, 1400};
		q->udp_payload = payloads[rng_below(r, sizeof(payloads) / sizeof(payloads[0]))];
		q->dnssec_ok = rng_chance(r, 0.2);
		q->cookie = rng_chance(r, 0.25);
		uint64_t c = rng_next(r);
		memcpy(q->client_cookie, &c, sizeof(q->client_cookie));
	}
}

/* ---- DNS message writer ---- */

struct message_builder {
	knot_pkt_t *pkt;
	knot_pkt_t *parser; /* re-reads finished responses for the truth table */
	struct arena arena; /* rrsets of the message being written */
	knot_mm_t mm;
	const struct universe *u;
	uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
};

static void *builder_alloc(void *ctx, size_t len)
{
	return arena_alloc(ctx, len);
}

static void builder_free(void *p)
{
	(void)p; /* the arena is reset per message */
}

static void builder_init(struct message_builder *b, const struct universe *u)
{
	arena_init(&b->arena, 64 * 1024);
	b->mm.ctx = &b->arena;
	b->mm.alloc = builder_alloc;
	b->mm.free = builder_free;
	b->u = u;
	b->pkt = knot_pkt_new(b->wire, sizeof(b->wire), NULL);
	b->parser = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	if (b->pkt == NULL || b->parser == NULL) {
		errx(1, "out of memory creating DNS packet buffers");
	}
}

static void builder_free_all(struct message_builder *b)
{
	knot_pkt_free(b->pkt);
	knot_pkt_free(b->parser);
	arena_free(&b->arena);
}

/* Starts a message with the question of q, sized for at most max_size bytes. */
static int builder_start(struct message_builder *b, const struct question *q, size_t max_size)
{
	knot_pkt_clear(b->pkt);
	arena_reset(&b->arena);
	b->pkt->max_size = max_size;
	knot_wire_set_id(b->pkt->wire, q->id);
	knot_wire_set_rd(b->pkt->wire);
	return knot_pkt_put_question(b->pkt, q->qname, KNOT_CLASS_IN, q->qtype);
}

static knot_rrset_t *rrset_create(struct message_builder *b, const knot_dname_t *owner,
                                  uint16_t type, uint32_t ttl)
{
	knot_rrset_t *rr = knot_rrset_new(owner, type, KNOT_CLASS_IN, ttl, &b->mm);
	if (rr == NULL) {
		errx(1, "out of memory creating a %u record", type);
	}
	return rr;
}

static void rrset_append(struct message_builder *b, knot_rrset_t *rr, const uint8_t *rdata,
                         size_t len)
{
	if (knot_rrset_add_rdata(rr, rdata, (uint16_t)len, &b->mm) != KNOT_EOK) {
		errx(1, "out of memory adding rdata to a type %u record", rr->type);
	}
}

/* Writes rr into the current section and returns the wire offset of the first
 * domain name in its rdata (0 if none), which later owners can point to. */
static int builder_put(struct message_builder *b, uint16_t compr_hint, const knot_rrset_t *rr,
                       uint16_t rotate, uint16_t *rdata_name_pos)
{
	int ret = knot_pkt_put_rotate(b->pkt, compr_hint, rr, rotate, 0);
	if (ret == KNOT_EOK && rdata_name_pos != NULL) {
		const knot_rrinfo_t *info = &b->pkt->rr_info[b->pkt->rrset_count - 1];
		*rdata_name_pos = info->compress_ptr[KNOT_COMPR_HINT_RDATA];
	}
	return ret;
}

static knot_rrset_t *opt_create(struct message_builder *b, const struct question *q, bool response)
{
	knot_rrset_t *opt = arena_alloc(&b->arena, sizeof(*opt));
	if (opt == NULL) {
		errx(1, "out of memory creating an OPT record");
	}
	uint16_t payload = response ? UDP_MAX_PAYLOAD : q->udp_payload;
	if (knot_edns_init(opt, payload, 0, 0, &b->mm) != KNOT_EOK) {
		errx(1, "out of memory creating an OPT record");
	}
	if (q->dnssec_ok) {
		knot_edns_set_do(opt);
	}
	if (q->cookie) {
		uint8_t cookie[24];
		size_t len = sizeof(q->client_cookie);
		memcpy(cookie, q->client_cookie, len);
		if (response) {
			/* Server cookie (RFC 9018 layout): version, reserved, time, hash. */
			uint64_t h = mix64(q->id ^ ((uint64_t)q->client_cookie[0] << 32));
			cookie[8] = 1;
			memset(cookie + 9, 0, 3);
			put32(cookie + 12, (uint32_t)h);
			memcpy(cookie + 16, &h, 8);
			len = 24;
		}
		knot_edns_add_option(opt, KNOT_EDNS_OPTION_COOKIE, (uint16_t)len, cookie, &b->mm);
	}
	return opt;
}

/* Writes the query for q and returns its length. */
static size_t query_write(struct message_builder *b, const struct question *q)
{
	int ret = builder_start(b, q, KNOT_WIRE_MAX_PKTSIZE);
	if (ret == KNOT_EOK && q->edns) {
		knot_pkt_begin(b->pkt, KNOT_ADDITIONAL);
		ret = knot_pkt_put(b->pkt, KNOT_COMPR_HINT_NONE, opt_create(b, q, false), 0);
	}
	if (ret != KNOT_EOK) {
		errx(1, "internal error: writing a query failed: %s", knot_strerror(ret));
	}
	return b->pkt->size;
}

/* ---- Record synthesis ---- */

struct answer_context {
	struct message_builder *b;
	const struct universe *u;
	const struct question *q;
	struct rng *rng;
	int64_t now;           /* response time, epoch seconds */
	int64_t capture_start; /* SOA serials are dated from it */
	uint16_t glue_count;   /* own nameservers that need glue */
	uint32_t glue_zone;
};

/* TTL as a resolver cache would show it: counting down from ttl, restarting
 * at a phase that depends on the record. */
static uint32_t cached_ttl(uint32_t ttl, uint64_t key, int64_t now)
{
	return ttl - (uint32_t)(((uint64_t)now + key) % ttl);
}

static uint32_t pick_ttl(uint64_t key)
{
	static const uint32_t ttls[] = {60, 300, 300, 600, 3600, 3600, 3600, 14400, 86400};
	return ttls[key % (sizeof(ttls) / sizeof(ttls[0]))];
}

/* Index of the address set that a name serves at time now. */
static uint64_t address_epoch(const struct zone_info *zone, uint64_t key, int64_t now)
{
	static const uint32_t periods[] = {900, 3600, 4 * 3600, 12 * 3600};

	if (zone != NULL && (zone->flags & ZONE_FAST_FLUX)) {
		return (uint64_t)now / 180;
	}
	if (zone == NULL || !(zone->flags & ZONE_ROTATE)) {
		return 0;
	}
	uint32_t period = periods[(key >> 12) % 4];
	return ((uint64_t)now + key % period) / period;
}

/* Fills addresses (4 or 16 bytes each) for a name of zone (NULL for shared
 * infrastructure names) and returns how many. */
static unsigned address_set(const struct universe *u, const struct zone_info *zone, uint64_t key,
                            uint16_t type, int64_t now, uint8_t out[][16])
{
	uint64_t epoch = address_epoch(zone, key, now);
	uint64_t h = hash3(key, type, epoch);
	unsigned count;

	if (zone != NULL && (zone->flags & ZONE_FAST_FLUX)) {
		count = 5 + (unsigned)(h % 4);
	} else if (type == KNOT_RRTYPE_AAAA) {
		count = 1 + (unsigned)(h % 5 == 0);
	} else {
		static const unsigned counts[] = {1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
		count = counts[h % 10];
	}

	enum address_pool pool = POOL_WIDE;
	if (zone == NULL || (zone->flags & ZONE_SHARED_HOSTING)) {
		pool = POOL_SHARED;
	}
	for (unsigned i = 0; i < count; i++) {
		uint64_t ah = hash3(h, i, u->seed);
		if (zone != NULL && (zone->flags & ZONE_FAST_FLUX)) {
			/* Each flux zone draws from its own 400 bots. */
			ah = hash3(zone->key, ah % 400, 0x666c7578);
		}
		if (type == KNOT_RRTYPE_A) {
			put32(out[i], pool_address_v4(pool, ah));
		} else {
			pool_address_v6(out[i], ah);
		}
	}
	return count;
}

static int put_address_rrset(struct answer_context *ctx, const knot_dname_t *owner,
                             uint16_t compr_hint, const struct zone_info *zone, uint64_t key,
                             uint16_t type)
{
	uint8_t addresses[8][16];
	unsigned count = address_set(ctx->u, zone, key, type, ctx->now, addresses);
	uint32_t ttl = pick_ttl(key >> 4);

	if (zone != NULL && (zone->flags & ZONE_FAST_FLUX)) {
		ttl = 180;
	}
	knot_rrset_t *rr = rrset_create(ctx->b, owner, type, cached_ttl(ttl, key, ctx->now));
	for (unsigned i = 0; i < count; i++) {
		rrset_append(ctx->b, rr, addresses[i], type == KNOT_RRTYPE_A ? 4 : 16);
	}
	return builder_put(ctx->b, compr_hint, rr, (uint16_t)rng_below(ctx->rng, count), NULL);
}

static void soa_rdata(const struct universe *u, uint32_t zone, int64_t start, uint8_t *out,
                      size_t *len)
{
	const struct zone_info *info = &u->zones[zone];
	uint8_t rname[KNOT_DNAME_MAXLEN];
	size_t pos;

	if (info->flags & ZONE_OWN_NS) {
		pos = dname_join(out, "ns1", zone_apex(u, zone));
	} else {
		pos = dname_join(out, "ns1", provider_suffix(u, SUFFIX_DNS_HOST, info->key >> 3));
	}
	size_t rname_len = dname_join(rname, "hostmaster", zone_apex(u, zone));
	memcpy(out + pos, rname, rname_len);
	pos += rname_len;

	/* A date-style serial (YYYYMMDDnn) a few days before the capture starts. */
	time_t day = (time_t)(start - 86400 * (int64_t)(info->key % 30));
	struct tm tm;
	gmtime_r(&day, &tm);
	uint32_t serial = (uint32_t)((tm.tm_year + 1900) * 1000000 + (tm.tm_mon + 1) * 10000 +
	                             tm.tm_mday * 100) +
	                  (uint32_t)(info->key % 20);
	put32(out + pos, serial);
	put32(out + pos + 4, 7200);
	put32(out + pos + 8, 3600);
	put32(out + pos + 12, 1209600);
	put32(out + pos + 16, (info->key >> 7) % 2 ? 300 : 3600);
	*len = pos + 20;
}

static int put_zone_soa(struct answer_context *ctx, uint32_t zone)
{
	uint8_t rdata[2 * KNOT_DNAME_MAXLEN + 20];
	size_t len;

	soa_rdata(ctx->u, zone, ctx->capture_start, rdata, &len);
	knot_rrset_t *rr = rrset_create(ctx->b, zone_apex(ctx->u, zone), KNOT_RRTYPE_SOA,
	                                cached_ttl(3600, ctx->u->zones[zone].key, ctx->now));
	rrset_append(ctx->b, rr, rdata, len);
	return builder_put(ctx->b, KNOT_COMPR_HINT_NONE, rr, 0, NULL);
}

/* SOA of a TLD, for NXDOMAIN on made-up second-level names. The serial is the
 * epoch time rounded down to 15 minutes. */
static int put_tld_soa(struct answer_context *ctx, uint8_t tld)
{
	const uint8_t *registry = ctx->u->suffixes[SUFFIX_REGISTRY][0];
	uint8_t rdata[2 * KNOT_DNAME_MAXLEN + 20];
	size_t pos = dname_join(rdata, "ns0", registry);
	pos += dname_join(rdata + pos, "hostmaster", registry);
	put32(rdata + pos, (uint32_t)(ctx->now - ctx->now % 900));
	put32(rdata + pos + 4, 1800);
	put32(rdata + pos + 8, 900);
	put32(rdata + pos + 12, 604800);
	put32(rdata + pos + 16, 900);

	knot_rrset_t *rr = rrset_create(ctx->b, ctx->u->tld_wire[tld], KNOT_RRTYPE_SOA,
	                                cached_ttl(900, tld, ctx->now));
	rrset_append(ctx->b, rr, rdata, pos + 20);
	return builder_put(ctx->b, KNOT_COMPR_HINT_NONE, rr, 0, NULL);
}

static knot_rrset_t *zone_ns_rrset(struct answer_context *ctx, uint32_t zone)
{
	const struct zone_info *info = &ctx->u->zones[zone];
	knot_rrset_t *rr = rrset_create(ctx->b, zone_apex(ctx->u, zone), KNOT_RRTYPE_NS,
	                                cached_ttl(86400, info->key, ctx->now));
	uint8_t rdata[KNOT_DNAME_MAXLEN];
	char label[8];

	if (info->flags & ZONE_OWN_NS) {
		for (unsigned i = 1; i <= 2; i++) {
			format_text(label, sizeof(label), "ns%u", i);
			rrset_append(ctx->b, rr, rdata,
			             dname_join(rdata, label, zone_apex(ctx->u, zone)));
		}
		ctx->glue_count = 2;
		ctx->glue_zone = zone;
		return rr;
	}
	const uint8_t *suffix = provider_suffix(ctx->u, SUFFIX_DNS_HOST, info->key >> 3);
	unsigned count = 2 + (unsigned)((info->key >> 9) % 3);
	for (unsigned i = 1; i <= count; i++) {
		format_text(label, sizeof(label), "ns%u", i);
		rrset_append(ctx->b, rr, rdata, dname_join(rdata, label, suffix));
	}
	return rr;
}

static int put_glue(struct answer_context *ctx)
{
	const struct zone_info *info = &ctx->u->zones[ctx->glue_zone];
	uint8_t owner[KNOT_DNAME_MAXLEN];
	char label[8];

	for (uint16_t i = 1; i <= ctx->glue_count; i++) {
		format_text(label, sizeof(label), "ns%u", (unsigned)i);
		dname_join(owner, label, zone_apex(ctx->u, ctx->glue_zone));
		uint8_t address[4];
		put32(address, pool_address_v4(POOL_WIDE, hash3(info->key, 0x6e73, i)));
		knot_rrset_t *rr = rrset_create(ctx->b, owner, KNOT_RRTYPE_A,
		                                cached_ttl(86400, info->key + i, ctx->now));
		rrset_append(ctx->b, rr, address, 4);
		int ret = builder_put(ctx->b, KNOT_COMPR_HINT_NONE, rr, 0, NULL);
		if (ret != KNOT_EOK) {
			return ret;
		}
	}
	return KNOT_EOK;
}

static size_t put_character_string(uint8_t *out, const char *text)
{
	size_t len = strlen(text);
	if (len > 255) {
		errx(1, "internal error: TXT string of %zu bytes", len);
	}
	out[0] = (uint8_t)len;
	memcpy(out + 1, text, len);
	return len + 1;
}

static void zone_text(const struct universe *u, uint32_t zone, char *out, size_t size)
{
	knot_dname_to_str(out, zone_apex(u, zone), size);
	size_t len = strlen(out);
	if (len > 1 && out[len - 1] == '.') {
		out[len - 1] = '\0';
	}
}

static void token_text(uint64_t h, char *out, size_t len)
{
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (size_t i = 0; i < len; i++) {
		if (i % 10 == 0) {
			h = mix64(h);
		}
		out[i] = alphabet[(h >> (6 * (i % 10))) & 63];
	}
	out[len] = '\0';
}

/* TXT at a zone apex: an SPF policy, then verification tokens. Some SPF
 * policies are split into two character-strings of one record, the form that
 * policies longer than 255 bytes need. */
static knot_rrset_t *apex_txt_rrset(struct answer_context *ctx, uint32_t zone)
{
	const struct zone_info *info = &ctx->u->zones[zone];
	knot_rrset_t *rr = rrset_create(ctx->b, zone_apex(ctx->u, zone), KNOT_RRTYPE_TXT,
	                                cached_ttl(pick_ttl(info->key >> 13), info->key, ctx->now));
	uint8_t rdata[1024];
	char text[256];
	char domain[KNOT_DNAME_TXT_MAXLEN + 1];
	size_t len;

	if (info->flags & ZONE_MAIL_PROVIDER) {
		format_text(text, sizeof(text), "v=spf1 include:_spf.mailhost-%c.example.net ~all",
		            (char)('a' + (info->key >> 5) % PROVIDERS));
		rrset_append(ctx->b, rr, rdata, put_character_string(rdata, text));
	} else if (info->flags & ZONE_MAIL_OWN) {
		uint32_t a = pool_address_v4(POOL_WIDE, hash3(info->key, 0x6d78, 0));
		if ((info->key >> 17) % 3 == 0) {
			format_text(text, sizeof(text),
			            "v=spf1 mx ip4:%u.%u.%u.%u/32 ip4:198.51.100.0/24 "
			            "ip4:203.0.113.0/24 ",
			            a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
			len = put_character_string(rdata, text);
			len += put_character_string(rdata + len, "ip6:2001:db8::/32 -all");
			rrset_append(ctx->b, rr, rdata, len);
		} else {
			format_text(text, sizeof(text), "v=spf1 mx ip4:%u.%u.%u.%u -all", a >> 24,
			            (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
			rrset_append(ctx->b, rr, rdata, put_character_string(rdata, text));
		}
	} else if (info->flags & ZONE_NULL_MX) {
		rrset_append(ctx->b, rr, rdata, put_character_string(rdata, "v=spf1 -all"));
	}

	unsigned tokens = (unsigned)((info->key >> 21) % 3);
	for (unsigned i = 0; i < tokens; i++) {
		char token[48];
		token_text(hash3(info->key, 0x746f6b, i), token, 43);
		format_text(text, sizeof(text), "%s-site-verification=%s",
		            i == 0 ? "search" : "mail", token);
		rrset_append(ctx->b, rr, rdata, put_character_string(rdata, text));
	}
	if (rr->rrs.count == 0) {
		zone_text(ctx->u, zone, domain, sizeof(domain));
		format_text(text, sizeof(text), "contact=hostmaster@%s", domain);
		rrset_append(ctx->b, rr, rdata, put_character_string(rdata, text));
	}
	return rr;
}

static knot_rrset_t *dmarc_txt_rrset(struct answer_context *ctx, const knot_dname_t *owner,
                                     uint32_t zone)
{
	static const char *const policies[] = {"none", "quarantine", "reject"};
	const struct zone_info *info = &ctx->u->zones[zone];
	char domain[KNOT_DNAME_TXT_MAXLEN + 1];
	char text[256];
	uint8_t rdata[260];

	zone_text(ctx->u, zone, domain, sizeof(domain));
	format_text(text, sizeof(text), "v=DMARC1; p=%s; rua=mailto:dmarc-reports@%s; fo=1",
	            policies[(info->key >> 11) % 3], domain);
	knot_rrset_t *rr =
	        rrset_create(ctx->b, owner, KNOT_RRTYPE_TXT, cached_ttl(3600, info->key, ctx->now));
	rrset_append(ctx->b, rr, rdata, put_character_string(rdata, text));
	return rr;
}

/* Returns NULL when the zone publishes no MX (NODATA). */
static knot_rrset_t *mx_rrset(struct answer_context *ctx, uint32_t zone)
{
	const struct zone_info *info = &ctx->u->zones[zone];
	uint8_t rdata[2 + KNOT_DNAME_MAXLEN];

	if (!(info->flags & (ZONE_MAIL_OWN | ZONE_MAIL_PROVIDER | ZONE_NULL_MX))) {
		return NULL;
	}
	knot_rrset_t *rr = rrset_create(ctx->b, zone_apex(ctx->u, zone), KNOT_RRTYPE_MX,
	                                cached_ttl(3600, info->key, ctx->now));
	if (info->flags & ZONE_NULL_MX) {
		put16(rdata, 0);
		rdata[2] = 0;
		rrset_append(ctx->b, rr, rdata, 3);
	} else if (info->flags & ZONE_MAIL_OWN) {
		put16(rdata, 10);
		rrset_append(ctx->b, rr, rdata,
		             2 + dname_join(rdata + 2, "mail", zone_apex(ctx->u, zone)));
	} else {
		const uint8_t *suffix = provider_suffix(ctx->u, SUFFIX_MAIL_HOST, info->key >> 5);
		unsigned count = 1 + (unsigned)((info->key >> 15) % 3);
		for (unsigned i = 1; i <= count; i++) {
			char label[8];
			format_text(label, sizeof(label), "mx%u", i);
			put16(rdata, (uint16_t)(10 * i));
			rrset_append(ctx->b, rr, rdata, 2 + dname_join(rdata + 2, label, suffix));
		}
	}
	return rr;
}

static size_t caa_rdata(uint8_t *out, const char *tag, const char *value)
{
	size_t tag_len = strlen(tag);
	size_t value_len = strlen(value);
	out[0] = 0;
	out[1] = (uint8_t)tag_len;
	memcpy(out + 2, tag, tag_len);
	memcpy(out + 2 + tag_len, value, value_len);
	return 2 + tag_len + value_len;
}

static knot_rrset_t *caa_rrset(struct answer_context *ctx, uint32_t zone)
{
	static const char *const issuers[] = {"ca-a.example.net", "pki.example.org",
	                                      "certs.example.com"};
	const struct zone_info *info = &ctx->u->zones[zone];
	char domain[KNOT_DNAME_TXT_MAXLEN + 1];
	char value[300];
	uint8_t rdata[320];

	if (!(info->flags & ZONE_CAA)) {
		return NULL;
	}
	knot_rrset_t *rr = rrset_create(ctx->b, zone_apex(ctx->u, zone), KNOT_RRTYPE_CAA,
	                                cached_ttl(3600, info->key, ctx->now));
	rrset_append(ctx->b, rr, rdata, caa_rdata(rdata, "issue", issuers[info->key % 3]));
	if ((info->key >> 25) % 2) {
		rrset_append(ctx->b, rr, rdata, caa_rdata(rdata, "issuewild", ";"));
	}
	if ((info->key >> 26) % 3 == 0) {
		zone_text(ctx->u, zone, domain, sizeof(domain));
		format_text(value, sizeof(value), "mailto:security@%s", domain);
		rrset_append(ctx->b, rr, rdata, caa_rdata(rdata, "iodef", value));
	}
	return rr;
}

/* HTTPS in service mode (priority 1, target ".") with alpn and address hints
 * that match the A and AAAA answers of the name, or in alias mode at an apex. */
static knot_rrset_t *https_rrset(struct answer_context *ctx, uint32_t name)
{
	const struct name_info *info = &ctx->u->names[name];
	const struct zone_info *zone = &ctx->u->zones[info->zone];
	uint64_t key = hash3(ctx->u->seed, 0x6e616d65, name);
	uint8_t rdata[512];
	size_t pos = 0;

	if (!(zone->flags & ZONE_HTTPS)) {
		return NULL;
	}
	knot_rrset_t *rr = rrset_create(ctx->b, name_wire(ctx->u, name), KNOT_RRTYPE_HTTPS,
	                                cached_ttl(300, key, ctx->now));
	if (info->role == ROLE_APEX && (zone->key >> 27) % 10 == 0) {
		put16(rdata, 0);
		pos = 2 + dname_join(rdata + 2, "www", zone_apex(ctx->u, info->zone));
		rrset_append(ctx->b, rr, rdata, pos);
		return rr;
	}

	put16(rdata, 1);
	rdata[2] = 0;
	pos = 3;

	static const char *const alpns[][2] = {{"h2", NULL}, {"h2", "h3"}, {"h3", "h2"}};
	const char *const *alpn = alpns[key % 3];
	size_t alpn_len = 0;
	for (int i = 0; i < 2 && alpn[i] != NULL; i++) {
		alpn_len += 1 + strlen(alpn[i]);
	}
	put16(rdata + pos, 1); /* SvcParamKey alpn */
	put16(rdata + pos + 2, (uint16_t)alpn_len);
	pos += 4;
	for (int i = 0; i < 2 && alpn[i] != NULL; i++) {
		pos += put_character_string(rdata + pos, alpn[i]);
	}

	if ((key >> 8) % 2) {
		uint8_t addresses[8][16];
		unsigned count = address_set(ctx->u, zone, key, KNOT_RRTYPE_A, ctx->now, addresses);
		put16(rdata + pos, 4); /* ipv4hint */
		put16(rdata + pos + 2, (uint16_t)(4 * count));
		pos += 4;
		for (unsigned i = 0; i < count; i++) {
			memcpy(rdata + pos, addresses[i], 4);
			pos += 4;
		}
		if (zone->flags & ZONE_IPV6) {
			count = address_set(ctx->u, zone, key, KNOT_RRTYPE_AAAA, ctx->now,
			                    addresses);
			put16(rdata + pos, 6); /* ipv6hint */
			put16(rdata + pos + 2, (uint16_t)(16 * count));
			pos += 4;
			for (unsigned i = 0; i < count; i++) {
				memcpy(rdata + pos, addresses[i], 16);
				pos += 16;
			}
		}
	}
	rrset_append(ctx->b, rr, rdata, pos);
	return rr;
}

static knot_rrset_t *srv_rrset(struct answer_context *ctx, uint32_t name)
{
	const struct name_info *info = &ctx->u->names[name];
	const struct zone_info *zone = &ctx->u->zones[info->zone];
	const uint8_t *wire = name_wire(ctx->u, name);
	uint8_t rdata[6 + KNOT_DNAME_MAXLEN];
	const char *target = "sip";
	uint16_t port = 5060;

	/* wire starts with the service label: "_sip", "_xmpp-client", ... */
	if (memcmp(wire + 1, "_xmpp", 5) == 0) {
		target = "xmpp";
		port = 5222;
	} else if (memcmp(wire + 1, "_imaps", 6) == 0) {
		target = "mail";
		port = 993;
	} else if (memcmp(wire + 1, "_autodiscover", 13) == 0) {
		target = "autodiscover";
		port = 443;
	}

	knot_rrset_t *rr =
	        rrset_create(ctx->b, wire, KNOT_RRTYPE_SRV, cached_ttl(3600, zone->key, ctx->now));
	unsigned count = 1 + (unsigned)((zone->key >> 29) % 2);
	for (unsigned i = 1; i <= count; i++) {
		char label[24];
		format_text(label, sizeof(label), "%s%u", target, i);
		put16(rdata, (uint16_t)(10 * i));
		put16(rdata + 2, (uint16_t)(count == 1 ? 0 : 5 + 50 * (i % 2)));
		put16(rdata + 4, port);
		rrset_append(ctx->b, rr, rdata,
		             6 + dname_join(rdata + 6, label, zone_apex(ctx->u, info->zone)));
	}
	return rr;
}

static knot_rrset_t *ptr_rrset(struct answer_context *ctx, uint32_t name)
{
	const struct universe *u = ctx->u;
	uint32_t j = name - (u->name_count - u->reverse_count);
	uint64_t key = hash3(u->seed, 0x707472, j);
	uint8_t rdata[KNOT_DNAME_MAXLEN];
	char label[48];
	size_t len;

	if (u->names[name].role == ROLE_REVERSE_V4) {
		uint32_t a = reverse_address_v4(j);
		if (a < 0x64410000u) {
			format_text(label, sizeof(label), "100-64-%u-%u", (a >> 8) & 0xff,
			            a & 0xff);
			len = dname_join(rdata, label, provider_suffix(u, SUFFIX_ISP_POOL, key));
		} else {
			format_text(label, sizeof(label), "host-%u-%u-%u", (a >> 16) & 0xff,
			            (a >> 8) & 0xff, a & 0xff);
			len = dname_join(rdata, label,
			                 zone_apex(u, (uint32_t)(key % u->zone_count)));
		}
	} else {
		format_text(label, sizeof(label), "v6-host-%x", j);
		len = dname_join(rdata, label, zone_apex(u, (uint32_t)(key % u->zone_count)));
	}
	knot_rrset_t *rr = rrset_create(ctx->b, name_wire(u, name), KNOT_RRTYPE_PTR,
	                                cached_ttl(86400, key, ctx->now));
	rrset_append(ctx->b, rr, rdata, len);
	return rr;
}

/* Writes the CNAME chain of a name into the answer section. On return *owner
 * is the final target and *compr_hint points at it in the message, and
 * *target_key seeds the target's own records. */
static int put_cname_chain(struct answer_context *ctx, uint32_t name, uint8_t *owner,
                           uint16_t *compr_hint, uint64_t *target_key)
{
	const struct universe *u = ctx->u;
	const struct name_info *info = &u->names[name];
	const struct zone_info *zone = &u->zones[info->zone];
	uint64_t key = hash3(u->seed, 0x636e616d, name);
	uint8_t target[KNOT_DNAME_MAXLEN];
	char label[64];
	uint16_t pos = 0;

	if (info->cname == CNAME_ONE_HOP) {
		/* 2000 load balancers per hosting provider, shared by many names. */
		format_text(label, sizeof(label), "lb%u", (unsigned)(key % 2000));
		dname_join(target, label, provider_suffix(u, SUFFIX_LB, key >> 11));
	} else {
		/* name -> <zone>-<tld>.cdn-<p>.example.net -> e<n>.edge.cdn-<p>.example.com */
		char domain[KNOT_DNAME_TXT_MAXLEN + 1];
		zone_text(u, info->zone, domain, sizeof(domain));
		for (char *c = domain; *c != '\0'; c++) {
			if (*c == '.') {
				*c = '-';
			}
		}
		dname_join(target, domain, provider_suffix(u, SUFFIX_CDN_ALIAS, zone->key >> 2));
	}

	knot_rrset_t *rr = rrset_create(ctx->b, name_wire(u, name), KNOT_RRTYPE_CNAME,
	                                cached_ttl(pick_ttl(key >> 3), key, ctx->now));
	rrset_append(ctx->b, rr, target, knot_dname_size(target));
	int ret = builder_put(ctx->b, KNOT_COMPR_HINT_QNAME, rr, 0, &pos);
	if (ret != KNOT_EOK) {
		return ret;
	}

	if (info->cname == CNAME_TWO_HOPS) {
		uint8_t edge[KNOT_DNAME_MAXLEN];
		format_text(label, sizeof(label), "e%u", (unsigned)(key % 4000));
		dname_join(edge, label, provider_suffix(u, SUFFIX_CDN_EDGE, zone->key >> 2));
		rr = rrset_create(ctx->b, target, KNOT_RRTYPE_CNAME,
		                  cached_ttl(21600, key, ctx->now));
		rrset_append(ctx->b, rr, edge, knot_dname_size(edge));
		ret = builder_put(ctx->b, pos, rr, 0, &pos);
		if (ret != KNOT_EOK) {
			return ret;
		}
		memcpy(target, edge, knot_dname_size(edge));
	}

	memcpy(owner, target, knot_dname_size(target));
	*compr_hint = pos;
	*target_key = hash3(u->seed, 0x65646765, XXH3_64bits(target, knot_dname_size(target)));
	return KNOT_EOK;
}

/* Writes the answer section for a name of the universe. Sets *nodata when the
 * name has no records of the qtype. */
static int put_answer(struct answer_context *ctx, bool *nodata)
{
	const struct universe *u = ctx->u;
	uint32_t name = ctx->q->name;
	const struct name_info *info = &u->names[name];
	const struct zone_info *zone = info->zone == NO_INDEX ? NULL : &u->zones[info->zone];
	uint16_t qtype = ctx->q->qtype;
	uint64_t key = hash3(u->seed, 0x6e616d65, name);
	knot_rrset_t *rr = NULL;

	*nodata = false;
	if (info->cname != CNAME_NONE && qtype != KNOT_RRTYPE_CNAME) {
		uint8_t target[KNOT_DNAME_MAXLEN];
		uint16_t hint = 0;
		uint64_t target_key = 0;
		int ret = put_cname_chain(ctx, name, target, &hint, &target_key);
		if (ret != KNOT_EOK || qtype == KNOT_RRTYPE_HTTPS) {
			return ret; /* CDN edges publish no HTTPS records */
		}
		return put_address_rrset(ctx, target, hint, NULL, target_key, qtype);
	}

	switch (qtype) {
	case KNOT_RRTYPE_A:
		return put_address_rrset(ctx, name_wire(u, name), KNOT_COMPR_HINT_QNAME, zone, key,
		                         qtype);
	case KNOT_RRTYPE_AAAA:
		if (!(zone->flags & ZONE_IPV6)) {
			*nodata = true;
			return KNOT_EOK;
		}
		return put_address_rrset(ctx, name_wire(u, name), KNOT_COMPR_HINT_QNAME, zone, key,
		                         qtype);
	case KNOT_RRTYPE_MX:
		rr = mx_rrset(ctx, info->zone);
		break;
	case KNOT_RRTYPE_TXT:
		rr = info->role == ROLE_DMARC ? dmarc_txt_rrset(ctx, name_wire(u, name), info->zone)
		                              : apex_txt_rrset(ctx, info->zone);
		break;
	case KNOT_RRTYPE_NS:
		rr = zone_ns_rrset(ctx, info->zone);
		break;
	case KNOT_RRTYPE_SOA: {
		uint8_t rdata[2 * KNOT_DNAME_MAXLEN + 20];
		size_t len;
		soa_rdata(u, info->zone, ctx->capture_start, rdata, &len);
		rr = rrset_create(ctx->b, name_wire(u, name), KNOT_RRTYPE_SOA,
		                  cached_ttl(3600, zone->key, ctx->now));
		rrset_append(ctx->b, rr, rdata, len);
		break;
	}
	case KNOT_RRTYPE_CAA:
		rr = caa_rrset(ctx, info->zone);
		break;
	case KNOT_RRTYPE_HTTPS:
		rr = https_rrset(ctx, name);
		break;
	case KNOT_RRTYPE_SRV:
		rr = srv_rrset(ctx, name);
		break;
	case KNOT_RRTYPE_PTR:
		rr = ptr_rrset(ctx, name);
		break;
	default:
		break;
	}
	if (rr == NULL) {
		*nodata = true;
		return KNOT_EOK;
	}
	return builder_put(ctx->b, KNOT_COMPR_HINT_QNAME, rr, 0, NULL);
}

struct response_options {
	int64_t now;           /* response time, epoch seconds */
	int64_t capture_start; /* for SOA serials */
	size_t max_size;
	bool truncated; /* send TC=1 with an empty answer */
};

/* Writes the sections after the question. */
static int put_response_sections(struct message_builder *b, const struct question *q,
                                 const struct response_options *opts, struct rng *rng)
{
	struct answer_context ctx = {
	        .b = b,
	        .u = b->u,
	        .q = q,
	        .rng = rng,
	        .now = opts->now,
	        .capture_start = opts->capture_start,
	};
	int ret = KNOT_EOK;

	if (opts->truncated || q->outcome == OUTCOME_SERVFAIL) {
		return KNOT_EOK;
	}
	knot_pkt_begin(b->pkt, KNOT_ANSWER);
	if (q->outcome == OUTCOME_NXDOMAIN) {
		knot_wire_set_rcode(b->pkt->wire, KNOT_RCODE_NXDOMAIN);
		knot_pkt_begin(b->pkt, KNOT_AUTHORITY);
		if (q->soa_zone != NO_INDEX) {
			return put_zone_soa(&ctx, q->soa_zone);
		}
		return put_tld_soa(&ctx, q->soa_tld);
	}

	bool nodata = false;
	ret = put_answer(&ctx, &nodata);
	if (ret != KNOT_EOK) {
		return ret;
	}
	uint32_t zone = b->u->names[q->name].zone;
	if (zone == NO_INDEX) {
		return KNOT_EOK; /* reverse names carry no authority records */
	}
	knot_pkt_begin(b->pkt, KNOT_AUTHORITY);
	if (nodata) {
		return put_zone_soa(&ctx, zone);
	}
	if (q->qtype == KNOT_RRTYPE_NS || !rng_chance(rng, AUTHORITY_NS_SHARE)) {
		return KNOT_EOK;
	}
	ret = builder_put(b, KNOT_COMPR_HINT_NONE, zone_ns_rrset(&ctx, zone), 0, NULL);
	if (ret == KNOT_EOK && ctx.glue_count > 0) {
		knot_pkt_begin(b->pkt, KNOT_ADDITIONAL);
		ret = put_glue(&ctx);
	}
	return ret;
}

/* Writes the response to q and returns its length, or 0 when the records do
 * not fit in opts->max_size (the caller then sends a truncated response). */
static size_t response_write(struct message_builder *b, const struct question *q,
                             const struct response_options *opts, struct rng *rng)
{
	int ret = builder_start(b, q, opts->max_size);
	if (ret != KNOT_EOK) {
		errx(1, "internal error: writing a question failed: %s", knot_strerror(ret));
	}
	uint8_t *wire = b->pkt->wire;
	knot_wire_set_qr(wire);
	knot_wire_set_ra(wire);
	if (q->dnssec_ok && rng_chance(rng, 0.3)) {
		knot_wire_set_ad(wire);
	}
	if (opts->truncated) {
		knot_wire_set_tc(wire);
	}
	if (q->outcome == OUTCOME_SERVFAIL) {
		knot_wire_set_rcode(wire, KNOT_RCODE_SERVFAIL);
	}

	knot_rrset_t *opt = NULL;
	if (q->edns) {
		opt = opt_create(b, q, true);
		if (q->outcome == OUTCOME_SERVFAIL && rng_chance(rng, 0.5)) {
			/* Extended DNS Error 22, "No Reachable Authority" (RFC 8914). */
			uint8_t ede[2];
			put16(ede, 22);
			knot_edns_add_option(opt, KNOT_EDNS_OPTION_EDE, sizeof(ede), ede, &b->mm);
		}
		knot_pkt_reserve(b->pkt, (uint16_t)knot_edns_wire_size(opt));
	}

	ret = put_response_sections(b, q, opts, rng);
	if (ret == KNOT_ESPACE) {
		return 0;
	}
	if (ret != KNOT_EOK) {
		errx(1, "internal error: writing a response failed: %s", knot_strerror(ret));
	}
	if (opt != NULL) {
		knot_pkt_reclaim(b->pkt, (uint16_t)knot_edns_wire_size(opt));
		knot_pkt_begin(b->pkt, KNOT_ADDITIONAL);
		ret = knot_pkt_put(b->pkt, KNOT_COMPR_HINT_NONE, opt, 0);
		if (ret != KNOT_EOK) {
			errx(1, "internal error: writing OPT failed: %s", knot_strerror(ret));
		}
	}
	return b->pkt->size;
}

/* ---- Expected pDNS records ---- */

/* A record (owner, rrtype, rdata) or an rrset (owner, rrtype) with its sightings.
 * The key is the lower-case owner in wire form, the rrtype in network order,
 * then the rdata in wire form. */
struct record_entry {
	uint64_t hash;
	uint8_t *key;
	uint16_t key_len;
	uint16_t owner_len;
	uint32_t time_first;
	uint32_t time_last;
	uint64_t count;
};

struct record_table {
	struct record_entry *slots;
	size_t capacity; /* a power of two */
	size_t count;
	struct arena keys;
};

static void record_table_init(struct record_table *t)
{
	t->capacity = 1 << 16;
	t->count = 0;
	t->slots = xcalloc(t->capacity, sizeof(*t->slots));
	arena_init(&t->keys, 1 << 20);
}

static void record_table_free(struct record_table *t)
{
	free(t->slots);
	arena_free(&t->keys);
}

static void record_table_grow(struct record_table *t)
{
	size_t capacity = t->capacity * 2;
	struct record_entry *slots = xcalloc(capacity, sizeof(*slots));

	for (size_t i = 0; i < t->capacity; i++) {
		if (t->slots[i].key == NULL) {
			continue;
		}
		size_t at = t->slots[i].hash & (capacity - 1);
		while (slots[at].key != NULL) {
			at = (at + 1) & (capacity - 1);
		}
		slots[at] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->capacity = capacity;
}

/* Adds one sighting at time now (epoch seconds) of the record whose key is
 * key[0..len). */
static void record_table_add(struct record_table *t, const uint8_t *key, size_t len,
                             size_t owner_len, uint32_t now)
{
	uint64_t hash = XXH3_64bits(key, len);
	size_t at = hash & (t->capacity - 1);

	while (t->slots[at].key != NULL) {
		struct record_entry *e = &t->slots[at];
		if (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0) {
			e->time_first = now < e->time_first ? now : e->time_first;
			e->time_last = now > e->time_last ? now : e->time_last;
			e->count++;
			return;
		}
		at = (at + 1) & (t->capacity - 1);
	}

	struct record_entry *e = &t->slots[at];
	e->key = arena_dup(&t->keys, key, len);
	if (e->key == NULL) {
		errx(1, "out of memory storing expected records (%zu so far)", t->count);
	}
	e->hash = hash;
	e->key_len = (uint16_t)len;
	e->owner_len = (uint16_t)owner_len;
	e->time_first = now;
	e->time_last = now;
	e->count = 1;
	if (++t->count * 2 > t->capacity) {
		record_table_grow(t);
	}
}

struct truth {
	struct record_table records; /* (rrname, rrtype, rdata) */
	struct record_table rrsets;  /* (rrname, rrtype) */
};

/* Parses a finished response and counts every answer-section record, seen at
 * now, the time of the frame that completes the message. */
static void truth_add_response(struct truth *truth, struct message_builder *b, const uint8_t *wire,
                               size_t len, uint32_t now)
{
	knot_pkt_t *pkt = b->parser;

	knot_pkt_clear(pkt);
	memcpy(pkt->wire, wire, len);
	pkt->size = len;
	int ret = knot_pkt_parse(pkt, 0);
	if (ret != KNOT_EOK) {
		errx(1, "internal error: a generated response does not parse: %s",
		     knot_strerror(ret));
	}

	const knot_pktsection_t *answer = knot_pkt_section(pkt, KNOT_ANSWER);
	uint8_t key[KNOT_DNAME_MAXLEN + 2 + KNOT_WIRE_MAX_PKTSIZE];
	for (uint16_t i = 0; i < answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(answer, i);
		size_t owner_len = knot_dname_size(rr->owner);
		knot_dname_copy_lower(key, rr->owner);
		put16(key + owner_len, rr->type);
		record_table_add(&truth->rrsets, key, owner_len + 2, owner_len, now);

		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t k = 0; k < rr->rrs.count; k++) {
			memcpy(key + owner_len + 2, rd->data, rd->len);
			record_table_add(&truth->records, key, owner_len + 2 + rd->len, owner_len,
			                 now);
			rd = knot_rdataset_next(rd);
		}
	}
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Writes the records as TSV lines in byte order (as LC_ALL=C sort orders them):
 * rrname, rrtype, rdata as knot_rrset_txt_dump_data prints it with the default
 * style, time_first, time_last, count. Domain names in rdata are lower case
 * because knot_pkt_parse canonicalises them; on the wire some take the case of
 * a mixed-case qname through compression.
 * libknot 3.2 ends CAA rdata with a space ('0 issue "ca-a.example.net" '); the
 * space is dropped here, as dragnet's own presentation code drops it. AAAA
 * is written by inet_ntop() (RFC 5952), as dragnet writes it.
 */
static void truth_write(const struct record_table *t, const char *path)
{
	char **lines = xcalloc(t->count ? t->count : 1, sizeof(char *));
	size_t n = 0;

	for (size_t i = 0; i < t->capacity; i++) {
		const struct record_entry *e = &t->slots[i];
		if (e->key == NULL) {
			continue;
		}
		uint16_t type = (uint16_t)(e->key[e->owner_len] << 8 | e->key[e->owner_len + 1]);
		knot_rrset_t rr;
		knot_rrset_init(&rr, e->key, type, KNOT_CLASS_IN, 0);
		const uint8_t *rdata = e->key + e->owner_len + 2;
		if (knot_rrset_add_rdata(&rr, rdata, (uint16_t)(e->key_len - e->owner_len - 2),
		                         NULL) != KNOT_EOK) {
			errx(1, "out of memory formatting expected records");
		}

		char owner[KNOT_DNAME_TXT_MAXLEN + 1];
		char type_name[32];
		char rdata_text[8192];
		knot_dname_to_str(owner, e->key, sizeof(owner));
		knot_rrtype_to_string(type, type_name, sizeof(type_name));
		int ret = knot_rrset_txt_dump_data(&rr, 0, rdata_text, sizeof(rdata_text),
		                                   &KNOT_DUMP_STYLE_DEFAULT);
		if (ret < 0) {
			errx(1, "formatting a %s record of %s failed: %s", type_name, owner,
			     knot_strerror(ret));
		}
		knot_rdataset_clear(&rr.rrs, NULL);
		while (ret > 0 && rdata_text[ret - 1] == ' ')
			rdata_text[--ret] = '\0';
		/* AAAA in RFC 5952 form, which libknot 3.2 misses when two zero
		 * runs are equally long. */
		if (type == KNOT_RRTYPE_AAAA &&
		    inet_ntop(AF_INET6, rdata, rdata_text, sizeof(rdata_text)) == NULL) {
			errx(1, "formatting an AAAA record of %s failed", owner);
		}

		if (asprintf(&lines[n], "%s\t%s\t%s\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu64 "\n",
		             owner, type_name, rdata_text, e->time_first, e->time_last,
		             e->count) < 0) {
			errx(1, "out of memory formatting expected records");
		}
		n++;
	}
	qsort(lines, n, sizeof(char *), compare_lines);

	FILE *out = fopen(path, "w");
	if (out == NULL) {
		err(1, "cannot open truth file %s", path);
	}
	for (size_t i = 0; i < n; i++) {
		fputs(lines[i], out);
		free(lines[i]);
	}
	if (fclose(out) != 0) {
		err(1, "writing truth file %s failed", path);
	}
	free(lines);
}

/* ---- Frames and the time-ordered writer ---- */

struct frame {
	int64_t time_us;
	uint64_t order; /* ties on time_us keep scheduling order */
	uint32_t len;
	struct frame *next_free;
	uint8_t data[FRAME_MAX];
};

struct scheduler {
	struct frame **heap;
	size_t count;
	size_t capacity;
	struct frame *free_frames;
	uint64_t next_order;
	pcap_dumper_t *dumper;
	uint64_t written;
};

static bool frame_before(const struct frame *a, const struct frame *b)
{
	return a->time_us < b->time_us || (a->time_us == b->time_us && a->order < b->order);
}

static struct frame *scheduler_frame(struct scheduler *s)
{
	struct frame *f = s->free_frames;
	if (f != NULL) {
		s->free_frames = f->next_free;
		return f;
	}
	f = malloc(sizeof(*f));
	if (f == NULL) {
		errx(1, "out of memory allocating a frame buffer");
	}
	return f;
}

static void scheduler_push(struct scheduler *s, struct frame *f, int64_t time_us)
{
	if (s->count == s->capacity) {
		s->capacity = s->capacity ? s->capacity * 2 : 1024;
		s->heap = realloc(s->heap, s->capacity * sizeof(*s->heap));
		if (s->heap == NULL) {
			errx(1, "out of memory growing the frame queue to %zu", s->capacity);
		}
	}
	f->time_us = time_us;
	f->order = s->next_order++;

	size_t i = s->count++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!frame_before(f, s->heap[parent])) {
			break;
		}
		s->heap[i] = s->heap[parent];
		i = parent;
	}
	s->heap[i] = f;
}

static struct frame *scheduler_pop(struct scheduler *s)
{
	struct frame *top = s->heap[0];
	struct frame *last = s->heap[--s->count];
	size_t i = 0;

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= s->count) {
			break;
		}
		if (child + 1 < s->count && frame_before(s->heap[child + 1], s->heap[child])) {
			child++;
		}
		if (!frame_before(s->heap[child], last)) {
			break;
		}
		s->heap[i] = s->heap[child];
		i = child;
	}
	if (s->count > 0) {
		s->heap[i] = last;
	}
	return top;
}

/* Writes every queued frame stamped at or before time_us (INT64_MAX: all). */
static void scheduler_write_until(struct scheduler *s, int64_t time_us)
{
	while (s->count > 0 && s->heap[0]->time_us <= time_us) {
		struct frame *f = scheduler_pop(s);
		struct pcap_pkthdr header = {
		        .ts = {.tv_sec = f->time_us / 1000000, .tv_usec = f->time_us % 1000000},
		        .caplen = f->len,
		        .len = f->len,
		};
		pcap_dump((u_char *)s->dumper, &header, f->data);
		s->written++;
		f->next_free = s->free_frames;
		s->free_frames = f;
	}
}

static void scheduler_free(struct scheduler *s)
{
	while (s->count > 0) {
		free(scheduler_pop(s));
	}
	while (s->free_frames != NULL) {
		struct frame *f = s->free_frames;
		s->free_frames = f->next_free;
		free(f);
	}
	free(s->heap);
}

/* One client-resolver conversation as seen on the resolver's link. */
struct flow {
	bool ipv6;
	uint8_t client[16];
	uint8_t server[16];
	uint16_t client_port;
	uint8_t client_ttl; /* IPv4 TTL or IPv6 hop limit as received */
	uint32_t flow_label;
	int64_t rtt_us; /* resolver -> client -> resolver */
};

static const uint8_t MAC_ROUTER[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
static const uint8_t MAC_RESOLVER[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x35};

static uint32_t checksum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)(data[i] << 8 | data[i + 1]);
	}
	if (len & 1) {
		sum += (uint32_t)data[len - 1] << 8;
	}
	return sum;
}

static uint16_t checksum_fold(uint32_t sum)
{
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

/* Writes Ethernet and IP headers for an l4_len-byte transport segment and
 * returns the offset of the transport header. */
static size_t write_ip_headers(uint8_t *p, const struct flow *flow, bool to_server,
                               uint8_t protocol, size_t l4_len, uint16_t ip_id)
{
	const uint8_t *src = to_server ? flow->client : flow->server;
	const uint8_t *dst = to_server ? flow->server : flow->client;
	uint8_t ttl = to_server ? flow->client_ttl : 64;

	memcpy(p, to_server ? MAC_RESOLVER : MAC_ROUTER, 6);
	memcpy(p + 6, to_server ? MAC_ROUTER : MAC_RESOLVER, 6);
	if (flow->ipv6) {
		put16(p + 12, 0x86dd);
		uint8_t *ip = p + 14;
		put32(ip, 0x60000000u | (flow->flow_label & 0xfffff));
		put16(ip + 4, (uint16_t)l4_len);
		ip[6] = protocol;
		ip[7] = ttl;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		return 14 + 40;
	}
	put16(p + 12, 0x0800);
	uint8_t *ip = p + 14;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + l4_len));
	put16(ip + 4, ip_id);
	put16(ip + 6, protocol == IPPROTO_TCP ? 0x4000 : 0); /* DF on TCP only */
	ip[8] = ttl;
	ip[9] = protocol;
	put16(ip + 10, 0);
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, checksum_fold(checksum_add(0, ip, 20)));
	return 14 + 20;
}

/* Fills the transport checksum at l4 + checksum_offset. */
static void write_l4_checksum(uint8_t *frame, const struct flow *flow, size_t l4_offset,
                              size_t l4_len, uint8_t protocol, size_t checksum_offset)
{
	uint8_t *l4 = frame + l4_offset;
	uint32_t sum = 0;

	if (flow->ipv6) {
		sum = checksum_add(sum, frame + 14 + 8, 32);
	} else {
		sum = checksum_add(sum, frame + 14 + 12, 8);
	}
	sum += (uint32_t)l4_len;
	sum += protocol;
	put16(l4 + checksum_offset, 0);
	sum = checksum_add(sum, l4, l4_len);
	uint16_t check = checksum_fold(sum);
	if (protocol == IPPROTO_UDP && check == 0) {
		check = 0xffff; /* RFC 768: zero means "no checksum" */
	}
	put16(l4 + checksum_offset, check);
}

static void schedule_udp(struct scheduler *s, struct rng *r, const struct flow *flow,
                         bool to_server, const uint8_t *payload, size_t len, int64_t time_us)
{
	struct frame *f = scheduler_frame(s);
	size_t l4_len = 8 + len;
	size_t off = write_ip_headers(f->data, flow, to_server, IPPROTO_UDP, l4_len,
	                              (uint16_t)rng_next(r));
	uint8_t *udp = f->data + off;

	put16(udp, to_server ? flow->client_port : 53);
	put16(udp + 2, to_server ? 53 : flow->client_port);
	put16(udp + 4, (uint16_t)l4_len);
	memcpy(udp + 8, payload, len);
	write_l4_checksum(f->data, flow, off, l4_len, IPPROTO_UDP, 6);
	f->len = (uint32_t)(off + l4_len);
	scheduler_push(s, f, time_us);
}

enum tcp_flag { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

struct tcp_segment {
	bool to_server;
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	const uint8_t *payload;
	size_t len;
	int64_t time_us;
};

static void schedule_tcp(struct scheduler *s, struct rng *r, const struct flow *flow,
                         const struct tcp_segment *seg)
{
	struct frame *f = scheduler_frame(s);
	/* SYN segments carry MSS, SACK-permitted, NOP and window scale: 12 bytes. */
	size_t header_len = (seg->flags & TCP_SYN) ? 32 : 20;
	size_t l4_len = header_len + seg->len;
	size_t off = write_ip_headers(f->data, flow, seg->to_server, IPPROTO_TCP, l4_len,
	                              (uint16_t)rng_next(r));
	uint8_t *tcp = f->data + off;

	put16(tcp, seg->to_server ? flow->client_port : 53);
	put16(tcp + 2, seg->to_server ? 53 : flow->client_port);
	put32(tcp + 4, seg->seq);
	put32(tcp + 8, (seg->flags & TCP_ACK) ? seg->ack : 0);
	tcp[12] = (uint8_t)((header_len / 4) << 4);
	tcp[13] = seg->flags;
	put16(tcp + 14, (seg->flags & TCP_SYN) ? 64240 : 502);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (seg->flags & TCP_SYN) {
		uint8_t *o = tcp + 20;
		o[0] = 2; /* MSS */
		o[1] = 4;
		put16(o + 2, flow->ipv6 ? MSS_IPV6 : MSS_IPV4);
		o[4] = 4; /* SACK permitted */
		o[5] = 2;
		o[6] = 1; /* NOP */
		o[7] = 3; /* window scale 7 */
		o[8] = 3;
		o[9] = 7;
		o[10] = 1;
		o[11] = 1;
	}
	if (seg->len > 0) {
		memcpy(tcp + header_len, seg->payload, seg->len);
	}
	write_l4_checksum(f->data, flow, off, l4_len, IPPROTO_TCP, 16);
	f->len = (uint32_t)(off + l4_len);
	scheduler_push(s, f, seg->time_us);
}

/* ---- Exchanges ---- */

struct options {
	const char *output;
	const char *truth_path;
	uint64_t packets;
	uint64_t seed;
	int64_t start;
	int64_t duration;
	uint32_t names;
	double tcp_share;
	double ipv6_share;
	bool quiet;
};

struct stats {
	uint64_t frames;     /* scheduled so far; equals written at the end */
	uint64_t dns_frames; /* frames that complete at least one DNS message */
	uint64_t queries;
	uint64_t responses;
	uint64_t tcp_queries;
	uint64_t tcp_messages;
	uint64_t messages;
	uint64_t ipv6_messages;
	uint64_t truncated;
};

struct generator {
	struct options opt;
	struct universe u;
	struct rng rng;
	struct message_builder *builder;
	struct scheduler sched;
	struct truth truth;
	struct stats stats;
	int64_t last_start_us;
	double tcp_connection_share;  /* chance that an exchange opens a TCP connection */
	double truncated_first_share; /* chance that a connection follows a TC response */
};

/* A DNS message copied out of the builder. */
struct message {
	uint8_t data[TCP_MAX_MESSAGE + 2];
	size_t len;
};

static void flow_pick(struct generator *g, struct flow *flow)
{
	struct rng *r = &g->rng;
	uint32_t client = (uint32_t)rng_below(r, CLIENT_COUNT);
	uint64_t h = hash3(g->opt.seed, 0x636c6e74, client);

	memset(flow, 0, sizeof(*flow));
	flow->ipv6 = rng_chance(r, g->opt.ipv6_share);
	if (flow->ipv6) {
		put32(flow->client, 0x20010db8u);
		put16(flow->client + 4, 0x00c1);
		put16(flow->client + 6, (uint16_t)client);
		put16(flow->client + 14, (uint16_t)(1 + (h >> 16) % 0xfffe));
		put32(flow->server, 0x20010db8u);
		put16(flow->server + 14, rng_chance(r, 0.5) ? 0x53 : 0x54);
		flow->flow_label = (uint32_t)rng_next(r);
	} else {
		/* 100.64.0.0/16, host numbers 1 to 254 in each /24. */
		put32(flow->client, 0x64400000u | (client / 254) << 8 | (1 + client % 254));
		put32(flow->server, rng_chance(r, 0.5) ? 0xc0000235u : 0xc0000236u);
	}
	/* Windows clients start at TTL 128, the rest at 64; a few hops away. */
	flow->client_ttl = (uint8_t)(((h & 3) == 0 ? 128 : 64) - 1 - (h >> 8) % 6);
	flow->client_port = (uint16_t)(49152 + rng_below(r, 16384)); /* RFC 6335 dynamic ports */
	flow->rtt_us = 300 + (int64_t)((h >> 24) % 30000);
}

/* How long the resolver takes: mostly cache hits for popular names, and slow
 * upstream timeouts for SERVFAIL. */
static int64_t resolution_delay_us(struct generator *g, const struct question *q)
{
	struct rng *r = &g->rng;
	double hit = 0.5;

	if (q->outcome == OUTCOME_SERVFAIL) {
		return rng_log_uniform(r, 300000, 3000000);
	}
	if (q->name != NO_INDEX && g->u.names[q->name].rank < 1000) {
		hit = 0.95;
	} else if (q->outcome == OUTCOME_NXDOMAIN) {
		hit = 0.2;
	}
	if (rng_chance(r, hit)) {
		return rng_log_uniform(r, 30, 400);
	}
	return rng_log_uniform(r, 2000, 250000);
}

static void count_message(struct generator *g, const struct flow *flow, bool tcp)
{
	g->stats.messages++;
	g->stats.ipv6_messages += flow->ipv6;
	g->stats.tcp_messages += tcp;
}

static void query_copy(struct generator *g, const struct question *q, struct message *m)
{
	m->len = query_write(g->builder, q);
	memcpy(m->data, g->builder->pkt->wire, m->len);
}

/* Writes the response to q into m, truncated when it does not fit max_size. */
static void response_copy(struct generator *g, const struct question *q, int64_t time_us,
                          size_t max_size, bool truncated, struct message *m)
{
	struct response_options opts = {
	        .now = time_us / 1000000,
	        .capture_start = g->opt.start,
	        .max_size = max_size,
	        .truncated = truncated,
	};
	m->len = response_write(g->builder, q, &opts, &g->rng);
	if (m->len == 0) {
		opts.truncated = true;
		m->len = response_write(g->builder, q, &opts, &g->rng);
	}
	if (opts.truncated) {
		g->stats.truncated++;
	}
	memcpy(m->data, g->builder->pkt->wire, m->len);
}

static size_t udp_response_limit(const struct question *q)
{
	if (!q->edns || q->udp_payload < 512) {
		return 512;
	}
	return q->udp_payload < UDP_MAX_PAYLOAD ? q->udp_payload : UDP_MAX_PAYLOAD;
}

/* Schedules a UDP query at time_us and, unless answer is false or the query
 * goes unanswered, its response. Returns the time of the last frame. */
static int64_t udp_exchange(struct generator *g, const struct flow *flow, const struct question *q,
                            int64_t time_us, bool answer, bool truncated)
{
	struct message m;

	query_copy(g, q, &m);
	schedule_udp(&g->sched, &g->rng, flow, true, m.data, m.len, time_us);
	g->stats.frames++;
	g->stats.dns_frames++;
	g->stats.queries++;
	count_message(g, flow, false);
	if (!answer || (!truncated && rng_chance(&g->rng, UNANSWERED_SHARE))) {
		return time_us;
	}

	int64_t response_us = time_us + resolution_delay_us(g, q);
	response_copy(g, q, response_us, udp_response_limit(q), truncated, &m);
	schedule_udp(&g->sched, &g->rng, flow, false, m.data, m.len, response_us);
	truth_add_response(&g->truth, g->builder, m.data, m.len, (uint32_t)(response_us / 1000000));
	g->stats.frames++;
	g->stats.dns_frames++;
	g->stats.responses++;
	count_message(g, flow, false);
	return response_us;
}

/* State of one TCP connection while its segments are scheduled. */
struct tcp_connection {
	struct generator *g;
	struct flow flow;
	uint32_t client_seq; /* next sequence number the client sends */
	uint32_t server_seq;
};

static void tcp_send(struct tcp_connection *c, bool to_server, uint8_t flags,
                     const uint8_t *payload, size_t len, int64_t time_us)
{
	struct tcp_segment seg = {
	        .to_server = to_server,
	        .flags = flags,
	        .seq = to_server ? c->client_seq : c->server_seq,
	        .ack = to_server ? c->server_seq : c->client_seq,
	        .payload = payload,
	        .len = len,
	        .time_us = time_us,
	};
	schedule_tcp(&c->g->sched, &c->g->rng, &c->flow, &seg);
	uint32_t advance = (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
	if (to_server) {
		c->client_seq += advance;
	} else {
		c->server_seq += advance;
	}
	c->g->stats.frames++;
}

/* Prepends the RFC 1035 section 4.2.2 length to m. */
static void add_length_prefix(struct message *m)
{
	memmove(m->data + 2, m->data, m->len);
	put16(m->data, (uint16_t)m->len);
	m->len += 2;
}

/* Sends one length-prefixed response, in MSS-sized segments and sometimes
 * split once more, and returns the time of its last segment. */
static int64_t tcp_send_response(struct tcp_connection *c, const struct message *m, int64_t time_us)
{
	struct rng *r = &c->g->rng;
	size_t mss = c->flow.ipv6 ? MSS_IPV6 : MSS_IPV4;
	size_t first = m->len < mss ? m->len : mss;

	if (m->len <= mss && rng_chance(r, TCP_SPLIT_SHARE)) {
		/* Either only the length prefix goes first, or a cut inside the message. */
		first = rng_chance(r, 0.35) ? 2 : 3 + rng_below(r, m->len - 3);
	}
	size_t sent = 0;
	size_t piece = first;
	while (sent < m->len) {
		tcp_send(c, false, TCP_PSH | TCP_ACK, m->data + sent, piece, time_us);
		sent += piece;
		if (sent < m->len) {
			time_us += 40 + (int64_t)rng_below(r, 200);
		}
		piece = m->len - sent < mss ? m->len - sent : mss;
	}
	c->g->stats.dns_frames++;
	return time_us;
}

/*
 * Schedules a TCP connection starting at time_us: sometimes a truncated UDP
 * exchange first, then the handshake, one query or two pipelined ones (in one
 * segment or two), the responses in order, and the close. Uses at most
 * TCP_MAX_FRAMES frames.
 */
static void tcp_exchange(struct generator *g, int64_t time_us)
{
	struct rng *r = &g->rng;
	struct tcp_connection c = {.g = g};
	struct question q[2];
	struct message query[2];
	struct message response[2];
	int count = rng_chance(r, TCP_PIPELINE_SHARE) ? 2 : 1;

	flow_pick(g, &c.flow);
	for (int i = 0; i < count; i++) {
		question_pick(&g->u, r, &q[i]);
	}

	if (rng_chance(r, g->truncated_first_share)) {
		struct flow udp_flow = c.flow;
		time_us = udp_exchange(g, &udp_flow, &q[0], time_us, true, true);
		time_us += 200 + (int64_t)rng_below(r, 2000);
		q[0].id = (uint16_t)rng_next(r);
		c.flow.client_port = (uint16_t)(49152 + rng_below(r, 16384));
	}

	/* Handshake. Times are as seen at the resolver. */
	c.client_seq = (uint32_t)rng_next(r);
	c.server_seq = (uint32_t)rng_next(r);
	tcp_send(&c, true, TCP_SYN, NULL, 0, time_us);
	tcp_send(&c, false, TCP_SYN | TCP_ACK, NULL, 0, time_us + 15);
	time_us += 15 + c.flow.rtt_us;
	tcp_send(&c, true, TCP_ACK, NULL, 0, time_us);

	/* Queries: pipelined pairs share a segment more often than not. */
	time_us += 20;
	for (int i = 0; i < count; i++) {
		query_copy(g, &q[i], &query[i]);
		add_length_prefix(&query[i]);
		count_message(g, &c.flow, true);
	}
	g->stats.queries += (uint64_t)count;
	g->stats.tcp_queries += (uint64_t)count;
	int64_t sent_us[2] = {time_us, time_us};
	if (count == 2 && rng_chance(r, 0.6)) {
		struct message both;
		memcpy(both.data, query[0].data, query[0].len);
		memcpy(both.data + query[0].len, query[1].data, query[1].len);
		tcp_send(&c, true, TCP_PSH | TCP_ACK, both.data, query[0].len + query[1].len,
		         time_us);
		g->stats.dns_frames++;
	} else {
		for (int i = 0; i < count; i++) {
			sent_us[i] = time_us + 30 * i;
			tcp_send(&c, true, TCP_PSH | TCP_ACK, query[i].data, query[i].len,
			         sent_us[i]);
			g->stats.dns_frames++;
		}
	}

	/* Responses, in query order; two may share a segment when neither is split. */
	int64_t ready_us[2];
	for (int i = 0; i < count; i++) {
		ready_us[i] = sent_us[i] + resolution_delay_us(g, &q[i]);
		response_copy(g, &q[i], ready_us[i], TCP_MAX_MESSAGE, false, &response[i]);
		add_length_prefix(&response[i]);
		count_message(g, &c.flow, true);
	}
	g->stats.responses += (uint64_t)count;

	size_t mss = c.flow.ipv6 ? MSS_IPV6 : MSS_IPV4;
	int64_t done_us[2];
	if (count == 2 && response[0].len + response[1].len <= mss && rng_chance(r, 0.5)) {
		struct message both;
		done_us[0] = done_us[1] = ready_us[0] > ready_us[1] ? ready_us[0] : ready_us[1];
		memcpy(both.data, response[0].data, response[0].len);
		memcpy(both.data + response[0].len, response[1].data, response[1].len);
		tcp_send(&c, false, TCP_PSH | TCP_ACK, both.data, response[0].len + response[1].len,
		         done_us[0]);
		g->stats.dns_frames++;
	} else {
		int64_t previous_us = 0;
		for (int i = 0; i < count; i++) {
			int64_t at_us =
			        ready_us[i] > previous_us + 20 ? ready_us[i] : previous_us + 20;
			done_us[i] = tcp_send_response(&c, &response[i], at_us);
			previous_us = done_us[i];
		}
	}
	for (int i = 0; i < count; i++) {
		truth_add_response(&g->truth, g->builder, response[i].data + 2, response[i].len - 2,
		                   (uint32_t)(done_us[i] / 1000000));
	}

	/* The client closes after the last response; its packets arrive one RTT
	 * after the resolver's. */
	time_us = done_us[count - 1] + c.flow.rtt_us + (int64_t)rng_below(r, 5000);
	tcp_send(&c, true, TCP_FIN | TCP_ACK, NULL, 0, time_us);
	tcp_send(&c, false, TCP_FIN | TCP_ACK, NULL, 0, time_us + 20);
	tcp_send(&c, true, TCP_ACK, NULL, 0, time_us + 20 + c.flow.rtt_us);
}

/* Schedules exchanges at an even rate until the frame budget is used, then
 * writes the frames still queued. */
static void generate(struct generator *g)
{
	const int64_t start_us = g->opt.start * 1000000;
	const double spacing_us = (double)g->opt.duration * 1e6 / (double)g->opt.packets;

	while (g->stats.frames < g->opt.packets) {
		uint64_t left = g->opt.packets - g->stats.frames;
		double offset_us = spacing_us * ((double)g->stats.frames + rng_unit(&g->rng));
		int64_t time_us = start_us + (int64_t)offset_us;
		if (time_us < g->last_start_us) {
			time_us = g->last_start_us;
		}
		g->last_start_us = time_us;

		/* Every frame queued from here on is stamped at or after time_us. */
		scheduler_write_until(&g->sched, time_us);
		if (left >= TCP_MAX_FRAMES && rng_chance(&g->rng, g->tcp_connection_share)) {
			tcp_exchange(g, time_us);
			continue;
		}
		struct flow flow;
		struct question q;
		flow_pick(g, &flow);
		question_pick(&g->u, &g->rng, &q);
		udp_exchange(g, &flow, &q, time_us, left >= 2, false);
	}
	scheduler_write_until(&g->sched, INT64_MAX);
}

/*
 * Sets the chances that an exchange opens a TCP connection and that the
 * connection follows a truncated UDP response, so that tcp_share of all queries
 * go over TCP. A connection carries 1 + TCP_PIPELINE_SHARE queries on average.
 * The truncated-first chance falls to 0 as tcp_share reaches 1, which keeps the
 * connection chance at or below 1.
 */
static void set_tcp_chances(struct generator *g)
{
	double share = g->opt.tcp_share;
	double per_connection = 1 + TCP_PIPELINE_SHARE;
	double udp_first = TCP_TRUNCATED_FIRST_SHARE * (1 - share);
	double queries_per_draw_extra = per_connection - 1 + udp_first;

	g->truncated_first_share = udp_first;
	g->tcp_connection_share = share / (per_connection - share * queries_per_draw_extra);
}

/* ---- Command line ---- */

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: gen_capture -o FILE [options]\n"
	        "Write a pcap file (Ethernet, microsecond timestamps) of synthetic DNS traffic\n"
	        "between clients and resolvers; the same options and seed give the same bytes.\n"
	        "\n"
	        "  -o, --output FILE      pcap file to write, or - for standard output\n"
	        "  -n, --packets N        frames to write, counting every frame (default %u)\n"
	        "      --seed N           seed of every random choice (default %u)\n"
	        "      --start EPOCH      time of the first frame, UTC epoch seconds\n"
	        "                         (default %d)\n"
	        "      --duration SECONDS simulated time the frames are spread over; also\n"
	        "                         accepts 90m, 12h, 2d (default %d)\n"
	        "      --names N          size of the name universe (default %u, %u to %u)\n"
	        "      --tcp-share F      fraction of queries sent over TCP, 0 to 1 (default "
	        "%.2f)\n"
	        "      --ipv6-share F     fraction of exchanges over IPv6, 0 to 1 (default %.2f)\n"
	        "      --truth FILE       also write the expected pDNS records as TSV:\n"
	        "                         rrname rrtype rdata time_first time_last count\n"
	        "  -q, --quiet            print no summary on standard error\n"
	        "  -h, --help             print this help\n",
	        DEFAULT_PACKETS, DEFAULT_SEED, DEFAULT_START, DEFAULT_DURATION, DEFAULT_NAMES,
	        MIN_NAMES, MAX_NAMES, DEFAULT_TCP_SHARE, DEFAULT_IPV6_SHARE);
}

static uint64_t parse_unsigned(const char *text, const char *option, uint64_t min, uint64_t max)
{
	char *end = NULL;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);

	if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0' || value < min ||
	    value > max) {
		errx(2,
		     "invalid value '%s' for %s: expected an integer from %" PRIu64 " to %" PRIu64,
		     text, option, min, max);
	}
	return value;
}

static double parse_fraction(const char *text, const char *option)
{
	char *end = NULL;
	errno = 0;
	double value = strtod(text, &end);

	if (errno != 0 || end == text || *end != '\0' || !(value >= 0 && value <= 1)) {
		errx(2, "invalid value '%s' for %s: expected a fraction from 0 to 1", text, option);
	}
	return value;
}

enum long_option {
	OPT_SEED = 256,
	OPT_START,
	OPT_DURATION,
	OPT_NAMES,
	OPT_TCP_SHARE,
	OPT_IPV6_SHARE,
	OPT_TRUTH,
};

static void options_parse(int argc, char **argv, struct options *opt)
{
	static const struct option long_options[] = {
	        {"output", required_argument, NULL, 'o'},
	        {"packets", required_argument, NULL, 'n'},
	        {"seed", required_argument, NULL, OPT_SEED},
	        {"start", required_argument, NULL, OPT_START},
	        {"duration", required_argument, NULL, OPT_DURATION},
	        {"names", required_argument, NULL, OPT_NAMES},
	        {"tcp-share", required_argument, NULL, OPT_TCP_SHARE},
	        {"ipv6-share", required_argument, NULL, OPT_IPV6_SHARE},
	        {"truth", required_argument, NULL, OPT_TRUTH},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	*opt = (struct options){
	        .packets = DEFAULT_PACKETS,
	        .seed = DEFAULT_SEED,
	        .start = DEFAULT_START,
	        .duration = DEFAULT_DURATION,
	        .names = DEFAULT_NAMES,
	        .tcp_share = DEFAULT_TCP_SHARE,
	        .ipv6_share = DEFAULT_IPV6_SHARE,
	};

	int c;
	while ((c = getopt_long(argc, argv, "o:n:qh", long_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt->output = optarg;
			break;
		case 'n':
			opt->packets = parse_unsigned(optarg, "-n", 1, UINT32_MAX);
			break;
		case OPT_SEED:
			opt->seed = parse_unsigned(optarg, "--seed", 0, UINT64_MAX);
			break;
		case OPT_START:
			opt->start = (int64_t)parse_unsigned(optarg, "--start", 0, UINT32_MAX);
			break;
		case OPT_DURATION:
			if (!duration_parse(optarg, &opt->duration) || opt->duration < 1) {
				errx(2,
				     "invalid value '%s' for --duration: expected seconds, or a "
				     "number with s, m, h or d, of at least 1 second",
				     optarg);
			}
			break;
		case OPT_NAMES:
			opt->names =
			        (uint32_t)parse_unsigned(optarg, "--names", MIN_NAMES, MAX_NAMES);
			break;
		case OPT_TCP_SHARE:
			opt->tcp_share = parse_fraction(optarg, "--tcp-share");
			break;
		case OPT_IPV6_SHARE:
			opt->ipv6_share = parse_fraction(optarg, "--ipv6-share");
			break;
		case OPT_TRUTH:
			opt->truth_path = optarg;
			break;
		case 'q':
			opt->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		errx(2, "unexpected argument '%s'; see gen_capture --help", argv[optind]);
	}
	if (opt->output == NULL) {
		errx(2, "missing -o FILE: name the pcap file to write, or - for standard output");
	}
	/* Classic pcap stores seconds in 32 bits; leave an hour for late responses. */
	if (opt->start + opt->duration > (int64_t)UINT32_MAX - 3600) {
		errx(2,
		     "--start %" PRId64 " plus --duration %" PRId64 " ends after 2106, beyond "
		     "the 32-bit seconds of a pcap timestamp",
		     opt->start, opt->duration);
	}
}

static pcap_dumper_t *output_open(const char *path, pcap_t **dead)
{
	FILE *out = stdout;

	if (strcmp(path, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			errx(2, "standard output is a terminal: redirect it or use -o FILE");
		}
	} else {
		out = fopen(path, "wb");
		if (out == NULL) {
			err(1, "cannot open output file %s", path);
		}
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);

	*dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SNAPLEN,
	                                             PCAP_TSTAMP_PRECISION_MICRO);
	if (*dead == NULL) {
		errx(1, "out of memory creating a pcap handle");
	}
	pcap_dumper_t *dumper = pcap_dump_fopen(*dead, out);
	if (dumper == NULL) {
		errx(1, "cannot write the pcap header to %s: %s", path, pcap_geterr(*dead));
	}
	return dumper;
}

static void output_close(pcap_dumper_t *dumper, pcap_t *dead, const char *path)
{
	if (pcap_dump_flush(dumper) != 0 || ferror(pcap_dump_file(dumper))) {
		err(1, "writing %s failed", path);
	}
	pcap_dump_close(dumper);
	pcap_close(dead);
}

static void print_summary(const struct generator *g, double seconds)
{
	const struct stats *s = &g->stats;
	double tcp_share = s->queries ? 100.0 * (double)s->tcp_queries / (double)s->queries : 0;
	double ipv6_share =
	        s->messages ? 100.0 * (double)s->ipv6_messages / (double)s->messages : 0;

	fprintf(stderr,
	        "gen_capture: %" PRIu64 " frames (%" PRIu64 " complete a DNS message), %" PRIu64
	        " queries, %" PRIu64 " responses (%" PRIu64 " truncated), %" PRIu64
	        " TCP messages (%.1f%% of queries), IPv6 %.1f%% of messages, %zu distinct rrsets, "
	        "%zu distinct records, %.2f s\n",
	        g->sched.written, s->dns_frames, s->queries, s->responses, s->truncated,
	        s->tcp_messages, tcp_share, ipv6_share, g->truth.rrsets.count,
	        g->truth.records.count, seconds);
}

int main(int argc, char **argv)
{
	struct generator *g = xcalloc(1, sizeof(*g));
	options_parse(argc, argv, &g->opt);
	double started = time_monotonic();

	rng_seed(&g->rng, g->opt.seed);
	universe_build(&g->u, g->opt.names, g->opt.seed);
	g->builder = xcalloc(1, sizeof(*g->builder));
	builder_init(g->builder, &g->u);
	record_table_init(&g->truth.records);
	record_table_init(&g->truth.rrsets);
	set_tcp_chances(g);

	pcap_t *dead = NULL;
	g->sched.dumper = output_open(g->opt.output, &dead);
	generate(g);
	output_close(g->sched.dumper, dead, g->opt.output);
	if (g->opt.truth_path != NULL) {
		truth_write(&g->truth.records, g->opt.truth_path);
	}
	if (!g->opt.quiet) {
		print_summary(g, time_monotonic() - started);
	}

	scheduler_free(&g->sched);
	record_table_free(&g->truth.records);
	record_table_free(&g->truth.rrsets);
	builder_free_all(g->builder);
	free(g->builder);
	universe_free(&g->u);
	free(g);
	return 0;
}
