/* POST /api/v1/ingest: one input file as the request body, stored as
 * `dragnet ingest` or `dragnet whois --import` would store it.
 *
 * Captures, dnstap and sensor logs go through the ingest pipeline, which
 * reads files only, so the body is written to a private temporary file
 * first. Certificates and WHOIS or RDAP responses are parsed from memory
 * by the same library calls the commands make. The response is JSON:
 * {"source", "input", "kind", "format", "read", "stored": {"records",
 * "negatives", "whois", "certificates"}, "warnings": [...], "errors":
 * [...]}. An upload of which nothing could be read gets {"error": ...}
 * instead. "input" is the upload's name in the store's run table: "api
 * upload NAME" with the request's name parameter, else "api upload
 * sha256:" and the body's SHA-256, never the temporary file's path. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ingest/cert_store.h"
#include "ingest/ingest.h"
#include "ingest/whois_store.h"
#include "server/server.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "whois/response.h"
#include "x509/pem.h"

/* Bytes x509_detect() needs to recognise a certificate input, as the
 * ingest command reads them. */
#define CERT_DETECT_BYTES 4096
/* Maximum length of a source name, in bytes. */
#define SOURCE_MAX 255
/* Maximum length of an upload's name parameter, in bytes. */
#define UPLOAD_NAME_MAX 255
/* "api upload " and a name, or "sha256:" and 64 hex digits. */
#define UPLOAD_INPUT_SIZE (11 + UPLOAD_NAME_MAX + 1)

/* Uploads run one at a time: SQLite has a single writer, and each worker
 * has its own write connection, so two concurrent uploads would wait on
 * the file lock and could time out instead of queueing here. */
static pthread_mutex_t upload_lock = PTHREAD_MUTEX_INITIALIZER;

struct upload {
	struct server_request *req;
	const char *source;
	char input[UPLOAD_INPUT_SIZE]; /* the run's input: "api upload ..." */
	const char *kind;       /* "pdns", "certificates" or "whois" */
	char format[24];
	uint64_t read;          /* packets, frames, lines, certificates or documents */
	uint64_t records, negatives, whois, certificates;
	json_t *warnings;
	json_t *errors;
};

/* Add text to the response's list of warnings or errors, with server
 * paths hidden; the log gets a hidden one whole. */
static void add_text(json_t *list, const char *text)
{
	char hidden[1024];
	if (server_hide_paths(text, hidden, sizeof(hidden)))
		log_warn("upload: %s", text);
	json_t *value = json_string(hidden);
	if (value == NULL) /* invalid UTF-8 from the input */
		value = json_string("(a message with bytes that are not UTF-8)");
	json_array_append_new(list, value);
}

static void add_warning(const char *text, void *ctx)
{
	add_text(((struct upload *)ctx)->warnings, text);
}

/* Copy msg to out with the temporary file's path replaced by "request
 * body", so that responses do not show the server's paths. */
static void hide_path(const char *msg, const char *path, char *out, size_t size)
{
	const char *at = path[0] != '\0' ? strstr(msg, path) : NULL;
	if (at == NULL) {
		snprintf(out, size, "%s", msg);
		return;
	}
	snprintf(out, size, "%.*srequest body%s", (int)(at - msg), msg, at + strlen(path));
}

static int status_for(dn_status rc)
{
	switch (rc) {
	case DN_EFORMAT:
	case DN_EMALF:
	case DN_EINVAL:
	case DN_ENOTSUP:
		return 400;
	case DN_ELIMIT:
		return 413;
	case DN_EBUSY:
		return 409;
	default:
		return 503;
	}
}

static void send_summary(struct upload *up, struct server_response *res)
{
	json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:I, s:I, s:I, s:I}, s:O, s:O}",
	                        "source", up->source, "input", up->input, "kind", up->kind,
	                        "format", up->format,
	                        "read", (json_int_t)up->read, "stored", "records",
	                        (json_int_t)up->records, "negatives", (json_int_t)up->negatives,
	                        "whois", (json_int_t)up->whois, "certificates",
	                        (json_int_t)up->certificates, "warnings", up->warnings, "errors",
	                        up->errors);
	if (obj == NULL) {
		server_error(res, 503, "out of memory writing the response");
		return;
	}
	json_dumpf(obj, res->body, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', res->body);
	json_decref(obj);
}

/* ---- captures, dnstap and logs ---- */

/* Write the body to a new file of mode 0600 in $TMPDIR (else /tmp); path
 * gets its name. */
static dn_status write_temporary(const struct server_request *req, char *path, size_t size,
                                 struct dn_error *err)
{
	const char *dir = getenv("TMPDIR");
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	snprintf(path, size, "%s/dragnet-upload-XXXXXX", dir);
	int fd = mkstemp(path); /* creates the file with mode 0600 */
	if (fd < 0) {
		int saved = errno;
		path[0] = '\0';
		return dn_fail(err, DN_EIO, "cannot create a temporary file in %s: %s", dir,
		               strerror(saved));
	}
	size_t done = 0;
	while (done < req->body_len) {
		ssize_t n = write(fd, req->body + done, req->body_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = n < 0 ? errno : ENOSPC;
			close(fd);
			unlink(path);
			path[0] = '\0';
			return dn_fail(err, DN_EIO, "cannot write the body to a temporary file in %s: %s",
			               dir, strerror(saved));
		}
		done += (size_t)n;
	}
	if (close(fd) != 0) {
		int saved = errno;
		unlink(path);
		path[0] = '\0';
		return dn_fail(err, DN_EIO, "cannot write the body to a temporary file in %s: %s",
		               dir, strerror(saved));
	}
	return DN_OK;
}

static void upload_capture(struct upload *up, enum feed_format format,
                           struct server_response *res)
{
	up->kind = "pdns";
	struct dn_error err = {0};
	char path[4096];
	dn_status rc = write_temporary(up->req, path, sizeof(path), &err);
	if (rc != DN_OK) {
		server_error(res, 503, "%s", err.msg);
		return;
	}

	struct ingest_options options;
	ingest_options_default(&options);
	options.source = up->source;
	options.format = format;
	options.input_name = up->input;
	options.api_upload = true;
	struct ingest *ing;
	/* NOTE: ingest_file() registers the source and the run before it reads
	 * a line, so a body in a named format of which nothing can be read
	 * gets 400 but leaves both in the store. */
	rc = ingest_new(up->req->store, &options, &ing, &err);
	if (rc != DN_OK) {
		unlink(path);
		server_error(res, status_for(rc), "%s", err.msg);
		return;
	}
	rc = ingest_file(ing, path, &err);
	unlink(path);
	const struct ingest_counters *c = ingest_last(ing);
	snprintf(up->format, sizeof(up->format), "%s", c->format);
	up->read = c->packets;
	up->records = c->rrsets_written;
	up->negatives = c->negatives_written;
	ingest_warnings(c, add_warning, up);
	ingest_free(ing);

	struct dn_error sync_err;
	dn_status synced = store_sync(up->req->store, &sync_err);
	char msg[sizeof(err.msg)];
	if (rc != DN_OK)
		hide_path(err.msg, path, msg, sizeof(msg));
	bool stored = up->records + up->negatives > 0;
	if (rc != DN_OK && !stored) {
		server_error(res, status_for(rc), "%s", msg);
		return;
	}
	if (rc != DN_OK)
		add_text(up->errors, msg);
	if (synced != DN_OK) {
		server_error(res, 503, "%s", sync_err.msg);
		return;
	}
	send_summary(up, res);
}

/* ---- certificates ---- */

static void upload_certs(struct upload *up, enum x509_format format, const uint8_t *buf,
                         struct server_response *res)
{
	up->kind = "certificates";
	snprintf(up->format, sizeof(up->format), "%s", x509_format_name(format));
	struct cert_file file = {
		.path = "request body",
		.input = up->input,
		.detail = "api upload",
		.source = up->source,
		.source_kind = "provider",
		.size = -1,
		.mtime_ns = -1,
		.seen = time_now(),
		.format = format,
	};
	struct dn_error err = {0};
	struct cert_run run;
	dn_status rc = cert_import_start(up->req->store, &file, &run, &err);
	struct cert_import_counts counts = {0};
	if (rc == DN_OK)
		rc = cert_import_buffer(up->req->store, &file, &run, buf, up->req->body_len, &counts,
		                        &err);
	if (rc == DN_OK)
		rc = store_sync(up->req->store, &err);
	if (rc != DN_OK) {
		server_error(res, status_for(rc), "%s", err.msg);
		return;
	}
	up->read = counts.certs + counts.partial + counts.bad;
	up->certificates = counts.certs + counts.partial;
	if (counts.bad > 0) {
		char text[128];
		snprintf(text, sizeof(text), "%llu malformed items skipped",
		         (unsigned long long)counts.bad);
		add_text(up->warnings, text);
	}
	if (up->certificates == 0) {
		server_error(res, 400, "request body: %s, no certificate stored: %llu malformed",
		             up->format, (unsigned long long)counts.bad);
		return;
	}
	send_summary(up, res);
}

/* ---- WHOIS and RDAP ---- */

static void upload_whois(struct upload *up, const char *format_name, const char *buf,
                         struct server_response *res)
{
	up->kind = "whois";
	enum whois_format format = WHOIS_FORMAT_AUTO;
	if (format_name != NULL && strcmp(format_name, "text") == 0)
		format = WHOIS_FORMAT_TEXT;
	else if (format_name != NULL && strcmp(format_name, "rdap") == 0)
		format = WHOIS_FORMAT_RDAP;
	else if (format_name != NULL) {
		server_error(res, 400, "format: unknown WHOIS format '%s' (give text or rdap)",
		             format_name);
		return;
	}

	/* As with dragnet whois --domain: the A-label, lower-case, no final dot. */
	const char *domain = server_arg(up->req, "domain");
	char domain_key[256];
	if (domain != NULL && !whois_domain_key(domain, domain_key, sizeof(domain_key))) {
		server_error(res, 400, "domain: '%s' is not a domain name", domain);
		return;
	}
	struct whois_text_hints hints = {domain != NULL ? domain_key : NULL, NULL};
	struct arena arena;
	arena_init(&arena, 64 * 1024);
	struct whois_record rec;
	enum whois_format used;
	struct dn_error err = {0};
	dn_status rc = whois_parse_response(buf, up->req->body_len, format, &hints, &arena, &rec,
	                                    &used, &err);
	if (rc != DN_OK) {
		arena_free(&arena);
		server_error(res, 400, "request body: not stored: %s", err.msg);
		return;
	}
	snprintf(up->format, sizeof(up->format), "%s", whois_format_name(used));
	up->read = 1;
	int64_t observed =
	        rec.database_updated != WHOIS_TIME_UNSET ? rec.database_updated : time_now();

	struct store *store = up->req->store;
	uint32_t source_id;
	/* The source is registered inside the transaction, so that a record
	 * rejected below leaves no source behind. */
	rc = store_begin(store, &err);
	if (rc == DN_OK) {
		rc = store_source_id(store, up->source, "provider", &source_id, &err);
		if (rc == DN_OK)
			rc = whois_store_record(store, source_id, &rec, buf, up->req->body_len,
			                        observed, &err);
		if (rc == DN_OK)
			rc = store_commit(store, &err);
		else
			store_rollback(store);
	}
	if (rc == DN_OK)
		rc = store_sync(store, &err);
	arena_free(&arena);
	if (rc == DN_EINVAL) {
		server_error(res, 400, "request body: not stored: %s; give &domain=NAME", err.msg);
		return;
	}
	if (rc != DN_OK) {
		server_error(res, status_for(rc), "%s", err.msg);
		return;
	}
	up->whois = 1;
	send_summary(up, res);
}

/* ---- the route ---- */

/* Read the parameters and pick the reader: kind=whois, a named or detected
 * certificate format, else the ingest pipeline. */
static void dispatch(struct upload *up, struct server_response *res, const uint8_t *buf)
{
	const char *kind = server_arg(up->req, "kind");
	const char *format_name = server_arg(up->req, "format");
	if (kind != NULL && strcmp(kind, "whois") == 0) {
		upload_whois(up, format_name, (const char *)buf, res);
		return;
	}
	if (kind != NULL && strcmp(kind, "pdns") != 0 && strcmp(kind, "certificates") != 0) {
		server_error(res, 400, "kind: unknown value '%s' (give pdns, certificates or whois; "
		                       "without it the body's content decides)",
		             kind);
		return;
	}

	enum feed_format feed = FEED_UNKNOWN;
	enum x509_format cert = X509_FORMAT_NONE;
	if (format_name != NULL) {
		static const struct {
			const char *name;
			enum x509_format format;
		} cert_names[] = {
			{"pem", X509_FORMAT_PEM},
			{"der", X509_FORMAT_DER},
			{"ct", X509_FORMAT_CT_JSON},
			{"crtsh", X509_FORMAT_CRTSH},
		};
		for (size_t i = 0; i < sizeof(cert_names) / sizeof(cert_names[0]); i++) {
			if (strcmp(format_name, cert_names[i].name) == 0)
				cert = cert_names[i].format;
		}
		feed = feed_format_from_name(format_name);
		if (feed == FEED_UNKNOWN && cert == X509_FORMAT_NONE) {
			server_error(res, 400,
			             "format: unknown value '%s' (zeek-tsv, zeek-json, eve, passivedns, "
			             "cof, saf, pem, der, ct or crtsh; with kind=whois: text or rdap)",
			             format_name);
			return;
		}
	} else if (kind == NULL || strcmp(kind, "certificates") == 0) {
		size_t head = up->req->body_len < CERT_DETECT_BYTES ? up->req->body_len
		                                                     : CERT_DETECT_BYTES;
		cert = x509_detect(buf, head);
	}
	/* A named certificate format is checked against the body before the
	 * import registers a source and a run for it. */
	if (format_name != NULL && cert != X509_FORMAT_NONE) {
		size_t head = up->req->body_len < CERT_DETECT_BYTES ? up->req->body_len
		                                                     : CERT_DETECT_BYTES;
		if (x509_detect(buf, head) == X509_FORMAT_NONE) {
			server_error(res, 400, "request body: format=%s, but no certificate input "
			                       "(PEM, DER, CT get-entries JSON or crt.sh JSON) found",
			             format_name);
			return;
		}
	}
	if (kind != NULL && strcmp(kind, "certificates") == 0 && cert == X509_FORMAT_NONE) {
		server_error(res, 400, "request body: not a certificate input (PEM, DER, CT "
		                       "get-entries JSON or crt.sh JSON)");
		return;
	}
	if (cert != X509_FORMAT_NONE && (kind == NULL || strcmp(kind, "pdns") != 0))
		upload_certs(up, cert, buf, res);
	else
		upload_capture(up, feed, res);
}

/* Write the run's input for this upload into up->input: "api upload
 * NAME" for the name parameter, else "api upload sha256:" and the hex
 * SHA-256 of the body. Returns false after an error response. */
static bool name_upload(struct upload *up, struct server_response *res)
{
	const char *name = server_arg(up->req, "name");
	if (name != NULL) {
		size_t len = strlen(name);
		if (len == 0 || len > UPLOAD_NAME_MAX) {
			server_error(res, 400, "name: expected 1 to %d bytes, got %zu", UPLOAD_NAME_MAX,
			             len);
			return false;
		}
		char reason[80];
		if (!ingest_name_check(name, reason, sizeof(reason))) {
			server_error(res, 400, "name: %s; %s", reason, INGEST_NAME_ADVICE);
			return false;
		}
		json_t *text = json_string(name); /* NULL for invalid UTF-8 */
		if (text == NULL) {
			server_error(res, 400, "name: not valid UTF-8");
			return false;
		}
		json_decref(text);
		snprintf(up->input, sizeof(up->input), "api upload %s", name);
		return true;
	}
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	if (EVP_Digest(up->req->body, up->req->body_len, digest, &digest_len, EVP_sha256(),
	               NULL) != 1) {
		server_error(res, 503, "SHA-256 of the request body failed");
		return false;
	}
	int n = snprintf(up->input, sizeof(up->input), "api upload sha256:");
	for (unsigned int i = 0; i < digest_len && (size_t)n + 3 <= sizeof(up->input); i++)
		n += snprintf(up->input + n, sizeof(up->input) - (size_t)n, "%02x", digest[i]);
	return true;
}

static void ingest_upload(struct server_request *req, struct server_response *res)
{
	const char *source = server_arg(req, "source");
	if (source == NULL || source[0] == '\0') {
		server_error(res, 400, "source: missing; name the sensor or provider of the data, "
		                       "as with dragnet ingest --source");
		return;
	}
	if (strlen(source) > SOURCE_MAX) {
		server_error(res, 400, "source: longer than %d bytes", SOURCE_MAX);
		return;
	}
	char reason[80];
	if (!ingest_name_check(source, reason, sizeof(reason))) {
		server_error(res, 400, "source: %s; %s", reason, INGEST_NAME_ADVICE);
		return;
	}
	if (req->body_len == 0) {
		server_error(res, 400, "request body: empty; send the file as the body");
		return;
	}
	/* The certificate and WHOIS readers expect a NUL after the data, as
	 * the commands' file readers leave one. */
	uint8_t *buf = malloc(req->body_len + 1);
	if (buf == NULL) {
		server_error(res, 503, "out of memory for the request body");
		return;
	}
	memcpy(buf, req->body, req->body_len);
	buf[req->body_len] = '\0';

	struct upload up = {
		.req = req,
		.source = source,
		.kind = "pdns",
		.warnings = json_array(),
		.errors = json_array(),
	};
	if (up.warnings == NULL || up.errors == NULL) {
		server_error(res, 503, "out of memory");
	} else if (name_upload(&up, res)) {
		pthread_mutex_lock(&upload_lock);
		dispatch(&up, res, buf);
		pthread_mutex_unlock(&upload_lock);
		/* The source name comes from the request: no control bytes in logs. */
		char shown[SOURCE_MAX + 1];
		size_t n = 0;
		for (; source[n] != '\0'; n++)
			shown[n] = (unsigned char)source[n] < 0x20 || source[n] == 0x7f ? '?' : source[n];
		shown[n] = '\0';
		log_info("upload '%s' by key %s as source '%s': %s %s, %llu records, %llu "
		         "negatives, %llu WHOIS, %llu certificates, status %d",
		         up.input, req->key_id[0] ? req->key_id : "-", shown, up.kind, up.format,
		         (unsigned long long)up.records, (unsigned long long)up.negatives,
		         (unsigned long long)up.whois, (unsigned long long)up.certificates,
		         res->status);
	}
	json_decref(up.warnings);
	json_decref(up.errors);
	free(buf);
}

static const struct server_param ingest_params[] = {
	{"source", false}, {"format", false}, {"kind", false}, {"domain", false},
	{"name", false},   {NULL, false},
};

const struct server_route server_ingest_routes[] = {
	{"POST", "/api/v1/ingest", true, SERVER_ROLE_WRITE, ingest_upload, ingest_params},
	{NULL, NULL, false, SERVER_ROLE_NONE, NULL, NULL},
};
