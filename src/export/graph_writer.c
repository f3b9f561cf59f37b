/* graph_write(): the format names, personal-data redaction and the helpers
 * that every graph writer shares. */
#include "export/graph_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "export/graph_writer_internal.h"
#include "util/timeutil.h"
#include "whois/privacy.h"

/* 00abedb4-aa42-466c-9c01-fed23315a9b7, fixed by the STIX 2.1 specification for
 * the identifiers of STIX Cyber-observable Objects. */
const uint8_t gw_stix_namespace[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                       0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};

/* b57eb3c3-d41e-5548-ad19-92a33bea2896: the UUIDv5 of the URL
 * "https://github.com/dragnet/dragnet#graph-export". Changing it changes
 * every derived id in dragnet's STIX and MISP files. */
const uint8_t gw_dragnet_namespace[16] = {0xb5, 0x7e, 0xb3, 0xc3, 0xd4, 0x1e, 0x55, 0x48,
                                          0xad, 0x19, 0x92, 0xa3, 0x3b, 0xea, 0x28, 0x96};

struct format_entry {
	const char *name;
	const char *extension;
};

static const struct format_entry formats[GRAPH_FORMAT_COUNT] = {
	[GRAPH_FORMAT_TEXT] = {"text", "txt"},
	[GRAPH_FORMAT_JSON] = {"json", "json"},
	[GRAPH_FORMAT_DOT] = {"dot", "dot"},
	[GRAPH_FORMAT_GRAPHML] = {"graphml", "graphml"},
	[GRAPH_FORMAT_STIX] = {"stix", "stix.json"},
	[GRAPH_FORMAT_MISP] = {"misp", "misp.json"},
};

const char *graph_format_name(enum graph_format format)
{
	return (unsigned)format < GRAPH_FORMAT_COUNT ? formats[format].name : "?";
}

const char *graph_format_extension(enum graph_format format)
{
	return (unsigned)format < GRAPH_FORMAT_COUNT ? formats[format].extension : "?";
}

bool graph_format_parse(const char *name, enum graph_format *format)
{
	for (int f = 0; f < GRAPH_FORMAT_COUNT; f++) {
		if (strcmp(name, formats[f].name) == 0) {
			*format = (enum graph_format)f;
			return true;
		}
	}
	return false;
}

bool gw_is_registrant(enum graph_kind kind)
{
	return kind == GRAPH_EMAIL || kind == GRAPH_PHONE || kind == GRAPH_NAME ||
	       kind == GRAPH_ORG || kind == GRAPH_ADDRESS;
}

/* Whether node n is a natural person's detail: an email, phone, name or
 * address that is neither a redaction placeholder nor a privacy service. */
static bool node_is_personal(const struct graph_node *n)
{
	if (n->kind != GRAPH_EMAIL && n->kind != GRAPH_PHONE && n->kind != GRAPH_NAME &&
	    n->kind != GRAPH_ADDRESS)
		return false;
	if (n->hold == GRAPH_HOLD_MASKED)
		return false;
	if (whois_is_redacted(n->key) || whois_is_redacted(n->label))
		return false;
	return whois_privacy_service(n->key) == NULL && whois_privacy_service(n->label) == NULL;
}

/* Shorter values are not searched for in free text, since they would
 * replace unrelated words. */
#define NEEDLE_MIN 3

static unsigned char fold_ascii(unsigned char b)
{
	return b >= 'A' && b <= 'Z' ? (unsigned char)(b - 'A' + 'a') : b;
}

/* The first three bytes of s in ASCII lower case. s has at least three. */
static uint32_t needle_prefix(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	return (uint32_t)fold_ascii(p[0]) << 16 | (uint32_t)fold_ascii(p[1]) << 8 |
	       fold_ascii(p[2]);
}

static size_t prefix_slot(uint32_t prefix, size_t mask)
{
	return (size_t)((prefix * 2654435761u) >> 8) & mask;
}

static int compare_needles(const void *a, const void *b)
{
	const struct gw_needle *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return 0;
}

/* Sort c->needles and index them by their first three bytes, so that
 * find_needle() tries at each position of a text only the needles that
 * start there, instead of searching the whole text for every needle. */
static dn_status index_needles(struct gw_ctx *c, struct dn_error *err)
{
	if (c->n_needles == 0)
		return DN_OK;
	qsort(c->needles, c->n_needles, sizeof(*c->needles), compare_needles);
	size_t slots = 16;
	while (slots < c->n_needles * 2)
		slots *= 2;
	c->needle_mask = slots - 1;
	c->needle_slots = calloc(slots, sizeof(*c->needle_slots));
	c->needle_pairs = calloc(65536 / 8, 1);
	if (c->needle_slots == NULL || c->needle_pairs == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory indexing %zu redacted values",
		               c->n_needles);
	for (size_t i = 0; i < c->n_needles; i++) {
		uint32_t prefix = c->needles[i].prefix;
		uint32_t pair = prefix >> 8;
		c->needle_pairs[pair >> 3] |= (uint8_t)(1u << (pair & 7));
		if (i > 0 && c->needles[i - 1].prefix == prefix)
			continue;
		size_t slot = prefix_slot(prefix, c->needle_mask);
		while (c->needle_slots[slot] != 0)
			slot = (slot + 1) & c->needle_mask;
		c->needle_slots[slot] = (uint32_t)i + 1;
	}
	return DN_OK;
}

static dn_status mark_redacted(struct gw_ctx *c, struct dn_error *err)
{
	const struct graph *g = c->g;
	c->redacted = calloc(g->n_nodes + 1, sizeof(*c->redacted));
	c->needles = calloc(g->n_nodes * 2 + 1, sizeof(*c->needles));
	if (c->redacted == NULL || c->needles == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory redacting %zu graph nodes",
		               g->n_nodes);
	if (!c->opt->redact_personal)
		return DN_OK;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		c->redacted[i] = node_is_personal(&g->nodes[i]);
	/* An organisation field that repeats a person's name is that person. */
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].kind != GRAPH_ORG)
			continue;
		uint32_t name = graph_find(g, GRAPH_NAME, g->nodes[i].key);
		if (name != UINT32_MAX && c->redacted[name])
			c->redacted[i] = true;
	}
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (!c->redacted[i])
			continue;
		const struct graph_node *n = &g->nodes[i];
		const char *values[2] = {n->key, n->label != n->key ? n->label : NULL};
		for (int v = 0; v < 2; v++) {
			size_t len = values[v] ? strlen(values[v]) : 0;
			if (len < NEEDLE_MIN)
				continue;
			c->needles[c->n_needles++] = (struct gw_needle){
				values[v], len, needle_prefix(values[v])};
		}
	}
	return index_needles(c, err);
}

/* Point each node at its membership in the cluster its cluster field
 * names, so that gw_member() does not search the cluster's members. */
static dn_status index_members(struct gw_ctx *c, struct dn_error *err)
{
	const struct graph *g = c->g;
	c->member_of = calloc(g->n_nodes + 1, sizeof(*c->member_of));
	if (c->member_of == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory indexing %zu graph nodes",
		               g->n_nodes);
	for (size_t k = 0; k < c->res->n_clusters; k++) {
		const struct cluster *cl = &c->res->clusters[k];
		for (size_t i = 0; i < cl->n_members; i++) {
			uint32_t n = cl->members[i].node;
			/* The first membership wins, as in a search from the start. */
			if (n < g->n_nodes && g->nodes[n].cluster == (int32_t)k &&
			    c->member_of[n] == NULL)
				c->member_of[n] = &cl->members[i];
		}
	}
	return DN_OK;
}

dn_status gw_run(FILE *out, gw_writer writer, const struct graph *g,
                 const struct cluster_result *clusters,
                 const struct graph_write_options *opt, struct dn_error *err)
{
	static const struct cluster_result no_clusters;
	static const struct graph_write_options no_options;
	struct gw_ctx c = {
		.out = out,
		.g = g,
		.res = clusters ? clusters : &no_clusters,
		.opt = opt ? opt : &no_options,
	};
	arena_init(&c.scratch, 64 * 1024);
	dn_status rc = mark_redacted(&c, err);
	if (rc == DN_OK)
		rc = index_members(&c, err);
	if (rc == DN_OK)
		rc = writer(&c, err);
	free(c.redacted);
	free(c.needles);
	free(c.needle_slots);
	free(c.needle_pairs);
	free(c.member_of);
	arena_free(&c.scratch);
	return rc;
}

dn_status graph_write(FILE *out, enum graph_format format, const struct graph *g,
                      const struct cluster_result *clusters,
                      const struct graph_write_options *opt, struct dn_error *err)
{
	static const gw_writer writers[GRAPH_FORMAT_COUNT] = {
		[GRAPH_FORMAT_TEXT] = gw_write_text,
		[GRAPH_FORMAT_JSON] = gw_write_json,
		[GRAPH_FORMAT_DOT] = gw_write_dot,
		[GRAPH_FORMAT_GRAPHML] = gw_write_graphml,
		[GRAPH_FORMAT_STIX] = gw_write_stix,
		[GRAPH_FORMAT_MISP] = gw_write_misp,
	};
	if ((unsigned)format >= GRAPH_FORMAT_COUNT)
		return dn_fail(err, DN_EINVAL, "unknown graph format %d", (int)format);
	return gw_run(out, writers[format], g, clusters, opt, err);
}

dn_status gw_finish(struct gw_ctx *c, const char *format, struct dn_error *err)
{
	if (c->out_of_memory)
		return dn_fail(err, DN_ENOMEM, "out of memory writing the %s graph", format);
	int error = fflush(c->out) != 0 ? errno : 0;
	if (error != 0 || ferror(c->out))
		return dn_fail(err, DN_EIO, "writing the %s graph failed: %s", format,
		               error != 0 ? strerror(error) : "a write failed");
	return DN_OK;
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629), or 0. */
static size_t utf8_sequence(const unsigned char *s)
{
	unsigned char b = s[0];
	if (b < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f; /* no UTF-16 surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

const char *gw_utf8(struct gw_ctx *c, const char *s)
{
	if (s == NULL)
		return "";
	const unsigned char *p = (const unsigned char *)s;
	size_t bad = 0, n = 0;
	while (p[n]) {
		size_t len = utf8_sequence(p + n);
		if (len == 0) {
			bad++;
			len = 1;
		}
		n += len;
	}
	if (bad == 0)
		return s;
	char *copy = arena_alloc(&c->scratch, n + bad * 2 + 1);
	if (copy == NULL) {
		c->out_of_memory = true;
		return "";
	}
	char *w = copy;
	for (size_t i = 0; p[i];) {
		size_t len = utf8_sequence(p + i);
		if (len == 0) {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
			i++;
		} else {
			memcpy(w, p + i, len);
			w += len;
			i += len;
		}
	}
	*w = '\0';
	return copy;
}

/* A redacted node's key names the node by its id ("[redacted 12]"), so
 * that formats which identify nodes by kind and key (JSON edges refer to
 * nodes that way) keep two redacted persons apart. The id says nothing
 * about the person. */
const char *gw_key(struct gw_ctx *c, uint32_t n)
{
	if (c->redacted[n])
		return gw_printf(c, "[redacted %" PRIu32 "]", n);
	return gw_utf8(c, c->g->nodes[n].key);
}

const char *gw_label(struct gw_ctx *c, uint32_t n)
{
	return c->redacted[n] ? GRAPH_REDACTED_TEXT : gw_utf8(c, c->g->nodes[n].label);
}

/* The first place in s where a needle starts, ignoring ASCII case as
 * strcasestr() does in the C locale; the longest needle wins a tie. */
static const char *find_needle(const struct gw_ctx *c, const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; p[0] && p[1] && p[2]; p++) {
		uint32_t pair = (uint32_t)fold_ascii(p[0]) << 8 | fold_ascii(p[1]);
		if (!(c->needle_pairs[pair >> 3] & (1u << (pair & 7))))
			continue;
		uint32_t prefix = pair << 8 | fold_ascii(p[2]);
		size_t slot = prefix_slot(prefix, c->needle_mask);
		while (c->needle_slots[slot] != 0 &&
		       c->needles[c->needle_slots[slot] - 1].prefix != prefix)
			slot = (slot + 1) & c->needle_mask;
		if (c->needle_slots[slot] == 0)
			continue;
		/* The needles with this prefix follow, longest first. */
		for (size_t i = c->needle_slots[slot] - 1;
		     i < c->n_needles && c->needles[i].prefix == prefix; i++) {
			const struct gw_needle *n = &c->needles[i];
			if (strncasecmp((const char *)p, n->text, n->len) == 0) {
				*len = n->len;
				return (const char *)p;
			}
		}
	}
	return NULL;
}

const char *gw_text(struct gw_ctx *c, const char *s)
{
	if (s == NULL)
		return "";
	size_t len = 0;
	const char *at = c->n_needles ? find_needle(c, s, &len) : NULL;
	if (at == NULL)
		return gw_utf8(c, s);
	/* Each replacement at most adds the placeholder's length. */
	size_t cap = strlen(s) + 1;
	size_t replacements = 0;
	for (const char *p = s; (at = find_needle(c, p, &len)) != NULL; p = at + len)
		replacements++;
	cap += replacements * sizeof(GRAPH_REDACTED_TEXT);
	char *copy = arena_alloc(&c->scratch, cap);
	if (copy == NULL) {
		c->out_of_memory = true;
		return "";
	}
	char *w = copy;
	const char *p = s;
	while ((at = find_needle(c, p, &len)) != NULL) {
		memcpy(w, p, (size_t)(at - p));
		w += at - p;
		memcpy(w, GRAPH_REDACTED_TEXT, sizeof(GRAPH_REDACTED_TEXT) - 1);
		w += sizeof(GRAPH_REDACTED_TEXT) - 1;
		p = at + len;
	}
	strcpy(w, p);
	return gw_utf8(c, copy);
}

const char *gw_printf(struct gw_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *buf = n >= 0 ? arena_alloc(&c->scratch, (size_t)n + 1) : NULL;
	if (buf == NULL) {
		c->out_of_memory = true;
		return "";
	}
	va_start(ap, fmt);
	vsnprintf(buf, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return buf;
}

void gw_buf_printf(struct gw_ctx *c, struct gw_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		c->out_of_memory = true;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *data = realloc(b->data, cap);
		if (data == NULL) {
			c->out_of_memory = true;
			return;
		}
		b->data = data;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void gw_buf_free(struct gw_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

const char *gw_time(int64_t epoch, char *buf, size_t size)
{
	if (epoch == 0) {
		buf[0] = '\0';
		return buf;
	}
	time_format_iso(epoch, buf, size);
	return buf;
}

const char *gw_count(uint64_t n, char *buf, size_t size)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	size_t w = 0;
	for (int i = 0; i < len && w + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[w++] = ',';
		buf[w++] = digits[i];
	}
	buf[w] = '\0';
	return buf;
}

unsigned gw_cluster_number(const struct gw_ctx *c, uint32_t n)
{
	int32_t k = c->g->nodes[n].cluster;
	return k >= 0 && (size_t)k < c->res->n_clusters ? (unsigned)k + 1 : 0;
}

const struct cluster_member *gw_member(const struct gw_ctx *c, uint32_t n)
{
	return n < c->g->n_nodes ? c->member_of[n] : NULL;
}

void gw_uuid5(const uint8_t ns[16], const void *name, size_t len, char out[37])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	          EVP_DigestUpdate(ctx, ns, 16) == 1 && EVP_DigestUpdate(ctx, name, len) == 1 &&
	          EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len >= 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		memset(md, 0, sizeof(md));
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	static const char hex[] = "0123456789abcdef";
	size_t w = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[w++] = '-';
		out[w++] = hex[md[i] >> 4];
		out[w++] = hex[md[i] & 0x0f];
	}
	out[w] = '\0';
}

const char *gw_kind_words(enum graph_kind kind, bool plural)
{
	static const char *const words[GRAPH_KIND_COUNT][2] = {
		[GRAPH_DOMAIN] = {"domain", "domains"},
		[GRAPH_REGDOMAIN] = {"registrable domain", "registrable domains"},
		[GRAPH_IP] = {"IP address", "IP addresses"},
		[GRAPH_PREFIX] = {"prefix", "prefixes"},
		[GRAPH_ASN] = {"ASN", "ASNs"},
		[GRAPH_NAMESERVER] = {"nameserver", "nameservers"},
		[GRAPH_MX] = {"MX host", "MX hosts"},
		[GRAPH_EMAIL] = {"registrant email", "registrant emails"},
		[GRAPH_PHONE] = {"registrant phone", "registrant phones"},
		[GRAPH_NAME] = {"registrant name", "registrant names"},
		[GRAPH_ORG] = {"registrant organisation", "registrant organisations"},
		[GRAPH_ADDRESS] = {"registrant address", "registrant addresses"},
		[GRAPH_REGISTRAR] = {"registrar", "registrars"},
		[GRAPH_CERT] = {"certificate", "certificates"},
		[GRAPH_SPKI] = {"public key", "public keys"},
		[GRAPH_ISSUER] = {"issuer", "issuers"},
	};
	return (unsigned)kind < GRAPH_KIND_COUNT ? words[kind][plural] : "?";
}
