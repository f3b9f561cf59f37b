/* dragnet pdns: forward and reverse passive-DNS lookups. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/asn_table.h"
#include "cli/cli.h"
#include "dns/rdata.h"
#include "export/pdns_writer.h"
#include "pdns/name.h"
#include "pdns/query.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char pdns_usage[] =
        "Usage: dragnet pdns [OPTION]... NAME|ADDRESS|CIDR|START-END\n"
        "       dragnet pdns [OPTION]... --rdata VALUE\n"
        "Look up passive-DNS records.\n"
        "\n"
        "NAME finds records owned by that name; '*.example.com' finds every name below\n"
        "example.com and 'www.example.*' every name starting with www.example. An\n"
        "address, CIDR prefix or START-END range finds the A and AAAA records that\n"
        "point into it, as --rdata does. Text with a ':', or with a '.' and nothing but\n"
        "digits, '.', '/' and '-', is read as an address; end it with a dot to look up\n"
        "a name.\n"
        "\n"
        "  -r, --rdata VALUE       reverse lookup: an address, prefix or range, or a\n"
        "                          name (with the same wildcards) that CNAME, NS, MX,\n"
        "                          PTR, SRV, SOA and other records point at\n"
        "  -t, --type TYPE         only this record type (A, AAAA, NS, TXT, TYPE65280...)\n"
        "  -b, --bailiwick ZONE    only records with this bailiwick\n"
        "      --first-after TIME  first seen at or after TIME\n"
        "      --first-before TIME first seen before TIME\n"
        "      --last-after TIME   last seen at or after TIME\n"
        "      --last-before TIME  last seen before TIME\n"
        "                          TIME is epoch seconds, ISO 8601 (2024-05-01,\n"
        "                          2024-05-01T12:00:00Z; UTC unless an offset is given)\n"
        "                          or an age such as 30d, 12h, 2w\n"
        "  -N, --negative          show negative answers (NXDOMAIN, SERVFAIL, NODATA...)\n"
        "      --source NAME       only records that source NAME saw, with that\n"
        "                          source's own time_first, time_last and count;\n"
        "                          repeat it for several sources (records any of them\n"
        "                          saw, with their figures merged). The sources column\n"
        "                          still counts every source; dragnet stats lists the\n"
        "                          source names\n"
        "      --min-sources N     only records that at least N sources saw, counting\n"
        "                          every source whatever --source says\n"
        "  -l, --limit N           at most N results (default 10000; 0 for no limit)\n"
        "      --offset N          skip the first N results\n"
        "  -S, --sort KEY          first (default, oldest first), last (newest first),\n"
        "                          count (most seen first) or name\n"
        "  -j, --json              one COF JSON object per line (times in epoch seconds,\n"
        "                          names always in A-label form) with the number of\n"
        "                          sources added as \"sources\"\n"
        "      --csv               CSV with a header line, including the sources column\n"
        "  -u, --unicode           show internationalised names in Unicode (table, CSV)\n"
        "      --asn               add the origin AS and its organisation to each A and\n"
        "                          AAAA record, from the ranges dragnet asn --load stored\n"
        "      --partial           when a shard of a ClickHouse cluster is down, return\n"
        "                          what the other shards hold (exit status 6) instead\n"
        "                          of failing\n"
        "      --store LOCATION    SQLite file, sqlite:PATH or clickhouse://HOST:PORT/DB\n"
        "                          (default $DRAGNET_STORE, else $DRAGNET_DB, else the\n"
        "                          config file, else $XDG_DATA_HOME/dragnet/dragnet.db)\n"
        "      --db PATH           SQLite file; the same as --store PATH\n"
        "  -v, --verbose, -q, --quiet, -h, --help\n"
        "\n"
        "Exit status: 0 records found, 1 none found, 2 invalid arguments or\n"
        "configuration file, 4 store error, 5 output could not be written, 6 the\n"
        "answer is partial (--partial and a shard was down).\n";

enum {
	OPT_FIRST_AFTER = 256,
	OPT_FIRST_BEFORE,
	OPT_LAST_AFTER,
	OPT_LAST_BEFORE,
	OPT_OFFSET,
	OPT_CSV,
	OPT_PARTIAL,
	OPT_SOURCE,
	OPT_MIN_SOURCES,
	OPT_ASN,
};

#define DEFAULT_LIMIT 10000

struct pdns_run {
	struct pdns_writer *writer;
	uint64_t results;
	bool out_of_memory;
};

static dn_status emit_record(const struct pdns_record *rec, void *ctx)
{
	struct pdns_run *run = ctx;
	run->results++;
	if (!pdns_writer_record(run->writer, rec)) {
		run->out_of_memory = true;
		return DN_ENOMEM;
	}
	return DN_OK;
}

static dn_status emit_negative(const struct pdns_negative *neg, void *ctx)
{
	struct pdns_run *run = ctx;
	run->results++;
	if (!pdns_writer_negative(run->writer, neg)) {
		run->out_of_memory = true;
		return DN_ENOMEM;
	}
	return DN_OK;
}

static bool parse_fence(const char *arg, int64_t *fence)
{
	if (!time_parse(arg, time_now(), fence))
		return false;
	/* Eight digits are epoch seconds in 1970, but more likely meant as a
	 * YYYYMMDD date, so log how the value was read. */
	if (strlen(arg) == 8 && strspn(arg, "0123456789") == 8) {
		char when[32];
		time_format_iso(*fence, when, sizeof(when));
		log_warn("time '%s' is read as epoch seconds (%s); for a date write %.4s-%.2s-%.2s",
		         arg, when, arg, arg + 4, arg + 6);
	}
	return true;
}

static bool parse_sort(const char *arg, enum pdns_sort *sort)
{
	static const struct {
		const char *name;
		enum pdns_sort sort;
	} keys[] = {
	        {"first", PDNS_SORT_FIRST},
	        {"last", PDNS_SORT_LAST},
	        {"count", PDNS_SORT_COUNT},
	        {"name", PDNS_SORT_NAME},
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(arg, keys[i].name) == 0) {
			*sort = keys[i].sort;
			return true;
		}
	}
	return false;
}

/* 192.0.2.77/24 searches 192.0.2.0/24, as most tools do, but may be a slip
 * for a single address, so log what is searched. */
static void warn_host_bits(const char *text, const struct ip_range *range)
{
	const char *slash = strchr(text, '/');
	char address[INET6_ADDRSTRLEN + 1];
	ip_key given;
	if (slash == NULL || (size_t)(slash - text) >= sizeof(address))
		return;
	memcpy(address, text, (size_t)(slash - text));
	address[slash - text] = '\0';
	if (!ip_key_parse(address, &given) || memcmp(given.b, range->lo.b, sizeof(given.b)) == 0)
		return;
	char network[INET6_ADDRSTRLEN];
	ip_key_format(&range->lo, network, sizeof(network));
	log_warn("%s has host bits set; searching the network %s%s", text, network, slash);
}

int cmd_pdns(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"rdata", required_argument, NULL, 'r'},
	        {"type", required_argument, NULL, 't'},
	        {"bailiwick", required_argument, NULL, 'b'},
	        {"first-after", required_argument, NULL, OPT_FIRST_AFTER},
	        {"first-before", required_argument, NULL, OPT_FIRST_BEFORE},
	        {"last-after", required_argument, NULL, OPT_LAST_AFTER},
	        {"last-before", required_argument, NULL, OPT_LAST_BEFORE},
	        {"negative", no_argument, NULL, 'N'},
	        {"limit", required_argument, NULL, 'l'},
	        {"offset", required_argument, NULL, OPT_OFFSET},
	        {"sort", required_argument, NULL, 'S'},
	        {"json", no_argument, NULL, 'j'},
	        {"csv", no_argument, NULL, OPT_CSV},
	        {"unicode", no_argument, NULL, 'u'},
	        {"partial", no_argument, NULL, OPT_PARTIAL},
	        {"source", required_argument, NULL, OPT_SOURCE},
	        {"min-sources", required_argument, NULL, OPT_MIN_SOURCES},
	        {"asn", no_argument, NULL, OPT_ASN},
	        {"help", no_argument, NULL, 'h'},
	        CLI_COMMON_LONG,
	        {NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "pdns"};
	struct pdns_query query;
	pdns_query_init(&query);
	query.limit = DEFAULT_LIMIT;
	struct pdns_writer_options out = {.format = PDNS_FORMAT_TABLE};
	const char *rdata = NULL;
	bool negative = false, with_asn = false;
	struct store_options store_options = {0};
	unsigned long long value;
	struct dn_error err;

	int opt;
	while ((opt = getopt_long(argc, argv, ":r:t:b:Nl:S:juhvq", longopts, NULL)) != -1) {
		if (cli_common_option(&common, opt, optarg))
			continue;
		switch (opt) {
		case 'r':
			rdata = optarg;
			break;
		case 't':
			if (dns_type_parse(optarg, &query.rrtype))
				break;
			if (strncasecmp(optarg, "TYPE", 4) == 0 && optarg[4] != '\0' &&
			    strspn(optarg + 4, "0123456789") == strlen(optarg + 4))
				return cli_usage_error("pdns",
				                       "record type '%s' is out of range "
				                       "(TYPE0 to TYPE65535)",
				                       optarg);
			return cli_usage_error("pdns", "unknown record type '%s'", optarg);
		case 'b':
			if (pdns_name_normalize(optarg, query.bailiwick, sizeof(query.bailiwick),
			                        &err) != DN_OK)
				return cli_usage_error("pdns", "%s", err.msg);
			query.has_bailiwick = true;
			break;
		case OPT_FIRST_AFTER:
		case OPT_FIRST_BEFORE:
		case OPT_LAST_AFTER:
		case OPT_LAST_BEFORE: {
			int64_t *fence = opt == OPT_FIRST_AFTER    ? &query.first_after
			                 : opt == OPT_FIRST_BEFORE ? &query.first_before
			                 : opt == OPT_LAST_AFTER   ? &query.last_after
			                                           : &query.last_before;
			if (!parse_fence(optarg, fence))
				return cli_usage_error("pdns",
				                       "invalid time '%s' (use epoch seconds, "
				                       "2024-05-01T12:00:00Z or an age like 30d)",
				                       optarg);
			break;
		}
		case 'N':
			negative = true;
			break;
		case 'l':
			if (!cli_parse_uint(optarg, INT64_MAX, &value))
				return cli_usage_error("pdns", "invalid --limit '%s'", optarg);
			query.limit = value;
			break;
		case OPT_OFFSET:
			if (!cli_parse_uint(optarg, INT64_MAX, &value))
				return cli_usage_error("pdns", "invalid --offset '%s'", optarg);
			query.offset = value;
			break;
		case 'S':
			if (!parse_sort(optarg, &query.sort))
				return cli_usage_error(
				        "pdns", "invalid --sort '%s' (first, last, count, name)",
				        optarg);
			break;
		case 'j':
		case OPT_CSV:
			if (out.format != PDNS_FORMAT_TABLE)
				return cli_usage_error("pdns",
				                       "give either --json or --csv, not both");
			out.format = opt == 'j' ? PDNS_FORMAT_JSON : PDNS_FORMAT_CSV;
			break;
		case 'u':
			out.unicode = true;
			break;
		case OPT_PARTIAL:
			store_options.allow_partial = true;
			break;
		case OPT_SOURCE:
			if (pdns_query_add_source(&query, optarg, &err) != DN_OK)
				return cli_usage_error("pdns", "%s", err.msg);
			break;
		case OPT_MIN_SOURCES:
			if (!cli_parse_uint(optarg, UINT32_MAX, &value))
				return cli_usage_error("pdns", "invalid --min-sources '%s'",
				                       optarg);
			query.min_sources = (uint32_t)value;
			break;
		case OPT_ASN:
			with_asn = true;
			break;
		case 'h':
			fputs(pdns_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error("pdns", opt, argv);
		}
	}
	cli_setup_logging(&common, false);

	const char *target = optind < argc ? argv[optind] : NULL;
	if (optind + 1 < argc)
		return cli_usage_error("pdns", "give one name or address (got '%s' too)",
		                       argv[optind + 1]);
	if (target != NULL && rdata != NULL)
		return cli_usage_error("pdns", "give either a NAME or --rdata, not both");
	if (target == NULL && rdata == NULL)
		return cli_usage_error("pdns", "nothing to look up: give a NAME or --rdata VALUE");
	if (target != NULL && pdns_text_looks_like_address(target))
		rdata = target;

	dn_status rc = rdata != NULL ? pdns_query_set_rdata(&query, rdata, &err)
	                             : pdns_query_set_rrname(&query, target, &err);
	if (rc != DN_OK)
		return cli_usage_error("pdns", "%s", err.msg);
	if (query.kind == PDNS_QUERY_RDATA_IP)
		warn_host_bits(rdata, &query.range);
	if (negative && query.kind != PDNS_QUERY_RRNAME)
		return cli_usage_error("pdns", "--negative needs a name; negative answers have no "
		                               "rdata to search by address or --rdata");

	struct store *store;
	int code = cli_open_store(&common, STORE_READ, &store_options, &store);
	if (code != DN_EXIT_OK)
		return code;

	struct asn_table *asn = NULL;
	if (with_asn && cli_asn_table_build(store, &asn, &err) != DN_OK) {
		store_close(store);
		log_error("%s", err.msg);
		return cli_exit_for_store(err.code);
	}
	out.asn = asn;
	struct pdns_run run = {.writer = pdns_writer_new(stdout, &out)};
	if (run.writer == NULL) {
		asn_table_free(asn);
		store_close(store);
		log_error("out of memory");
		return DN_EXIT_FAILURE;
	}
	if (negative)
		rc = store_query_negatives(store, &query, emit_negative, &run, &err);
	else
		rc = store_query_rrsets(store, &query, emit_record, &run, &err);
	pdns_writer_finish(run.writer);
	asn_table_free(asn);
	/* The store has already warned that the answer is partial. */
	bool partial = rc == DN_OK && store_query_note(store) != NULL;
	store_close(store);

	if (rc != DN_OK) {
		log_error("%s",
		          run.out_of_memory ? "out of memory while collecting results" : err.msg);
		return cli_finish_output(cli_exit_for(rc));
	}
	if (query.limit > 0 && run.results == query.limit)
		log_info("stopped at --limit %llu; there may be more (use --limit 0 for all)",
		         (unsigned long long)query.limit);
	if (partial)
		return cli_finish_output(DN_EXIT_PARTIAL);
	return cli_finish_output(run.results > 0 ? DN_EXIT_OK : DN_EXIT_NO_MATCH);
}
