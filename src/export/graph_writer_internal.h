/* Shared state and helpers of the graph writers (export/graph_*.c):
 * personal-data redaction, UTF-8 cleaning, times, counts and UUIDv5. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "export/graph_writer.h"
#include "util/arena.h"

#define GRAPH_REDACTED_TEXT "[redacted]"

/* A redacted value to search for in free text. */
struct gw_needle {
	const char *text;
	size_t len;
	uint32_t prefix; /* the first three bytes in ASCII lower case */
};

/* One run of a writer. Neither res nor opt is NULL: graph_write() passes
 * an empty result and zeroed options in place of missing ones. */
struct gw_ctx {
	FILE *out;
	const struct graph *g;
	const struct cluster_result *res;
	const struct graph_write_options *opt;
	/* Per node: true when its key and label print as GRAPH_REDACTED_TEXT. */
	bool *redacted;
	/* Keys and labels of redacted nodes, searched for in free text
	 * (evidence details, link texts, hold reasons, seeds), sorted by their
	 * first three bytes in ASCII lower case, longest first among equals. */
	struct gw_needle *needles;
	size_t n_needles;
	/* Hash table from those three bytes to the first needle that starts
	 * with them (index + 1, 0 for an empty slot); needle_mask + 1 slots. */
	uint32_t *needle_slots;
	size_t needle_mask;
	/* Bit (b0 << 8 | b1) is set when some needle starts with the bytes b0
	 * b1 in ASCII lower case, so most positions skip the table. */
	uint8_t *needle_pairs;
	/* Per node: its membership in the cluster its cluster field names, or
	 * NULL (what gw_member() returns). */
	const struct cluster_member **member_of;
	/* Strings made for this run; freed when graph_write() returns. */
	struct arena scratch;
	bool out_of_memory;
};

typedef dn_status (*gw_writer)(struct gw_ctx *c, struct dn_error *err);

/* Set up a gw_ctx for g (redaction marks, needle index, cluster
 * memberships), run writer on it and free what it made. graph_write()
 * calls it with the writer of a format, and tests with their own. */
dn_status gw_run(FILE *out, gw_writer writer, const struct graph *g,
                 const struct cluster_result *clusters,
                 const struct graph_write_options *opt, struct dn_error *err);

dn_status gw_write_text(struct gw_ctx *c, struct dn_error *err);
dn_status gw_write_json(struct gw_ctx *c, struct dn_error *err);
dn_status gw_write_dot(struct gw_ctx *c, struct dn_error *err);
dn_status gw_write_graphml(struct gw_ctx *c, struct dn_error *err);
dn_status gw_write_stix(struct gw_ctx *c, struct dn_error *err);
dn_status gw_write_misp(struct gw_ctx *c, struct dn_error *err);

/* The key and label of node n as they may be printed: GRAPH_REDACTED_TEXT
 * for a redacted node, else the value as valid UTF-8. */
const char *gw_key(struct gw_ctx *c, uint32_t n);
const char *gw_label(struct gw_ctx *c, uint32_t n);

/* Free text from the data (NULL gives ""), with every redacted value
 * replaced by GRAPH_REDACTED_TEXT and invalid UTF-8 replaced by U+FFFD.
 * Returns s itself when nothing changes, else a copy in c->scratch. */
const char *gw_text(struct gw_ctx *c, const char *s);

/* s as valid UTF-8: each byte that does not start a well-formed sequence
 * becomes U+FFFD. Returns s itself when it is valid. */
const char *gw_utf8(struct gw_ctx *c, const char *s);

/* printf into c->scratch; "" when memory runs out (c->out_of_memory is set). */
const char *gw_printf(struct gw_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growing string for long texts built piece by piece. */
struct gw_buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len, cap;
};

/* Append to b with printf; sets c->out_of_memory when realloc fails. */
void gw_buf_printf(struct gw_ctx *c, struct gw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void gw_buf_free(struct gw_buf *b);

/* "2024-05-01T12:00:00Z" into buf (at least 24 bytes), or "" for 0. */
const char *gw_time(int64_t epoch, char *buf, size_t size);

/* n with thousands separators ("2,314") into buf (at least 32 bytes). */
const char *gw_count(uint64_t n, char *buf, size_t size);

/* The cluster number printed for node n (1-based), or 0 for none. */
unsigned gw_cluster_number(const struct gw_ctx *c, uint32_t n);

/* The membership of node n in its cluster, or NULL when n is no member. */
const struct cluster_member *gw_member(const struct gw_ctx *c, uint32_t n);

/* Whether node kind is a registrant value (email, phone, name, org, address). */
bool gw_is_registrant(enum graph_kind kind);

/* A name-based UUID (RFC 4122 version 5, SHA-1) of name under namespace ns,
 * written as 36 characters plus NUL into out. */
void gw_uuid5(const uint8_t ns[16], const void *name, size_t len, char out[37]);

/* The STIX 2.1 namespace for SCO identifiers, and dragnet's own namespace
 * for the ids of objects whose content it derives (SDOs, SROs, MISP). */
extern const uint8_t gw_stix_namespace[16];
extern const uint8_t gw_dragnet_namespace[16];

/* Every node kind and cluster level, as words for the reader. */
const char *gw_kind_words(enum graph_kind kind, bool plural);

/* Flush c->out and turn a write error into DN_EIO, or memory trouble into
 * DN_ENOMEM. */
dn_status gw_finish(struct gw_ctx *c, const char *format, struct dn_error *err);

/* A streaming JSON writer whose output is byte for byte what jansson 2.14's
 * json_dumpf() writes with JSON_INDENT(1) | JSON_PRESERVE_ORDER for the same
 * tree: one space of indent per level, ": " after a key, "[]" and "{}" when
 * empty, and reals as "%.17g" with ".0" added to integral values.
 * It buffers the output and writes it to c->out in large blocks.
 *
 * key is the member name inside an object and NULL inside an array or for
 * the top-level value. Strings (keys and values) must be valid UTF-8, as
 * gw_key(), gw_label(), gw_text() and gw_utf8() make them; the writer
 * escapes '"', '\\' and control characters only. Errors are kept in the
 * writer until gw_json_finish() returns them. */
struct gw_json {
	struct gw_ctx *c;
	unsigned depth;
	bool first;   /* nothing written yet in the innermost open container */
	bool failed;  /* a write to c->out failed */
	int error;    /* errno of that failure */
	size_t len;
	char buf[64 * 1024];
};

void gw_json_init(struct gw_json *j, struct gw_ctx *c);
void gw_json_object_begin(struct gw_json *j, const char *key);
void gw_json_object_end(struct gw_json *j);
void gw_json_array_begin(struct gw_json *j, const char *key);
void gw_json_array_end(struct gw_json *j);
/* value NULL writes null. */
void gw_json_string(struct gw_json *j, const char *key, const char *value);
void gw_json_null(struct gw_json *j, const char *key);
void gw_json_bool(struct gw_json *j, const char *key, bool value);
void gw_json_int(struct gw_json *j, const char *key, int64_t value);
/* A NaN or infinity, which JSON cannot represent, is written as null. */
void gw_json_real(struct gw_json *j, const char *key, double value);
/* An ISO 8601 time as gw_time() writes it, or null for 0. */
void gw_json_time(struct gw_json *j, const char *key, int64_t epoch);

/* Write the final newline, flush the buffer and return gw_finish()'s
 * status: DN_EIO when a write failed, DN_ENOMEM when memory ran out. */
dn_status gw_json_finish(struct gw_json *j, const char *format, struct dn_error *err);
