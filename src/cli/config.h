/* The configuration file: "key = value" lines parsed into settings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/* Maximum length of a setting's value, terminator included. */
#define CLI_CONFIG_VALUE_MAX 1024

/* Unknown keys kept for warnings; more are counted but not kept. */
#define CLI_CONFIG_UNKNOWN_MAX 8

struct cli_config {
	char store[CLI_CONFIG_VALUE_MAX]; /* "" when the file sets none */
	unsigned store_line;              /* line that set it, 1-based; 0 when none did */
	struct {
		unsigned line;
		char key[64];                 /* cut to fit */
	} unknown[CLI_CONFIG_UNKNOWN_MAX];
	size_t nunknown;                  /* entries of unknown[] in use */
	size_t unknown_total;             /* all lines with an unknown key */
};

/*
 * Parse the text of a configuration file (len bytes, not NUL-terminated)
 * into config. Lines end in LF or CRLF. Blank lines and lines whose first
 * non-blank character is '#' are skipped. Every other line is
 * "key = value": the key is letters, digits, '_' and '-'; the value is the
 * rest of the line without surrounding blanks, taken literally (quotes and
 * '#' are part of it). The one key known is "store", and it may appear
 * once. Its value is an absolute path, "sqlite:" and an absolute path, or a
 * clickhouse:// URL that store_open() would accept. Unknown keys are listed
 * in config for the caller to warn about.
 *
 * Returns DN_OK, or DN_EINVAL with *line set to the 1-based line at fault
 * and err holding a message without the file name (the caller adds it).
 * A message repeats a clickhouse:// URL only with its password replaced by
 * "***", and no other value. This function does no I/O and can fail only
 * on malformed text.
 */
dn_status cli_config_parse(const char *text, size_t len, struct cli_config *config,
                           unsigned *line, struct dn_error *err);
