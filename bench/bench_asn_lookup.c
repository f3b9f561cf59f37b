/* Benchmark of the IP-to-ASN lookup table: builds a table of generated
 * ranges (or of an ip2asn file) and times lookups of random addresses on
 * one thread. Prints one line per measurement; bench/asn.sh drives it.
 *
 *   bench_asn_lookup [--v4 N] [--v6 N] [--lookups N] [--ip2asn FILE]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asn/asn.h"
#include "asn/table.h"

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t state = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void)
{
	/* xorshift64*: enough spread for addresses, and the same every run. */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1du;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* IPv4: the address space cut into n ranges at random points, as ip2asn
 * files cut it (every address in exactly one range). */
static void add_v4(struct asn_table *t, size_t n)
{
	uint32_t *cuts = malloc(n * sizeof(*cuts));
	for (size_t i = 0; i < n; i++)
		cuts[i] = (uint32_t)next_random();
	qsort(cuts, n, sizeof(*cuts), compare_u32);
	struct dn_error err;
	for (size_t i = 0; i + 1 < n; i++) {
		if (cuts[i + 1] <= cuts[i])
			continue;
		uint32_t lo = cuts[i], hi = cuts[i + 1] - 1;
		uint8_t a[4] = {(uint8_t)(lo >> 24), (uint8_t)(lo >> 16), (uint8_t)(lo >> 8),
		                (uint8_t)lo};
		uint8_t b[4] = {(uint8_t)(hi >> 24), (uint8_t)(hi >> 16), (uint8_t)(hi >> 8),
		                (uint8_t)hi};
		struct asn_range r = {.asn = (uint32_t)(i % 70000) + 1, .as_org = "EXAMPLE"};
		ip_key_from_v4(&r.lo, a);
		ip_key_from_v4(&r.hi, b);
		asn_table_add(t, &r, 1, "v4", 0, &err);
	}
	free(cuts);
}

/* IPv6: n random /32 to /48 prefixes inside 2000::/4. */
static void add_v6(struct asn_table *t, size_t n)
{
	struct dn_error err;
	for (size_t i = 0; i < n; i++) {
		uint64_t high = (next_random() & 0x0fffffffffffffffu) | 0x2000000000000000u;
		unsigned len = 32 + (unsigned)(next_random() % 17);
		high &= ~((1ull << (64 - len)) - 1);
		struct asn_range r = {.asn = (uint32_t)(i % 70000) + 1, .as_org = "EXAMPLE"};
		for (int b = 0; b < 8; b++) {
			r.lo.b[b] = (uint8_t)(high >> (56 - 8 * b));
			r.hi.b[b] = (uint8_t)((high | ((1ull << (64 - len)) - 1)) >> (56 - 8 * b));
			r.hi.b[8 + b] = 0xff;
		}
		asn_table_add(t, &r, 2, "v6", 0, &err);
	}
}

static dn_status add_file_range(const struct asn_range *r, void *ctx)
{
	struct dn_error err;
	return asn_table_add(ctx, r, 3, "file", 0, &err);
}

static void time_lookups(const struct asn_table *t, const char *label, bool v4, size_t lookups)
{
	enum { KEYS = 1 << 20 };
	ip_key *keys = malloc(KEYS * sizeof(*keys));
	for (size_t i = 0; i < KEYS; i++) {
		uint64_t r = next_random();
		if (v4) {
			uint8_t a[4] = {(uint8_t)(r >> 24), (uint8_t)(r >> 16), (uint8_t)(r >> 8),
			                (uint8_t)r};
			ip_key_from_v4(&keys[i], a);
		} else {
			for (int b = 0; b < 16; b++)
				keys[i].b[b] = (uint8_t)(next_random() >> 56);
			keys[i].b[0] = (uint8_t)(0x20 | (keys[i].b[0] & 0x0f));
		}
	}
	uint64_t found = 0;
	double start = seconds();
	for (size_t i = 0; i < lookups; i++) {
		const struct asn_entry *e = asn_table_lookup(t, &keys[i & (KEYS - 1)]);
		found += e != NULL ? e->range.asn & 1 : 0;
	}
	double took = seconds() - start;
	printf("%s\t%zu lookups\t%.3f s\t%.2f million lookups/s\t(checksum %" PRIu64 ")\n", label,
	       lookups, took, (double)lookups / took / 1e6, found);
	free(keys);
}

int main(int argc, char **argv)
{
	size_t v4 = 500000, v6 = 200000, lookups = 20000000;
	const char *file = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--v4") == 0)
			v4 = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--v6") == 0)
			v6 = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--lookups") == 0)
			lookups = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--ip2asn") == 0)
			file = argv[i + 1];
	}
	struct asn_table *t = asn_table_new();
	double start = seconds();
	if (file != NULL) {
		FILE *f = fopen(file, "rb");
		if (f == NULL) {
			perror(file);
			return 1;
		}
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fseek(f, 0, SEEK_SET);
		char *data = malloc((size_t)size);
		size_t n = fread(data, 1, (size_t)size, f);
		fclose(f);
		asn_ip2asn_parse(data, n, add_file_range, NULL, t, NULL);
		free(data);
	} else {
		add_v4(t, v4);
		add_v6(t, v6);
	}
	struct dn_error err;
	if (asn_table_build(t, &err) != DN_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("build\t%zu ranges\t%zu segments\t%.3f s\n", asn_table_ranges(t),
	       asn_table_segments(t), seconds() - start);
	time_lookups(t, "ipv4", true, lookups);
	time_lookups(t, "ipv6", false, lookups);
	asn_table_free(t);
	return 0;
}
