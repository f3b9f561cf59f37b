/* dragnet registrants correlate: groups of domains whose registrants are
 * probably one operator, with the evidence for each group. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "export/whois_writer.h"
#include "graph/registrants.h"
#include "util/arena.h"
#include "util/log.h"
#include "whois/document.h"
#include "whois/response.h"

static const char registrants_usage[] =
        "Usage: dragnet registrants correlate [OPTION]... [DOMAIN]...\n"
        "Find groups of domains whose WHOIS registrants are probably one operator, and\n"
        "say why: identical emails, phones, names, organisations or addresses; phone\n"
        "numbers equal but for the last one or two digits (noting sequential runs);\n"
        "email variants; near-identical names and addresses; registration bursts at\n"
        "one registrar (these only support a group). Redacted and privacy-service\n"
        "values never link, nor do values on more than --share-max domains; both are\n"
        "listed as not used. With DOMAINs, only the groups that hold one of them are\n"
        "shown. docs/registrants.md explains the weights and the confidence.\n"
        "\n"
        "  -j, --json              one JSON object per group, then one per unused value\n"
        "      --share-max N       values on more than N domains never link (default 100)\n"
        "      --burst-gap SECONDS most time between two registrations of a burst\n"
        "                          (default 86400)\n"
        "      --burst-min N       fewest domains in a burst (default 3)\n"
        "      --min-size N        show groups of at least N domains (default 2)\n"
        "      --show-unused       list every value left out, not only a count\n"
        "      --redact-personal   print no natural person's email, phone, name or\n"
        "                          address\n"
        "      --store LOCATION    SQLite file, sqlite:PATH or clickhouse://HOST:PORT/DB\n"
        "      --db PATH           SQLite file; the same as --store PATH\n"
        "  -v, --verbose, -q, --quiet, -h, --help\n"
        "\n"
        "Exit status: 0 at least one group shown, 1 none, 2 invalid arguments, 4 store\n"
        "error, 5 other failure.\n";

enum {
	OPT_SHARE_MAX = 256,
	OPT_BURST_GAP,
	OPT_BURST_MIN,
	OPT_MIN_SIZE,
	OPT_SHOW_UNUSED,
	OPT_REDACT,
};

/* Documents come once per source and in no set order; each becomes an entry,
 * and keep_latest() keeps, per domain, the one seen last. */
struct doc_entry {
	struct registrants_domain d;
	int64_t time_last;
};

/* The store's contents for correlation: every index row, and per domain
 * the registrar and creation time of its latest document. */
struct gathered {
	struct arena arena;
	struct store_whois_value *rows;
	size_t n_rows, cap_rows;
	struct doc_entry *entries;
	size_t n_entries, cap_entries;
	struct registrants_domain *domains; /* one per domain, sorted */
	size_t n_domains;
	struct dn_error err;
};

static const char *keep(struct gathered *g, const char *s)
{
	if (s == NULL)
		return NULL;
	return arena_dup(&g->arena, s, strlen(s) + 1);
}

static dn_status gather_row(const struct store_whois_value *v, void *ctx)
{
	struct gathered *g = ctx;
	if (g->n_rows == g->cap_rows) {
		size_t cap = g->cap_rows ? g->cap_rows * 2 : 1024;
		struct store_whois_value *grown = realloc(g->rows, cap * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(&g->err, DN_ENOMEM, "out of memory reading WHOIS values");
		g->rows = grown;
		g->cap_rows = cap;
	}
	struct store_whois_value *r = &g->rows[g->n_rows];
	*r = *v;
	r->kind = keep(g, v->kind);
	r->value = keep(g, v->value);
	r->shown = keep(g, v->shown);
	r->domain = keep(g, v->domain);
	r->role = keep(g, v->role);
	if (r->kind == NULL || r->value == NULL || r->domain == NULL || r->role == NULL)
		return dn_fail(&g->err, DN_ENOMEM, "out of memory reading WHOIS values");
	g->n_rows++;
	return DN_OK;
}

/* By domain, the newest document first. */
static int compare_entry(const void *a, const void *b)
{
	const struct doc_entry *x = a, *y = b;
	int c = strcmp(x->d.domain, y->d.domain);
	if (c != 0)
		return c;
	return (x->time_last < y->time_last) - (x->time_last > y->time_last);
}

static dn_status gather_doc(const struct store_whois *doc, void *ctx)
{
	struct gathered *g = ctx;
	if (strcmp(doc->status, "found") != 0)
		return DN_OK;
	struct arena scratch;
	arena_init(&scratch, 16 * 1024);
	struct whois_record rec;
	struct dn_error err;
	if (whois_document_read(doc->document, strlen(doc->document), &scratch, &rec, &err) !=
	    DN_OK) {
		log_warn("%s: stored document skipped: %s", doc->domain, err.msg);
		arena_free(&scratch);
		return DN_OK;
	}
	if (g->n_entries == g->cap_entries) {
		size_t cap = g->cap_entries ? g->cap_entries * 2 : 256;
		struct doc_entry *grown = realloc(g->entries, cap * sizeof(*grown));
		if (grown == NULL) {
			arena_free(&scratch);
			return dn_fail(&g->err, DN_ENOMEM, "out of memory reading documents");
		}
		g->entries = grown;
		g->cap_entries = cap;
	}
	g->entries[g->n_entries++] = (struct doc_entry){
	        {keep(g, doc->domain), keep(g, rec.registrar.name), rec.created}, doc->time_last};
	arena_free(&scratch);
	return DN_OK;
}

static dn_status keep_latest(struct gathered *g)
{
	if (g->n_entries > 1)
		qsort(g->entries, g->n_entries, sizeof(*g->entries), compare_entry);
	g->domains = malloc((g->n_entries + 1) * sizeof(*g->domains));
	if (g->domains == NULL)
		return dn_fail(&g->err, DN_ENOMEM, "out of memory");
	for (size_t i = 0; i < g->n_entries; i++) {
		if (i > 0 && strcmp(g->entries[i].d.domain, g->entries[i - 1].d.domain) == 0)
			continue;
		g->domains[g->n_domains++] = g->entries[i].d;
	}
	return DN_OK;
}

struct correlate_cli {
	bool json;
	bool redact;
	bool show_unused;
	unsigned long long min_size;
};

static bool personal_field(const char *field)
{
	return strcmp(field, "email") == 0 || strcmp(field, "phone") == 0 ||
	       strcmp(field, "name") == 0 || strcmp(field, "address") == 0;
}

/* The reason of an item as printed: with --redact-personal, an item on a
 * personal field is described by its kind alone. */
static const char *reason_text(const struct correlate_cli *c, const struct registrants_evidence *e,
                               char *buf, size_t size)
{
	if (!c->redact || !personal_field(e->field))
		return e->reason;
	static const char *const kinds[] = {"identical values", "numbers equal but for the last digits",
	                                    "variants of one mailbox", "near-identical values",
	                                    "initials of one name", "registered together"};
	snprintf(buf, size, "%s: %s across %zu domains%s", e->field, kinds[e->kind], e->n_domains,
	         e->sequential ? " (a sequential run)" : "");
	return buf;
}

static bool wanted(const struct registrants_group *g, const struct correlate_cli *c, char **only,
                   int n_only)
{
	if (g->n_domains < c->min_size)
		return false;
	if (n_only == 0)
		return true;
	for (int i = 0; i < n_only; i++) {
		for (size_t j = 0; j < g->n_domains; j++) {
			if (strcmp(only[i], g->domains[j]) == 0)
				return true;
		}
	}
	return false;
}

/* Evidence as printed: the items that tie most of the group first, so the
 * link that makes the group leads; then by weight. */
static int compare_evidence(const void *a, const void *b)
{
	const struct registrants_evidence *x = *(const struct registrants_evidence *const *)a;
	const struct registrants_evidence *y = *(const struct registrants_evidence *const *)b;
	if (x->n_domains != y->n_domains)
		return x->n_domains > y->n_domains ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->reason, y->reason);
}

static const struct registrants_evidence **evidence_order(const struct registrants_group *g)
{
	const struct registrants_evidence **order = malloc((g->n_evidence + 1) * sizeof(*order));
	if (order == NULL)
		return NULL;
	for (size_t i = 0; i < g->n_evidence; i++)
		order[i] = &g->evidence[i];
	qsort(order, g->n_evidence, sizeof(*order), compare_evidence);
	return order;
}

static const char *const kind_names[] = {"same value", "phone digits", "email variant",
                                         "similar", "initials", "burst"};

static void print_group_json(const struct correlate_cli *c, const struct registrants_group *g,
                             size_t number)
{
	json_t *o = json_object();
	json_object_set_new(o, "group", json_integer((json_int_t)number));
	json_object_set_new(o, "size", json_integer((json_int_t)g->n_domains));
	json_object_set_new(o, "confidence", json_real(g->confidence));
	json_t *domains = json_array();
	for (size_t i = 0; i < g->n_domains; i++)
		json_array_append_new(domains, json_string(g->domains[i]));
	json_object_set_new(o, "domains", domains);
	json_t *evidence = json_array();
	const struct registrants_evidence **order = evidence_order(g);
	for (size_t i = 0; order != NULL && i < g->n_evidence; i++) {
		const struct registrants_evidence *e = order[i];
		char buf[256];
		json_t *item = json_object();
		json_object_set_new(item, "kind", json_string(kind_names[e->kind]));
		json_object_set_new(item, "field", json_string(e->field));
		json_object_set_new(item, "reason", json_string(reason_text(c, e, buf, sizeof(buf))));
		json_object_set_new(item, "weight", json_real(e->weight));
		json_object_set_new(item, "sequential", json_boolean(e->sequential));
		if (!c->redact || !personal_field(e->field)) {
			json_t *values = json_array();
			for (size_t v = 0; v < e->n_values; v++)
				json_array_append_new(values, json_string(e->values[v]));
			json_object_set_new(item, "values", values);
		}
		json_t *members = json_array();
		for (size_t d = 0; d < e->n_domains; d++)
			json_array_append_new(members, json_string(e->domains[d]));
		json_object_set_new(item, "domains", members);
		json_array_append_new(evidence, item);
	}
	free(order);
	json_object_set_new(o, "evidence", evidence);
	char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(3));
	json_decref(o);
	if (out != NULL)
		puts(out);
	free(out);
}

static void print_group(const struct correlate_cli *c, const struct registrants_group *g,
                        size_t number)
{
	printf("group %zu: %zu domains, confidence %.2f\n", number, g->n_domains, g->confidence);
	const struct registrants_evidence **order = evidence_order(g);
	for (size_t i = 0; order != NULL && i < g->n_evidence; i++) {
		const struct registrants_evidence *e = order[i];
		char buf[256];
		printf("  %.2f  %-13s %s\n", e->weight, kind_names[e->kind],
		       reason_text(c, e, buf, sizeof(buf)));
		if (e->n_domains < g->n_domains)
			printf("        (%zu of the %zu domains)\n", e->n_domains, g->n_domains);
	}
	free(order);
	for (size_t i = 0; i < g->n_domains; i++)
		printf("    %s\n", g->domains[i]);
	putchar('\n');
}

static void print_unused(const struct correlate_cli *c, const struct registrants_result *res)
{
	size_t masked = 0, shared = 0;
	for (size_t i = 0; i < res->n_unused; i++) {
		const struct registrants_unused *u = &res->unused[i];
		if (u->masked)
			masked++;
		else
			shared++;
		bool hide = c->redact && !u->masked && personal_field(u->kind);
		const char *shown = u->shown != NULL ? u->shown : u->value;
		const char *reason = u->reason;
		char generic[96];
		if (hide) {
			/* The reason may quote the values it is about. */
			shown = WHOIS_REDACTED_TEXT;
			snprintf(generic, sizeof(generic), "not used: on %zu domains, over the limit",
			         u->n_domains);
			reason = generic;
		}
		if (c->json) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b, s:s}", "unused", u->kind,
			                      "value", hide ? WHOIS_REDACTED_TEXT : u->value, "shown",
			                      shown, "domains", (json_int_t)u->n_domains, "masked",
			                      u->masked, "reason", reason);
			char *out = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			json_decref(o);
			if (out != NULL)
				puts(out);
			free(out);
		} else if (c->show_unused) {
			printf("  %-8s %-40s %s\n", u->kind, shown, reason);
		}
	}
	if (!c->json && res->n_unused > 0) {
		if (c->show_unused)
			printf("(the values above were not used)\n");
		else
			printf("not used: %zu masked values (redacted or privacy services) and %zu "
			       "values shared by too many domains; --show-unused lists them\n",
			       masked, shared);
	}
}

static int correlate(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"json", no_argument, NULL, 'j'},
	        {"share-max", required_argument, NULL, OPT_SHARE_MAX},
	        {"burst-gap", required_argument, NULL, OPT_BURST_GAP},
	        {"burst-min", required_argument, NULL, OPT_BURST_MIN},
	        {"min-size", required_argument, NULL, OPT_MIN_SIZE},
	        {"show-unused", no_argument, NULL, OPT_SHOW_UNUSED},
	        {"redact-personal", no_argument, NULL, OPT_REDACT},
	        {"help", no_argument, NULL, 'h'},
	        CLI_COMMON_LONG,
	        {NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "registrants correlate"};
	struct registrants_options opt;
	registrants_options_init(&opt);
	struct correlate_cli c = {.min_size = 2};
	unsigned long long value;
	int o;
	while ((o = getopt_long(argc, argv, ":jhvq", longopts, NULL)) != -1) {
		if (cli_common_option(&common, o, optarg))
			continue;
		switch (o) {
		case 'j':
			c.json = true;
			break;
		case OPT_SHARE_MAX:
			if (!cli_parse_uint(optarg, SIZE_MAX, &value) || value == 0)
				return cli_usage_error(common.command, "invalid --share-max '%s'",
				                       optarg);
			opt.share_max = (size_t)value;
			break;
		case OPT_BURST_GAP:
			if (!cli_parse_uint(optarg, INT64_MAX, &value))
				return cli_usage_error(common.command, "invalid --burst-gap '%s'",
				                       optarg);
			opt.burst_gap = (int64_t)value;
			break;
		case OPT_BURST_MIN:
			if (!cli_parse_uint(optarg, SIZE_MAX, &value) || value < 2)
				return cli_usage_error(common.command,
				                       "invalid --burst-min '%s' (2 or more)", optarg);
			opt.burst_min = (size_t)value;
			break;
		case OPT_MIN_SIZE:
			if (!cli_parse_uint(optarg, SIZE_MAX, &c.min_size) || c.min_size < 2)
				return cli_usage_error(common.command,
				                       "invalid --min-size '%s' (2 or more)", optarg);
			break;
		case OPT_SHOW_UNUSED:
			c.show_unused = true;
			break;
		case OPT_REDACT:
			c.redact = true;
			break;
		case 'h':
			fputs(registrants_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error(common.command, o, argv);
		}
	}
	cli_setup_logging(&common, false);
	argc -= optind;
	argv += optind;
	char **only = calloc((size_t)argc + 1, sizeof(*only));
	if (only == NULL)
		return DN_EXIT_FAILURE;
	int code = DN_EXIT_OK;
	for (int i = 0; i < argc && code == DN_EXIT_OK; i++) {
		char key[256];
		if (!whois_domain_key(argv[i], key, sizeof(key)))
			code = cli_usage_error(common.command, "'%s' is not a domain name", argv[i]);
		else if ((only[i] = strdup(key)) == NULL)
			code = DN_EXIT_FAILURE;
	}
	struct store *store = NULL;
	if (code == DN_EXIT_OK)
		code = cli_open_store(&common, STORE_READ, NULL, &store);
	struct gathered g = {0};
	arena_init(&g.arena, 256 * 1024);
	struct registrants_result res = {0};
	bool have_result = false;
	if (code == DN_EXIT_OK) {
		log_debug("reading WHOIS index values and documents");
		dn_status rc = store_dump_whois_values(store, gather_row, &g, &g.err);
		if (rc == DN_OK)
			rc = store_dump_whois(store, gather_doc, &g, &g.err);
		if (rc == DN_OK)
			rc = keep_latest(&g);
		if (rc != DN_OK) {
			log_error("%s", g.err.msg);
			code = cli_exit_for_store(rc);
		}
	}
	if (code == DN_EXIT_OK) {
		log_debug("correlating %zu values of %zu domains", g.n_rows, g.n_domains);
		struct dn_error err;
		dn_status rc = registrants_correlate(g.rows, g.n_rows, g.domains, g.n_domains, &opt,
		                                     &res, &err);
		if (rc != DN_OK) {
			log_error("%s", err.msg);
			code = cli_exit_for(rc);
		} else {
			have_result = true;
		}
	}
	if (have_result) {
		for (int i = 0; i < argc; i++) {
			bool known = false;
			for (size_t j = 0; j < g.n_domains && !known; j++)
				known = strcmp(g.domains[j].domain, only[i]) == 0;
			if (!known)
				log_warn("%s: no WHOIS record is stored", only[i]);
		}
		size_t shown = 0;
		for (size_t i = 0; i < res.n_groups; i++) {
			if (!wanted(&res.groups[i], &c, only, argc))
				continue;
			shown++;
			if (c.json)
				print_group_json(&c, &res.groups[i], i + 1);
			else
				print_group(&c, &res.groups[i], i + 1);
		}
		if (argc == 0 || c.show_unused || c.json)
			print_unused(&c, &res);
		if (shown == 0)
			log_warn("no group of %llu or more domains", c.min_size);
		code = cli_finish_output(shown > 0 ? DN_EXIT_OK : DN_EXIT_NO_MATCH);
		registrants_result_free(&res);
	}
	store_close(store);
	for (int i = 0; i < argc; i++)
		free(only[i]);
	free(only);
	free(g.rows);
	free(g.domains);
	free(g.entries);
	arena_free(&g.arena);
	return code;
}

int cmd_registrants(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "correlate") == 0)
		return correlate(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(registrants_usage, stdout);
		return cli_finish_output(DN_EXIT_OK);
	}
	if (argc < 2)
		return cli_usage_error("registrants", "give a subcommand: correlate");
	return cli_usage_error("registrants", "unknown subcommand '%s' (correlate)", argv[1]);
}
