/* A dnstap receiver: listens on a Unix or TCP socket, accepts any number of
 * senders (resolvers, servers), speaks bidirectional Frame Streams with
 * each through libfstrm on a thread of its own, and hands the frames to one
 * consumer in batches. Frames are never dropped: when the consumer falls
 * behind, the queue fills and the readers stop reading, so the senders'
 * own buffers take the load (and their own policy decides). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "capture/input.h"
#include "util/status.h"

struct dnstap_server;

/* Check "unix:PATH" or "tcp:HOST:PORT" (HOST a numeric address, IPv6 in
 * brackets) without opening anything. */
dn_status dnstap_server_check_address(const char *address, struct dn_error *err);

struct dnstap_server_options {
	int mode;          /* permissions of a Unix socket file; -1 leaves the umask's */
	const char *group; /* group of a Unix socket file; NULL leaves ours */
};

/* Bind, listen and start accepting. A stale socket file at a Unix path is
 * replaced; a socket another process listens on, or any other file there,
 * is an error. options may be NULL. DN_EIO when the socket cannot be
 * opened, DN_EINVAL for an unknown group. */
dn_status dnstap_server_open(const char *address, const struct dnstap_server_options *options,
                             struct dnstap_server **server, struct dn_error *err);

/* The next frame's payload, valid until the next call: CAPTURE_NEXT_PACKET,
 * CAPTURE_NEXT_TIMEOUT when none came within timeout_ms, or
 * CAPTURE_NEXT_END after dnstap_server_break() once every frame received
 * was handed out. */
enum capture_next dnstap_server_next(struct dnstap_server *server, int timeout_ms,
                                     const uint8_t **data, size_t *len);

/* Stop accepting and reading; frames already received are still handed
 * out. Safe to call from a signal handler. */
void dnstap_server_break(struct dnstap_server *server);

/* Streams accepted so far, and streams that ended with an error. */
uint64_t dnstap_server_connections(struct dnstap_server *server);
uint64_t dnstap_server_failed(struct dnstap_server *server);

/* Stop everything, join the threads, and remove the Unix socket file if it
 * is still the one this server made. */
void dnstap_server_close(struct dnstap_server *server);
