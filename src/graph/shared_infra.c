/* The list of known shared infrastructure: parser and matching. */
#include "graph/shared_infra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cert_dn.h"
#include "whois/normalize.h"

/* data/shared-infra.txt, embedded by CMake (cmake/embed_text.cmake). */
extern const char graph_shared_infra_text[];
extern const size_t graph_shared_infra_text_len;

/* Maximum length of a value or label, in bytes, with its terminator. */
#define SHARED_FIELD_MAX 256

static const char *const kind_names[SHARED_KIND_COUNT] = {
        [SHARED_ASN] = "asn",
        [SHARED_PREFIX] = "prefix",
        [SHARED_NAMESERVER] = "nameserver",
        [SHARED_MX] = "mx",
        [SHARED_DOMAIN] = "domain",
        [SHARED_ISSUER_ORG] = "issuer-org",
        [SHARED_EMAIL_DOMAIN] = "email-domain",
        [SHARED_ORG] = "org",
};

const char *shared_kind_name(enum shared_kind kind)
{
	return (unsigned)kind < SHARED_KIND_COUNT ? kind_names[kind] : "unknown";
}

void shared_list_init(struct shared_list *list)
{
	memset(list, 0, sizeof(*list));
	arena_init(&list->arena, 16384);
}

void shared_list_free(struct shared_list *list)
{
	free(list->entries);
	arena_free(&list->arena);
	memset(list, 0, sizeof(*list));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One field of a line: [start, end) with surrounding space removed. */
struct field {
	const char *start;
	size_t len;
};

static struct field trim(const char *start, const char *end)
{
	while (start < end && is_space(*start))
		start++;
	while (end > start && is_space(end[-1]))
		end--;
	return (struct field){start, (size_t)(end - start)};
}

/* Split line into exactly three '|'-separated fields. */
static bool split_fields(const char *line, const char *end, struct field out[3])
{
	const char *p = line;
	for (int i = 0; i < 2; i++) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		if (bar == NULL)
			return false;
		out[i] = trim(p, bar);
		p = bar + 1;
	}
	if (memchr(p, '|', (size_t)(end - p)) != NULL)
		return false;
	out[2] = trim(p, end);
	return true;
}

static bool parse_kind(const struct field *f, enum shared_kind *kind)
{
	for (int k = 0; k < SHARED_KIND_COUNT; k++) {
		if (strlen(kind_names[k]) == f->len && strncasecmp(kind_names[k], f->start, f->len) == 0) {
			*kind = (enum shared_kind)k;
			return true;
		}
	}
	return false;
}

static bool parse_asn(const char *text, uint32_t *asn)
{
	if (strncasecmp(text, "AS", 2) == 0)
		text += 2;
	if (*text == '\0' || strspn(text, "0123456789") != strlen(text) || strlen(text) > 10)
		return false;
	unsigned long long v = strtoull(text, NULL, 10);
	if (v == 0 || v > UINT32_MAX)
		return false;
	*asn = (uint32_t)v;
	return true;
}

/* A host name as list values hold it: lower case, no trailing dot, only
 * letters, digits, '-', '_' and '.', no empty label. A label may end in
 * '*', which matches any label that starts with what precedes it
 * ("awsdns-*" matches "awsdns-45"). */
static bool normalise_host(char *name)
{
	size_t len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	if (len == 0 || name[0] == '.' || strstr(name, "..") != NULL)
		return false;
	for (char *p = name; *p != '\0'; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			*p = (char)(c - 'A' + 'a');
		else if (c == '*' && (p[1] == '.' || p[1] == '\0'))
			continue;
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		           c == '.'))
			return false;
	}
	return true;
}

static dn_status add_entry(struct shared_list *list, const struct shared_entry *e, const char *value,
                           const struct field *label, struct dn_error *err)
{
	if (list->n_entries == list->cap_entries) {
		size_t cap = list->cap_entries > 0 ? list->cap_entries * 2 : 64;
		struct shared_entry *grown = realloc(list->entries, cap * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory reading the shared-infrastructure list");
		list->entries = grown;
		list->cap_entries = cap;
	}
	char *v = arena_dup(&list->arena, value, strlen(value) + 1);
	char *l = arena_alloc(&list->arena, label->len + 1);
	if (v == NULL || l == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading the shared-infrastructure list");
	memcpy(l, label->start, label->len);
	l[label->len] = '\0';
	struct shared_entry *slot = &list->entries[list->n_entries++];
	*slot = *e;
	slot->value = v;
	slot->label = l;
	return DN_OK;
}

/* Check and normalise value for kind into e and out. */
static dn_status parse_value(enum shared_kind kind, char *value, struct shared_entry *e,
                             char *out, size_t size, struct dn_error *err)
{
	switch (kind) {
	case SHARED_ASN:
		if (!parse_asn(value, &e->asn))
			return dn_fail(err, DN_EMALF, "invalid AS number '%s' (use AS13335 or 13335)",
			               value);
		snprintf(out, size, "AS%u", e->asn);
		return DN_OK;
	case SHARED_PREFIX:
		if (strchr(value, '/') == NULL || strchr(value, '-') != NULL ||
		    !ip_range_parse(value, &e->range))
			return dn_fail(err, DN_EMALF, "invalid CIDR prefix '%s'", value);
		snprintf(out, size, "%s", value);
		return DN_OK;
	case SHARED_NAMESERVER:
	case SHARED_MX:
	case SHARED_DOMAIN:
	case SHARED_EMAIL_DOMAIN:
		if (value[0] == '@' && kind == SHARED_EMAIL_DOMAIN)
			value++;
		if (!normalise_host(value))
			return dn_fail(err, DN_EMALF, "invalid host name '%s'", value);
		snprintf(out, size, "%s", value);
		return DN_OK;
	case SHARED_ISSUER_ORG:
		snprintf(out, size, "%s", value);
		return DN_OK;
	case SHARED_ORG:
		if (!whois_norm_org(value, out, size))
			return dn_fail(err, DN_EMALF, "organisation '%s' has nothing to compare", value);
		return DN_OK;
	case SHARED_KIND_COUNT:
		break;
	}
	return dn_fail(err, DN_EMALF, "invalid kind");
}

static dn_status parse_line(struct shared_list *list, const char *start, const char *end,
                            unsigned line, struct dn_error *err)
{
	struct field f[3];
	if (!split_fields(start, end, f))
		return dn_fail(err, DN_EMALF, "expected three fields, KIND | VALUE | LABEL");
	enum shared_kind kind;
	if (!parse_kind(&f[0], &kind))
		return dn_fail(err, DN_EMALF,
		               "unknown kind '%.*s' (asn, prefix, nameserver, mx, domain, issuer-org, "
		               "email-domain, org)",
		               (int)(f[0].len > 40 ? 40 : f[0].len), f[0].start);
	if (f[1].len == 0)
		return dn_fail(err, DN_EMALF, "empty value");
	if (f[2].len == 0)
		return dn_fail(err, DN_EMALF, "empty label");
	if (f[1].len >= SHARED_FIELD_MAX || f[2].len >= SHARED_FIELD_MAX)
		return dn_fail(err, DN_EMALF, "value or label longer than %d bytes",
		               SHARED_FIELD_MAX - 1);

	char value[SHARED_FIELD_MAX];
	memcpy(value, f[1].start, f[1].len);
	value[f[1].len] = '\0';
	struct shared_entry e = {.kind = kind, .line = line};
	char normalised[WHOIS_KEY_MAX];
	dn_status rc = parse_value(kind, value, &e, normalised, sizeof(normalised), err);
	if (rc != DN_OK)
		return rc;
	return add_entry(list, &e, normalised, &f[2], err);
}

dn_status shared_list_parse(struct shared_list *list, const char *text, size_t len,
                            unsigned *line, struct dn_error *err)
{
	const char *p = text;
	const char *end = text + len;
	unsigned number = 0;
	if (line != NULL)
		*line = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		number++;
		struct field whole = trim(p, eol);
		dn_status rc = DN_OK;
		if (memchr(p, '\0', (size_t)(eol - p)) != NULL)
			rc = dn_fail(err, DN_EMALF, "NUL byte in the line");
		else if (whole.len > 0 && whole.start[0] != '#')
			rc = parse_line(list, whole.start, whole.start + whole.len, number, err);
		if (rc != DN_OK) {
			if (line != NULL)
				*line = number;
			return rc;
		}
		p = eol + 1;
	}
	return DN_OK;
}

dn_status shared_list_load_default(struct shared_list *list, struct dn_error *err)
{
	unsigned line;
	dn_status rc = shared_list_parse(list, graph_shared_infra_text, graph_shared_infra_text_len,
	                                 &line, err);
	if (rc == DN_EMALF) {
		struct dn_error inner = *err;
		return dn_fail(err, rc, "built-in shared-infrastructure list, line %u: %s", line,
		               inner.msg);
	}
	return rc;
}

static bool label_matches(const char *label, size_t len, const char *pattern, size_t plen)
{
	if (plen > 0 && pattern[plen - 1] == '*')
		return len >= plen - 1 && memcmp(label, pattern, plen - 1) == 0;
	return len == plen && memcmp(label, pattern, plen) == 0;
}

/* Whether name is pattern or a name below it, comparing labels from the
 * right. */
static bool under(const char *name, const char *pattern)
{
	const char *name_end = name + strlen(name);
	const char *pattern_end = pattern + strlen(pattern);
	for (;;) {
		const char *label = name_end;
		while (label > name && label[-1] != '.')
			label--;
		const char *plabel = pattern_end;
		while (plabel > pattern && plabel[-1] != '.')
			plabel--;
		if (!label_matches(label, (size_t)(name_end - label), plabel,
		                   (size_t)(pattern_end - plabel)))
			return false;
		if (plabel == pattern)
			return true;
		if (label == name)
			return false;
		name_end = label - 1;
		pattern_end = plabel - 1;
	}
}

static bool range_within(const struct ip_range *inner, const struct ip_range *outer)
{
	return inner->family == outer->family &&
	       memcmp(inner->lo.b, outer->lo.b, sizeof(inner->lo.b)) >= 0 &&
	       memcmp(inner->hi.b, outer->hi.b, sizeof(inner->hi.b)) <= 0;
}

static bool entry_covers(const struct shared_entry *e, enum graph_kind kind, const char *key,
                         const struct ip_range *range, bool has_range, const char *issuer_org)
{
	switch (e->kind) {
	case SHARED_ASN:
		return kind == GRAPH_ASN && strcasecmp(key, e->value) == 0;
	case SHARED_PREFIX:
		return has_range && range_within(range, &e->range);
	case SHARED_NAMESERVER:
		return kind == GRAPH_NAMESERVER && under(key, e->value);
	case SHARED_MX:
		return kind == GRAPH_MX && under(key, e->value);
	case SHARED_DOMAIN:
		return (kind == GRAPH_DOMAIN || kind == GRAPH_REGDOMAIN) && under(key, e->value);
	case SHARED_ISSUER_ORG:
		return issuer_org != NULL && strcasecmp(issuer_org, e->value) == 0;
	case SHARED_EMAIL_DOMAIN: {
		const char *at = kind == GRAPH_EMAIL ? strrchr(key, '@') : NULL;
		return at != NULL && under(at + 1, e->value);
	}
	case SHARED_ORG:
		return (kind == GRAPH_ORG || kind == GRAPH_REGISTRAR || kind == GRAPH_NAME) &&
		       strcmp(key, e->value) == 0;
	case SHARED_KIND_COUNT:
		break;
	}
	return false;
}

const struct shared_entry *shared_list_match(const struct shared_list *list, enum graph_kind kind,
                                             const char *key)
{
	if (list == NULL || key == NULL)
		return NULL;
	struct ip_range range;
	bool has_range = false;
	if (kind == GRAPH_IP || kind == GRAPH_PREFIX)
		has_range = ip_range_parse(key, &range);
	char org[SHARED_FIELD_MAX];
	const char *issuer_org = NULL;
	if (kind == GRAPH_ISSUER && cert_dn_value(key, "O", 0, org, sizeof(org)))
		issuer_org = org;
	for (size_t i = 0; i < list->n_entries; i++) {
		if (entry_covers(&list->entries[i], kind, key, &range, has_range, issuer_org))
			return &list->entries[i];
	}
	return NULL;
}
