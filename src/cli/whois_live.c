/* dragnet whois --live: query RDAP or WHOIS servers now, then store and
 * print the responses. The network clients are in lookup/; this file
 * chooses what to keep and how to show it. */
#include "cli/whois_live.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/whois_writer.h"
#include "ingest/whois_store.h"
#include "lookup/lookup.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "whois/document.h"
#include "whois/rdap.h"
#include "whois/response.h"
#include "whois/text.h"

void whois_live_defaults(struct whois_live_options *options)
{
	*options = (struct whois_live_options){
	        .use_rdap = true,
	        .use_whois = true,
	        .timeout = LOOKUP_TIMEOUT_MS / 1000.0,
	        .interval = LOOKUP_INTERVAL_MS / 1000.0,
	};
}

/* The response chosen from a lookup: its bytes, its server, and the record
 * parsed from it. */
struct answer {
	const char *raw;
	size_t len;
	const char *server;
	const char *source;
	struct whois_record rec;
};

static void print_answer(const struct whois_live_options *o, const struct answer *a,
                         int64_t now)
{
	if (o->json) {
		struct whois_record rec = a->rec;
		if (o->redact)
			whois_redact_personal(&rec);
		char when[24];
		time_format_iso(now, when, sizeof(when));
		json_t *extra = json_pack("{s:s, s:s, s:s}", "time_first", when, "source", a->source,
		                          "server", a->server);
		if (extra == NULL || !whois_print_json(stdout, &rec, extra))
			log_error("%s: out of memory", a->rec.domain);
		json_decref(extra);
		return;
	}
	struct whois_record rec = a->rec;
	if (o->redact)
		whois_redact_personal(&rec);
	printf("%s  %s  from %s (%s)\n", rec.domain, whois_status_name(rec.status), a->server,
	       a->source);
	whois_print_record(stdout, &rec, 2);
	putchar('\n');
}

/* Parse the response. One that the parser rejects becomes an error record,
 * so that the server's text is still stored. */
static void parse_answer(struct answer *a, bool rdap, const char *domain, struct arena *arena)
{
	struct dn_error err;
	dn_status rc;
	if (rdap) {
		rc = whois_parse_rdap(a->raw, a->len, arena, &a->rec, &err);
	} else {
		struct whois_text_hints hints = {domain, a->server};
		rc = whois_parse_text(a->raw, a->len, &hints, arena, &a->rec, &err);
	}
	if (rc != DN_OK) {
		log_warn("%s: invalid response from %s, stored as an error: %s", domain, a->server,
		         err.msg);
		whois_record_init(&a->rec);
		a->rec.status = WHOIS_ERROR;
		a->rec.reason = arena_dup(arena, err.msg, strlen(err.msg) + 1);
	}
	if (a->rec.domain == NULL)
		a->rec.domain = domain;
}

struct live_run {
	const struct whois_live_options *o;
	struct lookup_options lookup;
	struct store *store;
	uint32_t source_ids[2]; /* whois, rdap */
	struct arena arena;
	bool not_found;
	bool failed;
	int store_exit;
};

static bool store_answer(struct live_run *run, const struct answer *a, bool rdap, int64_t now)
{
	if (run->store == NULL)
		return true;
	struct dn_error err;
	dn_status rc = store_begin(run->store, &err);
	if (rc == DN_OK)
		rc = whois_store_record(run->store, run->source_ids[rdap], &a->rec, a->raw, a->len,
		                        now, &err);
	if (rc == DN_OK)
		rc = store_commit(run->store, &err);
	else
		store_rollback(run->store);
	if (rc != DN_OK) {
		log_error("%s: not stored: %s", a->rec.domain, err.msg);
		run->store_exit = cli_exit_for_store(rc);
		return false;
	}
	return true;
}

static void look_up(struct live_run *run, const char *domain)
{
	struct lookup_result result;
	struct dn_error err;
	arena_reset(&run->arena);
	log_info("%s: asking %s", domain,
	         (run->lookup.protocols & LOOKUP_RDAP) ? "RDAP, else WHOIS" : "WHOIS");
	dn_status rc = lookup_domain(domain, &run->lookup, &result, &err);
	struct answer a = {0};
	bool rdap = result.protocol == LOOKUP_RDAP;
	bool have = false;
	if (rdap && result.rdap.body != NULL &&
	    (result.rdap.status == WHOIS_FOUND || result.rdap.status == WHOIS_NOT_FOUND)) {
		a.raw = result.rdap.body;
		a.len = result.rdap.len;
		a.server = result.rdap.url;
		have = true;
	} else if (result.protocol == LOOKUP_WHOIS) {
		const struct lookup_whois_hop *hop = lookup_whois_best_hop(&result.whois);
		if (hop != NULL && (rc == DN_OK || hop->status == WHOIS_FOUND)) {
			a.raw = hop->text;
			a.len = hop->len;
			a.server = hop->server;
			have = true;
		}
		for (size_t i = 0; i < result.whois.n_hops; i++)
			log_info("%s: hop %zu: %s (%s)", domain, i + 1, result.whois.hops[i].server,
			         whois_status_name(result.whois.hops[i].status));
	}
	if (rc != DN_OK) {
		log_error("%s: %s", domain, err.msg);
		run->failed = true;
	}
	if (have) {
		a.source = rdap ? "live-rdap" : "live-whois";
		if (run->o->source_set)
			a.source = run->o->source;
		if (rdap && result.rdap.status == WHOIS_NOT_FOUND && a.len == 0) {
			whois_record_init(&a.rec);
			a.rec.status = WHOIS_NOT_FOUND;
			a.rec.domain = domain;
			a.rec.reason = "RDAP 404";
		} else {
			parse_answer(&a, rdap, domain, &run->arena);
		}
		int64_t now = time_now();
		char named[256];
		if (a.rec.domain != domain &&
		    (!whois_domain_key(a.rec.domain, named, sizeof(named)) ||
		     strcmp(named, domain) != 0)) {
			/* Some servers return other names (partial matches), and such
			 * a response must not enter another domain's history. */
			log_error("%s: the response from %s is for '%s'; not stored", domain, a.server,
			          a.rec.domain);
			run->failed = true;
			lookup_result_free(&result);
			return;
		}
		if (a.rec.status == WHOIS_NOT_FOUND || a.rec.status == WHOIS_RESERVED)
			run->not_found = true;
		/* A throttled, failed or unfinished (referral only) lookup gave no
		 * record; it is stored as such but is a failed lookup. */
		if (a.rec.status == WHOIS_THROTTLED || a.rec.status == WHOIS_ERROR ||
		    a.rec.status == WHOIS_REFERRAL)
			run->failed = true;
		if (run->o->raw_out) {
			fwrite(a.raw, 1, a.len, stdout);
			if (a.len > 0 && a.raw[a.len - 1] != '\n')
				putchar('\n');
		} else {
			print_answer(run->o, &a, now);
		}
		store_answer(run, &a, rdap, now);
	}
	lookup_result_free(&result);
}

int whois_live_run(const struct cli_common *common, const struct whois_live_options *o,
                   int argc, char **argv)
{
	if (argc == 0)
		return cli_usage_error("whois", "--live wants at least one DOMAIN");
	char (*keys)[256] = calloc((size_t)argc, sizeof(*keys));
	if (keys == NULL) {
		log_error("out of memory");
		return DN_EXIT_FAILURE;
	}
	for (int i = 0; i < argc; i++) {
		if (!whois_domain_key(argv[i], keys[i], sizeof(keys[i]))) {
			free(keys);
			return cli_usage_error("whois", "'%s' is not a domain name", argv[i]);
		}
	}
	struct live_run run = {.o = o};
	lookup_options_init(&run.lookup);
	run.lookup.whois_root = o->whois_root;
	run.lookup.rdap_bootstrap = o->rdap_bootstrap;
	run.lookup.timeout_ms = (unsigned)(o->timeout * 1000);
	run.lookup.interval_ms = (unsigned)(o->interval * 1000);
	run.lookup.protocols = (o->use_rdap ? LOOKUP_RDAP : 0) | (o->use_whois ? LOOKUP_WHOIS : 0);
	if (!o->no_store) {
		int code = cli_open_store(common, STORE_WRITE, NULL, &run.store);
		if (code != DN_EXIT_OK) {
			free(keys);
			return code;
		}
		struct dn_error err;
		dn_status rc = DN_OK;
		const char *names[2] = {"live-whois", "live-rdap"};
		for (int i = 0; i < 2 && rc == DN_OK; i++)
			rc = store_source_id(run.store, o->source_set ? o->source : names[i], "provider",
			                     &run.source_ids[i], &err);
		if (rc != DN_OK) {
			log_error("store: %s", err.msg);
			store_close(run.store);
			free(keys);
			return cli_exit_for_store(rc);
		}
	}
	/* A bootstrap file the user named must load: falling back to WHOIS
	 * would hide the mistake and send queries to IANA's server instead. */
	if (o->use_rdap && o->rdap_bootstrap != NULL) {
		char base[LOOKUP_URL_MAX];
		struct dn_error err;
		dn_status rc = lookup_rdap_base(keys[0], &run.lookup, base, sizeof(base), &err);
		if (rc != DN_OK && rc != DN_ENOENT) {
			log_error("--rdap-bootstrap: %s", err.msg);
			free(keys);
			store_close(run.store);
			lookup_cleanup();
			return DN_EXIT_LIVE;
		}
	}
	arena_init(&run.arena, 64 * 1024);
	for (int i = 0; i < argc; i++)
		look_up(&run, keys[i]);
	arena_free(&run.arena);
	free(keys);
	lookup_cleanup();
	if (run.store != NULL) {
		struct dn_error err;
		dn_status rc = store_sync(run.store, &err);
		if (rc != DN_OK && run.store_exit == DN_EXIT_OK) {
			log_error("store: %s", err.msg);
			run.store_exit = cli_exit_for_store(rc);
		}
		store_close(run.store);
	}
	if (run.store_exit != DN_EXIT_OK)
		return run.store_exit;
	if (run.failed)
		return cli_finish_output(DN_EXIT_LIVE);
	return cli_finish_output(run.not_found ? DN_EXIT_NO_MATCH : DN_EXIT_OK);
}
