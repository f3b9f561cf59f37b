/* dragnet ingest and dragnet capture: read DNS traffic into the store. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/ingest_cert.h"
#include "ingest/ingest.h"
#include "util/interrupt.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char ingest_usage[] =
	"Usage: dragnet ingest [OPTION]... FILE...\n"
	"Read DNS traffic, sensor logs and other providers' exports into the\n"
	"passive-DNS store.\n"
	"\n"
	"FILE is a pcap or pcapng capture; dnstap (Frame Streams, or one message); a\n"
	"Zeek dns.log (TSV or JSON), Suricata eve.json or passivedns log; or passive\n"
	"DNS in COF (one JSON object a line) or DNSDB SAF. Any of them may be gzip or\n"
	"zstd compressed. Certificate files (PEM single, bundle or chain; DER; CT\n"
	"get-entries JSON; crt.sh JSON exports) go to the certificate store, where\n"
	"dragnet cert searches them. The format is taken from the content, never the\n"
	"name; '-' reads standard input. Certificates are detected in regular files\n"
	"only; from standard input or a pipe, name their format with --format.\n"
	"\n"
	"  -s, --source NAME     record every FILE as seen by source NAME (a sensor or\n"
	"                        provider; no control or bidirectional characters,\n"
	"                        not blank); default: each\n"
	"                        file is its own source, named after it\n"
	"      --format NAME     read text input as NAME: zeek-tsv, zeek-json, eve,\n"
	"                        passivedns, cof or saf; or every FILE as certificates\n"
	"                        in NAME: pem, der, ct (get-entries JSON) or crtsh\n"
	"                        (default: detect it)\n"
	"  -m, --max-memory SIZE memory for aggregation, reassembly and database cache\n"
	"                        together, e.g. 256M or 2G (default 512M); a certificate\n"
	"                        file is read whole, and one that needs more is rejected\n"
	"  -p, --port PORT       decode DNS on PORT instead of 53; repeat for more ports\n"
	"      --mdns            also read multicast DNS (port 5353)\n"
	"      --llmnr           also read LLMNR (port 5355)\n"
	"      --match-queries   keep only responses whose query was seen in the capture\n"
	"  -F, --flush-interval S write to the store every S seconds as well as at the\n"
	"                        end of each file and when memory runs short\n"
	"      --flush-records N write whenever N distinct records are held\n"
	"  -n, --dry-run         decode and aggregate, but write nothing\n"
	"      --again           read files that were ingested before (same path, size and\n"
	"                        modification time) from the start; without it they are\n"
	"                        skipped, or resumed after the last stored packet, line\n"
	"                        or certificate\n"
	"      --store LOCATION  SQLite file, sqlite:PATH or clickhouse://HOST:PORT/DB\n"
	"                        (default $DRAGNET_STORE, else $DRAGNET_DB, else the\n"
	"                        config file, else $XDG_DATA_HOME/dragnet/dragnet.db)\n"
	"      --db PATH         SQLite file; the same as --store PATH\n"
	"  -v, --verbose         more detail; -q, --quiet: warnings and errors only\n"
	"  -h, --help            show this help\n"
	"\n"
	"Damaged packets, frames and lines are counted and skipped, the first five of\n"
	"each file named (malformed certificates: the first 20); an unreadable file,\n"
	"or a certificate file of which nothing could be stored, is reported and the\n"
	"other files are still read. Everything aggregated is written when a file ends,\n"
	"when memory runs short and on SIGINT/SIGTERM (which stop reading at once but\n"
	"let a write that has begun finish).\n"
	"Exit status: 0 all read, 2 invalid arguments or configuration file, 3 some\n"
	"input unreadable or being ingested by another process, 4 store error, 5 other\n"
	"failure (out of memory), 130 interrupted; see dragnet(1).\n";

static const char capture_usage[] =
	"Usage: dragnet capture -i IFACE [OPTION]...\n"
	"       dragnet capture --dnstap unix:PATH|tcp:HOST:PORT [OPTION]...\n"
	"Capture DNS traffic on a network interface, or receive dnstap from resolvers\n"
	"and servers, into the passive-DNS store until SIGINT or SIGTERM, which write\n"
	"everything aggregated so far and exit.\n"
	"\n"
	"  -i, --interface IFACE   interface to capture on (needs root or CAP_NET_RAW)\n"
	"      --dnstap ADDRESS    listen for dnstap (bidirectional Frame Streams) on a\n"
	"                          Unix socket (unix:PATH, created; an old socket file\n"
	"                          there is replaced) or TCP (tcp:127.0.0.1:PORT,\n"
	"                          tcp:[::1]:PORT); any number of senders may connect\n"
	"      --dnstap-mode MODE  permissions of the Unix socket, in octal (e.g. 660;\n"
	"                          default: from the umask)\n"
	"      --dnstap-group NAME group of the Unix socket, so that a resolver running\n"
	"                          as another user (unbound, knot) may connect\n"
	"  -f, --filter BPF        capture filter, e.g. 'port 53' (default: everything;\n"
	"                          the decoder keeps DNS ports only)\n"
	"  -s, --source NAME       source name (default HOSTNAME/IFACE, or\n"
	"                          HOSTNAME/dnstap)\n"
	"  -F, --flush-interval S  seconds between writes to the store (default 60)\n"
	"      --flush-records N   also write whenever N distinct records are held\n"
	"  -m, --max-memory SIZE   as for ingest (default 512M)\n"
	"  -p, --port PORT         decode DNS on PORT instead of 53; repeat for more ports\n"
	"      --mdns, --llmnr     also read multicast DNS (5353) or LLMNR (5355)\n"
	"      --match-queries     keep only responses whose query was seen\n"
	"      --snaplen BYTES     bytes kept of each frame (default 65535)\n"
	"      --buffer SIZE       kernel capture buffer (default 16M)\n"
	"      --no-promiscuous    do not put the interface in promiscuous mode\n"
	"      --store LOCATION    the store, as for ingest\n"
	"      --db PATH           SQLite file; the same as --store PATH\n"
	"  -v, --verbose, -q, --quiet, -h, --help\n"
	"\n"
	"Exit status: 0 stopped by SIGINT/SIGTERM after writing everything, 2 invalid\n"
	"arguments, filter or configuration file, 4 store error, 5 the interface or\n"
	"socket could not be opened.\n";

enum {
	OPT_MDNS = 256,
	OPT_LLMNR,
	OPT_MATCH,
	OPT_SNAPLEN,
	OPT_BUFFER,
	OPT_NO_PROMISC,
	OPT_FLUSH_RECORDS,
	OPT_AGAIN,
	OPT_FORMAT,
	OPT_DNSTAP,
	OPT_DNSTAP_MODE,
	OPT_DNSTAP_GROUP,
};

static struct ingest *volatile running;  /* read by the signal handler */

static void on_signal(int signo)
{
	(void)signo;
	interrupt_note();
	if (running != NULL)
		ingest_stop(running);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Options the two commands share; returns 1 when handled, 0 when opt is
 * not one of them, -1 after printing an error for a bad value. */
static int pipeline_option(const char *command, struct ingest_options *options, int opt,
                           const char *arg)
{
	unsigned long long value;
	switch (opt) {
	case 's':
		if (arg[0] == '\0') {
			cli_usage_error(command, "empty --source name");
			return -1;
		}
		char reason[80];
		if (!ingest_name_check(arg, reason, sizeof(reason))) {
			cli_usage_error(command, "--source: %s; %s", reason, INGEST_NAME_ADVICE);
			return -1;
		}
		options->source = arg;
		return 1;
	case 'm':
		if (!cli_parse_size(arg, &options->max_memory)) {
			cli_usage_error(command, "invalid --max-memory '%s' (try 512M)", arg);
			return -1;
		}
		return 1;
	case 'p':
		if (!cli_parse_uint(arg, 65535, &value) || value == 0) {
			cli_usage_error(command, "invalid --port '%s'", arg);
			return -1;
		}
		if (options->nports == sizeof(options->ports) / sizeof(options->ports[0])) {
			cli_usage_error(command, "too many --port options");
			return -1;
		}
		options->ports[options->nports++] = (uint16_t)value;
		return 1;
	case OPT_MDNS:
		options->mdns = true;
		return 1;
	case OPT_LLMNR:
		options->llmnr = true;
		return 1;
	case OPT_MATCH:
		options->match_queries = true;
		return 1;
	case 'F':
		if (!cli_parse_uint(arg, 86400, &value) || value == 0) {
			cli_usage_error(command, "invalid --flush-interval '%s' (seconds)", arg);
			return -1;
		}
		options->flush_interval = (uint32_t)value;
		return 1;
	case OPT_FLUSH_RECORDS:
		if (!cli_parse_uint(arg, SIZE_MAX, &value) || value == 0) {
			cli_usage_error(command, "invalid --flush-records '%s'", arg);
			return -1;
		}
		options->flush_records = (size_t)value;
		return 1;
	default:
		return 0;
	}
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"source", required_argument, NULL, 's'},
		{"max-memory", required_argument, NULL, 'm'},
		{"port", required_argument, NULL, 'p'},
		{"mdns", no_argument, NULL, OPT_MDNS},
		{"llmnr", no_argument, NULL, OPT_LLMNR},
		{"match-queries", no_argument, NULL, OPT_MATCH},
		{"dry-run", no_argument, NULL, 'n'},
		{"again", no_argument, NULL, OPT_AGAIN},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"flush-interval", required_argument, NULL, 'F'},
		{"flush-records", required_argument, NULL, OPT_FLUSH_RECORDS},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "ingest"};
	struct ingest_options options;
	ingest_options_default(&options);
	enum x509_format cert_format = X509_FORMAT_NONE;

	int opt;
	while ((opt = getopt_long(argc, argv, ":s:m:p:F:nhvq", longopts, NULL)) != -1) {
		int handled = pipeline_option("ingest", &options, opt, optarg);
		if (handled < 0)
			return DN_EXIT_USAGE;
		if (handled > 0 || cli_common_option(&common, opt, optarg))
			continue;
		if (opt == 'n') {
			options.dry_run = true;
		} else if (opt == OPT_AGAIN) {
			options.again = true;
		} else if (opt == OPT_FORMAT) {
			options.format = feed_format_from_name(optarg);
			cert_format = ingest_cert_format_from_name(optarg);
			if (options.format == FEED_UNKNOWN && cert_format == X509_FORMAT_NONE)
				return cli_usage_error("ingest",
				                       "unknown --format '%s' (zeek-tsv, zeek-json, eve, "
				                       "passivedns, cof, saf, pem, der, ct or crtsh)",
				                       optarg);
		} else if (opt == 'h') {
			fputs(ingest_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		} else {
			return cli_option_error("ingest", opt, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error("ingest", "no input files given");
	cli_setup_logging(&common, false);
	options.progress = isatty(STDERR_FILENO) && common.verbosity >= 0;

	struct store *store = NULL;
	if (!options.dry_run) {
		struct store_options store_options = {.cache_bytes = ingest_store_cache_bytes(&options)};
		int code = cli_open_store(&common, STORE_WRITE, &store_options, &store);
		if (code != DN_EXIT_OK)
			return code;
	}

	struct ingest *ing;
	struct dn_error err;
	dn_status rc = ingest_new(store, &options, &ing, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		store_close(store);
		return cli_exit_for(rc);
	}
	running = ing;
	install_signals();

	int exit_code = DN_EXIT_OK;
	double started = time_monotonic();
	int capture_files = 0;
	for (int i = optind; i < argc; i++) {
		if (ingest_stopped(ing)) {
			log_warn("interrupted: %d input%s not read", argc - i,
			         argc - i == 1 ? "" : "s");
			exit_code = DN_EXIT_INTERRUPTED;
			break;
		}
		double file_started = time_monotonic();
		enum ingest_cert_outcome outcome;
		int cert_code = ingest_cert_input(store, argv[i], &options, cert_format, &outcome);
		if (outcome != INGEST_CERT_NOT_CERTS) {
			if (cert_code == DN_EXIT_STORE || cert_code == DN_EXIT_FAILURE) {
				exit_code = cert_code;
				break;
			}
			if (cert_code != DN_EXIT_OK)
				exit_code = cert_code;
			continue;
		}
		rc = ingest_file(ing, argv[i], &err);
		if (rc == DN_OK && ingest_skipped(ing))
			continue;
		capture_files++;
		if (rc != DN_OK)
			log_error("%s", err.msg);
		if (rc == DN_OK || rc == DN_EMALF || rc == DN_EINTR)
			ingest_report(argv[i], ingest_last(ing), options.dry_run,
			              time_monotonic() - file_started);
		if (rc == DN_ESTORE || rc == DN_ESCHEMA || rc == DN_ENOMEM) {
			exit_code = cli_exit_for(rc);
			break;
		}
		if (rc == DN_EINTR) {
			exit_code = DN_EXIT_INTERRUPTED;
			break;
		}
		if (rc != DN_OK)
			exit_code = DN_EXIT_INPUT;
	}
	/* Certificate files have a line each and no packets, so the totals
	 * cover captures and logs only. */
	if (capture_files > 1)
		ingest_report("all files", ingest_totals(ing), options.dry_run,
		              time_monotonic() - started);

	running = NULL;
	ingest_free(ing);
	if (store != NULL && store_sync(store, &err) != DN_OK) {
		log_error("%s", err.msg);
		if (exit_code == DN_EXIT_OK)
			exit_code = DN_EXIT_STORE;
	}
	store_close(store);
	return exit_code;
}

/* dragnet capture --dnstap: the listener checks its address before the
 * store is opened, so a typo creates no database. */
static int capture_dnstap(struct cli_common *common, const struct ingest_options *options,
                          const char *address)
{
	struct dn_error err;
	dn_status rc = ingest_dnstap_check_address(address, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return DN_EXIT_USAGE;
	}
	if (strncmp(address, "tcp:", 4) == 0 && strncmp(address, "tcp:127.", 8) != 0 &&
	    strncmp(address, "tcp:[::1]:", 10) != 0)
		log_warn("%s is not a loopback address: anyone who can reach it can add records, "
		         "unauthenticated and unencrypted; prefer a Unix socket or a firewall",
		         address);
	struct store *store = NULL;
	struct store_options store_options = {.cache_bytes = ingest_store_cache_bytes(options)};
	int code = cli_open_store(common, STORE_WRITE, &store_options, &store);
	if (code != DN_EXIT_OK)
		return code;

	struct ingest *ing;
	rc = ingest_new(store, options, &ing, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		store_close(store);
		return cli_exit_for(rc);
	}
	running = ing;
	install_signals();

	double started = time_monotonic();
	rc = ingest_dnstap_listen(ing, address, &err);
	if (rc != DN_OK)
		log_error("%s", err.msg);
	/* The format is set once the socket listens. */
	if (ingest_last(ing)->format[0] != '\0') {
		ingest_report(address, ingest_last(ing), false, time_monotonic() - started);
		log_info("dnstap listener on %s stopped", address);
	}

	running = NULL;
	ingest_free(ing);
	struct dn_error sync_err;
	dn_status synced = store_sync(store, &sync_err);
	if (synced != DN_OK)
		log_error("%s", sync_err.msg);
	store_close(store);
	if (rc == DN_EIO)
		return DN_EXIT_FAILURE;
	return cli_exit_for(rc != DN_OK ? rc : synced);
}

int cmd_capture(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"dnstap", required_argument, NULL, OPT_DNSTAP},
		{"dnstap-mode", required_argument, NULL, OPT_DNSTAP_MODE},
		{"dnstap-group", required_argument, NULL, OPT_DNSTAP_GROUP},
		{"filter", required_argument, NULL, 'f'},
		{"source", required_argument, NULL, 's'},
		{"flush-interval", required_argument, NULL, 'F'},
		{"flush-records", required_argument, NULL, OPT_FLUSH_RECORDS},
		{"max-memory", required_argument, NULL, 'm'},
		{"port", required_argument, NULL, 'p'},
		{"mdns", no_argument, NULL, OPT_MDNS},
		{"llmnr", no_argument, NULL, OPT_LLMNR},
		{"match-queries", no_argument, NULL, OPT_MATCH},
		{"snaplen", required_argument, NULL, OPT_SNAPLEN},
		{"buffer", required_argument, NULL, OPT_BUFFER},
		{"no-promiscuous", no_argument, NULL, OPT_NO_PROMISC},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "capture"};
	struct ingest_options options;
	ingest_options_default(&options);
	options.flush_interval = 60;
	struct capture_live_options live = {
		.filter = NULL,
		.promiscuous = true,
		.snaplen = 65535,
		.buffer_bytes = 16 << 20,
	};
	const char *iface = NULL;
	const char *dnstap = NULL;
	unsigned long long value;
	size_t size;

	bool interface_options = false;
	int opt;
	while ((opt = getopt_long(argc, argv, ":i:f:s:F:m:p:hvq", longopts, NULL)) != -1) {
		if (opt == 'p' || opt == OPT_MDNS || opt == OPT_LLMNR || opt == OPT_MATCH ||
		    opt == OPT_SNAPLEN || opt == OPT_BUFFER || opt == OPT_NO_PROMISC)
			interface_options = true;
		int handled = pipeline_option("capture", &options, opt, optarg);
		if (handled < 0)
			return DN_EXIT_USAGE;
		if (handled > 0 || cli_common_option(&common, opt, optarg))
			continue;
		switch (opt) {
		case 'i':
			iface = optarg;
			break;
		case 'f':
			live.filter = optarg;
			break;
		case OPT_DNSTAP:
			dnstap = optarg;
			break;
		case OPT_DNSTAP_MODE: {
			char *end;
			errno = 0;
			long mode = strtol(optarg, &end, 8);
			if (optarg[0] == '\0' || *end != '\0' || errno != 0 || mode < 0 || mode > 07777)
				return cli_usage_error("capture", "invalid --dnstap-mode '%s' (octal, "
				                                  "such as 660)",
				                       optarg);
			options.dnstap_mode = (int)mode;
			break;
		}
		case OPT_DNSTAP_GROUP:
			options.dnstap_group = optarg;
			break;
		case OPT_SNAPLEN:
			if (!cli_parse_uint(optarg, 262144, &value) || value < 64)
				return cli_usage_error("capture", "invalid --snaplen '%s'", optarg);
			live.snaplen = (int)value;
			break;
		case OPT_BUFFER:
			if (!cli_parse_size(optarg, &size) || size > (1u << 30))
				return cli_usage_error("capture", "invalid --buffer '%s'", optarg);
			live.buffer_bytes = (int)size;
			break;
		case OPT_NO_PROMISC:
			live.promiscuous = false;
			break;
		case 'h':
			fputs(capture_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error("capture", opt, argv);
		}
	}
	if (iface == NULL && dnstap == NULL)
		return cli_usage_error("capture", "give an interface (-i IFACE) or a dnstap socket "
		                                  "(--dnstap unix:PATH)");
	if (iface != NULL && dnstap != NULL)
		return cli_usage_error("capture", "give either -i or --dnstap, not both");
	if (dnstap != NULL && (live.filter != NULL || interface_options))
		return cli_usage_error("capture",
		                       "-f, --snaplen, --buffer, --no-promiscuous, -p, --mdns, "
		                       "--llmnr and --match-queries apply to -i, not --dnstap");
	if (dnstap == NULL && (options.dnstap_mode >= 0 || options.dnstap_group != NULL))
		return cli_usage_error("capture", "--dnstap-mode and --dnstap-group apply to "
		                                  "--dnstap only");
	if (optind < argc)
		return cli_usage_error("capture", "unexpected argument '%s'", argv[optind]);
	cli_setup_logging(&common, true);
	if (dnstap != NULL)
		return capture_dnstap(&common, &options, dnstap);

	/* Open the interface first: without the right to capture, nothing
	 * else should happen, not even creating the database. */
	struct capture_input *input;
	struct dn_error err;
	dn_status rc = capture_input_open_live(iface, &live, &input, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return rc == DN_EINVAL ? DN_EXIT_USAGE : DN_EXIT_FAILURE;
	}

	struct store *store = NULL;
	struct store_options store_options = {.cache_bytes = ingest_store_cache_bytes(&options)};
	int code = cli_open_store(&common, STORE_WRITE, &store_options, &store);
	if (code != DN_EXIT_OK) {
		capture_input_close(input);
		return code;
	}

	struct ingest *ing;
	rc = ingest_new(store, &options, &ing, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		capture_input_close(input);
		store_close(store);
		return cli_exit_for(rc);
	}
	running = ing;
	install_signals();

	double started = time_monotonic();
	rc = ingest_live(ing, iface, input, &err);
	if (rc != DN_OK)
		log_error("%s", err.msg);
	ingest_report(iface, ingest_last(ing), false, time_monotonic() - started);
	log_info("capture on %s stopped", iface);

	running = NULL;
	ingest_free(ing);
	struct dn_error sync_err;
	dn_status synced = store_sync(store, &sync_err);
	if (synced != DN_OK)
		log_error("%s", sync_err.msg);
	store_close(store);
	return cli_exit_for(rc != DN_OK ? rc : synced);
}
