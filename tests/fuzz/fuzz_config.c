/* libFuzzer target: the configuration file parser and the hiding of store
 * passwords. The input is the text of a configuration file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const char *text, size_t len)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	return lines;
}

static void check_config(const char *text, size_t len)
{
	static struct cli_config config, again;
	unsigned line, line_again;
	struct dn_error err, err_again;
	dn_status rc = cli_config_parse(text, len, &config, &line, &err);

	/* The parser keeps no state between calls. */
	dn_status rc_again = cli_config_parse(text, len, &again, &line_again, &err_again);
	if (rc != rc_again || line != line_again || memcmp(&config, &again, sizeof(config)) != 0)
		abort();

	if (rc != DN_OK) {
		if (rc != DN_EINVAL || line == 0 || line > count_lines(text, len) || err.msg[0] == '\0')
			abort();
		return;
	}
	if (line != 0 || config.nunknown > CLI_CONFIG_UNKNOWN_MAX ||
	    config.unknown_total < config.nunknown)
		abort();
	for (size_t i = 0; i < config.nunknown; i++) {
		if (config.unknown[i].line == 0 || memchr(config.unknown[i].key, '\0',
		                                          sizeof(config.unknown[i].key)) == NULL)
			abort();
	}
	size_t store_len = strnlen(config.store, sizeof(config.store));
	if (store_len == sizeof(config.store) || (store_len > 0) != (config.store_line != 0))
		abort();
}

/* Redacting twice changes nothing more than redacting once. */
static void check_redact(const char *text)
{
	static char once[CLI_LOCATION_MAX], twice[CLI_LOCATION_MAX];
	cli_location_redact(text, once, sizeof(once));
	cli_location_redact(once, twice, sizeof(twice));
	if (strcmp(once, twice) != 0)
		abort();

	char msg[512];
	strncpy(msg, text, sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	cli_scrub_secret(msg, sizeof(msg), text);
	if (memchr(msg, '\0', sizeof(msg)) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_config((const char *)data, size);

	char *text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	check_redact(text);
	free(text);
	return 0;
}
