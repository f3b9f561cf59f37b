/*
 * gen_dnstap: writes a deterministic dnstap Frame Streams file of the
 * responses that a recursive resolver logs. Optionally it also writes the
 * same client exchanges as a Zeek dns.log and as Suricata eve.json records,
 * and the pDNS records that an exact ingest of the dnstap file must produce.
 *
 * Traffic model:
 * - Names: --names names in zones of four (the apex, www and two hosts from
 *   a table of web, mail and _dmarc labels). Zone labels are made of
 *   syllables under com, net, org, info, example and test, as gen_capture
 *   makes them. A query picks a name by Zipf popularity (exponent 1, ranks
 *   shuffled over the names) and a qtype that suits the name.
 * - Answers: A sets of 1-4 addresses (rotating hourly for one zone in ten);
 *   AAAA for zones with IPv6 and NODATA with the zone SOA for the others;
 *   CNAME chains of one or two hops into shared load-balancer and CDN names
 *   for a quarter of the web names; MX (own, provider or null MX); TXT (SPF,
 *   site verification, DMARC); NS. 5% of queries ask for made-up names and
 *   get NXDOMAIN with the zone SOA, and 0.5% get SERVFAIL.
 * - Frames: every exchange gives a CLIENT_RESPONSE. A --miss-share of them
 *   (cache misses) follow the RESOLVER_RESPONSE of an authoritative server,
 *   which has AA set, carries only the records of the queried zone and has
 *   query_zone set to that zone. With --queries, the CLIENT_QUERY and
 *   RESOLVER_QUERY frames are written too. Exchanges start at an even rate
 *   over --duration, and the frames of one exchange are written together.
 * - Every address, in records and in dnstap metadata alike, is in
 *   192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 or 2001:db8::/32.
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
#include <sys/socket.h>
#include <time.h>

#include <dnstap.pb-c.h>
#include <fstrm.h>
#include <libknot/libknot.h>
#include <xxhash.h>

#include "rng.h"
#include "util/arena.h"
#include "util/timeutil.h"

#define DEFAULT_FRAMES 2000000u
#define DEFAULT_SEED 1u
#define DEFAULT_START 1700000000
#define DEFAULT_DURATION 86400
#define DEFAULT_NAMES 200000u
#define DEFAULT_MISS_SHARE 0.25
#define MIN_NAMES 100u
#define MAX_NAMES 10000000u

/* Traffic model parameters. */
#define HOSTS_PER_ZONE 4
#define NXDOMAIN_SHARE 0.05
#define SERVFAIL_SHARE 0.005
#define EDNS_SHARE 0.85
#define IPV6_SHARE 0.15 /* exchanges between client and resolver over IPv6 */
#define TCP_SHARE 0.02
#define CLIENT_COUNT 4000
#define ROTATION_PERIOD 3600 /* seconds between address changes of rotating zones */

#define CONTENT_TYPE "protobuf:dnstap.Dnstap"
#define IDENTITY "resolver1.example.net"
#define VERSION "gen_dnstap"

#define ANSWER_MAX 8
#define AUTHORITY_MAX 2
#define MESSAGE_MAX 4096
#define SUFFIX_SLOTS 128
#define TEXT_MAX 128
#define LINE_MAX_BYTES 8192

/* ---- Small helpers ---- */

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

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count, size);
	if (p == NULL) {
		errx(1, "out of memory allocating %zu x %zu bytes", count, size);
	}
	return p;
}

/* Writes the wire form of the presentation name text into out. Every name
 * built here is valid, so failure is an internal error. */
static void name_from_text(uint8_t *out, const char *text)
{
	if (knot_dname_from_str(out, text, KNOT_DNAME_MAXLEN) == NULL) {
		errx(1, "internal error: generated name '%s' is not a valid domain name", text);
	}
}

/* Writes name in presentation form without the final dot, as Zeek and
 * Suricata log names. */
static void name_to_log_text(const uint8_t *name, char *out, size_t size)
{
	if (knot_dname_to_str(out, name, size) == NULL) {
		errx(1, "internal error: a generated name does not fit %zu bytes", size);
	}
	size_t len = strlen(out);
	if (len > 1 && out[len - 1] == '.') {
		out[len - 1] = '\0';
	}
}

/* ---- Name universe ---- */

enum name_role {
	ROLE_APEX,
	ROLE_WEB,
	ROLE_MAIL,
	ROLE_DMARC,
};

enum chain_kind {
	CHAIN_NONE,
	CHAIN_ONE_HOP,  /* name -> shared load balancer */
	CHAIN_TWO_HOPS, /* name -> per-zone CDN alias -> shared CDN edge */
};

enum zone_flag {
	ZONE_IPV6 = 1 << 0,
	ZONE_ROTATE = 1 << 1,
	ZONE_MAIL_OWN = 1 << 2,      /* MX is mail.<zone> */
	ZONE_MAIL_PROVIDER = 1 << 3, /* MX is a shared mail provider */
	ZONE_NULL_MX = 1 << 4,       /* "0 ." (RFC 7505) */
	ZONE_VERIFY_TXT = 1 << 5,    /* a site-verification TXT beside SPF */
	ZONE_AUTHORITY_NS = 1 << 6,  /* its servers put the NS set in positive answers */
};

struct host_label {
	const char *label;
	uint8_t role;
};

/* Labels below the apex: "www" is always host slot 1, and slots 2 and 3 come
 * from this table at an offset that depends on the zone. */
static const struct host_label HOST_LABELS[] = {
        {"mail", ROLE_MAIL},   {"api", ROLE_WEB},   {"cdn", ROLE_WEB},      {"static", ROLE_WEB},
        {"img", ROLE_WEB},     {"login", ROLE_WEB}, {"_dmarc", ROLE_DMARC}, {"shop", ROLE_WEB},
        {"blog", ROLE_WEB},    {"smtp", ROLE_MAIL}, {"app", ROLE_WEB},      {"docs", ROLE_WEB},
        {"status", ROLE_WEB},  {"auth", ROLE_WEB},  {"media", ROLE_WEB},    {"portal", ROLE_WEB},
        {"webmail", ROLE_WEB}, {"git", ROLE_WEB},
};
#define HOST_LABEL_COUNT (sizeof(HOST_LABELS) / sizeof(HOST_LABELS[0]))

static const char *const TLDS[] = {"com", "com", "com", "com",  "com",     "net",
                                   "net", "org", "org", "info", "example", "test"};
#define TLD_COUNT (sizeof(TLDS) / sizeof(TLDS[0]))

/* Shared infrastructure: four providers of each kind, named by a letter. */
#define PROVIDERS 4

struct universe {
	uint64_t seed;
	uint32_t name_count;
	uint32_t zone_count;
	double *zipf_cumulative; /* by rank, not normalised */
	uint32_t *by_rank;       /* rank -> name index */
};

static void universe_build(struct universe *u, uint32_t name_count, uint64_t seed)
{
	u->seed = seed;
	u->name_count = name_count;
	u->zone_count = (name_count + HOSTS_PER_ZONE - 1) / HOSTS_PER_ZONE;
	u->zipf_cumulative = xcalloc(name_count, sizeof(double));
	u->by_rank = xcalloc(name_count, sizeof(uint32_t));

	double total = 0;
	for (uint32_t rank = 0; rank < name_count; rank++) {
		total += 1.0 / ((double)rank + 1);
		u->zipf_cumulative[rank] = total;
		u->by_rank[rank] = rank;
	}
	/* Fisher-Yates, so popularity does not follow zone or host slot. */
	struct rng shuffle;
	rng_seed(&shuffle, seed ^ 0x5a697066ULL);
	for (uint32_t i = name_count - 1; i > 0; i--) {
		uint32_t k = (uint32_t)rng_below(&shuffle, (uint64_t)i + 1);
		uint32_t tmp = u->by_rank[i];
		u->by_rank[i] = u->by_rank[k];
		u->by_rank[k] = tmp;
	}
}

static void universe_free(struct universe *u)
{
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

static uint64_t zone_key(const struct universe *u, uint32_t zone)
{
	return hash3(u->seed, 0x7a6f6e65, zone);
}

static unsigned zone_flags(uint64_t key)
{
	uint64_t h = mix64(key);
	unsigned flags = 0;
	unsigned mail = (unsigned)(h % 100);
	if (mail < 30) {
		flags |= ZONE_MAIL_OWN;
	} else if (mail < 80) {
		flags |= ZONE_MAIL_PROVIDER;
	} else if (mail < 90) {
		flags |= ZONE_NULL_MX;
	}
	if ((h >> 8) % 100 < 45) {
		flags |= ZONE_IPV6;
	}
	if ((h >> 16) % 100 < 10) {
		flags |= ZONE_ROTATE;
	}
	if ((h >> 24) % 100 < 30) {
		flags |= ZONE_VERIFY_TXT;
	}
	if ((h >> 32) % 100 < 50) {
		flags |= ZONE_AUTHORITY_NS;
	}
	return flags;
}

/* The second-level label of zone z: three syllables (four past 85^3 zones)
 * whose digits are an affine bijection of z, so labels are distinct. */
static void zone_label(const struct universe *u, uint32_t z, char *out)
{
	static const char consonants[] = "bcdfghjklmnprstvz";
	static const char vowels[] = "aeiou";
	const uint64_t syllables = (sizeof(consonants) - 1) * (sizeof(vowels) - 1);
	uint64_t space = syllables * syllables * syllables;
	int count = 3;
	if (u->zone_count > space) {
		space *= syllables;
		count = 4;
	}
	/* 2654435761 shares no factor with 85, so this is a bijection mod 85^k. */
	uint64_t digits = ((uint64_t)z * 2654435761u + mix64(u->seed) % space) % space;
	for (int i = 0; i < count; i++) {
		out[2 * i] = consonants[(digits % syllables) / 5];
		out[2 * i + 1] = vowels[digits % 5];
		digits /= syllables;
	}
	out[2 * count] = '\0';
}

static const char *zone_tld(uint64_t key)
{
	return TLDS[(key >> 20) % TLD_COUNT];
}

/* The zone apex in presentation form, with the final dot. */
static void zone_text(const struct universe *u, uint32_t z, char *out, size_t size)
{
	char label[16];
	zone_label(u, z, label);
	snprintf(out, size, "%s.%s.", label, zone_tld(zone_key(u, z)));
}

struct name_info {
	uint32_t zone;
	uint8_t role;
	uint8_t chain;
	char text[96]; /* presentation form with the final dot */
};

/* Name i is host slot i / zone_count of zone i % zone_count. */
static void name_describe(const struct universe *u, uint32_t i, struct name_info *info)
{
	uint32_t z = i % u->zone_count;
	uint32_t slot = i / u->zone_count;
	uint64_t key = zone_key(u, z);
	char apex[64];
	zone_text(u, z, apex, sizeof(apex));
	info->zone = z;
	info->chain = CHAIN_NONE;
	if (slot == 0) {
		info->role = ROLE_APEX;
		snprintf(info->text, sizeof(info->text), "%s", apex);
		return;
	}
	const char *label = "www";
	info->role = ROLE_WEB;
	if (slot > 1) {
		const struct host_label *host =
		        &HOST_LABELS[(slot - 2 + key % HOST_LABEL_COUNT) % HOST_LABEL_COUNT];
		label = host->label;
		info->role = host->role;
	}
	snprintf(info->text, sizeof(info->text), "%s.%s", label, apex);
	if (info->role == ROLE_WEB) {
		unsigned chance = (unsigned)(hash3(u->seed, 0x6e616d65, i) % 100);
		if (chance < 12) {
			info->chain = CHAIN_ONE_HOP;
		} else if (chance < 25) {
			info->chain = CHAIN_TWO_HOPS;
		}
	}
}

/* ---- Records and messages ---- */

struct record {
	uint8_t owner[KNOT_DNAME_MAXLEN];
	uint16_t type;
	uint32_t ttl;
	uint8_t address[16];                /* A (4 bytes), AAAA */
	uint16_t preference;                /* MX */
	uint8_t target[KNOT_DNAME_MAXLEN];  /* CNAME, MX, NS; SOA MNAME */
	uint8_t mailbox[KNOT_DNAME_MAXLEN]; /* SOA RNAME */
	uint32_t serial;                    /* SOA */
	char text[TEXT_MAX];                /* TXT: one character-string */
};

/* The SOA timers of every zone: refresh, retry, expire, minimum. */
static const uint32_t SOA_TIMERS[4] = {7200, 3600, 1209600, 300};

struct response {
	uint8_t rcode;
	bool authoritative;
	bool recursion_available;
	struct record answer[ANSWER_MAX];
	unsigned answer_count;
	struct record authority[AUTHORITY_MAX];
	unsigned authority_count;
};

struct exchange {
	uint8_t qname[KNOT_DNAME_MAXLEN];
	uint16_t qtype;
	uint16_t id;
	uint32_t zone;
	bool edns;
	bool ipv6;
	bool tcp;
	bool miss;
	uint8_t client[16];
	uint16_t client_port;
	int64_t query_ns;           /* client query received */
	int64_t upstream_query_ns;  /* resolver query sent, on a miss */
	int64_t upstream_answer_ns; /* authoritative response received, on a miss */
	int64_t response_ns;        /* client response sent */
	uint8_t server[4];          /* the authoritative server asked on a miss */
	uint16_t upstream_id;
	uint16_t upstream_port;
	struct response client_response;
	struct response upstream_response;
};

static const uint32_t TTLS[] = {60, 300, 300, 600, 1800, 3600, 3600, 14400, 86400};
#define TTL_COUNT (sizeof(TTLS) / sizeof(TTLS[0]))

static struct record *answer_add(struct response *r, const uint8_t *owner, uint16_t type,
                                 uint32_t ttl)
{
	if (r->answer_count == ANSWER_MAX) {
		errx(1, "internal error: more than %d answer records", ANSWER_MAX);
	}
	struct record *rec = &r->answer[r->answer_count++];
	memcpy(rec->owner, owner, knot_dname_size(owner));
	rec->type = type;
	rec->ttl = ttl;
	return rec;
}

static struct record *authority_add(struct response *r, const uint8_t *owner, uint16_t type,
                                    uint32_t ttl)
{
	if (r->authority_count == AUTHORITY_MAX) {
		errx(1, "internal error: more than %d authority records", AUTHORITY_MAX);
	}
	struct record *rec = &r->authority[r->authority_count++];
	memcpy(rec->owner, owner, knot_dname_size(owner));
	rec->type = type;
	rec->ttl = ttl;
	return rec;
}

/* An address of a record: v4 in the three documentation /24s, v6 in
 * 2001:db8::/32. Entries i of one set differ for i < 4. */
static void record_address(struct record *rec, uint64_t h, unsigned i)
{
	memset(rec->address, 0, sizeof(rec->address));
	if (rec->type == KNOT_RRTYPE_A) {
		static const uint32_t bases[] = {0xc0000200u, 0xc6336400u, 0xcb007100u};
		uint32_t host = 1 + (uint32_t)(((h >> 8) + i) % 254);
		put32(rec->address, bases[h % 3] | host);
		return;
	}
	put32(rec->address, 0x20010db8u);
	put16(rec->address + 4, (uint16_t)(h >> 16));
	put16(rec->address + 6, (uint16_t)(h >> 32));
	put16(rec->address + 14, (uint16_t)(1 + i));
}

static void put_addresses(struct response *r, const uint8_t *owner, uint16_t type, uint64_t key,
                          uint32_t ttl)
{
	uint64_t h = mix64(key ^ type);
	unsigned pick = (unsigned)(h >> 40) % 100;
	/* A: 1 address in 50%, 2 in 25%, 3 in 15%, 4 in 10%. AAAA: 1 or 2. */
	unsigned count = 1;
	if (type == KNOT_RRTYPE_A) {
		count += (pick >= 50) + (pick >= 75) + (pick >= 90);
	} else {
		count += pick >= 70;
	}
	for (unsigned i = 0; i < count; i++) {
		record_address(answer_add(r, owner, type, ttl), h, i);
	}
}

static void soa_fill(const struct universe *u, uint32_t zone, const uint8_t *apex,
                     struct record *rec)
{
	uint64_t key = zone_key(u, zone);
	char text[96];
	snprintf(text, sizeof(text), "ns1.dnshost-%c.example.com.", 'a' + (int)(key % PROVIDERS));
	name_from_text(rec->target, text);
	rec->mailbox[0] = 10;
	memcpy(rec->mailbox + 1, "hostmaster", 10);
	memcpy(rec->mailbox + 11, apex, knot_dname_size(apex));
	rec->serial = 2023010100u + (uint32_t)(key % 97);
}

/* Shared name with a letter and a number: "lb7.hosting-c.example.org." */
static void shared_name(uint8_t *out, const char *prefix, unsigned number, const char *middle,
                        unsigned provider, const char *suffix)
{
	char text[128];
	snprintf(text, sizeof(text), "%s%u.%s%c%s", prefix, number, middle, 'a' + provider, suffix);
	name_from_text(out, text);
}

struct options {
	const char *output;
	const char *zeek_path;
	const char *eve_path;
	const char *truth_path;
	uint64_t frames;
	uint64_t seed;
	int64_t start;
	int64_t duration;
	uint32_t names;
	double miss_share;
	bool queries;
	bool quiet;
};

struct stats {
	uint64_t frames;
	uint64_t bytes;
	uint64_t exchanges;
	uint64_t client_responses;
	uint64_t resolver_responses;
	uint64_t queries;
	uint64_t error_rcodes;
	uint64_t nodata;
	uint64_t answer_records;
	uint64_t authority_records;
	uint64_t zeek_lines;
	uint64_t eve_lines;
};

/* Expected records: (owner, type, rdata) with first and last second and
 * count, in an open-addressing table whose keys live in an arena. */
struct record_entry {
	const uint8_t *key; /* owner (lower case), type, rdata */
	uint64_t hash;
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

struct generator {
	struct options opt;
	struct universe u;
	struct rng rng;
	struct stats stats;
	struct fstrm_writer *writer;
	uint8_t *frame; /* packed Dnstap message */
	size_t frame_capacity;
	FILE *zeek;
	FILE *eve;
	knot_pkt_t *parser; /* for the expected records, when --truth is given */
	struct record_table truth;
};

/* Fills the client's full answer and the authoritative server's part of it
 * for a positive lookup of name (described by info) at time now. */
static void answer_positive(const struct universe *u, struct exchange *ex,
                            const struct name_info *info, uint32_t name, int64_t now)
{
	struct response *full = &ex->client_response;
	struct response *auth = &ex->upstream_response;
	uint64_t zkey = zone_key(u, info->zone);
	unsigned flags = zone_flags(zkey);
	uint64_t epoch = (flags & ZONE_ROTATE) ? (uint64_t)now / ROTATION_PERIOD : 0;
	uint64_t key = hash3(u->seed, name, epoch);
	uint32_t ttl = TTLS[mix64(key) % TTL_COUNT];
	const uint8_t *qname = ex->qname;
	uint8_t apex[KNOT_DNAME_MAXLEN];
	char apex_text[64];
	zone_text(u, info->zone, apex_text, sizeof(apex_text));
	name_from_text(apex, apex_text);
	unsigned provider = (unsigned)(zkey % PROVIDERS);

	if ((ex->qtype == KNOT_RRTYPE_A || ex->qtype == KNOT_RRTYPE_AAAA) &&
	    info->chain != CHAIN_NONE) {
		uint8_t hop[KNOT_DNAME_MAXLEN];
		uint64_t target = mix64(key) % 64;
		struct record *cname = answer_add(full, qname, KNOT_RRTYPE_CNAME, ttl);
		if (info->chain == CHAIN_ONE_HOP) {
			shared_name(cname->target, "lb", (unsigned)target, "hosting-", provider,
			            ".example.org.");
		} else {
			char label[16];
			char text[128];
			zone_label(u, info->zone, label);
			snprintf(text, sizeof(text), "%s-%s.cdn-%c.example.net.", label,
			         zone_tld(zkey), 'a' + provider);
			name_from_text(cname->target, text);
			memcpy(hop, cname->target, knot_dname_size(cname->target));
			cname = answer_add(full, hop, KNOT_RRTYPE_CNAME, 300);
			shared_name(cname->target, "e", (unsigned)target, "edge.cdn-", provider,
			            ".example.com.");
		}
		memcpy(hop, cname->target, knot_dname_size(cname->target));
		/* Shared targets have both address families, whatever the zone. */
		put_addresses(full, hop, ex->qtype, hash3(u->seed, 0x6c62, target + 64 * provider),
		              60);
		*auth = *full;
		auth->answer_count = 1;
		return;
	}

	switch (ex->qtype) {
	case KNOT_RRTYPE_A:
		put_addresses(full, qname, KNOT_RRTYPE_A, key, ttl);
		break;
	case KNOT_RRTYPE_AAAA:
		if (flags & ZONE_IPV6) {
			put_addresses(full, qname, KNOT_RRTYPE_AAAA, key, ttl);
		}
		break;
	case KNOT_RRTYPE_MX: {
		struct record *mx = answer_add(full, qname, KNOT_RRTYPE_MX, ttl);
		if (flags & ZONE_MAIL_OWN) {
			mx->preference = 10;
			char text[96];
			snprintf(text, sizeof(text), "mail.%s", apex_text);
			name_from_text(mx->target, text);
		} else if (flags & ZONE_MAIL_PROVIDER) {
			mx->preference = 10;
			shared_name(mx->target, "mx", 1, "mailhost-", provider, ".example.net.");
			mx = answer_add(full, qname, KNOT_RRTYPE_MX, ttl);
			mx->preference = 20;
			shared_name(mx->target, "mx", 2, "mailhost-", provider, ".example.net.");
		} else if (flags & ZONE_NULL_MX) {
			mx->preference = 0;
			mx->target[0] = 0;
		} else {
			full->answer_count = 0; /* no MX: NODATA */
		}
		break;
	}
	case KNOT_RRTYPE_TXT: {
		struct record *txt = answer_add(full, qname, KNOT_RRTYPE_TXT, ttl);
		if (info->role == ROLE_DMARC) {
			snprintf(txt->text, sizeof(txt->text),
			         "v=DMARC1; p=%s; rua=mailto:dmarc-reports@%.*s",
			         (zkey >> 12) % 2 ? "none" : "quarantine",
			         (int)strlen(apex_text) - 1, apex_text);
			break;
		}
		snprintf(txt->text, sizeof(txt->text),
		         "v=spf1 include:_spf.mailhost-%c.example.net ~all", 'a' + provider);
		if (flags & ZONE_VERIFY_TXT) {
			txt = answer_add(full, qname, KNOT_RRTYPE_TXT, ttl);
			snprintf(txt->text, sizeof(txt->text), "site-verification=%016" PRIx64,
			         mix64(zkey ^ 0x76657269));
		}
		break;
	}
	case KNOT_RRTYPE_NS:
		for (unsigned i = 1; i <= 2; i++) {
			struct record *ns = answer_add(full, qname, KNOT_RRTYPE_NS, 86400);
			shared_name(ns->target, "ns", i, "dnshost-", provider, ".example.com.");
		}
		break;
	default:
		errx(1, "internal error: qtype %u has no answer", ex->qtype);
	}
	if (full->answer_count == 0) {
		soa_fill(u, info->zone, apex, authority_add(full, apex, KNOT_RRTYPE_SOA, 300));
	}
	*auth = *full;
	if (full->answer_count > 0 && (flags & ZONE_AUTHORITY_NS) && ex->qtype != KNOT_RRTYPE_NS) {
		for (unsigned i = 1; i <= 2; i++) {
			struct record *ns = authority_add(auth, apex, KNOT_RRTYPE_NS, 86400);
			shared_name(ns->target, "ns", i, "dnshost-", provider, ".example.com.");
		}
	}
}

/* The client's TTLs count down while the record sits in the cache; a miss
 * passes the authoritative TTL on unchanged. */
static void age_ttls(struct response *r, struct rng *rng)
{
	for (unsigned i = 0; i < r->answer_count; i++) {
		uint32_t ttl = r->answer[i].ttl;
		uint32_t age = (uint32_t)rng_below(rng, ttl);
		for (unsigned k = i; k < r->answer_count; k++) {
			if (r->answer[k].ttl == ttl && r->answer[k].type == r->answer[i].type &&
			    knot_dname_is_equal(r->answer[k].owner, r->answer[i].owner)) {
				r->answer[k].ttl = ttl - age;
			}
		}
	}
}

static uint16_t pick_qtype(struct rng *r, uint8_t role)
{
	unsigned x = (unsigned)rng_below(r, 100);
	switch (role) {
	case ROLE_APEX:
		if (x < 45) {
			return KNOT_RRTYPE_A;
		}
		if (x < 65) {
			return KNOT_RRTYPE_AAAA;
		}
		if (x < 80) {
			return KNOT_RRTYPE_MX;
		}
		return x < 92 ? KNOT_RRTYPE_TXT : KNOT_RRTYPE_NS;
	case ROLE_DMARC:
		return KNOT_RRTYPE_TXT;
	case ROLE_MAIL:
		return x < 65 ? KNOT_RRTYPE_A : KNOT_RRTYPE_AAAA;
	default:
		return x < 60 ? KNOT_RRTYPE_A : KNOT_RRTYPE_AAAA;
	}
}

static int64_t delay_ns(struct rng *r, int64_t min_us, int64_t max_us)
{
	return 1000 * (min_us + (int64_t)rng_below(r, (uint64_t)(max_us - min_us + 1)));
}

/* Picks the question, the transport and the times of an exchange whose
 * client query arrives at start_ns, and builds both responses. */
static void exchange_make(struct generator *g, struct exchange *ex, int64_t start_ns)
{
	struct rng *r = &g->rng;
	const struct universe *u = &g->u;
	memset(ex, 0, sizeof(*ex));

	uint32_t name = universe_sample(u, r);
	struct name_info info;
	name_describe(u, name, &info);
	ex->zone = info.zone;
	ex->id = (uint16_t)rng_next(r);
	ex->edns = rng_chance(r, EDNS_SHARE);
	ex->ipv6 = rng_chance(r, IPV6_SHARE);
	ex->tcp = rng_chance(r, TCP_SHARE);
	uint32_t client = (uint32_t)rng_below(r, CLIENT_COUNT);
	if (ex->ipv6) {
		put32(ex->client, 0x20010db8u);
		put16(ex->client + 4, 0xc1);
		put16(ex->client + 14, (uint16_t)(1 + client));
	} else {
		put32(ex->client, 0xc0000200u | (10 + client % 240));
	}
	ex->client_port = (uint16_t)(1024 + rng_below(r, 64512));

	double roll = rng_unit(r);
	struct response *full = &ex->client_response;
	struct response *auth = &ex->upstream_response;
	uint8_t apex[KNOT_DNAME_MAXLEN];
	char apex_text[64];
	zone_text(u, info.zone, apex_text, sizeof(apex_text));
	name_from_text(apex, apex_text);

	if (roll < NXDOMAIN_SHARE) {
		/* A made-up name under the zone: a typo, a probe or a random subdomain. */
		static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
		char label[16];
		unsigned len = 6 + (unsigned)rng_below(r, 7);
		for (unsigned i = 0; i < len; i++) {
			label[i] = chars[rng_below(r, sizeof(chars) - 1)];
		}
		label[len] = '\0';
		char text[96];
		snprintf(text, sizeof(text), "%s.%s", label, apex_text);
		name_from_text(ex->qname, text);
		ex->qtype = rng_chance(r, 0.7) ? KNOT_RRTYPE_A : KNOT_RRTYPE_AAAA;
		full->rcode = KNOT_RCODE_NXDOMAIN;
		soa_fill(u, info.zone, apex, authority_add(full, apex, KNOT_RRTYPE_SOA, 300));
		*auth = *full;
	} else {
		name_from_text(ex->qname, info.text);
		ex->qtype = pick_qtype(r, info.role);
		if (roll < NXDOMAIN_SHARE + SERVFAIL_SHARE) {
			full->rcode = KNOT_RCODE_SERVFAIL;
		} else {
			answer_positive(u, ex, &info, name, start_ns / 1000000000);
		}
	}
	/* A SERVFAIL means the authoritative servers did not answer. */
	ex->miss = full->rcode != KNOT_RCODE_SERVFAIL && rng_chance(r, g->opt.miss_share);
	full->recursion_available = true;
	auth->authoritative = true;

	ex->query_ns = start_ns;
	if (ex->miss) {
		uint64_t zkey = zone_key(u, info.zone);
		put32(ex->server,
		      0xcb007100u | (uint32_t)(200 + zkey % PROVIDERS * 2 + rng_below(r, 2)));
		ex->upstream_id = (uint16_t)rng_next(r);
		ex->upstream_port = (uint16_t)(1024 + rng_below(r, 64512));
		ex->upstream_query_ns = start_ns + delay_ns(r, 20, 120);
		ex->upstream_answer_ns = ex->upstream_query_ns + delay_ns(r, 3000, 80000);
		ex->response_ns = ex->upstream_answer_ns + delay_ns(r, 20, 150);
	} else {
		age_ttls(full, r);
		bool servfail = full->rcode == KNOT_RCODE_SERVFAIL;
		ex->response_ns =
		        start_ns + delay_ns(r, servfail ? 500000 : 30, servfail ? 2000000 : 400);
	}
}

/* ---- DNS wire form ---- */

struct wire_suffix {
	const uint8_t *name; /* a name suffix as written, uncompressed */
	size_t size;
	uint16_t offset;
};

struct wire {
	uint8_t data[MESSAGE_MAX];
	size_t len;
	struct wire_suffix suffixes[SUFFIX_SLOTS];
	unsigned suffix_count;
};

static uint8_t *wire_take(struct wire *w, size_t n)
{
	if (MESSAGE_MAX - w->len < n) {
		errx(1, "internal error: a generated message is longer than %d bytes", MESSAGE_MAX);
	}
	uint8_t *p = w->data + w->len;
	w->len += n;
	return p;
}

static void wire_u16(struct wire *w, uint16_t v)
{
	put16(wire_take(w, 2), v);
}

static void wire_u32(struct wire *w, uint32_t v)
{
	put32(wire_take(w, 4), v);
}

/* Writes name, compressed against every suffix written before it (RFC 1035
 * section 4.1.4). Names are generated in lower case, so suffixes compare
 * byte for byte. */
static void wire_name(struct wire *w, const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p != 0) {
		size_t size = knot_dname_size(p);
		for (unsigned i = 0; i < w->suffix_count; i++) {
			const struct wire_suffix *s = &w->suffixes[i];
			if (s->size == size && memcmp(s->name, p, size) == 0) {
				wire_u16(w, (uint16_t)(0xc000 | s->offset));
				return;
			}
		}
		if (w->len < 0x4000 && w->suffix_count < SUFFIX_SLOTS) {
			w->suffixes[w->suffix_count++] = (struct wire_suffix){
			        .name = p, .size = size, .offset = (uint16_t)w->len};
		}
		memcpy(wire_take(w, 1u + *p), p, 1u + *p);
		p += 1 + *p;
	}
	*wire_take(w, 1) = 0;
}

static void wire_record(struct wire *w, const struct record *rec)
{
	wire_name(w, rec->owner);
	wire_u16(w, rec->type);
	wire_u16(w, KNOT_CLASS_IN);
	wire_u32(w, rec->ttl);
	size_t length_at = w->len;
	wire_u16(w, 0);
	switch (rec->type) {
	case KNOT_RRTYPE_A:
		memcpy(wire_take(w, 4), rec->address, 4);
		break;
	case KNOT_RRTYPE_AAAA:
		memcpy(wire_take(w, 16), rec->address, 16);
		break;
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_NS:
		wire_name(w, rec->target);
		break;
	case KNOT_RRTYPE_MX:
		wire_u16(w, rec->preference);
		wire_name(w, rec->target);
		break;
	case KNOT_RRTYPE_TXT: {
		size_t len = strlen(rec->text);
		*wire_take(w, 1) = (uint8_t)len;
		memcpy(wire_take(w, len), rec->text, len);
		break;
	}
	case KNOT_RRTYPE_SOA:
		wire_name(w, rec->target);
		wire_name(w, rec->mailbox);
		wire_u32(w, rec->serial);
		for (int i = 0; i < 4; i++) {
			wire_u32(w, SOA_TIMERS[i]);
		}
		break;
	default:
		errx(1, "internal error: no wire form for type %u", rec->type);
	}
	put16(w->data + length_at, (uint16_t)(w->len - length_at - 2));
}

/* Writes a query (response NULL) or a response to the question of ex. */
static void wire_message(struct wire *w, const struct exchange *ex, uint16_t id, bool rd, bool edns,
                         const struct response *response)
{
	w->len = 0;
	w->suffix_count = 0;
	uint16_t flags = rd ? 0x0100 : 0;
	if (response != NULL) {
		flags |= 0x8000 | response->rcode;
		flags |= response->authoritative ? 0x0400 : 0;
		flags |= response->recursion_available ? 0x0080 : 0;
	}
	wire_u16(w, id);
	wire_u16(w, flags);
	wire_u16(w, 1);
	wire_u16(w, response ? (uint16_t)response->answer_count : 0);
	wire_u16(w, response ? (uint16_t)response->authority_count : 0);
	wire_u16(w, edns ? 1 : 0);
	wire_name(w, ex->qname);
	wire_u16(w, ex->qtype);
	wire_u16(w, KNOT_CLASS_IN);
	if (response != NULL) {
		for (unsigned i = 0; i < response->answer_count; i++) {
			wire_record(w, &response->answer[i]);
		}
		for (unsigned i = 0; i < response->authority_count; i++) {
			wire_record(w, &response->authority[i]);
		}
	}
	if (edns) {
		/* OPT: root owner, 1232-byte UDP payload, no flags, no options. */
		*wire_take(w, 1) = 0;
		wire_u16(w, KNOT_RRTYPE_OPT);
		wire_u16(w, 1232);
		wire_u32(w, 0);
		wire_u16(w, 0);
	}
}

/* ---- Expected records ---- */

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
	*e = (struct record_entry){.key = e->key,
	                           .hash = hash,
	                           .key_len = (uint16_t)len,
	                           .owner_len = (uint16_t)owner_len,
	                           .time_first = now,
	                           .time_last = now,
	                           .count = 1};
	if (++t->count * 2 > t->capacity) {
		record_table_grow(t);
	}
}

/* Counts every answer-section record of a written response, parsed back by
 * libknot, at now, the response time in seconds. */
static void truth_add(struct generator *g, const struct wire *w, uint32_t now)
{
	knot_pkt_t *pkt = g->parser;
	knot_pkt_clear(pkt);
	memcpy(pkt->wire, w->data, w->len);
	pkt->size = w->len;
	int ret = knot_pkt_parse(pkt, 0);
	if (ret != KNOT_EOK) {
		errx(1, "internal error: a generated response does not parse: %s",
		     knot_strerror(ret));
	}
	const knot_pktsection_t *answer = knot_pkt_section(pkt, KNOT_ANSWER);
	uint8_t key[KNOT_DNAME_MAXLEN + 2 + MESSAGE_MAX];
	for (uint16_t i = 0; i < answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(answer, i);
		size_t owner_len = knot_dname_size(rr->owner);
		knot_dname_copy_lower(key, rr->owner);
		put16(key + owner_len, rr->type);
		const knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t k = 0; k < rr->rrs.count; k++) {
			memcpy(key + owner_len + 2, rd->data, rd->len);
			record_table_add(&g->truth, key, owner_len + 2 + rd->len, owner_len, now);
			rd = knot_rdataset_next((knot_rdata_t *)rd);
		}
	}
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Writes the expected records in gen_capture's --truth format, which
 * bench/check_truth.py reads: rrname, rrtype, rdata as libknot's
 * knot_rrset_txt_dump_data prints it, time_first, time_last, count, in byte
 * order. AAAA is written by inet_ntop() (RFC 5952), as dragnet writes it. */
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
		const uint8_t *rdata = e->key + e->owner_len + 2;
		knot_rrset_t rr;
		knot_rrset_init(&rr, (knot_dname_t *)e->key, type, KNOT_CLASS_IN, 0);
		if (knot_rrset_add_rdata(&rr, rdata, (uint16_t)(e->key_len - e->owner_len - 2),
		                         NULL) != KNOT_EOK) {
			errx(1, "out of memory formatting expected records");
		}
		char owner[KNOT_DNAME_TXT_MAXLEN + 1];
		char type_name[32];
		char rdata_text[1024];
		knot_dname_to_str(owner, e->key, sizeof(owner));
		knot_rrtype_to_string(type, type_name, sizeof(type_name));
		int ret = knot_rrset_txt_dump_data(&rr, 0, rdata_text, sizeof(rdata_text),
		                                   &KNOT_DUMP_STYLE_DEFAULT);
		knot_rdataset_clear(&rr.rrs, NULL);
		if (ret < 0) {
			errx(1, "formatting a %s record of %s failed: %s", type_name, owner,
			     knot_strerror(ret));
		}
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

/* ---- dnstap frames ---- */

static const uint8_t RESOLVER_V4[4] = {192, 0, 2, 53};
static const uint8_t RESOLVER_V6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x53};

static void set_binary(protobuf_c_boolean *has, ProtobufCBinaryData *field, const void *data,
                       size_t len)
{
	*has = 1;
	field->data = (uint8_t *)data;
	field->len = len;
}

static void set_query_time(Dnstap__Message *m, int64_t ns)
{
	m->has_query_time_sec = m->has_query_time_nsec = 1;
	m->query_time_sec = (uint64_t)(ns / 1000000000);
	m->query_time_nsec = (uint32_t)(ns % 1000000000);
}

static void set_response_time(Dnstap__Message *m, int64_t ns)
{
	m->has_response_time_sec = m->has_response_time_nsec = 1;
	m->response_time_sec = (uint64_t)(ns / 1000000000);
	m->response_time_nsec = (uint32_t)(ns % 1000000000);
}

static void frame_write(struct generator *g, Dnstap__Message *m)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	set_binary(&d.has_identity, &d.identity, IDENTITY, strlen(IDENTITY));
	set_binary(&d.has_version, &d.version, VERSION, strlen(VERSION));
	d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	d.message = m;
	size_t len = dnstap__dnstap__get_packed_size(&d);
	if (len > g->frame_capacity) {
		g->frame_capacity = 2 * len;
		g->frame = realloc(g->frame, g->frame_capacity);
		if (g->frame == NULL) {
			errx(1, "out of memory for a %zu-byte frame", len);
		}
	}
	dnstap__dnstap__pack(&d, g->frame);
	if (fstrm_writer_write(g->writer, g->frame, len) != fstrm_res_success) {
		errx(1, "writing frame %" PRIu64 " to %s failed", g->stats.frames + 1,
		     g->opt.output);
	}
	g->stats.frames++;
	g->stats.bytes += len;
}

static void count_response(struct stats *s, const struct exchange *ex, const struct response *r)
{
	s->answer_records += r->answer_count;
	s->authority_records += r->authority_count;
	if (r->rcode != KNOT_RCODE_NOERROR) {
		s->error_rcodes++;
	} else if (r->answer_count == 0 || r->answer[r->answer_count - 1].type != ex->qtype) {
		s->nodata++;
	}
}

/* The metadata of the client's query and response frames. */
static void client_message_init(Dnstap__Message *m, const struct exchange *ex)
{
	*m = (Dnstap__Message)DNSTAP__MESSAGE__INIT;
	m->has_socket_family = m->has_socket_protocol = 1;
	m->socket_family = ex->ipv6 ? DNSTAP__SOCKET_FAMILY__INET6 : DNSTAP__SOCKET_FAMILY__INET;
	m->socket_protocol = ex->tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
	size_t address_len = ex->ipv6 ? 16 : 4;
	set_binary(&m->has_query_address, &m->query_address, ex->client, address_len);
	set_binary(&m->has_response_address, &m->response_address,
	           ex->ipv6 ? RESOLVER_V6 : RESOLVER_V4, address_len);
	m->has_query_port = m->has_response_port = 1;
	m->query_port = ex->client_port;
	m->response_port = 53;
	set_query_time(m, ex->query_ns);
}

static void write_client_query(struct generator *g, const struct exchange *ex)
{
	Dnstap__Message m;
	struct wire w;
	client_message_init(&m, ex);
	wire_message(&w, ex, ex->id, true, ex->edns, NULL);
	m.type = DNSTAP__MESSAGE__TYPE__CLIENT_QUERY;
	set_binary(&m.has_query_message, &m.query_message, w.data, w.len);
	frame_write(g, &m);
	g->stats.queries++;
}

static void write_client_response(struct generator *g, const struct exchange *ex)
{
	Dnstap__Message m;
	struct wire w;
	client_message_init(&m, ex);
	wire_message(&w, ex, ex->id, true, ex->edns, &ex->client_response);
	m.type = DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE;
	set_response_time(&m, ex->response_ns);
	set_binary(&m.has_response_message, &m.response_message, w.data, w.len);
	frame_write(g, &m);
	g->stats.client_responses++;
	count_response(&g->stats, ex, &ex->client_response);
	if (g->parser != NULL) {
		truth_add(g, &w, (uint32_t)(ex->response_ns / 1000000000));
	}
}

/* The resolver side of a miss: a RESOLVER_QUERY (with --queries) and the
 * authoritative server's RESOLVER_RESPONSE, over IPv4 and UDP. */
static void write_resolver_frames(struct generator *g, const struct exchange *ex, bool query)
{
	Dnstap__Message m = DNSTAP__MESSAGE__INIT;
	struct wire w;
	uint8_t zone[KNOT_DNAME_MAXLEN];
	char zone_name[64];
	zone_text(&g->u, ex->zone, zone_name, sizeof(zone_name));
	name_from_text(zone, zone_name);
	m.has_socket_family = m.has_socket_protocol = 1;
	m.socket_family = DNSTAP__SOCKET_FAMILY__INET;
	m.socket_protocol = DNSTAP__SOCKET_PROTOCOL__UDP;
	set_binary(&m.has_query_address, &m.query_address, RESOLVER_V4, 4);
	set_binary(&m.has_response_address, &m.response_address, ex->server, 4);
	m.has_query_port = m.has_response_port = 1;
	m.query_port = ex->upstream_port;
	m.response_port = 53;
	set_binary(&m.has_query_zone, &m.query_zone, zone, knot_dname_size(zone));
	set_query_time(&m, ex->upstream_query_ns);
	if (query) {
		wire_message(&w, ex, ex->upstream_id, false, true, NULL);
		m.type = DNSTAP__MESSAGE__TYPE__RESOLVER_QUERY;
		set_binary(&m.has_query_message, &m.query_message, w.data, w.len);
		frame_write(g, &m);
		g->stats.queries++;
		m.has_query_message = 0;
	}
	wire_message(&w, ex, ex->upstream_id, false, true, &ex->upstream_response);
	m.type = DNSTAP__MESSAGE__TYPE__RESOLVER_RESPONSE;
	set_response_time(&m, ex->upstream_answer_ns);
	set_binary(&m.has_response_message, &m.response_message, w.data, w.len);
	frame_write(g, &m);
	g->stats.resolver_responses++;
	count_response(&g->stats, ex, &ex->upstream_response);
	if (g->parser != NULL) {
		truth_add(g, &w, (uint32_t)(ex->upstream_answer_ns / 1000000000));
	}
}

/* ---- Zeek dns.log and Suricata eve.json ---- */

static const char *type_name(uint16_t type)
{
	switch (type) {
	case KNOT_RRTYPE_A:
		return "A";
	case KNOT_RRTYPE_AAAA:
		return "AAAA";
	case KNOT_RRTYPE_CNAME:
		return "CNAME";
	case KNOT_RRTYPE_MX:
		return "MX";
	case KNOT_RRTYPE_NS:
		return "NS";
	case KNOT_RRTYPE_SOA:
		return "SOA";
	case KNOT_RRTYPE_TXT:
		return "TXT";
	default:
		return "UNKNOWN";
	}
}

static const char *rcode_name(uint8_t rcode)
{
	switch (rcode) {
	case KNOT_RCODE_NXDOMAIN:
		return "NXDOMAIN";
	case KNOT_RCODE_SERVFAIL:
		return "SERVFAIL";
	default:
		return "NOERROR";
	}
}

static void address_text(const uint8_t *address, bool ipv6, char *out, size_t size)
{
	inet_ntop(ipv6 ? AF_INET6 : AF_INET, address, out, (socklen_t)size);
}

/* The rdata as both logs print it: addresses, target names without the final
 * dot, the MX exchange alone and the TXT string. Generated text has no
 * characters that JSON or Zeek's TSV would escape. */
static void log_rdata(const struct record *rec, char *out, size_t size)
{
	switch (rec->type) {
	case KNOT_RRTYPE_A:
	case KNOT_RRTYPE_AAAA:
		address_text(rec->address, rec->type == KNOT_RRTYPE_AAAA, out, size);
		break;
	case KNOT_RRTYPE_TXT:
		snprintf(out, size, "%s", rec->text);
		break;
	default:
		name_to_log_text(rec->target, out, size);
		break;
	}
}

/* Appends to a line buffer; every line generated here fits it. */
__attribute__((format(printf, 3, 4))) static void line_add(char *line, size_t *len,
                                                           const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int n = vsnprintf(line + *len, LINE_MAX_BYTES - *len, format, args);
	va_end(args);
	if (n < 0 || (size_t)n >= LINE_MAX_BYTES - *len) {
		errx(1, "internal error: a log line is longer than %d bytes", LINE_MAX_BYTES);
	}
	*len += (size_t)n;
}

static void zeek_header(FILE *out, int64_t start)
{
	char opened[32];
	time_t t = (time_t)start;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(opened, sizeof(opened), "%Y-%m-%d-%H-%M-%S", &tm);
	fprintf(out,
	        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
	        "#path\tdns\n#open\t%s\n"
	        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\t"
	        "rtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\t"
	        "RD\tRA\tZ\tanswers\tTTLs\trejected\n"
	        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\t"
	        "count\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\t"
	        "vector[string]\tvector[interval]\tbool\n",
	        opened);
}

/* Zeek's connection uid: "C" and 17 base-62 characters. */
static void zeek_uid(uint64_t h, char out[19])
{
	static const char digits[] =
	        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	out[0] = 'C';
	uint64_t x = h;
	for (int i = 1; i < 18; i++) {
		if (i == 10) {
			x = mix64(h);
		}
		out[i] = digits[x % 62];
		x /= 62;
	}
	out[18] = '\0';
}

static void zeek_line(struct generator *g, const struct exchange *ex)
{
	const struct response *r = &ex->client_response;
	char line[LINE_MAX_BYTES];
	size_t len = 0;
	char uid[19], client[INET6_ADDRSTRLEN], resolver[INET6_ADDRSTRLEN], qname[256];
	zeek_uid(hash3(g->opt.seed, 0x756964, g->stats.exchanges), uid);
	address_text(ex->client, ex->ipv6, client, sizeof(client));
	address_text(ex->ipv6 ? RESOLVER_V6 : RESOLVER_V4, ex->ipv6, resolver, sizeof(resolver));
	name_to_log_text(ex->qname, qname, sizeof(qname));
	line_add(line, &len,
	         "%" PRId64 ".%06" PRId64 "\t%s\t%s\t%u\t%s\t53\t%s\t%u\t%.6f\t%s\t1\t"
	         "C_INTERNET\t%u\t%s\t%u\t%s\tF\tF\tT\tT\t0\t",
	         ex->query_ns / 1000000000, ex->query_ns % 1000000000 / 1000, uid, client,
	         ex->client_port, resolver, ex->tcp ? "tcp" : "udp", ex->id,
	         (double)(ex->response_ns - ex->query_ns) / 1e9, qname, ex->qtype,
	         type_name(ex->qtype), r->rcode, rcode_name(r->rcode));
	if (r->answer_count == 0) {
		line_add(line, &len, "-\t-\tF\n");
	} else {
		for (unsigned i = 0; i < r->answer_count; i++) {
			char rdata[256];
			log_rdata(&r->answer[i], rdata, sizeof(rdata));
			if (r->answer[i].type == KNOT_RRTYPE_TXT) {
				line_add(line, &len, "%sTXT %zu %s", i ? "," : "", strlen(rdata),
				         rdata);
			} else {
				line_add(line, &len, "%s%s", i ? "," : "", rdata);
			}
		}
		line_add(line, &len, "\t");
		for (unsigned i = 0; i < r->answer_count; i++) {
			line_add(line, &len, "%s%" PRIu32 ".000000", i ? "," : "",
			         r->answer[i].ttl);
		}
		line_add(line, &len, "\tF\n");
	}
	fwrite(line, 1, len, g->zeek);
	g->stats.zeek_lines++;
}

static void eve_time(int64_t ns, char *out, size_t size)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%06" PRId64 "+0000", ns % 1000000000 / 1000);
}

/* The fields before "dns" that a query and its answer record share. */
static void eve_prefix(struct generator *g, const struct exchange *ex, int64_t ns, char *line,
                       size_t *len)
{
	char when[48], client[INET6_ADDRSTRLEN], resolver[INET6_ADDRSTRLEN];
	eve_time(ns, when, sizeof(when));
	address_text(ex->client, ex->ipv6, client, sizeof(client));
	address_text(ex->ipv6 ? RESOLVER_V6 : RESOLVER_V4, ex->ipv6, resolver, sizeof(resolver));
	uint64_t flow = hash3(g->opt.seed, 0x666c6f77, g->stats.exchanges) & ((1ULL << 51) - 1);
	line_add(line, len,
	         "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"in_iface\":\"eth0\","
	         "\"event_type\":\"dns\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\","
	         "\"dest_port\":53,\"proto\":\"%s\",",
	         when, flow, client, ex->client_port, resolver, ex->tcp ? "TCP" : "UDP");
}

/* A query record and an answer record in Suricata's eve DNS layout version
 * 2 (answers listed and grouped by type), both with the client as source. */
static void eve_lines(struct generator *g, const struct exchange *ex)
{
	const struct response *r = &ex->client_response;
	char line[LINE_MAX_BYTES];
	size_t len = 0;
	char qname[256];
	name_to_log_text(ex->qname, qname, sizeof(qname));

	eve_prefix(g, ex, ex->query_ns, line, &len);
	line_add(line, &len,
	         "\"dns\":{\"type\":\"query\",\"id\":%u,\"rrname\":\"%s\",\"rrtype\":\"%s\","
	         "\"tx_id\":0}}\n",
	         ex->id, qname, type_name(ex->qtype));
	eve_prefix(g, ex, ex->response_ns, line, &len);
	line_add(line, &len,
	         "\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":%u,\"flags\":\"%x\","
	         "\"qr\":true,\"rd\":true,\"ra\":true,\"rrname\":\"%s\",\"rrtype\":\"%s\","
	         "\"rcode\":\"%s\"",
	         ex->id, 0x8180u | r->rcode, qname, type_name(ex->qtype), rcode_name(r->rcode));
	if (r->answer_count > 0) {
		line_add(line, &len, ",\"answers\":[");
		for (unsigned i = 0; i < r->answer_count; i++) {
			const struct record *rec = &r->answer[i];
			char owner[256], rdata[256];
			name_to_log_text(rec->owner, owner, sizeof(owner));
			log_rdata(rec, rdata, sizeof(rdata));
			line_add(line, &len,
			         "%s{\"rrname\":\"%s\",\"rrtype\":\"%s\",\"ttl\":%" PRIu32
			         ",\"rdata\":\"%s\"}",
			         i ? "," : "", owner, type_name(rec->type), rec->ttl, rdata);
		}
		/* "grouped": the rdata by type, types in order of first appearance. */
		line_add(line, &len, "],\"grouped\":{");
		bool first_type = true;
		for (unsigned i = 0; i < r->answer_count; i++) {
			uint16_t type = r->answer[i].type;
			bool seen = false;
			for (unsigned k = 0; k < i; k++) {
				seen = seen || r->answer[k].type == type;
			}
			if (seen) {
				continue;
			}
			line_add(line, &len, "%s\"%s\":[", first_type ? "" : ",", type_name(type));
			first_type = false;
			bool first = true;
			for (unsigned k = i; k < r->answer_count; k++) {
				if (r->answer[k].type != type) {
					continue;
				}
				char rdata[256];
				log_rdata(&r->answer[k], rdata, sizeof(rdata));
				line_add(line, &len, "%s\"%s\"", first ? "" : ",", rdata);
				first = false;
			}
			line_add(line, &len, "]");
		}
		line_add(line, &len, "}");
	}
	for (unsigned i = 0; i < r->authority_count; i++) {
		const struct record *rec = &r->authority[i];
		char owner[256], mname[256], rname[256];
		name_to_log_text(rec->owner, owner, sizeof(owner));
		name_to_log_text(rec->target, mname, sizeof(mname));
		name_to_log_text(rec->mailbox, rname, sizeof(rname));
		line_add(line, &len,
		         "%s{\"rrname\":\"%s\",\"rrtype\":\"SOA\",\"ttl\":%" PRIu32
		         ",\"soa\":{\"mname\":\"%s\",\"rname\":\"%s\",\"serial\":%" PRIu32
		         ",\"refresh\":%" PRIu32 ",\"retry\":%" PRIu32 ",\"expire\":%" PRIu32
		         ",\"minimum\":%" PRIu32 "}}%s",
		         i ? "," : ",\"authorities\":[", owner, rec->ttl, mname, rname, rec->serial,
		         SOA_TIMERS[0], SOA_TIMERS[1], SOA_TIMERS[2], SOA_TIMERS[3],
		         i + 1 == r->authority_count ? "]" : "");
	}
	line_add(line, &len, "}}\n");
	fwrite(line, 1, len, g->eve);
	g->stats.eve_lines += 2;
}

/* ---- Generation ---- */

static void generate(struct generator *g)
{
	const struct options *opt = &g->opt;
	/* Spread the exchanges evenly over the duration, from the expected number
	 * of frames per exchange. */
	double per_exchange = (1 + opt->miss_share * (1 - SERVFAIL_SHARE)) * (opt->queries ? 2 : 1);
	double exchanges = (double)opt->frames / per_exchange;
	double step_ns = (double)opt->duration * 1e9 / (exchanges > 1 ? exchanges : 1);
	int64_t start_ns = opt->start * 1000000000;
	struct exchange *ex = xcalloc(1, sizeof(*ex));

	while (g->stats.frames < opt->frames) {
		int64_t at = start_ns + (int64_t)((double)g->stats.exchanges * step_ns);
		exchange_make(g, ex, at);
		/* The last exchange sheds frames so that exactly opt->frames are written. */
		uint64_t left = opt->frames - g->stats.frames;
		bool queries = opt->queries;
		unsigned need = (queries ? 2u : 1u) * (ex->miss ? 2u : 1u);
		if (need > left) {
			ex->miss = false;
			queries = queries && left >= 2;
		}
		if (queries) {
			write_client_query(g, ex);
		}
		if (ex->miss) {
			write_resolver_frames(g, ex, queries);
		}
		write_client_response(g, ex);
		if (g->zeek != NULL) {
			zeek_line(g, ex);
		}
		if (g->eve != NULL) {
			eve_lines(g, ex);
		}
		g->stats.exchanges++;
	}
	free(ex);
}

/* ---- Command line ---- */

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: gen_dnstap -o FILE [options]\n"
	        "Write a dnstap Frame Streams file of the responses a recursive resolver logs;\n"
	        "the same options and seed give the same bytes.\n"
	        "\n"
	        "  -o, --output FILE      dnstap file to write\n"
	        "  -n, --frames N         frames to write (default %u)\n"
	        "      --seed N           seed of every random choice (default %u)\n"
	        "      --start EPOCH      time of the first query, UTC epoch seconds\n"
	        "                         (default %d)\n"
	        "      --duration SECONDS simulated time the exchanges are spread over; also\n"
	        "                         accepts 90m, 12h, 2d (default %d)\n"
	        "      --names N          size of the name universe (default %u, %u to %u)\n"
	        "      --miss-share F     fraction of exchanges that are cache misses, logged\n"
	        "                         with a RESOLVER_RESPONSE too, 0 to 1 (default %.2f)\n"
	        "      --queries          also write CLIENT_QUERY and RESOLVER_QUERY frames\n"
	        "      --zeek FILE        also write the client exchanges as a Zeek dns.log\n"
	        "      --eve FILE         also write them as Suricata eve.json DNS records\n"
	        "      --truth FILE       also write the expected pDNS records as TSV:\n"
	        "                         rrname rrtype rdata time_first time_last count\n"
	        "  -q, --quiet            print no summary on standard error\n"
	        "  -h, --help             print this help\n",
	        DEFAULT_FRAMES, DEFAULT_SEED, DEFAULT_START, DEFAULT_DURATION, DEFAULT_NAMES,
	        MIN_NAMES, MAX_NAMES, DEFAULT_MISS_SHARE);
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
	OPT_MISS_SHARE,
	OPT_QUERIES,
	OPT_ZEEK,
	OPT_EVE,
	OPT_TRUTH,
};

static void options_parse(int argc, char **argv, struct options *opt)
{
	static const struct option long_options[] = {
	        {"output", required_argument, NULL, 'o'},
	        {"frames", required_argument, NULL, 'n'},
	        {"seed", required_argument, NULL, OPT_SEED},
	        {"start", required_argument, NULL, OPT_START},
	        {"duration", required_argument, NULL, OPT_DURATION},
	        {"names", required_argument, NULL, OPT_NAMES},
	        {"miss-share", required_argument, NULL, OPT_MISS_SHARE},
	        {"queries", no_argument, NULL, OPT_QUERIES},
	        {"zeek", required_argument, NULL, OPT_ZEEK},
	        {"eve", required_argument, NULL, OPT_EVE},
	        {"truth", required_argument, NULL, OPT_TRUTH},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	*opt = (struct options){
	        .frames = DEFAULT_FRAMES,
	        .seed = DEFAULT_SEED,
	        .start = DEFAULT_START,
	        .duration = DEFAULT_DURATION,
	        .names = DEFAULT_NAMES,
	        .miss_share = DEFAULT_MISS_SHARE,
	};
	int c;
	while ((c = getopt_long(argc, argv, "o:n:qh", long_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt->output = optarg;
			break;
		case 'n':
			opt->frames = parse_unsigned(optarg, "-n", 1, UINT32_MAX);
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
		case OPT_MISS_SHARE:
			opt->miss_share = parse_fraction(optarg, "--miss-share");
			break;
		case OPT_QUERIES:
			opt->queries = true;
			break;
		case OPT_ZEEK:
			opt->zeek_path = optarg;
			break;
		case OPT_EVE:
			opt->eve_path = optarg;
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
		errx(2, "unexpected argument '%s'; see gen_dnstap --help", argv[optind]);
	}
	if (opt->output == NULL) {
		errx(2, "missing -o FILE: name the dnstap file to write");
	}
}

static struct fstrm_writer *writer_open(const char *path)
{
	struct fstrm_file_options *fopt = fstrm_file_options_init();
	struct fstrm_writer_options *wopt = fstrm_writer_options_init();
	fstrm_file_options_set_file_path(fopt, path);
	fstrm_writer_options_add_content_type(wopt, CONTENT_TYPE, strlen(CONTENT_TYPE));
	struct fstrm_writer *writer = fstrm_file_writer_init(fopt, wopt);
	fstrm_file_options_destroy(&fopt);
	fstrm_writer_options_destroy(&wopt);
	if (writer == NULL || fstrm_writer_open(writer) != fstrm_res_success) {
		errx(1, "cannot open %s for writing Frame Streams", path);
	}
	return writer;
}

static FILE *log_open(const char *path)
{
	FILE *out = fopen(path, "w");
	if (out == NULL) {
		err(1, "cannot open %s", path);
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	return out;
}

static void log_close(FILE *out, const char *path)
{
	if (fclose(out) != 0) {
		err(1, "writing %s failed", path);
	}
}

int main(int argc, char **argv)
{
	struct generator *g = xcalloc(1, sizeof(*g));
	options_parse(argc, argv, &g->opt);
	const struct options *opt = &g->opt;
	double started = time_monotonic();

	rng_seed(&g->rng, opt->seed);
	universe_build(&g->u, opt->names, opt->seed);
	g->writer = writer_open(opt->output);
	if (opt->zeek_path != NULL) {
		g->zeek = log_open(opt->zeek_path);
		zeek_header(g->zeek, opt->start);
	}
	if (opt->eve_path != NULL) {
		g->eve = log_open(opt->eve_path);
	}
	if (opt->truth_path != NULL) {
		g->parser = knot_pkt_new(NULL, MESSAGE_MAX, NULL);
		if (g->parser == NULL) {
			errx(1, "out of memory for a DNS parser");
		}
		record_table_init(&g->truth);
	}

	generate(g);

	if (fstrm_writer_close(g->writer) != fstrm_res_success) {
		errx(1, "writing %s failed", opt->output);
	}
	fstrm_writer_destroy(&g->writer);
	if (g->zeek != NULL) {
		char closed[32];
		time_t t = (time_t)(opt->start + opt->duration);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(closed, sizeof(closed), "%Y-%m-%d-%H-%M-%S", &tm);
		fprintf(g->zeek, "#close\t%s\n", closed);
		log_close(g->zeek, opt->zeek_path);
	}
	if (g->eve != NULL) {
		log_close(g->eve, opt->eve_path);
	}
	if (g->parser != NULL) {
		truth_write(&g->truth, opt->truth_path);
	}
	if (!opt->quiet) {
		const struct stats *s = &g->stats;
		fprintf(stderr,
		        "gen_dnstap: %" PRIu64 " frames (%" PRIu64 " bytes of Dnstap), %" PRIu64
		        " exchanges: %" PRIu64 " CLIENT_RESPONSE, %" PRIu64
		        " RESOLVER_RESPONSE, %" PRIu64 " queries; in the responses %" PRIu64
		        " answer and %" PRIu64 " authority records, %" PRIu64
		        " error rcodes, %" PRIu64 " NODATA; %" PRIu64 " Zeek lines, %" PRIu64
		        " eve lines; %zu distinct "
		        "records; %.2f s\n",
		        s->frames, s->bytes, s->exchanges, s->client_responses,
		        s->resolver_responses, s->queries, s->answer_records, s->authority_records,
		        s->error_rcodes, s->nodata, s->zeek_lines, s->eve_lines, g->truth.count,
		        time_monotonic() - started);
	}

	free(g->frame);
	if (g->parser != NULL) {
		knot_pkt_free(g->parser);
		record_table_free(&g->truth);
	}
	universe_free(&g->u);
	free(g);
	return 0;
}
