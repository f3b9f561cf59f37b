/* Routing and authorization of `dragnet serve`, apart from libmicrohttpd so
 * that unit tests can run them over route tables of their own. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "server/server.h"
#include "util/status.h"

/* Find the route for method and path in tables. path is server_uri.h's
 * path, with '/' only between segments. tables ends with NULL, and each
 * table with a route whose fn is NULL. The first route whose path and
 * method match wins, and HEAD matches GET routes. Returns 200 with *route
 * set, 404 when no route has the path, or 405 when routes have the path
 * but none the method. With 405, allow lists their methods ("GET, HEAD,
 * POST"). */
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

/* Write "ADDRESS:PORT", or "[ADDRESS]:PORT" for IPv6, of sa into out; "?:0"
 * for NULL or another family. */
void server_format_peer(const struct sockaddr *sa, char *out, size_t size);

/* Create the listening socket for "ADDR:PORT" or "[ADDR]:PORT" in *out.
 * bound gets the address it bound, with the port the kernel chose for port
 * 0. DN_EINVAL for a malformed address, DN_EIO when bind() or listen()
 * fails. */
dn_status server_listen_open(const char *listen_at, int *out, char *bound, size_t bound_size,
                             struct dn_error *err);

/* Read the PEM file at path whole into *out (malloc'd, NUL-terminated),
 * because libmicrohttpd takes TLS material from memory. what names the
 * file in messages ("TLS key"). DN_EINVAL when it cannot be read or has
 * no PEM block. */
dn_status server_read_pem(const char *path, const char *what, char **out, struct dn_error *err);

/* Check the TLS files that server_read_pem() read: the certificate file
 * must hold a certificate, the key file an unencrypted private key, and
 * the key must belong to the certificate. DN_EINVAL otherwise, with a
 * message that names the file and the reason ("are --tls-cert and
 * --tls-key swapped?" when each contains what the other should). */
dn_status server_check_tls(const char *cert_path, const char *cert_pem, const char *key_path,
                           const char *key_pem, struct dn_error *err);
