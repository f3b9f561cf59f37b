/* Command-line layer: one function per command, exit codes, shared helpers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "util/status.h"

/* Exit codes, documented in dragnet(1). */
enum cli_exit {
	DN_EXIT_OK = 0,
	DN_EXIT_NO_MATCH = 1,     /* a query ran and found nothing */
	DN_EXIT_USAGE = 2,        /* invalid command line */
	DN_EXIT_INPUT = 3,        /* one or more inputs could not be read; the others were */
	DN_EXIT_STORE = 4,        /* the database could not be opened, read or written */
	DN_EXIT_FAILURE = 5,      /* anything else: out of memory, capture device errors */
	DN_EXIT_PARTIAL = 6,      /* a lookup answered from part of a cluster (--partial) */
	DN_EXIT_LIVE = 7,         /* a live WHOIS or RDAP lookup failed or was throttled */
	DN_EXIT_INTERRUPTED = 130 /* stopped by SIGINT/SIGTERM before the input ended */
};

/* Options every command accepts. */
struct cli_common {
	const char *command; /* "pdns", for messages */
	const char *store;   /* --store LOCATION */
	const char *db;      /* --db PATH, the SQLite spelling of --store */
	int verbosity;       /* -v raises, -q lowers */
};

/* getopt_long() value of --store; commands number their own long-only
 * options from 256, well below it. */
#define CLI_OPT_STORE 1000

/* Long options shared by all commands; the short ones are "vq". */
#define CLI_COMMON_LONG                                                                            \
	{"store", required_argument, NULL, CLI_OPT_STORE}, {"db", required_argument, NULL, 'D'},   \
	        {"verbose", no_argument, NULL, 'v'},                                               \
	{                                                                                          \
		"quiet", no_argument, NULL, 'q'                                                    \
	}

/* Handle a shared option; false when opt is not one of them. */
bool cli_common_option(struct cli_common *common, int opt, const char *arg);

/* Apply verbosity to the logger; stamps adds timestamps (long-running commands). */
void cli_setup_logging(const struct cli_common *common, bool stamps);

/* Maximum length of a store location, terminator included. */
#define CLI_LOCATION_MAX 1024

/* A store location and the setting it came from. */
struct cli_location {
	char location[CLI_LOCATION_MAX];
	char origin[CLI_LOCATION_MAX + 16]; /* "--store", "DRAGNET_DB", "PATH:LINE" */
};

/* Choose the store: --store or --db, else $DRAGNET_STORE, else $DRAGNET_DB,
 * else "store" in the configuration file, else store_default_location().
 * The configuration file is $DRAGNET_CONFIG, else
 * $XDG_CONFIG_HOME/dragnet/config, else ~/.config/dragnet/config, and it is
 * read and checked whichever setting decides. Returns an exit code after
 * printing any error: DN_EXIT_USAGE for options, environment or a
 * configuration file in error. */
int cli_resolve_store(const struct cli_common *common, struct cli_location *out);

/* Write location to out with the password of "scheme://user:password@"
 * replaced by "***". out is cut to size. This function can't fail. */
void cli_location_redact(const char *location, char *out, size_t size);

/* Replace, in place, the password of location wherever msg repeats it as
 * ":password@". */
void cli_scrub_secret(char *msg, size_t size, const char *location);

/* Open the store at location. On failure, print the error, with any
 * password hidden, and return an exit code: DN_EXIT_USAGE when the
 * location is malformed or names an unknown scheme, DN_EXIT_FAILURE when
 * memory runs out, else DN_EXIT_STORE. */
int cli_open_location(const char *location, enum store_mode mode,
                      const struct store_options *options, struct store **store);

/* Open the store that cli_resolve_store() chose, as cli_open_location()
 * does, but print nothing: on failure err holds the message, with any
 * password hidden. A malformed location that came from the environment or
 * the configuration file has its origin ("DRAGNET_STORE", "PATH:LINE") in
 * front of the message. */
int cli_open_resolved(const struct cli_location *where, enum store_mode mode,
                      const struct store_options *options, struct store **store,
                      struct dn_error *err);

/* Resolve the store with cli_resolve_store() and open it; on failure,
 * print the error and return the exit code of cli_open_resolved(). */
int cli_open_store(const struct cli_common *common, enum store_mode mode,
                   const struct store_options *options, struct store **store);

/* Map a status to an exit code. */
int cli_exit_for(dn_status rc);

/* Map the status of a failed operation on an open store to an exit code:
 * DN_EXIT_FAILURE when memory ran out, DN_EXIT_INTERRUPTED for a signal,
 * else DN_EXIT_STORE. */
int cli_exit_for_store(dn_status rc);

/* Parse "512M", "2G", "1048576" (bytes; K/M/G/T are powers of 1024). */
bool cli_parse_size(const char *text, size_t *bytes);

/* Parse an unsigned decimal number no larger than max. */
bool cli_parse_uint(const char *text, unsigned long long max, unsigned long long *value);

/* Print "dragnet COMMAND: message" and a hint to run --help; returns DN_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Flush standard output; when that or an earlier write failed (a full disk),
 * log it and return DN_EXIT_FAILURE, else code. */
int cli_finish_output(int code);

/* The usage error for what getopt_long() returned as opt, '?' or ':' (the
 * option strings start with ':' and opterr is 0, so getopt prints nothing). */
int cli_option_error(const char *command, int opt, char **argv);

/* Choose the API keys file of dragnet serve and apikey: keys when given,
 * else the SQLite store's path with ".keys" appended. Returns an exit code
 * after printing any error; a store that is not a file needs --keys. */
int cli_keys_path(const struct cli_common *common, const char *keys, char *out, size_t size);

int cmd_ingest(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_pdns(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_whois(int argc, char **argv);
int cmd_registrants(int argc, char **argv);
int cmd_asn(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_apikey(int argc, char **argv);
/* dragnet cert patterns (cert_patterns.c); argv[0] is "patterns". */
int cert_patterns_main(int argc, char **argv);
/* dragnet cert grab (cert_grab.c); argv[0] is "grab". */
int cert_grab_main(int argc, char **argv);
