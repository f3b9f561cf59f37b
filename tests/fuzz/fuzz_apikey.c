/* libFuzzer target: the API keys file parser and key checking. The input is
 * the text of a keys file; its last line is also presented as a key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/apikey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const char *text, size_t len)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	return lines;
}

/* Every parsed key formats to a line that parses back to the same key. */
static void check_round_trip(const struct apikey_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		char line[APIKEY_LINE_MAX];
		struct dn_error err;
		if (apikey_format(&set->keys[i], line, sizeof(line), &err) != DN_OK)
			abort();
		struct apikey_set again = {0};
		unsigned lineno;
		if (apikey_parse(line, strlen(line), &again, &lineno, &err) != DN_OK || again.n != 1 ||
		    memcmp(&again.keys[0], &set->keys[i], sizeof(struct apikey)) != 0)
			abort();
		apikey_set_free(&again);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct apikey_set set = {0};
	unsigned line;
	struct dn_error err;
	dn_status rc = apikey_parse(text, size, &set, &line, &err);
	if (rc != DN_OK && (rc != DN_EMALF || line == 0 || line > count_lines(text, size) ||
	                    err.msg[0] == '\0'))
		abort();
	if (rc == DN_OK && line != 0)
		abort();
	check_round_trip(&set);

	/* Present the text after the last line end as a key, and as a key with
	 * a Basic user name. */
	const char *last = text;
	for (size_t i = 0; i < size; i++) {
		if (text[i] == '\n')
			last = text + i + 1;
	}
	size_t n = size - (size_t)(last - text);
	char *presented = malloc(n + 1);
	if (presented == NULL)
		abort();
	memcpy(presented, last, n);
	presented[n] = '\0';
	const struct apikey *match;
	enum apikey_result result = apikey_check(&set, presented, NULL, &match);
	if ((result == APIKEY_MALFORMED || result == APIKEY_UNKNOWN) != (match == NULL))
		abort();
	if (result == APIKEY_OK && (match->revoked != 0 || strncmp(presented, match->id,
	                                                           APIKEY_ID_HEX) != 0))
		abort();
	apikey_check(&set, presented, "user", &match);
	free(presented);
	apikey_set_free(&set);
	return 0;
}
