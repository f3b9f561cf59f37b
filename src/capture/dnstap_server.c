/* A dnstap receiver over Unix and TCP sockets; see dnstap_server.h. */
#include "capture/dnstap_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fstrm.h>
#include <grp.h>

#include "dnstap/dnstap.h"
#include "util/log.h"

/* A reader hands frames over in batches of about this many bytes, or
 * sooner when its socket has nothing more to read. */
#define BATCH_BYTES (256u << 10)
/* Batches waiting for the consumer; past this the readers wait. */
#define QUEUE_BYTES (32u << 20)
#define FRAME_MAX (1u << 20)
#define RECV_BYTES (64u << 10)
/* A sender must finish the Frame Streams handshake within this time. */
#define HANDSHAKE_SECONDS 10
/* Failed handshakes logged in full; later ones are counted. */
#define HANDSHAKE_WARNINGS 5

/* Frames stored back to back, each as a 4-byte length and its bytes. */
struct batch {
	struct batch *next;
	size_t used;
	size_t size;
	size_t read_pos; /* the consumer's position */
	uint8_t data[];
};

struct connection {
	struct dnstap_server *server;
	int fd;
	pthread_t thread;
	bool done; /* the thread has ended; under server->lock */
	char peer[80];
	struct batch *batch;
	uint8_t buf[RECV_BYTES]; /* bytes received, not yet taken by libfstrm */
	size_t buf_pos;
	size_t buf_len;
	uint64_t frames;
	uint64_t bytes; /* received */
	struct connection *next;
};

struct dnstap_server {
	char address[300];
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 32]; /* "" for TCP */
	int listen_fd;
	int wake[2]; /* a pipe: written by dnstap_server_break() */
	pthread_t accept_thread;
	bool accept_started;
	volatile sig_atomic_t broken;
	bool stopped; /* the threads are joined */

	pthread_mutex_t lock;
	pthread_cond_t ready;    /* a batch was queued */
	pthread_cond_t drained;  /* the queue shrank */
	struct batch *head, *tail;
	size_t queued_bytes;
	struct connection *connections;
	uint64_t accepted;
	uint64_t failed;
	uint64_t bad_handshakes;
	dev_t socket_dev; /* the Unix socket file this server made */
	ino_t socket_ino;

	struct batch *current; /* the consumer's batch */
};

/* Split "unix:PATH" or "tcp:HOST:PORT" into a socket address. */
static dn_status parse_address(const char *address, struct sockaddr_storage *ss, socklen_t *len,
                               struct dn_error *err)
{
	memset(ss, 0, sizeof(*ss));
	if (strncmp(address, "unix:", 5) == 0) {
		const char *path = address + 5;
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;
		if (path[0] == '\0')
			return dn_fail(err, DN_EINVAL, "dnstap address '%s' has no socket path", address);
		if (strlen(path) >= sizeof(sun->sun_path))
			return dn_fail(err, DN_EINVAL,
			               "dnstap socket path '%s' is longer than %zu bytes", path,
			               sizeof(sun->sun_path) - 1);
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, path, strlen(path) + 1);
		*len = sizeof(*sun);
		return DN_OK;
	}
	if (strncmp(address, "tcp:", 4) != 0)
		return dn_fail(err, DN_EINVAL,
		               "dnstap address '%s' is neither unix:PATH nor tcp:HOST:PORT", address);
	const char *hostport = address + 4;
	const char *colon = strrchr(hostport, ':');
	if (colon == NULL || colon == hostport)
		return dn_fail(err, DN_EINVAL, "dnstap address '%s' lacks HOST:PORT", address);
	char host[64];
	size_t host_len = (size_t)(colon - hostport);
	if (hostport[0] == '[' && colon[-1] == ']') {
		hostport++;
		host_len -= 2;
	}
	if (host_len >= sizeof(host))
		return dn_fail(err, DN_EINVAL, "dnstap address '%s': host too long", address);
	memcpy(host, hostport, host_len);
	host[host_len] = '\0';
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port == 0 || port > 65535)
		return dn_fail(err, DN_EINVAL, "dnstap address '%s': invalid port '%s'", address,
		               colon + 1);
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
	} else {
		return dn_fail(err, DN_EINVAL,
		               "dnstap address '%s': '%s' is not a numeric IPv4 or IPv6 address "
		               "(write IPv6 in brackets)",
		               address, host);
	}
	return DN_OK;
}

dn_status dnstap_server_check_address(const char *address, struct dn_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	return parse_address(address, &ss, &len, err);
}

/* Queue the connection's batch for the consumer, waiting while the queue
 * is full. Returns false once the server stops. */
static bool push_batch(struct connection *c)
{
	struct batch *b = c->batch;
	if (b == NULL || b->used == 0)
		return true;
	struct dnstap_server *s = c->server;
	pthread_mutex_lock(&s->lock);
	while (s->queued_bytes >= QUEUE_BYTES && !s->broken)
		pthread_cond_wait(&s->drained, &s->lock);
	b->next = NULL;
	if (s->tail != NULL)
		s->tail->next = b;
	else
		s->head = b;
	s->tail = b;
	s->queued_bytes += b->used;
	pthread_cond_signal(&s->ready);
	pthread_mutex_unlock(&s->lock);
	c->batch = NULL;
	return !s->broken;
}

static bool append_frame(struct connection *c, const uint8_t *data, size_t len)
{
	size_t need = len + 4;
	if (c->batch != NULL && c->batch->used + need > c->batch->size) {
		if (!push_batch(c))
			return false;
	}
	if (c->batch == NULL) {
		size_t size = need > BATCH_BYTES ? need : BATCH_BYTES;
		c->batch = malloc(sizeof(struct batch) + size);
		if (c->batch == NULL)
			return false;
		c->batch->used = 0;
		c->batch->size = size;
		c->batch->read_pos = 0;
	}
	uint8_t *p = c->batch->data + c->batch->used;
	uint32_t n = (uint32_t)len;
	memcpy(p, &n, 4);
	memcpy(p + 4, data, len);
	c->batch->used += need;
	return true;
}

/* libfstrm's read method: serve from the receive buffer; when it is empty,
 * hand over the frames gathered so far (the sender may be idle now), then
 * wait for more bytes. */
static fstrm_res conn_read(void *obj, void *data, size_t count)
{
	struct connection *c = obj;
	uint8_t *out = data;
	while (count > 0) {
		if (c->buf_pos == c->buf_len) {
			if (!push_batch(c))
				return fstrm_res_failure;
			ssize_t n;
			do
				n = recv(c->fd, c->buf, sizeof(c->buf), 0);
			while (n < 0 && errno == EINTR);
			if (n <= 0)
				return n == 0 && out == data ? fstrm_res_stop : fstrm_res_failure;
			c->buf_pos = 0;
			c->buf_len = (size_t)n;
			c->bytes += (uint64_t)n;
		}
		size_t take = c->buf_len - c->buf_pos;
		if (take > count)
			take = count;
		memcpy(out, c->buf + c->buf_pos, take);
		c->buf_pos += take;
		out += take;
		count -= take;
	}
	return fstrm_res_success;
}

static fstrm_res conn_write(void *obj, const struct iovec *iov, int iovcnt)
{
	struct connection *c = obj;
	for (int i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left > 0) {
			ssize_t n = send(c->fd, p, left, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return fstrm_res_failure;
			p += n;
			left -= (size_t)n;
		}
	}
	return fstrm_res_success;
}

static fstrm_res conn_noop(void *obj)
{
	(void)obj;
	return fstrm_res_success;
}

/* A sender that closes without a word is usually a probe and is logged at
 * debug level. Other failures are logged, the first few in full. */
static void report_bad_handshake(struct connection *c)
{
	struct dnstap_server *s = c->server;
	if (s->broken)
		return;
	if (c->bytes == 0) {
		log_debug("dnstap %s: closed or timed out before sending anything", c->peer);
		return;
	}
	pthread_mutex_lock(&s->lock);
	uint64_t n = ++s->bad_handshakes;
	pthread_mutex_unlock(&s->lock);
	if (n <= HANDSHAKE_WARNINGS)
		log_warn("dnstap %s: handshake failed: not bidirectional Frame Streams with content "
		         "type " DNSTAP_CONTENT_TYPE ", or not finished within %d s",
		         c->peer, HANDSHAKE_SECONDS);
	else if (n == HANDSHAKE_WARNINGS + 1)
		log_warn("dnstap %s: more failed handshakes follow; the summary counts them",
		         s->address);
}

static void *connection_main(void *arg)
{
	struct connection *c = arg;
	struct dnstap_server *s = c->server;
	struct fstrm_rdwr *rdwr = fstrm_rdwr_init(c);
	struct fstrm_reader_options *ropt = fstrm_reader_options_init();
	struct fstrm_reader *reader = NULL;
	bool ok = false;
	if (rdwr != NULL && ropt != NULL) {
		fstrm_rdwr_set_open(rdwr, conn_noop);
		fstrm_rdwr_set_close(rdwr, conn_noop);
		fstrm_rdwr_set_read(rdwr, conn_read);
		fstrm_rdwr_set_write(rdwr, conn_write); /* makes the stream bidirectional */
		fstrm_reader_options_add_content_type(ropt, DNSTAP_CONTENT_TYPE,
		                                      strlen(DNSTAP_CONTENT_TYPE));
		fstrm_reader_options_set_max_frame_size(ropt, FRAME_MAX);
		reader = fstrm_reader_init(ropt, &rdwr);
	}
	if (ropt != NULL)
		fstrm_reader_options_destroy(&ropt);
	/* An idle sender must not hold a thread for ever. */
	struct timeval limit = {.tv_sec = HANDSHAKE_SECONDS};
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
	if (reader == NULL) {
		if (rdwr != NULL)
			fstrm_rdwr_destroy(&rdwr);
		log_error("dnstap %s: out of memory for a connection", c->peer);
	} else if (fstrm_reader_open(reader) != fstrm_res_success) {
		report_bad_handshake(c);
	} else {
		struct timeval none = {.tv_sec = 0};
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
		log_info("dnstap %s: connected", c->peer);
		for (;;) {
			/* libfstrm 0.6.1 reports success without setting data when a
			 * frame is over the maximum size. */
			const uint8_t *data = NULL;
			size_t len = 0;
			fstrm_res res = fstrm_reader_read(reader, &data, &len);
			if (res == fstrm_res_stop) {
				ok = true;
				break;
			}
			if (res == fstrm_res_success && data == NULL) {
				log_warn("dnstap %s: frame %llu is over 1 MiB; closing the stream", c->peer,
				         (unsigned long long)c->frames + 1);
				break;
			}
			if (res != fstrm_res_success) {
				if (!s->broken)
					log_warn("dnstap %s: stream broke off after frame %llu (damaged "
					         "data, a frame over 1 MiB, or the sender went away)",
					         c->peer, (unsigned long long)c->frames);
				else
					ok = true;
				break;
			}
			c->frames++;
			if (!append_frame(c, data, len))
				break;
		}
		push_batch(c);
		if (ok)
			log_info("dnstap %s: closed after %llu frames", c->peer,
			         (unsigned long long)c->frames);
	}
	if (reader != NULL)
		fstrm_reader_destroy(&reader);
	free(c->batch);
	c->batch = NULL;
	pthread_mutex_lock(&s->lock);
	if (!ok)
		s->failed++;
	c->done = true;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void describe_peer(const struct sockaddr_storage *ss, const char *address, char *out,
                          size_t size, uint64_t number)
{
	char host[INET6_ADDRSTRLEN] = "";
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(out, size, "%.60s #%llu", address, (unsigned long long)number);
	}
}

/* Join the threads of connections that ended. */
static void reap(struct dnstap_server *s, bool all)
{
	for (;;) {
		struct connection *found = NULL, **link;
		pthread_mutex_lock(&s->lock);
		for (link = &s->connections; *link != NULL; link = &(*link)->next) {
			if ((*link)->done || all) {
				found = *link;
				*link = found->next;
				break;
			}
		}
		pthread_mutex_unlock(&s->lock);
		if (found == NULL)
			return;
		pthread_join(found->thread, NULL);
		close(found->fd);
		free(found);
	}
}

static void *accept_main(void *arg)
{
	struct dnstap_server *s = arg;
	while (!s->broken) {
		struct pollfd pfd[2] = {
			{.fd = s->listen_fd, .events = POLLIN},
			{.fd = s->wake[0], .events = POLLIN},
		};
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			break;
		reap(s, false);
		if (s->broken || !(pfd[0].revents & POLLIN))
			continue;
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
				log_warn("dnstap %s: accept failed: %s", s->address, strerror(errno));
			continue;
		}
		struct connection *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->server = s;
		c->fd = fd;
		pthread_mutex_lock(&s->lock);
		uint64_t number = ++s->accepted;
		pthread_mutex_unlock(&s->lock);
		describe_peer(&ss, s->address, c->peer, sizeof(c->peer), number);
		if (pthread_create(&c->thread, NULL, connection_main, c) != 0) {
			log_warn("dnstap %s: cannot start a thread for %s", s->address, c->peer);
			close(fd);
			free(c);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		c->next = s->connections;
		s->connections = c;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

/* Whether a process accepts connections on the Unix socket at ss. */
static bool socket_in_use(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool used = connect(fd, (const struct sockaddr *)ss, len) == 0 || errno == EAGAIN;
	close(fd);
	return used;
}

static dn_status set_socket_access(const char *path, const struct dnstap_server_options *o,
                                   struct dn_error *err)
{
	if (o == NULL)
		return DN_OK;
	if (o->group != NULL) {
		struct group *g = getgrnam(o->group);
		if (g == NULL)
			return dn_fail(err, DN_EINVAL, "unknown group '%s' for the dnstap socket",
			               o->group);
		if (chown(path, (uid_t)-1, g->gr_gid) != 0)
			return dn_fail(err, DN_EIO, "cannot give dnstap socket %s to group %s: %s", path,
			               o->group, strerror(errno));
	}
	if (o->mode >= 0 && chmod(path, (mode_t)o->mode) != 0)
		return dn_fail(err, DN_EIO, "cannot set the mode of dnstap socket %s to %o: %s", path,
		               (unsigned)o->mode, strerror(errno));
	return DN_OK;
}

dn_status dnstap_server_open(const char *address, const struct dnstap_server_options *options,
                             struct dnstap_server **out, struct dn_error *err)
{
	*out = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	dn_status rc = parse_address(address, &ss, &sslen, err);
	if (rc != DN_OK)
		return rc;
	struct dnstap_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	snprintf(s->address, sizeof(s->address), "%s", address);
	s->listen_fd = -1;
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->ready, NULL);
	pthread_cond_init(&s->drained, NULL);

	if (ss.ss_family == AF_UNIX) {
		const char *path = ((struct sockaddr_un *)&ss)->sun_path;
		struct stat st;
		if (lstat(path, &st) == 0) {
			if (!S_ISSOCK(st.st_mode)) {
				dnstap_server_close(s);
				return dn_fail(err, DN_EIO,
				               "dnstap socket path %s exists and is not a socket; "
				               "not replacing it",
				               path);
			}
			if (socket_in_use(&ss, sslen)) {
				dnstap_server_close(s);
				return dn_fail(err, DN_EIO,
				               "another process listens on dnstap socket %s; stop it "
				               "or choose another path",
				               path);
			}
			unlink(path);
		}
	}
	s->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (s->listen_fd >= 0 && ss.ss_family != AF_UNIX)
		setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bool bound = s->listen_fd >= 0 && bind(s->listen_fd, (struct sockaddr *)&ss, sslen) == 0;
	int e = errno;
	if (bound && ss.ss_family == AF_UNIX) {
		/* Remember which file is ours: only that one is removed at the end. */
		const char *path = ((struct sockaddr_un *)&ss)->sun_path;
		struct stat st;
		if (stat(path, &st) == 0) {
			snprintf(s->unix_path, sizeof(s->unix_path), "%s", path);
			s->socket_dev = st.st_dev;
			s->socket_ino = st.st_ino;
		}
		rc = set_socket_access(path, options, err);
		if (rc != DN_OK) {
			dnstap_server_close(s);
			return rc;
		}
	}
	if (!bound || listen(s->listen_fd, 64) != 0) {
		if (bound)
			e = errno;
		dnstap_server_close(s);
		return dn_fail(err, DN_EIO, "cannot listen for dnstap on %s: %s", address,
		               strerror(e));
	}
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    pthread_create(&s->accept_thread, NULL, accept_main, s) != 0) {
		dnstap_server_close(s);
		return dn_fail(err, DN_EIO, "cannot start the dnstap listener on %s", address);
	}
	s->accept_started = true;
	*out = s;
	return DN_OK;
}

void dnstap_server_break(struct dnstap_server *s)
{
	s->broken = 1;
	if (s->wake[1] >= 0) {
		char b = 1;
		ssize_t n = write(s->wake[1], &b, 1);
		(void)n;
	}
}

/* Stop the threads: no more accepts, and readers blocked in recv() are
 * woken by shutting their sockets down. Frames already queued stay. */
static void stop_threads(struct dnstap_server *s)
{
	if (s->stopped)
		return;
	s->stopped = true;
	s->broken = 1;
	if (s->accept_started)
		pthread_join(s->accept_thread, NULL);
	pthread_mutex_lock(&s->lock);
	for (struct connection *c = s->connections; c != NULL; c = c->next)
		shutdown(c->fd, SHUT_RDWR);
	pthread_cond_broadcast(&s->drained);
	pthread_mutex_unlock(&s->lock);
	reap(s, true);
}

enum capture_next dnstap_server_next(struct dnstap_server *s, int timeout_ms,
                                     const uint8_t **data, size_t *len)
{
	for (;;) {
		struct batch *b = s->current;
		if (b != NULL && b->read_pos < b->used) {
			uint32_t n;
			memcpy(&n, b->data + b->read_pos, 4);
			*data = b->data + b->read_pos + 4;
			*len = n;
			b->read_pos += 4 + (size_t)n;
			return CAPTURE_NEXT_PACKET;
		}
		free(b);
		s->current = NULL;
		if (s->broken)
			stop_threads(s);

		pthread_mutex_lock(&s->lock);
		if (s->head == NULL && !s->broken && timeout_ms > 0) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += timeout_ms / 1000;
			until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&s->ready, &s->lock, &until);
		}
		b = s->head;
		if (b != NULL) {
			s->head = b->next;
			if (s->head == NULL)
				s->tail = NULL;
			s->queued_bytes -= b->used;
			pthread_cond_broadcast(&s->drained);
		}
		pthread_mutex_unlock(&s->lock);
		if (b == NULL)
			return s->broken && s->stopped ? CAPTURE_NEXT_END : CAPTURE_NEXT_TIMEOUT;
		s->current = b;
	}
}

uint64_t dnstap_server_connections(struct dnstap_server *s)
{
	pthread_mutex_lock(&s->lock);
	uint64_t n = s->accepted;
	pthread_mutex_unlock(&s->lock);
	return n;
}

uint64_t dnstap_server_failed(struct dnstap_server *s)
{
	pthread_mutex_lock(&s->lock);
	uint64_t n = s->failed;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void dnstap_server_close(struct dnstap_server *s)
{
	if (s == NULL)
		return;
	stop_threads(s);
	free(s->current);
	while (s->head != NULL) {
		struct batch *b = s->head;
		s->head = b->next;
		free(b);
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	struct stat st;
	if (s->unix_path[0] != '\0' && stat(s->unix_path, &st) == 0 && st.st_dev == s->socket_dev &&
	    st.st_ino == s->socket_ino)
		unlink(s->unix_path);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->ready);
	pthread_cond_destroy(&s->drained);
	free(s);
}
