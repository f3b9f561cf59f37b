/* dragnet map: expand seed indicators into a graph of infrastructure, split
 * it into operator clusters and write the report and the graph files. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        "                          for an issuer, 100 prefixes for an ASN. Above 1000,\n"
        "                          N also raises the records one lookup reads (at most\n"
        "                          1000000)\n"
        "      --expand VALUE      expand VALUE (a node's value as shown) whatever its\n"
        "                          share or listing, reading up to 1000000 records\n"
        "                          per lookup; repeat it for several values\n"
        "      --shared-list FILE  add the known shared infrastructure in FILE to the\n"
        "                          built-in list (data/shared-infra.txt); repeat it for\n"
        "                          several files\n"
        "      --no-shared-list    drop the built-in list: only --shared-list files apply\n"
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
        "                          text report to standard output; DIR and its parents\n"
        "                          are created\n"
        "      --redact-personal   show natural persons' registrant email, phone, name\n"
        "                          and address as [redacted] in every output\n"
        "  -h, --help              show this help\n"
        "      --store LOCATION    the store to read (see dragnet --help)\n"
        "  -v, --verbose / -q, --quiet\n"
        "\n"
        "A wildcard seed (*.example.com) is rejected: give the registrable domain,\n"
        "whose expansion brings the names seen below it.\n"
        "\n"
        "Progress goes to standard error. Exit status: 0 when the map found at least\n"
        "one link that the store observed; 1 when it found none (no data on any seed,\n"
        "all of it outside --since/--until, every seed held, or --depth 0), with a\n"
        "warning per seed saying which; 2 for an invalid command line, 3 when a\n"
        "--shared-list file cannot be read, 4 when the store cannot be read, 5 for\n"
        "other failures.\n";

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

/* At most this many --expand values and --shared-list files. */
#define MAX_EXPAND 64
#define MAX_SHARED_FILES 16

struct map_cli {
	struct cli_common common;
	struct pivot_options pivot;
	const char *expand[MAX_EXPAND];
	const char *shared_files[MAX_SHARED_FILES];
	size_t n_shared_files;
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
		if (!cli_parse_uint(arg, PIVOT_SHARE_MAX_HIGHEST, &value) || value == 0)
			return cli_usage_error("map", "invalid --share-max '%s' (1 to %d)", arg,
			                       PIVOT_SHARE_MAX_HIGHEST);
		m->pivot.share_max = value;
		return DN_EXIT_OK;
	case OPT_EXPAND:
		if (m->pivot.n_expand == MAX_EXPAND)
			return cli_usage_error("map", "too many --expand values (at most %d)",
			                       MAX_EXPAND);
		m->expand[m->pivot.n_expand++] = arg;
		return DN_EXIT_OK;
	case OPT_SHARED_LIST:
		if (m->n_shared_files == MAX_SHARED_FILES)
			return cli_usage_error("map", "too many --shared-list files (at most %d)",
			                       MAX_SHARED_FILES);
		m->shared_files[m->n_shared_files++] = arg;
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

/* Add the entries of the --shared-list file path to list. */
static int add_shared_file(const char *path, struct shared_list *list)
{
	struct dn_error err;
	size_t len;
	size_t before = list->n_entries;
	char *text = read_text_file(path, &len);
	if (text == NULL) {
		log_error("cannot read the shared-infrastructure list %s: %s", path, strerror(errno));
		return DN_EXIT_INPUT;
	}
	unsigned line;
	dn_status rc = shared_list_parse(list, text, len, &line, &err);
	free(text);
	if (rc == DN_EMALF)
		return cli_usage_error("map", "%s:%u: %s", path, line, err.msg);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return DN_EXIT_FAILURE;
	}
	log_info("map: %zu entries of known shared infrastructure from %s",
	         list->n_entries - before, path);
	return DN_EXIT_OK;
}

/* The built-in list unless --no-shared-list, plus every --shared-list file. */
static int load_shared_list(const struct map_cli *m, struct shared_list *list)
{
	struct dn_error err;
	if (!m->no_shared_list && shared_list_load_default(list, &err) != DN_OK) {
		log_error("%s", err.msg);
		return DN_EXIT_FAILURE;
	}
	for (size_t i = 0; i < m->n_shared_files; i++) {
		int code = add_shared_file(m->shared_files[i], list);
		if (code != DN_EXIT_OK)
			return code;
	}
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

/* Create dir and its missing parents with mode 0755, as mkdir -p does. */
static int make_dirs(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		log_error("the output folder name is too long: %s", dir);
		return DN_EXIT_USAGE;
	}
	for (char *p = path + 1;; p++) {
		bool end = *p == '\0';
		if (!end && *p != '/')
			continue;
		*p = '\0';
		struct stat st;
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			log_error("cannot create the output folder %s: %s", path, strerror(errno));
			return DN_EXIT_FAILURE;
		}
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
			log_error(
			        "cannot create the output folder %s: it exists and is not a folder",
			        path);
			return DN_EXIT_FAILURE;
		}
		if (end)
			return DN_EXIT_OK;
		*p = '/';
	}
}

/* Write format to a temporary file in the output folder, whose name goes
 * to tmp_path; the caller renames it into place. */
static int write_temp_file(const struct map_cli *m, enum graph_format format, const struct graph *g,
                           const struct cluster_result *clusters,
                           const struct graph_write_options *wopt, char *tmp_path, size_t size)
{
	snprintf(tmp_path, size, "%s/.map.%s.XXXXXX", m->output_dir,
	         graph_format_extension(format));
	int fd = mkstemp(tmp_path);
	if (fd < 0) {
		log_error("cannot create a file in %s: %s", m->output_dir, strerror(errno));
		tmp_path[0] = '\0';
		return DN_EXIT_FAILURE;
	}
	/* mkstemp() creates the file 0600; give it the mode fopen() would. */
	mode_t mask = umask(0);
	umask(mask);
	FILE *f = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		log_error("cannot write %s: %s", tmp_path, strerror(errno));
		close(fd);
		return DN_EXIT_FAILURE;
	}
	struct dn_error err;
	dn_status rc = graph_write(f, format, g, clusters, wopt, &err);
	bool flushed = fflush(f) == 0 && fsync(fileno(f)) == 0;
	bool closed = fclose(f) == 0;
	if (rc != DN_OK || !flushed || !closed) {
		log_error("writing %s failed: %s", tmp_path,
		          rc != DN_OK ? err.msg : strerror(errno));
		return DN_EXIT_FAILURE;
	}
	return DN_EXIT_OK;
}

/* Write every format to the output folder. All files are written under
 * temporary names first and renamed into place only when all are
 * complete, so a run that fails or is interrupted while writing leaves
 * the earlier set whole. NOTE: a failure between two renames (a full
 * folder entry table, say) still leaves a mixed set. */
static int write_output_dir(const struct map_cli *m, const struct graph *g,
                            const struct cluster_result *clusters,
                            const struct graph_write_options *wopt)
{
	int code = make_dirs(m->output_dir);
	if (code != DN_EXIT_OK)
		return code;
	char tmp[GRAPH_FORMAT_COUNT][4096] = {{0}};
	for (int f = 0; f < GRAPH_FORMAT_COUNT && code == DN_EXIT_OK; f++)
		code = write_temp_file(m, (enum graph_format)f, g, clusters, wopt, tmp[f],
		                       sizeof(tmp[f]));
	for (int f = 0; f < GRAPH_FORMAT_COUNT; f++) {
		if (tmp[f][0] == '\0')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/map.%s", m->output_dir,
		         graph_format_extension((enum graph_format)f));
		if (code == DN_EXIT_OK && rename(tmp[f], path) != 0) {
			log_error("cannot rename %s to %s: %s", tmp[f], path, strerror(errno));
			code = DN_EXIT_FAILURE;
		}
		if (code != DN_EXIT_OK)
			unlink(tmp[f]);
		else
			log_info("map: wrote %s", path);
	}
	return code;
}

static int write_outputs(const struct map_cli *m, const struct graph *g,
                         const struct cluster_result *clusters,
                         const struct graph_write_options *wopt)
{
	struct dn_error err;
	if (m->output_dir != NULL) {
		int code = write_output_dir(m, g, clusters, wopt);
		if (code != DN_EXIT_OK)
			return code;
	}
	enum graph_format format = m->output_dir != NULL ? GRAPH_FORMAT_TEXT : m->format;
	if (graph_write(stdout, format, g, clusters, wopt, &err) != DN_OK) {
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

/* Whether the graph has an edge with evidence the store observed. */
static bool has_observed_links(const struct graph *g)
{
	for (size_t i = 0; i < g->n_edges; i++)
		for (size_t k = 0; k < g->edges[i].n_evidence; k++)
			if (g->edges[i].evidence[k].from != GRAPH_FROM_DERIVED)
				return true;
	return false;
}

/* Whether the store has data on seed outside the time fence of m: a
 * one-hop map of it without the fence finds an observed link. */
static bool seed_has_data_unfenced(const struct map_cli *m, struct store *store,
                                   enum graph_kind kind, const char *key)
{
	char seed[1100];
	snprintf(seed, sizeof(seed), "%s:%s", graph_kind_name(kind), key);
	struct pivot_options opt = m->pivot;
	opt.since = opt.until = 0;
	opt.depth = 1;
	opt.overlap_only = false;
	opt.max_queries = 0;
	struct graph g;
	graph_init(&g);
	struct dn_error ignored;
	const char *seeds[] = {seed};
	bool found = pivot_map(store, &opt, seeds, 1, &g, NULL, &ignored) == DN_OK &&
	             has_observed_links(&g);
	graph_free(&g);
	return found;
}

/* Warn about each seed the map could not follow, saying why. */
static void warn_seeds(const struct map_cli *m, struct store *store, const struct graph *g)
{
	bool fenced = m->pivot.since != 0 || m->pivot.until != 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];
		if (!n->seed)
			continue;
		const char *kind = graph_kind_name(n->kind);
		if (n->hold == GRAPH_HOLD_MASKED)
			log_warn("map: seed %s %s was not expanded: %s (masked values are never "
			         "expanded)",
			         kind, n->label, n->hold_reason);
		else if (n->hold == GRAPH_HOLD_SHARED || n->hold == GRAPH_HOLD_LISTED)
			log_warn("map: seed %s %s was not expanded: %s (use --expand to follow it)",
			         kind, n->label, n->hold_reason);
		else if (m->pivot.depth == 0)
			log_warn("map: seed %s %s was not expanded: --depth 0 maps the seeds alone",
			         kind, n->label);
		else if (has_observed_edge(g, i, true))
			continue;
		else if (fenced && seed_has_data_unfenced(m, store, n->kind, n->key))
			log_warn(
			        "map: the store has data on seed %s %s, but all of it lies outside "
			        "the time fence (--since/--until); widen or drop the fence",
			        kind, n->label);
		else
			log_warn("map: no data found in the store for seed %s %s", kind, n->label);
	}
}

/* Warn once for each --expand value that names no node of the map. */
static void warn_unmatched_expand(const struct map_cli *m, const struct graph *g)
{
	for (size_t i = 0; i < m->pivot.n_expand; i++) {
		bool matched = false;
		for (uint32_t k = 0; k < g->n_nodes && !matched; k++)
			matched = pivot_value_matches(m->expand[i], &g->nodes[k]);
		if (!matched)
			log_warn("map: --expand %s matched no value in the map", m->expand[i]);
	}
}

static void log_summary(const struct graph *g, const struct cluster_result *clusters,
                        const struct pivot_stats *stats)
{
	log_info("map: %zu nodes, %zu edges, %zu clusters, %" PRIu64 " store queries",
	         g->n_nodes, g->n_edges, clusters->n_clusters, stats->queries);
	log_info("map: not expanded: %" PRIu64 " shared, %" PRIu64 " listed, %" PRIu64
	         " masked, %" PRIu64 " registrars, %" PRIu64 " at the last hop; %" PRIu64
	         " edges outside --overlap; %" PRIu64 " lookups cut at their record limit",
	         stats->held_shared, stats->held_listed, stats->held_masked, stats->held_weak,
	         stats->held_depth, stats->skipped_time, stats->cut);
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
		warn_seeds(m, store, &res.graph);
		warn_unmatched_expand(m, &res.graph);
		struct graph_write_options wopt;
		map_write_options_init(&wopt, &m->pivot, seed_list, (size_t)n_seeds, time_now());
		wopt.redact_personal = m->redact;
		code = write_outputs(m, &res.graph, &res.clusters, &wopt);
		if (code == DN_EXIT_OK && !has_observed_links(&res.graph))
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
	m.pivot.shared = &shared;

	struct store *store;
	code = cli_open_store(&m.common, STORE_READ, NULL, &store);
	if (code == DN_EXIT_OK) {
		code = run_map(&m, store, argc - optind, argv + optind);
		store_close(store);
	}
	shared_list_free(&shared);
	return cli_finish_output(code);
}
