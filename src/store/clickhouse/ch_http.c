/* ClickHouse over HTTP with libcurl. */
#include "store/clickhouse/ch_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "util/interrupt.h"
#include "util/log.h"

struct ch_http {
	const struct ch_location *loc;
	CURL *curl;
	size_t current; /* server asked first */
	int last_code;
	CURLcode last_transport; /* curl's result of the last request */
	char errbuf[CURL_ERROR_SIZE];
	int64_t deadline_ns; /* CLOCK_MONOTONIC; 0 for none */
	bool deadline_hit;   /* the deadline stopped a request */
	bool subsecond_limit; /* the server reads a fractional max_execution_time */
};

/* Milliseconds that curl waits past the time limit given to the server
 * before it drops the request itself. The server checks its limit between
 * blocks of rows, so this covers a server stuck in one step: a sleep(), or
 * a merge of aggregation states. */
#define DEADLINE_GRACE_MS 500

/* State of one transfer. */
struct transfer {
	struct ch_http *h;
	ch_sink_fn sink;
	void *ctx;
	dn_status sink_status;
	long http_status;
	char error_body[1024]; /* start of the body of a failed response */
	size_t error_len;
};

/* A second SIGINT or SIGTERM stops a request; the first lets it finish,
 * so that an interrupted ingest can still deliver its last batch. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return interrupt_count() >= 2;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	if (t->http_status == 0)
		curl_easy_getinfo(t->h->curl, CURLINFO_RESPONSE_CODE, &t->http_status);
	if (t->http_status != 200) {
		size_t room = sizeof(t->error_body) - 1 - t->error_len;
		size_t take = len < room ? len : room;
		memcpy(t->error_body + t->error_len, data, take);
		t->error_len += take;
		t->error_body[t->error_len] = '\0';
		return len;
	}
	if (t->sink == NULL)
		return len;
	t->sink_status = t->sink((const uint8_t *)data, len, t->ctx);
	return t->sink_status == DN_OK ? len : 0;
}

dn_status ch_http_open(const struct ch_location *loc, struct ch_http **out, struct dn_error *err)
{
	static bool global_done;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return dn_fail(err, DN_ESTORE, "%s: libcurl failed to start", loc->safe);
		global_done = true;
	}
	struct ch_http *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory opening %s", loc->safe);
	h->loc = loc;
	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		free(h);
		return dn_fail(err, DN_ESTORE, "%s: libcurl failed to start", loc->safe);
	}
	*out = h;
	return DN_OK;
}

void ch_http_close(struct ch_http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

int ch_http_last_code(const struct ch_http *h)
{
	return h->last_code;
}

void ch_http_set_server_version(struct ch_http *h, int major, int minor)
{
	/* ClickHouse 22.6 parses settings in seconds as floating-point numbers
	 * (its changelog lists this as a backward-incompatible change). Older
	 * servers parse an unsigned integer, so 18.16 reads "0.5" as 0, which
	 * means no limit. */
	h->subsecond_limit = major > 22 || (major == 22 && minor >= 6);
}

bool ch_http_set_deadline(struct ch_http *h, int64_t deadline_ns)
{
	bool hit = h->deadline_hit;
	h->deadline_ns = deadline_ns;
	h->deadline_hit = false;
	return hit;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Write the URL settings that pass the time left before h's deadline to
 * the server into out, and set *curl_ms to how long curl may wait. Returns
 * false when the deadline has passed. */
static bool deadline_settings(struct ch_http *h, char *out, size_t size, long *curl_ms)
{
	out[0] = '\0';
	if (h->deadline_ns == 0)
		return true;
	int64_t left_ns = h->deadline_ns - monotonic_ns();
	if (left_ns <= 0)
		return false;
	/* Whole seconds are rounded up, so an old server stops a query at most
	 * a second after the deadline; 0 would mean no limit. */
	int64_t limit_ms = (left_ns + 999999) / 1000000;
	if (h->subsecond_limit) {
		snprintf(out, size, "max_execution_time=%lld.%03lld&timeout_overflow_mode=throw",
		         (long long)(limit_ms / 1000), (long long)(limit_ms % 1000));
	} else {
		limit_ms = (limit_ms + 999) / 1000 * 1000;
		snprintf(out, size, "max_execution_time=%lld&timeout_overflow_mode=throw",
		         (long long)(limit_ms / 1000));
	}
	if (limit_ms + DEADLINE_GRACE_MS < *curl_ms)
		*curl_ms = (long)(limit_ms + DEADLINE_GRACE_MS);
	return true;
}

/* "Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() = ..."
 * becomes code 60 and "Table x doesn't exist."; other bodies stay whole. */
static int server_message(const char *body, char *out, size_t size)
{
	int code = 0;
	sscanf(body, "Code: %d", &code);
	const char *text = strstr(body, "e.displayText() = ");
	text = text != NULL ? text + 18 : body;
	if (strncmp(text, "DB::", 4) == 0) {
		const char *colon = strstr(text, ": ");
		if (colon != NULL)
			text = colon + 2;
	}
	size_t len = strcspn(text, "\n");
	const char *what = strstr(text, ", e.what()");
	if (what != NULL && (size_t)(what - text) < len)
		len = (size_t)(what - text);
	while (len > 0 && strchr(" \r:", text[len - 1]) != NULL)
		len--;
	if (len >= 5 && strncmp(text + len - 5, ". Log", 5) == 0)
		len -= 5; /* "All connection tries failed. Log:" precedes a log */
	/* "All connection tries failed" is followed by a log whose lines name
	 * the shard: "... Code: 210, ...: Connection refused (127.0.0.1:9001)". */
	char shard[128] = "";
	const char *refused = code == 279 ? strstr(text, "Code: 210, e.displayText() = ") : NULL;
	if (refused != NULL) {
		refused = strchr(refused, ':');
		refused = refused != NULL ? strstr(refused + 1, ": ") : NULL;
	}
	if (refused != NULL) {
		refused += 2;
		size_t rlen = strcspn(refused, "\n");
		const char *end = strstr(refused, ", e.what()");
		if (end != NULL && (size_t)(end - refused) < rlen)
			rlen = (size_t)(end - refused);
		snprintf(shard, sizeof(shard), ": %.*s", (int)rlen, refused);
	}
	if (code != 0)
		snprintf(out, size, "%.*s%s (code %d)", (int)len, text, shard, code);
	else
		snprintf(out, size, "%.*s", (int)len, text);
	return code;
}

/* Codes a Distributed table reports when a shard cannot be reached: 209
 * socket timeout, 210 network error, 279 all connection tries failed. */
static bool is_shard_code(int code)
{
	return code == 209 || code == 210 || code == 279;
}

static bool transport_error(CURLcode c)
{
	return c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST ||
	       c == CURLE_OPERATION_TIMEDOUT || c == CURLE_SEND_ERROR || c == CURLE_RECV_ERROR ||
	       c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE;
}

static dn_status run_on(struct ch_http *h, size_t host, const char *what, const char *sql,
                        const void *body, size_t body_len, const char *settings, ch_sink_fn sink,
                        void *ctx, enum ch_failure *failure, struct dn_error *err)
{
	const struct ch_location *loc = h->loc;
	const struct ch_host *server = &loc->hosts[host];
	CURL *c = h->curl;
	char *escaped = NULL;
	char *url = NULL;
	size_t url_size;
	char shown[300];
	ch_host_format(server, shown, sizeof(shown));

	char limit[96];
	long curl_ms = (long)loc->timeout_s * 1000;
	if (!deadline_settings(h, limit, sizeof(limit), &curl_ms)) {
		h->deadline_hit = true;
		*failure = CH_FAIL_LOCAL;
		return dn_fail(err, DN_ESTORE, "%s: %s: the query deadline passed before the "
		                               "request to server %s", loc->safe, what, shown);
	}
	/* The time limit follows the caller's settings. */
	char *merged = NULL;
	if (limit[0] != '\0' && settings != NULL) {
		size_t merged_size = strlen(settings) + strlen(limit) + 2;
		merged = malloc(merged_size);
		if (merged == NULL)
			goto nomem;
		snprintf(merged, merged_size, "%s&%s", settings, limit);
		settings = merged;
	} else if (limit[0] != '\0') {
		settings = limit;
	}

	if (body != NULL) {
		escaped = curl_easy_escape(c, sql, 0);
		if (escaped == NULL)
			goto nomem;
	}
	url_size = strlen(server->name) + 64 + (escaped ? strlen(escaped) : 0) +
	           (settings ? strlen(settings) : 0);
	url = malloc(url_size);
	if (url == NULL)
		goto nomem;
	bool v6 = strchr(server->name, ':') != NULL;
	snprintf(url, url_size, "http://%s%s%s:%d/?%s%s%s%s", v6 ? "[" : "", server->name,
	         v6 ? "]" : "", server->port, escaped ? "query=" : "", escaped ? escaped : "",
	         escaped && settings ? "&" : "", settings ? settings : "");
	curl_free(escaped);
	escaped = NULL;
	free(merged);
	merged = NULL;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)loc->connect_timeout_s);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, curl_ms);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, sql);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(sql));
	}
	if (loc->user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, loc->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, loc->password);
	}
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type:");
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

	struct transfer t = {.h = h, .sink = sink, .ctx = ctx};
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	h->errbuf[0] = '\0';
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(headers);
	free(url);
	if (t.http_status == 0)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.http_status);

	h->last_code = 0;
	h->last_transport = rc;
	bool past_deadline = h->deadline_ns != 0 && monotonic_ns() >= h->deadline_ns;
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		*failure = CH_FAIL_LOCAL;
		return dn_fail(err, DN_EINTR, "%s: %s: stopped by a signal", loc->safe, what);
	}
	if (rc == CURLE_WRITE_ERROR && t.sink_status != DN_OK) {
		*failure = CH_FAIL_LOCAL;
		return t.sink_status;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT && past_deadline) {
		/* Not a failure of the server: no other server is asked. */
		h->deadline_hit = true;
		*failure = CH_FAIL_LOCAL;
		return dn_fail(err, DN_ESTORE, "%s: %s: server %s had not answered by the query "
		                               "deadline", loc->safe, what, shown);
	}
	if (rc != CURLE_OK) {
		*failure = transport_error(rc) ? CH_FAIL_CONNECT : CH_FAIL_SERVER;
		return dn_fail(err, DN_ESTORE, "%s: %s: server %s: %s", loc->safe, what, shown,
		               h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc));
	}
	if (t.http_status != 200) {
		char message[400];
		h->last_code = server_message(t.error_body, message, sizeof(message));
		*failure = is_shard_code(h->last_code) ? CH_FAIL_SHARD : CH_FAIL_SERVER;
		/* 159 is TIMEOUT_EXCEEDED; one before the deadline comes from a
		 * limit of the server's own settings. */
		if (h->last_code == 159 && past_deadline)
			h->deadline_hit = true;
		if (t.http_status == 401 || t.http_status == 403)
			return dn_fail(err, DN_ESTORE, "%s: %s: server %s refused the user: %s",
			               loc->safe, what, shown, message);
		return dn_fail(err, DN_ESTORE, "%s: %s: server %s answered HTTP %ld: %s", loc->safe,
		               what, shown, t.http_status,
		               message[0] != '\0' ? message : "(no message)");
	}
	*failure = CH_FAIL_NONE;
	return DN_OK;

nomem:
	curl_free(escaped);
	free(merged);
	free(url);
	*failure = CH_FAIL_LOCAL;
	return dn_fail(err, DN_ENOMEM, "out of memory building a request to %s", loc->safe);
}

dn_status ch_http_run(struct ch_http *h, int host, const char *what, const char *sql,
                      const void *body, size_t body_len, const char *settings, ch_sink_fn sink,
                      void *ctx, enum ch_failure *failure, struct dn_error *err)
{
	enum ch_failure dummy;
	if (failure == NULL)
		failure = &dummy;
	if (host >= 0)
		return run_on(h, (size_t)host, what, sql, body, body_len, settings, sink, ctx,
		              failure, err);

	/* A kept-alive connection that the server closed meanwhile fails once
	 * with a send or receive error: the first server gets a second try
	 * then, before the next one is asked. */
	size_t n = h->loc->nhosts;
	dn_status rc = DN_ESTORE;
	for (size_t tries = 0; tries <= n; tries++) {
		if (tries == 1 && h->last_transport != CURLE_SEND_ERROR &&
		    h->last_transport != CURLE_RECV_ERROR && h->last_transport != CURLE_GOT_NOTHING)
			continue;
		size_t server = tries == 0 ? h->current : (h->current + tries - 1) % n;
		rc = run_on(h, server, what, sql, body, body_len, settings, sink, ctx, failure,
		            err);
		if (rc == DN_OK || *failure != CH_FAIL_CONNECT) {
			h->current = server;
			return rc;
		}
		log_debug("%s", err->msg);
	}
	return rc;
}

struct text_sink {
	char *data;
	size_t len;
};

static dn_status collect_text(const uint8_t *data, size_t len, void *ctx)
{
	struct text_sink *t = ctx;
	char *grown = realloc(t->data, t->len + len + 1);
	if (grown == NULL)
		return DN_ENOMEM;
	memcpy(grown + t->len, data, len);
	t->data = grown;
	t->len += len;
	t->data[t->len] = '\0';
	return DN_OK;
}

dn_status ch_http_text(struct ch_http *h, int host, const char *what, const char *sql, char **out,
                       enum ch_failure *failure, struct dn_error *err)
{
	struct text_sink t = {NULL, 0};
	dn_status rc = ch_http_run(h, host, what, sql, NULL, 0, "wait_end_of_query=1", collect_text,
	                           &t, failure, err);
	if (rc == DN_ENOMEM)
		dn_fail(err, rc, "%s: %s: out of memory", h->loc->safe, what);
	if (rc != DN_OK) {
		free(t.data);
		return rc;
	}
	if (t.data == NULL) {
		t.data = calloc(1, 1);
		if (t.data == NULL)
			return dn_fail(err, DN_ENOMEM, "%s: %s: out of memory", h->loc->safe, what);
	}
	while (t.len > 0 && t.data[t.len - 1] == '\n')
		t.data[--t.len] = '\0';
	*out = t.data;
	return DN_OK;
}
