/* dragnet cert grab: fetch the certificate chains TLS servers present, store
 * each certificate with a "host" sighting and print a summary of it. The
 * TLS client is lookup/tls_grab.c; this file chooses what to store and
 * how to show it. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cli/cli.h"
#include "ingest/cert_store.h"
#include "lookup/tls_grab.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "x509/cert.h"

static const char grab_usage[] =
        "Usage: dragnet cert grab [OPTION]... HOST[:PORT]...\n"
        "Connect to each TLS server now, record the certificate chain it presents,\n"
        "store every certificate with a sighting 'host HOST:PORT' and print it. This is\n"
        "the only 'cert' command that contacts a host. The chain is not verified: it\n"
        "is recorded as presented, expired or self-signed included. When the SNI sent\n"
        "is not the default below, the sighting ends in ' sni=NAME' (or ' no-sni'), so\n"
        "the virtual hosts of one address are told apart.\n"
        "\n"
        "  HOST[:PORT]           a name, an IPv4 address or [IPv6]:PORT; PORT defaults\n"
        "                        to 443\n"
        "      --sni NAME        server name sent in the TLS handshake (default: HOST\n"
        "                        when it is a name; none for an address)\n"
        "      --no-sni          send no server name\n"
        "      --timeout SECONDS connect and handshake, per host (default 10)\n"
        "      --interval SECONDS\n"
        "                        least time between two connections (default 1)\n"
        "      --source NAME     who saw the certificates (default: cert-grab)\n"
        "      --no-store        print the chains without storing them\n"
        "  -j, --json            one JSON object per host and line; a failed host\n"
        "                        gets one with the key \"error\"\n"
        "      --store LOCATION, --db PATH   the store (see dragnet ingest --help)\n"
        "  -v, --verbose, -q, --quiet\n"
        "  -h, --help            show this help\n"
        "\n"
        "Exit status: 0 every chain stored, 2 invalid arguments, 3 a certificate\n"
        "could not be parsed (the others were stored), 4 store error, 5 other failure,\n"
        "7 a connection or handshake failed.\n";

enum {
	OPT_SNI = 256,
	OPT_NO_SNI,
	OPT_TIMEOUT,
	OPT_INTERVAL,
	OPT_SOURCE,
	OPT_NO_STORE,
};

#define DEFAULT_SOURCE "cert-grab"

struct grab_run {
	struct tls_grab_options tls;
	bool json;
	bool no_store;
	const char *source;
	struct store *store;
	uint32_t source_id;
	struct cert_batch *batch;
	bool live_failed;  /* a connection or handshake failed */
	bool cert_invalid; /* a presented certificate did not parse */
	int fatal_exit;    /* exit code of a store error or out of memory, which stops the run */
};

/* One certificate of a chain: parsed, or the reason it is not. */
struct grabbed_cert {
	const struct tls_grab_cert *raw;
	struct x509_cert *cert; /* NULL when the parser rejected it */
	char reason[sizeof(((struct dn_error *)0)->msg)];
};

static bool parse_seconds(const char *text, double *out)
{
	char *end;
	errno = 0;
	double value = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(value >= 0) || value > 3600)
		return false;
	*out = value;
	return true;
}

/* Write the sighting detail of a grab: "HOST:PORT", followed by
 * " sni=NAME" when the SNI sent differs from the target's default (its host
 * for a name, none for an address), or by " no-sni" when a name was grabbed
 * without one. The same address then gives one sighting per virtual host.
 * The name is lower-cased, because SNI host names compare without case. */
static void sighting_detail(const struct tls_grab_target *t, const char *sni, char *out,
                            size_t size)
{
	char name[TLS_GRAB_HOST_MAX];
	size_t i = 0;
	for (; sni[i] != '\0' && i + 1 < sizeof(name); i++)
		name[i] = (char)tolower((unsigned char)sni[i]);
	name[i] = '\0';
	const char *fallback = t->is_address ? "" : t->host;
	if (strcmp(name, fallback) == 0)
		snprintf(out, size, "%s", t->name);
	else if (name[0] == '\0')
		snprintf(out, size, "%s no-sni", t->name);
	else
		snprintf(out, size, "%s sni=%s", t->name, name);
}

/* ---- printing ---- */

static void print_list(const char *prefix, const char **items, size_t n, const char **sep)
{
	for (size_t i = 0; i < n; i++) {
		printf("%s%s%s", *sep, prefix, items[i]);
		*sep = ", ";
	}
}

static void print_cert_text(size_t position, const struct grabbed_cert *g)
{
	char sha256[65];
	if (g->cert == NULL) {
		uint8_t digest[32];
		SHA256(g->raw->der, g->raw->len, digest);
		x509_hex(digest, sizeof(digest), sha256);
		printf("  [%zu] sha256   %s\n", position, sha256);
		printf("      invalid  %s\n", g->reason);
		return;
	}
	const struct x509_cert *c = g->cert;
	char before[32], after[32];
	x509_hex(c->sha256, sizeof(c->sha256), sha256);
	time_format_iso(c->not_before, before, sizeof(before));
	time_format_iso(c->not_after, after, sizeof(after));
	printf("  [%zu] subject  %s\n", position, c->subject.dn);
	printf("      issuer   %s\n", c->issuer.dn);
	printf("      sha256   %s\n", sha256);
	printf("      valid    %s to %s\n", before, after);
	if (c->n_san_dns + c->n_san_ip + c->n_san_email > 0) {
		const char *sep = "";
		printf("      names    ");
		print_list("DNS:", c->san_dns, c->n_san_dns, &sep);
		print_list("IP:", c->san_ip, c->n_san_ip, &sep);
		print_list("email:", c->san_email, c->n_san_email, &sep);
		putchar('\n');
	}
}

static void print_text(const char *detail, const struct tls_grab_result *r,
                       const struct grabbed_cert *certs)
{
	printf("%s  %s, %s, SNI %s, from %s: %zu certificate%s\n", detail, r->version, r->cipher,
	       r->sni[0] != '\0' ? r->sni : "none", r->peer, r->n_certs,
	       r->n_certs == 1 ? "" : "s");
	for (size_t i = 0; i < r->n_certs; i++)
		print_cert_text(i, &certs[i]);
	putchar('\n');
}

static json_t *sans_json(const struct x509_cert *c)
{
	json_t *list = json_array();
	char buf[512];
	for (size_t i = 0; i < c->n_san_dns; i++) {
		snprintf(buf, sizeof(buf), "DNS:%s", c->san_dns[i]);
		json_array_append_new(list, json_string(buf));
	}
	for (size_t i = 0; i < c->n_san_ip; i++) {
		snprintf(buf, sizeof(buf), "IP:%s", c->san_ip[i]);
		json_array_append_new(list, json_string(buf));
	}
	for (size_t i = 0; i < c->n_san_email; i++) {
		snprintf(buf, sizeof(buf), "email:%s", c->san_email[i]);
		json_array_append_new(list, json_string(buf));
	}
	return list;
}

/* One certificate in the field names `dragnet cert --json` uses. */
static json_t *cert_json(size_t position, const struct grabbed_cert *g)
{
	char sha256[65];
	if (g->cert == NULL) {
		uint8_t digest[32];
		SHA256(g->raw->der, g->raw->len, digest);
		x509_hex(digest, sizeof(digest), sha256);
		return json_pack("{s:I, s:s, s:s}", "position", (json_int_t)position, "sha256",
		                 sha256, "error", g->reason);
	}
	const struct x509_cert *c = g->cert;
	char sha1[41], spki[65];
	x509_hex(c->sha256, sizeof(c->sha256), sha256);
	x509_hex(c->sha1, sizeof(c->sha1), sha1);
	x509_hex(c->spki_sha256, sizeof(c->spki_sha256), spki);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "position",
	                      (json_int_t)position, "sha256", sha256, "sha1", sha1, "spki_sha256",
	                      spki, "serial", c->serial ? c->serial : "", "subject",
	                      c->subject.dn ? c->subject.dn : "", "issuer",
	                      c->issuer.dn ? c->issuer.dn : "", "not_before",
	                      (json_int_t)c->not_before, "not_after", (json_int_t)c->not_after);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "sans", sans_json(c));
	json_object_set_new(o, "key_type", json_string(c->key_type ? c->key_type : ""));
	json_object_set_new(o, "key_bits", json_integer(c->key_bits));
	json_object_set_new(o, "sig_alg", json_string(c->sig_alg ? c->sig_alg : ""));
	json_object_set_new(o, "ca", json_boolean(c->is_ca));
	json_object_set_new(o, "self_signed", json_boolean(c->self_signed));
	return o;
}

/* The keys that every JSON line of a host starts with. NULL when out of
 * memory. */
static json_t *host_json(const struct tls_grab_target *t, const struct tls_grab_result *r,
                         int64_t now)
{
	char when[32];
	time_format_iso(now, when, sizeof(when));
	json_t *o = json_pack("{s:s, s:s, s:I}", "target", t->name, "host", t->host, "port",
	                      (json_int_t)t->port);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "peer", r->peer[0] != '\0' ? json_string(r->peer) : json_null());
	json_object_set_new(o, "sni", r->sni[0] != '\0' ? json_string(r->sni) : json_null());
	json_object_set_new(o, "time", json_string(when));
	return o;
}

/* Print o as one line and free it. */
static bool print_json_line(json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (text == NULL)
		return false;
	puts(text);
	free(text);
	return true;
}

static bool print_json(const struct tls_grab_target *t, const struct tls_grab_result *r,
                       const struct grabbed_cert *certs, const char *detail, int64_t now)
{
	json_t *o = host_json(t, r, now);
	json_t *chain = json_array();
	if (o == NULL || chain == NULL) {
		json_decref(o);
		json_decref(chain);
		return false;
	}
	json_object_set_new(o, "sighting", json_string(detail));
	json_object_set_new(o, "version", json_string(r->version));
	json_object_set_new(o, "cipher", json_string(r->cipher));
	for (size_t i = 0; i < r->n_certs; i++)
		json_array_append_new(chain, cert_json(i, &certs[i]));
	json_object_set_new(o, "certificates", chain);
	return print_json_line(o);
}

/* One JSON line for a host whose grab failed, so that a consumer of the
 * output sees every target. peer is null unless a connection was made. */
static bool print_json_error(const struct tls_grab_target *t, const struct tls_grab_result *r,
                             const char *message)
{
	json_t *o = host_json(t, r, time_now());
	if (o == NULL)
		return false;
	json_object_set_new(o, "error", json_string(message));
	return print_json_line(o);
}

/* ---- grabbing ---- */

/* Store the parsed certificates of one chain in one transaction. */
static void store_chain(struct grab_run *run, const struct tls_grab_target *t)
{
	struct dn_error err;
	dn_status rc = store_begin(run->store, &err);
	if (rc == DN_OK)
		rc = cert_batch_put(run->batch, run->store, &err);
	if (rc == DN_OK)
		rc = store_commit(run->store, &err);
	else
		store_rollback(run->store);
	if (rc != DN_OK) {
		log_error("%s: chain not stored: %s", t->name, err.msg);
		if (run->fatal_exit == DN_EXIT_OK)
			run->fatal_exit = cli_exit_for_store(rc);
	}
}

static void grab_one(struct grab_run *run, const struct tls_grab_target *t)
{
	struct tls_grab_result result;
	struct dn_error err;
	log_info("%s: grabbing the certificate chain", t->name);
	dn_status rc = tls_grab(t, &run->tls, &result, &err);
	if (rc != DN_OK) {
		log_error("%s", err.msg);
		run->live_failed = true;
		if (run->json && !print_json_error(t, &result, err.msg)) {
			log_error("%s: out of memory writing JSON", t->name);
			run->fatal_exit = DN_EXIT_FAILURE;
		}
		tls_grab_result_free(&result);
		return;
	}
	log_info("%s: %s, %s, %zu certificate%s from %s", t->name, result.version, result.cipher,
	         result.n_certs, result.n_certs == 1 ? "" : "s", result.peer);

	struct grabbed_cert *certs = calloc(result.n_certs, sizeof(*certs));
	if (certs == NULL) {
		log_error("%s: out of memory", t->name);
		run->fatal_exit = DN_EXIT_FAILURE;
		tls_grab_result_free(&result);
		return;
	}
	int64_t now = time_now();
	char detail[LOOKUP_SERVER_MAX + TLS_GRAB_HOST_MAX + 8];
	sighting_detail(t, result.sni, detail, sizeof(detail));
	struct arena *arena = cert_batch_arena(run->batch);
	for (size_t i = 0; i < result.n_certs && run->fatal_exit == DN_EXIT_OK; i++) {
		struct grabbed_cert *grabbed = &certs[i];
		grabbed->raw = &result.certs[i];
		rc = x509_parse_der(grabbed->raw->der, grabbed->raw->len, arena, &grabbed->cert,
		                    &err);
		if (rc == DN_ENOMEM) {
			log_error("%s: out of memory parsing certificate %zu", t->name, i);
			run->fatal_exit = DN_EXIT_FAILURE;
		} else if (rc != DN_OK) {
			grabbed->cert = NULL;
			snprintf(grabbed->reason, sizeof(grabbed->reason), "%s", err.msg);
			log_warn("%s: certificate %zu of the chain is invalid and not stored: %s",
			         t->name, i, err.msg);
			run->cert_invalid = true;
		} else if (cert_batch_add(run->batch, grabbed->cert, "host", detail, now,
		                          run->source_id, &err) != DN_OK) {
			log_error("%s: %s", t->name, err.msg);
			run->fatal_exit = DN_EXIT_FAILURE;
		}
	}

	if (run->fatal_exit == DN_EXIT_OK) {
		if (run->json) {
			if (!print_json(t, &result, certs, detail, now)) {
				log_error("%s: out of memory writing JSON", t->name);
				run->fatal_exit = DN_EXIT_FAILURE;
			}
		} else {
			print_text(detail, &result, certs);
		}
	}
	if (run->store != NULL && run->fatal_exit == DN_EXIT_OK) {
		store_chain(run, t);
	} else {
		struct dn_error ignored;
		cert_batch_put(run->batch, NULL, &ignored);
	}
	free(certs);
	tls_grab_result_free(&result);
}

/* Open the store and find the source, unless --no-store. */
static int open_store(struct grab_run *run, const struct cli_common *common)
{
	if (run->no_store)
		return DN_EXIT_OK;
	int code = cli_open_store(common, STORE_WRITE, NULL, &run->store);
	if (code != DN_EXIT_OK)
		return code;
	struct dn_error err;
	dn_status rc = store_source_id(run->store, run->source, "sensor", &run->source_id, &err);
	if (rc != DN_OK) {
		log_error("store: %s", err.msg);
		store_close(run->store);
		run->store = NULL;
		return cli_exit_for_store(rc);
	}
	return DN_EXIT_OK;
}

static int close_store(struct grab_run *run)
{
	if (run->store == NULL)
		return run->fatal_exit;
	struct dn_error err;
	dn_status rc = store_sync(run->store, &err);
	if (rc != DN_OK && run->fatal_exit == DN_EXIT_OK) {
		log_error("store: %s", err.msg);
		run->fatal_exit = cli_exit_for_store(rc);
	}
	store_close(run->store);
	run->store = NULL;
	return run->fatal_exit;
}

/* Grab every target; all targets are checked before any is contacted. */
static int grab_all(struct grab_run *run, const struct cli_common *common, int argc, char **argv)
{
	if (argc == 0)
		return cli_usage_error("cert grab", "give at least one HOST[:PORT]");
	struct tls_grab_target *targets = calloc((size_t)argc, sizeof(*targets));
	if (targets == NULL) {
		log_error("out of memory");
		return DN_EXIT_FAILURE;
	}
	for (int i = 0; i < argc; i++) {
		struct dn_error err;
		if (tls_grab_parse_target(argv[i], TLS_GRAB_PORT, &targets[i], &err) != DN_OK) {
			free(targets);
			return cli_usage_error("cert grab", "%s", err.msg);
		}
	}

	int code = open_store(run, common);
	run->batch = code == DN_EXIT_OK ? cert_batch_new() : NULL;
	if (code == DN_EXIT_OK && run->batch == NULL) {
		log_error("out of memory");
		code = DN_EXIT_FAILURE;
	}
	if (code != DN_EXIT_OK) {
		close_store(run);
		free(targets);
		return code;
	}

	for (int i = 0; i < argc && run->fatal_exit == DN_EXIT_OK; i++) {
		grab_one(run, &targets[i]);
		fflush(stdout);
	}
	cert_batch_free(run->batch);
	free(targets);
	code = close_store(run);
	if (code != DN_EXIT_OK)
		return code;
	if (run->live_failed)
		return cli_finish_output(DN_EXIT_LIVE);
	return cli_finish_output(run->cert_invalid ? DN_EXIT_INPUT : DN_EXIT_OK);
}

int cert_grab_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"sni", required_argument, NULL, OPT_SNI},
	        {"no-sni", no_argument, NULL, OPT_NO_SNI},
	        {"timeout", required_argument, NULL, OPT_TIMEOUT},
	        {"interval", required_argument, NULL, OPT_INTERVAL},
	        {"source", required_argument, NULL, OPT_SOURCE},
	        {"no-store", no_argument, NULL, OPT_NO_STORE},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        CLI_COMMON_LONG,
	        {NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "cert grab"};
	struct grab_run run = {.source = DEFAULT_SOURCE};
	tls_grab_options_init(&run.tls);
	double seconds;
	int opt;
	while ((opt = getopt_long(argc, argv, ":jhvq", longopts, NULL)) != -1) {
		if (cli_common_option(&common, opt, optarg))
			continue;
		switch (opt) {
		case OPT_SNI:
			if (optarg[0] == '\0' || strlen(optarg) >= TLS_GRAB_HOST_MAX)
				return cli_usage_error("cert grab",
				                       "--sni wants a name of 1 to %d bytes",
				                       TLS_GRAB_HOST_MAX - 1);
			run.tls.sni = optarg;
			break;
		case OPT_NO_SNI:
			run.tls.no_sni = true;
			break;
		case OPT_TIMEOUT:
			if (!parse_seconds(optarg, &seconds) || seconds <= 0)
				return cli_usage_error("cert grab",
				                       "invalid --timeout '%s' (seconds, "
				                       "more than 0, at most 3600)",
				                       optarg);
			run.tls.timeout_ms = (unsigned)(seconds * 1000);
			if (run.tls.timeout_ms == 0)
				run.tls.timeout_ms = 1;
			break;
		case OPT_INTERVAL:
			if (!parse_seconds(optarg, &seconds))
				return cli_usage_error("cert grab",
				                       "invalid --interval '%s' (seconds, "
				                       "0 to 3600)",
				                       optarg);
			run.tls.interval_ms = (unsigned)(seconds * 1000);
			break;
		case OPT_SOURCE:
			if (optarg[0] == '\0')
				return cli_usage_error("cert grab", "--source wants a name");
			run.source = optarg;
			break;
		case OPT_NO_STORE:
			run.no_store = true;
			break;
		case 'j':
			run.json = true;
			break;
		case 'h':
			fputs(grab_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error("cert grab", opt, argv);
		}
	}
	if (run.tls.sni != NULL && run.tls.no_sni)
		return cli_usage_error("cert grab", "give --sni NAME or --no-sni, not both");
	cli_setup_logging(&common, true);
	return grab_all(&run, &common, argc - optind, argv + optind);
}
