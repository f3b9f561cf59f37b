/* dragnet cert: search stored certificates, report shared patterns
 * (cert_patterns.c) and grab a server's chain (cert_grab.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "export/cert_results.h"
#include "export/cert_search.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char cert_usage[] =
	"Usage: dragnet cert [OPTION]...\n"
	"       dragnet cert patterns [--min N] [--json]\n"
	"       dragnet cert grab HOST[:PORT]...\n"
	"Search the stored certificates (load them with dragnet ingest FILE: PEM, DER,\n"
	"CT get-entries JSON or crt.sh JSON). Every condition given must hold.\n"
	"\n"
	"  -f, --fingerprint HEX SHA-256 or SHA-1 fingerprint, or a prefix of either\n"
	"                        (colons allowed)\n"
	"      --spki HEX        SHA-256 of the SubjectPublicKeyInfo, or a prefix\n"
	"      --serial HEX      serial number in hex: colons, leading zeros, a 0x prefix\n"
	"                        and openssl's '4096 (0x1000)' form allowed\n"
	"      --issuer TEXT     ATTR=VALUE matches one issuer attribute exactly\n"
	"                        (O=Example Ltd, o=Example\\, Inc.); a whole DN\n"
	"                        matches exactly, as dragnet prints it (CN=a,O=b) or\n"
	"                        in openssl's default form (O = b, CN = a); other\n"
	"                        text matches a substring, ignoring ASCII case.\n"
	"                        Repeat it for more conditions\n"
	"      --subject TEXT    the same for the subject\n"
	"      --san NAME        a name the certificate covers: www.example.com also\n"
	"                        finds *.example.com certificates; *.example.com finds\n"
	"                        every name under example.com; an IP address matches\n"
	"                        IP SANs as an address (0:0:0:0:0:0:0:1 finds ::1),\n"
	"                        an e-mail address e-mail SANs ignoring case\n"
	"      --valid-at TIME   valid at TIME: 2024-05-01, 2024-05-01T12:00:00Z, epoch\n"
	"                        seconds, 'now', or an age counted back from now such\n"
	"                        as 30d (units s, m, h, d, w, y; a year is 365 days)\n"
	"      --expires-before TIME, --expires-after TIME\n"
	"                        not after earlier or later than TIME\n"
	"      --dedupe          show a precertificate and its final certificate (the\n"
	"                        same TBS without the CT extensions) once, as the\n"
	"                        final one, which is looked up when only the\n"
	"                        precertificate matched\n"
	"  -n, --limit N         at most N certificates (default 1000; 0: all), counted\n"
	"                        after --dedupe; a message says when there may be more\n"
	"  -j, --json            a JSON array instead of text\n"
	"      --store LOCATION, --db PATH   the store (see dragnet ingest --help)\n"
	"  -v, --verbose, -q, --quiet\n"
	"  -h, --help            show this help\n"
	"\n"
	"Each certificate is shown with its sightings: the file, CT log entry, host\n"
	"or crt.sh export it came from, with first and last time and count.\n"
	"Exit status: 0 found, 1 nothing found, 2 invalid arguments, 4 store error.\n";

enum {
	OPT_SPKI = 256,
	OPT_SERIAL,
	OPT_ISSUER,
	OPT_SUBJECT,
	OPT_SAN,
	OPT_VALID_AT,
	OPT_EXPIRES_BEFORE,
	OPT_EXPIRES_AFTER,
	OPT_DEDUPE,
};

/* The command's search: the conditions and the output form. */
struct search {
	struct cert_search query;
	bool json;
};

static int parse_time_option(const char *option, const char *text, int64_t *out)
{
	if (!time_parse(text, time_now(), out))
		return cli_usage_error("cert",
		                       "invalid time '%s' for %s: give 2024-05-01, "
		                       "2024-05-01T12:00:00Z, epoch seconds, 'now' or an age "
		                       "such as 30d",
		                       text, option);
	/* 0 means "unset" in the query; the epoch itself is one second off. */
	if (*out == 0)
		*out = 1;
	return DN_EXIT_OK;
}

/* Add the condition of option opt; -1 when opt is not a search option. */
static int parse_search_option(struct search *s, int opt, const char *arg)
{
	struct cert_search *q = &s->query;
	struct dn_error err;
	dn_status rc;
	switch (opt) {
	case 'f':
		rc = cert_search_add_fingerprint(q, "fingerprint", arg, &err);
		break;
	case OPT_SPKI:
		rc = cert_search_add_spki(q, "--spki", arg, &err);
		break;
	case OPT_SERIAL:
		rc = cert_search_add_serial(q, "--serial", arg, &err);
		break;
	case OPT_ISSUER:
		rc = cert_search_add_dn(q, "issuer", "--issuer", arg, &err);
		break;
	case OPT_SUBJECT:
		rc = cert_search_add_dn(q, "subject", "--subject", arg, &err);
		break;
	case OPT_SAN:
		rc = cert_search_add_san(q, "--san", arg, &err);
		break;
	case OPT_VALID_AT:
		return parse_time_option("--valid-at", arg, &q->query.valid_at);
	case OPT_EXPIRES_BEFORE:
		return parse_time_option("--expires-before", arg, &q->query.expires_before);
	case OPT_EXPIRES_AFTER:
		return parse_time_option("--expires-after", arg, &q->query.expires_after);
	case OPT_DEDUPE:
		q->dedupe = true;
		return DN_EXIT_OK;
	default:
		return -1;
	}
	return rc == DN_OK ? DN_EXIT_OK : cli_usage_error("cert", "%s", err.msg);
}

static int cert_search(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"fingerprint", required_argument, NULL, 'f'},
		{"spki", required_argument, NULL, OPT_SPKI},
		{"serial", required_argument, NULL, OPT_SERIAL},
		{"issuer", required_argument, NULL, OPT_ISSUER},
		{"subject", required_argument, NULL, OPT_SUBJECT},
		{"san", required_argument, NULL, OPT_SAN},
		{"valid-at", required_argument, NULL, OPT_VALID_AT},
		{"expires-before", required_argument, NULL, OPT_EXPIRES_BEFORE},
		{"expires-after", required_argument, NULL, OPT_EXPIRES_AFTER},
		{"dedupe", no_argument, NULL, OPT_DEDUPE},
		{"limit", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "cert"};
	struct search *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DN_EXIT_FAILURE;
	cert_search_init(&s->query);
	int code = DN_EXIT_OK;
	int opt;
	while (code == DN_EXIT_OK &&
	       (opt = getopt_long(argc, argv, ":f:n:jhvq", longopts, NULL)) != -1) {
		int handled = parse_search_option(s, opt, optarg);
		if (handled >= 0) {
			code = handled;
		} else if (cli_common_option(&common, opt, optarg)) {
			continue;
		} else if (opt == 'n') {
			unsigned long long limit;
			if (!cli_parse_uint(optarg, 100000000, &limit))
				code = cli_usage_error("cert", "invalid --limit '%s'", optarg);
			s->query.limit = (size_t)limit;
		} else if (opt == 'j') {
			s->json = true;
		} else if (opt == 'h') {
			fputs(cert_usage, stdout);
			free(s);
			return cli_finish_output(DN_EXIT_OK);
		} else {
			code = cli_option_error("cert", opt, argv);
		}
	}
	if (code == DN_EXIT_OK && optind < argc)
		code = cli_usage_error("cert", "unexpected argument '%s'; search with options such "
		                               "as --san NAME",
		                       argv[optind]);
	if (code == DN_EXIT_OK && !cert_search_has_conditions(&s->query))
		code = cli_usage_error("cert", "give at least one condition, such as --san, "
		                               "--issuer or --fingerprint");
	if (code != DN_EXIT_OK) {
		free(s);
		return code;
	}
	cli_setup_logging(&common, false);

	struct store *store = NULL;
	code = cli_open_store(&common, STORE_READ, NULL, &store);
	if (code != DN_EXIT_OK) {
		free(s);
		return code;
	}
	struct cert_list list;
	cert_list_init(&list);
	struct dn_error err = {0};
	bool more = false;
	dn_status rc = cert_search_run(store, &s->query, &list, &more, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg[0] != '\0' ? err.msg : "out of memory searching certificates");
		code = cli_exit_for_store(rc);
	} else if (!cert_list_print(&list, s->json, stdout)) {
		log_error("writing the certificates as JSON failed: out of memory or an "
		          "output error");
		code = DN_EXIT_FAILURE;
	} else {
		size_t shown = 0;
		for (size_t i = 0; i < list.n; i++)
			shown += list.items[i].hidden ? 0 : 1;
		code = shown > 0 ? DN_EXIT_OK : DN_EXIT_NO_MATCH;
		if (shown == 0)
			log_info("no certificate matches");
		else if (more)
			log_info("stopped at --limit %zu; there may be more (use --limit 0 for all)",
			         s->query.limit);
	}
	cert_list_free(&list);
	store_close(store);
	free(s);
	return cli_finish_output(code);
}

int cmd_cert(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "patterns") == 0)
		return cert_patterns_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "grab") == 0)
		return cert_grab_main(argc - 1, argv + 1);
	return cert_search(argc, argv);
}
