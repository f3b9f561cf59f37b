/* GET /api/v1/map: the map of `dragnet map` for the seeds of the request,
 * in any of its output formats, with caps on depth, seeds, store queries
 * and nodes so that one request cannot occupy a worker for long. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export/graph_writer.h"
#include "graph/map_run.h"
#include "graph/pivot.h"
#include "graph/shared_infra.h"
#include "server/server_native.h"
#include "util/timeutil.h"

/* Hops a request may ask for. Each hop multiplies the nodes to expand, so
 * deeper maps are left to `dragnet map`. */
#define MAP_DEPTH_MAX 3
#define MAP_SEEDS_MAX 16
/* Store queries one map may make. NOTE: a guess, not sized on a large
 * store. A depth-2 map of paypa1-secure.example in the store that
 * tools/setup.sh demo builds makes 18 queries. */
#define MAP_QUERIES_MAX 5000

static const char *const format_types[GRAPH_FORMAT_COUNT] = {
        [GRAPH_FORMAT_TEXT] = "text/plain; charset=utf-8",
        [GRAPH_FORMAT_JSON] = "application/json",
        [GRAPH_FORMAT_DOT] = "text/vnd.graphviz",
        [GRAPH_FORMAT_GRAPHML] = "application/graphml+xml",
        [GRAPH_FORMAT_STIX] = "application/stix+json;version=2.1",
        [GRAPH_FORMAT_MISP] = "application/json",
};

/* The request's map question; seeds point into the request. */
struct map_request {
	const char *seeds[MAP_SEEDS_MAX];
	size_t n_seeds;
	struct pivot_options pivot;
	enum graph_format format;
	bool redact;
};

static bool read_seeds(struct server_request *req, struct server_response *res,
                       struct map_request *m)
{
	for (size_t i = 0;; i++) {
		const char *seed = server_arg_at(req, "seed", i);
		if (seed == NULL)
			break;
		if (m->n_seeds == MAP_SEEDS_MAX) {
			server_error(res, 400, "seed: too many seeds (at most %d)", MAP_SEEDS_MAX);
			return false;
		}
		struct pivot_seed parsed;
		struct dn_error err;
		if (pivot_seed_parse(seed, &parsed, &err) != DN_OK) {
			server_error(res, 400, "seed: %s", err.msg);
			return false;
		}
		m->seeds[m->n_seeds++] = seed;
	}
	if (m->n_seeds == 0) {
		server_error(res, 400, "seed: missing; give a domain, address, email, ... "
		                       "to start from");
		return false;
	}
	return true;
}

static bool read_depth(struct server_request *req, struct server_response *res,
                       unsigned *depth)
{
	const char *text = server_arg(req, "depth");
	if (text == NULL)
		return true;
	if (strlen(text) != 1 || text[0] < '0' || text[0] > '0' + MAP_DEPTH_MAX) {
		server_error(res, 400, "depth: invalid value '%s' (0 to %d)", text, MAP_DEPTH_MAX);
		return false;
	}
	*depth = (unsigned)(text[0] - '0');
	return true;
}

/* Read a map fence; 0 means an open fence, so the epoch itself becomes
 * one second later, as `dragnet map` does. */
static bool read_fence(struct server_request *req, struct server_response *res,
                       const char *name, int64_t *value)
{
	if (!native_time(req, res, name, value))
		return false;
	if (server_arg(req, name) != NULL && *value == 0)
		*value = 1;
	return true;
}

static bool read_map_request(struct server_request *req, struct server_response *res,
                             struct map_request *m)
{
	memset(m, 0, sizeof(*m));
	pivot_options_init(&m->pivot);
	m->pivot.max_queries = MAP_QUERIES_MAX;
	m->format = GRAPH_FORMAT_JSON;
	if (!read_seeds(req, res, m) || !read_depth(req, res, &m->pivot.depth) ||
	    !read_fence(req, res, "since", &m->pivot.since) ||
	    !read_fence(req, res, "until", &m->pivot.until) ||
	    !native_flag(req, res, "overlap", &m->pivot.overlap_only) ||
	    !native_flag(req, res, "redact", &m->redact))
		return false;
	if (m->pivot.since != 0 && m->pivot.until != 0 && m->pivot.since >= m->pivot.until) {
		server_error(res, 400, "since: must be before until");
		return false;
	}
	const char *format = server_arg(req, "format");
	if (format != NULL && !graph_format_parse(format, &m->format)) {
		server_error(res, 400,
		             "format: invalid value '%s' (json, text, dot, graphml, stix, misp)",
		             format);
		return false;
	}
	return true;
}

/* Write the map to the response, through memory so that a failure sends
 * an error alone. */
static void send_map(struct server_response *res, const struct map_request *m,
                     const struct map_result *map)
{
	struct graph_write_options wopt;
	map_write_options_init(&wopt, &m->pivot, m->seeds, m->n_seeds, time_now());
	wopt.redact_personal = m->redact;

	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct dn_error err = {0};
	dn_status rc = out != NULL ? graph_write(out, m->format, &map->graph, &map->clusters, &wopt,
	                                         &err)
	                           : dn_fail(&err, DN_ENOMEM, "out of memory");
	if (out != NULL && fclose(out) != 0 && rc == DN_OK)
		rc = dn_fail(&err, DN_ENOMEM, "out of memory");
	if (rc != DN_OK) {
		server_error(res, 503, "writing the map failed: %s", err.msg);
	} else {
		res->content_type = format_types[m->format];
		fwrite(buf, 1, len, res->body);
	}
	free(buf);
}

void native_map(struct server_request *req, struct server_response *res)
{
	struct map_request m;
	if (!read_map_request(req, res, &m))
		return;

	struct shared_list shared;
	struct dn_error err = {0};
	shared_list_init(&shared);
	if (shared_list_load_default(&shared, &err) != DN_OK) {
		shared_list_free(&shared);
		server_error(res, 503, "reading the shared-infrastructure list failed: %s",
		             err.msg);
		return;
	}
	m.pivot.shared = &shared;

	struct map_result map;
	dn_status rc = map_run(req->store, &m.pivot, m.seeds, m.n_seeds, &map, &err);
	uint64_t max_nodes = native_cap(req, 0);
	if (rc != DN_OK)
		native_store_error(res, "map", rc, &err);
	else if (max_nodes > 0 && map.graph.n_nodes > max_nodes)
		server_error(res, 503,
		             "map: %zu nodes, more than the limit of %" PRIu64
		             " results; lower the depth or give fewer seeds",
		             map.graph.n_nodes, max_nodes);
	else
		send_map(res, &m, &map);
	map_result_free(&map);
	shared_list_free(&shared);
}
