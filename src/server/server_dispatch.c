/* Route lookup, authorization and JSON errors of `dragnet serve`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "server/server.h"
#include "server/server_internal.h"
#include "store/clickhouse/ch_url.h"

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

/* Add method to the comma-separated list in allow unless it is there. A
 * GET route serves HEAD too (method_matches()), so GET brings HEAD. */
static void allow_add(char *allow, size_t size, const char *method)
{
	if (method == NULL)
		method = "GET, HEAD, POST";
	else if (strcmp(method, "GET") == 0)
		method = "GET, HEAD";
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

/* ---- server-side paths ---- */

#define HIDDEN_MAX 16

/* The registered paths, written once by server_hide_config() before the
 * worker threads start and only read after that. */
static struct {
	char *path;
	const char *phrase;
} hidden[HIDDEN_MAX];
static size_t nhidden;

void server_hide_path(const char *path, const char *phrase)
{
	if (path == NULL || path[0] == '\0' || nhidden == HIDDEN_MAX)
		return;
	for (size_t i = 0; i < nhidden; i++) {
		if (strcmp(hidden[i].path, path) == 0)
			return;
	}
	char *copy = strdup(path);
	if (copy == NULL)
		return;
	/* Longer paths first, so that a path inside another one (the store
	 * in the temporary folder) does not leave the rest of it shown. */
	size_t at = nhidden;
	while (at > 0 && strlen(hidden[at - 1].path) < strlen(copy)) {
		hidden[at] = hidden[at - 1];
		at--;
	}
	hidden[at].path = copy;
	hidden[at].phrase = phrase;
	nhidden++;
}

void server_hide_clear(void)
{
	for (size_t i = 0; i < nhidden; i++)
		free(hidden[i].path);
	nhidden = 0;
}

void server_hide_config(const struct server_config *config)
{
	const char *store = config->store_location;
	if (store != NULL) {
		server_hide_path(store, "the store");
		/* Messages of a SQLite store name its file without the scheme,
		 * and those of ClickHouse the URL with the password masked. */
		if (strncasecmp(store, "sqlite:", 7) == 0)
			server_hide_path(store + 7, "the store");
		if (strncasecmp(store, "clickhouse://", 13) == 0) {
			char normal[4096], masked[4096];
			snprintf(normal, sizeof(normal), "clickhouse://%s", store + 13);
			ch_mask_password(normal, masked, sizeof(masked));
			server_hide_path(masked, "the store");
		}
	}
	server_hide_path(server_web_root(config), "the web root");
	server_hide_path(config->keys_file, "the keys file");
	server_hide_path(config->cert_file, "the TLS certificate");
	server_hide_path(config->key_file, "the TLS key");
	const char *tmp = getenv("TMPDIR");
	server_hide_path(tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", "the temporary folder");
}

/* Whether c may continue a path or a word, so that a path is not found
 * inside a longer one ("db" in "dnsdb"). */
static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '~' || c == '/';
}

/* NOTE: a request value that equals a registered path is replaced too, so
 * an error that repeats such a value shows the phrase in its place. */
bool server_hide_paths(const char *text, char *out, size_t size)
{
	bool replaced = false;
	size_t n = 0;
	const char *p = text;
	while (*p != '\0' && n + 1 < size) {
		size_t i = 0;
		for (; i < nhidden; i++) {
			size_t len = strlen(hidden[i].path);
			bool starts = p == text || !path_char(p[-1]);
			if (starts && strncmp(p, hidden[i].path, len) == 0 &&
			    !(path_char(p[len]) && p[len] != '.' && p[len] != '-' && p[len] != '/'))
				break;
		}
		if (i == nhidden) {
			out[n++] = *p++;
			continue;
		}
		int written = snprintf(out + n, size - n, "%s", hidden[i].phrase);
		n = written < 0 || (size_t)written >= size - n ? size - 1 : n + (size_t)written;
		p += strlen(hidden[i].path);
		replaced = true;
	}
	if (size > 0)
		out[n] = '\0';
	return replaced;
}

/* ---- errors ---- */

void server_error(struct server_response *res, int status, const char *fmt, ...)
{
	char full[1024], msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(full, sizeof(full), fmt, ap);
	va_end(ap);
	if (server_hide_paths(full, msg, sizeof(msg)))
		snprintf(res->log_message, sizeof(res->log_message), "%s", full);
	else
		res->log_message[0] = '\0';

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
