/* Requests to ClickHouse's HTTP interface over libcurl, with keep-alive,
 * timeouts, failover between the servers of a location, and the server's
 * own error text in messages. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/clickhouse/ch_url.h"
#include "util/status.h"

struct ch_http;

/* Receives the body of a successful response in pieces; returns DN_OK to go
 * on, anything else stops the transfer and becomes the request's status. */
typedef dn_status (*ch_sink_fn)(const uint8_t *data, size_t len, void *ctx);

/* Kind of failure of a request, for callers that retry or fall back. */
enum ch_failure {
	CH_FAIL_NONE,
	CH_FAIL_CONNECT, /* no server of the location could be reached */
	CH_FAIL_SHARD,   /* the server answered that a shard is unreachable */
	CH_FAIL_SERVER,  /* any other error the server reported */
	CH_FAIL_LOCAL,   /* out of memory, or the sink stopped */
};

dn_status ch_http_open(const struct ch_location *loc, struct ch_http **out, struct dn_error *err);
void ch_http_close(struct ch_http *h);

/*
 * Send one statement. With body == NULL the statement is the request body
 * (SELECT, DDL); otherwise it goes in the URL and body holds its data
 * (INSERT ... FORMAT RowBinary). settings is NULL or "name=value&..." added
 * to the URL. host is the index of the server to ask, or -1 to ask the
 * current one and fail over to the next when it cannot be reached. The
 * response body goes to sink (may be NULL). On failure *failure says how,
 * and err carries "LOCATION: WHAT: server's message".
 */
dn_status ch_http_run(struct ch_http *h, int host, const char *what, const char *sql,
                      const void *body, size_t body_len, const char *settings, ch_sink_fn sink,
                      void *ctx, enum ch_failure *failure, struct dn_error *err);

/* Run a statement whose answer is small and return it in a buffer the
 * caller frees; a trailing newline is removed. */
dn_status ch_http_text(struct ch_http *h, int host, const char *what, const char *sql, char **out,
                       enum ch_failure *failure, struct dn_error *err);

/* The ClickHouse error code of the last failed request, or 0. */
int ch_http_last_code(const struct ch_http *h);

/* Record the server's version (from SELECT version()), which decides how
 * a deadline is passed: ClickHouse before 22.6 reads max_execution_time
 * as whole seconds. */
void ch_http_set_server_version(struct ch_http *h, int major, int minor);

/* Stop every later request at deadline_ns (CLOCK_MONOTONIC nanoseconds; 0
 * for none). Each request carries the time left as max_execution_time. A
 * request fails with DN_ESTORE when the server stops it for that (code 159,
 * TIMEOUT_EXCEEDED), when it outlasts the deadline, or when it would start
 * after it. Returns true when the deadline this call replaces stopped a
 * request. */
bool ch_http_set_deadline(struct ch_http *h, int64_t deadline_ns);
