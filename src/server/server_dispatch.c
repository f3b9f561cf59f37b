/* Route lookup, authorization and JSON errors of `dragnet serve`. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "server/server.h"
#include "server/server_internal.h"

static bool path_matches(const struct server_route *route, const char *path)
{
	if (route->exact)
		return strcmp(path, route->prefix) == 0;
	return strncmp(path, route->prefix, strlen(route->prefix)) == 0;
}

static bool method_matches(const struct server_route *route, const char *method)
{
	if (route->method == NULL || strcmp(route->method, method) == 0)
		return true;
	return strcmp(method, "HEAD") == 0 && strcmp(route->method, "GET") == 0;
}

/* Add method to the comma-separated list in allow unless it is there. */
static void allow_add(char *allow, size_t size, const char *method)
{
	if (method == NULL)
		method = "GET, POST";
	if (strstr(allow, method) != NULL)
		return;
	size_t len = strlen(allow);
	snprintf(allow + len, size - len, "%s%s", len ? ", " : "", method);
}

int server_route_find(const struct server_route *const *tables, const char *method,
                      const char *path, const struct server_route **route, char *allow,
                      size_t allow_size)
{
	bool path_found = false;
	*route = NULL;
	if (allow_size > 0)
		allow[0] = '\0';
	for (size_t t = 0; tables[t] != NULL; t++) {
		for (const struct server_route *r = tables[t]; r->fn != NULL; r++) {
			if (!path_matches(r, path))
				continue;
			if (method_matches(r, method)) {
				*route = r;
				return 200;
			}
			path_found = true;
			if (allow_size > 0)
				allow_add(allow, allow_size, r->method);
		}
	}
	return path_found ? 405 : 404;
}

int server_authorize(const struct server_route *route, bool key_sent, enum server_role role,
                     bool open_read)
{
	if (key_sent && role == SERVER_ROLE_NONE)
		return 401;
	switch (route->need) {
	case SERVER_ROLE_NONE:
		return 0;
	case SERVER_ROLE_READ:
		if (role != SERVER_ROLE_NONE || open_read)
			return 0;
		return 401;
	case SERVER_ROLE_WRITE:
		if (role == SERVER_ROLE_WRITE)
			return 0;
		return role == SERVER_ROLE_READ ? 403 : 401;
	}
	return 401;
}

void server_error(struct server_response *res, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	res->status = status;
	res->content_type = "application/json";
	/* Drop what the handler wrote before it failed: a memory stream's size
	 * is its position after the next write (POSIX open_memstream()). */
	fflush(res->body);
	fseek(res->body, 0, SEEK_SET);

	/* json_string() rejects invalid UTF-8, which a message can repeat
	 * from a percent-decoded path; such bytes become '?'. */
	json_t *text = json_string(msg);
	if (text == NULL) {
		for (char *p = msg; *p; p++) {
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		}
		text = json_string(msg);
	}
	json_t *obj = json_object();
	json_object_set_new(obj, "error", text);
	json_dumpf(obj, res->body, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', res->body);
	json_decref(obj);
}

bool server_add_header(struct server_response *res, const char *header)
{
	if (res->n_headers >= SERVER_MAX_HEADERS)
		return false;
	res->headers[res->n_headers++] = header;
	return true;
}
