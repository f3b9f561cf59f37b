/* dragnet's DNS parser against libknot's on every message of real captures:
 * the samples shipped in the repository and, when present, the shared
 * corpus. Wherever libknot parses a message in full, both must agree. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/decode.h"
#include "capture/input.h"
#include "dns_compare.h"
#include "knot_reference.h"

struct tally {
	struct dns_parser *ours;
	struct dns_parser *answers_only;
	struct knot_ref_parser *reference;
	const char *file;
	size_t compared;    /* libknot parsed the message in full */
	size_t lenient;     /* libknot rejected it, dragnet kept some records */
	size_t mismatches;
};

/* dns_parse_answers() must return what dns_parse() returns for the answer
 * and authority sections, and the same header and EDNS rcode. */
static void check_answers_only(struct tally *t, const struct capture_message *m,
                               const struct dns_message *full, enum dns_parse_result full_result)
{
	struct dns_message part;
	enum dns_parse_result result = dns_parse_answers(t->answers_only, m->data, m->len, &part);
	if (!dns_parse_usable(full_result) || !full->complete[DNS_AUTHORITY])
		return;
	struct dns_message trimmed = *full;
	trimmed.count[DNS_ADDITIONAL] = 0;
	char why[160];
	if (!dns_parse_usable(result) || !dns_messages_equal(&part, &trimmed, why, sizeof(why))) {
		print_error("%s packet %llu: dns_parse_answers differs: %s\n", t->file,
		            (unsigned long long)m->packet_number,
		            dns_parse_usable(result) ? why : dns_parse_result_text(result));
		t->mismatches++;
	}
}

static void on_message(const struct capture_message *m, void *ctx)
{
	struct tally *t = ctx;
	struct dns_message a, b;
	enum dns_parse_result want = knot_ref_parse(t->reference, m->data, m->len, &b);
	enum dns_parse_result got = dns_parse(t->ours, m->data, m->len, &a);
	check_answers_only(t, m, &a, got);
	if (want != DNS_PARSE_OK && want != DNS_PARSE_TRAILING) {
		if (dns_parse_usable(got))
			t->lenient++;
		return;
	}
	t->compared++;
	char why[160];
	if (got != want) {
		print_error("%s packet %llu: libknot %s, dragnet %s\n", t->file,
		            (unsigned long long)m->packet_number, dns_parse_result_text(want),
		            dns_parse_result_text(got));
		t->mismatches++;
	} else if (!dns_messages_equal(&a, &b, why, sizeof(why))) {
		print_error("%s packet %llu: %s\n", t->file, (unsigned long long)m->packet_number,
		            why);
		t->mismatches++;
	}
}

static void compare_file(const char *path, struct tally *t)
{
	struct capture_config cfg;
	capture_config_default(&cfg);
	const uint16_t ports[] = {5353, 5355, 8053, 53000};
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		capture_config_add_port(&cfg, ports[i]);

	struct capture_input *in;
	struct dn_error err;
	if (capture_input_open_file(path, &in, &err) != DN_OK)
		return; /* the corpus holds deliberately unreadable files */
	struct capture_decoder *d = capture_decoder_new(&cfg, on_message, t);
	assert_non_null(d);
	t->file = path;
	int linktype = capture_input_linktype(in);
	const struct pcap_pkthdr *h;
	const uint8_t *data;
	uint64_t n = 0;
	while (capture_input_next(in, &h, &data, &err) == CAPTURE_NEXT_PACKET)
		capture_decode(d, linktype, data, h->caplen, h->len, h->ts.tv_sec,
		               (uint32_t)h->ts.tv_usec, ++n);
	capture_decoder_expire(d, INT64_MAX);
	capture_decoder_free(d);
	capture_input_close(in);
}

static void compare_folder(const char *folder, struct tally *t)
{
	DIR *dir = opendir(folder);
	if (dir == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", folder, e->d_name);
		if (e->d_type == DT_DIR)
			compare_folder(path, t);
		else if (strstr(e->d_name, ".pcap") != NULL)
			compare_file(path, t);
	}
	closedir(dir);
}

static void test_samples_agree(void **state)
{
	(void)state;
	const char *src = getenv("DRAGNET_SOURCE_DIR");
	assert_non_null(src);
	struct tally t = {.ours = dns_parser_new(), .answers_only = dns_parser_new(),
	                  .reference = knot_ref_parser_new()};
	char folder[4096];
	snprintf(folder, sizeof(folder), "%s/samples", src);
	compare_folder(folder, &t);
	print_message("samples: %zu messages compared\n", t.compared);
	/* The samples hold 1,316 responses and as many queries. */
	assert_true(t.compared > 2000);
	assert_int_equal(t.mismatches, 0);
	dns_parser_free(t.ours);
	dns_parser_free(t.answers_only);
	knot_ref_parser_free(t.reference);
}

static void test_corpus_agrees(void **state)
{
	(void)state;
	const char *corpus = getenv("DRAGNET_CORPUS");
	char folder[4096];
	snprintf(folder, sizeof(folder), "%s/pcap", corpus != NULL ? corpus : "");
	DIR *probe = corpus != NULL ? opendir(folder) : NULL;
	if (probe == NULL)
		skip();
	closedir(probe);

	struct tally t = {.ours = dns_parser_new(), .answers_only = dns_parser_new(),
	                  .reference = knot_ref_parser_new()};
	compare_folder(folder, &t);
	print_message("corpus: %zu messages compared, %zu that libknot rejects partly kept\n",
	              t.compared, t.lenient);
	/* 722 messages of the corpus captures parse in full with libknot 3.2. */
	assert_true(t.compared >= 722);
	assert_int_equal(t.mismatches, 0);
	dns_parser_free(t.ours);
	dns_parser_free(t.answers_only);
	knot_ref_parser_free(t.reference);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_agree),
		cmocka_unit_test(test_corpus_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
