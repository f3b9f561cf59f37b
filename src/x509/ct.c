/* Certificate Transparency log entries (RFC 6962 sections 3.1, 3.4 and 4.6):
 * get-entries and get-entry-and-proof JSON, MerkleTreeLeaf and extra_data. */
#include "x509/ct.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

const char *ct_entry_type_name(enum ct_entry_type type)
{
	return type == CT_PRECERT_ENTRY ? "precert_entry" : "x509_entry";
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long ct_base64_decode(const char *text, size_t len, uint8_t *out)
{
	if (len % 4 != 0)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)text[i + k];
			if (c == '=' && last && k >= 2) {
				pad++;
				v[k] = 0;
				continue;
			}
			/* '=' only at the end, and nothing after it. */
			if (pad > 0)
				return -1;
			v[k] = base64_value(c);
			if (v[k] < 0)
				return -1;
		}
		uint32_t word = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
		                ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		/* The bits under the padding must be zero (RFC 4648 section 3.5). */
		if ((pad == 1 && (word & 0xff)) || (pad == 2 && (word & 0xffff)))
			return -1;
		out[n++] = (uint8_t)(word >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(word >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)word;
	}
	return (long)n;
}

/* A read cursor over TLS presentation-language data (RFC 8446 section 3). */
struct tls_reader {
	const uint8_t *p;
	size_t left;
};

static bool read_uint(struct tls_reader *r, size_t bytes, uint64_t *out)
{
	if (r->left < bytes)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < bytes; i++)
		v = (v << 8) | r->p[i];
	r->p += bytes;
	r->left -= bytes;
	*out = v;
	return true;
}

/* An opaque vector with a length prefix of prefix bytes. */
static bool read_vector(struct tls_reader *r, size_t prefix, struct ct_der *out)
{
	uint64_t len;
	if (!read_uint(r, prefix, &len) || len > r->left)
		return false;
	out->der = r->p;
	out->len = (size_t)len;
	r->p += len;
	r->left -= len;
	return true;
}

/* A list of ASN.1Cert<1..2^24-1> inside a vector<0..2^24-1>. */
static dn_status read_chain(struct tls_reader *r, struct arena *arena, struct ct_entry *out,
                            struct dn_error *err)
{
	struct ct_der list;
	if (!read_vector(r, 3, &list))
		return dn_fail(err, DN_EMALF, "extra_data chain length runs past the end");

	/* Count first, so the array is allocated once. */
	size_t count = 0;
	struct tls_reader walk = {list.der, list.len};
	struct ct_der cert;
	while (walk.left > 0) {
		if (!read_vector(&walk, 3, &cert) || cert.len == 0)
			return dn_fail(err, DN_EMALF, "extra_data chain certificate %zu is truncated",
			               count);
		count++;
	}
	if (count == 0)
		return DN_OK;

	struct ct_der *chain = arena_alloc(arena, count * sizeof(*chain));
	if (chain == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a chain of %zu certificates", count);
	walk = (struct tls_reader){list.der, list.len};
	for (size_t i = 0; i < count; i++)
		read_vector(&walk, 3, &chain[i]);
	out->chain = chain;
	out->n_chain = count;
	return DN_OK;
}

static dn_status decode_leaf(const uint8_t *leaf, size_t leaf_len, struct ct_entry *out,
                             struct dn_error *err)
{
	struct tls_reader r = {leaf, leaf_len};
	uint64_t version, leaf_type, timestamp, entry_type;
	if (!read_uint(&r, 1, &version) || !read_uint(&r, 1, &leaf_type) ||
	    !read_uint(&r, 8, &timestamp) || !read_uint(&r, 2, &entry_type))
		return dn_fail(err, DN_EMALF, "MerkleTreeLeaf is truncated (%zu bytes)", leaf_len);
	if (version != 0)
		return dn_fail(err, DN_ENOTSUP, "MerkleTreeLeaf version %u is not v1 (0)",
		               (unsigned)version);
	if (leaf_type != 0)
		return dn_fail(err, DN_ENOTSUP, "MerkleTreeLeaf type %u is not timestamped_entry (0)",
		               (unsigned)leaf_type);
	if (timestamp > INT64_MAX)
		return dn_fail(err, DN_EMALF, "MerkleTreeLeaf timestamp %llu is out of range",
		               (unsigned long long)timestamp);
	out->timestamp_ms = (int64_t)timestamp;

	if (entry_type == CT_X509_ENTRY) {
		out->type = CT_X509_ENTRY;
		if (!read_vector(&r, 3, &out->cert) || out->cert.len == 0)
			return dn_fail(err, DN_EMALF, "x509_entry certificate is truncated");
	} else if (entry_type == CT_PRECERT_ENTRY) {
		out->type = CT_PRECERT_ENTRY;
		if (r.left < sizeof(out->issuer_key_hash))
			return dn_fail(err, DN_EMALF, "precert_entry issuer_key_hash is truncated");
		memcpy(out->issuer_key_hash, r.p, sizeof(out->issuer_key_hash));
		r.p += sizeof(out->issuer_key_hash);
		r.left -= sizeof(out->issuer_key_hash);
		if (!read_vector(&r, 3, &out->precert_tbs) || out->precert_tbs.len == 0)
			return dn_fail(err, DN_EMALF, "precert_entry TBSCertificate is truncated");
	} else {
		return dn_fail(err, DN_ENOTSUP, "LogEntryType %u is neither x509_entry nor precert_entry",
		               (unsigned)entry_type);
	}

	if (!read_vector(&r, 2, &out->extensions))
		return dn_fail(err, DN_EMALF, "MerkleTreeLeaf extensions are truncated");
	if (r.left != 0)
		return dn_fail(err, DN_EMALF, "%zu bytes after the MerkleTreeLeaf", r.left);
	return DN_OK;
}

/* extra_data: PrecertChainEntry or the certificate_chain of an x509_entry. */
static dn_status decode_extra(const uint8_t *extra, size_t extra_len, struct arena *arena,
                              struct ct_entry *out, struct dn_error *err)
{
	struct tls_reader r = {extra, extra_len};
	if (out->type == CT_PRECERT_ENTRY &&
	    (!read_vector(&r, 3, &out->cert) || out->cert.len == 0))
		return dn_fail(err, DN_EMALF, "extra_data pre_certificate is truncated");
	dn_status rc = read_chain(&r, arena, out, err);
	if (rc)
		return rc;
	if (r.left != 0)
		return dn_fail(err, DN_EMALF, "%zu bytes after the extra_data chain", r.left);
	return DN_OK;
}

dn_status ct_decode_entry(const uint8_t *leaf, size_t leaf_len, const uint8_t *extra,
                          size_t extra_len, uint64_t index, struct arena *arena,
                          struct ct_entry *out, struct dn_error *err)
{
	memset(out, 0, sizeof(*out));
	out->index = index;
	dn_status rc = decode_leaf(leaf, leaf_len, out, err);
	if (rc)
		return rc;

	/* Leaf hash of RFC 6962 section 2.1: SHA-256 over 0x00 || leaf. */
	const uint8_t leaf_prefix = 0x00;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (md == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(md, &leaf_prefix, 1) || !EVP_DigestUpdate(md, leaf, leaf_len) ||
	    !EVP_DigestFinal_ex(md, out->leaf_hash, NULL)) {
		EVP_MD_CTX_free(md);
		return dn_fail(err, DN_ENOMEM, "SHA-256 of the leaf failed");
	}
	EVP_MD_CTX_free(md);

	if (extra == NULL || extra_len == 0)
		return DN_OK;
	struct dn_error extra_err = {0};
	rc = decode_extra(extra, extra_len, arena, out, &extra_err);
	if (rc == DN_ENOMEM)
		return dn_fail(err, rc, "%s", extra_err.msg);
	if (rc) {
		if (out->type == CT_PRECERT_ENTRY)
			out->cert = (struct ct_der){NULL, 0};
		out->chain = NULL;
		out->n_chain = 0;
		out->extra_error = arena_dup(arena, extra_err.msg, strlen(extra_err.msg) + 1);
		if (out->extra_error == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory for an extra_data error");
	}
	return DN_OK;
}

/* Decode a base64 JSON string member into a buffer from malloc; *out is NULL
 * for a missing member. */
static dn_status decode_member(const json_t *obj, const char *key, bool required, uint8_t **out,
                               size_t *out_len, struct dn_error *err)
{
	*out = NULL;
	*out_len = 0;
	const json_t *value = json_object_get(obj, key);
	if (value == NULL || json_is_null(value)) {
		if (required)
			return dn_fail(err, DN_EMALF, "entry has no \"%s\"", key);
		return DN_OK;
	}
	if (!json_is_string(value))
		return dn_fail(err, DN_EMALF, "\"%s\" is not a string", key);

	size_t len = json_string_length(value);
	uint8_t *buf = malloc(len / 4 * 3 + 1);
	if (buf == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory decoding \"%s\"", key);
	long n = ct_base64_decode(json_string_value(value), len, buf);
	if (n < 0) {
		free(buf);
		return dn_fail(err, DN_EMALF, "\"%s\" is not valid base64", key);
	}
	*out = buf;
	*out_len = (size_t)n;
	return DN_OK;
}

/* Decode one entry object and hand it to fn. */
static dn_status handle_entry(const json_t *obj, uint64_t index, struct arena *arena,
                              ct_entry_fn fn, void *ctx, size_t *n_bad)
{
	struct dn_error entry_err = {0};
	struct ct_entry entry = {.index = index};
	uint8_t *leaf = NULL, *extra = NULL;
	size_t leaf_len, extra_len;
	dn_status rc = DN_OK;

	if (!json_is_object(obj))
		rc = dn_fail(&entry_err, DN_EMALF, "entry is not a JSON object");
	if (rc == DN_OK)
		rc = decode_member(obj, "leaf_input", true, &leaf, &leaf_len, &entry_err);
	if (rc == DN_OK)
		rc = decode_member(obj, "extra_data", false, &extra, &extra_len, &entry_err);
	if (rc == DN_OK)
		rc = ct_decode_entry(leaf, leaf_len, extra, extra_len, index, arena, &entry,
		                     &entry_err);

	if (rc == DN_ENOMEM) {
		free(leaf);
		free(extra);
		return rc;
	}
	if (rc) {
		struct ct_entry failed = {.index = index};
		(*n_bad)++;
		rc = fn(&failed, &entry_err, ctx);
	} else {
		rc = fn(&entry, NULL, ctx);
	}
	free(leaf);
	free(extra);
	arena_reset(arena);
	return rc;
}

dn_status ct_parse_json(const char *json, size_t len, uint64_t start_index, ct_entry_fn fn,
                        void *ctx, size_t *n_entries, size_t *n_bad, struct dn_error *err)
{
	size_t entries_count = 0, bad_count = 0;
	if (n_entries)
		*n_entries = 0;
	if (n_bad)
		*n_bad = 0;

	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (root == NULL)
		return dn_fail(err, DN_EMALF, "invalid JSON at line %d, column %d: %s", jerr.line,
		               jerr.column, jerr.text);

	struct arena arena;
	arena_init(&arena, 4096);
	dn_status rc = DN_OK;
	const json_t *entries = json_object_get(root, "entries");
	if (json_is_array(entries)) {
		for (size_t i = 0; rc == DN_OK && i < json_array_size(entries); i++) {
			rc = handle_entry(json_array_get(entries, i), start_index + i, &arena, fn, ctx,
			                  &bad_count);
			entries_count++;
		}
	} else if (json_is_object(root) && json_object_get(root, "leaf_input") != NULL) {
		rc = handle_entry(root, start_index, &arena, fn, ctx, &bad_count);
		entries_count = 1;
	} else {
		rc = dn_fail(err, DN_EMALF,
		             "JSON has neither an \"entries\" array nor a \"leaf_input\" member");
	}
	if (rc == DN_ENOMEM)
		dn_fail(err, rc, "out of memory decoding a CT entry");

	arena_free(&arena);
	json_decref(root);
	if (n_entries)
		*n_entries = entries_count;
	if (n_bad)
		*n_bad = bad_count;
	return rc;
}
