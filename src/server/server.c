/* The HTTP server of `dragnet serve` on libmicrohttpd: listening socket,
 * TLS, API keys, limits on bodies, connections and slow clients, and the
 * call of each route's handler. */
#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "server/apikey.h"
#include "server/server_internal.h"
#include "server/server_uri.h"
#include "util/log.h"
#include "x509/ct.h"

/* Seconds a stopping server waits for the requests in flight. */
#define SERVER_DRAIN_S 5
/* Milliseconds between two log lines on connections refused at
 * --max-connections. */
#define REFUSED_LOG_INTERVAL_MS 10000

struct server;

/* A connection, tracked so that the watchdog can close one whose request
 * does not arrive in time, and so that a stopping server can count the
 * requests in flight. */
struct conn_track {
	struct conn_track *prev, *next;
	int fd;
	/* Monotonic milliseconds by which the next request must have arrived
	 * whole (headers and body); 0 while a handler runs or a response goes
	 * out, which the idle timeout of libmicrohttpd covers. */
	_Atomic int64_t deadline_ms;
	atomic_uint requests; /* requests completed on the connection */
	atomic_bool busy;     /* a request has arrived and is not completed */
	char peer[INET6_ADDRSTRLEN + 8];
};

/* State of one request, from its first call of the access handler to its
 * completion. */
struct request_state {
	const struct server_route *route;
	enum server_role role;
	char key_id[APIKEY_ID_HEX + 1];
	bool answered;       /* a response was queued before the body arrived */
	/* An error found when the headers arrived, sent after the end of a
	 * request without a body: libmicrohttpd closes the connection when a
	 * response is queued before that. */
	int error_status;
	char error_msg[512];
	char error_header[128];
	struct server *srv;
	uint8_t *body;
	size_t body_len;
	size_t body_cap;
	struct timespec start;
	struct server_uri uri;   /* the path and query arguments, decoded */
	/* The request target as the URI log callback saw it, before
	 * libmicrohttpd split it at '?', '&' and '='. */
	const char *target;
	size_t target_len;
	/* Offset of the target's first control byte, or -1 for none. */
	long control_at;
	unsigned char control;
	bool started;            /* on_request() has seen the request */
};

struct server {
	const struct server_config *config;
	struct MHD_Daemon *daemon;

	/* The API keys, replaced whole when the keys file changes. */
	pthread_rwlock_t keys_lock;
	struct apikey_set keys;
	struct stat keys_stat;
	bool keys_loaded;

	pthread_mutex_t conns_lock;
	struct conn_track *conns;

	/* Every store handle a worker opened, closed after the workers stop. */
	pthread_mutex_t stores_lock;
	struct store **stores;
	size_t nstores, stores_cap;

	/* Connections open, counted by the connection notifications, and
	 * those refused at --max-connections since the last log line. */
	atomic_uint open_connections;
	atomic_uint_least64_t refused;
	int64_t refused_log_at; /* watchdog only: monotonic ms of the next line */

	pthread_t watchdog;
	atomic_bool draining; /* SIGINT or SIGTERM came: no new connections */
	atomic_bool stopping; /* the daemon has stopped: the watchdog ends */
};

/* One read-only and, on demand, one writable store handle per worker
 * thread: SQLite connections are not shared between threads. */
static _Thread_local struct store *thread_store_read;
static _Thread_local struct store *thread_store_write;

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* Copy text for a log line: control characters and non-ASCII bytes become
 * '?', so a request cannot forge log lines, and long text is cut. */
static void log_safe(const char *text, char *out, size_t size)
{
	size_t n = 0;
	for (; text[n] != '\0' && n + 1 < size; n++) {
		unsigned char c = (unsigned char)text[n];
		out[n] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
}

/* ---- API keys ---- */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Number of keys in set that are not revoked. */
static size_t keys_active(const struct apikey_set *set)
{
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++)
		n += set->keys[i].revoked == 0;
	return n;
}

/* Load the keys file when it changed since the last load, or whenever
 * force is set (SIGHUP). A file that cannot be read or parsed, or that
 * contains no key at all (an emptied file), leaves the keys as they were,
 * with a warning. A file whose keys are all revoked is applied, because a
 * revocation must take effect, with a warning that every request needing a
 * key is now rejected. */
static void keys_refresh(struct server *srv, bool force)
{
	const char *path = srv->config->keys_file;
	if (path == NULL)
		return;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (srv->keys_loaded || force)
			log_warn("%s: cannot read the API keys: %s; keeping the keys loaded before",
			         path, strerror(errno));
		srv->keys_loaded = false;
		return;
	}
	if (!force && srv->keys_loaded && same_file(&sb, &srv->keys_stat))
		return;

	struct apikey_set fresh = {0};
	struct dn_error err;
	if (apikey_load(path, &fresh, &err) != DN_OK) {
		apikey_set_free(&fresh);
		log_warn("%s; keeping the keys loaded before", err.msg);
		srv->keys_stat = sb; /* warn once per change */
		srv->keys_loaded = true;
		return;
	}
	if (fresh.n == 0 && srv->keys.n > 0) {
		apikey_set_free(&fresh);
		log_warn("%s: contains no API key; keeping the %zu keys loaded before (%zu active). "
		         "Revoke keys with 'dragnet apikey revoke' instead of emptying the file",
		         path, srv->keys.n, keys_active(&srv->keys));
		srv->keys_stat = sb;
		srv->keys_loaded = true;
		return;
	}
	pthread_rwlock_wrlock(&srv->keys_lock);
	struct apikey_set old = srv->keys;
	srv->keys = fresh;
	pthread_rwlock_unlock(&srv->keys_lock);
	apikey_set_free(&old);
	size_t active = keys_active(&fresh);
	if (active == 0)
		log_warn("%s: reloaded %zu API keys, none of them active: every request that needs "
		         "a key is rejected until 'dragnet apikey add' adds one",
		         path, fresh.n);
	else if (srv->keys_loaded || force)
		log_info("%s: reloaded %zu API keys (%zu active)", path, fresh.n, active);
	srv->keys_stat = sb;
	srv->keys_loaded = true;
}

/* Longest Base64 credentials of HTTP Basic read: the user is a 12-character
 * key ID, so 1024 leaves ample room for any key. */
#define BASIC_TOKEN_MAX 1024

/* Whether authorization uses the Basic scheme, whose name is
 * case-insensitive (RFC 9110 section 11.1). */
static bool is_basic_scheme(const char *authorization)
{
	while (*authorization == ' ' || *authorization == '\t')
		authorization++;
	return strncasecmp(authorization, "Basic", 5) == 0 &&
	       (authorization[5] == ' ' || authorization[5] == '\0');
}

/* Decode the HTTP Basic credentials (RFC 7617) in authorization into buf,
 * which has room for BASIC_TOKEN_MAX / 4 * 3 + 1 bytes, and split them at the
 * first ':' into *user and *password. One or more spaces may separate the
 * scheme from the token (RFC 9110 section 11.4). Returns false unless the
 * token is valid Base64 of text with a ':' and no NUL byte. */
static bool basic_credentials(const char *authorization, char *buf, char **user,
                              char **password)
{
	const char *token = authorization;
	while (*token == ' ' || *token == '\t')
		token++;
	token += 5; /* "Basic", checked by is_basic_scheme() */
	while (*token == ' ')
		token++;
	size_t len = strcspn(token, " \t");
	if (len == 0 || len > BASIC_TOKEN_MAX || token[len + strspn(token + len, " \t")] != '\0')
		return false;
	long decoded = ct_base64_decode(token, len, (uint8_t *)buf);
	if (decoded < 0 || memchr(buf, '\0', (size_t)decoded) != NULL)
		return false;
	buf[decoded] = '\0';
	char *colon = strchr(buf, ':');
	if (colon == NULL)
		return false;
	*colon = '\0';
	*user = buf;
	*password = colon + 1;
	return true;
}

/* The key a request presents: X-Api-Key on every route, or HTTP Basic
 * (user = key ID, password = key) on the CIRCL routes under /pdns/, which
 * is how CIRCL's passive DNS API and its clients authenticate. Returns
 * whether a key was sent; rs gets its role and ID when it is valid. *why
 * gets the reason a sent key is not valid, and *status 400 when the
 * request is ambiguous (two different keys), else 0. */
static bool authenticate(struct server *srv, struct MHD_Connection *conn,
                         const struct server_route *route, struct request_state *rs,
                         const char **why, int *status)
{
	*status = 0;
	char trimmed[256];
	const char *header_key = server_header_trim(
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Api-Key"), trimmed,
		sizeof(trimmed));
	const char *key = header_key;
	char *user = NULL, *password = NULL;
	char credentials[BASIC_TOKEN_MAX / 4 * 3 + 1];
	const char *authorization =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	bool circl = route != NULL && strncmp(route->prefix, "/pdns/", 6) == 0;
	if (circl && authorization != NULL && is_basic_scheme(authorization)) {
		if (!basic_credentials(authorization, credentials, &user, &password)) {
			*why = "malformed HTTP Basic authorization: expected the Base64 of KEY_ID:KEY";
			return true;
		}
		if (header_key != NULL && strcmp(header_key, password) != 0) {
			*why = "two different API keys sent, in X-Api-Key and in HTTP Basic "
			       "authorization: send one";
			*status = 400;
			return true;
		}
		key = password;
	}
	if (key == NULL)
		return false;

	const struct apikey *match;
	pthread_rwlock_rdlock(&srv->keys_lock);
	enum apikey_result result = apikey_check(&srv->keys, key, user, &match);
	if (result == APIKEY_OK) {
		rs->role = match->role;
		memcpy(rs->key_id, match->id, sizeof(rs->key_id));
	} else if (match != NULL) {
		memcpy(rs->key_id, match->id, sizeof(rs->key_id));
	}
	pthread_rwlock_unlock(&srv->keys_lock);

	static const char *const reasons[] = {
		[APIKEY_OK] = "",
		[APIKEY_MALFORMED] = "malformed API key",
		[APIKEY_UNKNOWN] = "unknown API key",
		[APIKEY_WRONG] = "wrong API key",
		[APIKEY_REVOKED] = "revoked API key",
		[APIKEY_WRONG_USER] = "the HTTP Basic user name is not the key's ID: send KEY_ID:KEY",
	};
	*why = reasons[result];
	return true;
}

/* ---- stores ---- */

static struct store *worker_store(struct server *srv, bool write, struct dn_error *err)
{
	struct store **slot = write ? &thread_store_write : &thread_store_read;
	if (*slot != NULL)
		return *slot;

	struct store *store;
	if (store_open(srv->config->store_location, write ? STORE_WRITE : STORE_READ, NULL, &store,
	               err) != DN_OK)
		return NULL;
	pthread_mutex_lock(&srv->stores_lock);
	if (srv->nstores == srv->stores_cap) {
		size_t cap = srv->stores_cap ? 2 * srv->stores_cap : 16;
		struct store **grown = realloc(srv->stores, cap * sizeof(*grown));
		if (grown == NULL) {
			pthread_mutex_unlock(&srv->stores_lock);
			store_close(store);
			dn_fail(err, DN_ENOMEM, "out of memory opening the store");
			return NULL;
		}
		srv->stores = grown;
		srv->stores_cap = cap;
	}
	srv->stores[srv->nstores++] = store;
	pthread_mutex_unlock(&srv->stores_lock);
	*slot = store;
	return store;
}

/* ---- headers ---- */

const char *server_header(const struct server_request *req, const char *name)
{
	if (req->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* ---- responses ---- */

/* The message of an error body {"error": "..."}, or the body itself. */
static void error_message(const char *body, char *out, size_t size)
{
	if (body == NULL) {
		out[0] = '\0';
		return;
	}
	json_t *obj = json_loads(body, JSON_DISABLE_EOF_CHECK, NULL);
	const char *msg = json_string_value(json_object_get(obj, "error"));
	log_safe(msg != NULL ? msg : body, out, size);
	json_decref(obj);
}

static void log_request(const char *method, const char *url, int status, size_t bytes,
                        const struct request_state *rs, const char *body)
{
	char path[256];
	log_safe(url, path, sizeof(path));
	const char *key = rs->key_id[0] ? rs->key_id : "-";
	if (status >= 400 && log_enabled(LOG_INFO)) {
		char msg[256];
		error_message(body, msg, sizeof(msg));
		log_info("%s %s: %d %s (key %s)", method, path, status, msg, key);
	} else if (log_enabled(LOG_DEBUG)) {
		log_debug("%s %s: %d, %zu bytes in %.2f ms (key %s)", method, path, status, bytes,
		          elapsed_ms(&rs->start), key);
	}
}

/* Add "Name: value" to response; false when it is not of that form. */
static bool add_header_line(struct MHD_Response *response, const char *line)
{
	const char *colon = strchr(line, ':');
	if (colon == NULL || colon == line || (size_t)(colon - line) >= 128)
		return false;
	char name[128];
	memcpy(name, line, (size_t)(colon - line));
	name[colon - line] = '\0';
	const char *value = colon + 1;
	while (*value == ' ')
		value++;
	return MHD_add_response_header(response, name, value) == MHD_YES;
}

/* Send the response: takes buf (malloc'd) in every case. */
static enum MHD_Result send_response(struct MHD_Connection *conn, const char *method,
                                     const char *url, struct request_state *rs,
                                     const struct server_response *res, char *buf, size_t len)
{
	const char *logged = res->log_message[0] != '\0' ? res->log_message : buf;
	log_request(method, url, res->status, len, rs, res->status >= 400 ? logged : NULL);
	struct MHD_Response *response = MHD_create_response_from_buffer_with_free_callback(
	        len, buf, free);
	if (response == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        res->content_type ? res->content_type : "application/json");
	MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; i < res->n_headers && i < SERVER_MAX_HEADERS; i++) {
		if (!add_header_line(response, res->headers[i]))
			log_warn("%s: the handler set a malformed header; dropped", url);
	}
	/* A stopping server closes each connection after its response, so
	 * that no client sends another request on it. */
	if (atomic_load(&rs->srv->draining) &&
	    MHD_get_response_header(response, MHD_HTTP_HEADER_CONNECTION) == NULL)
		MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ok = MHD_queue_response(conn, (unsigned)res->status, response);
	MHD_destroy_response(response);
	return ok;
}

/* Send the error that rs holds. */
static enum MHD_Result send_error(struct MHD_Connection *conn, const char *method,
                                  const char *url, struct request_state *rs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *body = open_memstream(&buf, &len);
	if (body == NULL)
		return MHD_NO;
	struct server_response res = {.body = body};
	server_error(&res, rs->error_status, "%s", rs->error_msg);
	if (rs->error_header[0] != '\0')
		server_add_header(&res, rs->error_header);
	if (fclose(body) != 0) {
		free(buf);
		return MHD_NO;
	}
	rs->answered = true;
	return send_response(conn, method, url, rs, &res, buf, len);
}

/* Record an error in rs; header may be NULL. Returns MHD_YES so that
 * check_request() can return it. */
static enum MHD_Result set_error(struct request_state *rs, int status, const char *header,
                                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result set_error(struct request_state *rs, int status, const char *header,
                                 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rs->error_msg, sizeof(rs->error_msg), fmt, ap);
	va_end(ap);
	rs->error_status = status;
	snprintf(rs->error_header, sizeof(rs->error_header), "%s", header ? header : "");
	return MHD_YES;
}

/* ---- the access handler ---- */

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info != NULL ? info->socket_context : NULL;
}

/* Check a request whose headers have arrived: body size, route, key and
 * role. Records an error in rs, or leaves error_status 0. */
static enum MHD_Result check_request(struct server *srv, struct MHD_Connection *conn,
                                     const char *url, const char *method, const char *version,
                                     struct request_state *rs)
{
	const struct server_limits *limits = &srv->config->limits;
	struct dn_error err;
	if (server_framing_check(conn, &err) != DN_OK)
		return set_error(rs, 400, "Connection: close", "%s", err.msg);
	const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length != NULL && strtoull(length, NULL, 10) > limits->max_body)
		return set_error(rs, 413, "Connection: close", "request body larger than %zu bytes", limits->max_body);

	if (server_target_has_nul(rs->target, rs->target_len, version))
		return set_error(rs, 400, NULL, "the request target contains a NUL byte; "
		                                "send it percent-encoded as %%00");
	if (rs->control_at >= 0)
		return set_error(rs, 400, NULL,
		                 "the request target contains control character 0x%02x at byte %ld; "
		                 "send it percent-encoded as %%%02X",
		                 rs->control, rs->control_at, rs->control);
	if (server_headers_check(conn, version, &err) != DN_OK)
		return set_error(rs, 400, NULL, "%s", err.msg);
	if (server_uri_read(&rs->uri, conn, url, &err) != DN_OK)
		return set_error(rs, err.code == DN_ENOMEM ? 503 : 400, NULL, "%s", err.msg);
	if (server_header_count(conn, "X-Api-Key") > 1 ||
	    server_header_count(conn, MHD_HTTP_HEADER_AUTHORIZATION) > 1)
		return set_error(rs, 400, NULL, "more than one X-Api-Key or Authorization header; "
		                                "send the key once");

	char allow[64];
	int found = server_route_find(server_route_tables, method, rs->uri.path, &rs->route, allow,
	                              sizeof(allow));
	char path[128];
	log_safe(url, path, sizeof(path));
	if (found == 404)
		return set_error(rs, 404, NULL, "no such path: %s", path);
	if (found == 405) {
		char header[96];
		snprintf(header, sizeof(header), "Allow: %s", allow);
		return set_error(rs, 405, header, "method %s not allowed on %s; use %s", method, path, allow);
	}

	const char *why = "";
	int auth_status;
	bool key_sent = authenticate(srv, conn, rs->route, rs, &why, &auth_status);
	if (auth_status != 0)
		return set_error(rs, auth_status, NULL, "%s", why);
	int denied = server_authorize(rs->route, key_sent, rs->role, srv->config->open_read);
	bool basic = strncmp(rs->route->prefix, "/pdns/", 6) == 0;
	const char *challenge = basic ? "WWW-Authenticate: Basic realm=\"dragnet\"" : NULL;
	if (denied == 401 && key_sent)
		return set_error(rs, 401, challenge, "%s", why);
	if (denied == 401)
		return set_error(rs, 401, challenge,
		                 basic ? "API key required: send it as X-Api-Key or as the "
		                          "password of HTTP Basic authentication"
		                        : "API key required: send it in the X-Api-Key header");
	if (denied == 403)
		return set_error(rs, 403, NULL, "key %s has the read role; %s %s needs a write key", rs->key_id,
		                  method, path);
	if (server_uri_check_args(&rs->uri, rs->route, &err) != DN_OK ||
	    server_uri_route(&rs->uri, rs->route, &err) != DN_OK)
		return set_error(rs, err.code == DN_ENOMEM ? 503 : 400, NULL, "%s", err.msg);
	return MHD_YES;
}

static enum MHD_Result add_body(struct server *srv, struct request_state *rs, const char *data,
                                size_t size)
{
	size_t max = srv->config->limits.max_body;
	if (rs->body_len + size > max || rs->body_len + size < size) {
		/* A chunked body has no Content-Length to check in advance, and
		 * libmicrohttpd accepts no response once the body is being read,
		 * so the connection is closed without one. */
		log_info("request body larger than %zu bytes: connection closed (key %s)", max,
		         rs->key_id[0] ? rs->key_id : "-");
		return MHD_NO;
	}
	if (rs->body_len + size > rs->body_cap) {
		size_t cap = rs->body_cap ? rs->body_cap : 4096;
		while (cap < rs->body_len + size)
			cap *= 2;
		if (cap > max)
			cap = max;
		uint8_t *grown = realloc(rs->body, cap);
		if (grown == NULL)
			return MHD_NO;
		rs->body = grown;
		rs->body_cap = cap;
	}
	memcpy(rs->body + rs->body_len, data, size);
	rs->body_len += size;
	return MHD_YES;
}

/* Run the route's handler on the complete request and send its answer. */
static enum MHD_Result finish_request(struct server *srv, struct MHD_Connection *conn,
                                      const char *url, const char *method,
                                      struct request_state *rs)
{
	struct dn_error err = {0};
	bool write = rs->route->need == SERVER_ROLE_WRITE;
	struct store *store = worker_store(srv, write, &err);
	if (store == NULL) {
		/* The message names the store's path, which only the log shows. */
		log_error("a worker thread cannot open the store: %s", err.msg);
		set_error(rs, 503, NULL, "store unavailable; the server's log says why");
		return send_error(conn, method, url, rs);
	}

	char *buf = NULL;
	size_t len = 0;
	FILE *body = open_memstream(&buf, &len);
	if (body == NULL) {
		set_error(rs, 503, NULL, "out of memory");
		return send_error(conn, method, url, rs);
	}
	struct server_request req = {
		.method = method,
		.path = rs->uri.path,
		.rest = rs->uri.rest,
		.segments = rs->uri.rest_segments,
		.nsegments = rs->uri.nrest,
		.body = rs->body,
		.body_len = rs->body_len,
		.role = rs->role,
		.key_id = rs->key_id,
		.store = store,
		.config = srv->config,
		.uri = &rs->uri,
		.conn = conn,
	};
	struct server_response res = {.status = 200, .body = body};
	/* Uploads are bounded by --max-body instead; a write stopped halfway
	 * would leave a run to resume that nobody resumes. */
	unsigned timeout_ms = srv->config->limits.query_timeout_ms;
	if (!write && timeout_ms > 0)
		store_set_deadline(store, monotonic_ns() + (int64_t)timeout_ms * 1000000);
	rs->route->fn(&req, &res);
	if (!write && timeout_ms > 0 && store_set_deadline(store, 0))
		server_error(&res, 503, "query took longer than %u ms; narrow it or raise "
		                        "--query-timeout", timeout_ms);
	if (ferror(body) || fclose(body) != 0) {
		free(buf);
		set_error(rs, 503, NULL, "out of memory writing the response");
		return send_error(conn, method, url, rs);
	}
	return send_response(conn, method, url, rs, &res, buf, len);
}

static struct request_state *request_state_new(struct server *srv)
{
	struct request_state *rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &rs->start);
	server_uri_init(&rs->uri);
	rs->srv = srv;
	rs->control_at = -1;
	return rs;
}

/* Start the request's state when the request line arrives (the URI log
 * callback), while the target is still whole in libmicrohttpd's buffer, so
 * on_request() can tell whether a NUL byte cut it short. libmicrohttpd
 * passes the result to on_request() and on_completed() as *con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)conn;
	struct request_state *rs = request_state_new(cls);
	if (rs != NULL) {
		rs->target = uri;
		rs->target_len = strlen(uri);
		const char *control = server_target_control(uri);
		rs->control_at = control != NULL ? (long)(control - uri) : -1;
		rs->control = control != NULL ? (unsigned char)*control : 0;
	}
	return rs;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	struct server *srv = cls;
	struct request_state *rs = *con_cls;
	if (rs == NULL || !rs->started) {
		if (rs == NULL)
			rs = request_state_new(srv);
		if (rs == NULL)
			return MHD_NO;
		rs->started = true;
		*con_cls = rs;
		struct conn_track *track = track_of(conn);
		if (track != NULL)
			atomic_store(&track->busy, true);
		check_request(srv, conn, url, method, version, rs);
		/* A request with a body gets its error at once, so the body is
		 * never read; libmicrohttpd then closes the connection. */
		bool has_body =
		        MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                    MHD_HTTP_HEADER_CONTENT_LENGTH) != NULL ||
		        MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
		if (rs->error_status != 0 && has_body)
			return send_error(conn, method, url, rs);
		return MHD_YES;
	}
	if (rs->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		enum MHD_Result ok = add_body(srv, rs, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return ok;
	}

	/* The whole request is in: from here the idle timeout applies. */
	struct conn_track *track = track_of(conn);
	if (track != NULL)
		atomic_store(&track->deadline_ms, 0);
	if (rs->error_status != 0)
		return send_error(conn, method, url, rs);
	return finish_request(srv, conn, url, method, rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct server *srv = cls;
	struct request_state *rs = *con_cls;
	if (rs != NULL) {
		free(rs->body);
		server_uri_free(&rs->uri);
		free(rs);
		*con_cls = NULL;
	}
	/* A kept-alive connection must send its next request in time too. */
	struct conn_track *track = track_of(conn);
	if (track != NULL) {
		atomic_store(&track->busy, false);
		atomic_fetch_add(&track->requests, 1);
		atomic_store(&track->deadline_ms,
		             monotonic_ms() + 1000 * (int64_t)srv->config->limits.timeout_s);
	}
}

/* ---- connections and the watchdog ---- */

/* Accept a new connection while fewer than --max-connections are open.
 * libmicrohttpd's own limit is split between the worker threads, and a
 * worker at its share leaves new connections waiting in the listen queue
 * with no message, so this limit is checked here instead. Two workers
 * that accept at the same moment can each let one through, so the count
 * may pass the limit by up to the number of workers less one. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	(void)addr;
	(void)addrlen;
	struct server *srv = cls;
	if (atomic_load(&srv->open_connections) < srv->config->limits.max_connections)
		return MHD_YES;
	atomic_fetch_add(&srv->refused, 1);
	return MHD_NO;
}

/* Log the connections refused at --max-connections. The watchdog calls
 * this, and it logs at most once every REFUSED_LOG_INTERVAL_MS. */
static void log_refused(struct server *srv, int64_t now)
{
	if (now < srv->refused_log_at || atomic_load(&srv->refused) == 0)
		return;
	uint64_t refused = atomic_exchange(&srv->refused, 0);
	log_warn("--max-connections %u reached: %llu connections refused and closed since the "
	         "last report (reported at most every %d s)",
	         srv->config->limits.max_connections, (unsigned long long)refused,
	         REFUSED_LOG_INTERVAL_MS / 1000);
	srv->refused_log_at = now + REFUSED_LOG_INTERVAL_MS;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	struct server *srv = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&srv->open_connections, 1);
		struct conn_track *track = calloc(1, sizeof(*track));
		if (track == NULL)
			return;
		const union MHD_ConnectionInfo *info =
		        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		track->fd = info != NULL ? info->connect_fd : -1;
		info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		server_format_peer(info != NULL ? info->client_addr : NULL, track->peer,
		            sizeof(track->peer));
		atomic_store(&track->deadline_ms,
		             monotonic_ms() + 1000 * (int64_t)srv->config->limits.timeout_s);
		pthread_mutex_lock(&srv->conns_lock);
		track->next = srv->conns;
		if (srv->conns != NULL)
			srv->conns->prev = track;
		srv->conns = track;
		pthread_mutex_unlock(&srv->conns_lock);
		*socket_context = track;
		return;
	}

	atomic_fetch_sub(&srv->open_connections, 1);
	struct conn_track *track = *socket_context;
	if (track == NULL)
		return;
	pthread_mutex_lock(&srv->conns_lock);
	if (track->prev != NULL)
		track->prev->next = track->next;
	else
		srv->conns = track->next;
	if (track->next != NULL)
		track->next->prev = track->prev;
	pthread_mutex_unlock(&srv->conns_lock);
	free(track);
	*socket_context = NULL;
}

/* Close connections whose request has not arrived whole by its deadline.
 * The idle timeout of libmicrohttpd alone lets a client that sends one
 * byte at a time hold a connection forever. shutdown() leaves the
 * descriptor open, so libmicrohttpd reads the end of the stream and closes
 * the connection itself. It calls the close notification, which removes
 * the track under conns_lock, before it closes the descriptor (daemon.c,
 * MHD_cleanup_connections()), so fd is never a reused one here. */
static void *watchdog_main(void *arg)
{
	struct server *srv = arg;
	while (!atomic_load(&srv->stopping)) {
		struct timespec pause = {.tv_nsec = 200 * 1000000};
		nanosleep(&pause, NULL);
		int64_t now = monotonic_ms();
		pthread_mutex_lock(&srv->conns_lock);
		for (struct conn_track *t = srv->conns; t != NULL; t = t->next) {
			int64_t deadline = atomic_load(&t->deadline_ms);
			if (deadline == 0 || now < deadline || t->fd < 0)
				continue;
			atomic_store(&t->deadline_ms, 0);
			/* After a request, this is mostly a browser's idle kept-alive
			 * connection, which is no fault worth reporting. */
			enum log_level level = atomic_load(&t->requests) ? LOG_DEBUG : LOG_INFO;
			log_msg(level, "%s: request not received within %u s; closing the connection",
			        t->peer, srv->config->limits.timeout_s);
			shutdown(t->fd, SHUT_RDWR);
		}
		pthread_mutex_unlock(&srv->conns_lock);
		log_refused(srv, now);
	}
	return NULL;
}

/* ---- start and stop ---- */

static void log_from_mhd(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void log_from_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	log_info("libmicrohttpd: %s", msg);
}

/* One worker per processor. A thread per connection was no faster in a
 * measurement (wrk -t2 on GET /api/v1/pdns of one name in a small SQLite
 * store, 2 shared cores: 16,000 to 23,000 requests/s for both), and the
 * pool bounds the store handles at one per worker. */
static unsigned worker_count(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		return 1;
	return cores > 64 ? 64 : (unsigned)cores;
}

static dn_status start_daemon(struct server *srv, int listen_fd, bool ipv6, const char *cert,
                              const char *key, struct dn_error *err)
{
	const struct server_limits *limits = &srv->config->limits;
	/* MHD_quiesce_daemon() needs the inter-thread channel (MHD_USE_ITC). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	                 MHD_USE_ITC;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	if (cert != NULL)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key},
		{MHD_OPTION_END, 0, NULL},
	};
	/* on_accept() enforces --max-connections. libmicrohttpd's limit, one
	 * more per worker, only keeps its share per worker above that. */
	unsigned mhd_limit = limits->max_connections + worker_count();
	srv->daemon = MHD_start_daemon(
	        flags, 0, on_accept, srv, on_request, srv,
	        MHD_OPTION_EXTERNAL_LOGGER, log_from_mhd, srv,
	        MHD_OPTION_UNESCAPE_CALLBACK, server_uri_keep_escapes, NULL,
	        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
	        MHD_OPTION_THREAD_POOL_SIZE, worker_count(),
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)limits->timeout_s,
	        MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
	        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
	        MHD_OPTION_ARRAY, cert != NULL ? tls : tls + 2,
	        MHD_OPTION_END);
	if (srv->daemon == NULL)
		return dn_fail(err, DN_EIO,
		               "libmicrohttpd did not start; its message above says why");
	return DN_OK;
}

/* Wait for SIGINT or SIGTERM, which the caller blocked in every thread, and
 * reload the keys file once a second in between. SIGHUP reloads it at once,
 * changed or not. */
static void wait_for_signal(struct server *srv)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	for (;;) {
		struct timespec second = {.tv_sec = 1};
		int sig = sigtimedwait(&stop, NULL, &second);
		if (sig == SIGINT || sig == SIGTERM) {
			log_info("%s received; stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
			return;
		}
		if (sig == SIGHUP) {
			log_info("SIGHUP received; reloading %s",
			         srv->config->keys_file ? srv->config->keys_file : "no keys file");
		}
		keys_refresh(srv, sig == SIGHUP);
	}
}

/* Connections with a request in flight: one that has arrived and is not
 * completed, or, on a connection that has had none yet, the one its client
 * is presumably sending. Idle kept-alive connections are not counted. */
static size_t requests_in_flight(struct server *srv)
{
	size_t n = 0;
	pthread_mutex_lock(&srv->conns_lock);
	for (struct conn_track *t = srv->conns; t != NULL; t = t->next)
		n += atomic_load(&t->busy) || atomic_load(&t->requests) == 0;
	pthread_mutex_unlock(&srv->conns_lock);
	return n;
}

/* Stop accepting connections and wait up to SERVER_DRAIN_S for the
 * responses to the requests in flight. Returns the listening socket, which
 * libmicrohttpd no longer closes, or -1. */
static int drain(struct server *srv)
{
	atomic_store(&srv->draining, true);
	MHD_socket listen_fd = MHD_quiesce_daemon(srv->daemon);
	if (listen_fd == MHD_INVALID_SOCKET) {
		log_warn("libmicrohttpd did not stop accepting connections; closing them now");
		return -1;
	}
	/* Clients in the listen queue have connected and sent their request,
	 * which waited only because every worker was busy: they are in flight
	 * too, so libmicrohttpd gets them. */
	size_t queued = 0;
	for (;;) {
		struct sockaddr_storage addr;
		socklen_t addrlen = sizeof(addr);
		int fd = accept4(listen_fd, (struct sockaddr *)&addr, &addrlen,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			break;
		/* libmicrohttpd closes fd itself when it fails. */
		if (MHD_add_connection(srv->daemon, fd, (struct sockaddr *)&addr, addrlen) == MHD_YES)
			queued++;
	}
	/* shutdown() makes the kernel refuse new connections at once, while
	 * the descriptor stays valid for the workers until MHD_stop_daemon().
	 * NOTE: a client whose handshake completes between the last accept4()
	 * and this call is reset without a response. */
	shutdown(listen_fd, SHUT_RDWR);
	if (queued > 0)
		log_debug("listen queue: %zu connections handed to the workers", queued);

	size_t left = requests_in_flight(srv);
	if (left == 0)
		return listen_fd;
	log_info("waiting up to %d s for the requests in flight on %zu connection%s", SERVER_DRAIN_S,
	         left, left == 1 ? "" : "s");
	int64_t until = monotonic_ms() + 1000 * SERVER_DRAIN_S;
	while (left > 0 && monotonic_ms() < until) {
		struct timespec pause = {.tv_nsec = 20 * 1000000};
		nanosleep(&pause, NULL);
		left = requests_in_flight(srv);
	}
	/* NOTE: a client that connected but has sent nothing, such as a
	 * browser's preconnection, counts as one request in flight. */
	if (left > 0)
		log_warn("%zu connection%s still had a request in flight or not yet sent after %d s; "
		         "closing %s",
		         left, left == 1 ? "" : "s", SERVER_DRAIN_S, left == 1 ? "it" : "them");
	else
		log_info("every request in flight got its response");
	return listen_fd;
}

/* Never runs while the signals are blocked; see server_run(). */
static void ignore_signal(int sig)
{
	(void)sig;
}

dn_status server_run(const struct server_config *config, struct dn_error *err)
{
	if ((config->cert_file == NULL) != (config->key_file == NULL))
		return dn_fail(err, DN_EINVAL, "TLS needs both a certificate and a key file");
	if (config->cert_file != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return dn_fail(err, DN_ENOTSUP, "this libmicrohttpd was built without TLS support");

	struct server srv = {.config = config};
	pthread_rwlock_init(&srv.keys_lock, NULL);
	pthread_mutex_init(&srv.conns_lock, NULL);
	pthread_mutex_init(&srv.stores_lock, NULL);
	char *cert = NULL, *key = NULL;
	int listen_fd = -1;
	bool watchdog_started = false;
	bool keys_missing = false;
	dn_status rc = DN_OK;
	server_hide_config(config);

	if (config->keys_file != NULL) {
		/* A missing file means no keys. That is fine with open_read, and
		 * otherwise the check below rejects it and names the fix. */
		rc = apikey_load(config->keys_file, &srv.keys, err);
		if (rc == DN_ENOENT) {
			keys_missing = true;
			rc = DN_OK;
		}
		if (rc == DN_OK && stat(config->keys_file, &srv.keys_stat) == 0)
			srv.keys_loaded = true;
	}
	if (rc == DN_OK && !config->open_read) {
		if (keys_missing)
			rc = dn_fail(err, DN_EINVAL,
			             "cannot open the keys file %s: %s, and nothing is served without "
			             "a key: add one with 'dragnet apikey add --keys %s', or give "
			             "--open-read to serve reads without a key",
			             config->keys_file, strerror(ENOENT), config->keys_file);
		else if (keys_active(&srv.keys) == 0)
			rc = dn_fail(err, DN_EINVAL,
			             "%s holds no valid API key, and nothing is served without one: "
			             "add a key with 'dragnet apikey add', or give --open-read to "
			             "serve reads without a key",
			             config->keys_file ? config->keys_file : "no keys file");
	}
	char warning[2 * 4096 + 256];
	if (rc == DN_OK && config->keys_file != NULL &&
	    apikey_mode_warning(config->keys_file, warning, sizeof(warning)))
		log_warn("%s", warning);
	if (rc == DN_OK && config->cert_file != NULL)
		rc = server_read_pem(config->cert_file, "TLS certificate", &cert, err);
	if (rc == DN_OK && config->key_file != NULL)
		rc = server_read_pem(config->key_file, "TLS key", &key, err);
	if (rc == DN_OK && cert != NULL)
		rc = server_check_tls(config->cert_file, cert, config->key_file, key, err);

	char bound[INET6_ADDRSTRLEN + 8] = "";
	if (rc == DN_OK)
		rc = server_listen_open(config->listen, &listen_fd, bound, sizeof(bound), err);

	/* Block the stop signals before any thread starts, so that only
	 * sigtimedwait() in this thread receives them. A handler replaces an
	 * inherited SIG_IGN (a shell starts background jobs with SIGINT
	 * ignored), because an ignored signal is discarded, not queued. */
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	struct sigaction catch = {.sa_handler = ignore_signal}, old_int, old_term, old_hup;
	sigemptyset(&catch.sa_mask);
	sigaction(SIGINT, &catch, &old_int);
	sigaction(SIGTERM, &catch, &old_term);
	sigaction(SIGHUP, &catch, &old_hup);
	signal(SIGPIPE, SIG_IGN);

	if (rc == DN_OK)
		rc = start_daemon(&srv, listen_fd, bound[0] == '[', cert, key, err);
	if (rc == DN_OK) {
		if (pthread_create(&srv.watchdog, NULL, watchdog_main, &srv) != 0)
			rc = dn_fail(err, DN_ENOMEM, "cannot start the connection watchdog thread");
		else
			watchdog_started = true;
	}
	if (rc == DN_OK) {
		log_info("serving %s://%s/ (worker threads: %u, active API keys: %zu%s)",
		         cert ? "https" : "http", bound, worker_count(), keys_active(&srv.keys),
		         config->open_read ? ", reads open without a key" : "");
		/* The URL on standard output is how a script learns the port that
		 * port 0 got, with -q too, which hides the log line above. */
		printf("%s://%s/\n", cert ? "https" : "http", bound);
		fflush(stdout);
		wait_for_signal(&srv);
	}

	int quiesced_fd = -1;
	if (rc == DN_OK)
		quiesced_fd = drain(&srv);
	if (srv.daemon != NULL)
		MHD_stop_daemon(srv.daemon);
	atomic_store(&srv.stopping, true);
	if (watchdog_started)
		pthread_join(srv.watchdog, NULL);
	/* libmicrohttpd closes the listening socket it was given when it
	 * stops, unless it was quiesced first. */
	if (quiesced_fd >= 0)
		close(quiesced_fd);
	else if (listen_fd >= 0 && srv.daemon == NULL)
		close(listen_fd);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (size_t i = 0; i < srv.nstores; i++)
		store_close(srv.stores[i]);
	free(srv.stores);
	server_hide_clear();
	apikey_set_free(&srv.keys);
	free(cert);
	if (key != NULL)
		memset(key, 0, strlen(key));
	free(key);
	pthread_rwlock_destroy(&srv.keys_lock);
	pthread_mutex_destroy(&srv.conns_lock);
	pthread_mutex_destroy(&srv.stores_lock);
	return rc;
}
