/* Certificate searches from user text (see cert_search.h). */
#include "export/cert_search.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cli/cert_dn.h"

void cert_search_init(struct cert_search *s)
{
	memset(s, 0, sizeof(*s));
	s->limit = 1000;
}

/* Lower-case hex without colons or spaces; false when other characters
 * remain or nothing does. */
static bool clean_hex(const char *input, char *out, size_t size, bool strip_zeros)
{
	size_t n = 0;
	for (const char *p = input; *p != '\0'; p++) {
		char c = *p;
		if (c == ':' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n + 1 >= size)
			return false;
		if (strip_zeros && n == 0 && c == '0')
			continue;
		out[n++] = c;
	}
	if (n == 0 && strip_zeros && size > 1)
		out[n++] = '0'; /* the serial 0 */
	out[n] = '\0';
	return n > 0;
}

static struct store_cert_match *next_match(struct cert_search *s, char **text)
{
	if (s->n_matches == CERT_SEARCH_MAX_MATCHES)
		return NULL;
	*text = s->text[s->n_matches];
	return &s->matches[s->n_matches++];
}

static dn_status add_substring(struct cert_search *s, const char *which, const char *param,
                               const char *text, struct dn_error *err)
{
	bool issuer = strcmp(which, "issuer") == 0;
	const char **list = issuer ? s->issuer_contains : s->subject_contains;
	size_t *n = issuer ? &s->query.n_issuer_contains : &s->query.n_subject_contains;
	if (*n == CERT_SEARCH_MAX_MATCHES)
		return dn_fail(err, DN_EINVAL, "too many %s substrings: at most %d", param,
		               CERT_SEARCH_MAX_MATCHES);
	list[(*n)++] = text;
	return DN_OK;
}

dn_status cert_search_add_dn(struct cert_search *s, const char *which, const char *param,
                             const char *text, struct dn_error *err)
{
	char attr[64];
	char *buf;
	struct store_cert_match *m = next_match(s, &buf);
	if (m == NULL)
		return dn_fail(err, DN_EINVAL, "too many conditions");
	/* The key goes after the kind in the same buffer. */
	char *value = buf + 80;
	switch (cert_dn_parse(text, attr, sizeof(attr), value, sizeof(s->text[0]) - 80)) {
	case CERT_DN_SUBSTRING:
		s->n_matches--;
		return add_substring(s, which, param, text, err);
	case CERT_DN_ATTRIBUTE:
		snprintf(buf, 80, "%s.%s", which, attr);
		break;
	case CERT_DN_WHOLE:
		snprintf(buf, 80, "%s", which);
		break;
	}
	m->kind = buf;
	m->value = value;
	return DN_OK;
}

/* The reversed form of a name, as the "dns" keys hold it. */
static void reverse_name(const char *name, char *out, size_t size)
{
	size_t len = strlen(name);
	while (len > 0 && name[len - 1] == '.')
		len--;
	size_t at = 0;
	size_t end = len;
	while (end > 0 && at + 1 < size) {
		size_t start = end;
		while (start > 0 && name[start - 1] != '.')
			start--;
		for (size_t i = start; i < end && at + 1 < size; i++) {
			char c = name[i];
			out[at++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		if (start > 0 && at + 1 < size)
			out[at++] = '.';
		end = start > 0 ? start - 1 : 0;
	}
	out[at] = '\0';
}

dn_status cert_search_add_san(struct cert_search *s, const char *param, const char *name,
                              struct dn_error *err)
{
	char *buf;
	struct store_cert_match *m = next_match(s, &buf);
	if (m == NULL)
		return dn_fail(err, DN_EINVAL, "too many conditions");
	/* Ingest stores IP SANs as inet_ntop() writes them (::1, not
	 * 0:0:0:0:0:0:0:1) and e-mail SANs in lower case. */
	unsigned char addr[16];
	int family = inet_pton(AF_INET, name, addr) == 1    ? AF_INET
	             : inet_pton(AF_INET6, name, addr) == 1 ? AF_INET6
	                                                    : 0;
	if (family != 0) {
		if (inet_ntop(family, addr, buf, 1100) == NULL)
			return dn_fail(err, DN_EINVAL, "invalid %s address '%s'", param, name);
		m->kind = "ip";
		m->value = buf;
		return DN_OK;
	}
	if (strchr(name, '@') != NULL) {
		snprintf(buf, 1100, "%s", name);
		for (char *p = buf; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		m->kind = "email";
		m->value = buf;
		return DN_OK;
	}
	m->kind = "dns";
	if (strncmp(name, "*.", 2) == 0) {
		/* Every name under the domain, wildcard entries included:
		 * "com.example." is a prefix of "com.example.www" and
		 * "com.example.*". */
		reverse_name(name + 2, buf, 1090);
		strcat(buf, ".");
		m->value = buf;
		m->prefix = true;
		return DN_OK;
	}
	/* The name itself, or a wildcard one label up that covers it. */
	reverse_name(name, buf, 540);
	m->value = buf;
	char *alt = buf + 550;
	const char *dot = strchr(name, '.');
	if (dot != NULL && dot[1] != '\0') {
		reverse_name(dot + 1, alt, 540);
		strcat(alt, ".*");
		m->alt_value = alt;
	}
	return DN_OK;
}

static dn_status add_hex_condition(struct cert_search *s, const char *kind, const char *param,
                                   const char *text, bool serial, struct dn_error *err)
{
	char *buf;
	struct store_cert_match *m = next_match(s, &buf);
	if (m == NULL)
		return dn_fail(err, DN_EINVAL, "too many conditions");
	/* openssl x509 -text prints a short serial as "4096 (0x1000)": the
	 * part in brackets is the hex. A leading 0x is dropped too. */
	char inner[1100];
	const char *digits = text;
	const char *open = serial ? strstr(text, "(0x") : NULL;
	if (open != NULL) {
		snprintf(inner, sizeof(inner), "%s", open + 3);
		inner[strcspn(inner, ")")] = '\0';
		digits = inner;
	} else if (serial && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
		digits += 2;
	}
	if (!clean_hex(digits, buf, 1100, serial))
		return dn_fail(err, DN_EINVAL, "invalid %s '%s': give hexadecimal digits", param,
		               text);
	m->kind = kind;
	m->value = buf;
	m->prefix = !serial && strlen(buf) < 64;
	return DN_OK;
}

dn_status cert_search_add_spki(struct cert_search *s, const char *param, const char *text,
                               struct dn_error *err)
{
	return add_hex_condition(s, "spki", param, text, false, err);
}

dn_status cert_search_add_serial(struct cert_search *s, const char *param, const char *text,
                                 struct dn_error *err)
{
	return add_hex_condition(s, "serial", param, text, true, err);
}

dn_status cert_search_add_fingerprint(struct cert_search *s, const char *param, const char *text,
                                      struct dn_error *err)
{
	char *buf;
	struct store_cert_match *m = next_match(s, &buf);
	if (m == NULL)
		return dn_fail(err, DN_EINVAL, "too many conditions");
	if (!clean_hex(text, buf, 1100, false) || strlen(buf) > 64)
		return dn_fail(err, DN_EINVAL, "invalid %s '%s': give up to 64 hexadecimal digits",
		               param, text);
	m->value = buf;
	if (strlen(buf) == 40) {
		m->kind = "sha1";
	} else if (strlen(buf) == 64) {
		m->kind = "sha256";
	} else {
		/* Either hash: cert_search_run() tries both. */
		m->kind = "sha256";
		s->fingerprint = buf;
	}
	return DN_OK;
}

bool cert_search_has_conditions(const struct cert_search *s)
{
	const struct store_cert_query *q = &s->query;
	return s->n_matches > 0 || q->n_issuer_contains > 0 || q->n_subject_contains > 0 ||
	       q->valid_at != 0 || q->expires_before != 0 || q->expires_after != 0;
}

/* Rows read from the store per certificate shown: a certificate may come
 * with its precertificate and a crt.sh entry of the same issuer and
 * serial, which --dedupe and the partial lookup fold into it. */
#define ROWS_PER_SHOWN 3

/* Rows of one store query, counted to tell whether it reached its limit. */
struct row_count {
	struct cert_list *list;
	size_t rows;
};

static dn_status count_row(const struct store_cert *cert, void *ctx)
{
	struct row_count *count = ctx;
	count->rows++;
	return cert_list_add(cert, count->list);
}

/* Query the store; a fingerprint prefix is tried as a SHA-256 prefix and
 * then as a SHA-1 prefix. Sets *full when a query returned as many rows as
 * its limit allowed, so that more may exist. */
static dn_status query_store(struct store *store, struct cert_search *s, struct cert_list *list,
                             bool *full, struct dn_error *err)
{
	s->query.matches = s->matches;
	s->query.n_matches = s->n_matches;
	s->query.issuer_contains = s->issuer_contains;
	s->query.subject_contains = s->subject_contains;
	s->query.limit = s->limit > 0 ? s->limit * ROWS_PER_SHOWN : 0;
	struct row_count count = {.list = list};
	dn_status rc = store_query_certs(store, &s->query, count_row, &count, err);
	*full = s->query.limit > 0 && count.rows >= s->query.limit;
	if (rc != DN_OK || s->fingerprint == NULL)
		return rc;
	for (size_t i = 0; i < s->n_matches; i++) {
		if (s->matches[i].value == s->fingerprint) {
			s->matches[i].kind = "sha1";
			s->matches[i].prefix = true;
		}
	}
	count.rows = 0;
	rc = store_query_certs(store, &s->query, count_row, &count, err);
	*full = *full || (s->query.limit > 0 && count.rows >= s->query.limit);
	return rc;
}

dn_status cert_search_run(struct store *store, struct cert_search *s, struct cert_list *list,
                          bool *more, struct dn_error *err)
{
	bool full = false;
	*more = false;
	dn_status rc = query_store(store, s, list, &full, err);
	if (rc != DN_OK)
		return rc;

	/* Fold, cut and complete the certificates found: partial ones
	 * replaced by full ones, precertificates paired, then the cut at the
	 * limit, so that each shown certificate counts once. */
	rc = cert_list_resolve(list, store, err);
	if (rc == DN_OK && s->dedupe)
		rc = cert_list_pair(list, store, err);
	if (rc != DN_OK)
		return rc;
	bool cut = cert_list_cut(list, s->limit) > 0;
	*more = cut || full;
	return cert_list_read_sightings(list, store, err);
}
