/* The DNSDB API version 2 routes of `dragnet serve`: lookup, summarize,
 * rate_limit and ping, answered by the request model of server/dnsdb.h. */
#include <stdlib.h>

#include <jansson.h>

#include "server/dnsdb.h"
#include "server/server.h"
#include "util/timeutil.h"

/* ---- HTTP handlers ---- */

static void dnsdb_answer(struct server_request *req, struct server_response *res,
                         bool summarize)
{
	struct dnsdb_args args = {
	        .limit = server_arg(req, "limit"),
	        .offset = server_arg(req, "offset"),
	        .max_count = server_arg(req, "max_count"),
	        .aggr = server_arg(req, "aggr"),
	        .humantime = server_arg(req, "humantime"),
	        .time_first_before = server_arg(req, "time_first_before"),
	        .time_first_after = server_arg(req, "time_first_after"),
	        .time_last_before = server_arg(req, "time_last_before"),
	        .time_last_after = server_arg(req, "time_last_after"),
	};
	struct dnsdb_request *dr = malloc(sizeof(*dr));
	struct dn_error err;
	if (dr == NULL) {
		server_error(res, 503, "out of memory");
		return;
	}
	uint64_t max_results = req->config != NULL ? req->config->limits.max_results : 0;
	if (dnsdb_request_parse(req->segments, req->nsegments, &args, max_results, time_now(), dr,
	                        &err) != DN_OK) {
		server_error(res, 400, "%s", err.msg);
		free(dr);
		return;
	}
	if (summarize && dr->offset > 0) {
		server_error(res, 400, "offset: only lookups take an offset");
		free(dr);
		return;
	}
	res->status = 200;
	res->content_type = "application/x-ndjson";
	dnsdb_run(req->store, dr, summarize, res->body);
	free(dr);
}

static void handle_lookup(struct server_request *req, struct server_response *res)
{
	dnsdb_answer(req, res, false);
}

static void handle_summarize(struct server_request *req, struct server_response *res)
{
	dnsdb_answer(req, res, true);
}

static void handle_ping(struct server_request *req, struct server_response *res)
{
	(void)req;
	fputs("{\"ping\":\"ok\"}\n", res->body);
}

/* DNSDB's quota report. dragnet keeps no quota, so only results_max (the
 * server's result limit) and offset_max are figures. */
static void handle_rate_limit(struct server_request *req, struct server_response *res)
{
	uint64_t max_results = req->config != NULL ? req->config->limits.max_results : 0;
	json_t *rate = json_object();
	json_object_set_new(rate, "reset", json_string("n/a"));
	json_object_set_new(rate, "limit", json_string("unlimited"));
	json_object_set_new(rate, "remaining", json_string("n/a"));
	json_object_set_new(rate, "results_max",
	                    max_results > 0 ? json_integer((json_int_t)max_results) : json_string("unlimited"));
	json_object_set_new(rate, "offset_max", json_string("unlimited"));
	json_t *root = json_object();
	json_object_set_new(root, "rate", rate);
	char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL) {
		server_error(res, 503, "out of memory");
		return;
	}
	fputs(text, res->body);
	fputc('\n', res->body);
	free(text);
}

/* The arguments of DNSDB API v2's lookups, and the client's name,
 * version and request id (swclient, version, id), which dnsdbq 2.6.4 and
 * other clients send and this server ignores. */
static const struct server_param lookup_params[] = {
	{"limit", false},
	{"offset", false},
	{"max_count", false},
	{"aggr", false},
	{"humantime", false},
	{"time_first_before", false},
	{"time_first_after", false},
	{"time_last_before", false},
	{"time_last_after", false},
	{"swclient", false},
	{"version", false},
	{"id", false},
	{NULL, false},
};
static const struct server_param client_params[] = {
	{"swclient", false}, {"version", false}, {"id", false}, {NULL, false}};

const struct server_route server_dnsdb_routes[] = {
	{"GET", "/dnsdb/v2/ping", true, SERVER_ROLE_NONE, handle_ping, client_params},
	{"GET", "/dnsdb/v2/rate_limit", true, SERVER_ROLE_READ, handle_rate_limit, client_params},
	{"GET", "/dnsdb/v2/lookup/", false, SERVER_ROLE_READ, handle_lookup, lookup_params},
	{"GET", "/dnsdb/v2/summarize/", false, SERVER_ROLE_READ, handle_summarize, lookup_params},
	{NULL, NULL, false, SERVER_ROLE_NONE, NULL, NULL},
};
