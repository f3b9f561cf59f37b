/* Choosing the store: command line, environment, configuration file or the
 * default location; and keeping the password of a store URL out of output. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/config.h"
#include "util/log.h"

/* Maximum size of a configuration file, in bytes; a real one is a few lines. */
#define CONFIG_MAX_BYTES (1 << 20)

static bool is_url(const char *location)
{
	return strstr(location, "://") != NULL;
}

/* ---- Hiding passwords ---- */

/* Append n bytes of text to out, which contains *len bytes, cutting at size. */
static void append(char *out, size_t size, size_t *len, const char *text, size_t n)
{
	if (*len + 1 >= size)
		return;
	size_t room = size - 1 - *len;
	if (n > room)
		n = room;
	memcpy(out + *len, text, n);
	*len += n;
	out[*len] = '\0';
}

/* The password of "scheme://user:password@host...", as a span of location;
 * false when it has none. */
static bool userinfo_password(const char *location, const char **start, size_t *len)
{
	const char *scheme = strstr(location, "://");
	if (scheme == NULL)
		return false;
	/* The user information ends at the last '@', so that a password with
	 * an unencoded '/', '?', '#' or '@' is still hidden whole. An '@' in a
	 * parameter value hides more than needed, never less. */
	const char *authority = scheme + 3;
	const char *at = strrchr(authority, '@');
	if (at == NULL)
		return false;
	const char *colon = memchr(authority, ':', (size_t)(at - authority));
	if (colon == NULL)
		return false;
	*start = colon + 1;
	*len = (size_t)(at - *start);
	return true;
}

void cli_location_redact(const char *location, char *out, size_t size)
{
	if (size == 0)
		return;
	out[0] = '\0';
	size_t len = 0;
	const char *password;
	size_t password_len;
	if (userinfo_password(location, &password, &password_len)) {
		append(out, size, &len, location, (size_t)(password - location));
		append(out, size, &len, "***", 3);
		location = password + password_len;
	}
	append(out, size, &len, location, strlen(location));
}

/* Replace every ":SECRET@" in msg with ":***@". */
static void replace_secret(char *msg, size_t size, const char *secret, size_t secret_len)
{
	if (secret_len == 0)
		return;
	char needle[CLI_LOCATION_MAX + 2];
	if (secret_len + 2 >= sizeof(needle))
		return;
	needle[0] = ':';
	memcpy(needle + 1, secret, secret_len);
	needle[secret_len + 1] = '@';
	needle[secret_len + 2] = '\0';

	char out[1024];
	size_t len = 0;
	out[0] = '\0';
	const char *p = msg;
	const char *hit;
	while ((hit = strstr(p, needle)) != NULL) {
		append(out, sizeof(out), &len, p, (size_t)(hit - p));
		append(out, sizeof(out), &len, ":***@", 5);
		p = hit + secret_len + 2;
	}
	append(out, sizeof(out), &len, p, strlen(p));
	snprintf(msg, size, "%s", out);
}

/* NOTE: this finds the password as written in the location. A backend
 * that prints it percent-decoded, or on its own, is not caught here. */
void cli_scrub_secret(char *msg, size_t size, const char *location)
{
	const char *password;
	size_t len;
	if (userinfo_password(location, &password, &len))
		replace_secret(msg, size, password, len);
}

/* ---- The configuration file ---- */

/* The configuration file's path: $DRAGNET_CONFIG, else under
 * $XDG_CONFIG_HOME or ~/.config. *named is set when DRAGNET_CONFIG named it.
 * False when there is no home directory to look in. */
static bool config_path(char *out, size_t size, bool *named)
{
	const char *env = getenv("DRAGNET_CONFIG");
	*named = env != NULL && env[0] != '\0';
	int n;
	if (*named) {
		n = snprintf(out, size, "%s", env);
	} else {
		/* The XDG base directory rules ignore a relative XDG_CONFIG_HOME. */
		const char *config_home = getenv("XDG_CONFIG_HOME");
		if (config_home != NULL && config_home[0] == '/') {
			n = snprintf(out, size, "%s/dragnet/config", config_home);
		} else {
			const char *home = getenv("HOME");
			if (home == NULL || home[0] == '\0') {
				struct passwd *pw = getpwuid(getuid());
				home = pw != NULL ? pw->pw_dir : NULL;
			}
			if (home == NULL)
				return false;
			n = snprintf(out, size, "%s/.config/dragnet/config", home);
		}
	}
	return n > 0 && (size_t)n < size;
}

/* Read the whole file at path into a new buffer (caller frees); NULL with
 * errno set on failure, EFBIG when it is larger than CONFIG_MAX_BYTES. */
static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	char *text = malloc(CONFIG_MAX_BYTES + 1);
	if (text == NULL) {
		fclose(fp);
		errno = ENOMEM;
		return NULL;
	}
	*len = fread(text, 1, CONFIG_MAX_BYTES + 1, fp);
	int failed = ferror(fp) ? errno : 0;
	fclose(fp);
	if (failed != 0 || *len > CONFIG_MAX_BYTES) {
		free(text);
		errno = failed != 0 ? failed : EFBIG;
		return NULL;
	}
	return text;
}

/* Read and parse the configuration file into config, with warnings for
 * unknown keys. A missing file that DRAGNET_CONFIG did not name leaves
 * config empty. Returns an exit code after printing any error. */
static int load_config(struct cli_config *config, char *path, size_t path_size)
{
	memset(config, 0, sizeof(*config));
	bool named;
	if (!config_path(path, path_size, &named)) {
		path[0] = '\0';
		return DN_EXIT_OK;
	}

	size_t len = 0;
	char *text = read_file(path, &len);
	if (text == NULL) {
		if (errno == ENOENT && !named)
			return DN_EXIT_OK;
		log_error("cannot read the configuration file %s: %s%s", path,
		          errno == EFBIG ? "larger than 1 MiB" : strerror(errno),
		          named ? " (named by DRAGNET_CONFIG)" : "");
		return DN_EXIT_USAGE;
	}

	unsigned line;
	struct dn_error err;
	dn_status rc = cli_config_parse(text, len, config, &line, &err);
	free(text);
	if (rc != DN_OK) {
		log_error("%s:%u: %s", path, line, err.msg);
		return DN_EXIT_USAGE;
	}
	for (size_t i = 0; i < config->nunknown; i++)
		log_warn("%s:%u: unknown key '%s' ignored", path, config->unknown[i].line,
		         config->unknown[i].key);
	if (config->unknown_total > config->nunknown)
		log_warn("%s: %zu more lines with unknown keys ignored", path,
		         config->unknown_total - config->nunknown);
	return DN_EXIT_OK;
}

/* ---- Precedence ---- */

static int set_location(struct cli_location *out, const char *location, const char *origin)
{
	int n = snprintf(out->location, sizeof(out->location), "%s", location);
	snprintf(out->origin, sizeof(out->origin), "%s", origin);
	if (n < 0 || (size_t)n >= sizeof(out->location)) {
		log_error("store location from %s is longer than %zu bytes", origin,
		          sizeof(out->location) - 1);
		return DN_EXIT_USAGE;
	}
	return DN_EXIT_OK;
}

int cli_resolve_store(const struct cli_common *common, struct cli_location *out)
{
	const char *command = common->command != NULL ? common->command : "";
	if (common->store != NULL && common->db != NULL)
		return cli_usage_error(command, "give either --store or --db, not both (--db PATH "
		                                "is the same as --store PATH)");
	if (common->store != NULL && common->store[0] == '\0')
		return cli_usage_error(command, "--store needs a location; leave it out for the "
		                                "default store");
	if (common->db != NULL && common->db[0] == '\0')
		return cli_usage_error(command, "--db needs a path; leave it out for the default "
		                                "database");
	if (common->db != NULL && is_url(common->db))
		return cli_usage_error(command, "--db takes a file path; give a store URL with "
		                                "--store");

	/* The file is read even when a setting above it decides, so that a
	 * broken file is reported at once rather than when it is first needed. */
	struct cli_config config;
	char path[CLI_LOCATION_MAX];
	int code = load_config(&config, path, sizeof(path));
	if (code != DN_EXIT_OK)
		return code;

	if (common->store != NULL)
		return set_location(out, common->store, "--store");
	if (common->db != NULL)
		return set_location(out, common->db, "--db");
	const char *env = getenv("DRAGNET_STORE");
	if (env != NULL && env[0] != '\0')
		return set_location(out, env, "DRAGNET_STORE");
	env = getenv("DRAGNET_DB");
	if (env != NULL && env[0] != '\0') {
		if (is_url(env)) {
			log_error("DRAGNET_DB takes a file path; set DRAGNET_STORE to use a store URL");
			return DN_EXIT_USAGE;
		}
		return set_location(out, env, "DRAGNET_DB");
	}
	if (config.store_line != 0) {
		char origin[CLI_LOCATION_MAX + 16];
		snprintf(origin, sizeof(origin), "%s:%u", path, config.store_line);
		return set_location(out, config.store, origin);
	}

	char fallback[CLI_LOCATION_MAX];
	struct dn_error err;
	if (store_default_location(fallback, sizeof(fallback), &err) != DN_OK) {
		log_error("%s", err.msg);
		return DN_EXIT_STORE;
	}
	return set_location(out, fallback, "the default location");
}
