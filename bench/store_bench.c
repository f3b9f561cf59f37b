/*
 * store_bench: writes a reproducible stream of synthetic passive-DNS
 * observations through store.h, then times a fixed sample of lookups.
 *
 * Write path: observations are aggregated in a pdns_agg table and written
 * every --flush observations by ingest_flush_aggregate(), the function
 * `dragnet ingest` flushes with (one store transaction per flush: begin,
 * put_rrsets in batches, commit). Only the packet decoding is left out.
 *
 * Data model (all of it a function of --seed):
 * - A universe of --universe rrsets. rrset k gets its type, owner name and
 *   rdata from hashes of k. Types: A 44%, AAAA 14%, CNAME 16%, NS 9%, MX 6%,
 *   TXT 9%, SOA 2%. NS, MX and SOA sit at a zone apex, the others on a host
 *   name below it.
 * - Owner names: universe * 2 / 5 host names in universe / 10 zones, so a name
 *   holds 2.5 rrsets on average. Zones get names by a skewed draw (zone
 *   index = zones * u^3), so a few zones hold tens of thousands of names.
 *   Zone labels are syllable words under com, net, org and a few more TLDs.
 * - A addresses: 12% in 198.18.0.0/15 (512 busy /24s, like a CDN), 25% on
 *   4,096 shared-hosting addresses and the rest anywhere in 100.64.0.0/10.
 *   AAAA addresses are in 2001:db8::/32. CNAME, NS and MX targets point to
 *   shared providers (drawn with a skew, so some targets have many
 *   records), to a host in the same zone, or to a name of their own.
 * - Observation i picks rrset k by a Zipf-like popularity: the continuous
 *   power law P(rank >= x) ~ x^(1-s) over [1, universe + 1), s = --zipf,
 *   floored to a rank. It carries time start + i * period / observations,
 *   so flushes cover consecutive slices of the period, and one of --sources
 *   sources, source j with weight 1 / (j + 1)^2.
 *
 * Lookups: --queries of each kind, from a PRNG of their own, so every run
 * with the same seed and universe asks the same questions whatever the
 * store holds. A query names a record drawn uniformly from the universe:
 * its owner (forward exact), "*." and its zone (wildcard), its address
 * (reverse IP, A and AAAA), the /24 of its IPv4 address, or its target name
 * (reverse name, CNAME, NS and MX). The kinds take turns, and each query is
 * timed from the call to store_query_rrsets() until its last row has been
 * handed over.
 *
 * stdout gets a Markdown report; --summary FILE also writes key=value lines
 * for scripts (bench/store_run.sh reads them).
 */

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
#include <sys/resource.h>
#include <unistd.h>

#include "rng.h"
#include "dns/rdata.h"
#include "ingest/flush.h"
#include "pdns/aggregate.h"
#include "pdns/query.h"
#include "store/store.h"
#include "util/ipaddr.h"
#include "util/log.h"
#include "util/status.h"
#include "util/timeutil.h"

#define DEFAULT_OBSERVATIONS 10000000u
#define DEFAULT_UNIVERSE 5000000u
#define DEFAULT_FLUSH 10000000u
#define DEFAULT_SEED 1u
#define DEFAULT_QUERIES 500u
#define DEFAULT_SOURCES 2u
#define DEFAULT_ZIPF 1.0
#define DEFAULT_START 1767225600 /* 2026-01-01T00:00:00Z */
#define DEFAULT_PERIOD (30 * 86400)
#define DEFAULT_LIMIT 10000u /* the default --limit of `dragnet pdns` */
#define MAX_SOURCES 16u
#define WARMUP_QUERIES 5u /* per kind, untimed, from their own PRNG stream */

/* Hash tags, so that each attribute of a record comes from its own hash. */
enum tag {
	TAG_TYPE = 1,
	TAG_NAME,
	TAG_ZONE,
	TAG_TLD,
	TAG_HOST,
	TAG_RDATA,
	TAG_RDATA2,
	TAG_RDATA3,
	TAG_QUERIES,
	TAG_WARMUP,
	TAG_STREAM,
};

/* ---- Random numbers ---- */

/* A uniform double in [0, 1) from the top 53 bits of x. */
static double unit_of(uint64_t x)
{
	return (double)(x >> 11) * 0x1.0p-53;
}

/* ---- Options ---- */

struct options {
	const char *store;
	const char *summary;
	uint64_t observations;
	uint64_t universe;
	uint64_t flush;
	uint64_t seed;
	uint64_t queries;
	uint64_t sources;
	uint64_t limit;
	uint64_t cache_mib; /* store_options.cache_bytes in MiB, or 0 for the backend's default */
	double zipf;
	int64_t start;
	int64_t period;
	bool lookups_only;
	bool no_lookups;
	bool verbose;
};

/* ---- The universe of rrsets ---- */

struct universe {
	uint64_t seed;
	uint64_t rrsets;
	uint64_t names; /* host names */
	uint64_t zones;
};

/* A generated rrset in wire form, as the decoder hands it to the aggregator. */
struct rrset_wire {
	uint16_t type;
	uint8_t owner[256];
	size_t owner_len;
	uint8_t zone[256]; /* the zone the owner is in; also the bailiwick */
	size_t zone_len;
	uint8_t rdata[512];
	size_t rdata_len;
};

/* A wire name under construction: labels are appended, then the root. */
struct wire_name {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

static void wire_label(struct wire_name *w, const char *text, size_t len)
{
	if (len == 0 || len > 63 || w->len + 1 + len + 1 > w->cap)
		errx(1, "internal error: label '%.*s' does not fit a name", (int)len, text);
	w->buf[w->len++] = (uint8_t)len;
	memcpy(w->buf + w->len, text, len);
	w->len += len;
}

static void wire_label_str(struct wire_name *w, const char *text)
{
	wire_label(w, text, strlen(text));
}

static void wire_labelf(struct wire_name *w, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void wire_labelf(struct wire_name *w, const char *fmt, ...)
{
	char text[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		errx(1, "internal error: label longer than 63 bytes");
	wire_label(w, text, (size_t)n);
}

/* Copy the labels of a wire name (without its root byte). */
static void wire_append(struct wire_name *w, const uint8_t *name, size_t len)
{
	if (len == 0 || w->len + len > w->cap)
		errx(1, "internal error: name does not fit");
	memcpy(w->buf + w->len, name, len - 1);
	w->len += len - 1;
}

static void wire_root(struct wire_name *w)
{
	w->buf[w->len++] = 0;
}

static const char consonants[] = "bcdfghklmnprstvz";
static const char vowels[] = "aeiou";
#define SYLLABLES ((sizeof(consonants) - 1) * (sizeof(vowels) - 1))

/* Write a word of at least min_syllables syllables that spells x in base
 * SYLLABLES, least significant syllable first: distinct x give distinct
 * words, and neighbouring x differ in their first letters. */
static size_t syllable_word(uint64_t x, unsigned min_syllables, char *out)
{
	size_t n = 0;
	for (unsigned i = 0; i < min_syllables || x > 0; i++) {
		unsigned digit = (unsigned)(x % SYLLABLES);
		x /= SYLLABLES;
		out[n++] = consonants[digit / (sizeof(vowels) - 1)];
		out[n++] = vowels[digit % (sizeof(vowels) - 1)];
	}
	out[n] = '\0';
	return n;
}

/* TLDs by share of zones, in per mille; each is one or two labels. */
static const struct {
	const char *labels[2];
	unsigned per_mille;
} tlds[] = {
        {{"com", NULL}, 480}, {{"net", NULL}, 110}, {{"org", NULL}, 90}, {{"de", NULL}, 60},
        {{"info", NULL}, 50}, {{"ru", NULL}, 40},   {{"io", NULL}, 40},  {{"xyz", NULL}, 40},
        {{"top", NULL}, 30},  {{"co", "uk"}, 30},   {{"com", "br"}, 30},
};

static void wire_tld(struct wire_name *w, uint64_t h)
{
	unsigned pick = (unsigned)(h % 1000);
	for (size_t i = 0; i < sizeof(tlds) / sizeof(tlds[0]); i++) {
		if (pick < tlds[i].per_mille || i + 1 == sizeof(tlds) / sizeof(tlds[0])) {
			wire_label_str(w, tlds[i].labels[0]);
			if (tlds[i].labels[1] != NULL)
				wire_label_str(w, tlds[i].labels[1]);
			return;
		}
		pick -= tlds[i].per_mille;
	}
}

/* Append the labels of zone z ("kabolu.com"). */
static void wire_zone(const struct universe *u, struct wire_name *w, uint64_t z)
{
	char word[64];
	size_t n = syllable_word(z, 3, word);
	wire_label(w, word, n);
	wire_tld(w, hash3(u->seed, TAG_TLD, z));
}

/* The zone of host name h: zones * v^3 for a uniform v, so low zone
 * numbers hold many names. */
static uint64_t zone_of_name(const struct universe *u, uint64_t h)
{
	double v = unit_of(hash3(u->seed, TAG_ZONE, h));
	uint64_t z = (uint64_t)((double)u->zones * v * v * v);
	return z < u->zones ? z : u->zones - 1;
}

static const char *const common_hosts[] = {
        "mail",  "api",    "cdn",     "m",            "app",    "dev",  "static",
        "img",   "login",  "portal",  "shop",         "blog",   "vpn",  "smtp",
        "secure", "admin", "webmail", "autodiscover", "remote", "test",
};

/* Names that zone z gets on average from zone_of_name(). */
static double zone_size(const struct universe *u, uint64_t z)
{
	double scale = cbrt((double)u->zones);
	return (double)u->names * (cbrt((double)z + 1) - cbrt((double)z)) / scale;
}

/* Append the first label of host name h in zone z: www, a common host
 * label, a syllable word or a hex token. Big zones give most of their
 * names a word spelling h, so that www and the common labels stay few per
 * zone rather than gather thousands of host names under one owner. */
static void wire_host_label(const struct universe *u, struct wire_name *w, uint64_t h, uint64_t z)
{
	uint64_t x = hash3(u->seed, TAG_HOST, h);
	unsigned pick = (unsigned)(x % 100);
	x /= 100;
	double size = zone_size(u, z);
	if (size > 8 && unit_of(mix64(x)) >= 8 / size) {
		char word[64];
		size_t n = syllable_word(h, 2, word);
		wire_label(w, word, n);
	} else if (pick < 28) {
		wire_label_str(w, "www");
	} else if (pick < 48) {
		wire_label_str(w, common_hosts[x % (sizeof(common_hosts) / sizeof(common_hosts[0]))]);
	} else if (pick < 88) {
		char word[64];
		size_t n = syllable_word(x % (SYLLABLES * SYLLABLES * SYLLABLES), 2, word);
		if (x % 7 == 0)
			n += (size_t)snprintf(word + n, sizeof(word) - n, "%u",
			                      (unsigned)((x >> 20) % 100));
		wire_label(w, word, n);
	} else {
		wire_labelf(w, "%08" PRIx32, (uint32_t)(x >> 8));
	}
}

/* A provider's zone: "<kind><p>.<tld>" with p drawn as count * v^2. */
static void wire_provider(struct wire_name *w, const char *kind, const char *tld, uint64_t count,
                          uint64_t h)
{
	double v = unit_of(h);
	uint64_t p = (uint64_t)((double)count * v * v);
	wire_labelf(w, "%s%" PRIu64, kind, p);
	wire_label_str(w, tld);
}

static void put_u16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void make_a(const struct universe *u, uint64_t k, uint8_t *rdata)
{
	uint64_t x = hash3(u->seed, TAG_RDATA, k);
	unsigned pick = (unsigned)(x % 100);
	x /= 100;
	uint32_t addr;
	if (pick < 12) {
		/* 198.18.0.0/15: 512 busy /24s. */
		addr = 0xc6120000u | (uint32_t)(x % 512) << 8 | (uint32_t)(1 + (x >> 9) % 254);
	} else if (pick < 37) {
		/* One of 4,096 shared-hosting addresses in 100.64.0.0/10. */
		uint64_t y = mix64(x % 4096);
		addr = 0x64400000u | (uint32_t)(y % 16384) << 8 | (uint32_t)(1 + (y >> 14) % 254);
	} else {
		addr = 0x64400000u | (uint32_t)(x % 16384) << 8 | (uint32_t)(1 + (x >> 14) % 254);
	}
	put_u32(rdata, addr);
}

static void make_aaaa(const struct universe *u, uint64_t k, uint8_t *rdata)
{
	uint64_t x = hash3(u->seed, TAG_RDATA, k);
	uint64_t y = hash3(u->seed, TAG_RDATA2, k);
	put_u32(rdata, 0x20010db8u);
	put_u16(rdata + 4, (unsigned)(x % 4096));
	put_u16(rdata + 6, (unsigned)((x >> 12) % 65536));
	if (x % 10 < 3) {
		memset(rdata + 8, 0, 7);
		rdata[15] = (uint8_t)(1 + (x >> 28) % 16);
	} else {
		for (int i = 0; i < 8; i++)
			rdata[8 + i] = (uint8_t)(y >> (8 * i));
	}
}

/* Build rrset k of the universe. */
static void make_rrset(const struct universe *u, uint64_t k, struct rrset_wire *r)
{
	static const struct {
		uint16_t type;
		unsigned per_mille;
	} types[] = {
	        {1, 440}, {28, 140}, {5, 160}, {2, 90}, {15, 60}, {16, 90}, {6, 20},
	};
	unsigned pick = (unsigned)(hash3(u->seed, TAG_TYPE, k) % 1000);
	r->type = 6;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (pick < types[i].per_mille) {
			r->type = types[i].type;
			break;
		}
		pick -= types[i].per_mille;
	}

	/* Records at an apex pick their zone uniformly, so that every zone
	 * gets about as many of them; the others pick a host name first. */
	uint64_t host = hash3(u->seed, TAG_NAME, k) % u->names;
	bool apex = r->type == 2 || r->type == 15 || r->type == 6 ||
	            (r->type == 16 && host % 2 == 0);
	uint64_t zone = apex ? host % u->zones : zone_of_name(u, host);
	struct wire_name zw = {r->zone, 0, sizeof(r->zone)};
	wire_zone(u, &zw, zone);
	wire_root(&zw);
	r->zone_len = zw.len;

	struct wire_name ow = {r->owner, 0, sizeof(r->owner)};
	if (!apex)
		wire_host_label(u, &ow, host, zone);
	wire_append(&ow, r->zone, r->zone_len);
	wire_root(&ow);
	r->owner_len = ow.len;

	uint64_t x = hash3(u->seed, TAG_RDATA, k);
	uint64_t y = hash3(u->seed, TAG_RDATA2, k);
	uint64_t z = hash3(u->seed, TAG_RDATA3, k);
	struct wire_name rw = {r->rdata, 0, sizeof(r->rdata)};
	switch (r->type) {
	case 1:
		make_a(u, k, r->rdata);
		r->rdata_len = 4;
		return;
	case 28:
		make_aaaa(u, k, r->rdata);
		r->rdata_len = 16;
		return;
	case 5: /* CNAME */
		if (x % 100 < 40) {
			/* An edge name of its own under a CDN. */
			char word[64];
			syllable_word(zone, 3, word);
			wire_labelf(&rw, "%s-%08" PRIx32, word, (uint32_t)(y >> 32));
			wire_provider(&rw, "cdn", "net", 200, z);
		} else if (x % 100 < 75) {
			/* Another host of the same zone. */
			wire_host_label(u, &rw, y % u->names, zone);
			wire_append(&rw, r->zone, r->zone_len);
		} else {
			/* A shared load balancer. */
			wire_labelf(&rw, "lb%u", (unsigned)(y % 100));
			wire_provider(&rw, "cloud", "com", 500, z);
		}
		wire_root(&rw);
		r->rdata_len = rw.len;
		return;
	case 2: /* NS */
		if (x % 100 < 70) {
			wire_labelf(&rw, "ns%u", (unsigned)(1 + y % 4));
			wire_provider(&rw, "dns", "net", 3000, z);
		} else {
			wire_labelf(&rw, "ns%u", (unsigned)(1 + y % 2));
			wire_append(&rw, r->zone, r->zone_len);
		}
		wire_root(&rw);
		r->rdata_len = rw.len;
		return;
	case 15: /* MX */
		rw.buf += 2;
		rw.cap -= 2;
		if (x % 100 < 50) {
			put_u16(r->rdata, 10 + 10 * (unsigned)(y % 2));
			wire_labelf(&rw, "mx%u", (unsigned)(1 + y % 2));
			wire_provider(&rw, "mail", "com", 500, z);
		} else {
			put_u16(r->rdata, 10);
			wire_label_str(&rw, "mail");
			wire_append(&rw, r->zone, r->zone_len);
		}
		wire_root(&rw);
		r->rdata_len = rw.len + 2;
		return;
	case 16: { /* TXT: one character string */
		char text[128];
		int n;
		if (x % 100 < 40) {
			double v = unit_of(z);
			n = snprintf(text, sizeof(text), "v=spf1 include:_spf.mail%u.com ~all",
			             (unsigned)(500 * v * v));
		} else if (x % 100 < 70) {
			n = snprintf(text, sizeof(text),
			             "google-site-verification=%016" PRIx64 "%016" PRIx64, y, z);
		} else {
			n = snprintf(text, sizeof(text), "%016" PRIx64 "%016" PRIx64, y, mix64(z));
		}
		r->rdata[0] = (uint8_t)n;
		memcpy(r->rdata + 1, text, (size_t)n);
		r->rdata_len = 1 + (size_t)n;
		return;
	}
	default: { /* SOA */
		if (x % 100 < 70) {
			wire_label_str(&rw, "ns1");
			wire_provider(&rw, "dns", "net", 3000, z);
		} else {
			wire_label_str(&rw, "ns1");
			wire_append(&rw, r->zone, r->zone_len);
		}
		wire_root(&rw);
		wire_label_str(&rw, "hostmaster");
		wire_append(&rw, r->zone, r->zone_len);
		wire_root(&rw);
		uint8_t *p = r->rdata + rw.len;
		put_u32(p, (uint32_t)(2026010100u + y % 100));
		put_u32(p + 4, 7200);
		put_u32(p + 8, 3600);
		put_u32(p + 12, 1209600);
		put_u32(p + 16, 300);
		r->rdata_len = rw.len + 20;
		return;
	}
	}
}

/* ---- Popularity ---- */

/* Rank in [0, n) for a uniform v in [0, 1): the continuous power law
 * with density ~ x^-s on [1, n + 1), floored, minus one. */
static uint64_t zipf_rank(double v, uint64_t n, double s)
{
	double top = (double)n + 1;
	double x;
	if (fabs(s - 1.0) < 1e-9) {
		x = exp(v * log(top));
	} else {
		double a = 1.0 - s;
		x = pow(v * (pow(top, a) - 1.0) + 1.0, 1.0 / a);
	}
	uint64_t rank = (uint64_t)x;
	if (rank < 1)
		rank = 1;
	return rank - 1 < n ? rank - 1 : n - 1;
}

/* ---- A store that times the calls a flush makes ---- */

/* Forwards the calls of ingest_flush_aggregate() to the real store and
 * adds up the time they take. Only those calls are filled in. */
struct timed_store {
	struct store base;
	struct store_ops ops;
	struct store *inner;
	double put_s;
	double commit_s;
};

static struct store *inner_of(struct store *s)
{
	return ((struct timed_store *)s)->inner;
}

static dn_status timed_begin(struct store *s, struct dn_error *err)
{
	struct timed_store *t = (struct timed_store *)s;
	double started = time_monotonic();
	dn_status rc = store_begin(t->inner, err);
	t->put_s += time_monotonic() - started;
	return rc;
}

static dn_status timed_put_rrsets(struct store *s, const struct pdns_record *recs, size_t n,
                                  struct dn_error *err)
{
	struct timed_store *t = (struct timed_store *)s;
	double started = time_monotonic();
	dn_status rc = store_put_rrsets(t->inner, recs, n, err);
	t->put_s += time_monotonic() - started;
	return rc;
}

static dn_status timed_put_negatives(struct store *s, const struct pdns_negative *recs, size_t n,
                                     struct dn_error *err)
{
	struct timed_store *t = (struct timed_store *)s;
	double started = time_monotonic();
	dn_status rc = store_put_negatives(t->inner, recs, n, err);
	t->put_s += time_monotonic() - started;
	return rc;
}

static dn_status timed_put_run(struct store *s, struct store_run *run, struct dn_error *err)
{
	return store_put_run(inner_of(s), run, err);
}

static dn_status timed_commit(struct store *s, struct dn_error *err)
{
	struct timed_store *t = (struct timed_store *)s;
	double started = time_monotonic();
	dn_status rc = store_commit(t->inner, err);
	t->commit_s += time_monotonic() - started;
	return rc;
}

static void timed_rollback(struct store *s)
{
	store_rollback(inner_of(s));
}

static void timed_store_init(struct timed_store *t, struct store *inner)
{
	memset(t, 0, sizeof(*t));
	t->ops.name = inner->ops->name;
	t->ops.begin = timed_begin;
	t->ops.put_rrsets = timed_put_rrsets;
	t->ops.put_negatives = timed_put_negatives;
	t->ops.put_run = timed_put_run;
	t->ops.commit = timed_commit;
	t->ops.rollback = timed_rollback;
	t->base.ops = &t->ops;
	t->inner = inner;
}

/* ---- Memory ---- */

static uint64_t rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long pages = 0, resident = 0;
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu %llu", &pages, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

/* User and system CPU seconds of this process so far. They move less than
 * wall time when other programs compete for the CPUs. */
static double cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static uint64_t peak_rss_kib(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_maxrss;
}

/* ---- Output ---- */

/* n with thousands separators ("12,345,678"), in one of four rotating
 * buffers so that a printf call can take several. */
static const char *group(uint64_t n)
{
	static char bufs[4][32];
	static unsigned next;
	char *out = bufs[next++ % 4];
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	int o = 0;
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

static FILE *summary_file;

static void summary(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void summary(const char *key, const char *fmt, ...)
{
	if (summary_file == NULL)
		return;
	fprintf(summary_file, "%s=", key);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(summary_file, fmt, ap);
	va_end(ap);
	fputc('\n', summary_file);
}

/* ---- Ingest ---- */

struct flush_row {
	uint64_t observations;
	uint64_t rrsets;
	double aggregate_s; /* generating and aggregating the observations */
	double write_s;     /* ingest_flush_aggregate(): format, put, commit */
	double put_s;
	double commit_s;
	double cpu_s; /* CPU seconds of this process for the whole flush */
	uint64_t rss_kib;
};

static void fail_store(const char *what, const struct dn_error *err)
{
	errx(1, "%s: %s", what, err->msg[0] != '\0' ? err->msg : dn_strerror(err->code));
}

static void ingest(const struct options *o, const struct universe *u, struct store *store)
{
	struct dn_error err = {0};
	uint32_t source_ids[MAX_SOURCES];
	double weights[MAX_SOURCES];
	double total_weight = 0;
	for (uint64_t j = 0; j < o->sources; j++) {
		char name[32];
		snprintf(name, sizeof(name), "bench-sensor-%" PRIu64, j + 1);
		if (store_source_id(store, name, "sensor", &source_ids[j], &err) != DN_OK)
			fail_store("registering a source", &err);
		total_weight += 1.0 / (double)((j + 1) * (j + 1));
		weights[j] = total_weight;
	}

	struct pdns_agg *agg = pdns_agg_new();
	if (agg == NULL)
		errx(1, "out of memory creating the aggregate");
	struct timed_store timed;
	timed_store_init(&timed, store);

	uint64_t nflushes = (o->observations + o->flush - 1) / o->flush;
	struct flush_row *rows = calloc(nflushes, sizeof(*rows));
	if (rows == NULL)
		errx(1, "out of memory");

	struct rng rng;
	rng_seed(&rng, hash3(o->seed, TAG_STREAM, 0));
	struct rrset_wire r;
	double started = time_monotonic();
	double slice_started = started;
	double cpu_started = cpu_seconds();
	double slice_cpu = cpu_started;
	uint64_t flushes = 0;
	for (uint64_t i = 0; i < o->observations; i++) {
		uint64_t k = zipf_rank(unit_of(rng_next(&rng)), u->rrsets, o->zipf);
		double v = unit_of(rng_next(&rng)) * total_weight;
		uint64_t source = 0;
		while (source + 1 < o->sources && v >= weights[source])
			source++;
		make_rrset(u, k, &r);
		struct pdns_obs obs = {
		        .source_id = source_ids[source],
		        .kind = PDNS_KIND_RRSET,
		        .rrtype = r.type,
		        .owner = r.owner,
		        .owner_len = r.owner_len,
		        .bailiwick = r.zone,
		        .bailiwick_len = r.zone_len,
		        .rdata = r.rdata,
		        .rdata_len = r.rdata_len,
		};
		int64_t t = o->start + (int64_t)((double)i * (double)o->period /
		                                 (double)o->observations);
		if (pdns_agg_add(agg, &obs, t) != DN_OK)
			errx(1, "out of memory aggregating observation %" PRIu64, i);
		if ((i + 1) % o->flush != 0 && i + 1 != o->observations)
			continue;

		struct flush_row *row = &rows[flushes];
		row->observations = (i + 1) - flushes * o->flush;
		pdns_agg_count(agg);
		double writing = time_monotonic();
		row->aggregate_s = writing - slice_started;
		timed.put_s = 0;
		timed.commit_s = 0;
		struct flush_result result;
		if (ingest_flush_aggregate(&timed.base, agg, NULL, &result, &err) != DN_OK)
			fail_store("flushing", &err);
		pdns_agg_clear(agg);
		slice_started = time_monotonic();
		double cpu_now = cpu_seconds();
		row->cpu_s = cpu_now - slice_cpu;
		slice_cpu = cpu_now;
		row->write_s = slice_started - writing;
		row->put_s = timed.put_s;
		row->commit_s = timed.commit_s;
		row->rrsets = result.rrsets;
		row->rss_kib = rss_kib();
		fprintf(stderr,
		        "flush %" PRIu64 "/%" PRIu64 ": %s observations, %s rrsets, aggregate "
		        "%.1f s, write %.1f s (put %.1f s, commit %.1f s), CPU %.1f s, RSS %" PRIu64
		        " MiB\n",
		        flushes + 1, nflushes, group(row->observations), group(row->rrsets),
		        row->aggregate_s, row->write_s, row->put_s, row->commit_s, row->cpu_s,
		        row->rss_kib / 1024);
		flushes++;
	}
	double total_s = time_monotonic() - started;
	double total_cpu_s = cpu_seconds() - cpu_started;
	pdns_agg_free(agg);

	printf("| flush | observations | rrsets written | generate + aggregate s | write s | "
	       "of which put s | of which commit s | CPU s | observations/s | rrsets written/s | "
	       "RSS MiB |\n");
	printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	struct flush_row all = {0};
	for (uint64_t f = 0; f < flushes; f++) {
		const struct flush_row *row = &rows[f];
		printf("| %" PRIu64 " | %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %s | %" PRIu64
		       " |\n",
		       f + 1, group(row->observations), group(row->rrsets), row->aggregate_s,
		       row->write_s, row->put_s, row->commit_s, row->cpu_s,
		       group((uint64_t)((double)row->observations /
		                        (row->aggregate_s + row->write_s))),
		       group((uint64_t)((double)row->rrsets / row->write_s)), row->rss_kib / 1024);
		all.observations += row->observations;
		all.rrsets += row->rrsets;
		all.aggregate_s += row->aggregate_s;
		all.write_s += row->write_s;
		all.put_s += row->put_s;
		all.commit_s += row->commit_s;
	}
	uint64_t peak = peak_rss_kib();
	printf("| all | %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | **%s** | **%s** | peak %" PRIu64
	       " |\n\n",
	       group(all.observations), group(all.rrsets), all.aggregate_s, all.write_s,
	       all.put_s, all.commit_s, total_cpu_s, group((uint64_t)((double)all.observations / total_s)),
	       group((uint64_t)((double)all.rrsets / all.write_s)), peak / 1024);
	printf("Observations/s counts the whole run (%.1f s). Rrsets written/s counts the "
	       "write phase of the flushes (formatting, put_rrsets, commit). CPU s is the user "
	       "and system time of store_bench alone, not of a database server.\n\n",
	       total_s);

	summary("ingest_s", "%.3f", total_s);
	summary("ingest_cpu_s", "%.3f", total_cpu_s);
	summary("aggregate_s", "%.3f", all.aggregate_s);
	summary("write_s", "%.3f", all.write_s);
	summary("put_s", "%.3f", all.put_s);
	summary("commit_s", "%.3f", all.commit_s);
	summary("rrsets_written", "%" PRIu64, all.rrsets);
	summary("observations_per_s", "%.0f", (double)all.observations / total_s);
	summary("rrsets_written_per_s", "%.0f", (double)all.rrsets / all.write_s);
	summary("peak_rss_kib", "%" PRIu64, peak);
	summary("flushes", "%" PRIu64, flushes);
	free(rows);
}

/* ---- Lookups ---- */

enum query_kind {
	Q_FORWARD,
	Q_WILDCARD,
	Q_REVERSE_IP,
	Q_CIDR24,
	Q_REVERSE_NAME,
	Q_KINDS,
};

static const char *const kind_names[Q_KINDS] = {
        "forward exact", "`*.zone` wildcard", "reverse IP", "reverse /24", "reverse name",
};
static const char *const kind_keys[Q_KINDS] = {
        "forward", "wildcard", "reverse_ip", "cidr24", "reverse_name",
};

static bool kind_fits(enum query_kind kind, uint16_t type)
{
	switch (kind) {
	case Q_REVERSE_IP:
		return type == 1 || type == 28;
	case Q_CIDR24:
		return type == 1;
	case Q_REVERSE_NAME:
		return type == 5 || type == 2 || type == 15;
	default:
		return true;
	}
}

static void format_name(const uint8_t *wire, char *out, size_t size)
{
	if (dns_name_format(wire, out, size) == 0)
		errx(1, "internal error: a generated name does not format");
}

/* Write the query text of kind for a record drawn from rng ("www.kabolu.com.",
 * "*.kabolu.com.", "100.64.3.7", "100.64.3.0/24"). */
static void make_query_text(const struct universe *u, struct rng *rng, enum query_kind kind,
                            char *out, size_t size)
{
	struct rrset_wire r;
	do {
		make_rrset(u, rng_next(rng) % u->rrsets, &r);
	} while (!kind_fits(kind, r.type));

	char name[DNS_NAME_TEXT_MAX];
	ip_key ip;
	switch (kind) {
	case Q_FORWARD:
		format_name(r.owner, out, size);
		return;
	case Q_WILDCARD:
		format_name(r.zone, name, sizeof(name));
		snprintf(out, size, "*.%s", name);
		return;
	case Q_REVERSE_IP:
		if (!dns_rdata_ip(r.type, r.rdata, (uint16_t)r.rdata_len, &ip))
			errx(1, "internal error: no address in a generated record");
		ip_key_format(&ip, out, size);
		return;
	case Q_CIDR24:
		snprintf(out, size, "%u.%u.%u.0/24", r.rdata[0], r.rdata[1], r.rdata[2]);
		return;
	case Q_REVERSE_NAME: {
		size_t len;
		const uint8_t *target =
		        dns_rdata_target(r.type, r.rdata, (uint16_t)r.rdata_len, &len);
		if (target == NULL)
			errx(1, "internal error: no target in a generated record");
		format_name(target, out, size);
		return;
	}
	default:
		errx(1, "internal error: query kind %d", (int)kind);
	}
}

static void make_query(const char *text, enum query_kind kind, uint64_t limit,
                       struct pdns_query *q)
{
	struct dn_error err = {0};
	pdns_query_init(q);
	q->limit = limit;
	dn_status rc = kind == Q_FORWARD || kind == Q_WILDCARD
	                       ? pdns_query_set_rrname(q, text, &err)
	                       : pdns_query_set_rdata(q, text, &err);
	if (rc != DN_OK)
		errx(1, "cannot build the query '%s': %s", text, err.msg);
}

static dn_status count_row(const struct pdns_record *rec, void *ctx)
{
	(void)rec;
	(*(uint64_t *)ctx)++;
	return DN_OK;
}

/* Run one lookup; return its seconds and add its rows to *rows. */
static double run_query(struct store *store, const struct pdns_query *q, const char *text,
                        uint64_t *rows)
{
	struct dn_error err = {0};
	uint64_t n = 0;
	double started = time_monotonic();
	if (store_query_rrsets(store, q, count_row, &n, &err) != DN_OK)
		errx(1, "lookup '%s' failed: %s", text, err.msg);
	double seconds = time_monotonic() - started;
	*rows += n;
	return seconds;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile p (0 < p <= 100) of n sorted values. */
static double percentile(const double *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static void lookups(const struct options *o, const struct universe *u, struct store *store)
{
	size_t n = (size_t)o->queries;
	char(*texts)[Q_KINDS][DNS_NAME_TEXT_MAX + 8] = calloc(n, sizeof(*texts));
	double *seconds[Q_KINDS];
	uint64_t rows[Q_KINDS] = {0};
	uint64_t hits[Q_KINDS] = {0};
	uint64_t max_rows[Q_KINDS] = {0};
	if (texts == NULL)
		errx(1, "out of memory");

	struct rng rng;
	rng_seed(&rng, hash3(o->seed, TAG_QUERIES, 0));
	for (size_t i = 0; i < n; i++)
		for (int kind = 0; kind < Q_KINDS; kind++)
			make_query_text(u, &rng, (enum query_kind)kind, texts[i][kind],
			                sizeof(texts[i][kind]));

	/* Warm-up queries of their own, so that the first timed query does
	 * not pay for connections and first reads. */
	struct rng warm;
	rng_seed(&warm, hash3(o->seed, TAG_WARMUP, 0));
	for (unsigned i = 0; i < WARMUP_QUERIES; i++) {
		for (int kind = 0; kind < Q_KINDS; kind++) {
			char text[DNS_NAME_TEXT_MAX + 8];
			struct pdns_query q;
			uint64_t ignored = 0;
			make_query_text(u, &warm, (enum query_kind)kind, text, sizeof(text));
			make_query(text, (enum query_kind)kind, o->limit, &q);
			run_query(store, &q, text, &ignored);
		}
	}

	for (int kind = 0; kind < Q_KINDS; kind++) {
		seconds[kind] = calloc(n, sizeof(double));
		if (seconds[kind] == NULL)
			errx(1, "out of memory");
	}
	double started = time_monotonic();
	for (size_t i = 0; i < n; i++) {
		for (int kind = 0; kind < Q_KINDS; kind++) {
			struct pdns_query q;
			uint64_t got = 0;
			make_query(texts[i][kind], (enum query_kind)kind, o->limit, &q);
			seconds[kind][i] = run_query(store, &q, texts[i][kind], &got);
			rows[kind] += got;
			hits[kind] += got > 0;
			if (got > max_rows[kind])
				max_rows[kind] = got;
		}
	}
	double total_s = time_monotonic() - started;

	printf("| lookup | queries | p50 ms | p99 ms | max ms | mean rows | max rows | with rows "
	       "|\n");
	printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (int kind = 0; kind < Q_KINDS; kind++) {
		qsort(seconds[kind], n, sizeof(double), compare_double);
		double p50 = percentile(seconds[kind], n, 50) * 1e3;
		double p99 = percentile(seconds[kind], n, 99) * 1e3;
		double max = seconds[kind][n - 1] * 1e3;
		printf("| %s | %zu | %.2f | %.2f | %.2f | %.1f | %s | %.0f%% |\n", kind_names[kind], n,
		       p50, p99, max, (double)rows[kind] / (double)n, group(max_rows[kind]),
		       100.0 * (double)hits[kind] / (double)n);
		char key[64];
		snprintf(key, sizeof(key), "lookup_%s_p50_ms", kind_keys[kind]);
		summary(key, "%.3f", p50);
		snprintf(key, sizeof(key), "lookup_%s_p99_ms", kind_keys[kind]);
		summary(key, "%.3f", p99);
		snprintf(key, sizeof(key), "lookup_%s_max_ms", kind_keys[kind]);
		summary(key, "%.3f", max);
		snprintf(key, sizeof(key), "lookup_%s_mean_rows", kind_keys[kind]);
		summary(key, "%.1f", (double)rows[kind] / (double)n);
		free(seconds[kind]);
	}
	printf("\n%zu lookups in %.1f s, kinds taking turns, at most %" PRIu64
	       " rows each (sorted by first seen, as `dragnet pdns` does).\n\n",
	       n * Q_KINDS, total_s, o->limit);
	summary("lookups_s", "%.3f", total_s);
	free(texts);
}

/* ---- What the store contains ---- */

static void report_stats(struct store *store)
{
	struct store_stats *st = calloc(1, sizeof(*st));
	struct dn_error err = {0};
	if (st == NULL)
		errx(1, "out of memory");
	double started = time_monotonic();
	if (store_stats(store, st, &err) != DN_OK)
		fail_store("reading the store statistics", &err);
	double seconds = time_monotonic() - started;
	printf("The store holds %s distinct rrsets of %s owner names with %s observations in "
	       "all; its own size estimate is %s bytes (statistics read in %.1f s).\n\n",
	       group(st->rrsets), group(st->rrnames), group(st->observations),
	       group(st->size_bytes), seconds);
	summary("stored_rrsets", "%" PRIu64, st->rrsets);
	summary("stored_rrnames", "%" PRIu64, st->rrnames);
	summary("stored_observations", "%" PRIu64, st->observations);
	summary("stats_s", "%.3f", seconds);
	free(st);
}

/* ---- Command line ---- */

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: store_bench --store LOCATION [OPTIONS]\n"
	        "Write synthetic passive-DNS observations through the store interface, then\n"
	        "time a fixed sample of lookups. A Markdown report goes to standard output.\n"
	        "\n"
	        "  --store LOCATION     store to write: a SQLite file or clickhouse://... URL\n"
	        "  -n, --observations N observations to write (default %u)\n"
	        "  --universe N         distinct rrsets they are drawn from (default %u)\n"
	        "  --flush N            observations aggregated per flush (default %u)\n"
	        "  --seed N             seed of the data and of the lookup sample (default %u)\n"
	        "  --sources N          sources, 1 to %u; source j gets weight 1/j^2 (default %u)\n"
	        "  --zipf S             popularity exponent, 0 to 3 (default %.1f)\n"
	        "  --start EPOCH        time of the first observation (default %d)\n"
	        "  --period SECONDS     time the observations span (default %d, 30 days)\n"
	        "  --queries N          timed lookups of each of the five kinds (default %u)\n"
	        "  --limit N            at most N rows per lookup, 0 for all (default %u)\n"
	        "  --cache-mib N        store cache in MiB, 0 for the backend's default as\n"
	        "                       `dragnet ingest` uses it (64 MiB for SQLite)\n"
	        "  --lookups-only       open the store for reading and run the lookups only\n"
	        "  --no-lookups         write only\n"
	        "  --summary FILE       also write key=value results to FILE\n"
	        "  -v, --verbose        log the store's informational messages\n",
	        DEFAULT_OBSERVATIONS, DEFAULT_UNIVERSE, DEFAULT_FLUSH, DEFAULT_SEED, MAX_SOURCES,
	        DEFAULT_SOURCES, DEFAULT_ZIPF, DEFAULT_START, DEFAULT_PERIOD, DEFAULT_QUERIES,
	        DEFAULT_LIMIT);
}

static uint64_t parse_unsigned(const char *text, const char *option, uint64_t min, uint64_t max)
{
	char *end = NULL;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0' || value < min ||
	    value > max)
		errx(2, "invalid value '%s' for %s: expected an integer from %" PRIu64 " to %" PRIu64,
		     text, option, min, max);
	return value;
}

enum long_option {
	OPT_STORE = 256,
	OPT_UNIVERSE,
	OPT_FLUSH,
	OPT_SEED,
	OPT_SOURCES,
	OPT_ZIPF,
	OPT_START,
	OPT_PERIOD,
	OPT_QUERIES,
	OPT_LIMIT,
	OPT_CACHE_MIB,
	OPT_LOOKUPS_ONLY,
	OPT_NO_LOOKUPS,
	OPT_SUMMARY,
};

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option long_options[] = {
	        {"store", required_argument, NULL, OPT_STORE},
	        {"observations", required_argument, NULL, 'n'},
	        {"universe", required_argument, NULL, OPT_UNIVERSE},
	        {"flush", required_argument, NULL, OPT_FLUSH},
	        {"seed", required_argument, NULL, OPT_SEED},
	        {"sources", required_argument, NULL, OPT_SOURCES},
	        {"zipf", required_argument, NULL, OPT_ZIPF},
	        {"start", required_argument, NULL, OPT_START},
	        {"period", required_argument, NULL, OPT_PERIOD},
	        {"queries", required_argument, NULL, OPT_QUERIES},
	        {"limit", required_argument, NULL, OPT_LIMIT},
	        {"cache-mib", required_argument, NULL, OPT_CACHE_MIB},
	        {"lookups-only", no_argument, NULL, OPT_LOOKUPS_ONLY},
	        {"no-lookups", no_argument, NULL, OPT_NO_LOOKUPS},
	        {"summary", required_argument, NULL, OPT_SUMMARY},
	        {"verbose", no_argument, NULL, 'v'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	*o = (struct options){
	        .observations = DEFAULT_OBSERVATIONS,
	        .universe = DEFAULT_UNIVERSE,
	        .flush = DEFAULT_FLUSH,
	        .seed = DEFAULT_SEED,
	        .queries = DEFAULT_QUERIES,
	        .sources = DEFAULT_SOURCES,
	        .limit = DEFAULT_LIMIT,
	        .zipf = DEFAULT_ZIPF,
	        .start = DEFAULT_START,
	        .period = DEFAULT_PERIOD,
	};
	int c;
	while ((c = getopt_long(argc, argv, "n:vh", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_STORE:
			o->store = optarg;
			break;
		case 'n':
			o->observations = parse_unsigned(optarg, "--observations", 1, UINT64_MAX / 2);
			break;
		case OPT_UNIVERSE:
			o->universe = parse_unsigned(optarg, "--universe", 100, 1000000000);
			break;
		case OPT_FLUSH:
			o->flush = parse_unsigned(optarg, "--flush", 1, UINT64_MAX / 2);
			break;
		case OPT_SEED:
			o->seed = parse_unsigned(optarg, "--seed", 0, UINT64_MAX);
			break;
		case OPT_SOURCES:
			o->sources = parse_unsigned(optarg, "--sources", 1, MAX_SOURCES);
			break;
		case OPT_ZIPF: {
			char *end = NULL;
			o->zipf = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(o->zipf >= 0 && o->zipf <= 3))
				errx(2, "invalid value '%s' for --zipf: expected a number from 0 to 3",
				     optarg);
			break;
		}
		case OPT_START:
			o->start = (int64_t)parse_unsigned(optarg, "--start", 0, 4102444800);
			break;
		case OPT_PERIOD:
			o->period = (int64_t)parse_unsigned(optarg, "--period", 0, 100ull * 365 * 86400);
			break;
		case OPT_QUERIES:
			o->queries = parse_unsigned(optarg, "--queries", 1, 10000000);
			break;
		case OPT_LIMIT:
			o->limit = parse_unsigned(optarg, "--limit", 0, UINT64_MAX);
			break;
		case OPT_CACHE_MIB:
			o->cache_mib = parse_unsigned(optarg, "--cache-mib", 0, 1u << 20);
			break;
		case OPT_LOOKUPS_ONLY:
			o->lookups_only = true;
			break;
		case OPT_NO_LOOKUPS:
			o->no_lookups = true;
			break;
		case OPT_SUMMARY:
			o->summary = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc)
		errx(2, "unexpected argument '%s'; see --help", argv[optind]);
	if (o->store == NULL)
		errx(2, "missing --store LOCATION; see --help");
	if (o->lookups_only && o->no_lookups)
		errx(2, "--lookups-only and --no-lookups exclude each other");
}

int main(int argc, char **argv)
{
	struct options o;
	parse_options(argc, argv, &o);
	log_setup(o.verbose ? LOG_INFO : LOG_WARN, false);
	if (o.summary != NULL) {
		summary_file = fopen(o.summary, "w");
		if (summary_file == NULL)
			err(1, "cannot write %s", o.summary);
	}

	struct universe u = {
	        .seed = o.seed,
	        .rrsets = o.universe,
	        .names = o.universe * 2 / 5,
	        .zones = o.universe / 10,
	};

	struct store *store = NULL;
	struct dn_error error = {0};
	struct store_options store_options = {.cache_bytes = (size_t)o.cache_mib << 20};
	double opening = time_monotonic();
	if (store_open(o.store, o.lookups_only ? STORE_READ : STORE_WRITE, &store_options, &store,
	               &error) != DN_OK)
		fail_store("opening the store", &error);
	double opened = time_monotonic();

	printf("### store_bench on %s\n\n", store->ops->name);
	printf("%s observations of a universe of %s rrsets (Zipf exponent %.2f, seed %" PRIu64
	       ", %" PRIu64 " sources, %" PRId64 " days), a flush every %s observations; store "
	       "opened in %.2f s.\n\n",
	       group(o.observations), group(o.universe), o.zipf, o.seed, o.sources,
	       o.period / 86400, group(o.flush), opened - opening);
	summary("backend", "%s", store->ops->name);
	summary("observations", "%" PRIu64, o.observations);
	summary("universe", "%" PRIu64, o.universe);
	summary("flush", "%" PRIu64, o.flush);
	summary("seed", "%" PRIu64, o.seed);
	summary("sources", "%" PRIu64, o.sources);
	summary("queries", "%" PRIu64, o.queries);

	if (!o.lookups_only)
		ingest(&o, &u, store);
	if (!o.no_lookups)
		lookups(&o, &u, store);
	report_stats(store);

	double closing = time_monotonic();
	store_close(store);
	summary("close_s", "%.3f", time_monotonic() - closing);
	if (summary_file != NULL && fclose(summary_file) != 0)
		err(1, "cannot write %s", o.summary);
	return 0;
}
