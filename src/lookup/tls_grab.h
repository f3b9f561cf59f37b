/* Live capture of the certificate chain a TLS server presents.
 *
 * tls_grab() connects to one server over TCP, runs a TLS handshake with
 * OpenSSL and returns the certificates exactly as the server sent them,
 * with the negotiated protocol version and cipher suite. The chain is not
 * verified: the point is to record what is presented, including expired,
 * self-signed and mismatched certificates. Like the WHOIS and RDAP clients,
 * this is code that contacts third parties, and only `dragnet cert grab`
 * calls it. Parsing the certificates belongs to x509/cert.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lookup/lookup.h"
#include "util/status.h"

#define TLS_GRAB_PORT 443
#define TLS_GRAB_TIMEOUT_MS 10000
#define TLS_GRAB_INTERVAL_MS 1000
/* Maximum length of a host name or address, terminator included. */
#define TLS_GRAB_HOST_MAX 256
/* Maximum length of "ADDRESS:PORT" or "[V6-ADDRESS]:PORT", terminator included. */
#define TLS_GRAB_PEER_MAX 64

/* A server to grab from, as given on the command line. */
struct tls_grab_target {
	char host[TLS_GRAB_HOST_MAX]; /* name (lower case, no trailing dot) or address, no brackets
	                               */
	unsigned port;
	bool is_address;              /* host is an IPv4 or IPv6 literal */
	char name[LOOKUP_SERVER_MAX]; /* "host:port" or "[v6]:port", the sighting detail */
};

/* Read "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address into
 * out; the port defaults to default_port. HOST is an address or a name of
 * printable ASCII (give the A-label of an internationalised name). Returns
 * DN_EINVAL with the reason otherwise. */
dn_status tls_grab_parse_target(const char *text, unsigned default_port,
                                struct tls_grab_target *out, struct dn_error *err);

struct tls_grab_options {
	/* Server name to send in the SNI extension. NULL sends the target's host
	 * when it is a name and no SNI for an address, as RFC 6066 requires. */
	const char *sni;
	bool no_sni;          /* send no SNI even for a name */
	unsigned timeout_ms;  /* connect and handshake together, all addresses of a name included */
	unsigned interval_ms; /* minimum time between the starts of two grabs, to any server */
	/* Reject every target that is not a loopback address literal before
	 * resolving or connecting, so that a test can never reach another host. */
	bool loopback_only;
};

/* Fill options with the defaults above. This function can't fail. */
void tls_grab_options_init(struct tls_grab_options *options);

/* One certificate as the server sent it. */
struct tls_grab_cert {
	uint8_t *der; /* malloc'd */
	size_t len;
};

struct tls_grab_result {
	char peer[TLS_GRAB_PEER_MAX]; /* the address that completed the handshake: "192.0.2.1:443"
	                               */
	char sni[TLS_GRAB_HOST_MAX];  /* the server name sent, "" when none */
	char version[16];             /* OpenSSL's name of the protocol: "TLSv1.3" */
	char cipher[80];              /* RFC name of the suite: "TLS_AES_256_GCM_SHA384" */
	struct tls_grab_cert *certs;  /* leaf first, in the order sent; malloc'd */
	size_t n_certs;
};

/* Grab the chain of target. Waits first until interval_ms has passed since
 * the start of the previous grab in this process. A name is resolved with
 * getaddrinfo() and its addresses are tried in order until one accepts the
 * TCP connection; the handshake then runs on that connection only.
 *
 * Errors, each with the target and the reason in err: DN_EINVAL for an SNI
 * that cannot be sent or a non-loopback target under loopback_only; DN_EIO
 * when the name does not resolve, the connection is refused, reset or times
 * out, the handshake times out, the server sends a TLS alert (named in the
 * message) or the handshake fails otherwise; DN_EFORMAT when the server
 * answers with bytes that are not a TLS record; DN_EINTR after an
 * interrupt_note(); DN_ENOMEM. Call tls_grab_result_free() whatever it
 * returns. */
dn_status tls_grab(const struct tls_grab_target *target, const struct tls_grab_options *options,
                   struct tls_grab_result *result, struct dn_error *err);

/* Free the certificates and empty result. */
void tls_grab_result_free(struct tls_grab_result *result);
