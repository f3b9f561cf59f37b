/* RDAP parser throughput: parse RDAP domain responses held in memory, over
 * and over for a fixed time, on one thread.
 *
 *   bench_rdap_parse [--seconds N] [--document] FILE...
 *
 * Each pass runs whois_parse_rdap() on every file, with one arena reset per
 * response. --document also writes each record as dragnet's JSON document
 * (whois_document_write), the form the store keeps; the store's own insert
 * is not measured. Prints responses per second and MB of JSON per second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "whois/document.h"
#include "whois/rdap.h"

struct response {
	char *data;
	size_t len;
};

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *path, struct response *out)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		perror(path);
		return -1;
	}
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	rewind(fp);
	out->data = malloc(size > 0 ? (size_t)size : 1);
	if (out->data == NULL || size < 0 || fread(out->data, 1, (size_t)size, fp) != (size_t)size) {
		fprintf(stderr, "%s: read failed\n", path);
		fclose(fp);
		return -1;
	}
	out->len = (size_t)size;
	fclose(fp);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = 5;
	int document = 0;
	int first = 1;
	for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
		if (strcmp(argv[first], "--seconds") == 0 && first + 1 < argc)
			seconds = atof(argv[++first]);
		else if (strcmp(argv[first], "--document") == 0)
			document = 1;
		else
			break;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [--seconds N] [--document] FILE...\n", argv[0]);
		return 2;
	}

	size_t count = (size_t)(argc - first);
	struct response *responses = calloc(count, sizeof(*responses));
	if (responses == NULL)
		return 1;
	size_t bytes_per_pass = 0;
	for (size_t i = 0; i < count; i++) {
		if (load(argv[first + (int)i], &responses[i]) != 0)
			return 1;
		bytes_per_pass += responses[i].len;
	}

	struct arena arena;
	arena_init(&arena, 64 * 1024);
	struct whois_record rec;
	struct dn_error err;
	unsigned long parsed = 0, failed = 0;
	double start = seconds_now(), now = start;
	unsigned long passes = 0;
	while (now - start < seconds) {
		for (size_t i = 0; i < count; i++) {
			arena_reset(&arena);
			if (whois_parse_rdap(responses[i].data, responses[i].len, &arena, &rec, &err) !=
			    DN_OK) {
				failed++;
				continue;
			}
			parsed++;
			if (document)
				free(whois_document_write(&rec));
		}
		passes++;
		now = seconds_now();
	}
	double elapsed = now - start;
	printf("%lu responses in %.2f s: %.0f responses/s, %.1f MB/s of JSON "
	       "(%zu files, %lu failed)\n",
	       parsed, elapsed, (double)parsed / elapsed,
	       (double)bytes_per_pass * (double)passes / elapsed / 1e6, count, failed);
	arena_free(&arena);
	for (size_t i = 0; i < count; i++)
		free(responses[i].data);
	free(responses);
	return 0;
}
