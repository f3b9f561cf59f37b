/* libFuzzer target: the WHOIS contact normalisers. The input is the text of
 * a contact value. Its lines are also the street, city, postal code and
 * country of an address, and its first byte picks a country for phones. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whois/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every key is NUL-terminated, within WHOIS_KEY_MAX, and empty exactly when
 * the function returned false. */
static void check_key(bool ok, const char *key)
{
	size_t len = strnlen(key, WHOIS_KEY_MAX);
	if (len >= WHOIS_KEY_MAX || ok != (len > 0))
		abort();
}

/* A key normalised again is the same key. */
static void check_stable(bool (*fn)(const char *, char *, size_t), const char *key)
{
	char again[WHOIS_KEY_MAX];
	if (key[0] != '\0' && (!fn(key, again, sizeof(again)) || strcmp(key, again) != 0))
		abort();
}

static void check_phone(const char *text, const char *country)
{
	char key[WHOIS_KEY_MAX], again[WHOIS_KEY_MAX];
	bool ok = whois_norm_phone(text, country, key, sizeof(key));
	check_key(ok, key);
	if (ok && (!whois_norm_phone(key, country, again, sizeof(again)) || strcmp(key, again) != 0))
		abort();
}

static void check_address(char *text)
{
	struct whois_contact contact = {0};
	const char **fields[] = {&contact.street[0], &contact.street[1], &contact.city,
	                         &contact.postal_code, &contact.country};
	char *save = NULL;
	size_t n = 0;
	for (char *line = strtok_r(text, "\n", &save); line != NULL && n < 5;
	     line = strtok_r(NULL, "\n", &save))
		*fields[n++] = line;
	char key[WHOIS_KEY_MAX];
	check_key(whois_norm_address(&contact, key, sizeof(key)), key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const countries[] = {NULL, "GB", "US", "it", "Deutschland", "HU", "RU"};
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	char key[WHOIS_KEY_MAX];
	bool ok = whois_norm_email(text, key, sizeof(key));
	check_key(ok, key);
	check_stable(whois_norm_email, key);
	ok = whois_norm_name(text, key, sizeof(key));
	check_key(ok, key);
	check_stable(whois_norm_name, key);
	ok = whois_norm_org(text, key, sizeof(key));
	check_key(ok, key);
	check_phone(text, countries[size > 0 ? data[0] % 7 : 0]);

	/* A small buffer gets a whole key or nothing. */
	char small[6];
	ok = whois_norm_email(text, small, sizeof(small));
	if (ok != (small[0] != '\0') || strnlen(small, sizeof(small)) >= sizeof(small))
		abort();

	check_address(text);
	free(text);
	return 0;
}
