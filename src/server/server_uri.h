/* The request target of `dragnet serve`, split and percent-decoded by the
 * server instead of libmicrohttpd.
 *
 * libmicrohttpd decodes the whole path before anything can split it, so
 * an encoded '/' (%2F, as in the RFC 2317 name 0/26.2.0.192.in-addr.arpa)
 * would end its segment, and %00 would cut a value short. The server
 * installs an unescape callback that leaves the text as sent (see
 * server_uri_keep_escapes()), then splits the path at '/' and decodes
 * each segment and each query argument here. A '%' that does not start
 * two hex digits, and %00, are rejected, as is a query argument with an
 * empty name. libmicrohttpd turns '+' in the query into a space before
 * this code reads it, as HTML forms encode a space. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "server/server.h"
#include "util/arena.h"
#include "util/status.h"

struct MHD_Connection;

/* One query argument, decoded. */
struct server_uri_arg {
	const char *name;
	const char *value;       /* "" for "?name" without '=' */
};

struct server_uri {
	struct arena arena;      /* every string below */
	/* The path with each segment decoded, except that '%' and '/' inside
	 * a segment are written %25 and %2F, so that each '/' separates two
	 * segments: the form route prefixes are matched against. */
	const char *path;
	const char **segments;   /* the decoded segments after the leading '/' */
	size_t nsegments;
	struct server_uri_arg *args; /* in the order sent */
	size_t nargs;
	size_t args_cap;
	/* Set by server_uri_route(): the segments after the route's prefix,
	 * and the same joined by '/'. */
	const char *rest;
	const char *const *rest_segments;
	size_t nrest;
};

void server_uri_init(struct server_uri *uri);
void server_uri_free(struct server_uri *uri);

/* Split raw, the path as the client sent it, at '/' and decode each
 * segment. DN_EINVAL, with a message naming the segment, for a path that
 * does not start with '/', an invalid escape or %00; DN_ENOMEM. */
dn_status server_uri_set_path(struct server_uri *uri, const char *raw, struct dn_error *err);

/* Decode one query argument as sent and add it; raw_value is NULL for a
 * name without '='. DN_EINVAL, with a message naming the argument, for an
 * invalid escape, %00 or an empty name; DN_ENOMEM. */
dn_status server_uri_add_arg(struct server_uri *uri, const char *raw_name, const char *raw_value,
                             struct dn_error *err);

/* Value at index (from 0) of the arguments called name, or NULL. */
const char *server_uri_arg(const struct server_uri *uri, const char *name, size_t index);

/* Set rest and rest_segments for route, whose prefix matched path.
 * DN_ENOMEM only. */
dn_status server_uri_route(struct server_uri *uri, const struct server_route *route,
                           struct dn_error *err);

/* Check the arguments against the parameters route takes: DN_EINVAL with
 * a message naming the first unknown or repeated one. */
dn_status server_uri_check_args(const struct server_uri *uri, const struct server_route *route,
                                struct dn_error *err);

/* Read the path and the query arguments of the request on conn, whose
 * path url libmicrohttpd left encoded. */
dn_status server_uri_read(struct server_uri *uri, struct MHD_Connection *conn, const char *url,
                          struct dn_error *err);

/* Largest distance between a request target and the HTTP version that
 * server_target_has_nul() accepts as one request line. */
#define SERVER_TARGET_MAX (1u << 20)

/* Whether the request target has a NUL byte inside it, which libmicrohttpd
 * passes on as a shorter string. target and target_len come from the URI log
 * callback (MHD_OPTION_URI_LOG_CALLBACK), version from the access handler.
 * NOTE: this reads libmicrohttpd 0.9.75's layout of the request line in its
 * read buffer and returns false, so it detects nothing, when the version is
 * not stored right after the target. */
bool server_target_has_nul(const char *target, size_t target_len, const char *version);

/* The first raw control byte (0x01 to 0x1f, or 0x7f) in the request target,
 * or NULL. RFC 3986 allows none of them unencoded. */
const char *server_target_control(const char *target);

/* Check conn's request headers: DN_EINVAL when a value contains a NUL byte
 * or a name contains whitespace (as "X-Api-Key : KEY" sends it). version is
 * the HTTP version from the access handler, whose end shows the request's
 * line end (CR LF or LF).
 * NOTE: the NUL check reads libmicrohttpd 0.9.75's layout of header lines in
 * its read buffer, since MHD_get_connection_values_n() reports the length up
 * to the NUL. A NUL right at the start of a value is not detected, nor is one
 * NUL before a bare LF when the request line ends in CR LF, or one at the end
 * of the last header. Headers ending in CR LF after a request line ending in
 * a bare LF are rejected as if they contained a NUL. */
dn_status server_headers_check(struct MHD_Connection *conn, const char *version,
                               struct dn_error *err);

/* Whether a header value that ends at value_end (the NUL libmicrohttpd
 * 0.9.75 writes over its CR or LF) contained a NUL byte of its own. The bytes
 * up to next_name, the next header's name, must all be NUL and at most eol of
 * them (the request's line end: 1 for LF, 2 for CR LF, 0 when unknown). For
 * the last header (next_name NULL) the line end and the blank line must be
 * NUL. */
bool server_header_value_cut(const char *value_end, const char *next_name, size_t eol);

/* Check that the request body has one framing (RFC 9112 section 6.3): fail
 * when Content-Length headers differ in value, or when Content-Length comes
 * with Transfer-Encoding. A proxy in front of the server may pick the other
 * framing, so accepting either would let a second request hide in the body. */
dn_status server_framing_check(struct MHD_Connection *conn, struct dn_error *err);

/* Strip optional whitespace (SP and HTAB, RFC 9110 section 5.5) around a
 * header value: returns value itself when nothing trails it, else a copy in
 * out. A value that does not fit in size bytes is returned as it is. */
const char *server_header_trim(const char *value, char *out, size_t size);

/* The number of request headers called name (case-insensitive) on conn. */
size_t server_header_count(struct MHD_Connection *conn, const char *name);

/* The unescape callback of libmicrohttpd (MHD_OPTION_UNESCAPE_CALLBACK)
 * that leaves the path and the query arguments as sent; returns the
 * length of s. */
size_t server_uri_keep_escapes(void *cls, struct MHD_Connection *conn, char *s);
