/* The configuration file: "key = value" lines parsed into settings. */
#include "cli/config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "store/store.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool is_scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '-' || c == '.';
}

/* Check a store location the configuration file sets. A relative path
 * would depend on the folder a command happens to run in. A URL is parsed
 * as store_open() parses it, so that a mistake in it shows even while an
 * option or the environment chooses another store. */
static dn_status check_store_location(const char *value, struct dn_error *err)
{
	if (strncasecmp(value, "clickhouse://", 13) == 0)
		return store_check_location(value, err);
	const char *scheme_end = strstr(value, "://");
	if (scheme_end != NULL) {
		size_t scheme_len = (size_t)(scheme_end - value);
		bool named = scheme_len > 0 && scheme_len <= 32;
		for (size_t i = 0; named && i < scheme_len; i++)
			named = is_scheme_char(value[i]);
		/* Text before "://" that is not a scheme name could be part of a
		 * password, so it is not repeated. */
		if (!named)
			return dn_fail(
			        err, DN_EINVAL,
			        "store is not a valid URL; use an absolute path, sqlite:/PATH "
			        "or clickhouse://HOST:PORT/DATABASE");
		return dn_fail(err, DN_EINVAL,
		               "store has the unsupported scheme '%.*s://'; use an absolute path, "
		               "sqlite:/PATH or clickhouse://HOST:PORT/DATABASE",
		               (int)scheme_len, value);
	}
	if (strncasecmp(value, "sqlite:", 7) == 0)
		value += 7;
	if (value[0] != '/')
		return dn_fail(err, DN_EINVAL,
		               "store must be an absolute path, sqlite:/PATH or a URL such as "
		               "clickhouse://HOST:PORT/DATABASE");
	return DN_OK;
}

/* Check and store one "key = value" line of len bytes, blanks trimmed. */
static dn_status parse_setting(const char *text, size_t len, unsigned line,
                               struct cli_config *config, struct dn_error *err)
{
	size_t key_len = 0;
	while (key_len < len && is_key_char(text[key_len]))
		key_len++;
	size_t pos = key_len;
	while (pos < len && is_blank(text[pos]))
		pos++;
	if (pos == len || text[pos] != '=')
		return dn_fail(err, DN_EINVAL,
		               key_len == 0 ? "expected 'key = value' (a key is letters, digits, "
		                              "'_' and '-')"
		                            : "expected 'key = value'");
	if (key_len == 0)
		return dn_fail(err, DN_EINVAL, "missing key before '='");
	pos++;
	while (pos < len && is_blank(text[pos]))
		pos++;
	const char *value = text + pos;
	size_t value_len = len - pos;

	if (key_len != 5 || memcmp(text, "store", 5) != 0) {
		config->unknown_total++;
		if (config->nunknown < CLI_CONFIG_UNKNOWN_MAX) {
			size_t keep = key_len < sizeof(config->unknown[0].key) - 1
			                      ? key_len
			                      : sizeof(config->unknown[0].key) - 1;
			config->unknown[config->nunknown].line = line;
			memcpy(config->unknown[config->nunknown].key, text, keep);
			config->unknown[config->nunknown].key[keep] = '\0';
			config->nunknown++;
		}
		return DN_OK;
	}

	if (config->store_line != 0)
		return dn_fail(err, DN_EINVAL, "store is set twice, here and on line %u",
		               config->store_line);
	if (value_len == 0)
		return dn_fail(err, DN_EINVAL, "store has no value");
	if (value_len >= sizeof(config->store))
		return dn_fail(err, DN_EINVAL, "store value is longer than %zu bytes",
		               sizeof(config->store) - 1);
	memcpy(config->store, value, value_len);
	config->store[value_len] = '\0';
	dn_status rc = check_store_location(config->store, err);
	if (rc != DN_OK)
		return rc;
	config->store_line = line;
	return DN_OK;
}

dn_status cli_config_parse(const char *text, size_t len, struct cli_config *config, unsigned *line,
                           struct dn_error *err)
{
	memset(config, 0, sizeof(*config));
	*line = 0;

	/* A UTF-8 byte order mark, as some editors write, is not part of the
	 * first key. */
	size_t pos = 0;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;

	while (pos < len) {
		const char *start = text + pos;
		const char *newline = memchr(start, '\n', len - pos);
		size_t line_len = newline != NULL ? (size_t)(newline - start) : len - pos;
		pos += line_len + (newline != NULL ? 1 : 0);
		++*line;

		if (memchr(start, '\0', line_len) != NULL)
			return dn_fail(err, DN_EINVAL, "a NUL byte: this is not a text file");
		if (line_len > 0 && start[line_len - 1] == '\r')
			line_len--;
		while (line_len > 0 && is_blank(*start)) {
			start++;
			line_len--;
		}
		while (line_len > 0 && is_blank(start[line_len - 1]))
			line_len--;
		if (line_len == 0 || start[0] == '#')
			continue;

		dn_status rc = parse_setting(start, line_len, *line, config, err);
		if (rc != DN_OK)
			return rc;
	}
	*line = 0;
	return DN_OK;
}
