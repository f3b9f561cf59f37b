/* TLS client that records the certificate chain a server presents. */
#include "lookup/tls_grab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lookup/internal.h"
#include "util/interrupt.h"
#include "util/log.h"

/* Maximum wait in one poll(), so that a stop request is noticed quickly. */
#define POLL_SLICE_MS 100
/* Bytes of the server's first response kept to tell TLS from other
 * protocols and to quote in the error. */
#define FIRST_BYTES 24
/* Pacing key shared by every grab: the interval applies between any two
 * grabs, not per server, so that a list of hosts is contacted at a steady
 * rate. It cannot clash with a WHOIS or RDAP key, which contain a ':'. */
#define PACE_KEY "tls-grab"

void tls_grab_options_init(struct tls_grab_options *options)
{
	memset(options, 0, sizeof(*options));
	options->timeout_ms = TLS_GRAB_TIMEOUT_MS;
	options->interval_ms = TLS_GRAB_INTERVAL_MS;
}

/* ---- targets ---- */

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

static bool parse_port(const char *text, unsigned *port)
{
	unsigned value = 0;
	size_t len = strlen(text);
	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (unsigned)(text[i] - '0');
	}
	if (value == 0 || value > 65535)
		return false;
	*port = value;
	return true;
}

/* Reject an unbracketed IPv6 address followed by what may be a port.
 * "::1:443" is both the address ::1:443 and ::1 with port 443, and
 * "::ffff:192.0.2.1:443" is no address at all, so both need brackets. */
static dn_status check_unbracketed_port(const char *text, struct dn_error *err)
{
	const char *last = strrchr(text, ':');
	unsigned port;
	char head[INET6_ADDRSTRLEN + 8];
	size_t head_len = (size_t)(last - text);
	struct in6_addr v6;
	if (!parse_port(last + 1, &port) || head_len >= sizeof(head))
		return DN_OK;
	memcpy(head, text, head_len);
	head[head_len] = '\0';
	if (inet_pton(AF_INET6, head, &v6) != 1)
		return DN_OK;
	if (inet_pton(AF_INET6, text, &v6) == 1)
		return dn_fail(err, DN_EINVAL,
		               "\"%s\" is ambiguous: give [%s] for that IPv6 address, or [%s]:%u "
		               "for %s and port %u",
		               text, text, head, port, head, port);
	return dn_fail(err, DN_EINVAL,
	               "\"%s\": an IPv6 address with a port needs brackets: [%s]:%u", text, head,
	               port);
}

dn_status tls_grab_parse_target(const char *text, unsigned default_port,
                                struct tls_grab_target *out, struct dn_error *err)
{
	const char *host = text, *port = NULL;
	size_t host_len;
	bool bracketed = false;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL)
			return dn_fail(err, DN_EINVAL, "\"%s\": missing ']' after the IPv6 address",
			               text);
		host = text + 1;
		host_len = (size_t)(close - host);
		bracketed = true;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return dn_fail(err, DN_EINVAL, "\"%s\": expected ':PORT' after ']'", text);
	} else {
		const char *colon = strchr(text, ':');
		bool one_colon = colon != NULL && strchr(colon + 1, ':') == NULL;
		host_len = one_colon ? (size_t)(colon - text) : strlen(text);
		if (one_colon)
			port = colon + 1;
		else if (colon != NULL && check_unbracketed_port(text, err) != DN_OK)
			return DN_EINVAL;
	}

	if (host_len == 0 || host_len >= sizeof(out->host))
		return dn_fail(err, DN_EINVAL, "\"%s\": the host is empty or longer than %zu bytes",
		               text, sizeof(out->host) - 1);
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';

	out->port = default_port;
	if (port != NULL && !parse_port(port, &out->port))
		return dn_fail(err, DN_EINVAL, "\"%s\": invalid port \"%s\" (1 to 65535)", text,
		               port);

	struct in_addr v4;
	struct in6_addr v6;
	bool is_v6 = inet_pton(AF_INET6, out->host, &v6) == 1;
	out->is_address = is_v6 || inet_pton(AF_INET, out->host, &v4) == 1;
	if (bracketed && !is_v6)
		return dn_fail(err, DN_EINVAL, "\"%s\": brackets must enclose an IPv6 address",
		               text);

	if (!out->is_address) {
		for (size_t i = 0; i < host_len; i++) {
			if (!name_char_ok(out->host[i]))
				return dn_fail(
				        err, DN_EINVAL,
				        "\"%s\" is not a host name or an IP address; give the "
				        "A-label (xn--...) of an internationalised name",
				        text);
			if (out->host[i] >= 'A' && out->host[i] <= 'Z')
				out->host[i] = (char)(out->host[i] - 'A' + 'a');
		}
		if (host_len > 1 && out->host[host_len - 1] == '.')
			out->host[host_len - 1] = '\0';
	}
	snprintf(out->name, sizeof(out->name), is_v6 ? "[%s]:%u" : "%s:%u", out->host, out->port);
	return DN_OK;
}

/* ---- connecting ---- */

/* Wait until fd is ready for events or the deadline passes. */
static dn_status wait_fd(int fd, short events, int64_t deadline, const char *name,
                         unsigned timeout_ms, const char *step, struct dn_error *err)
{
	for (;;) {
		if (interrupt_count() > 0)
			return dn_fail(err, DN_EINTR, "%s: interrupted while %s", name, step);
		int64_t left = deadline - lookup_now_ms();
		if (left <= 0)
			return dn_fail(err, DN_EIO, "%s: timed out after %u ms while %s", name,
			               timeout_ms, step);
		struct pollfd pfd = {.fd = fd, .events = events};
		int n = poll(&pfd, 1, left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS);
		if (n > 0)
			return DN_OK;
		if (n < 0 && errno != EINTR)
			return dn_fail(err, DN_EIO, "%s: poll failed: %s", name, strerror(errno));
	}
}

/* Write the address of sa as "192.0.2.1:443" or "[2001:db8::1]:443". */
static void format_peer(const struct sockaddr *sa, char *out, size_t size)
{
	char text[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		port = ntohs(in->sin_port);
		snprintf(out, size, "%s:%u", text, port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		port = ntohs(in6->sin6_port);
		snprintf(out, size, "[%s]:%u", text, port);
	}
}

/* Connect to one address without blocking past the deadline. A refused or
 * unreachable address gives DN_EIO with the reason, so that the caller can
 * try the next one. */
static dn_status connect_addr(const struct addrinfo *ai, int64_t deadline,
                              const struct tls_grab_target *t, const struct tls_grab_options *o,
                              int *fd_out, struct dn_error *err)
{
	char peer[TLS_GRAB_PEER_MAX];
	format_peer(ai->ai_addr, peer, sizeof(peer));
	log_debug("%s: connecting to %s", t->name, peer);

	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                ai->ai_protocol);
	if (fd < 0)
		return dn_fail(err, DN_EIO, "%s: socket failed: %s", t->name, strerror(errno));
	int so_error = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			so_error = errno;
		} else {
			char step[TLS_GRAB_PEER_MAX + 16];
			snprintf(step, sizeof(step), "connecting to %s", peer);
			dn_status rc =
			        wait_fd(fd, POLLOUT, deadline, t->name, o->timeout_ms, step, err);
			if (rc) {
				close(fd);
				return rc;
			}
			socklen_t so_len = sizeof(so_error);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0)
				so_error = errno;
		}
	}
	if (so_error != 0) {
		close(fd);
		if (so_error == ECONNREFUSED)
			return dn_fail(err, DN_EIO,
			               "%s: connection refused by %s (nothing listens on "
			               "that port)",
			               t->name, peer);
		return dn_fail(err, DN_EIO, "%s: connecting to %s failed: %s", t->name, peer,
		               strerror(so_error));
	}
	*fd_out = fd;
	return DN_OK;
}

/* Connect to the first address of the target that accepts. */
static dn_status connect_target(const struct tls_grab_target *t, int64_t deadline,
                                const struct tls_grab_options *o, int *fd, struct dn_error *err)
{
	char port[8];
	snprintf(port, sizeof(port), "%u", t->port);
	struct addrinfo hints = {
	        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	if (t->is_address)
		hints.ai_flags |= AI_NUMERICHOST;
	struct addrinfo *list = NULL;
	/* NOTE: getaddrinfo() cannot be given a deadline, so a slow resolver can
	 * make a grab take longer than timeout_ms. */
	int gai = getaddrinfo(t->host, port, &hints, &list);
	if (gai != 0)
		return dn_fail(err, DN_EIO, "%s: cannot resolve the name: %s", t->name,
		               gai_strerror(gai));

	dn_status rc = dn_fail(err, DN_EIO, "%s: the name has no address", t->name);
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		rc = connect_addr(ai, deadline, t, o, fd, err);
		if (rc != DN_EIO || lookup_now_ms() >= deadline)
			break;
	}
	freeaddrinfo(list);
	return rc;
}

/* ---- the handshake ---- */

/* What the callbacks see of one handshake. */
struct handshake {
	unsigned char first[FIRST_BYTES]; /* the first bytes received */
	size_t n_first;
	size_t received;    /* bytes received in all */
	int alert_received; /* (level << 8) | description, or -1 */
	int alert_sent;
};

/* Copy the first bytes the server sends, so that a failed handshake can
 * tell a server that speaks another protocol from a TLS server that
 * rejected us. */
static long bio_watch(BIO *bio, int oper, const char *argp, size_t len, int argi, long argl,
                      int ret, size_t *processed)
{
	(void)len;
	(void)argi;
	(void)argl;
	struct handshake *h = (struct handshake *)BIO_get_callback_arg(bio);
	if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed != NULL && h != NULL) {
		size_t n = *processed;
		size_t room = FIRST_BYTES - h->n_first;
		memcpy(h->first + h->n_first, argp, n < room ? n : room);
		h->n_first += n < room ? n : room;
		h->received += n;
	}
	return ret;
}

static void note_alert(const SSL *ssl, int where, int ret)
{
	struct handshake *h = SSL_get_app_data(ssl);
	if (h == NULL)
		return;
	/* Only a fatal alert can explain a failed handshake: a server may send
	 * the warning unrecognized_name and go on. */
	if ((where & SSL_CB_READ_ALERT) && (ret >> 8) == SSL3_AL_FATAL && h->alert_received < 0)
		h->alert_received = ret;
	if ((where & SSL_CB_WRITE_ALERT) && h->alert_sent < 0)
		h->alert_sent = ret;
}

/* True when bytes start like a TLS record: a content type from 20
 * (change_cipher_spec) to 24 (heartbeat) and major version 3. */
static bool looks_like_tls(const unsigned char *bytes, size_t n)
{
	if (n == 0)
		return true;
	if (bytes[0] < 20 || bytes[0] > 24)
		return false;
	return n < 2 || bytes[1] == 3;
}

/* Write bytes as a quoted string, with anything but printable ASCII as \xHH. */
static void quote_bytes(const unsigned char *bytes, size_t n, char *out, size_t size)
{
	size_t used = 0;
	for (size_t i = 0; i < n && used + 5 < size; i++) {
		if (bytes[i] >= 0x20 && bytes[i] < 0x7f && bytes[i] != '"' && bytes[i] != '\\')
			out[used++] = (char)bytes[i];
		else
			used += (size_t)snprintf(out + used, size - used, "\\x%02x", bytes[i]);
	}
	out[used] = '\0';
}

/* The latest OpenSSL error as text, or "" when the queue is empty. */
static void openssl_reason(char *out, size_t size)
{
	unsigned long code, last = 0;
	while ((code = ERR_get_error()) != 0)
		last = code;
	out[0] = '\0';
	if (last != 0) {
		const char *reason = ERR_reason_error_string(last);
		if (reason != NULL)
			snprintf(out, size, "%s", reason);
		else
			ERR_error_string_n(last, out, size);
	}
}

/* Turn a failed SSL_connect() into the error that explains it best. h is
 * updated with any bytes still waiting on fd, to quote more of a response
 * in another protocol than the record header OpenSSL read. */
static dn_status handshake_error(int fd, const struct tls_grab_target *t, const char *peer,
                                 struct handshake *h, int ssl_error, int saved_errno,
                                 struct dn_error *err)
{
	char reason[256];
	openssl_reason(reason, sizeof(reason));
	char who[TLS_GRAB_PEER_MAX + 16] = "the server";
	if (strcmp(peer, t->name) != 0)
		snprintf(who, sizeof(who), "the server at %s", peer);

	if (!looks_like_tls(h->first, h->n_first)) {
		ssize_t n = recv(fd, h->first + h->n_first, FIRST_BYTES - h->n_first, MSG_DONTWAIT);
		if (n > 0)
			h->n_first += (size_t)n;
		char quoted[FIRST_BYTES * 4 + 1];
		quote_bytes(h->first, h->n_first, quoted, sizeof(quoted));
		return dn_fail(err, DN_EFORMAT,
		               "%s: not a TLS server: %s responded to the ClientHello with \"%s\"",
		               t->name, who, quoted);
	}
	if (h->alert_received >= 0)
		return dn_fail(err, DN_EIO,
		               "%s: %s sent the TLS alert \"%s\" (%d) during the "
		               "handshake",
		               t->name, who, SSL_alert_desc_string_long(h->alert_received),
		               h->alert_received & 0xff);
	if (ssl_error == SSL_ERROR_SYSCALL && saved_errno == ECONNRESET)
		return dn_fail(err, DN_EIO,
		               "%s: %s reset the connection during the TLS handshake "
		               "(%zu bytes received)",
		               t->name, who, h->received);
	if (ssl_error == SSL_ERROR_ZERO_RETURN || strstr(reason, "unexpected eof") != NULL ||
	    (ssl_error == SSL_ERROR_SYSCALL && saved_errno == 0))
		return dn_fail(err, DN_EIO,
		               "%s: %s closed the connection during the TLS handshake "
		               "(%zu bytes received)",
		               t->name, who, h->received);
	if (ssl_error == SSL_ERROR_SYSCALL && reason[0] == '\0')
		snprintf(reason, sizeof(reason), "%s", strerror(saved_errno));
	if (reason[0] == '\0')
		snprintf(reason, sizeof(reason), "no reason given");
	if (h->alert_sent >= 0)
		return dn_fail(err, DN_EIO,
		               "%s: TLS handshake with %s failed: %s (alert \"%s\" "
		               "sent)",
		               t->name, peer, reason, SSL_alert_desc_string_long(h->alert_sent));
	return dn_fail(err, DN_EIO, "%s: TLS handshake with %s failed: %s", t->name, peer, reason);
}

/* A client context that accepts whatever the server offers: any protocol
 * version and cipher suite OpenSSL still implements, no verification. */
static SSL_CTX *client_context(const struct tls_grab_target *t, struct dn_error *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		dn_fail(err, DN_ENOMEM, "%s: cannot create a TLS context", t->name);
		return NULL;
	}
	/* The chain is recorded, not trusted, so it is not verified. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* Security level 0 admits TLS 1.0 and 1.1, SHA-1 signatures and small
	 * keys, which old servers still present. */
	SSL_CTX_set_min_proto_version(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
	SSL_CTX_set_info_callback(ctx, note_alert);
	return ctx;
}

/* Copy the chain the server sent into result. */
static dn_status copy_chain(SSL *ssl, const struct tls_grab_target *t,
                            struct tls_grab_result *result, struct dn_error *err)
{
	/* On the client side the stack starts with the server's own
	 * certificate, and it is the chain as sent, never a verified one. */
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	int n = chain != NULL ? sk_X509_num(chain) : 0;
	if (n <= 0)
		return dn_fail(err, DN_EIO,
		               "%s: the handshake finished without a server certificate "
		               "(an anonymous or PSK cipher suite)",
		               t->name);

	result->certs = calloc((size_t)n, sizeof(*result->certs));
	if (result->certs == NULL)
		return dn_fail(err, DN_ENOMEM, "%s: out of memory copying the chain", t->name);
	for (int i = 0; i < n; i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(sk_X509_value(chain, i), &der);
		if (len <= 0)
			return dn_fail(err, DN_ENOMEM,
			               "%s: cannot encode certificate %d of the chain", t->name, i);
		/* i2d_X509() allocates with OPENSSL_malloc(); the result is
		 * documented as malloc'd, so copy it. */
		result->certs[i].der = malloc((size_t)len);
		if (result->certs[i].der == NULL) {
			OPENSSL_free(der);
			return dn_fail(err, DN_ENOMEM, "%s: out of memory copying the chain",
			               t->name);
		}
		memcpy(result->certs[i].der, der, (size_t)len);
		result->certs[i].len = (size_t)len;
		result->n_certs++;
		OPENSSL_free(der);
	}
	return DN_OK;
}

/* Choose the SNI: the option, else the host when it is a name. */
static dn_status choose_sni(const struct tls_grab_target *t, const struct tls_grab_options *o,
                            char *out, size_t size, struct dn_error *err)
{
	out[0] = '\0';
	if (o->no_sni)
		return DN_OK;
	const char *sni = o->sni != NULL ? o->sni : (t->is_address ? "" : t->host);
	size_t len = strlen(sni);
	if (o->sni != NULL && (len == 0 || len >= size))
		return dn_fail(err, DN_EINVAL, "SNI \"%s\" must be 1 to %zu bytes", sni, size - 1);
	for (size_t i = 0; i < len; i++) {
		if (sni[i] <= ' ' || sni[i] >= 0x7f)
			return dn_fail(err, DN_EINVAL,
			               "SNI \"%s\" is not a host name in ASCII; give the A-label "
			               "(xn--...) of an internationalised name",
			               sni);
	}
	snprintf(out, size, "%s", sni);
	return DN_OK;
}

/* Run the handshake on the connected socket fd and fill result. */
static dn_status handshake_on(int fd, const struct tls_grab_target *t,
                              const struct tls_grab_options *o, int64_t deadline,
                              struct tls_grab_result *result, struct dn_error *err)
{
	struct handshake h = {.alert_received = -1, .alert_sent = -1};
	SSL_CTX *ctx = client_context(t, err);
	if (ctx == NULL)
		return DN_ENOMEM;
	SSL *ssl = SSL_new(ctx);
	BIO *bio = ssl != NULL ? BIO_new_socket(fd, BIO_NOCLOSE) : NULL;
	if (bio == NULL) {
		SSL_free(ssl);
		SSL_CTX_free(ctx);
		return dn_fail(err, DN_ENOMEM, "%s: cannot create a TLS connection", t->name);
	}
	BIO_set_callback_ex(bio, bio_watch);
	BIO_set_callback_arg(bio, (char *)&h);
	SSL_set_bio(ssl, bio, bio);
	SSL_set_app_data(ssl, &h);
	SSL_set_connect_state(ssl);

	dn_status rc = DN_OK;
	if (result->sni[0] != '\0' && SSL_set_tlsext_host_name(ssl, result->sni) != 1)
		rc = dn_fail(err, DN_EINVAL, "%s: OpenSSL rejected the SNI \"%s\"", t->name,
		             result->sni);

	while (rc == DN_OK) {
		ERR_clear_error();
		errno = 0;
		int ret = SSL_connect(ssl);
		if (ret == 1)
			break;
		int ssl_error = SSL_get_error(ssl, ret);
		int saved_errno = errno;
		if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) {
			char step[TLS_GRAB_PEER_MAX + 64];
			snprintf(step, sizeof(step),
			         "waiting for the TLS handshake with %s "
			         "(%zu bytes received)",
			         result->peer, h.received);
			rc = wait_fd(fd, ssl_error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
			             deadline, t->name, o->timeout_ms, step, err);
			continue;
		}
		rc = handshake_error(fd, t, result->peer, &h, ssl_error, saved_errno, err);
	}

	if (rc == DN_OK) {
		snprintf(result->version, sizeof(result->version), "%s", SSL_get_version(ssl));
		const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
		const char *name = cipher != NULL ? SSL_CIPHER_standard_name(cipher) : NULL;
		if (name == NULL && cipher != NULL)
			name = SSL_CIPHER_get_name(cipher);
		snprintf(result->cipher, sizeof(result->cipher), "%s", name ? name : "");
		rc = copy_chain(ssl, t, result, err);
		/* Send close_notify once and do not wait for the server's. */
		SSL_shutdown(ssl);
	}
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return rc;
}

dn_status tls_grab(const struct tls_grab_target *target, const struct tls_grab_options *options,
                   struct tls_grab_result *result, struct dn_error *err)
{
	memset(result, 0, sizeof(*result));
	if (options->loopback_only && !lookup_host_is_loopback(target->host))
		return dn_fail(err, DN_EINVAL,
		               "%s: not a loopback address, and this run is limited to loopback",
		               target->name);
	dn_status rc = choose_sni(target, options, result->sni, sizeof(result->sni), err);
	if (rc)
		return rc;
	rc = lookup_pace_wait(PACE_KEY, options->interval_ms, err);
	if (rc)
		return rc;

	int64_t deadline = lookup_now_ms() + options->timeout_ms;
	int fd = -1;
	rc = connect_target(target, deadline, options, &fd, err);
	if (rc)
		return rc;

	struct sockaddr_storage addr;
	socklen_t addr_len = sizeof(addr);
	if (getpeername(fd, (struct sockaddr *)&addr, &addr_len) == 0)
		format_peer((struct sockaddr *)&addr, result->peer, sizeof(result->peer));
	else
		snprintf(result->peer, sizeof(result->peer), "unknown address");

	rc = handshake_on(fd, target, options, deadline, result, err);
	close(fd);
	if (rc)
		tls_grab_result_free(result);
	return rc;
}

void tls_grab_result_free(struct tls_grab_result *result)
{
	for (size_t i = 0; i < result->n_certs; i++)
		free(result->certs[i].der);
	free(result->certs);
	result->certs = NULL;
	result->n_certs = 0;
}
