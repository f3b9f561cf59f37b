/* WHOIS client (RFC 3912, TCP port 43) that follows referrals from the root
 * server to the registry and the registrar. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lookup/internal.h"
#include "lookup/lookup.h"
#include "util/arena.h"
#include "util/interrupt.h"
#include "util/log.h"
#include "whois/text.h"

#define WHOIS_PORT 43
/* Maximum wait in one poll(), so that a stop request is noticed quickly. */
#define POLL_SLICE_MS 100
/* Hold on a server that reports throttling without saying for how long.
 * NOTE: a guess; registries publish quotas per hour or per day, so the
 * server may still refuse after this. */
#define THROTTLE_HOLD_S 60
/* Maximum hold taken from a server's own words, so that a figure read
 * wrongly from the text cannot block a server for the rest of a long run. */
#define THROTTLE_HOLD_MAX_S 3600

/* A WHOIS server: where to connect and how to name it. */
struct whois_server {
	char host[256];                /* name or address, without brackets */
	unsigned port;
	char name[LOOKUP_SERVER_MAX];  /* "host", or "host:port" off port 43 */
	char key[LOOKUP_SERVER_MAX];   /* "host:port" in lower case, for pacing and loops */
};

/* Query forms of servers that do not take the bare name. Verisign's servers
 * match name server hosts too unless the query starts with '='; DENIC sends
 * only the technical part unless asked with -T dn,ace; JPRS replies in
 * Japanese unless the query ends in /e. */
static const struct {
	const char *server;
	const char *prefix;
	const char *suffix;
} query_forms[] = {
	{"whois.verisign-grs.com", "=", ""},
	{"whois.denic.de", "-T dn,ace ", ""},
	{"whois.jprs.jp", "", "/e"},
};

static void server_names(struct whois_server *s)
{
	bool v6 = strchr(s->host, ':') != NULL;
	if (s->port == WHOIS_PORT)
		snprintf(s->name, sizeof(s->name), "%s", s->host);
	else
		snprintf(s->name, sizeof(s->name), v6 ? "[%s]:%u" : "%s:%u", s->host, s->port);
	snprintf(s->key, sizeof(s->key), v6 ? "[%s]:%u" : "%s:%u", s->host, s->port);
	for (char *p = s->key; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
}

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == ':';
}

static dn_status parse_port(const char *text, size_t len, unsigned *port)
{
	unsigned value = 0;
	if (len == 0 || len > 5)
		return DN_EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return DN_EINVAL;
		value = value * 10 + (unsigned)(text[i] - '0');
	}
	if (value == 0 || value > 65535)
		return DN_EINVAL;
	*port = value;
	return DN_OK;
}

/* Read "HOST", "HOST:PORT", "[V6]:PORT", a bare IPv6 address, or any of
 * these after "whois://" and before a '/', as a WHOIS server. */
static dn_status server_parse(const char *value, struct whois_server *out, struct dn_error *err)
{
	const char *p = value, *end;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "whois://", 8) == 0)
		p += 8;
	end = p + strcspn(p, "/ \t\r\n");

	const char *host = p, *host_end, *port = NULL;
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (host_end == NULL)
			return dn_fail(err, DN_EINVAL, "WHOIS server \"%s\": missing ']'", value);
		if (host_end + 1 < end) {
			if (host_end[1] != ':')
				return dn_fail(err, DN_EINVAL, "WHOIS server \"%s\": invalid port", value);
			port = host_end + 2;
		}
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		bool one_colon = colon != NULL && memchr(colon + 1, ':', (size_t)(end - colon - 1)) == NULL;
		host_end = one_colon ? colon : end;
		if (one_colon)
			port = colon + 1;
	}

	size_t host_len = (size_t)(host_end - host);
	if (host_len == 0 || host_len >= sizeof(out->host) || (*end != '\0' && *end != '/'))
		return dn_fail(err, DN_EINVAL,
		               "WHOIS server \"%s\" is not HOST or HOST:PORT", value);
	for (size_t i = 0; i < host_len; i++) {
		if (!host_char_ok(host[i]))
			return dn_fail(err, DN_EINVAL,
			               "WHOIS server \"%s\" is not HOST or HOST:PORT", value);
	}
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';
	out->port = WHOIS_PORT;
	if (port != NULL && parse_port(port, (size_t)(end - port), &out->port) != DN_OK)
		return dn_fail(err, DN_EINVAL, "WHOIS server \"%s\": invalid port", value);
	server_names(out);
	return DN_OK;
}

/* Wait until fd is ready for events or the deadline passes. */
static dn_status wait_fd(int fd, short events, int64_t deadline, const struct whois_server *s,
                         const struct lookup_options *o, const char *step, struct dn_error *err)
{
	for (;;) {
		if (interrupt_count() > 0)
			return dn_fail(err, DN_EINTR, "%s: interrupted while %s", s->name, step);
		int64_t left = deadline - lookup_now_ms();
		if (left <= 0)
			return dn_fail(err, DN_EIO, "%s: timed out after %u ms while %s", s->name,
			               o->timeout_ms, step);
		struct pollfd pfd = {.fd = fd, .events = events};
		int n = poll(&pfd, 1, left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS);
		if (n > 0)
			return DN_OK;
		if (n < 0 && errno != EINTR)
			return dn_fail(err, DN_EIO, "%s: poll failed: %s", s->name, strerror(errno));
	}
}

/* Connect to one address, without blocking past the deadline. */
static dn_status connect_addr(const struct addrinfo *ai, int64_t deadline,
                              const struct whois_server *s, const struct lookup_options *o,
                              int *fd_out, struct dn_error *err)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                ai->ai_protocol);
	if (fd < 0)
		return dn_fail(err, DN_EIO, "%s: socket failed: %s", s->name, strerror(errno));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			dn_status rc = dn_fail(err, DN_EIO, "%s: connect failed: %s", s->name,
			                       strerror(errno));
			close(fd);
			return rc;
		}
		dn_status rc = wait_fd(fd, POLLOUT, deadline, s, o, "connecting", err);
		int so_error = 0;
		socklen_t so_len = sizeof(so_error);
		if (rc == DN_OK && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0)
			so_error = errno;
		if (rc == DN_OK && so_error != 0)
			rc = dn_fail(err, DN_EIO, "%s: connect failed: %s", s->name, strerror(so_error));
		if (rc) {
			close(fd);
			return rc;
		}
	}
	*fd_out = fd;
	return DN_OK;
}

/* Connect to the first address of the server that accepts. */
static dn_status connect_server(const struct whois_server *s, int64_t deadline,
                                const struct lookup_options *o, int *fd, struct dn_error *err)
{
	if (o->loopback_only && !lookup_host_is_loopback(s->host))
		return dn_fail(err, DN_EINVAL,
		               "%s: not a loopback address, and this run is limited to loopback",
		               s->name);

	char port[8];
	snprintf(port, sizeof(port), "%u", s->port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_NUMERICSERV};
	if (o->loopback_only)
		hints.ai_flags |= AI_NUMERICHOST;
	struct addrinfo *list = NULL;
	/* NOTE: getaddrinfo() cannot be given a deadline, so a slow resolver can
	 * make a query take longer than timeout_ms. */
	int gai = getaddrinfo(s->host, port, &hints, &list);
	if (gai != 0)
		return dn_fail(err, DN_EIO, "%s: cannot resolve the name: %s", s->name,
		               gai_strerror(gai));

	dn_status rc = dn_fail(err, DN_EIO, "%s: no address to connect to", s->name);
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		rc = connect_addr(ai, deadline, s, o, fd, err);
		if (rc != DN_EIO)
			break;
	}
	freeaddrinfo(list);
	return rc;
}

static dn_status send_all(int fd, const char *data, size_t len, int64_t deadline,
                          const struct whois_server *s, const struct lookup_options *o,
                          struct dn_error *err)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return dn_fail(err, DN_EIO, "%s: sending the query failed: %s", s->name,
			               strerror(errno));
		dn_status rc = wait_fd(fd, POLLOUT, deadline, s, o, "sending the query", err);
		if (rc)
			return rc;
	}
	return DN_OK;
}

/* Read until the server closes the connection. WHOIS has no length field
 * and the close marks the end, so a response cut short by a clean close
 * looks complete. Only a reset shows the loss. */
static dn_status receive_all(int fd, int64_t deadline, const struct whois_server *s,
                             const struct lookup_options *o, char **text, size_t *len,
                             struct dn_error *err)
{
	size_t room = 16384, used = 0;
	char *buf = malloc(room);
	if (buf == NULL)
		return dn_fail(err, DN_ENOMEM, "%s: out of memory reading the response", s->name);

	for (;;) {
		if (used == room) {
			char *grown = room <= o->response_max ? realloc(buf, room * 2) : NULL;
			if (grown == NULL) {
				free(buf);
				return dn_fail(err, DN_ENOMEM, "%s: out of memory reading the response",
				               s->name);
			}
			buf = grown;
			room *= 2;
		}
		ssize_t n = recv(fd, buf + used, room - used, 0);
		if (n == 0)
			break;
		if (n > 0) {
			used += (size_t)n;
			if (used > o->response_max) {
				free(buf);
				return dn_fail(err, DN_ELIMIT,
				               "%s: response exceeds the limit of %zu bytes", s->name,
				               o->response_max);
			}
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			dn_status rc = dn_fail(err, DN_EIO, "%s: receive failed after %zu bytes: %s",
			                       s->name, used, strerror(errno));
			free(buf);
			return rc;
		}
		char step[64];
		snprintf(step, sizeof(step), "waiting for the response (%zu bytes received)", used);
		dn_status rc = wait_fd(fd, POLLIN, deadline, s, o, step, err);
		if (rc) {
			free(buf);
			return rc;
		}
	}

	if (used == 0) {
		free(buf);
		return dn_fail(err, DN_EIO, "%s: the server closed the connection without a response",
		               s->name);
	}
	buf[used] = '\0'; /* room > used: the loop grows the buffer before each recv() */
	*text = buf;
	*len = used;
	return DN_OK;
}

/* Write to out the query line for domain in the form server expects. */
static void query_line(const struct whois_server *s, const char *domain, char *out, size_t size)
{
	const char *prefix = "", *suffix = "";
	for (size_t i = 0; i < sizeof(query_forms) / sizeof(query_forms[0]); i++) {
		if (strcasecmp(s->host, query_forms[i].server) == 0) {
			prefix = query_forms[i].prefix;
			suffix = query_forms[i].suffix;
		}
	}
	snprintf(out, size, "%s%s%s\r\n", prefix, domain, suffix);
}

/* Query one server and store its response, malloc'd, in *text. */
static dn_status whois_ask(const struct whois_server *s, const char *domain,
                           const struct lookup_options *o, char **text, size_t *len,
                           struct dn_error *err)
{
	dn_status rc = lookup_pace_wait(s->key, o->interval_ms, err);
	if (rc)
		return rc;

	char query[300];
	query_line(s, domain, query, sizeof(query));
	log_debug("%s: asking for %s", s->name, domain);

	int64_t deadline = lookup_now_ms() + o->timeout_ms;
	int fd = -1;
	rc = connect_server(s, deadline, o, &fd, err);
	if (rc)
		return rc;
	rc = send_all(fd, query, strlen(query), deadline, s, o, err);
	if (rc == DN_OK)
		rc = receive_all(fd, deadline, s, o, text, len, err);
	close(fd);
	return rc;
}

/* Seconds in "50 seconds", "13 Seconds", "2 minutes", "1 hour" in text, or
 * -1 when the text gives no such figure. */
static long wait_in_text(const char *text, size_t len)
{
	static const struct {
		const char *unit;
		long seconds;
	} units[] = {{"sec", 1}, {"min", 60}, {"hour", 3600}};

	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9' || (i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9'))
			continue;
		long value = 0;
		size_t j = i;
		while (j < len && text[j] >= '0' && text[j] <= '9' && value < 1000000)
			value = value * 10 + (text[j++] - '0');
		while (j < len && text[j] == ' ')
			j++;
		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			size_t n = strlen(units[u].unit);
			if (j + n <= len && strncasecmp(text + j, units[u].unit, n) == 0)
				return value * units[u].seconds;
		}
	}
	return -1;
}

/* The first line of text with a letter or digit in it, trimmed, in out. */
static void first_line(const char *text, size_t len, char *out, size_t size)
{
	size_t i = 0;
	out[0] = '\0';
	while (i < len) {
		size_t start = i;
		while (i < len && text[i] != '\n')
			i++;
		size_t end = i++;
		while (start < end && (text[start] == ' ' || text[start] == '\t' || text[start] == '%'))
			start++;
		while (end > start && (text[end - 1] == '\r' || text[end - 1] == ' '))
			end--;
		for (size_t k = start; k < end; k++) {
			char c = text[k];
			if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
				snprintf(out, size, "%.*s", (int)(end - start), text + start);
				return;
			}
		}
	}
}

/* Hold a server whose response reports throttling, and return DN_EBUSY. */
static dn_status whois_throttled(const struct whois_server *s, const struct lookup_whois_hop *hop,
                                 const char *reason, struct dn_error *err)
{
	char line[200];
	if (reason != NULL && reason[0] != '\0')
		snprintf(line, sizeof(line), "%s", reason);
	else
		first_line(hop->text, hop->len, line, sizeof(line));

	long hold = wait_in_text(hop->text, hop->len);
	if (hold <= 0)
		hold = THROTTLE_HOLD_S;
	if (hold > THROTTLE_HOLD_MAX_S)
		hold = THROTTLE_HOLD_MAX_S;
	lookup_pace_hold(s->key, hold, line);
	return dn_fail(err, DN_EBUSY, "%s: throttled: %s, try again after %ld s", s->name, line,
	               hold);
}

/* Read the status and the referral of a hop with the text parser. next is
 * set to the server to ask next, or emptied. */
static dn_status whois_read_hop(const struct whois_server *s, const char *domain,
                                struct lookup_whois_hop *hop, struct whois_server *next,
                                struct dn_error *err)
{
	struct arena arena;
	struct whois_record rec;
	struct dn_error perr;
	struct whois_text_hints hints = {.domain = domain, .server = s->host};

	next->host[0] = '\0';
	arena_init(&arena, 65536);
	whois_record_init(&rec);
	dn_status rc = whois_parse_text(hop->text, hop->len, &hints, &arena, &rec, &perr);
	if (rc == DN_ENOMEM) {
		arena_free(&arena);
		return dn_fail(err, DN_ENOMEM, "%s: out of memory reading the response", s->name);
	}
	if (rc) {
		log_debug("%s: response for %s not parsed: %s", s->name, domain, perr.msg);
		hop->status = WHOIS_ERROR;
		arena_free(&arena);
		return DN_OK;
	}

	hop->status = rec.status;
	if (rec.status == WHOIS_THROTTLED) {
		rc = whois_throttled(s, hop, rec.reason, err);
		arena_free(&arena);
		return rc;
	}
	if (rec.referral_server != NULL && rec.referral_server[0] != '\0') {
		struct dn_error rerr;
		if (server_parse(rec.referral_server, next, &rerr) != DN_OK) {
			log_debug("%s: referral for %s not followed: %s", s->name, domain, rerr.msg);
			next->host[0] = '\0';
		}
	}
	arena_free(&arena);
	return DN_OK;
}

dn_status lookup_whois(const char *domain, const struct lookup_options *options,
                       struct lookup_whois_chain *chain, struct dn_error *err)
{
	memset(chain, 0, sizeof(*chain));
	dn_status rc = lookup_check_domain(domain, err);
	if (rc)
		return rc;

	struct whois_server server;
	rc = server_parse(options->whois_root ? options->whois_root : LOOKUP_WHOIS_ROOT, &server,
	                  err);
	if (rc)
		return rc;

	char visited[LOOKUP_HOPS_MAX][LOOKUP_SERVER_MAX];
	while (chain->n_hops < LOOKUP_HOPS_MAX) {
		struct lookup_whois_hop *hop = &chain->hops[chain->n_hops];
		snprintf(visited[chain->n_hops], sizeof(visited[0]), "%s", server.key);
		rc = whois_ask(&server, domain, options, &hop->text, &hop->len, err);
		if (rc)
			return rc;
		snprintf(hop->server, sizeof(hop->server), "%s", server.name);
		chain->n_hops++;

		struct whois_server next;
		rc = whois_read_hop(&server, domain, hop, &next, err);
		if (rc || next.host[0] == '\0')
			return rc;
		for (size_t i = 0; i < chain->n_hops; i++) {
			if (strcmp(visited[i], next.key) == 0)
				return DN_OK;
		}
		if (chain->n_hops == LOOKUP_HOPS_MAX)
			log_info("%s: referral for %s to %s not followed: %d servers asked already",
			         server.name, domain, next.name, LOOKUP_HOPS_MAX);
		server = next;
	}
	return DN_OK;
}

const struct lookup_whois_hop *lookup_whois_best_hop(const struct lookup_whois_chain *chain)
{
	if (chain->n_hops == 0)
		return NULL;
	for (size_t i = chain->n_hops; i > 0; i--) {
		if (chain->hops[i - 1].status == WHOIS_FOUND)
			return &chain->hops[i - 1];
	}
	return &chain->hops[chain->n_hops - 1];
}

void lookup_whois_chain_free(struct lookup_whois_chain *chain)
{
	for (size_t i = 0; i < chain->n_hops; i++)
		free(chain->hops[i].text);
	memset(chain, 0, sizeof(*chain));
}
