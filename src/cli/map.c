/* dragnet map: expand seed indicators into a graph of infrastructure, split
 * it into operator clusters and write the report and the graph files. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "export/graph_writer.h"
#include "graph/cluster.h"
#include "graph/map_run.h"
#include "graph/pivot.h"
#include "graph/shared_infra.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char map_usage[] =
        "Usage: dragnet map [OPTION]... SEED...\n"
        "Map the infrastructure around seed indicators: expand them through the stored\n"
        "passive DNS, WHOIS, certificates and IP-to-ASN data, split what is found into\n"
        "operator clusters with a confidence, and report them.\n"
        "\n"
        "SEED is a domain, an IP address, a CIDR prefix, an AS number (AS64496), an\n"
        "email, a phone number (+ and digits), a certificate SHA-256 or SHA-1, or\n"
        "KIND:VALUE with KIND one of domain, ip, prefix, asn, ns, mx, email, phone,\n"
        "name, org, address, registrar, cert, spki, issuer (name:John Smith,\n"
        "issuer:O=Example Hosting, spki:HEX).\n"
        "\n"
        "  -d, --depth N           hops from the seeds (default 2)\n"
        "      --share-max N       do not expand a value that more than N entities share;\n"
        "                          the default depends on the kind: 200 names for an\n"
        "                          address, prefix, nameserver or MX host, 100 domains\n"
        "                          for a WHOIS value, 200 certificates for a key, 1000\n"
        "                          for an issuer, 100 prefixes for an ASN\n"
        "      --expand VALUE      expand VALUE (a node's value as shown) whatever its\n"
        "                          share or listing; repeat it for several values\n"
        "      --shared-list FILE  read the known shared infrastructure from FILE\n"
        "                          instead of the built-in list (data/shared-infra.txt)\n"
        "      --no-shared-list    use no list of known shared infrastructure\n"
        "      --since TIME        only evidence seen at or after TIME\n"
        "      --until TIME        only evidence seen before TIME\n"
        "                          TIME is epoch seconds, ISO 8601 (2024-05-01,\n"
        "                          2024-05-01T12:00:00Z) or an age such as 30d\n"
        "      --overlap           from each node, follow only edges whose time span\n"
        "                          overlaps that of the edges that reached it\n"
        "  -f, --format FORMAT     text (default), json, dot, graphml, stix or misp\n"
        "  -j, --json              the same as --format json\n"
        "  -o, --output-dir DIR    write every format to DIR (map.txt, map.json, map.dot,\n"
        "                          map.graphml, map.stix.json, map.misp.json) and the\n"
        "                          text report to standard output\n"
        "      --redact-personal   show natural persons' registrant email, phone, name\n"
        "                          and address as [redacted] in every output\n"
        "  -h, --help              show this help\n"
        "      --store LOCATION    the store to read (see dragnet --help)\n"
        "  -v, --verbose / -q, --quiet\n"
        "\n"
        "Progress goes to standard error. Exit status: 0 when the map found links, 1\n"
        "when the store has no data on any seed, 2 for an invalid command line,\n"
        "4 when the store cannot be read, 5 for other failures.\n";

enum {
	OPT_SHARE_MAX = 256,
	OPT_EXPAND,
	OPT_SHARED_LIST,
	OPT_NO_SHARED_LIST,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_OVERLAP,
	OPT_REDACT,
};

/* At most this many --expand values. */
#define MAX_EXPAND 64

struct map_cli {
	struct cli_common common;
	struct pivot_options pivot;
	const char *expand[MAX_EXPAND];
	const char *shared_file;
	bool no_shared_list;
	enum graph_format format;
	const char *output_dir;
	bool redact;
};

static int parse_time_option(const char *option, const char *text, int64_t *out)
{
	if (!time_parse(text, time_now(), out))
		return cli_usage_error("map",
		                       "invalid time '%s' for %s: give epoch seconds, 2024-05-01, "
		                       "2024-05-01T12:00:00Z or an age such as 30d",
		                       text, option);
	/* 0 means an open fence; the epoch itself is one second off. */
	if (*out == 0)
		*out = 1;
	return DN_EXIT_OK;
}

static int parse_option(struct map_cli *m, int opt, const char *arg)
{
	unsigned long long value;
	switch (opt) {
	case 'd':
		if (!cli_parse_uint(arg, 16, &value))
			return cli_usage_error("map", "invalid --depth '%s' (0 to 16)", arg);
		m->pivot.depth = (unsigned)value;
		return DN_EXIT_OK;
	case OPT_SHARE_MAX:
		if (!cli_parse_uint(arg, UINT32_MAX, &value) || value == 0)
			return cli_usage_error("map", "invalid --share-max '%s' (a count above 0)",
			                       arg);
		m->pivot.share_max = value;
		return DN_EXIT_OK;
	case OPT_EXPAND:
		if (m->pivot.n_expand == MAX_EXPAND)
			return cli_usage_error("map", "too many --expand values (at most %d)",
			                       MAX_EXPAND);
		m->expand[m->pivot.n_expand++] = arg;
		return DN_EXIT_OK;
	case OPT_SHARED_LIST:
		m->shared_file = arg;
		return DN_EXIT_OK;
	case OPT_NO_SHARED_LIST:
		m->no_shared_list = true;
		return DN_EXIT_OK;
	case OPT_SINCE:
		return parse_time_option("--since", arg, &m->pivot.since);
	case OPT_UNTIL:
		return parse_time_option("--until", arg, &m->pivot.until);
	case OPT_OVERLAP:
		m->pivot.overlap_only = true;
		return DN_EXIT_OK;
	case 'f':
		if (!graph_format_parse(arg, &m->format))
			return cli_usage_error(
			        "map", "invalid --format '%s' (text, json, dot, graphml, stix, misp)", arg);
		return DN_EXIT_OK;
	case 'j':
		m->format = GRAPH_FORMAT_JSON;
		return DN_EXIT_OK;
	case 'o':
		m->output_dir = arg;
		return DN_EXIT_OK;
	case OPT_REDACT:
		m->redact = true;
		return DN_EXIT_OK;
	}
	return -1;
}

/* Read the whole file at path into a malloc'd buffer. */
static char *read_text_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *grown = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
		if (grown == NULL) {
			free(buf);
			buf = NULL;
			errno = EFBIG;
			break;
		}
		buf = grown;
		cap *= 2;
	}
	if (buf != NULL && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int load_shared_list(const struct map_cli *m, struct shared_list *list)
{
	struct dn_error err;
	if (m->no_shared_list)
		return DN_EXIT_OK;
	if (m->shared_file == NULL) {
		if (shared_list_load_default(list, &err) != DN_OK) {
			log_error("%s", err.msg);
			return DN_EXIT_FAILURE;
		}
		return DN_EXIT_OK;
	}
	size_t len;
	char *text = read_text_file(m->shared_file, &len);
	if (text == NULL) {
		log_error("cannot read the shared-infrastructure list %s: %s", m->shared_file,
		          strerror(errno));
		return DN_EXIT_INPUT;
	}
	unsigned line;
	dn_status rc = shared_list_parse(list, text, len, &line, &err);
	free(text);
	if (rc == DN_EMALF)
		return cli_usage_error("map", "%s:%u: %s", m->shared_file, line, err.msg);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return DN_EXIT_FAILURE;
	}
	log_info("map: %zu entries of known shared infrastructure from %s", list->n_entries,
	         m->shared_file);
	return DN_EXIT_OK;
}

static int check_seeds(int n, char **seeds)
{
	for (int i = 0; i < n; i++) {
		struct pivot_seed seed;
		struct dn_error err;
		if (pivot_seed_parse(seeds[i], &seed, &err) != DN_OK)
			return cli_usage_error("map", "%s", err.msg);
	}
	return DN_EXIT_OK;
}

/* Write format to DIR/map.EXT. */
static int write_file(const struct map_cli *m, enum graph_format format, const struct graph *g,
                      const struct cluster_result *clusters,
                      const struct graph_write_options *wopt)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/map.%s", m->output_dir, graph_format_extension(format));
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		log_error("cannot create %s: %s", path, strerror(errno));
		return DN_EXIT_FAILURE;
	}
	struct dn_error err;
	dn_status rc = graph_write(f, format, g, clusters, wopt, &err);
	bool closed = fclose(f) == 0;
	if (rc != DN_OK || !closed) {
		log_error("writing %s failed: %s", path, rc != DN_OK ? err.msg : strerror(errno));
		return DN_EXIT_FAILURE;
	}
	log_info("map: wrote %s", path);
	return DN_EXIT_OK;
}

static int write_outputs(const struct map_cli *m, const struct graph *g,
                         const struct cluster_result *clusters,
                         const struct graph_write_options *wopt)
{
	struct dn_error err;
	if (m->output_dir == NULL) {
		if (graph_write(stdout, m->format, g, clusters, wopt, &err) != DN_OK) {
			log_error("%s", err.msg);
			return DN_EXIT_FAILURE;
		}
		return DN_EXIT_OK;
	}
	if (mkdir(m->output_dir, 0777) != 0 && errno != EEXIST) {
		log_error("cannot create the output folder %s: %s", m->output_dir, strerror(errno));
		return DN_EXIT_FAILURE;
	}
	for (int f = 0; f < GRAPH_FORMAT_COUNT; f++) {
		int code = write_file(m, (enum graph_format)f, g, clusters, wopt);
		if (code != DN_EXIT_OK)
			return code;
	}
	if (graph_write(stdout, GRAPH_FORMAT_TEXT, g, clusters, wopt, &err) != DN_OK) {
		log_error("%s", err.msg);
		return DN_EXIT_FAILURE;
	}
	return DN_EXIT_OK;
}

/* Whether node n, or the registrable domain or name it derives from, has
 * an edge that the store observed (not only the derived one between them). */
static bool has_observed_edge(const struct graph *g, uint32_t n, bool follow_derived)
{
	for (uint32_t k = 0; k < g->adj_count[n]; k++) {
		const struct graph_edge *e = &g->edges[g->adj[g->adj_start[n] + k]];
		if (e->relation != GRAPH_REL_REGISTERED)
			return true;
		if (follow_derived && has_observed_edge(g, graph_other(e, n), false))
			return true;
	}
	return false;
}

/* Warn about each seed the map could not follow. Returns how many seeds
 * have links or were held as shared, which means the store has data on them. */
static size_t seeds_with_links(const struct graph *g)
{
	size_t linked = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];
		if (!n->seed)
			continue;
		bool held = n->hold == GRAPH_HOLD_SHARED || n->hold == GRAPH_HOLD_LISTED ||
		            n->hold == GRAPH_HOLD_MASKED;
		if (held)
			log_warn("map: seed %s %s was not expanded: %s (use --expand to follow it)",
			         graph_kind_name(n->kind), n->label, n->hold_reason);
		else if (!has_observed_edge(g, i, true))
			log_warn("map: no data found in the store for seed %s %s",
			         graph_kind_name(n->kind), n->label);
		if (held || has_observed_edge(g, i, true))
			linked++;
	}
	return linked;
}

static void log_summary(const struct graph *g, const struct cluster_result *clusters,
                        const struct pivot_stats *stats)
{
	log_info("map: %zu nodes, %zu edges, %zu clusters, %" PRIu64 " store queries",
	         g->n_nodes, g->n_edges, clusters->n_clusters, stats->queries);
	log_info("map: not expanded: %" PRIu64 " shared, %" PRIu64 " listed, %" PRIu64
	         " masked, %" PRIu64 " registrars, %" PRIu64 " at the last hop; %" PRIu64
	         " edges outside --overlap",
	         stats->held_shared, stats->held_listed, stats->held_masked, stats->held_weak,
	         stats->held_depth, stats->skipped_time);
}

/* Map, cluster and write; returns the exit code. */
static int run_map(struct map_cli *m, struct store *store, int n_seeds, char **seeds)
{
	struct dn_error err;
	struct map_result res;
	const char *const *seed_list = (const char *const *)seeds;
	int code = DN_EXIT_OK;
	dn_status rc = map_run(store, &m->pivot, seed_list, (size_t)n_seeds, &res, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		code = rc == DN_EINVAL ? DN_EXIT_USAGE
		       : rc == DN_ENOENT ? DN_EXIT_NO_MATCH
		                         : cli_exit_for_store(rc);
	} else {
		log_summary(&res.graph, &res.clusters, &res.stats);
		size_t linked = seeds_with_links(&res.graph);
		struct graph_write_options wopt;
		map_write_options_init(&wopt, &m->pivot, seed_list, (size_t)n_seeds, time_now());
		wopt.redact_personal = m->redact;
		code = write_outputs(m, &res.graph, &res.clusters, &wopt);
		if (code == DN_EXIT_OK && linked == 0)
			code = DN_EXIT_NO_MATCH;
	}
	map_result_free(&res);
	return code;
}

int cmd_map(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"depth", required_argument, NULL, 'd'},
	        {"share-max", required_argument, NULL, OPT_SHARE_MAX},
	        {"expand", required_argument, NULL, OPT_EXPAND},
	        {"shared-list", required_argument, NULL, OPT_SHARED_LIST},
	        {"no-shared-list", no_argument, NULL, OPT_NO_SHARED_LIST},
	        {"since", required_argument, NULL, OPT_SINCE},
	        {"until", required_argument, NULL, OPT_UNTIL},
	        {"overlap", no_argument, NULL, OPT_OVERLAP},
	        {"format", required_argument, NULL, 'f'},
	        {"json", no_argument, NULL, 'j'},
	        {"output-dir", required_argument, NULL, 'o'},
	        {"redact-personal", no_argument, NULL, OPT_REDACT},
	        {"help", no_argument, NULL, 'h'},
	        CLI_COMMON_LONG,
	        {NULL, 0, NULL, 0},
	};
	struct map_cli m = {.common = {.command = "map"}, .format = GRAPH_FORMAT_TEXT};
	pivot_options_init(&m.pivot);
	m.pivot.expand = m.expand;

	int opt;
	while ((opt = getopt_long(argc, argv, ":d:f:jo:hvq", longopts, NULL)) != -1) {
		if (cli_common_option(&m.common, opt, optarg))
			continue;
		if (opt == 'h') {
			fputs(map_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		}
		int code = parse_option(&m, opt, optarg);
		if (code < 0)
			return cli_option_error("map", opt, argv);
		if (code != DN_EXIT_OK)
			return code;
	}
	cli_setup_logging(&m.common, false);

	if (optind >= argc)
		return cli_usage_error("map", "no seed: give a domain, address, email, ... to start from");
	if (m.shared_file != NULL && m.no_shared_list)
		return cli_usage_error("map", "give either --shared-list or --no-shared-list, not both");
	if (m.pivot.since != 0 && m.pivot.until != 0 && m.pivot.since >= m.pivot.until)
		return cli_usage_error("map", "--since must be before --until");
	int code = check_seeds(argc - optind, argv + optind);
	if (code != DN_EXIT_OK)
		return code;

	struct shared_list shared;
	shared_list_init(&shared);
	code = load_shared_list(&m, &shared);
	if (code != DN_EXIT_OK) {
		shared_list_free(&shared);
		return code;
	}
	m.pivot.shared = m.no_shared_list ? NULL : &shared;

	struct store *store;
	code = cli_open_store(&m.common, STORE_READ, NULL, &store);
	if (code == DN_EXIT_OK) {
		code = run_map(&m, store, argc - optind, argv + optind);
		store_close(store);
	}
	shared_list_free(&shared);
	return cli_finish_output(code);
}
