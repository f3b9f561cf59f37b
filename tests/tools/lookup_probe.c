/* Run the live WHOIS and RDAP clients against test servers and print what
 * they return, one JSON object per name, for test_lookup_clients.py:
 *   {"domain": ..., "rc": "OK", "error": ..., "elapsed_ms": N,
 *    "hops": [{"server": ..., "status": ..., "text_hex": ...}, ...]}     whois
 *   {"domain": ..., "rc": ..., "error": ..., "elapsed_ms": N, "http_status": N,
 *    "url": ..., "redirects": N, "retry_after": N, "status": ...,
 *    "body_hex": ...}                                                    rdap
 *   {"domain": ..., "rc": ..., "error": ..., "base": ...}                base
 *   {"domain": ..., "rc": ..., "error": ..., "protocol": "rdap"|"whois"|null,
 *    "rdap_skipped": ..., plus the fields of the protocol used}          domain
 * Texts are hex so that the test can compare them byte for byte.
 * Usage: lookup_probe [--root HOST[:PORT]] [--bootstrap URL|FILE]
 *        [--timeout-ms N] [--interval-ms N] [--response-max BYTES]
 *        [--whois-only|--rdap-only] whois|rdap|base|domain NAME...
 * Every server must be a loopback address: the probe sets loopback_only.
 * Exit status 0, or 2 for bad arguments. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "lookup/lookup.h"
#include "whois/record.h"

static const char *status_code_name(dn_status rc)
{
	static const char *const names[DN_STATUS_COUNT] = {
		[DN_OK] = "OK",         [DN_ENOMEM] = "ENOMEM",   [DN_EINVAL] = "EINVAL",
		[DN_EIO] = "EIO",       [DN_EFORMAT] = "EFORMAT", [DN_EMALF] = "EMALF",
		[DN_ENOTSUP] = "ENOTSUP", [DN_ELIMIT] = "ELIMIT", [DN_ENOENT] = "ENOENT",
		[DN_ESTORE] = "ESTORE", [DN_ESCHEMA] = "ESCHEMA", [DN_EINTR] = "EINTR",
		[DN_EBUSY] = "EBUSY",
	};
	return rc < DN_STATUS_COUNT && names[rc] != NULL ? names[rc] : "UNKNOWN";
}

static json_t *hex_string(const char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *hex = malloc(len * 2 + 1);
	if (hex == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[(unsigned char)data[i] >> 4];
		hex[2 * i + 1] = digits[(unsigned char)data[i] & 15];
	}
	hex[len * 2] = '\0';
	json_t *value = json_string(hex);
	free(hex);
	return value;
}

/* text as a JSON string, with bytes that are not printable ASCII as '?',
 * since messages may quote a server's bytes. */
static json_t *ascii_string(const char *text)
{
	char clean[sizeof(((struct dn_error *)0)->msg)];
	size_t i = 0;
	for (; text[i] != '\0' && i + 1 < sizeof(clean); i++)
		clean[i] = text[i] >= ' ' && text[i] < 0x7f ? text[i] : '?';
	clean[i] = '\0';
	return json_string(clean);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_whois(json_t *out, const struct lookup_whois_chain *chain)
{
	json_t *hops = json_array();
	for (size_t i = 0; i < chain->n_hops; i++) {
		const struct lookup_whois_hop *hop = &chain->hops[i];
		json_array_append_new(hops, json_pack("{s:s, s:s, s:o}", "server", hop->server,
		                                      "status", whois_status_name(hop->status),
		                                      "text_hex", hex_string(hop->text, hop->len)));
	}
	json_object_set_new(out, "hops", hops);
}

static void add_rdap(json_t *out, const struct lookup_rdap_response *r)
{
	json_object_set_new(out, "http_status", json_integer(r->http_status));
	json_object_set_new(out, "url", json_string(r->url));
	json_object_set_new(out, "redirects", json_integer(r->redirects));
	json_object_set_new(out, "retry_after", json_integer(r->retry_after));
	json_object_set_new(out, "status", json_string(whois_status_name(r->status)));
	json_object_set_new(out, "body_hex", r->body ? hex_string(r->body, r->len) : json_null());
}

static dn_status probe(const char *mode, const char *name, const struct lookup_options *o,
                       json_t *out, struct dn_error *err)
{
	if (strcmp(mode, "whois") == 0) {
		struct lookup_whois_chain chain;
		dn_status rc = lookup_whois(name, o, &chain, err);
		add_whois(out, &chain);
		lookup_whois_chain_free(&chain);
		return rc;
	}
	if (strcmp(mode, "rdap") == 0) {
		struct lookup_rdap_response r;
		dn_status rc = lookup_rdap(name, o, &r, err);
		add_rdap(out, &r);
		lookup_rdap_response_free(&r);
		return rc;
	}
	if (strcmp(mode, "base") == 0) {
		char base[LOOKUP_URL_MAX] = "";
		dn_status rc = lookup_rdap_base(name, o, base, sizeof(base), err);
		json_object_set_new(out, "base", rc == DN_OK ? json_string(base) : json_null());
		return rc;
	}
	struct lookup_result result;
	dn_status rc = lookup_domain(name, o, &result, err);
	json_object_set_new(out, "protocol",
	                    result.protocol == LOOKUP_RDAP    ? json_string("rdap")
	                    : result.protocol == LOOKUP_WHOIS ? json_string("whois")
	                                                      : json_null());
	json_object_set_new(out, "rdap_skipped", ascii_string(result.rdap_skipped));
	if (result.protocol == LOOKUP_RDAP)
		add_rdap(out, &result.rdap);
	else
		add_whois(out, &result.whois);
	lookup_result_free(&result);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: lookup_probe [--root HOST[:PORT]] [--bootstrap URL|FILE] "
	                "[--timeout-ms N] [--interval-ms N] [--response-max BYTES] "
	                "[--whois-only|--rdap-only] whois|rdap|base|domain NAME...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'},
		{"bootstrap", required_argument, NULL, 'b'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"interval-ms", required_argument, NULL, 'i'},
		{"response-max", required_argument, NULL, 'm'},
		{"whois-only", no_argument, NULL, 'W'},
		{"rdap-only", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	struct lookup_options o;
	lookup_options_init(&o);
	o.loopback_only = true;

	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': o.whois_root = optarg; break;
		case 'b': o.rdap_bootstrap = optarg; break;
		case 't': o.timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'i': o.interval_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': o.response_max = strtoul(optarg, NULL, 10); break;
		case 'W': o.protocols = LOOKUP_WHOIS; break;
		case 'R': o.protocols = LOOKUP_RDAP; break;
		default: usage();
		}
	}
	if (argc - optind < 2)
		usage();
	const char *mode = argv[optind++];
	if (strcmp(mode, "whois") != 0 && strcmp(mode, "rdap") != 0 && strcmp(mode, "base") != 0 &&
	    strcmp(mode, "domain") != 0)
		usage();

	for (int i = optind; i < argc; i++) {
		struct dn_error err = {0};
		json_t *out = json_object();
		json_object_set_new(out, "domain", json_string(argv[i]));
		long long start = now_ms();
		dn_status rc = probe(mode, argv[i], &o, out, &err);
		json_object_set_new(out, "elapsed_ms", json_integer(now_ms() - start));
		json_object_set_new(out, "rc", json_string(status_code_name(rc)));
		json_object_set_new(out, "error", ascii_string(rc == DN_OK ? "" : err.msg));
		char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
		if (text == NULL) {
			fprintf(stderr, "lookup_probe: out of memory\n");
			return 2;
		}
		puts(text);
		fflush(stdout);
		free(text);
		json_decref(out);
	}
	lookup_cleanup();
	return 0;
}
