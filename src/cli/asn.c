/* dragnet asn: load IP-to-ASN data, look up addresses and AS numbers. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "asn/table.h"
#include "cli/asn_load.h"
#include "cli/asn_table.h"
#include "cli/cli.h"
#include "export/asn_json.h"
#include "pdns/query.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char asn_usage[] =
        "Usage: dragnet asn [OPTION]... ADDRESS...\n"
        "       dragnet asn [OPTION]... AS64500 [--domains]\n"
        "       dragnet asn --load [--source NAME] [--format FORMAT] FILE...\n"
        "       dragnet asn --list\n"
        "IP-to-ASN enrichment.\n"
        "\n"
        "ADDRESS (IPv4 or IPv6) prints its origin AS, the prefix as the source gave it\n"
        "(a range as its list of CIDR prefixes), organisation, country and source.\n"
        "Where ranges overlap, the most specific wins; among equal ones, the source\n"
        "loaded last. AS64500 (or 64500) prints the prefixes of that AS, including\n"
        "those it originates together with other ASes (multi-origin, AS set).\n"
        "\n"
        "      --load              load FILEs: iptoasn.com ip2asn TSV (IPv4 or IPv6),\n"
        "                          CAIDA pfx2as, or a MaxMind DB such as GeoLite2-ASN\n"
        "                          or GeoIP2-ISP. A load replaces the source's earlier\n"
        "                          ranges; a file that gives no range fails instead\n"
        "      --source NAME       source name of the one FILE loaded (default: the\n"
        "                          file's base name)\n"
        "      --format FORMAT     ip2asn, pfx2as or mmdb (default: detected)\n"
        "      --list              list the loaded sources\n"
        "  -d, --domains           with AS64500: the names that passive DNS saw\n"
        "                          pointing (A, AAAA) into that AS's prefixes, where\n"
        "                          the AS is the most specific origin\n"
        "  -l, --limit N           at most N names per prefix with --domains\n"
        "                          (default 10000; 0 for no limit)\n"
        "  -j, --json              one JSON object per line\n"
        "      --store LOCATION    SQLite file, sqlite:PATH or clickhouse://HOST:PORT/DB\n"
        "                          (default $DRAGNET_STORE, else $DRAGNET_DB, else the\n"
        "                          config file, else $XDG_DATA_HOME/dragnet/dragnet.db)\n"
        "      --db PATH           SQLite file; the same as --store PATH\n"
        "  -v, --verbose, -q, --quiet, -h, --help\n"
        "\n"
        "Exit status: 0 found or loaded, 1 nothing found, 2 invalid arguments (one\n"
        "invalid ADDRESS or AS number stops the command before any lookup), 3 a file\n"
        "could not be loaded (the others were), 4 store error.\n";

enum {
	OPT_LOAD = 256,
	OPT_SOURCE,
	OPT_FORMAT,
	OPT_LIST,
};

#define DEFAULT_LIMIT 10000

/* The text the table shows as organisation: the AS's, else the ISP
 * database's organization, else its ISP. */
static const char *shown_org(const struct asn_range *r)
{
	if (r->as_org != NULL)
		return r->as_org;
	return r->organization != NULL ? r->organization : r->isp;
}

static void json_print(json_t *obj)
{
	asn_json_print(stdout, obj);
}

/* ---- Addresses ---- */

struct source_names {
	uint32_t ids[256];
	char names[256][256];
	size_t n;
};

static dn_status collect_source(const struct store_asn_load *load, void *ctx)
{
	struct source_names *s = ctx;
	if (s->n < 256) {
		s->ids[s->n] = load->source_id;
		snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", load->source);
	}
	return DN_OK;
}

static const char *source_name(const struct source_names *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->ids[i] == id)
			return s->names[i];
	}
	return "";
}

/* The state of one address lookup of lookup_addresses(). */
struct address_lookup {
	const char *ip;
	bool json;
	bool found;
	const struct source_names *sources;
};

/* Print the range that covers l->ip. */
static dn_status print_hit(const struct asn_range *r, uint32_t source_id, int64_t load_id,
                           void *ctx)
{
	(void)load_id;
	struct address_lookup *l = ctx;
	const char *source = source_name(l->sources, source_id);
	l->found = true;
	if (l->json) {
		json_t *obj = json_object();
		json_object_set_new(obj, "ip", json_string(l->ip));
		asn_json_add_range(obj, r, source);
		json_print(obj);
		return DN_OK;
	}
	char cidrs[4096];
	asn_range_format_cidrs(&r->lo, &r->hi, cidrs, sizeof(cidrs));
	const char *org = shown_org(r);
	char as[64] = "-"; /* AS 0: not routed, or no AS in the source */
	if (r->asn != 0)
		snprintf(as, sizeof(as), "AS%" PRIu32 "%s%s", r->asn, r->origins != NULL ? " " : "",
		         r->origins != NULL ? r->origins : "");
	printf("%s\t%s\t%s\t%s\t%s\t%s\n", l->ip, as, cidrs, org != NULL ? org : "-",
	       r->country[0] != '\0' ? r->country : "-", source);
	return DN_OK;
}

static int lookup_addresses(struct store *store, char **args, int nargs, bool json)
{
	struct dn_error err;
	struct source_names *names = calloc(1, sizeof(*names));
	if (names == NULL) {
		log_error("out of memory listing ASN sources");
		return DN_EXIT_FAILURE;
	}
	if (store_list_asn_loads(store, collect_source, names, &err) != DN_OK) {
		free(names);
		log_error("%s", err.msg);
		return cli_exit_for_store(err.code);
	}
	if (names->n == 0)
		log_warn("the store has no IP-to-ASN ranges; load some with dragnet asn --load");
	struct address_lookup l = {.json = json, .sources = names};

	int found = 0;
	for (int i = 0; i < nargs; i++) {
		ip_key ip;
		ip_key_parse(args[i], &ip); /* cmd_asn checked every argument */
		l.ip = args[i];
		l.found = false;
		if (store_query_asn_at(store, &ip, print_hit, &l, &err) != DN_OK) {
			free(names);
			log_error("looking up %s failed: %s", args[i], err.msg);
			return cli_exit_for_store(err.code);
		}
		found += l.found;
		if (l.found)
			continue;
		if (json) {
			json_t *obj = json_object();
			json_object_set_new(obj, "ip", json_string(args[i]));
			json_object_set_new(obj, "asn", json_null());
			json_print(obj);
		} else {
			printf("%s\tnot found\n", args[i]);
		}
	}
	free(names);
	return found > 0 ? DN_EXIT_OK : DN_EXIT_NO_MATCH;
}

/* ---- AS numbers ---- */

struct as_ranges {
	struct asn_range *items;
	uint32_t *sources;
	size_t n, size;
	struct arena_text {
		char **texts;
		size_t n, size;
	} text;
};

static char *keep_text(struct as_ranges *l, const char *text)
{
	if (text == NULL)
		return NULL;
	if (l->text.n == l->text.size) {
		size_t size = l->text.size > 0 ? l->text.size * 2 : 64;
		char **grown = realloc(l->text.texts, size * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		l->text.texts = grown;
		l->text.size = size;
	}
	char *copy = strdup(text);
	if (copy != NULL)
		l->text.texts[l->text.n++] = copy;
	return copy;
}

static dn_status collect_range(const struct asn_range *range, uint32_t source_id, void *ctx)
{
	struct as_ranges *l = ctx;
	if (l->n == l->size) {
		size_t size = l->size > 0 ? l->size * 2 : 64;
		struct asn_range *items = realloc(l->items, size * sizeof(*items));
		if (items != NULL)
			l->items = items;
		uint32_t *sources = realloc(l->sources, size * sizeof(*sources));
		if (sources != NULL)
			l->sources = sources;
		if (items == NULL || sources == NULL)
			return DN_ENOMEM;
		l->size = size;
	}
	struct asn_range *r = &l->items[l->n];
	*r = *range;
	r->origins = keep_text(l, range->origins);
	r->as_org = keep_text(l, range->as_org);
	r->isp = keep_text(l, range->isp);
	r->organization = keep_text(l, range->organization);
	l->sources[l->n++] = source_id;
	return DN_OK;
}

static void as_ranges_free(struct as_ranges *l)
{
	for (size_t i = 0; i < l->text.n; i++)
		free(l->text.texts[i]);
	free(l->text.texts);
	free(l->items);
	free(l->sources);
}

/* The pDNS records of one prefix whose address the table resolves to asn. */
struct domain_search {
	const struct asn_table *table;
	uint32_t asn;
	const char *prefix;
	bool json;
	uint64_t names;
};

static dn_status print_domain(const struct pdns_record *rec, void *ctx)
{
	struct domain_search *d = ctx;
	ip_key ip;
	if (!ip_key_parse(rec->rdata, &ip))
		return DN_OK;
	const struct asn_entry *e = asn_table_lookup(d->table, &ip);
	if (e == NULL || !asn_range_has_origin(&e->range, d->asn))
		return DN_OK; /* a more specific prefix of another AS covers it */
	d->names++;
	char first[32], last[32];
	time_format_iso(rec->time_first, first, sizeof(first));
	time_format_iso(rec->time_last, last, sizeof(last));
	if (d->json) {
		json_t *obj = json_object();
		json_object_set_new(obj, "rrname", json_string(rec->rrname));
		json_object_set_new(obj, "rrtype", json_string(rec->rrtype == 1 ? "A" : "AAAA"));
		json_object_set_new(obj, "rdata", json_string(rec->rdata));
		json_object_set_new(obj, "asn", json_integer(d->asn));
		json_object_set_new(obj, "prefix", json_string(d->prefix));
		json_object_set_new(obj, "time_first", json_integer(rec->time_first));
		json_object_set_new(obj, "time_last", json_integer(rec->time_last));
		json_print(obj);
	} else {
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", rec->rrname, rec->rrtype == 1 ? "A" : "AAAA",
		       rec->rdata, d->prefix, first, last);
	}
	return DN_OK;
}

static int compare_ranges(const void *a, const void *b)
{
	const struct asn_range *x = a, *y = b;
	int c = memcmp(x->lo.b, y->lo.b, 16);
	return c != 0 ? c : -memcmp(x->hi.b, y->hi.b, 16);
}

/* Search passive DNS once per stretch of addresses that the AS's ranges
 * cover, so that nested and repeated ranges are searched once. */
static dn_status search_domains(struct store *store, struct as_ranges *l, uint32_t asn,
                                uint64_t limit, bool json, uint64_t *names, struct dn_error *err)
{
	struct asn_table *table;
	dn_status rc = cli_asn_table_build(store, &table, err);
	if (rc != DN_OK)
		return rc;
	if (l->n > 0) /* items is NULL for an AS without ranges */
		qsort(l->items, l->n, sizeof(*l->items), compare_ranges);
	struct domain_search d = {.table = table, .asn = asn, .json = json};
	for (size_t i = 0; rc == DN_OK && i < l->n;) {
		ip_key lo = l->items[i].lo, hi = l->items[i].hi;
		size_t j = i + 1;
		while (j < l->n && memcmp(l->items[j].lo.b, hi.b, 16) <= 0) {
			if (memcmp(l->items[j].hi.b, hi.b, 16) > 0)
				hi = l->items[j].hi;
			j++;
		}
		char prefix[4096];
		asn_range_format_cidrs(&lo, &hi, prefix, sizeof(prefix));
		struct pdns_query q;
		pdns_query_init(&q);
		q.kind = PDNS_QUERY_RDATA_IP;
		q.range.lo = lo;
		q.range.hi = hi;
		q.range.family = ip_key_is_v4(&lo) ? 4 : 6;
		q.limit = limit;
		q.sort = PDNS_SORT_NAME;
		d.prefix = prefix;
		rc = store_query_rrsets(store, &q, print_domain, &d, err);
		i = j;
	}
	*names = d.names;
	asn_table_free(table);
	return rc;
}

/* What a lookup argument is: an address, an AS number, or invalid. */
enum argument_kind { ARG_INVALID, ARG_ADDRESS, ARG_AS };

/* Classify text as an AS number ("AS64500", "as64500" or "64500") or an
 * IPv4 or IPv6 address. For ARG_INVALID, reason says why. */
static enum argument_kind classify_argument(const char *text, uint32_t *asn, const char **reason)
{
	const char *digits = strncasecmp(text, "AS", 2) == 0 ? text + 2 : text;
	size_t len = strlen(digits);
	if (len > 0 && strspn(digits, "0123456789") == len) {
		if (len <= 10 && strtoull(digits, NULL, 10) <= UINT32_MAX) {
			*asn = (uint32_t)strtoull(digits, NULL, 10);
			return ARG_AS;
		}
		*reason = "AS number out of range (0 to 4294967295)";
		return ARG_INVALID;
	}
	ip_key ip;
	if (ip_key_parse(text, &ip))
		return ARG_ADDRESS;
	if (digits != text)
		*reason = "invalid AS number (expected AS and 1 to 10 digits, as in AS64500)";
	else if (strchr(text, '/') != NULL)
		*reason = "a prefix, not an address (give one address, or AS64500 for an AS's "
		          "prefixes)";
	else
		*reason = "not an IPv4 or IPv6 address, nor an AS number";
	return ARG_INVALID;
}

static int lookup_as(struct store *store, uint32_t asn, bool domains, uint64_t limit, bool json)
{
	struct as_ranges l = {0};
	struct source_names sources = {0};
	struct store_asn_filter filter = {.by_asn = true, .asn = asn};
	struct dn_error err = {0};
	dn_status rc = store_list_asn_loads(store, collect_source, &sources, &err);
	if (rc == DN_OK)
		rc = store_query_asn_ranges(store, &filter, collect_range, &l, &err);
	if (rc == DN_ENOMEM && err.msg[0] == '\0')
		dn_fail(&err, DN_ENOMEM, "out of memory collecting the prefixes of AS%" PRIu32, asn);

	for (size_t i = 0; rc == DN_OK && !domains && i < l.n; i++) {
		const struct asn_range *r = &l.items[i];
		const char *source = source_name(&sources, l.sources[i]);
		if (json) {
			json_t *obj = json_object();
			asn_json_add_range(obj, r, source);
			json_print(obj);
			continue;
		}
		char cidrs[4096];
		asn_range_format_cidrs(&r->lo, &r->hi, cidrs, sizeof(cidrs));
		const char *org = shown_org(r);
		printf("%s\t%s\t%s\t%s\n", cidrs, org != NULL ? org : "-",
		       r->country[0] != '\0' ? r->country : "-", source);
	}
	uint64_t names = 0;
	if (rc == DN_OK && domains)
		rc = search_domains(store, &l, asn, limit, json, &names, &err);
	size_t nranges = l.n;
	as_ranges_free(&l);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return cli_exit_for_store(rc);
	}
	if (nranges == 0)
		log_info("no prefixes of AS%" PRIu32 " in the loaded sources", asn);
	else if (domains && names == 0)
		log_info("passive DNS has no A or AAAA record that resolves to AS%" PRIu32
		         " in its %zu prefix%s",
		         asn, nranges, nranges == 1 ? "" : "es");
	return (domains ? names : nranges) > 0 ? DN_EXIT_OK : DN_EXIT_NO_MATCH;
}

/* ---- Sources ---- */

static dn_status print_load(const struct store_asn_load *load, void *ctx)
{
	bool json = *(const bool *)ctx;
	char when[32];
	time_format_iso(load->loaded, when, sizeof(when));
	if (json) {
		json_t *obj = json_object();
		json_object_set_new(obj, "source", json_string(load->source));
		json_object_set_new(obj, "format", json_string(load->format));
		json_object_set_new(obj, "input", json_string(load->input));
		json_object_set_new(obj, "loaded", json_integer(load->loaded));
		json_object_set_new(obj, "ranges", json_integer((json_int_t)load->ranges));
		json_print(obj);
	} else {
		printf("%s\t%s\t%" PRIu64 " ranges\t%s\t%s\n", load->source, load->format,
		       load->ranges, when, load->input);
	}
	return DN_OK;
}

int cmd_asn(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"load", no_argument, NULL, OPT_LOAD},
	        {"source", required_argument, NULL, OPT_SOURCE},
	        {"format", required_argument, NULL, OPT_FORMAT},
	        {"list", no_argument, NULL, OPT_LIST},
	        {"domains", no_argument, NULL, 'd'},
	        {"limit", required_argument, NULL, 'l'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        CLI_COMMON_LONG,
	        {NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "asn"};
	bool load = false, list = false, domains = false, json = false;
	const char *source = NULL;
	enum asn_format format = ASN_FORMAT_UNKNOWN;
	uint64_t limit = DEFAULT_LIMIT;
	unsigned long long value;

	int opt;
	while ((opt = getopt_long(argc, argv, ":dl:jhvq", longopts, NULL)) != -1) {
		if (cli_common_option(&common, opt, optarg))
			continue;
		switch (opt) {
		case OPT_LOAD:
			load = true;
			break;
		case OPT_SOURCE:
			source = optarg;
			break;
		case OPT_FORMAT:
			format = asn_format_parse(optarg);
			if (format == ASN_FORMAT_UNKNOWN)
				return cli_usage_error("asn",
				                       "invalid --format '%s' (ip2asn, pfx2as, mmdb)",
				                       optarg);
			break;
		case OPT_LIST:
			list = true;
			break;
		case 'd':
			domains = true;
			break;
		case 'l':
			if (!cli_parse_uint(optarg, INT64_MAX, &value))
				return cli_usage_error("asn", "invalid --limit '%s'", optarg);
			limit = value;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(asn_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error("asn", opt, argv);
		}
	}
	cli_setup_logging(&common, false);
	char **args = argv + optind;
	int nargs = argc - optind;

	if (load) {
		if (nargs == 0)
			return cli_usage_error("asn", "--load needs at least one FILE");
		return cli_asn_load(&common, args, nargs, source, format);
	}
	if (source != NULL || format != ASN_FORMAT_UNKNOWN)
		return cli_usage_error("asn", "--source and --format go with --load");
	if (!list && nargs == 0)
		return cli_usage_error("asn", "nothing to look up: give an ADDRESS or AS number");
	if (list && nargs > 0)
		return cli_usage_error("asn", "--list takes no arguments");

	/* Every argument is checked before the store is opened, so one typing
	 * error stops the command with nothing printed. */
	uint32_t asn = 0;
	int n_as = 0;
	for (int i = 0; i < nargs; i++) {
		const char *reason = NULL;
		enum argument_kind kind = classify_argument(args[i], &asn, &reason);
		if (kind == ARG_INVALID)
			return cli_usage_error("asn", "'%s': %s", args[i], reason);
		n_as += kind == ARG_AS;
	}
	if (n_as > 1)
		return cli_usage_error("asn", "give one AS number at a time");
	if (n_as == 1 && nargs > 1)
		return cli_usage_error("asn", "give addresses or one AS number, not both");
	bool by_as = n_as == 1;
	if (domains && !by_as)
		return cli_usage_error("asn", "--domains needs one AS number (AS64500)");

	struct store *store;
	int code = cli_open_store(&common, STORE_READ, NULL, &store);
	if (code != DN_EXIT_OK)
		return code;
	if (list) {
		struct dn_error err;
		dn_status rc = store_list_asn_loads(store, print_load, &json, &err);
		if (rc != DN_OK)
			log_error("%s", err.msg);
		code = rc != DN_OK ? cli_exit_for_store(rc) : DN_EXIT_OK;
	} else if (by_as) {
		code = lookup_as(store, asn, domains, limit, json);
	} else {
		code = lookup_addresses(store, args, nargs, json);
	}
	store_close(store);
	return cli_finish_output(code);
}
