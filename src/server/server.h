/* The HTTP server of `dragnet serve`: routing, authentication and limits
 * around handlers that answer one kind of request each.
 *
 * server.c runs libmicrohttpd, reads the request, checks the API key and
 * the body size, finds the route, and calls its handler with a request and
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
	const char *path;        /* the URL path, percent-decoded by libmicrohttpd */
	const char *rest;        /* path after the route's prefix */
	const uint8_t *body;
	size_t body_len;
	enum server_role role;   /* of the key presented, checked against the route */
	const char *key_id;      /* the key's id, for logs; "" when none */
	struct store *store;     /* opened once per worker, read-only unless role is write */
	const struct server_config *config;
	void *conn;              /* private to server.c */
};

struct server_response {
	int status;              /* HTTP status; 200 unless set */
	const char *content_type; /* "application/json" unless set */
	FILE *body;              /* write the body here */
	/* Extra headers, "Name: value" each, at most SERVER_MAX_HEADERS. */
	const char *headers[8];
	size_t n_headers;
};

#define SERVER_MAX_HEADERS 8

typedef void (*server_handler)(struct server_request *req, struct server_response *res);

struct server_route {
	const char *method;      /* "GET" or "POST"; NULL for any */
	const char *prefix;      /* "/dnsdb/v2/lookup/" */
	bool exact;              /* the path must equal prefix */
	enum server_role need;   /* SERVER_ROLE_READ or _WRITE; NONE for /ping etc. */
	server_handler fn;
};

/* Value of query argument name ("limit"), or NULL when absent. */
const char *server_arg(const struct server_request *req, const char *name);

/* Value at index (from 0) of a query argument that the request repeats
 * ("seed=a&seed=b"), or NULL past the last one. Index 0 gives what
 * server_arg() returns. */
const char *server_arg_at(const struct server_request *req, const char *name, size_t index);

/* Value of request header name (case-insensitive), or NULL. */
const char *server_header(const struct server_request *req, const char *name);

/* Set status and write {"error": message} as the body. Messages name the
 * parameter and the reason ("limit: not a number: 'abc'"). Every failed
 * handler branch ends here, and the server logs the line with the key id. */
void server_error(struct server_response *res, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

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

/* Run the server until SIGINT or SIGTERM. */
dn_status server_run(const struct server_config *config, struct dn_error *err);
