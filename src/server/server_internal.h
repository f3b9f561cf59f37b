/* Routing and authorization of `dragnet serve`, apart from libmicrohttpd so
 * that unit tests can run them over route tables of their own. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "server/server.h"

/* Find the route for method and path in tables (ended by NULL, each table
 * ended by a route with fn NULL); the first route whose path and method
 * match wins, and HEAD matches GET routes. Returns 200 with *route set, 404
 * when no route has the path, or 405 when routes have the path but none the
 * method; then allow lists their methods ("GET, POST"). */
int server_route_find(const struct server_route *const *tables, const char *method,
                      const char *path, const struct server_route **route, char *allow,
                      size_t allow_size);

/* Decide whether a request may use route. key_sent is true when the
 * request carried a key, and role is what that key grants (SERVER_ROLE_NONE
 * for an unknown, wrong or revoked key). Returns 0 when allowed, 401 for a
 * missing or invalid key, 403 for a read key on a write route. A key that
 * is sent must be valid even where none is needed. open_read lets requests
 * without a key use read routes. */
int server_authorize(const struct server_route *route, bool key_sent, enum server_role role,
                     bool open_read);
