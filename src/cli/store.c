/* dragnet store: create, check and copy stores. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "store/copy.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/timeutil.h"

static const char store_usage[] =
	"Usage: dragnet store init [OPTION]...\n"
	"       dragnet store status [OPTION]...\n"
	"       dragnet store copy --from LOCATION --to LOCATION [OPTION]...\n"
	"Create, check or copy a passive-DNS store.\n"
	"\n"
	"  init    create the store, or bring its schema up to date, and print its\n"
	"          backend, location and schema version\n"
	"  status  check that every node of the store answers and that its schema is\n"
	"          the one this dragnet writes, and show what the store contains\n"
	"  copy    copy every source, record, negative answer and run of one store\n"
	"          into another, such as a SQLite file into a ClickHouse database\n"
	"\n"
	"  -j, --json            (status) one JSON object instead of text\n"
	"      --from LOCATION   (copy) store to read, as for --store\n"
	"      --to LOCATION     (copy) store to write; created when missing\n"
	"      --merge           (copy) add to a store that already contains records:\n"
	"                        counts add up and time spans widen\n"
	"      --batch N         (copy) rows written per transaction (default 50000)\n"
	"      --store LOCATION  (init, status) SQLite file, sqlite:PATH or\n"
	"                        clickhouse://HOST:PORT/DB (default $DRAGNET_STORE, else\n"
	"                        $DRAGNET_DB, else the config file, else\n"
	"                        $XDG_DATA_HOME/dragnet/dragnet.db)\n"
	"      --db PATH         (init, status) SQLite file; the same as --store PATH\n"
	"  -v, --verbose, -q, --quiet, -h, --help\n"
	"\n"
	"Exit status: 0 success (status: healthy), 2 invalid arguments, store location\n"
	"or configuration file, or a copy into a store that contains records without\n"
	"--merge, 4 store error (status: the store cannot be opened, a node does not\n"
	"answer, the schema is missing, older or newer, or batches wait in the spool),\n"
	"5 other failure, 130 copy interrupted.\n";

enum {
	OPT_FROM = 256,
	OPT_TO,
	OPT_MERGE,
	OPT_BATCH,
};

/* Parse the options of init and status; returns -1 to go on, else the
 * exit code to return. */
static int parse_options(const char *command, int argc, char **argv, struct cli_common *common,
                         bool *json)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, ":jhvq", longopts, NULL)) != -1) {
		if (cli_common_option(common, opt, optarg))
			continue;
		if (opt == 'j' && json == NULL) {
			return cli_usage_error(command, "-j/--json applies to store status only");
		} else if (opt == 'j') {
			*json = true;
		} else if (opt == 'h') {
			fputs(store_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		} else {
			return cli_option_error(command, opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(command, "unexpected argument '%s'", argv[optind]);
	cli_setup_logging(common, false);
	return -1;
}

/* ---- init ---- */

static int cmd_store_init(int argc, char **argv)
{
	struct cli_common common = {.command = "store init"};
	int code = parse_options("store init", argc, argv, &common, NULL);
	if (code >= 0)
		return code;

	struct store *store;
	code = cli_open_store(&common, STORE_WRITE, NULL, &store);
	if (code != DN_EXIT_OK)
		return code;
	static struct store_status st;
	struct dn_error err;
	dn_status rc = store_status(store, &st, &err);
	store_close(store);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		return cli_exit_for_store(rc);
	}

	char shown[sizeof(st.location)];
	cli_location_redact(st.location, shown, sizeof(shown));
	/* An HTTP server that responds to every request with 200 lets the
	 * creation "succeed" without storing anything. */
	if (st.schema_version != st.schema_expected) {
		log_error("%s: the store reports schema version %d after store init, not %d; check "
		          "that the location names a %s store",
		          shown, st.schema_version, st.schema_expected, st.backend);
		return DN_EXIT_STORE;
	}
	printf("backend         %s\n", st.backend);
	printf("location        %s\n", shown);
	printf("schema version  %d\n", st.schema_version);
	return cli_finish_output(DN_EXIT_OK);
}

/* ---- status ---- */

/* The findings of store status beyond the backend's own report. */
struct health {
	bool opened;        /* false when the store could not be opened, so the
	                     * backend reported nothing */
	bool stats_ok;
	char stats_error[512];
	bool spool_counted; /* false when the spool folder could not be listed,
	                     * so its counts are unknown */
	char problems[8][640];
	size_t nproblems;
};

static void add_problem(struct health *h, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void add_problem(struct health *h, const char *fmt, ...)
{
	if (h->nproblems >= sizeof(h->problems) / sizeof(h->problems[0]))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->problems[h->nproblems++], sizeof(h->problems[0]), fmt, ap);
	va_end(ap);
}

/* Describe the schema version against the expected one; false when they
 * differ. */
static bool describe_schema(const struct store_status *st, char *out, size_t size)
{
	if (st->schema_version == st->schema_expected) {
		snprintf(out, size, "version %d, the one this dragnet writes", st->schema_version);
		return true;
	}
	if (st->schema_version == 0)
		snprintf(out, size, "missing; run dragnet store init to create it (version %d)",
		         st->schema_expected);
	else if (st->schema_version < st->schema_expected)
		snprintf(out, size,
		         "version %d, older than this dragnet's %d; run dragnet store init to "
		         "upgrade it",
		         st->schema_version, st->schema_expected);
	else
		snprintf(out, size, "version %d, newer than this dragnet's %d; upgrade dragnet",
		         st->schema_version, st->schema_expected);
	return false;
}

/* Check whether the missing folder path can be created, which needs the
 * deepest existing folder above it to be a directory this process may
 * write to. Returns false, with that folder in blocker, when it cannot. */
static bool folder_creatable(const char *path, char *blocker, size_t size)
{
	char parent[sizeof(((struct store_status *)0)->spool_dir)];
	snprintf(parent, sizeof(parent), "%s", path);
	for (;;) {
		char *slash = strrchr(parent, '/');
		if (slash == NULL)
			return true; /* a relative path; the backends never report one */
		if (slash == parent)
			slash[1] = '\0';
		else
			slash[0] = '\0';
		struct stat sb;
		if (stat(parent, &sb) == 0) {
			snprintf(blocker, size, "%s", parent);
			return S_ISDIR(sb.st_mode) && access(parent, W_OK | X_OK) == 0;
		}
		if ((errno != ENOENT && errno != ENOTDIR) || strcmp(parent, "/") == 0) {
			snprintf(blocker, size, "%s", parent);
			return false;
		}
	}
}

/* Check that the spool folder can be created or read, and that no batch
 * waits in it: a waiting batch is committed data that the store does not
 * contain yet. */
static void check_spool(const struct store_status *st, struct health *h)
{
	h->spool_counted = true;
	if (st->spool_dir[0] == '\0')
		return;
	const char *dir = st->spool_dir;
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		int error = errno;
		char blocker[sizeof(st->spool_dir)];
		if (error != ENOENT && error != ENOTDIR) {
			h->spool_counted = false;
			add_problem(h, "cannot check the spool %s: %s", dir, strerror(error));
		} else if (!folder_creatable(dir, blocker, sizeof(blocker))) {
			add_problem(h,
			            "the spool %s does not exist and cannot be created: %s is not a "
			            "writable directory; writes to this store will fail",
			            dir, blocker);
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		add_problem(h,
		            "the spool %s is not a directory; writes to this store will fail until "
		            "it is moved away",
		            dir);
	} else {
		DIR *listing = opendir(dir);
		if (listing == NULL) {
			h->spool_counted = false;
			add_problem(h, "cannot read the spool %s: %s", dir, strerror(errno));
		} else {
			closedir(listing);
		}
	}
	if (st->spool_batches > 0) {
		char bytes[32];
		format_bytes(st->spool_bytes, bytes, sizeof(bytes));
		add_problem(h,
		            "%" PRIu64 " %s (%s) %s in the spool %s; the next dragnet command that "
		            "writes to this store sends them",
		            st->spool_batches, st->spool_batches == 1 ? "batch" : "batches", bytes,
		            st->spool_batches == 1 ? "waits" : "wait", dir);
	}
}

static void check_health(const struct store_status *st, struct health *h)
{
	for (size_t i = 0; i < st->nnodes; i++) {
		const struct store_node_status *node = &st->nodes[i];
		if (!node->ok)
			add_problem(h, "%s %s does not answer: %s", node->role, node->name,
			            node->message);
	}
	if (st->nnodes == 0)
		add_problem(h, "the backend reported no nodes");
	char schema[256];
	if (!describe_schema(st, schema, sizeof(schema)))
		add_problem(h, "schema %s", schema);
	check_spool(st, h);
	if (!h->stats_ok)
		add_problem(h, "reading its contents failed: %s", h->stats_error);
}

/* The backend a location names, for the report on a store that could not
 * be opened; store_open() has rejected every other scheme by then. */
static const char *location_backend(const char *location)
{
	return strncasecmp(location, "clickhouse://", 13) == 0 ? "clickhouse" : "sqlite";
}

static void print_status_text(const struct store_status *st, const struct store_stats *stats,
                              const struct health *h)
{
	char shown[sizeof(st->location)];
	cli_location_redact(st->location, shown, sizeof(shown));
	printf("store      %s\n", shown);
	printf("backend    %s\n", st->backend);
	if (!h->opened) {
		printf("schema     unknown\n");
		printf("nodes      unknown\n");
		printf("spool      unknown\n");
		printf("contents   unknown\n");
	} else {
		char schema[256];
		describe_schema(st, schema, sizeof(schema));
		size_t answering = 0;
		for (size_t i = 0; i < st->nnodes; i++)
			answering += st->nodes[i].ok;
		printf("schema     %s\n", schema);
		printf("nodes      %zu of %zu answering\n", answering, st->nnodes);
		for (size_t i = 0; i < st->nnodes; i++) {
			const struct store_node_status *node = &st->nodes[i];
			printf("  %-6s  %-8s  %s  %s\n", node->ok ? "ok" : "FAILED", node->role,
			       node->name, node->message);
		}
		if (st->spool_dir[0] == '\0') {
			printf("spool      none (this backend writes to the store directly)\n");
		} else if (!h->spool_counted) {
			printf("spool      unknown (%s)\n", st->spool_dir);
		} else {
			char bytes[32];
			format_bytes(st->spool_bytes, bytes, sizeof(bytes));
			printf("spool      %" PRIu64 " batches (%s) waiting in %s\n",
			       st->spool_batches, bytes, st->spool_dir);
		}
		if (h->stats_ok)
			printf("contents   %" PRIu64 " rrsets, %" PRIu64 " observations, %" PRIu64
			       " negative answers, %zu sources, %" PRIu64 " runs\n",
			       stats->rrsets, stats->observations, stats->negatives,
			       stats->sources_total, stats->runs);
		else
			printf("contents   unknown: %s\n", h->stats_error);
	}
	if (h->nproblems == 0) {
		printf("health     ok\n");
		return;
	}
	for (size_t i = 0; i < h->nproblems; i++)
		printf("%s%s\n", i == 0 ? "health     FAILED: " : "           ", h->problems[i]);
}

static json_t *status_nodes_json(const struct store_status *st)
{
	json_t *nodes = json_array();
	for (size_t i = 0; i < st->nnodes; i++) {
		json_t *node = json_object();
		json_object_set_new(node, "name", json_string(st->nodes[i].name));
		json_object_set_new(node, "role", json_string(st->nodes[i].role));
		json_object_set_new(node, "ok", json_boolean(st->nodes[i].ok));
		json_object_set_new(node, "message", json_string(st->nodes[i].message));
		json_array_append_new(nodes, node);
	}
	return nodes;
}

static json_t *status_spool_json(const struct store_status *st, const struct health *h)
{
	json_t *spool = json_object();
	json_object_set_new(spool, "dir",
	                    st->spool_dir[0] != '\0' ? json_string(st->spool_dir) : json_null());
	json_object_set_new(spool, "batches",
	                    h->spool_counted ? json_integer((json_int_t)st->spool_batches)
	                                     : json_null());
	json_object_set_new(spool, "bytes",
	                    h->spool_counted ? json_integer((json_int_t)st->spool_bytes)
	                                     : json_null());
	return spool;
}

static json_t *status_contents_json(const struct store_stats *stats)
{
	json_t *contents = json_object();
	json_object_set_new(contents, "rrsets", json_integer((json_int_t)stats->rrsets));
	json_object_set_new(contents, "observations",
	                    json_integer((json_int_t)stats->observations));
	json_object_set_new(contents, "negatives", json_integer((json_int_t)stats->negatives));
	json_object_set_new(contents, "sources", json_integer((json_int_t)stats->sources_total));
	json_object_set_new(contents, "runs", json_integer((json_int_t)stats->runs));
	return contents;
}

/* Print the JSON report. What the backend did not report, because the store
 * could not be opened, is null. */
static void print_status_json(const struct store_status *st, const struct store_stats *stats,
                              const struct health *h)
{
	char shown[sizeof(st->location)];
	cli_location_redact(st->location, shown, sizeof(shown));
	json_t *obj = json_object();
	json_object_set_new(obj, "location", json_string(shown));
	json_object_set_new(obj, "backend", json_string(st->backend));
	json_object_set_new(obj, "healthy", json_boolean(h->nproblems == 0));
	json_object_set_new(obj, "schema_version",
	                    h->opened ? json_integer(st->schema_version) : json_null());
	json_object_set_new(obj, "schema_expected",
	                    h->opened ? json_integer(st->schema_expected) : json_null());
	json_object_set_new(obj, "nodes", h->opened ? status_nodes_json(st) : json_null());
	json_object_set_new(obj, "spool", h->opened ? status_spool_json(st, h) : json_null());
	json_object_set_new(obj, "contents",
	                    h->opened && h->stats_ok ? status_contents_json(stats) : json_null());

	json_t *problems = json_array();
	for (size_t i = 0; i < h->nproblems; i++)
		json_array_append_new(problems, json_string(h->problems[i]));
	json_object_set_new(obj, "problems", problems);

	json_dumpf(obj, stdout, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	putchar('\n');
	json_decref(obj);
}

static int cmd_store_status(int argc, char **argv)
{
	struct cli_common common = {.command = "store status"};
	bool json = false;
	int code = parse_options("store status", argc, argv, &common, &json);
	if (code >= 0)
		return code;

	struct cli_location where;
	code = cli_resolve_store(&common, &where);
	if (code != DN_EXIT_OK)
		return code;
	static struct store_status st;
	static struct store_stats stats;
	static struct health h;
	struct store *store;
	struct dn_error err;
	code = cli_open_resolved(&where, STORE_READ, NULL, &store, &err);
	if (code == DN_EXIT_STORE) {
		/* A store that cannot be opened gets the report of any unhealthy
		 * store, so that a monitor reads one format. */
		snprintf(st.location, sizeof(st.location), "%s", where.location);
		snprintf(st.backend, sizeof(st.backend), "%s", location_backend(where.location));
		add_problem(&h, "opening the store failed: %s", err.msg);
	} else if (code != DN_EXIT_OK) {
		log_error("%s", err.msg);
		return code;
	} else if (store_status(store, &st, &err) != DN_OK) {
		store_close(store);
		memset(&st, 0, sizeof(st));
		snprintf(st.location, sizeof(st.location), "%s", where.location);
		snprintf(st.backend, sizeof(st.backend), "%s", location_backend(where.location));
		add_problem(&h, "reading the status of the store failed: %s", err.msg);
	} else {
		h.opened = true;
		h.stats_ok = store_stats(store, &stats, &err) == DN_OK;
		if (!h.stats_ok)
			snprintf(h.stats_error, sizeof(h.stats_error), "%s", err.msg);
		store_close(store);
		check_health(&st, &h);
	}

	if (json)
		print_status_json(&st, &stats, &h);
	else
		print_status_text(&st, &stats, &h);
	return cli_finish_output(h.nproblems == 0 ? DN_EXIT_OK : DN_EXIT_STORE);
}

/* ---- copy ---- */

static volatile sig_atomic_t copy_stop;

static void on_copy_signal(int signo)
{
	(void)signo;
	copy_stop = 1;
}

static void install_copy_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_copy_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The file a SQLite location names; NULL for a URL. */
static const char *location_file(const char *location)
{
	if (strstr(location, "://") != NULL)
		return NULL;
	return strncmp(location, "sqlite:", 7) == 0 ? location + 7 : location;
}

/* True when from and to name the same store: the same text, or two names
 * of one existing file. */
static bool same_store(const char *from, const char *to)
{
	if (strcmp(from, to) == 0)
		return true;
	const char *from_file = location_file(from);
	const char *to_file = location_file(to);
	struct stat a, b;
	return from_file != NULL && to_file != NULL && stat(from_file, &a) == 0 &&
	       stat(to_file, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void draw_copy_progress(const struct store_copy_counts *done, void *ctx)
{
	progress_update_count(ctx, done->rrset_rows + done->negative_rows, "rows");
}

struct copy_request {
	const char *from;
	const char *to;
	char from_shown[CLI_LOCATION_MAX];
	char to_shown[CLI_LOCATION_MAX];
	bool merge;
	size_t batch;
	bool progress;
};

/* Compare what the target contains after the copy with what the source did.
 * The sums of counts must match exactly; distinct rrsets and negative
 * answers too when the target was empty. A source that changed during the
 * copy (an ingest still writing) makes the check meaningless, so it is
 * skipped with a warning. Returns an exit code. */
static int verify_copy(const struct copy_request *r, struct store *from,
                       const struct store_stats *from_before, const struct store_stats *to_before,
                       const struct store_stats *to_after)
{
	static struct store_stats from_after;
	struct dn_error err;
	if (store_stats(from, &from_after, &err) != DN_OK) {
		log_warn("cannot check the copy: %s", err.msg);
		return DN_EXIT_OK;
	}
	if (from_after.observations != from_before->observations ||
	    from_after.rrsets != from_before->rrsets ||
	    from_after.negatives != from_before->negatives) {
		log_warn("%s changed during the copy, so the copy was not checked; stop what "
		         "writes to it and copy again for an exact copy",
		         r->from_shown);
		return DN_EXIT_OK;
	}

	bool was_empty = to_before->rrsets == 0 && to_before->negatives == 0;
	bool sums_match = to_after->observations == to_before->observations + from_before->observations;
	bool distinct_match = !was_empty || (to_after->rrsets == from_before->rrsets &&
	                                     to_after->negatives == from_before->negatives);
	if (sums_match && distinct_match)
		return DN_EXIT_OK;
	log_error("copy check failed: %s contains %" PRIu64 " rrsets, %" PRIu64
	          " observations and %" PRIu64 " negative answers; %s contained %" PRIu64 ", %" PRIu64
	          " and %" PRIu64 " before the copy and %" PRIu64 ", %" PRIu64 " and %" PRIu64
	          " after it",
	          r->from_shown, from_before->rrsets, from_before->observations,
	          from_before->negatives, r->to_shown, to_before->rrsets, to_before->observations,
	          to_before->negatives, to_after->rrsets, to_after->observations,
	          to_after->negatives);
	return DN_EXIT_STORE;
}

/* Run the copy between two open stores; returns an exit code. */
static int copy_stores(const struct copy_request *r, struct store *from, struct store *to)
{
	static struct store_stats from_before, to_before, to_after;
	struct dn_error err;
	if (store_stats(from, &from_before, &err) != DN_OK ||
	    store_stats(to, &to_before, &err) != DN_OK) {
		log_error("%s", err.msg);
		return DN_EXIT_STORE;
	}
	if ((to_before.rrsets > 0 || to_before.negatives > 0) && !r->merge) {
		log_error("%s already contains %" PRIu64 " rrsets and %" PRIu64 " negative answers; "
		          "add --merge to add those of %s to them (counts add up), or copy into an "
		          "empty store",
		          r->to_shown, to_before.rrsets, to_before.negatives, r->from_shown);
		return DN_EXIT_USAGE;
	}

	/* No total: a record is copied once per source that saw it, and no
	 * figure of store_stats counts those rows. */
	struct progress progress;
	progress_start(&progress, r->progress, "copying", 0);
	struct store_copy_options options = {
		.batch = r->batch,
		.progress = draw_copy_progress,
		.progress_ctx = &progress,
		.stop = &copy_stop,
	};
	install_copy_signals();
	double started = time_monotonic();
	struct store_copy_counts done;
	dn_status rc = store_copy(from, to, &options, &done, &err);
	progress_finish(&progress);

	if (rc == DN_EINTR) {
		log_warn("interrupted: %s contains the %" PRIu64 " record rows and %" PRIu64
		         " negative answer rows written before the copy stopped; to finish, "
		         "remove it and copy again",
		         r->to_shown, done.rrset_rows, done.negative_rows);
		return DN_EXIT_INTERRUPTED;
	}
	if (rc != DN_OK) {
		cli_scrub_secret(err.msg, sizeof(err.msg), r->from);
		cli_scrub_secret(err.msg, sizeof(err.msg), r->to);
		log_error("%s", err.msg);
		return cli_exit_for_store(rc);
	}
	if (store_stats(to, &to_after, &err) != DN_OK) {
		log_error("%s", err.msg);
		return DN_EXIT_STORE;
	}
	log_info("copied %s to %s in %.1f s: %" PRIu64 " sources, %" PRIu64 " record rows and %" PRIu64
	         " negative answer rows (one per record and source), %" PRIu64 " runs, %" PRIu64
	         " WHOIS document rows and %" PRIu64 " WHOIS index values; %s now "
	         "contains %" PRIu64 " rrsets, %" PRIu64 " observations and %" PRIu64 " negative answers",
	         r->from_shown, r->to_shown, time_monotonic() - started, done.sources,
	         done.rrset_rows, done.negative_rows, done.runs, done.whois_rows,
	         done.whois_value_rows, r->to_shown, to_after.rrsets, to_after.observations,
	         to_after.negatives);
	if (done.certs > 0)
		log_info("copied %" PRIu64 " certificates, %" PRIu64 " certificate search keys and %" PRIu64
		         " certificate sightings",
		         done.certs, done.cert_name_rows, done.cert_sighting_rows);
	if (done.asn_ranges > 0)
		log_info("copied %" PRIu64 " IP-to-ASN ranges", done.asn_ranges);
	return verify_copy(r, from, &from_before, &to_before, &to_after);
}

static int cmd_store_copy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"merge", no_argument, NULL, OPT_MERGE},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "store copy"};
	struct copy_request r = {.from = NULL};
	unsigned long long value;
	int opt;
	while ((opt = getopt_long(argc, argv, ":hvq", longopts, NULL)) != -1) {
		if (cli_common_option(&common, opt, optarg))
			continue;
		switch (opt) {
		case OPT_FROM:
			r.from = optarg;
			break;
		case OPT_TO:
			r.to = optarg;
			break;
		case OPT_MERGE:
			r.merge = true;
			break;
		case OPT_BATCH:
			if (!cli_parse_uint(optarg, 10000000, &value) || value == 0)
				return cli_usage_error("store copy", "invalid --batch '%s' (1 to 10000000)",
				                       optarg);
			r.batch = (size_t)value;
			break;
		case 'h':
			fputs(store_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error("store copy", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("store copy", "unexpected argument '%s'", argv[optind]);
	if (common.store != NULL || common.db != NULL)
		return cli_usage_error("store copy", "give the stores with --from and --to; --store "
		                                     "and --db do not apply to a copy");
	if (r.from == NULL || r.from[0] == '\0' || r.to == NULL || r.to[0] == '\0')
		return cli_usage_error("store copy", "give both --from LOCATION and --to LOCATION");
	cli_setup_logging(&common, false);
	cli_location_redact(r.from, r.from_shown, sizeof(r.from_shown));
	cli_location_redact(r.to, r.to_shown, sizeof(r.to_shown));
	if (same_store(r.from, r.to))
		return cli_usage_error("store copy", "--from and --to name the same store, %s",
		                       r.from_shown);
	r.progress = isatty(STDERR_FILENO) && common.verbosity >= 0;

	struct store *from, *to;
	int code = cli_open_location(r.from, STORE_READ, NULL, &from);
	if (code != DN_EXIT_OK)
		return code;
	code = cli_open_location(r.to, STORE_WRITE, NULL, &to);
	if (code != DN_EXIT_OK) {
		store_close(from);
		return code;
	}
	code = copy_stores(&r, from, to);
	store_close(to);
	store_close(from);
	return code;
}

int cmd_store(int argc, char **argv)
{
	if (argc < 2) {
		fputs(store_usage, stderr);
		return DN_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		fputs(store_usage, stdout);
		return cli_finish_output(DN_EXIT_OK);
	}
	if (strcmp(sub, "init") == 0)
		return cmd_store_init(argc - 1, argv + 1);
	if (strcmp(sub, "status") == 0)
		return cmd_store_status(argc - 1, argv + 1);
	if (strcmp(sub, "copy") == 0)
		return cmd_store_copy(argc - 1, argv + 1);
	return cli_usage_error("store", "unknown subcommand '%s' (init, status or copy)", sub);
}
