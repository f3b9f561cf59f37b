/* dragnet serve: the HTTP API and web view over the store. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "server/server.h"
#include "util/log.h"

#define SERVE_LISTEN "127.0.0.1:8053"
#define SERVE_MAX_BODY ((size_t)1 << 20)
#define SERVE_MAX_RESULTS 10000
#define SERVE_TIMEOUT_S 30
#define SERVE_MAX_CONNECTIONS 1024
#define SERVE_QUERY_TIMEOUT_MS 10000

static const char serve_usage[] =
	"Usage: dragnet serve [OPTION]...\n"
	"Serve the store over HTTP: a JSON API for pdns, whois, cert, asn and map, the\n"
	"DNSDB API v2 and CIRCL passive DNS APIs for existing clients, and a web view.\n"
	"Every request needs an API key (dragnet apikey add) unless --open-read lets\n"
	"reads through without one. Runs until SIGINT or SIGTERM, then stops accepting\n"
	"connections, waits up to 5 s for the requests in flight and exits. SIGHUP\n"
	"reloads the keys file, which is also reloaded within a second of a change.\n"
	"\n"
	"      --listen ADDR:PORT   numeric address to listen on, IPv6 in brackets\n"
	"                           (default " SERVE_LISTEN "; port 0 picks a free port)\n"
	"      --tls-cert FILE      serve HTTPS with this PEM certificate (chain) ...\n"
	"      --tls-key FILE       ... and this PEM private key\n"
	"      --keys FILE          the API keys file (default: the SQLite store's path\n"
	"                           with '.keys' appended; required for ClickHouse)\n"
	"      --open-read          serve reads without a key; writes still need one\n"
	"      --max-body SIZE      largest request body, in bytes or with K, M, G, T\n"
	"                           (default 1M); larger gets 413\n"
	"      --max-results N      records one lookup returns at most (default 10000)\n"
	"      --timeout S          seconds a client has to send a whole request, and\n"
	"                           that an idle connection stays open (default 30)\n"
	"      --max-connections N  connections open at once (default 1024); more are\n"
	"                           closed at once, and the log counts them\n"
	"      --query-timeout MS   milliseconds a lookup may run before it is stopped\n"
	"                           and answered 503 (default 10000; ClickHouse before\n"
	"                           22.6 takes whole seconds, so it stops up to a\n"
	"                           second later)\n"
	"      --web-root DIR       folder of the web view's built files (default: the\n"
	"                           one set at build time with -DDRAGNET_WEB_ROOT)\n"
	"      --store LOCATION     SQLite file, sqlite:PATH or clickhouse://HOST:PORT/DB\n"
	"                           (default $DRAGNET_STORE, else $DRAGNET_DB, else the\n"
	"                           config file, else $XDG_DATA_HOME/dragnet/dragnet.db)\n"
	"      --db PATH            SQLite file; the same as --store PATH\n"
	"  -v, --verbose            log every request (debug level)\n"
	"  -q, --quiet              log warnings and errors only (the URL served is\n"
	"                           still printed on standard output)\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: 0 stopped by SIGINT or SIGTERM, 2 invalid arguments, no valid\n"
	"key without --open-read, or an unusable TLS file (unreadable, not PEM, or a\n"
	"key that does not match the certificate), 3 the keys file is malformed,\n"
	"4 store missing or unreadable, 5 other failure (the address is in use).\n";

enum {
	OPT_LISTEN = 256,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_KEYS,
	OPT_OPEN_READ,
	OPT_MAX_BODY,
	OPT_MAX_RESULTS,
	OPT_TIMEOUT,
	OPT_MAX_CONNECTIONS,
	OPT_WEB_ROOT,
	OPT_QUERY_TIMEOUT,
};

/* Parse a numeric option value no larger than max into *out. */
static bool parse_number(const char *option, const char *text, unsigned long long max,
                         unsigned long long *out, int *code)
{
	if (cli_parse_uint(text, max, out) && *out > 0)
		return true;
	*code = cli_usage_error("serve", "%s '%s': expected a whole number from 1 to %llu",
	                        option, text, max);
	return false;
}

/* Parse the options into config and the other out-parameters; returns -1
 * to go on, else the exit code to return. */
static int parse_options(int argc, char **argv, struct cli_common *common,
                         struct server_config *config, const char **keys)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"tls-cert", required_argument, NULL, OPT_TLS_CERT},
		{"tls-key", required_argument, NULL, OPT_TLS_KEY},
		{"keys", required_argument, NULL, OPT_KEYS},
		{"open-read", no_argument, NULL, OPT_OPEN_READ},
		{"max-body", required_argument, NULL, OPT_MAX_BODY},
		{"max-results", required_argument, NULL, OPT_MAX_RESULTS},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
		{"web-root", required_argument, NULL, OPT_WEB_ROOT},
		{"query-timeout", required_argument, NULL, OPT_QUERY_TIMEOUT},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	int opt, code = DN_EXIT_USAGE;
	unsigned long long n;
	while ((opt = getopt_long(argc, argv, ":hvq", longopts, NULL)) != -1) {
		if (cli_common_option(common, opt, optarg))
			continue;
		switch (opt) {
		case OPT_LISTEN:
			config->listen = optarg;
			break;
		case OPT_TLS_CERT:
			config->cert_file = optarg;
			break;
		case OPT_TLS_KEY:
			config->key_file = optarg;
			break;
		case OPT_KEYS:
			*keys = optarg;
			break;
		case OPT_OPEN_READ:
			config->open_read = true;
			break;
		case OPT_MAX_BODY:
			if (!cli_parse_size(optarg, &config->limits.max_body) ||
			    config->limits.max_body == 0)
				return cli_usage_error("serve", "--max-body '%s': expected a size of at "
				                                "least 1 byte, such as 65536, 64K or 1M",
				                       optarg);
			break;
		case OPT_MAX_RESULTS:
			if (!parse_number("--max-results", optarg, 1000000000, &n, &code))
				return code;
			config->limits.max_results = n;
			break;
		case OPT_TIMEOUT:
			if (!parse_number("--timeout", optarg, 86400, &n, &code))
				return code;
			config->limits.timeout_s = (unsigned)n;
			break;
		case OPT_MAX_CONNECTIONS:
			if (!parse_number("--max-connections", optarg, 65536, &n, &code))
				return code;
			config->limits.max_connections = (unsigned)n;
			break;
		case OPT_WEB_ROOT:
			config->web_root = optarg;
			break;
		case OPT_QUERY_TIMEOUT:
			if (!parse_number("--query-timeout", optarg, 86400000, &n, &code))
				return code;
			config->limits.query_timeout_ms = (unsigned)n;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error("serve", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if ((config->cert_file == NULL) != (config->key_file == NULL))
		return cli_usage_error("serve", "HTTPS needs both --tls-cert and --tls-key");
	return -1;
}

int cmd_serve(int argc, char **argv)
{
	struct cli_common common = {.command = "serve"};
	struct server_config config = {
		.listen = SERVE_LISTEN,
		.limits = {
			.max_body = SERVE_MAX_BODY,
			.max_results = SERVE_MAX_RESULTS,
			.timeout_s = SERVE_TIMEOUT_S,
			.query_timeout_ms = SERVE_QUERY_TIMEOUT_MS,
			.max_connections = SERVE_MAX_CONNECTIONS,
		},
	};
	const char *keys = NULL;
	int code = parse_options(argc, argv, &common, &config, &keys);
	if (code >= 0)
		return code;
	cli_setup_logging(&common, true);

	/* Open the store once here, so that a missing or unreadable one stops
	 * the server at start rather than failing every request. */
	struct cli_location where;
	code = cli_resolve_store(&common, &where);
	if (code != DN_EXIT_OK)
		return code;
	struct store *store;
	struct dn_error err;
	code = cli_open_resolved(&where, STORE_READ, NULL, &store, &err);
	if (code != DN_EXIT_OK) {
		log_error("%s", err.msg);
		return code;
	}
	store_close(store);
	config.store_location = where.location;

	/* The web view's files are read per request, so a wrong folder would
	 * otherwise show only as 404 responses. */
	struct stat web_stat;
	if (config.web_root != NULL && stat(config.web_root, &web_stat) != 0)
		log_warn("--web-root %s: %s; the web view responds 404 until it exists",
		         config.web_root, strerror(errno));
	else if (config.web_root != NULL && !S_ISDIR(web_stat.st_mode))
		log_warn("--web-root %s: not a directory; the web view responds 404", config.web_root);

	char keys_path[CLI_LOCATION_MAX + 8];
	code = cli_keys_path(&common, keys, keys_path, sizeof(keys_path));
	if (code != DN_EXIT_OK)
		return code;
	config.keys_file = keys_path;

	dn_status rc = server_run(&config, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		if (rc == DN_EMALF)
			return DN_EXIT_INPUT;
		return rc == DN_EIO ? DN_EXIT_FAILURE : cli_exit_for(rc);
	}
	return DN_EXIT_OK;
}
