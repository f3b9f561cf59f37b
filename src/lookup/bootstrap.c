/* Parser of IANA's RDAP bootstrap file for DNS (RFC 9224) and the longest
 * suffix match over it. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "lookup/bootstrap.h"

/* Maximum length of a domain name in presentation form, without the trailing dot. */
#define NAME_MAX_LEN 253

/* True when url starts with http:// or https:// and has something after. */
static bool is_http_url(const char *url)
{
	if (strncasecmp(url, "https://", 8) == 0)
		return url[8] != '\0';
	return strncasecmp(url, "http://", 7) == 0 && url[7] != '\0';
}

/* The service's URL to use: the first https:// one, else the first http://
 * one (RFC 9224 section 4 has clients prefer HTTPS), else NULL. */
static const char *pick_url(json_t *urls)
{
	const char *http = NULL;
	size_t i;
	json_t *value;

	json_array_foreach(urls, i, value) {
		const char *url = json_string_value(value);
		if (url == NULL || !is_http_url(url))
			continue;
		if (strncasecmp(url, "https://", 8) == 0)
			return url;
		if (http == NULL)
			http = url;
	}
	return http;
}

/* A malloc'd copy of label without dots at either end, in lower case; ""
 * when nothing is left. */
static char *copy_suffix(const char *label)
{
	size_t len = strlen(label);
	while (len > 0 && label[len - 1] == '.')
		len--;
	while (len > 0 && label[0] == '.') {
		label++;
		len--;
	}
	char *out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = label[i];
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[len] = '\0';
	return out;
}

/* A malloc'd copy of url with a '/' added when it lacks one at the end. */
static char *copy_base_url(const char *url)
{
	size_t len = strlen(url);
	bool slash = url[len - 1] == '/';
	char *out = malloc(len + (slash ? 1 : 2));
	if (out == NULL)
		return NULL;
	memcpy(out, url, len);
	if (!slash)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

static dn_status add_entry(struct rdap_bootstrap *b, size_t *room, const char *label,
                           const char *url, struct dn_error *err)
{
	char *suffix = copy_suffix(label);
	if (suffix == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading the RDAP bootstrap file");
	if (suffix[0] == '\0') {
		free(suffix);
		return DN_OK;
	}
	if (b->n_entries == *room) {
		size_t grown = *room ? *room * 2 : 64;
		struct rdap_bootstrap_entry *entries = realloc(b->entries, grown * sizeof(*entries));
		if (entries == NULL) {
			free(suffix);
			return dn_fail(err, DN_ENOMEM, "out of memory reading the RDAP bootstrap file");
		}
		b->entries = entries;
		*room = grown;
	}
	char *base = copy_base_url(url);
	if (base == NULL) {
		free(suffix);
		return dn_fail(err, DN_ENOMEM, "out of memory reading the RDAP bootstrap file");
	}
	b->entries[b->n_entries].suffix = suffix;
	b->entries[b->n_entries].base_url = base;
	b->n_entries++;
	return DN_OK;
}

/* Add the entries of services[index]: [[suffix...], [url...]]. */
static dn_status add_service(struct rdap_bootstrap *b, size_t *room, json_t *service,
                             size_t index, struct dn_error *err)
{
	json_t *labels = json_array_get(service, 0);
	json_t *urls = json_array_get(service, 1);
	if (!json_is_array(service) || !json_is_array(labels) || !json_is_array(urls))
		return dn_fail(err, DN_EMALF,
		               "RDAP bootstrap service %zu is not a pair of arrays "
		               "[[suffix, ...], [URL, ...]]",
		               index);

	const char *url = pick_url(urls);
	size_t i;
	json_t *label;
	json_array_foreach(labels, i, label) {
		if (!json_is_string(label))
			return dn_fail(err, DN_EMALF,
			               "RDAP bootstrap service %zu: suffix %zu is not a string", index,
			               i);
		if (url == NULL)
			continue;
		dn_status rc = add_entry(b, room, json_string_value(label), url, err);
		if (rc)
			return rc;
	}
	return DN_OK;
}

dn_status rdap_bootstrap_parse(const char *json, size_t len, struct rdap_bootstrap *out,
                               struct dn_error *err)
{
	memset(out, 0, sizeof(*out));

	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (root == NULL)
		return dn_fail(err, DN_EMALF, "RDAP bootstrap file: invalid JSON at line %d, column %d: %s",
		               jerr.line, jerr.column, jerr.text);
	json_t *services = json_object_get(root, "services");
	if (!json_is_array(services)) {
		json_decref(root);
		return dn_fail(err, DN_EMALF, "RDAP bootstrap file has no \"services\" array");
	}

	size_t room = 0, i;
	json_t *service;
	json_array_foreach(services, i, service) {
		dn_status rc = add_service(out, &room, service, i, err);
		if (rc) {
			json_decref(root);
			rdap_bootstrap_free(out);
			return rc;
		}
	}
	json_decref(root);
	return DN_OK;
}

const char *rdap_bootstrap_find(const struct rdap_bootstrap *bootstrap, const char *domain)
{
	size_t len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > NAME_MAX_LEN)
		return NULL;

	const struct rdap_bootstrap_entry *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < bootstrap->n_entries; i++) {
		const struct rdap_bootstrap_entry *entry = &bootstrap->entries[i];
		size_t n = strlen(entry->suffix);
		if (n > len || n <= best_len)
			continue;
		/* The suffix must start at a label boundary. */
		if (n < len && domain[len - n - 1] != '.')
			continue;
		if (strncasecmp(domain + len - n, entry->suffix, n) != 0)
			continue;
		best = entry;
		best_len = n;
	}
	return best != NULL ? best->base_url : NULL;
}

void rdap_bootstrap_free(struct rdap_bootstrap *bootstrap)
{
	for (size_t i = 0; i < bootstrap->n_entries; i++) {
		free(bootstrap->entries[i].suffix);
		free(bootstrap->entries[i].base_url);
	}
	free(bootstrap->entries);
	bootstrap->entries = NULL;
	bootstrap->n_entries = 0;
}
