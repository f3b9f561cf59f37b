/* API keys: the keys-file parser and writer, key generation and checking. */
#include "server/apikey.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util/hex.h"

#define APIKEY_FIELDS 7

static const char apikey_file_header[] =
	"# dragnet API keys, one a line, tab-separated: id, role, salt, "
	"sha256(salt || key), created, revoked (0 while valid), name\n";

const char *apikey_role_name(enum server_role role)
{
	if (role == SERVER_ROLE_WRITE)
		return "write";
	if (role == SERVER_ROLE_READ)
		return "read";
	return "none";
}

bool apikey_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len >= APIKEY_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool parse_hex(const char *text, size_t len, uint8_t *out, size_t bytes)
{
	if (len != 2 * bytes)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_lower_hex(text[i]))
			return false;
	}
	for (size_t i = 0; i < bytes; i++)
		out[i] = (uint8_t)(hex_digit_value(text[2 * i]) << 4 | hex_digit_value(text[2 * i + 1]));
	return true;
}

static void format_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool valid_id(const char *text, size_t len)
{
	if (len != APIKEY_ID_HEX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_lower_hex(text[i]))
			return false;
	}
	return true;
}

/* Parse a non-negative decimal epoch time of at most 18 digits. */
static bool parse_time(const char *text, size_t len, int64_t *out)
{
	if (len == 0 || len > 18)
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (text[i] - '0');
	}
	*out = v;
	return true;
}

struct field {
	const char *p;
	size_t len;
};

/* Split one line (without its line end) at tabs; returns the field count,
 * or APIKEY_FIELDS + 1 when there are more. */
static size_t split_fields(const char *line, size_t len, struct field *fields)
{
	size_t n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != '\t')
			continue;
		if (n == APIKEY_FIELDS)
			return APIKEY_FIELDS + 1;
		fields[n].p = line + start;
		fields[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static dn_status parse_line(const char *line, size_t len, struct apikey *key, struct dn_error *err)
{
	struct field f[APIKEY_FIELDS];
	size_t n = split_fields(line, len, f);
	if (n != APIKEY_FIELDS)
		return dn_fail(err, DN_EMALF, "%s fields, expected %d separated by tabs",
		               n > APIKEY_FIELDS ? "too many" : "too few", APIKEY_FIELDS);

	memset(key, 0, sizeof(*key));
	if (!valid_id(f[0].p, f[0].len))
		return dn_fail(err, DN_EMALF, "id: not %d lower-case hex digits", APIKEY_ID_HEX);
	memcpy(key->id, f[0].p, f[0].len);

	if (f[1].len == 4 && memcmp(f[1].p, "read", 4) == 0)
		key->role = SERVER_ROLE_READ;
	else if (f[1].len == 5 && memcmp(f[1].p, "write", 5) == 0)
		key->role = SERVER_ROLE_WRITE;
	else
		return dn_fail(err, DN_EMALF, "role: not 'read' or 'write'");

	if (!parse_hex(f[2].p, f[2].len, key->salt, sizeof(key->salt)))
		return dn_fail(err, DN_EMALF, "salt: not %zu lower-case hex digits",
		               2 * sizeof(key->salt));
	if (!parse_hex(f[3].p, f[3].len, key->hash, sizeof(key->hash)))
		return dn_fail(err, DN_EMALF, "hash: not %zu lower-case hex digits",
		               2 * sizeof(key->hash));
	if (!parse_time(f[4].p, f[4].len, &key->created))
		return dn_fail(err, DN_EMALF, "created: not a time in epoch seconds");
	if (!parse_time(f[5].p, f[5].len, &key->revoked))
		return dn_fail(err, DN_EMALF, "revoked: not a time in epoch seconds or 0");

	if (f[6].len >= sizeof(key->name))
		return dn_fail(err, DN_EMALF, "name: longer than %d bytes", APIKEY_NAME_MAX - 1);
	memcpy(key->name, f[6].p, f[6].len);
	key->name[f[6].len] = '\0';
	if (strlen(key->name) != f[6].len || !apikey_name_valid(key->name))
		return dn_fail(err, DN_EMALF, "name: contains a control character");
	return DN_OK;
}

static dn_status set_add(struct apikey_set *set, const struct apikey *key, struct dn_error *err)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 8;
		struct apikey *keys = realloc(set->keys, cap * sizeof(*keys));
		if (keys == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory reading API keys");
		set->keys = keys;
		set->cap = cap;
	}
	set->keys[set->n++] = *key;
	return DN_OK;
}

dn_status apikey_parse(const char *text, size_t len, struct apikey_set *set, unsigned *line,
                       struct dn_error *err)
{
	*line = 0;
	size_t pos = 0;
	unsigned lineno = 0;
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n == 0 || start[0] == '#')
			continue;

		struct apikey key;
		dn_status rc = parse_line(start, n, &key, err);
		if (rc == DN_OK && apikey_find(set, key.id) != NULL)
			rc = dn_fail(err, DN_EMALF, "id %s: listed twice", key.id);
		if (rc == DN_OK)
			rc = set_add(set, &key, err);
		if (rc != DN_OK) {
			*line = lineno;
			return rc;
		}
	}
	return DN_OK;
}

void apikey_set_free(struct apikey_set *set)
{
	free(set->keys);
	memset(set, 0, sizeof(*set));
}

dn_status apikey_format(const struct apikey *key, char *out, size_t size, struct dn_error *err)
{
	if (!valid_id(key->id, strlen(key->id)))
		return dn_fail(err, DN_EINVAL, "key id '%s': not %d lower-case hex digits", key->id,
		               APIKEY_ID_HEX);
	if (key->role != SERVER_ROLE_READ && key->role != SERVER_ROLE_WRITE)
		return dn_fail(err, DN_EINVAL, "key %s: role is neither read nor write", key->id);
	if (!apikey_name_valid(key->name))
		return dn_fail(err, DN_EINVAL, "key %s: the name contains a control character",
		               key->id);
	if (key->created < 0 || key->revoked < 0 || key->created > 999999999999999999 ||
	    key->revoked > 999999999999999999)
		return dn_fail(err, DN_EINVAL, "key %s: a time is out of range", key->id);

	char salt[2 * APIKEY_SALT_BYTES + 1], hash[2 * APIKEY_HASH_BYTES + 1];
	format_hex(key->salt, sizeof(key->salt), salt);
	format_hex(key->hash, sizeof(key->hash), hash);
	int n = snprintf(out, size, "%s\t%s\t%s\t%s\t%" PRId64 "\t%" PRId64 "\t%s\n", key->id,
	                 apikey_role_name(key->role), salt, hash, key->created, key->revoked,
	                 key->name);
	if (n < 0 || (size_t)n >= size)
		return dn_fail(err, DN_ELIMIT, "key %s: line longer than %zu bytes", key->id, size);
	return DN_OK;
}

static bool hash_key(const uint8_t salt[APIKEY_SALT_BYTES], const char *text,
                     uint8_t out[APIKEY_HASH_BYTES])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	          EVP_DigestUpdate(ctx, salt, APIKEY_SALT_BYTES) == 1 &&
	          EVP_DigestUpdate(ctx, text, strlen(text)) == 1 &&
	          EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == APIKEY_HASH_BYTES;
	EVP_MD_CTX_free(ctx);
	return ok;
}

dn_status apikey_generate(enum server_role role, const char *name, int64_t now,
                          struct apikey *key, char text[APIKEY_TEXT_MAX], struct dn_error *err)
{
	if (!apikey_name_valid(name))
		return dn_fail(err, DN_EINVAL,
		               "key name: longer than %d bytes or contains a control character",
		               APIKEY_NAME_MAX - 1);

	uint8_t id[APIKEY_ID_HEX / 2], secret[APIKEY_SECRET_HEX / 2];
	memset(key, 0, sizeof(*key));
	if (RAND_bytes(id, sizeof(id)) != 1 || RAND_bytes(secret, sizeof(secret)) != 1 ||
	    RAND_bytes(key->salt, sizeof(key->salt)) != 1)
		return dn_fail(err, DN_EIO, "the OpenSSL random generator failed");

	format_hex(id, sizeof(id), key->id);
	char secret_hex[APIKEY_SECRET_HEX + 1];
	format_hex(secret, sizeof(secret), secret_hex);
	snprintf(text, APIKEY_TEXT_MAX, "%s.%s", key->id, secret_hex);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(secret_hex, sizeof(secret_hex));

	key->role = role;
	key->created = now;
	snprintf(key->name, sizeof(key->name), "%s", name);
	if (!hash_key(key->salt, text, key->hash)) {
		OPENSSL_cleanse(text, APIKEY_TEXT_MAX);
		return dn_fail(err, DN_EIO, "SHA-256 of the new key failed in OpenSSL");
	}
	return DN_OK;
}

const struct apikey *apikey_find(const struct apikey_set *set, const char *id)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->keys[i].id, id) == 0)
			return &set->keys[i];
	}
	return NULL;
}

enum apikey_result apikey_check(const struct apikey_set *set, const char *text, const char *user,
                                const struct apikey **match)
{
	*match = NULL;
	const char *dot = strchr(text, '.');
	if (dot == NULL || !valid_id(text, (size_t)(dot - text)) ||
	    strlen(dot + 1) != APIKEY_SECRET_HEX)
		return APIKEY_MALFORMED;

	/* The ID is not secret, so finding it by comparison leaks nothing. */
	char id[APIKEY_ID_HEX + 1];
	memcpy(id, text, APIKEY_ID_HEX);
	id[APIKEY_ID_HEX] = '\0';
	const struct apikey *key = apikey_find(set, id);
	if (key == NULL)
		return APIKEY_UNKNOWN;
	*match = key;

	uint8_t hash[APIKEY_HASH_BYTES];
	if (!hash_key(key->salt, text, hash))
		return APIKEY_WRONG;
	if (CRYPTO_memcmp(hash, key->hash, sizeof(hash)) != 0)
		return APIKEY_WRONG;
	if (key->revoked != 0)
		return APIKEY_REVOKED;
	if (user != NULL && strcmp(user, key->id) != 0)
		return APIKEY_WRONG_USER;
	return APIKEY_OK;
}

/* ---- the keys file ---- */

/* Read the whole of fd into a NUL-terminated buffer that the caller frees. */
static dn_status read_all(int fd, const char *path, char **out, size_t *len, struct dn_error *err)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading %s", path);
	for (;;) {
		if (n + 1 == cap) {
			char *bigger = realloc(buf, 2 * cap);
			if (bigger == NULL) {
				free(buf);
				return dn_fail(err, DN_ENOMEM, "out of memory reading %s", path);
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(buf);
			return dn_fail(err, DN_EIO, "%s: read failed: %s", path, strerror(e));
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return DN_OK;
}

static dn_status parse_fd(int fd, const char *path, struct apikey_set *set, struct dn_error *err)
{
	char *text = NULL;
	size_t len = 0;
	dn_status rc = read_all(fd, path, &text, &len, err);
	if (rc != DN_OK)
		return rc;
	unsigned line;
	struct dn_error perr;
	rc = apikey_parse(text, len, set, &line, &perr);
	free(text);
	if (rc == DN_EMALF)
		return dn_fail(err, rc, "%s:%u: %s", path, line, perr.msg);
	if (rc != DN_OK)
		return dn_fail(err, rc, "%s: %s", path, perr.msg);
	return DN_OK;
}

dn_status apikey_load(const char *path, struct apikey_set *set, struct dn_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return dn_fail(err, e == ENOENT ? DN_ENOENT : DN_EIO, "%s: cannot open: %s", path,
		               strerror(e));
	}
	dn_status rc = parse_fd(fd, path, set, err);
	close(fd);
	return rc;
}

/* Open the keys file and take an exclusive lock on it. apikey_revoke()
 * replaces the file by rename(), so a lock won on a file that is no longer
 * at path is dropped and taken again on the new one. */
static dn_status open_locked(const char *path, bool create, int *out, struct dn_error *err)
{
	for (;;) {
		int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
		if (fd < 0) {
			int e = errno;
			return dn_fail(err, e == ENOENT ? DN_ENOENT : DN_EIO, "%s: cannot open: %s",
			               path, strerror(e));
		}
		if (flock(fd, LOCK_EX) != 0) {
			int e = errno;
			close(fd);
			return dn_fail(err, DN_EIO, "%s: cannot lock: %s", path, strerror(e));
		}
		struct stat held, current;
		if (fstat(fd, &held) == 0 && stat(path, &current) == 0 &&
		    held.st_ino == current.st_ino && held.st_dev == current.st_dev) {
			*out = fd;
			return DN_OK;
		}
		close(fd);
	}
}

static dn_status write_all(int fd, const char *path, const char *text, size_t len,
                           struct dn_error *err)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return dn_fail(err, DN_EIO, "%s: write failed: %s", path, strerror(errno));
		text += n;
		len -= (size_t)n;
	}
	return DN_OK;
}

dn_status apikey_append(const char *path, const struct apikey *key, struct dn_error *err)
{
	char line[APIKEY_LINE_MAX];
	dn_status rc = apikey_format(key, line, sizeof(line), err);
	if (rc != DN_OK)
		return rc;

	int fd;
	rc = open_locked(path, true, &fd, err);
	if (rc != DN_OK)
		return rc;

	/* Check the file before adding to it, so a damaged file is reported
	 * rather than extended, and an ID is never listed twice. */
	struct apikey_set set = {0};
	rc = parse_fd(fd, path, &set, err);
	if (rc == DN_OK && apikey_find(&set, key->id) != NULL)
		rc = dn_fail(err, DN_EINVAL, "%s: key id %s exists already; generate the key again",
		             path, key->id);
	struct stat sb;
	if (rc == DN_OK && fstat(fd, &sb) != 0)
		rc = dn_fail(err, DN_EIO, "%s: stat failed: %s", path, strerror(errno));
	/* A new file gets 0600 even where the umask would take the owner's
	 * write permission away. */
	if (rc == DN_OK && sb.st_size == 0 && fchmod(fd, 0600) != 0)
		rc = dn_fail(err, DN_EIO, "%s: chmod 600 failed: %s", path, strerror(errno));
	if (rc == DN_OK && sb.st_size == 0)
		rc = write_all(fd, path, apikey_file_header, strlen(apikey_file_header), err);
	if (rc == DN_OK && lseek(fd, 0, SEEK_END) < 0)
		rc = dn_fail(err, DN_EIO, "%s: seek failed: %s", path, strerror(errno));
	if (rc == DN_OK)
		rc = write_all(fd, path, line, strlen(line), err);
	if (rc == DN_OK && fsync(fd) != 0)
		rc = dn_fail(err, DN_EIO, "%s: fsync failed: %s", path, strerror(errno));
	apikey_set_free(&set);
	close(fd);
	return rc;
}

/* Write set to a temporary file beside path and rename it over path. */
static dn_status rewrite(const char *path, const struct apikey_set *set, struct dn_error *err)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= sizeof(tmp))
		return dn_fail(err, DN_EINVAL, "%s: path too long", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return dn_fail(err, DN_EIO, "%s: cannot create: %s", tmp, strerror(errno));

	dn_status rc = write_all(fd, tmp, apikey_file_header, strlen(apikey_file_header), err);
	for (size_t i = 0; rc == DN_OK && i < set->n; i++) {
		char line[APIKEY_LINE_MAX];
		rc = apikey_format(&set->keys[i], line, sizeof(line), err);
		if (rc == DN_OK)
			rc = write_all(fd, tmp, line, strlen(line), err);
	}
	if (rc == DN_OK && fsync(fd) != 0)
		rc = dn_fail(err, DN_EIO, "%s: fsync failed: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == DN_OK)
		rc = dn_fail(err, DN_EIO, "%s: close failed: %s", tmp, strerror(errno));
	if (rc == DN_OK && rename(tmp, path) != 0)
		rc = dn_fail(err, DN_EIO, "%s: rename to %s failed: %s", tmp, path, strerror(errno));
	if (rc != DN_OK)
		unlink(tmp);
	return rc;
}

dn_status apikey_revoke(const char *path, const char *id, int64_t now, int64_t *revoked_before,
                        struct dn_error *err)
{
	*revoked_before = 0;
	int fd;
	dn_status rc = open_locked(path, false, &fd, err);
	if (rc != DN_OK)
		return rc;

	struct apikey_set set = {0};
	rc = parse_fd(fd, path, &set, err);
	struct apikey *key = NULL;
	for (size_t i = 0; rc == DN_OK && i < set.n; i++) {
		if (strcmp(set.keys[i].id, id) == 0)
			key = &set.keys[i];
	}
	if (rc == DN_OK && key == NULL)
		rc = dn_fail(err, DN_ENOENT, "%s: no key with id '%s'; see dragnet apikey list",
		             path, id);
	if (rc == DN_OK && key->revoked != 0) {
		*revoked_before = key->revoked;
	} else if (rc == DN_OK) {
		key->revoked = now > 0 ? now : 1;
		rc = rewrite(path, &set, err);
	}
	apikey_set_free(&set);
	close(fd);
	return rc;
}

bool apikey_mode_warning(const char *path, char *msg, size_t size)
{
	struct stat sb;
	if (stat(path, &sb) != 0 || (sb.st_mode & 077) == 0)
		return false;
	snprintf(msg, size, "%s has mode %04o, so users other than its owner may read it; make it "
	                    "private with chmod 600 %s",
	         path, (unsigned)(sb.st_mode & 07777), path);
	return true;
}
