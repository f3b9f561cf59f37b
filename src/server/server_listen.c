/* The listening socket and the TLS files of `dragnet serve`. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "server/server_internal.h"

void server_format_peer(const struct sockaddr *sa, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(out, size, sa != NULL && sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
	         port);
}

/* Split "ADDR:PORT" or "[ADDR]:PORT" into host and port. */
static dn_status split_listen(const char *listen_at, char *host, size_t host_size, char *port,
                              size_t port_size, struct dn_error *err)
{
	const char *colon;
	const char *h = listen_at;
	size_t hlen;
	if (listen_at[0] == '[') {
		const char *close = strchr(listen_at, ']');
		if (close == NULL || close[1] != ':')
			return dn_fail(err, DN_EINVAL, "--listen '%s': expected [ADDRESS]:PORT",
			               listen_at);
		h = listen_at + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(listen_at, ':');
		if (colon == NULL || memchr(listen_at, ':', (size_t)(colon - listen_at)) != NULL)
			return dn_fail(err, DN_EINVAL,
			               "--listen '%s': expected ADDRESS:PORT, with an IPv6 address "
			               "in brackets",
			               listen_at);
		hlen = (size_t)(colon - listen_at);
	}
	if (hlen == 0 || hlen >= host_size || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= port_size)
		return dn_fail(err, DN_EINVAL, "--listen '%s': expected ADDRESS:PORT", listen_at);
	/* getaddrinfo() takes a port above 65535 modulo 65536, so check it
	 * here: digits only, 0 to 65535. */
	const char *p = colon + 1;
	if (strspn(p, "0123456789") != strlen(p) || strtoul(p, NULL, 10) > 65535)
		return dn_fail(err, DN_EINVAL, "--listen '%s': invalid port '%s': expected 0 to 65535",
		               listen_at, p);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	strcpy(port, p);
	return DN_OK;
}

dn_status server_listen_open(const char *listen_at, int *out, char *bound, size_t bound_size,
                               struct dn_error *err)
{
	char host[256], port[16];
	dn_status rc = split_listen(listen_at, host, sizeof(host), port, sizeof(port), err);
	if (rc != DN_OK)
		return rc;
	/* AI_NUMERICHOST: a host name would need a DNS lookup, and the address
	 * to listen on must not depend on one. */
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST};
	struct addrinfo *ai;
	int gai = getaddrinfo(host, port, &hints, &ai);
	if (gai == EAI_NONAME)
		return dn_fail(err, DN_EINVAL,
		               "--listen '%s': '%s' is not a numeric IPv4 or IPv6 address; give one "
		               "such as 127.0.0.1 or [::1]",
		               listen_at, host);
	if (gai != 0)
		return dn_fail(err, DN_EINVAL, "--listen '%s': %s", listen_at, gai_strerror(gai));

	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return dn_fail(err, DN_EIO, "cannot listen on %s: %s", listen_at, strerror(e));
	}
	freeaddrinfo(ai);

	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		server_format_peer((struct sockaddr *)&ss, bound, bound_size);
	else
		snprintf(bound, bound_size, "%s", listen_at);
	*out = fd;
	return DN_OK;
}

dn_status server_read_pem(const char *path, const char *what, char **out, struct dn_error *err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return dn_fail(err, DN_EINVAL, "%s %s: cannot open: %s", what, path,
		               strerror(errno));
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (mem != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	bool failed = ferror(f) || mem == NULL;
	fclose(f);
	if (mem != NULL && fclose(mem) != 0)
		failed = true;
	if (failed) {
		free(buf);
		return dn_fail(err, DN_EINVAL, "%s %s: read failed", what, path);
	}
	if (strstr(buf, "-----BEGIN ") == NULL) {
		free(buf);
		return dn_fail(err, DN_EINVAL, "%s %s: not a PEM file (no -----BEGIN line)", what,
		               path);
	}
	*out = buf;
	return DN_OK;
}

/* A passphrase callback that supplies none, so that OpenSSL fails on an
 * encrypted key instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

/* The reason of OpenSSL's latest error, or fallback when it has none. */
static const char *openssl_reason(const char *fallback)
{
	unsigned long code = ERR_peek_last_error();
	const char *reason = code != 0 ? ERR_reason_error_string(code) : NULL;
	return reason != NULL ? reason : fallback;
}

dn_status server_check_tls(const char *cert_path, const char *cert_pem, const char *key_path,
                           const char *key_pem, struct dn_error *err)
{
	const char *swapped = "; are --tls-cert and --tls-key swapped?";
	BIO *bio = BIO_new_mem_buf(cert_pem, -1);
	X509 *cert = bio != NULL ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (cert == NULL) {
		bool holds_key = strstr(cert_pem, "PRIVATE KEY-----") != NULL;
		dn_fail(err, DN_EINVAL, "TLS certificate %s: no valid certificate in it (%s)%s",
		        cert_path, holds_key ? "it holds a private key" : openssl_reason("none found"),
		        holds_key ? swapped : "");
		ERR_clear_error();
		return DN_EINVAL;
	}

	bio = BIO_new_mem_buf(key_pem, -1);
	EVP_PKEY *key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	dn_status rc = DN_OK;
	if (key == NULL) {
		if (strstr(key_pem, "ENCRYPTED") != NULL)
			rc = dn_fail(err, DN_EINVAL, "TLS key %s: the key is encrypted, and dragnet serve "
			                             "takes no passphrase; decrypt it with openssl pkey",
			             key_path);
		else if (strstr(key_pem, "PRIVATE KEY-----") == NULL &&
		         strstr(key_pem, "CERTIFICATE-----") != NULL)
			rc = dn_fail(err, DN_EINVAL, "TLS key %s: no private key in it (it holds a "
			                             "certificate)%s", key_path, swapped);
		else
			rc = dn_fail(err, DN_EINVAL, "TLS key %s: no valid private key in it (%s)",
			             key_path, openssl_reason("none found"));
	} else if (X509_check_private_key(cert, key) != 1) {
		rc = dn_fail(err, DN_EINVAL, "TLS key %s does not match the certificate in %s: "
		                             "the key's public key differs from the certificate's",
		             key_path, cert_path);
	}
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}
