/* RDAP client: the bootstrap file, kept for the process, and GET of a domain
 * object with libcurl. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "lookup/bootstrap.h"
#include "lookup/internal.h"
#include "lookup/lookup.h"
#include "util/interrupt.h"
#include "util/log.h"

/* Far above the size of IANA's dns.json, which by estimate lists about 1,200
 * TLDs in a few hundred services, and room for local files that list more. */
#define BOOTSTRAP_MAX ((size_t)8 << 20)
/* Hold on a server that returns 429 without Retry-After. NOTE: a guess, as
 * for WHOIS servers that give no time. */
#define THROTTLE_HOLD_S 60

/* The bootstrap file last loaded, and where it came from. */
static struct {
	char *location;
	struct rdap_bootstrap bootstrap;
} cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_started = CURLE_FAILED_INIT;

static void curl_start(void)
{
	curl_started = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* One GET: what to send and what came back. */
struct http_get {
	const char *accept;
	size_t body_max;
	char *body;
	size_t len, room;
	bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct http_get *get = ctx;
	size_t n = size * nmemb;
	if (get->len + n > get->body_max) {
		get->too_big = true;
		return 0;
	}
	if (get->len + n + 1 > get->room) {
		size_t room = get->room ? get->room : 16384;
		while (room < get->len + n + 1)
			room *= 2;
		char *grown = realloc(get->body, room);
		if (grown == NULL)
			return 0;
		get->body = grown;
		get->room = room;
	}
	memcpy(get->body + get->len, data, n);
	get->len += n;
	get->body[get->len] = '\0';
	return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	(void)ctx, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return interrupt_count() > 0;
}

/* "host:port" of url in lower case, for pacing and messages, and whether
 * the host is a loopback address. */
static dn_status url_server(const char *url, char *server, size_t size, bool *loopback,
                            struct dn_error *err)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	if (u == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading the URL %s", url);
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	if (uc != CURLUE_OK) {
		curl_free(host);
		curl_url_cleanup(u);
		return dn_fail(err, DN_EINVAL, "invalid URL %s: %s", url, curl_url_strerror(uc));
	}
	snprintf(server, size, "%s:%s", host, port);
	for (char *p = server; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	*loopback = lookup_host_is_loopback(host);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return DN_OK;
}

static void curl_setup(CURL *curl, struct http_get *get, struct curl_slist *headers,
                       const struct lookup_options *o)
{
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "dragnet/" DRAGNET_VERSION);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, get);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	/* A proxy from the environment would send the query off loopback. */
	if (o->loopback_only)
		curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
}

/* GET url, following redirects by hand so that each new server is checked
 * and paced. Fills status, the final URL and the body in *get. pace is
 * false for the bootstrap file, which is fetched once. */
static dn_status http_get(const char *url_in, struct http_get *get, bool pace,
                          const struct lookup_options *o, struct lookup_rdap_response *r,
                          struct dn_error *err)
{
	pthread_once(&curl_once, curl_start);
	if (curl_started != CURLE_OK)
		return dn_fail(err, DN_EIO, "libcurl failed to start: %s",
		               curl_easy_strerror(curl_started));

	char accept[128];
	snprintf(accept, sizeof(accept), "Accept: %s", get->accept);
	struct curl_slist *headers = curl_slist_append(NULL, accept);
	CURL *curl = curl_easy_init();
	if (headers == NULL || curl == NULL) {
		curl_slist_free_all(headers);
		curl_easy_cleanup(curl);
		return dn_fail(err, DN_ENOMEM, "out of memory starting a request to %s", url_in);
	}
	curl_setup(curl, get, headers, o);

	int64_t deadline = lookup_now_ms() + o->timeout_ms;
	snprintf(r->url, sizeof(r->url), "%s", url_in);
	dn_status rc = DN_OK;
	for (;;) {
		char server[LOOKUP_URL_MAX];
		bool loopback = false;
		rc = url_server(r->url, server, sizeof(server), &loopback, err);
		if (rc)
			break;
		if (o->loopback_only && !loopback) {
			rc = dn_fail(err, DN_EINVAL,
			             "%s: not a loopback address, and this run is limited to loopback",
			             r->url);
			break;
		}
		if (pace && (rc = lookup_pace_wait(server, o->interval_ms, err)) != DN_OK)
			break;
		int64_t left = deadline - lookup_now_ms();
		if (left <= 0) {
			rc = dn_fail(err, DN_EIO, "%s: timed out after %u ms", r->url, o->timeout_ms);
			break;
		}

		get->len = 0;
		get->too_big = false;
		curl_easy_setopt(curl, CURLOPT_URL, r->url);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)left);
		log_debug("GET %s", r->url);
		CURLcode cc = curl_easy_perform(curl);
		if (cc == CURLE_ABORTED_BY_CALLBACK) {
			rc = dn_fail(err, DN_EINTR, "%s: interrupted", r->url);
			break;
		}
		if (get->too_big) {
			rc = dn_fail(err, DN_ELIMIT, "%s: response exceeds the limit of %zu bytes", r->url,
			             get->body_max);
			break;
		}
		if (cc == CURLE_OPERATION_TIMEDOUT) {
			rc = dn_fail(err, DN_EIO, "%s: timed out after %u ms", r->url, o->timeout_ms);
			break;
		}
		if (cc != CURLE_OK) {
			rc = dn_fail(err, cc == CURLE_OUT_OF_MEMORY || cc == CURLE_WRITE_ERROR ? DN_ENOMEM
			                                                                        : DN_EIO,
			             "%s: %s", r->url, curl_easy_strerror(cc));
			break;
		}

		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->http_status);
		curl_off_t retry_after = 0;
		curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after);
		r->retry_after = retry_after > 0 ? (long)retry_after : -1;

		char *location = NULL;
		curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
		if (r->http_status < 300 || r->http_status > 399 || location == NULL)
			break;
		if (r->redirects == LOOKUP_REDIRECTS_MAX) {
			rc = dn_fail(err, DN_ELIMIT, "%s: more than %d redirects", url_in,
			             LOOKUP_REDIRECTS_MAX);
			break;
		}
		r->redirects++;
		log_debug("%s: redirected to %s", r->url, location);
		snprintf(r->url, sizeof(r->url), "%s", location);
	}
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	return rc;
}

static dn_status read_file(const char *path, char **text, size_t *len, struct dn_error *err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return dn_fail(err, DN_EIO, "cannot open the RDAP bootstrap file %s: %s", path,
		               strerror(errno));
	struct http_get get = {.body_max = BOOTSTRAP_MAX};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (on_body(chunk, 1, n, &get) != n)
			break;
	}
	bool failed = ferror(f) != 0;
	fclose(f);
	if (get.too_big || failed || (get.body == NULL && !failed)) {
		free(get.body);
		if (get.too_big)
			return dn_fail(err, DN_ELIMIT, "RDAP bootstrap file %s exceeds %zu bytes", path,
			               BOOTSTRAP_MAX);
		if (failed)
			return dn_fail(err, DN_EIO, "cannot read the RDAP bootstrap file %s", path);
		return dn_fail(err, DN_EMALF, "RDAP bootstrap file %s is empty", path);
	}
	*text = get.body;
	*len = get.len;
	return DN_OK;
}

static bool is_url(const char *location)
{
	return strncasecmp(location, "http://", 7) == 0 || strncasecmp(location, "https://", 8) == 0;
}

/* Fetch or read the bootstrap file at location and parse it into *out. */
static dn_status bootstrap_load(const char *location, const struct lookup_options *o,
                                struct rdap_bootstrap *out, struct dn_error *err)
{
	char *text = NULL;
	size_t len = 0;
	dn_status rc;

	if (is_url(location)) {
		struct http_get get = {.accept = "application/json", .body_max = BOOTSTRAP_MAX};
		struct lookup_rdap_response r = {.retry_after = -1};
		rc = http_get(location, &get, false, o, &r, err);
		if (rc == DN_OK && r.http_status != 200)
			rc = dn_fail(err, DN_EIO, "RDAP bootstrap file %s: HTTP status %ld", r.url,
			             r.http_status);
		if (rc) {
			free(get.body);
			return rc;
		}
		text = get.body;
		len = get.len;
	} else {
		const char *path = strncasecmp(location, "file://", 7) == 0 ? location + 7 : location;
		rc = read_file(path, &text, &len, err);
		if (rc)
			return rc;
	}

	struct dn_error perr;
	rc = rdap_bootstrap_parse(text ? text : "", len, out, &perr);
	free(text);
	if (rc)
		return dn_fail(err, rc, "%s: %s", location, perr.msg);
	log_debug("%s: %zu RDAP services", location, out->n_entries);
	return DN_OK;
}

dn_status lookup_rdap_base(const char *domain, const struct lookup_options *options, char *base,
                           size_t size, struct dn_error *err)
{
	const char *location = options->rdap_bootstrap ? options->rdap_bootstrap
	                                               : LOOKUP_RDAP_BOOTSTRAP;
	dn_status rc = DN_OK;

	pthread_mutex_lock(&cache_lock);
	if (cache.location == NULL || strcmp(cache.location, location) != 0) {
		struct rdap_bootstrap fresh;
		char *copy = strdup(location);
		rc = copy == NULL ? dn_fail(err, DN_ENOMEM, "out of memory")
		                  : bootstrap_load(location, options, &fresh, err);
		if (rc == DN_OK) {
			free(cache.location);
			rdap_bootstrap_free(&cache.bootstrap);
			cache.location = copy;
			cache.bootstrap = fresh;
		} else {
			free(copy);
		}
	}
	if (rc == DN_OK) {
		const char *url = rdap_bootstrap_find(&cache.bootstrap, domain);
		if (url == NULL)
			rc = dn_fail(err, DN_ENOENT, "%s: the RDAP bootstrap file %s has no service for it",
			             domain, location);
		else
			snprintf(base, size, "%s", url);
	}
	pthread_mutex_unlock(&cache_lock);
	return rc;
}

/* A short text for a 429 response: the RDAP error's title or first
 * description line (RFC 9083 section 6) when the body gives one. */
static void throttle_reason(const struct lookup_rdap_response *r, char *out, size_t size)
{
	snprintf(out, size, "HTTP %ld", r->http_status);
	json_t *root = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *text = json_string_value(json_object_get(root, "title"));
	if (text == NULL)
		text = json_string_value(json_array_get(json_object_get(root, "description"), 0));
	if (text != NULL)
		snprintf(out, size, "HTTP %ld (%.150s)", r->http_status, text);
	json_decref(root);
}

dn_status lookup_rdap(const char *domain, const struct lookup_options *options,
                      struct lookup_rdap_response *response, struct dn_error *err)
{
	memset(response, 0, sizeof(*response));
	response->retry_after = -1;
	response->status = WHOIS_ERROR;

	dn_status rc = lookup_check_domain(domain, err);
	if (rc)
		return rc;
	char base[LOOKUP_URL_MAX], url[LOOKUP_URL_MAX];
	rc = lookup_rdap_base(domain, options, base, sizeof(base), err);
	if (rc)
		return rc;
	if ((size_t)snprintf(url, sizeof(url), "%sdomain/%s", base, domain) >= sizeof(url))
		return dn_fail(err, DN_EINVAL, "%s: RDAP URL too long", domain);

	struct http_get get = {.accept = "application/rdap+json", .body_max = options->response_max};
	rc = http_get(url, &get, true, options, response, err);
	response->body = get.body;
	response->len = get.len;
	if (rc)
		return rc;

	long code = response->http_status;
	if (code >= 200 && code <= 299) {
		response->status = WHOIS_FOUND;
		return DN_OK;
	}
	if (code == 404) {
		response->status = WHOIS_NOT_FOUND;
		return DN_OK;
	}
	if (code == 429) {
		char reason[200], server[LOOKUP_URL_MAX];
		bool loopback;
		response->status = WHOIS_THROTTLED;
		throttle_reason(response, reason, sizeof(reason));
		long hold = response->retry_after > 0 ? response->retry_after : THROTTLE_HOLD_S;
		if (url_server(response->url, server, sizeof(server), &loopback, NULL) == DN_OK)
			lookup_pace_hold(server, hold, reason);
		return dn_fail(err, DN_EBUSY, "%s: throttled: %s, try again after %ld s",
		               response->url, reason, hold);
	}
	return dn_fail(err, DN_EIO, "%s: HTTP status %ld", response->url, code);
}

void lookup_rdap_response_free(struct lookup_rdap_response *response)
{
	free(response->body);
	response->body = NULL;
	response->len = 0;
}

void lookup_cleanup(void)
{
	pthread_mutex_lock(&cache_lock);
	free(cache.location);
	cache.location = NULL;
	rdap_bootstrap_free(&cache.bootstrap);
	pthread_mutex_unlock(&cache_lock);
}
