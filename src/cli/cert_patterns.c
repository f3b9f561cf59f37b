/* dragnet cert patterns: certificates that share a key, self-signed
 * certificates that share an issuer DN or organisation, and issuer or
 * subject organisations that are tool defaults, each explained in words. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cert_dn.h"
#include "cli/cli.h"
#include "export/cert_results.h"
#include "util/log.h"

static const char patterns_usage[] =
	"Usage: dragnet cert patterns [OPTION]...\n"
	"Report patterns among the stored certificates that point to one operator:\n"
	"  - one public key (SPKI) in several certificates;\n"
	"  - self-signed certificates with the same issuer DN;\n"
	"  - self-signed certificates whose issuer organisation (O) is the same while\n"
	"    they cover different registrable domains (public suffix plus one label);\n"
	"  - issuer or subject organisations that are the defaults of certificate\n"
	"    tools (OpenSSL's 'Internet Widgits Pty Ltd', Go's 'Acme Co', ...).\n"
	"\n"
	"  -m, --min N           report groups of at least N certificates (default 2,\n"
	"                        the smallest allowed)\n"
	"  -n, --limit N         at most N groups of each kind (default 100)\n"
	"  -j, --json            a JSON array instead of text\n"
	"      --store LOCATION, --db PATH   the store (see dragnet ingest --help)\n"
	"  -h, --help            show this help\n"
	"Exit status: 0 patterns found, 1 none, 2 invalid arguments, 4 store error.\n";

/* Organisation names that certificate tools fill in when nobody types
 * one: OpenSSL's req default, Red Hat's OpenSSL configuration, Go's
 * crypto/tls generate_cert.go, and Java keytool's "Unknown". */
static const char *const default_orgs[] = {
	"Internet Widgits Pty Ltd",
	"Default Company Ltd",
	"Acme Co",
	"Unknown",
};

/* Names shown per group before "and N more". */
#define SHOWN_DOMAINS 8

struct pattern_options {
	uint64_t min_certs;
	size_t limit;
	bool json;
};

struct pattern {
	const char *kind;        /* "shared-key", "self-signed-issuer", ... */
	const char *key_kind;    /* the search key grouped on */
	const char *value;
	uint64_t certs;          /* a precertificate and its final certificate count once */
	char **domains;          /* distinct registrable domains, sorted */
	size_t n_domains;
	size_t self_signed;
};

struct report {
	struct store *store;
	const struct pattern_options *options;
	json_t *json;
	size_t found;
	struct dn_error *err;
};

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the registrable domain of a host name to p->domains, if it has one. */
static dn_status add_domain(struct pattern *p, size_t *cap, const char *name)
{
	char domain[300];
	if (!cert_registrable_domain(name, domain, sizeof(domain)))
		return DN_OK;
	if (p->n_domains == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		char **grown = realloc(p->domains, *cap * sizeof(*grown));
		if (grown == NULL)
			return DN_ENOMEM;
		p->domains = grown;
	}
	p->domains[p->n_domains] = strdup(domain);
	if (p->domains[p->n_domains] == NULL)
		return DN_ENOMEM;
	p->n_domains++;
	return DN_OK;
}

/* The host names a certificate covers: its DNS SANs, and each subject CN
 * that names a host. A CN names a host when it contains a dot and no
 * space, tab, comma, slash, colon or @, the rule by which ingest indexes
 * it under "dns". */
static dn_status add_cert_domains(struct pattern *p, size_t *cap, const struct store_cert *c)
{
	dn_status rc = DN_OK;
	for (const char *line = c->sans; *line != '\0' && rc == DN_OK;) {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		char name[300];
		if (strncmp(line, "DNS:", 4) == 0 && len - 4 < sizeof(name)) {
			memcpy(name, line + 4, len - 4);
			name[len - 4] = '\0';
			rc = add_domain(p, cap, name);
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	char cn[300];
	for (size_t i = 0; rc == DN_OK && cert_dn_value(c->subject, "CN", i, cn, sizeof(cn)); i++)
		if (strchr(cn, '.') != NULL && strpbrk(cn, " \t,/:@") == NULL)
			rc = add_domain(p, cap, cn);
	return rc;
}

/* Fill p->domains with the distinct registrable domains that the
 * certificates of list cover, and count them and the self-signed ones. A
 * precertificate and the final certificate with the same TBS hash count
 * once. */
static dn_status collect_domains(struct pattern *p, const struct cert_list *list)
{
	static const uint8_t zero[32];
	size_t cap = 0;
	p->certs = 0;
	for (size_t i = 0; i < list->n; i++) {
		const struct store_cert *c = &list->items[i].cert;
		bool repeat = false;
		for (size_t j = 0; j < i && !repeat && memcmp(c->tbs_sha256, zero, 32) != 0; j++)
			repeat = memcmp(list->items[j].cert.tbs_sha256, c->tbs_sha256, 32) == 0;
		if (!repeat) {
			p->certs++;
			p->self_signed += c->self_signed ? 1 : 0;
		}
		dn_status rc = add_cert_domains(p, &cap, c);
		if (rc != DN_OK)
			return rc;
	}
	if (p->n_domains > 0) /* domains is NULL until the first one */
		qsort(p->domains, p->n_domains, sizeof(*p->domains), compare_strings);
	size_t kept = 0;
	for (size_t i = 0; i < p->n_domains; i++) {
		if (kept > 0 && strcmp(p->domains[kept - 1], p->domains[i]) == 0) {
			free(p->domains[i]);
			continue;
		}
		p->domains[kept++] = p->domains[i];
	}
	p->n_domains = kept;
	return DN_OK;
}

static void free_pattern(struct pattern *p)
{
	for (size_t i = 0; i < p->n_domains; i++)
		free(p->domains[i]);
	free(p->domains);
}

/* The explanation of a finding, in words. */
static void explain(const struct pattern *p, char *out, size_t size)
{
	if (strcmp(p->kind, "shared-key") == 0)
		snprintf(out, size,
		         "%llu certificates carry one public key%s. Only the holder of the "
		         "private key can use them, so %s",
		         (unsigned long long)p->certs,
		         p->n_domains > 1 ? " across different registrable domains" : "",
		         p->n_domains > 1 ? "one operator serves all these domains (or a key "
		                            "was copied between servers)."
		                          : "they are renewals or reissues by one operator.");
	else if (strcmp(p->kind, "self-signed-issuer") == 0)
		snprintf(out, size,
		         "%llu self-signed certificates name the same issuer DN. A self-signed "
		         "certificate names its issuer itself, so the same DN points to one "
		         "operator or one script generating them%s.",
		         (unsigned long long)p->certs,
		         p->n_domains > 1 ? ", here for different registrable domains" : "");
	else if (strcmp(p->kind, "self-signed-organisation") == 0)
		snprintf(out, size,
		         "%llu self-signed certificates for %zu different registrable domains "
		         "carry the same issuer organisation. No CA checked that string, and "
		         "unrelated owners rarely type the same one, so one operator probably "
		         "made them all.",
		         (unsigned long long)p->certs, p->n_domains);
	else
		snprintf(out, size,
		         "%llu certificates carry an organisation that a certificate tool fills "
		         "in by default: nobody named the owner, which is common on test, "
		         "malware and throwaway servers.",
		         (unsigned long long)p->certs);
}

static void print_pattern(struct report *r, const struct pattern *p)
{
	char why[1024];
	explain(p, why, sizeof(why));
	if (r->json != NULL) {
		json_t *domains = json_array();
		for (size_t i = 0; i < p->n_domains; i++)
			json_array_append_new(domains, json_string(p->domains[i]));
		json_array_append_new(r->json,
		                      json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:s}", "pattern",
		                                p->kind, "key", p->key_kind, "value", p->value,
		                                "certificates", (json_int_t)p->certs,
		                                "self_signed", (json_int_t)p->self_signed,
		                                "registrable_domains", domains, "explanation", why));
		return;
	}
	r->found++;
	printf("%spattern %zu: %s\n", r->found > 1 ? "\n" : "", r->found, p->kind);
	printf("  %-12s %s\n", p->key_kind, p->value);
	printf("  certificates %llu (%zu self-signed), registrable domains %zu\n",
	       (unsigned long long)p->certs, p->self_signed, p->n_domains);
	if (p->n_domains > 0) {
		printf("  domains     ");
		for (size_t i = 0; i < p->n_domains && i < SHOWN_DOMAINS; i++)
			printf("%s%s", i > 0 ? ", " : " ", p->domains[i]);
		if (p->n_domains > SHOWN_DOMAINS)
			printf(" and %zu more", p->n_domains - SHOWN_DOMAINS);
		printf("\n");
	}
	printf("  why          %s\n", why);
}

/* Read the certificates of one group and report it unless rule rejects it. */
static dn_status report_group(struct report *r, const char *pattern_kind, const char *key_kind,
                              const char *value)
{
	struct store_cert_match match = {.kind = key_kind, .value = value};
	struct store_cert_query q = {.matches = &match, .n_matches = 1};
	struct cert_list list;
	cert_list_init(&list);
	dn_status rc = store_query_certs(r->store, &q, cert_list_add, &list, r->err);
	struct pattern p = {.kind = pattern_kind, .key_kind = key_kind, .value = value};
	if (rc == DN_OK)
		rc = collect_domains(&p, &list);
	if (rc == DN_ENOMEM && r->err->msg[0] == '\0')
		dn_fail(r->err, DN_ENOMEM, "out of memory reading a certificate group");
	/* The same organisation on one domain's own certificates is no
	 * pattern: renewals carry it too. A precertificate and its final
	 * certificate are one certificate, so they share a key and an issuer
	 * as a matter of course. */
	bool reported = rc == DN_OK && p.certs >= r->options->min_certs &&
	                (strcmp(pattern_kind, "self-signed-organisation") != 0 || p.n_domains > 1);
	if (reported)
		print_pattern(r, &p);
	if (reported && r->json != NULL)
		r->found++;
	free_pattern(&p);
	cert_list_free(&list);
	return rc;
}

/* The values of one kind of search key that enough certificates carry,
 * collected before they are read so that no two store queries overlap.
 * report_group() counts each group again, a precertificate and its final
 * certificate once. */
struct groups {
	char **values;
	size_t n, cap;
};

static dn_status add_group(const char *kind, const char *value, uint64_t certs, void *ctx)
{
	(void)kind;
	(void)certs;
	struct groups *g = ctx;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		char **values = realloc(g->values, cap * sizeof(*values));
		if (values == NULL)
			return DN_ENOMEM;
		g->values = values;
		g->cap = cap;
	}
	g->values[g->n] = strdup(value);
	if (g->values[g->n] == NULL)
		return DN_ENOMEM;
	g->n++;
	return DN_OK;
}

static void free_groups(struct groups *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->values[i]);
	free(g->values);
}

static dn_status report_kind(struct report *r, const char *pattern_kind, const char *key_kind)
{
	struct groups g = {0};
	dn_status rc = store_group_cert_names(r->store, key_kind, r->options->min_certs,
	                                      r->options->limit, add_group, &g, r->err);
	for (size_t i = 0; i < g.n && rc == DN_OK; i++)
		rc = report_group(r, pattern_kind, key_kind, g.values[i]);
	free_groups(&g);
	return rc;
}

/* Tool-default organisations, as issuer or subject. */
static dn_status report_defaults(struct report *r)
{
	static const char *const kinds[] = {"issuer.O", "subject.O"};
	dn_status rc = DN_OK;
	size_t n_orgs = sizeof(default_orgs) / sizeof(default_orgs[0]);
	for (size_t k = 0; k < 2 && rc == DN_OK; k++)
		for (size_t i = 0; i < n_orgs && rc == DN_OK; i++)
			rc = report_group(r, "default-organisation", kinds[k], default_orgs[i]);
	return rc;
}

int cert_patterns_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"min", required_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "cert patterns"};
	struct pattern_options options = {.min_certs = 2, .limit = 100};
	int opt;
	while ((opt = getopt_long(argc, argv, ":m:n:jhvq", longopts, NULL)) != -1) {
		unsigned long long number;
		if (cli_common_option(&common, opt, optarg))
			continue;
		if (opt == 'm' || opt == 'n') {
			if (!cli_parse_uint(optarg, 100000000, &number) || number == 0)
				return cli_usage_error("cert patterns", "invalid --%s '%s': give a "
				                                        "positive number",
				                       opt == 'm' ? "min" : "limit", optarg);
			/* One certificate shares nothing with another. */
			if (opt == 'm' && number < 2)
				return cli_usage_error("cert patterns", "invalid --min '%s': a pattern "
				                                        "needs 2 or more certificates",
				                       optarg);
			if (opt == 'm')
				options.min_certs = number;
			else
				options.limit = (size_t)number;
		} else if (opt == 'j') {
			options.json = true;
		} else if (opt == 'h') {
			fputs(patterns_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		} else {
			return cli_option_error("cert patterns", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("cert patterns", "unexpected argument '%s'", argv[optind]);
	cli_setup_logging(&common, false);

	struct store *store = NULL;
	int code = cli_open_store(&common, STORE_READ, NULL, &store);
	if (code != DN_EXIT_OK)
		return code;
	struct dn_error err = {0};
	struct report r = {.store = store, .options = &options, .err = &err};
	if (options.json)
		r.json = json_array();
	dn_status rc = report_kind(&r, "shared-key", "spki");
	if (rc == DN_OK)
		rc = report_kind(&r, "self-signed-issuer", "ss-issuer");
	if (rc == DN_OK)
		rc = report_kind(&r, "self-signed-organisation", "ss-issuer.O");
	if (rc == DN_OK)
		rc = report_defaults(&r);
	if (rc != DN_OK) {
		log_error("%s", err.msg[0] != '\0' ? err.msg : "out of memory");
		code = cli_exit_for_store(rc);
	} else {
		if (r.json != NULL) {
			json_dumpf(r.json, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		}
		code = r.found > 0 ? DN_EXIT_OK : DN_EXIT_NO_MATCH;
		if (r.found == 0)
			log_info("no shared patterns among the stored certificates");
	}
	json_decref(r.json);
	store_close(store);
	return cli_finish_output(code);
}
