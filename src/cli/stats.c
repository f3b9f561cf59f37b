/* dragnet stats: what the store holds. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "dns/rdata.h"
#include "pdns/record.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/timeutil.h"

static const char stats_usage[] =
	"Usage: dragnet stats [OPTION]...\n"
	"Summarise the store: passive-DNS records, names, types, sources and runs,\n"
	"certificates and IP-to-ASN ranges.\n"
	"\n"
	"  -j, --json            one JSON object instead of text\n"
	"      --store LOCATION  SQLite file, sqlite:PATH or clickhouse://HOST:PORT/DB\n"
	"                        (default $DRAGNET_STORE, else $DRAGNET_DB, else the\n"
	"                        config file, else $XDG_DATA_HOME/dragnet/dragnet.db)\n"
	"      --db PATH         SQLite file; the same as --store PATH\n"
	"  -v, --verbose, -q, --quiet, -h, --help\n"
	"\n"
	"Exit status: 0 success, 2 invalid arguments or configuration file, 4 store\n"
	"missing or unreadable, 5 output could not be written.\n";

static void format_time(int64_t t, char *buf, size_t size)
{
	if (t == PDNS_TIME_UNSET)
		snprintf(buf, size, "-");
	else
		time_format_iso(t, buf, size);
}

/* The current IP-to-ASN ranges: the latest load of each source. */
struct asn_figures {
	uint64_t ranges;
	uint64_t sources;
};

static dn_status add_asn_load(const struct store_asn_load *load, void *ctx)
{
	struct asn_figures *asn = ctx;
	asn->ranges += load->ranges;
	asn->sources++;
	return DN_OK;
}

static void print_text(const struct store_stats *st, const struct asn_figures *asn)
{
	char size[32], first[32], last[32];
	format_bytes(st->size_bytes, size, sizeof(size));
	format_time(st->time_first, first, sizeof(first));
	format_time(st->time_last, last, sizeof(last));

	printf("database       %s\n", st->location);
	printf("backend        %s, schema version %d, %s on disk\n", st->backend,
	       st->schema_version, size);
	printf("records        %" PRIu64 " distinct (rrname, rrtype, bailiwick, rdata)\n",
	       st->rrsets);
	printf("names          %" PRIu64 " distinct rrnames\n", st->rrnames);
	printf("observations   %" PRIu64 "\n", st->observations);
	printf("negatives      %" PRIu64 " (qname, qtype, rcode)\n", st->negatives);
	printf("time span      %s .. %s\n", first, last);
	printf("runs           %" PRIu64 " (ingest and capture), %" PRIu64 " unfinished\n",
	       st->runs, st->runs_unfinished);
	printf("certificates   %" PRIu64 " with DER, %" PRIu64 " crt.sh entries without DER\n",
	       st->certs, st->certs_partial);
	printf("sightings      %" PRIu64 " distinct (certificate, kind, detail)\n",
	       st->cert_sightings);
	printf("asn ranges     %" PRIu64 " in the latest loads of %" PRIu64 " sources\n",
	       asn->ranges, asn->sources);

	if (st->ntypes > 0) {
		printf("\n%-12s %12s\n", "rrtype", "records");
		for (size_t i = 0; i < st->ntypes; i++) {
			char type[32];
			dns_type_format(st->types[i].rrtype, type, sizeof(type));
			printf("%-12s %12" PRIu64 "\n", type, st->types[i].rrsets);
		}
	}
	if (st->nsources > 0) {
		/* The name, often a long path, goes last so the rest aligns. */
		printf("\n%-8s %12s  %-20s  %-20s  %s\n", "kind", "records", "time_first",
		       "time_last", "source");
		for (size_t i = 0; i < st->nsources; i++) {
			const struct store_source_stats *src = &st->sources[i];
			format_time(src->time_first, first, sizeof(first));
			format_time(src->time_last, last, sizeof(last));
			printf("%-8s %12" PRIu64 "  %-20s  %-20s  %s\n", src->kind, src->rrsets,
			       first, last, src->name);
		}
		if (st->sources_total > st->nsources)
			printf("(%zu more sources not shown)\n", st->sources_total - st->nsources);
	}
}

static json_t *time_or_null(int64_t t)
{
	return t == PDNS_TIME_UNSET ? json_null() : json_integer(t);
}

static void print_json(const struct store_stats *st, const struct asn_figures *asn)
{
	json_t *obj = json_object();
	json_object_set_new(obj, "database", json_string(st->location));
	json_object_set_new(obj, "backend", json_string(st->backend));
	json_object_set_new(obj, "schema_version", json_integer(st->schema_version));
	json_object_set_new(obj, "size_bytes", json_integer((json_int_t)st->size_bytes));
	json_object_set_new(obj, "rrsets", json_integer((json_int_t)st->rrsets));
	json_object_set_new(obj, "rrnames", json_integer((json_int_t)st->rrnames));
	json_object_set_new(obj, "observations", json_integer((json_int_t)st->observations));
	json_object_set_new(obj, "negatives", json_integer((json_int_t)st->negatives));
	json_object_set_new(obj, "time_first", time_or_null(st->time_first));
	json_object_set_new(obj, "time_last", time_or_null(st->time_last));
	json_object_set_new(obj, "runs", json_integer((json_int_t)st->runs));
	json_object_set_new(obj, "runs_unfinished", json_integer((json_int_t)st->runs_unfinished));
	json_object_set_new(obj, "certificates", json_integer((json_int_t)st->certs));
	json_object_set_new(obj, "crtsh_entries", json_integer((json_int_t)st->certs_partial));
	json_object_set_new(obj, "cert_sightings", json_integer((json_int_t)st->cert_sightings));
	json_object_set_new(obj, "asn_ranges", json_integer((json_int_t)asn->ranges));
	json_object_set_new(obj, "asn_sources", json_integer((json_int_t)asn->sources));

	json_t *types = json_object();
	for (size_t i = 0; i < st->ntypes; i++) {
		char type[32];
		dns_type_format(st->types[i].rrtype, type, sizeof(type));
		json_object_set_new(types, type, json_integer((json_int_t)st->types[i].rrsets));
	}
	json_object_set_new(obj, "rrtypes", types);

	json_t *sources = json_array();
	for (size_t i = 0; i < st->nsources; i++) {
		const struct store_source_stats *src = &st->sources[i];
		json_t *s = json_object();
		json_object_set_new(s, "name", json_string(src->name));
		json_object_set_new(s, "kind", json_string(src->kind));
		json_object_set_new(s, "rrsets", json_integer((json_int_t)src->rrsets));
		json_object_set_new(s, "time_first", time_or_null(src->time_first));
		json_object_set_new(s, "time_last", time_or_null(src->time_last));
		json_array_append_new(sources, s);
	}
	json_object_set_new(obj, "sources", sources);
	json_object_set_new(obj, "sources_total", json_integer((json_int_t)st->sources_total));

	json_dumpf(obj, stdout, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	putchar('\n');
	json_decref(obj);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "stats"};
	bool json = false;
	int opt;
	while ((opt = getopt_long(argc, argv, ":jhvq", longopts, NULL)) != -1) {
		if (cli_common_option(&common, opt, optarg))
			continue;
		if (opt == 'j') {
			json = true;
		} else if (opt == 'h') {
			fputs(stats_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		} else {
			return cli_option_error("stats", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
	cli_setup_logging(&common, false);

	struct store *store;
	int code = cli_open_store(&common, STORE_READ, NULL, &store);
	if (code != DN_EXIT_OK)
		return code;

	static struct store_stats st;
	struct dn_error err;
	struct asn_figures asn = {0};
	dn_status rc = store_stats(store, &st, &err);
	if (rc == DN_OK)
		rc = store_list_asn_loads(store, add_asn_load, &asn, &err);
	store_close(store);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return cli_exit_for(rc);
	}
	if (json)
		print_json(&st, &asn);
	else
		print_text(&st, &asn);
	return cli_finish_output(DN_EXIT_OK);
}
