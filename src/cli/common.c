/* Helpers shared by every command. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

bool cli_common_option(struct cli_common *common, int opt, const char *arg)
{
	switch (opt) {
	case CLI_OPT_STORE:
		common->store = arg;
		return true;
	case 'D':
		common->db = arg;
		return true;
	case 'v':
		common->verbosity++;
		return true;
	case 'q':
		common->verbosity--;
		return true;
	default:
		return false;
	}
}

void cli_setup_logging(const struct cli_common *common, bool stamps)
{
	int level = LOG_INFO + common->verbosity;
	if (level < LOG_ERROR)
		level = LOG_ERROR;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_setup((enum log_level)level, stamps);
}

int cli_exit_for(dn_status rc)
{
	switch (rc) {
	case DN_OK:
		return DN_EXIT_OK;
	case DN_EINVAL:
		return DN_EXIT_USAGE;
	case DN_EIO:
	case DN_EFORMAT:
	case DN_EMALF:
	case DN_ENOENT:
	case DN_EBUSY:
		return DN_EXIT_INPUT;
	case DN_ESTORE:
	case DN_ESCHEMA:
		return DN_EXIT_STORE;
	case DN_EINTR:
		return DN_EXIT_INTERRUPTED;
	default:
		return DN_EXIT_FAILURE;
	}
}

int cli_exit_for_store(dn_status rc)
{
	switch (rc) {
	case DN_ENOMEM:
		return DN_EXIT_FAILURE;
	case DN_EINTR:
		return DN_EXIT_INTERRUPTED;
	default:
		return DN_EXIT_STORE;
	}
}

/* The exit code for a failed store_open(). store_open() returns DN_EINVAL
 * for a malformed location (a bad port, an unknown parameter, a database
 * name that is not an identifier) and DN_ENOTSUP for an unknown scheme:
 * both are mistakes in the arguments or configuration, not in the store. */
static int open_exit_code(dn_status rc)
{
	if (rc == DN_EINVAL || rc == DN_ENOTSUP)
		return DN_EXIT_USAGE;
	return cli_exit_for_store(rc);
}

/* Open the store at location; origin is the setting it came from, or NULL. */
static int open_at(const char *location, const char *origin, enum store_mode mode,
                   const struct store_options *options, struct store **store, struct dn_error *err)
{
	dn_status rc = store_open(location, mode, options, store, err);
	if (rc == DN_OK)
		return DN_EXIT_OK;
	cli_scrub_secret(err->msg, sizeof(err->msg), location);
	int code = open_exit_code(rc);
	/* A location from the environment or the configuration file gets the
	 * setting that chose it in front. An option ("--store", "--db") needs
	 * none, because the user has just typed it. */
	if (code == DN_EXIT_USAGE && origin != NULL && strncmp(origin, "--", 2) != 0) {
		char msg[sizeof(err->msg)];
		int n = snprintf(msg, sizeof(msg), "%s: %s", origin, err->msg);
		if (n > 0)
			memcpy(err->msg, msg, sizeof(err->msg));
	}
	return code;
}

int cli_open_location(const char *location, enum store_mode mode,
                      const struct store_options *options, struct store **store)
{
	struct dn_error err;
	int code = open_at(location, NULL, mode, options, store, &err);
	if (code != DN_EXIT_OK)
		log_error("%s", err.msg);
	return code;
}

int cli_open_resolved(const struct cli_location *where, enum store_mode mode,
                      const struct store_options *options, struct store **store,
                      struct dn_error *err)
{
	char shown[CLI_LOCATION_MAX];
	cli_location_redact(where->location, shown, sizeof(shown));
	log_debug("store: %s (from %s)", shown, where->origin);
	return open_at(where->location, where->origin, mode, options, store, err);
}

int cli_open_store(const struct cli_common *common, enum store_mode mode,
                   const struct store_options *options, struct store **store)
{
	struct cli_location where;
	int code = cli_resolve_store(common, &where);
	if (code != DN_EXIT_OK)
		return code;
	struct dn_error err;
	code = cli_open_resolved(&where, mode, options, store, &err);
	if (code != DN_EXIT_OK)
		log_error("%s", err.msg);
	return code;
}

int cli_option_error(const char *command, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	if (opt == ':')
		return cli_usage_error(command, "option '%s' needs a value", arg);
	/* getopt_long() names the option in optopt when it was given a value
	 * it does not take, as in --again=1. */
	if (optopt != 0 && strncmp(arg, "--", 2) == 0 && strchr(arg, '=') != NULL)
		return cli_usage_error(command, "option '%.*s' takes no value", (int)strcspn(arg, "="),
		                       arg);
	if (optopt > 0 && optopt < 128)
		return cli_usage_error(command, "unknown option '-%c'", optopt);
	return cli_usage_error(command, "unknown or ambiguous option '%s'", arg);
}

int cli_finish_output(int code)
{
	if (fflush(stdout) != 0)
		log_error("cannot write the results to standard output: %s", strerror(errno));
	else if (ferror(stdout))
		log_error("cannot write the results to standard output: a write failed");
	else
		return code;
	return DN_EXIT_FAILURE;
}

bool cli_parse_uint(const char *text, unsigned long long max, unsigned long long *value)
{
	if (text == NULL || text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*value = v;
	return true;
}

bool cli_parse_size(const char *text, size_t *bytes)
{
	if (text == NULL || text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno != 0)
		return false;
	unsigned shift = 0;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	default:
		return false;
	}
	if (*end != '\0') {
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
	}
	if (*end != '\0' || v > (SIZE_MAX >> shift))
		return false;
	*bytes = (size_t)(v << shift);
	return true;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "dragnet %s: ", command);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'dragnet %s --help'.\n", command);
	va_end(ap);
	return DN_EXIT_USAGE;
}
