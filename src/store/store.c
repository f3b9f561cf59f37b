/* Backend selection and the default store location. */
#include "store/store.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xxhash.h>

#include <openssl/evp.h>

#include "store/clickhouse/ch_store.h"
#include "store/clickhouse/ch_url.h"
#include "store/sqlite/sqlite_store.h"

dn_status store_open(const char *location, enum store_mode mode,
                     const struct store_options *options, struct store **store,
                     struct dn_error *err)
{
	static const struct store_options defaults = {0};
	if (options == NULL)
		options = &defaults;

	/* Scheme names are case-insensitive (RFC 3986). */
	if (strncasecmp(location, "sqlite:", 7) == 0)
		return sqlite_store_open(location + 7, mode, options, store, err);

	if (strncasecmp(location, "clickhouse://", 13) == 0) {
		char normal[4096];
		snprintf(normal, sizeof(normal), "clickhouse://%s", location + 13);
		return ch_store_open(normal, mode, options, store, err);
	}

	/* "clickhouse:/host/db" would otherwise become a SQLite file. */
	const char *scheme_end = strstr(location, "://");
	if (scheme_end != NULL || strncasecmp(location, "clickhouse:", 11) == 0) {
		char safe[1200];
		ch_mask_password(location, safe, sizeof(safe));
		return dn_fail(err, DN_ENOTSUP,
		               "unsupported store '%s': use a file path, sqlite:PATH or "
		               "clickhouse://HOST:PORT/DATABASE",
		               safe);
	}
	return sqlite_store_open(location, mode, options, store, err);
}

dn_status store_check_location(const char *location, struct dn_error *err)
{
	if (strncasecmp(location, "clickhouse://", 13) != 0)
		return DN_OK;
	char normal[4096];
	snprintf(normal, sizeof(normal), "clickhouse://%s", location + 13);
	struct ch_location loc;
	return ch_location_parse(normal, &loc, err);
}

void store_close(struct store *store)
{
	if (store != NULL)
		store->ops->close(store);
}

dn_status store_default_location(char *out, size_t size, struct dn_error *err)
{
	const char *data_home = getenv("XDG_DATA_HOME");
	int n;
	if (data_home != NULL && data_home[0] == '/') {
		n = snprintf(out, size, "%s/dragnet/dragnet.db", data_home);
	} else {
		const char *home = getenv("HOME");
		if (home == NULL || home[0] == '\0') {
			struct passwd *pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home == NULL)
			return dn_fail(err, DN_EINVAL,
			               "cannot find a home directory for the default database; "
			               "set --db, DRAGNET_DB or XDG_DATA_HOME");
		n = snprintf(out, size, "%s/.local/share/dragnet/dragnet.db", home);
	}
	if (n < 0 || (size_t)n >= size)
		return dn_fail(err, DN_EINVAL, "default database path is too long");
	return DN_OK;
}

void store_whois_hash(const struct store_whois *doc, uint8_t out[16])
{
	static const uint8_t zero[16];
	if (memcmp(doc->hash, zero, sizeof(zero)) != 0) {
		memcpy(out, doc->hash, 16);
		return;
	}
	XXH128_canonical_t canonical;
	XXH128_canonicalFromHash(&canonical, XXH3_128bits(doc->document, strlen(doc->document)));
	memcpy(out, canonical.digest, 16);
}

void store_cert_partial_key(const char *issuer, const char *serial, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 32;
	bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	          EVP_DigestUpdate(md, "partial", sizeof("partial")) == 1 &&
	          EVP_DigestUpdate(md, issuer, strlen(issuer) + 1) == 1 &&
	          EVP_DigestUpdate(md, serial, strlen(serial)) == 1 &&
	          EVP_DigestFinal_ex(md, out, &len) == 1;
	EVP_MD_CTX_free(md);
	/* NOTE: SHA-256 fails only when OpenSSL cannot allocate; the key is
	 * then all zero, which no certificate's hash is in practice. */
	if (!ok)
		memset(out, 0, 32);
}

static unsigned __int128 key_value(const ip_key *key)
{
	unsigned __int128 v = 0;
	for (int i = 0; i < 16; i++)
		v = (v << 8) | key->b[i];
	return v;
}

bool store_asn_range_wins(const struct asn_range *a, uint32_t a_source, int64_t a_load,
                          const struct asn_range *b, uint32_t b_source, int64_t b_load)
{
	unsigned __int128 a_size = key_value(&a->hi) - key_value(&a->lo);
	unsigned __int128 b_size = key_value(&b->hi) - key_value(&b->lo);
	if (a_size != b_size)
		return a_size < b_size;
	if (a_load != b_load)
		return a_load > b_load;
	if (a_source != b_source)
		return a_source > b_source;
	return memcmp(a->lo.b, b->lo.b, sizeof(a->lo.b)) > 0;
}
