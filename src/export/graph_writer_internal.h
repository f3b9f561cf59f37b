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
	 * (evidence details, link texts, hold reasons, seeds). */
	const char **needles;
	size_t n_needles;
	/* Strings made for this run; freed when graph_write() returns. */
	struct arena scratch;
	bool out_of_memory;
};

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
