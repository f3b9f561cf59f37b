/* libFuzzer target: the MMDB search tree walk (asn_mmdb_read). The input
 * is a whole MaxMind DB file; libmaxminddb opens files only, so each
 * input is written to a temporary file first. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asn/asn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* NOTE: libmaxminddb 1.7.1 (Debian 12) leaks its metadata when MMDB_open
 * fails on malformed metadata; libmaxminddb pull request 356 (merged in
 * 2024) fixes it upstream. Leaks from inside the library are suppressed so
 * that the fuzzer reports only dragnet's. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libmaxminddb.so\n";
}

static dn_status check_range(const struct asn_range *r, void *ctx)
{
	(void)ctx;
	if (memcmp(r->lo.b, r->hi.b, 16) > 0)
		abort();
	unsigned len;
	if (!asn_range_prefix_len(&r->lo, &r->hi, &len))
		abort();
	return DN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz_mmdb.%ld", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	struct dn_error err = {0};
	struct asn_parse_counts counts;
	dn_status rc = asn_mmdb_read(path, check_range, NULL, &counts, &err);
	if (rc != DN_OK && (err.msg[0] == '\0' || (rc != DN_EFORMAT && rc != DN_EMALF)))
		abort();
	unlink(path);
	return 0;
}
