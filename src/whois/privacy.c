/* Redaction placeholders and privacy-service names in WHOIS contacts. */
#include "whois/privacy.h"

#include <pthread.h>
#include <stddef.h>
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

/* Values are lowered once into a buffer of this size and searched with
 * strstr(); longer ones fall back to contains_nocase(). */
#define LOWERED_MAX 512

static bool lower_copy(const char *value, char *out)
{
	size_t i = 0;
	for (; value[i] != '\0'; i++) {
		if (i + 1 >= LOWERED_MAX)
			return false;
		out[i] = lower(value[i]);
	}
	out[i] = '\0';
	return true;
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

bool whois_is_redacted(const char *value)
{
	if (value == NULL)
		return false;
	for (size_t i = 0; i < sizeof(redaction_values) / sizeof(redaction_values[0]); i++) {
		if (equals_trimmed(value, redaction_values[i]))
			return true;
	}
	char lowered[LOWERED_MAX];
	bool short_value = lower_copy(value, lowered);
	for (size_t i = 0; i < sizeof(redaction_phrases) / sizeof(redaction_phrases[0]); i++) {
		const char *phrase = redaction_phrases[i];
		if (short_value ? strstr(lowered, phrase) != NULL
		                : contains_nocase(value, phrase, strlen(phrase)))
			return true;
	}
	return false;
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

static struct service_table services;
static pthread_once_t services_once = PTHREAD_ONCE_INIT;

static void load_services_once(void)
{
	load_services(&services);
}

const char *whois_privacy_service(const char *value)
{
	if (value == NULL || *value == '\0')
		return NULL;
	pthread_once(&services_once, load_services_once);
	char lowered[LOWERED_MAX];
	bool short_value = lower_copy(value, lowered);
	for (size_t i = 0; i < services.count; i++) {
		if (short_value ? strstr(lowered, services.lowered[i]) != NULL
		                : contains_nocase(value, services.lowered[i], services.lengths[i]))
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
