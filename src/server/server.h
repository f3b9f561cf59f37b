/* The HTTP server of `dragnet serve`: routing, authentication and limits
 * around handlers that answer one kind of request each.
 *
 * server.c runs libmicrohttpd, reads the request, checks the API key and
 * the body size, has server_uri.c split and decode the path and the query
 * arguments, finds the route, and calls its handler with a request and
 * an empty response. The handler reads the store and writes the response
 * body to res->body (a FILE * over memory, so the existing writers in
 * export/ can print into it), then returns. The server sends the body with
 * the status and content type the handler set. Handlers never touch
 * libmicrohttpd.
 *
 * Handler files: server_native.c (the /api/v1 JSON API), server_dnsdb.c
 * (DNSDB API v2 and the SAF framing), server_circl.c (CIRCL /pdns/query
 * and COF), server_static.c (the web view's files), server_ingest.c
 * (uploads, for write keys). Each exports one route
 * table, and server_routes.c lists the tables the server searches in
 * order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"
#include "util/status.h"

struct server_uri;

enum server_role {
	SERVER_ROLE_NONE,   /* no key, or a revoked or unknown one */
	SERVER_ROLE_READ,
	SERVER_ROLE_WRITE,  /* may also read */
};

struct server_limits {
	size_t max_body;         /* bytes of a request body; larger gets 413 */
	uint64_t max_results;    /* records a lookup returns at most */
	unsigned timeout_s;      /* idle connection timeout */
	unsigned query_timeout_ms; /* a lookup that runs longer is stopped: 503 */
	unsigned max_connections;
};

struct server_config {
	const char *listen;      /* "127.0.0.1:8053", "[::1]:8053" */
	const char *cert_file;   /* TLS when both are set */
	const char *key_file;
	const char *keys_file;   /* API keys (server/apikey.h) */
	bool open_read;          /* serve reads without a key (explicit opt-in) */
	const char *web_root;    /* folder of the web view's built files */
	struct server_limits limits;
	const char *store_location;
};

struct server_request {
	const char *method;      /* "GET", "POST", ... */
	/* The URL path with each segment percent-decoded, except that '%' and
	 * '/' inside a segment stay %25 and %2F (server/server_uri.h). */
	const char *path;
	/* The decoded segments after the route's prefix joined by '/', for
	 * routes that take one value there; "" for an exact route. */
	const char *rest;
	/* The same segments one by one, so that a '/' sent as %2F stays
	 * inside its segment. */
	const char *const *segments;
	size_t nsegments;
	const uint8_t *body;
	size_t body_len;
	enum server_role role;   /* of the key presented, checked against the route */
	const char *key_id;      /* the key's id, for logs; "" when none */
	struct store *store;     /* opened once per worker, read-only unless role is write */
	const struct server_config *config;
	const struct server_uri *uri; /* the decoded query arguments; read with server_arg() */
	void *conn;              /* private to server.c */
};

struct server_response {
	int status;              /* HTTP status; 200 unless set */
	const char *content_type; /* "application/json" unless set */
	FILE *body;              /* write the body here */
	/* Extra headers, "Name: value" each, at most SERVER_MAX_HEADERS. */
	const char *headers[8];
	size_t n_headers;
	/* The error message before server_error() hid server-side paths in
	 * it, for the server's log; "" when the body's message is whole. */
	char log_message[1024];
};

#define SERVER_MAX_HEADERS 8

typedef void (*server_handler)(struct server_request *req, struct server_response *res);

/* A query parameter that a route takes. */
struct server_param {
	const char *name;
	bool repeat;             /* may be given more than once ("seed=a&seed=b") */
};

struct server_route {
	const char *method;      /* "GET" or "POST"; NULL for any */
	/* "/dnsdb/v2/lookup/"; the prefix of a route that is not exact ends
	 * with '/', so that the rest starts at a segment boundary. */
	const char *prefix;
	bool exact;              /* the path must equal prefix */
	enum server_role need;   /* SERVER_ROLE_READ or _WRITE; NONE for /ping etc. */
	server_handler fn;
	/* The parameters the route takes, ended by one with name NULL. A
	 * request with another parameter, or with one that may not repeat
	 * given twice, gets 400 before the handler runs. NULL skips both
	 * checks. */
	const struct server_param *params;
};

/* Value of query argument name ("limit"), percent-decoded, or NULL when
 * absent. "?name" without '=' has the value "". */
const char *server_arg(const struct server_request *req, const char *name);

/* Value at index (from 0) of a query argument that the request repeats
 * ("seed=a&seed=b"), or NULL past the last one. Index 0 gives what
 * server_arg() returns. */
const char *server_arg_at(const struct server_request *req, const char *name, size_t index);

/* Value of request header name (case-insensitive), or NULL. */
const char *server_header(const struct server_request *req, const char *name);

/* Set status and write {"error": message} as the body. Messages name the
 * parameter and the reason ("limit: not a number: 'abc'"). Every failed
 * handler branch ends here, and the server logs the line with the key id.
 * Server-side paths registered with server_hide_path() are replaced in
 * the body, and the log gets the message whole. */
void server_error(struct server_response *res, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Register path (the store, the web root, the keys file...) as one that
 * responses must not show: server_error() and server_hide_paths() write
 * phrase ("the store") in its place. Call before the workers start. An
 * empty path or a full table (16 paths) is ignored. */
void server_hide_path(const char *path, const char *phrase);

/* Register the server-side paths of config and $TMPDIR. */
void server_hide_config(const struct server_config *config);

/* Forget every registered path. */
void server_hide_clear(void);

/* Copy text to out with every registered path replaced by its phrase,
 * cut to size. Returns whether a path was replaced. */
bool server_hide_paths(const char *text, char *out, size_t size);

/* Add a response header; false when the table is full. */
bool server_add_header(struct server_response *res, const char *header);

/* The route tables of the handler files, each ended by a route with fn
 * NULL, and the list of them that server_routes.c defines, ended by NULL. */
extern const struct server_route server_native_routes[];
extern const struct server_route server_dnsdb_routes[];
extern const struct server_route server_circl_routes[];
extern const struct server_route server_static_routes[];
extern const struct server_route server_ingest_routes[];
extern const struct server_route *const server_route_tables[];

/* The folder the web view's files are served from: --web-root, else the
 * one set at build time. */
const char *server_web_root(const struct server_config *config);

/* Run the server until SIGINT or SIGTERM. */
dn_status server_run(const struct server_config *config, struct dn_error *err);
