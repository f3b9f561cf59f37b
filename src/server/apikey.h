/* API keys of `dragnet serve`: the keys file, key generation and checking.
 *
 * A key is "ID.SECRET": ID is 12 lower-case hex digits that name the key in
 * logs and in `dragnet apikey list`, SECRET is 64 hex digits (32 bytes from
 * the OpenSSL random generator). The keys file stores, one key a line,
 * tab-separated:
 *
 *   ID  ROLE  SALT  HASH  CREATED  REVOKED  NAME
 *
 * ROLE is "read" or "write", and SALT is 32 hex digits (16 random bytes).
 * HASH is the hex SHA-256 of SALT's bytes followed by the whole key text.
 * CREATED and REVOKED are epoch seconds, with REVOKED 0 while the key is
 * valid. NAME is free text without control characters, possibly empty. Lines starting with '#' and
 * blank lines are comments. The plain key is never stored.
 *
 * One SHA-256, not a slow password hash, is enough because the secret has
 * 256 bits of entropy, so no dictionary applies, and the server checks a key
 * on every request. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/server.h"
#include "util/status.h"

#define APIKEY_ID_HEX 12
#define APIKEY_SECRET_HEX 64
#define APIKEY_SALT_BYTES 16
#define APIKEY_HASH_BYTES 32
#define APIKEY_NAME_MAX 128 /* bytes of a name, terminator included */
/* "ID.SECRET" and its terminator. */
#define APIKEY_TEXT_MAX (APIKEY_ID_HEX + 1 + APIKEY_SECRET_HEX + 1)
/* One formatted keys-file line, line end and terminator included. */
#define APIKEY_LINE_MAX 512

struct apikey {
	char id[APIKEY_ID_HEX + 1];
	enum server_role role;     /* SERVER_ROLE_READ or SERVER_ROLE_WRITE */
	uint8_t salt[APIKEY_SALT_BYTES];
	uint8_t hash[APIKEY_HASH_BYTES];
	int64_t created;           /* epoch seconds */
	int64_t revoked;           /* epoch seconds; 0 while valid */
	char name[APIKEY_NAME_MAX];
};

/* The keys of one keys file, in file order. */
struct apikey_set {
	struct apikey *keys;
	size_t n;
	size_t cap;
};

/* Outcome of checking a presented key. */
enum apikey_result {
	APIKEY_OK,
	APIKEY_MALFORMED, /* not of the form ID.SECRET */
	APIKEY_UNKNOWN,   /* no key has that ID */
	APIKEY_WRONG,     /* the ID exists but the secret differs */
	APIKEY_REVOKED,
	APIKEY_WRONG_USER, /* the key is right but the Basic user is not its ID */
};

/* Parse the text of a keys file into set, which must be zeroed or freed.
 * Pure: no I/O. On failure, returns DN_EMALF (DN_ENOMEM when memory runs
 * out), sets *line to the 1-based line at fault and names the field in
 * err. The caller adds the file name. On success *line is 0. Either way set
 * holds the keys parsed so far; free it with apikey_set_free(). */
dn_status apikey_parse(const char *text, size_t len, struct apikey_set *set, unsigned *line,
                       struct dn_error *err);

void apikey_set_free(struct apikey_set *set);

/* Write key as one keys-file line ending in '\n' into out. Returns DN_EINVAL
 * when the key has a field that apikey_parse() would reject (a name with a
 * tab), DN_ELIMIT when out is too small. */
dn_status apikey_format(const struct apikey *key, char *out, size_t size, struct dn_error *err);

/* Check that name may be a key's name: at most APIKEY_NAME_MAX - 1 bytes, no
 * control characters. */
bool apikey_name_valid(const char *name);

/* Make a new key with the given role, name and creation time, with ID,
 * secret and salt from RAND_bytes(). Writes the key text "ID.SECRET" to
 * text, which the caller shows once and then wipes. Fails with DN_EIO
 * when the random generator fails and DN_EINVAL for an invalid name. */
dn_status apikey_generate(enum server_role role, const char *name, int64_t now,
                          struct apikey *key, char text[APIKEY_TEXT_MAX], struct dn_error *err);

/* Check the presented key text. user, when not NULL, is the user name of
 * HTTP Basic authentication, which must equal the key's ID. The secret is
 * compared through its hash in constant time. *match is the key whose ID
 * the text names (NULL for APIKEY_MALFORMED and APIKEY_UNKNOWN). */
enum apikey_result apikey_check(const struct apikey_set *set, const char *text, const char *user,
                                const struct apikey **match);

/* Find the key with this ID, or NULL. */
const struct apikey *apikey_find(const struct apikey_set *set, const char *id);

/* Role name "read" or "write". */
const char *apikey_role_name(enum server_role role);

/* Read and parse the keys file at path. A missing file gives DN_ENOENT;
 * a malformed one DN_EMALF with "PATH:LINE: ..." in err. */
dn_status apikey_load(const char *path, struct apikey_set *set, struct dn_error *err);

/* Append key to the keys file at path, creating the file (mode 0600 whatever
 * the umask) with a comment line that names the fields when it is missing.
 * Holds an exclusive flock() on the file while writing. */
dn_status apikey_append(const char *path, const struct apikey *key, struct dn_error *err);

/* Mark the key with this ID revoked at now and rewrite the keys file
 * through a temporary file and rename(). DN_ENOENT when no key has that
 * ID. A key revoked before keeps its time and the file stays as it was:
 * *revoked_before gets that time, and 0 when this call revoked the key. */
dn_status apikey_revoke(const char *path, const char *id, int64_t now, int64_t *revoked_before,
                        struct dn_error *err);

/* Write a warning into msg and return true when the keys file at path
 * may be read or written by its group or other users (mode bits 077),
 * which should not see the key IDs and hashes. False when the file is
 * private or cannot be examined. */
bool apikey_mode_warning(const char *path, char *msg, size_t size);
