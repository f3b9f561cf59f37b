/* Shared parts of the native API's handlers (server_native.c and
 * server_native_map.c): parameters, record lists and store errors. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "server/server.h"
#include "util/status.h"

/* limit capped by the server's max_results; 0 (no limit) becomes the cap. */
uint64_t native_cap(const struct server_request *req, uint64_t limit);

/* Read the flag argument name: absent, "0" or "false" is false; "", "1" or
 * "true" is true. Other text sets status 400 naming the argument and
 * returns false; so do the readers below. */
bool native_flag(struct server_request *req, struct server_response *res, const char *name,
                 bool *value);

/* Read the time argument name (epoch seconds, ISO 8601 or an age such as
 * 30d) into *value, which keeps its value when the argument is absent. */
bool native_time(struct server_request *req, struct server_response *res, const char *name,
                 int64_t *value);

/* Records written to memory first, so that a lookup that fails halfway
 * sends an error instead of half a list. */
struct native_list {
	FILE *out;      /* write each record here, after native_list_next() */
	char *buf;
	size_t len;
	uint64_t n;     /* records started */
};

bool native_list_open(struct native_list *list);
/* Start a record: the separator before all but the first. */
void native_list_next(struct native_list *list);
/* Write {"records": [...], "truncated": BOOL} to the response; on failure
 * set status 503 and return false. */
bool native_list_send(struct native_list *list, struct server_response *res, bool truncated);
void native_list_free(struct native_list *list);

/* Set the response for a failed store operation what ("pdns lookup"):
 * 400 for an invalid value, 404 for a missing one, else 503 (a limit, an
 * interruption, a store that cannot be read, memory that ran out). */
void native_store_error(struct server_response *res, const char *what, dn_status rc,
                        const struct dn_error *err);

void native_map(struct server_request *req, struct server_response *res);
