/* The web view's files: `/` and `/static/NAME` served from the built web/dist folder. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/server.h"
#include "server/server_uri.h"
#include "util/log.h"

/* The folder web/build.sh writes; CMake sets it to the source tree's web/dist. */
#ifndef DRAGNET_WEB_ROOT
#define DRAGNET_WEB_ROOT "web/dist"
#endif

/* The bundle with Cytoscape.js is about 500 KB; anything far larger in the web root is a
 * mistake, and the body is held in memory. */
#define STATIC_MAX_FILE (32u << 20)

/* Names below /static/ are at most this long, so the joined path always fits PATH_MAX. */
#define STATIC_MAX_NAME 200

/* Scripts, styles, images and fetches may come from this server only; the page cannot be
 * framed, and no plugin or <base> element may change where it loads from. */
static const char static_csp[] = "Content-Security-Policy: default-src 'self'; "
				 "object-src 'none'; base-uri 'none'; form-action 'none'; "
				 "frame-ancestors 'none'";

static const struct {
	const char *ext;
	const char *type;
} static_types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".map", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".txt", "text/plain; charset=utf-8"},
};

static const char *static_content_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof(static_types) / sizeof(static_types[0]); i++)
		if (strcmp(dot, static_types[i].ext) == 0)
			return static_types[i].type;
	return "application/octet-stream";
}

/* Accept NAME only when it is "segment/segment/..." with each segment starting with a letter
 * or digit and made of letters, digits, '.', '-' and '_'. That rejects "..", ".", hidden
 * files, empty segments, absolute paths, backslashes and percent signs, so a name cannot leave
 * the web root however the client encoded it. */
static bool static_name_valid(const char *name)
{
	size_t len = strlen(name);
	bool segment_start = true;

	if (len == 0 || len > STATIC_MAX_NAME)
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		char c = *p;
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (segment_start && !alnum)
			return false;
		if (c == '/') {
			segment_start = true;
			continue;
		}
		if (!alnum && c != '.' && c != '-' && c != '_')
			return false;
		segment_start = false;
	}
	return !segment_start;
}

static void static_add_headers(struct server_response *res, const char *etag_header)
{
	server_add_header(res, static_csp);
	server_add_header(res, "Referrer-Policy: no-referrer");
	server_add_header(res, "X-Frame-Options: DENY");
	/* File names carry no content hash, so every use revalidates with the ETag. */
	server_add_header(res, "Cache-Control: no-cache");
	server_add_header(res, etag_header);
}

/* Copy the open file fd of size bytes into the response body; false when a read or write
 * fails. */
static bool static_copy(int fd, off_t size, FILE *out)
{
	char buf[65536];
	off_t left = size;

	while (left > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			return false;
		left -= n;
	}
	return true;
}

const char *server_web_root(const struct server_config *config)
{
	return config != NULL && config->web_root != NULL ? config->web_root : DRAGNET_WEB_ROOT;
}

/* Open NAME, a relative path that static_name_valid() accepted, below the folder root.
 * Each folder is opened with openat() and O_NOFOLLOW | O_DIRECTORY, so a symbolic link at
 * any level of NAME fails with ELOOP or ENOTDIR and nothing outside root can be reached. The
 * last component is opened O_NONBLOCK, so opening a FIFO or a device node returns at once
 * instead of blocking the worker. The caller still checks S_ISREG with fstat(). The root
 * itself may be a link. Returns the descriptor, or -1 with errno set. */
static int static_open_beneath(const char *root, const char *name)
{
	char component[STATIC_MAX_NAME + 1];
	int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return -1;
	for (;;) {
		const char *slash = strchr(name, '/');
		size_t len = slash != NULL ? (size_t)(slash - name) : strlen(name);
		int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
		int fd;

		if (len >= sizeof(component)) {
			close(dir);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(component, name, len);
		component[len] = '\0';
		flags |= slash != NULL ? O_DIRECTORY : O_NONBLOCK | O_NOCTTY;
		fd = openat(dir, component, flags);
		int saved = errno;
		close(dir);
		errno = saved;
		if (fd < 0 || slash == NULL)
			return fd;
		dir = fd;
		name = slash + 1;
	}
}

/* Send the file NAME of the web root, or a JSON error. Errors name the
 * file by its URL path; the server's log gets the path on disk. */
static void static_send(struct server_request *req, struct server_response *res,
			const char *name)
{
	/* server.h keeps header pointers, not copies: the ETag line must outlive this call, and
	 * each worker thread handles one request at a time. */
	static _Thread_local char etag_header[96];
	const char *root = server_web_root(req->config);
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", root, name) >= (int)sizeof(path)) {
		log_error("web root path too long: '%s'", root);
		server_error(res, 500, "web root path too long; the server's log shows it");
		return;
	}
	fd = static_open_beneath(root, name);
	if (fd < 0) {
		if (strcmp(name, "index.html") == 0) {
			log_warn("web view not built: %s: %s (run web/build.sh)", path,
				 strerror(errno));
			server_error(res, 404, "web view not built: no index.html in the web root "
					       "(run web/build.sh, or give --web-root)");
		} else {
			server_error(res, 404, "not found: %s", req->path);
		}
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		server_error(res, 404, "not found: %s", req->path);
		return;
	}
	if (st.st_size > (off_t)STATIC_MAX_FILE) {
		close(fd);
		server_error(res, 500, "%s: file of %jd bytes exceeds the limit of %u bytes",
			     req->path, (intmax_t)st.st_size, STATIC_MAX_FILE);
		return;
	}

	snprintf(etag_header, sizeof(etag_header), "ETag: \"%jx-%jx-%jx.%lx\"",
		 (uintmax_t)st.st_ino, (uintmax_t)st.st_size, (uintmax_t)st.st_mtim.tv_sec,
		 (unsigned long)st.st_mtim.tv_nsec);
	static_add_headers(res, etag_header);
	res->content_type = static_content_type(name);

	char trimmed[sizeof(etag_header)];
	const char *if_none_match =
		server_header_trim(server_header(req, "If-None-Match"), trimmed, sizeof(trimmed));
	if (if_none_match != NULL && strcmp(if_none_match, etag_header + strlen("ETag: ")) == 0) {
		close(fd);
		res->status = 304;
		return;
	}

	bool copied = static_copy(fd, st.st_size, res->body);
	close(fd);
	if (!copied) {
		/* Drop the part written so far; the error body replaces it. */
		int saved = errno;
		rewind(res->body);
		log_error("%s: read failed: %s", path, strerror(saved));
		server_error(res, 500, "%s: read failed: %s", req->path, strerror(saved));
		return;
	}
	res->status = 200;
}

static void static_index(struct server_request *req, struct server_response *res)
{
	static_send(req, res, "index.html");
}

static void static_file(struct server_request *req, struct server_response *res)
{
	char name[STATIC_MAX_NAME + sizeof("static/")];

	if (!static_name_valid(req->rest)) {
		server_error(res, 404, "not found: %s", req->path);
		return;
	}
	snprintf(name, sizeof(name), "static/%s", req->rest);
	static_send(req, res, name);
}

/* The files are public: the page prompts for the API key and sends it with each API call. The
 * server serves HEAD on these GET routes without the body, and adds X-Content-Type-Options
 * itself. Query arguments are not checked, since none are read. */
const struct server_route server_static_routes[] = {
	{"GET", "/", true, SERVER_ROLE_NONE, static_index, NULL},
	{"GET", "/index.html", true, SERVER_ROLE_NONE, static_index, NULL},
	{"GET", "/static/", false, SERVER_ROLE_NONE, static_file, NULL},
	{NULL, NULL, false, SERVER_ROLE_NONE, NULL, NULL},
};
