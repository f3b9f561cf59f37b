/* dragnet cert: search stored certificates, report shared patterns
 * (cert_patterns.c) and grab a server's chain (cert_grab.c). */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cert_dn.h"
#include "cli/cert_results.h"
#include "cli/cli.h"
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

#define MAX_MATCHES 16

struct search {
	struct store_cert_match matches[MAX_MATCHES];
	size_t n_matches;
	struct store_cert_query query;
	/* --issuer and --subject substrings: every one must occur. */
	const char *issuer_contains[MAX_MATCHES];
	const char *subject_contains[MAX_MATCHES];
	const char *fingerprint; /* a prefix of either hash: searched twice */
	size_t limit;            /* certificates shown; 0: all */
	bool dedupe;
	bool json;
	/* Strings the matches point to. */
	char text[MAX_MATCHES][1100];
};

/* Lower-case hex without colons or spaces; false when other characters
 * remain or nothing does. */
static bool clean_hex(const char *input, char *out, size_t size, bool strip_zeros)
{
	size_t n = 0;
	for (const char *p = input; *p != '\0'; p++) {
		char c = *p;
		if (c == ':' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n + 1 >= size)
			return false;
		if (strip_zeros && n == 0 && c == '0')
			continue;
		out[n++] = c;
	}
	if (n == 0 && strip_zeros && size > 1)
		out[n++] = '0'; /* the serial 0 */
	out[n] = '\0';
	return n > 0;
}

static struct store_cert_match *next_match(struct search *s, char **text)
{
	if (s->n_matches == MAX_MATCHES)
		return NULL;
	*text = s->text[s->n_matches];
	return &s->matches[s->n_matches++];
}

static int add_substring(struct search *s, const char *which, const char *text)
{
	bool issuer = strcmp(which, "issuer") == 0;
	const char **list = issuer ? s->issuer_contains : s->subject_contains;
	size_t *n = issuer ? &s->query.n_issuer_contains : &s->query.n_subject_contains;
	if (*n == MAX_MATCHES)
		return cli_usage_error("cert", "too many --%s substrings: at most %d", which,
		                       MAX_MATCHES);
	list[(*n)++] = text;
	return DN_EXIT_OK;
}

static int add_dn_condition(struct search *s, const char *which, const char *text)
{
	char attr[64];
	char *buf;
	struct store_cert_match *m = next_match(s, &buf);
	if (m == NULL)
		return cli_usage_error("cert", "too many conditions");
	/* The key goes after the kind in the same buffer. */
	char *value = buf + 80;
	switch (cert_dn_parse(text, attr, sizeof(attr), value, sizeof(s->text[0]) - 80)) {
	case CERT_DN_SUBSTRING:
		s->n_matches--;
		return add_substring(s, which, text);
	case CERT_DN_ATTRIBUTE:
		snprintf(buf, 80, "%s.%s", which, attr);
		break;
	case CERT_DN_WHOLE:
		snprintf(buf, 80, "%s", which);
		break;
	}
	m->kind = buf;
	m->value = value;
	return DN_EXIT_OK;
}

/* The reversed form of a name, as the "dns" keys hold it. */
static void reverse_name(const char *name, char *out, size_t size)
{
	size_t len = strlen(name);
	while (len > 0 && name[len - 1] == '.')
		len--;
	size_t at = 0;
	size_t end = len;
	while (end > 0 && at + 1 < size) {
		size_t start = end;
		while (start > 0 && name[start - 1] != '.')
			start--;
		for (size_t i = start; i < end && at + 1 < size; i++) {
			char c = name[i];
			out[at++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		if (start > 0 && at + 1 < size)
			out[at++] = '.';
		end = start > 0 ? start - 1 : 0;
	}
	out[at] = '\0';
}

static int add_san_condition(struct search *s, const char *name)
{
	char *buf;
	struct store_cert_match *m = next_match(s, &buf);
	if (m == NULL)
		return cli_usage_error("cert", "too many conditions");
	/* Ingest stores IP SANs as inet_ntop() writes them (::1, not
	 * 0:0:0:0:0:0:0:1) and e-mail SANs in lower case. */
	unsigned char addr[16];
	int family = inet_pton(AF_INET, name, addr) == 1    ? AF_INET
	             : inet_pton(AF_INET6, name, addr) == 1 ? AF_INET6
	                                                    : 0;
	if (family != 0) {
		if (inet_ntop(family, addr, buf, 1100) == NULL)
			return cli_usage_error("cert", "invalid --san address '%s'", name);
		m->kind = "ip";
		m->value = buf;
		return DN_EXIT_OK;
	}
	if (strchr(name, '@') != NULL) {
		snprintf(buf, 1100, "%s", name);
		for (char *p = buf; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		m->kind = "email";
		m->value = buf;
		return DN_EXIT_OK;
	}
	m->kind = "dns";
	if (strncmp(name, "*.", 2) == 0) {
		/* Every name under the domain, wildcard entries included:
		 * "com.example." is a prefix of "com.example.www" and
		 * "com.example.*". */
		reverse_name(name + 2, buf, 1090);
		strcat(buf, ".");
		m->value = buf;
		m->prefix = true;
		return DN_EXIT_OK;
	}
	/* The name itself, or a wildcard one label up that covers it. */
	reverse_name(name, buf, 540);
	m->value = buf;
	char *alt = buf + 550;
	const char *dot = strchr(name, '.');
	if (dot != NULL && dot[1] != '\0') {
		reverse_name(dot + 1, alt, 540);
		strcat(alt, ".*");
		m->alt_value = alt;
	}
	return DN_EXIT_OK;
}

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

static int add_hex_condition(struct search *s, const char *kind, const char *text, bool serial)
{
	char *buf;
	struct store_cert_match *m = next_match(s, &buf);
	if (m == NULL)
		return cli_usage_error("cert", "too many conditions");
	/* openssl x509 -text prints a short serial as "4096 (0x1000)": the
	 * part in brackets is the hex. A leading 0x is dropped too. */
	char inner[1100];
	const char *digits = text;
	const char *open = serial ? strstr(text, "(0x") : NULL;
	if (open != NULL) {
		snprintf(inner, sizeof(inner), "%s", open + 3);
		inner[strcspn(inner, ")")] = '\0';
		digits = inner;
	} else if (serial && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
		digits += 2;
	}
	if (!clean_hex(digits, buf, 1100, serial))
		return cli_usage_error("cert", "invalid --%s '%s': give hexadecimal digits", kind,
		                       text);
	m->kind = kind;
	m->value = buf;
	m->prefix = !serial && strlen(buf) < 64;
	return DN_EXIT_OK;
}

static int add_fingerprint(struct search *s, const char *text)
{
	char *buf;
	struct store_cert_match *m = next_match(s, &buf);
	if (m == NULL)
		return cli_usage_error("cert", "too many conditions");
	if (!clean_hex(text, buf, 1100, false) || strlen(buf) > 64)
		return cli_usage_error("cert",
		                       "invalid fingerprint '%s': give up to 64 hexadecimal digits",
		                       text);
	m->value = buf;
	if (strlen(buf) == 40) {
		m->kind = "sha1";
	} else if (strlen(buf) == 64) {
		m->kind = "sha256";
	} else {
		/* Either hash: run_search() tries both. */
		m->kind = "sha256";
		s->fingerprint = buf;
	}
	return DN_EXIT_OK;
}

static int parse_search_option(struct search *s, int opt, const char *arg)
{
	switch (opt) {
	case 'f':
		return add_fingerprint(s, arg);
	case OPT_SPKI:
		return add_hex_condition(s, "spki", arg, false);
	case OPT_SERIAL:
		return add_hex_condition(s, "serial", arg, true);
	case OPT_ISSUER:
		return add_dn_condition(s, "issuer", arg);
	case OPT_SUBJECT:
		return add_dn_condition(s, "subject", arg);
	case OPT_SAN:
		return add_san_condition(s, arg);
	case OPT_VALID_AT:
		return parse_time_option("--valid-at", arg, &s->query.valid_at);
	case OPT_EXPIRES_BEFORE:
		return parse_time_option("--expires-before", arg, &s->query.expires_before);
	case OPT_EXPIRES_AFTER:
		return parse_time_option("--expires-after", arg, &s->query.expires_after);
	case OPT_DEDUPE:
		s->dedupe = true;
		return DN_EXIT_OK;
	default:
		return -1;
	}
}

/* Rows read from the store per certificate shown: a certificate may come
 * with its precertificate and a crt.sh entry of the same issuer and
 * serial, which --dedupe and the partial lookup fold into it. */
#define ROWS_PER_SHOWN 3

/* Rows of one store query, counted to tell whether it reached its limit. */
struct row_count {
	struct cert_list *list;
	size_t rows;
};

static dn_status count_row(const struct store_cert *cert, void *ctx)
{
	struct row_count *count = ctx;
	count->rows++;
	return cert_list_add(cert, count->list);
}

/* Query the store; a fingerprint prefix is tried as a SHA-256 prefix and
 * then as a SHA-1 prefix. Sets *full when a query returned as many rows as
 * its limit allowed, so that more may exist. */
static dn_status run_search(struct store *store, struct search *s, struct cert_list *list,
                            bool *full, struct dn_error *err)
{
	s->query.matches = s->matches;
	s->query.n_matches = s->n_matches;
	s->query.issuer_contains = s->issuer_contains;
	s->query.subject_contains = s->subject_contains;
	s->query.limit = s->limit > 0 ? s->limit * ROWS_PER_SHOWN : 0;
	struct row_count count = {.list = list};
	dn_status rc = store_query_certs(store, &s->query, count_row, &count, err);
	*full = s->query.limit > 0 && count.rows >= s->query.limit;
	if (rc != DN_OK || s->fingerprint == NULL)
		return rc;
	for (size_t i = 0; i < s->n_matches; i++) {
		if (s->matches[i].value == s->fingerprint) {
			s->matches[i].kind = "sha1";
			s->matches[i].prefix = true;
		}
	}
	count.rows = 0;
	rc = store_query_certs(store, &s->query, count_row, &count, err);
	*full = *full || (s->query.limit > 0 && count.rows >= s->query.limit);
	return rc;
}

/* Fold, cut and complete the certificates found: partial ones replaced by
 * full ones, precertificates paired with --dedupe, then the cut at --limit,
 * so that each shown certificate counts once. Sets *cut when certificates
 * beyond the limit were hidden. */
static dn_status finish_list(struct store *store, const struct search *s,
                             struct cert_list *list, bool *cut, struct dn_error *err)
{
	dn_status rc = cert_list_resolve(list, store, err);
	if (rc == DN_OK && s->dedupe)
		rc = cert_list_pair(list, store, err);
	if (rc != DN_OK)
		return rc;
	*cut = cert_list_cut(list, s->limit) > 0;
	return cert_list_read_sightings(list, store, err);
}

static bool has_conditions(const struct search *s)
{
	const struct store_cert_query *q = &s->query;
	return s->n_matches > 0 || q->n_issuer_contains > 0 || q->n_subject_contains > 0 ||
	       q->valid_at != 0 || q->expires_before != 0 || q->expires_after != 0;
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
	s->limit = 1000;
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
			s->limit = (size_t)limit;
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
	if (code == DN_EXIT_OK && !has_conditions(s))
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
	bool full = false, cut = false;
	dn_status rc = run_search(store, s, &list, &full, &err);
	if (rc == DN_OK)
		rc = finish_list(store, s, &list, &cut, &err);
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
		else if (cut || full)
			log_info("stopped at --limit %zu; there may be more (use --limit 0 for all)",
			         s->limit);
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
