/* Redaction placeholders and privacy-service names in WHOIS contacts. */
#include "whois/privacy.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* data/privacy-services.txt, compiled in by CMake (cmake/embed_text.cmake). */
extern const char whois_privacy_services_text[];
extern const size_t whois_privacy_services_text_len;

/* Text that marks a whole value as a placeholder wherever it appears in it
 * (case-insensitive): "REDACTED FOR PRIVACY", "Redacted | EU Data Subject",
 * the RDDS and web-form notices that take the place of an email, and the
 * registries' own wordings. */
static const char *const redaction_phrases[] = {
	"redacted",
	"data protected",
	"not disclosed",
	"gdpr masked",
	"statutory masking enabled",
	"please query the rdds service",
	"select request email form",
	"hidden upon user request",
	"non-public data",
	"not displayed due to gdpr",
	"disclosure of contact data is restricted",
	"hidden! details are available",
	"data protection policy",
	"whois privacy",
	"privacy protected",
	"contact the registrar of record",
	"identity withheld",
	"(not shown)",
};

/* Values that are placeholders only when they are the whole value, since as
 * words they also occur in real names ("Protected Trust Inc."). */
static const char *const redaction_values[] = {
	"privacy", "protected", "private", "hidden", "hidden!", "withheld", "not disclosed!",
	"private person", "not available", "redacted",
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive search for needle (needle_len bytes, lower case) in
 * haystack. */
static bool contains_nocase(const char *haystack, const char *needle, size_t needle_len)
{
	if (needle_len == 0)
		return false;
	/* Compare the first byte by hand: most positions fail there. */
	char first = needle[0];
	for (const char *p = haystack; *p != '\0'; p++) {
		if (lower(*p) == first && strncasecmp(p, needle, needle_len) == 0)
			return true;
	}
	return false;
}

/* Values shorter than this are searched with the matchers below, which
 * fold case as they read. Longer ones take contains_nocase(), the plain
 * search that the unit tests compare the matchers with. */
#define MATCHED_MAX 511

/* Return the length of value, or MATCHED_MAX when it is that long or longer. */
static size_t matched_length(const char *value)
{
	return strnlen(value, MATCHED_MAX);
}

/* Many lower-case patterns searched in one pass over a value, whose case
 * is folded as it is read. Only the patterns that start with the byte at
 * a position are compared there, and most positions are skipped (see
 * min_len). One strstr() per pattern was most of the cost of marking a
 * record. */
#define MATCHER_MAX 160
#define SHIFT_SLOTS 4096 /* a power of two; two bytes hash into it */
#define SHIFT_MAX 255    /* min_len is capped here, so that shifts fit a byte */

struct matcher {
	const char *patterns[MATCHER_MAX];
	size_t lengths[MATCHER_MAX];
	size_t count;
	uint64_t pairs[65536 / 64]; /* first two bytes of some pattern */
	bool singles[256];          /* patterns of one byte */
	/* Pattern numbers grouped by first byte, in pattern order within a
	 * group: those of byte c are by_first[first_begin[c]] up to
	 * by_first[first_begin[c + 1]]. Set by matcher_index(). */
	uint8_t by_first[MATCHER_MAX];
	uint16_t first_begin[257];
	/* Skips, when every pattern has at least 3 bytes (min_len). A window
	 * of min_len bytes moves on by shift[] of the hash of its last two
	 * bytes, which is the smallest distance at which those two bytes could
	 * end the first min_len bytes of a pattern. Only windows with a shift
	 * of 0 are compared (Wu and Manber's multi-pattern search). Set by
	 * matcher_index(). */
	size_t min_len;
	uint8_t shift[SHIFT_SLOTS];
};

static unsigned block_slot(unsigned char a, unsigned char b)
{
	return ((unsigned)a << 4 ^ b) & (SHIFT_SLOTS - 1);
}

static void matcher_add(struct matcher *m, const char *pattern)
{
	size_t len = strlen(pattern);
	if (len == 0 || m->count == MATCHER_MAX)
		return;
	m->patterns[m->count] = pattern;
	m->lengths[m->count] = len;
	m->count++;
	if (len == 1) {
		m->singles[(unsigned char)pattern[0]] = true;
		return;
	}
	unsigned pair = (unsigned)(unsigned char)pattern[0] << 8 | (unsigned char)pattern[1];
	m->pairs[pair / 64] |= (uint64_t)1 << (pair % 64);
}

/* Group the patterns by first byte, after the last matcher_add(). */
static void matcher_index(struct matcher *m)
{
	_Static_assert(MATCHER_MAX <= 256, "pattern numbers fit in uint8_t");
	size_t n = 0;
	for (unsigned c = 0; c < 256; c++) {
		m->first_begin[c] = (uint16_t)n;
		for (size_t k = 0; k < m->count; k++) {
			if ((unsigned char)m->patterns[k][0] == c)
				m->by_first[n++] = (uint8_t)k;
		}
	}
	m->first_begin[256] = (uint16_t)n;

	m->min_len = SHIFT_MAX;
	for (size_t k = 0; k < m->count; k++) {
		if (m->lengths[k] < m->min_len)
			m->min_len = m->lengths[k];
	}
	if (m->count == 0 || m->min_len < 3)
		return; /* matcher_find() then tests every position */
	/* Two blocks can share a slot; the smaller shift keeps both safe. */
	memset(m->shift, (int)(m->min_len - 1), sizeof(m->shift));
	for (size_t k = 0; k < m->count; k++) {
		const unsigned char *p = (const unsigned char *)m->patterns[k];
		for (size_t j = 0; j + 2 <= m->min_len; j++) {
			unsigned slot = block_slot(p[j], p[j + 1]);
			size_t shift = m->min_len - 2 - j;
			if (shift < m->shift[slot])
				m->shift[slot] = (uint8_t)shift;
		}
	}
}

/* Whether text (n bytes, any case) is pattern (lower case). */
static bool equals_folded(const char *text, const char *pattern, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		if (lower(text[j]) != pattern[j])
			return false;
	}
	return true;
}

/* The first pattern, in pattern order, that starts at text[i], or -1. */
static int match_at(const struct matcher *m, const char *text, size_t len, size_t i)
{
	unsigned char c = (unsigned char)lower(text[i]);
	for (size_t g = m->first_begin[c]; g < m->first_begin[c + 1]; g++) {
		size_t k = m->by_first[g];
		if (m->lengths[k] <= len - i && equals_folded(text + i, m->patterns[k], m->lengths[k]))
			return (int)k;
	}
	return -1;
}

/* The first pattern found in text (len bytes, any case), or -1. */
static int matcher_find(const struct matcher *m, const char *text, size_t len)
{
	if (m->count > 0 && m->min_len >= 3) {
		/* Windows are visited left to right, and a pattern starting at i
		 * gives window i a shift of 0, so the leftmost match is found. */
		size_t w = m->min_len;
		for (size_t i = 0; i + w <= len;) {
			size_t shift = m->shift[block_slot((unsigned char)lower(text[i + w - 2]),
			                                   (unsigned char)lower(text[i + w - 1]))];
			if (shift > 0) {
				i += shift;
				continue;
			}
			int k = match_at(m, text, len, i);
			if (k >= 0)
				return k;
			i++;
		}
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)lower(text[i]);
		bool candidate = m->singles[c];
		if (!candidate && i + 1 < len) {
			unsigned pair = (unsigned)c << 8 | (unsigned char)lower(text[i + 1]);
			candidate = (m->pairs[pair / 64] >> (pair % 64)) & 1;
		}
		if (!candidate)
			continue;
		/* Only patterns that start with c can match here, and within a
		 * group the first in pattern order wins, as over all of them. */
		int k = match_at(m, text, len, i);
		if (k >= 0)
			return k;
	}
	return -1;
}

/* Whether value, with surrounding space ignored, equals word. */
static bool equals_trimmed(const char *value, const char *word)
{
	while (*value == ' ' || *value == '\t')
		value++;
	size_t len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	return len == strlen(word) && strncasecmp(value, word, len) == 0;
}

/* The service names, parsed from the embedded text on first use. Each name
 * gets its own NUL-terminated slot so that whois_privacy_service() can
 * return it. The table never changes after that first use. */
#define PRIVACY_SERVICE_MAX 128
#define PRIVACY_NAME_MAX 96

struct service_table {
	size_t count;
	char names[PRIVACY_SERVICE_MAX][PRIVACY_NAME_MAX];
	char lowered[PRIVACY_SERVICE_MAX][PRIVACY_NAME_MAX];
	size_t lengths[PRIVACY_SERVICE_MAX];
};

static void load_services(struct service_table *table)
{
	const char *p = whois_privacy_services_text;
	const char *end = p + whois_privacy_services_text_len;
	table->count = 0;
	while (p < end && table->count < PRIVACY_SERVICE_MAX) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		size_t len = (size_t)(eol - p);
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (len > 0 && p[0] != '#' && len < PRIVACY_NAME_MAX) {
			memcpy(table->names[table->count], p, len);
			table->names[table->count][len] = '\0';
			for (size_t i = 0; i < len; i++)
				table->lowered[table->count][i] = lower(p[i]);
			table->lowered[table->count][len] = '\0';
			table->lengths[table->count] = len;
			table->count++;
		}
		p = eol + 1;
	}
}


#define REDACTION_VALUE_COUNT (sizeof(redaction_values) / sizeof(redaction_values[0]))

static struct service_table services;
static struct matcher service_matcher; /* services.lowered, in the same order */
static struct matcher phrase_matcher;  /* redaction_phrases */
static size_t redaction_value_lengths[REDACTION_VALUE_COUNT];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void load_tables(void)
{
	load_services(&services);
	for (size_t i = 0; i < REDACTION_VALUE_COUNT; i++)
		redaction_value_lengths[i] = strlen(redaction_values[i]);
	for (size_t i = 0; i < services.count; i++)
		matcher_add(&service_matcher, services.lowered[i]);
	for (size_t i = 0; i < sizeof(redaction_phrases) / sizeof(redaction_phrases[0]); i++)
		matcher_add(&phrase_matcher, redaction_phrases[i]);
	matcher_index(&service_matcher);
	matcher_index(&phrase_matcher);
}

/* Whether text (len bytes, any case), with surrounding space ignored, is
 * one of redaction_values. */
static bool is_redaction_value(const char *text, size_t len)
{
	while (len > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < REDACTION_VALUE_COUNT; i++) {
		if (len == redaction_value_lengths[i] && equals_folded(text, redaction_values[i], len))
			return true;
	}
	return false;
}

bool whois_is_redacted(const char *value)
{
	if (value == NULL)
		return false;
	pthread_once(&tables_once, load_tables);
	size_t len = matched_length(value);
	if (len < MATCHED_MAX)
		return is_redaction_value(value, len) || matcher_find(&phrase_matcher, value, len) >= 0;
	for (size_t i = 0; i < REDACTION_VALUE_COUNT; i++) {
		if (equals_trimmed(value, redaction_values[i]))
			return true;
	}
	for (size_t i = 0; i < sizeof(redaction_phrases) / sizeof(redaction_phrases[0]); i++) {
		const char *phrase = redaction_phrases[i];
		if (contains_nocase(value, phrase, strlen(phrase)))
			return true;
	}
	return false;
}

const char *whois_privacy_service(const char *value)
{
	if (value == NULL || *value == '\0')
		return NULL;
	pthread_once(&tables_once, load_tables);
	size_t len = matched_length(value);
	if (len < MATCHED_MAX) {
		int k = matcher_find(&service_matcher, value, len);
		return k >= 0 ? services.names[k] : NULL;
	}
	for (size_t i = 0; i < services.count; i++) {
		if (contains_nocase(value, services.lowered[i], services.lengths[i]))
			return services.names[i];
	}
	return NULL;
}

static bool names_service(const struct whois_contact *c)
{
	const char *fields[] = {c->name, c->org, c->email, c->street[0], c->street[1]};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (whois_privacy_service(fields[i]) != NULL)
			return true;
	}
	return false;
}

/* Replace a redacted value by NULL; true when one was. */
static bool clear_redacted(const char **field)
{
	if (*field == NULL || !whois_is_redacted(*field))
		return false;
	*field = NULL;
	return true;
}

static void mark_contact(struct whois_contact *c)
{
	c->mask = WHOIS_CLEAR;
	if (!c->present)
		return;
	const char **fields[] = {&c->id,   &c->name,  &c->org,         &c->email,
	                         &c->phone, &c->fax,  &c->city,        &c->state,
	                         &c->postal_code, &c->country};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		clear_redacted(fields[i]);
	for (size_t i = 0; i < WHOIS_STREET_MAX; i++)
		clear_redacted(&c->street[i]);
	/* Close the gaps that cleared street lines leave. */
	size_t lines = 0;
	for (size_t i = 0; i < WHOIS_STREET_MAX; i++) {
		if (c->street[i] != NULL)
			c->street[lines++] = c->street[i];
	}
	for (size_t i = lines; i < WHOIS_STREET_MAX; i++)
		c->street[i] = NULL;

	if (names_service(c))
		c->mask = WHOIS_PRIVACY;
	else if (c->name == NULL && c->org == NULL && c->email == NULL && c->phone == NULL)
		c->mask = WHOIS_REDACTED;
}

void whois_mark_masked(struct whois_record *rec)
{
	for (int role = 0; role < WHOIS_ROLE_COUNT; role++)
		mark_contact(&rec->contacts[role]);
}
