/* Tell RDAP from WHOIS text and hand the bytes to the right parser. */
#include "whois/response.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "whois/rdap.h"

const char *whois_format_name(enum whois_format format)
{
	switch (format) {
	case WHOIS_FORMAT_TEXT:
		return "text";
	case WHOIS_FORMAT_RDAP:
		return "rdap";
	default:
		return "auto";
	}
}

static bool looks_like_json(const char *buf, size_t len)
{
	size_t i = 0;
	/* A UTF-8 byte order mark, then white space. */
	if (len >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb &&
	    (unsigned char)buf[2] == 0xbf)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i < len && buf[i] == '{';
}

static bool has_registration_data(const struct whois_record *rec)
{
	const struct whois_registrar *r = &rec->registrar;
	/* The domain alone does not count: the parser may take it from the
	 * caller's hint. */
	if (rec->registry_id != NULL || r->name != NULL ||
	    r->iana_id != NULL || r->whois_server != NULL || rec->n_statuses > 0 ||
	    rec->n_nameservers > 0 || rec->referral_server != NULL ||
	    rec->created != WHOIS_TIME_UNSET || rec->updated != WHOIS_TIME_UNSET ||
	    rec->expires != WHOIS_TIME_UNSET)
		return true;
	for (int i = 0; i < WHOIS_ROLE_COUNT; i++) {
		if (rec->contacts[i].present)
			return true;
	}
	return false;
}

dn_status whois_parse_response(const char *buf, size_t len, enum whois_format format,
                               const struct whois_text_hints *hints, struct arena *arena,
                               struct whois_record *rec, enum whois_format *used,
                               struct dn_error *err)
{
	if (format == WHOIS_FORMAT_AUTO)
		format = looks_like_json(buf, len) ? WHOIS_FORMAT_RDAP : WHOIS_FORMAT_TEXT;
	*used = format;
	dn_status rc = format == WHOIS_FORMAT_RDAP ? whois_parse_rdap(buf, len, arena, rec, err)
	                                           : whois_parse_text(buf, len, hints, arena, rec, err);
	if (rc != DN_OK)
		return rc;
	/* Text with no registration field in it ("hello world", a jCard array)
	 * is not a record, whatever domain the caller names. */
	if (rec->status == WHOIS_FOUND && !has_registration_data(rec))
		return dn_fail(err, DN_EFORMAT,
		               "not a WHOIS or RDAP response: no registration field found");
	if (rec->domain == NULL && hints != NULL)
		rec->domain = hints->domain;
	return DN_OK;
}

bool whois_domain_key(const char *name, char *out, size_t size)
{
	/* ASCII names need no IDNA mapping, only the checks below; libidn2
	 * was a twentieth of an import's time for them. */
	bool plain = true;
	for (const char *p = name; *p != '\0' && plain; p++)
		plain = (unsigned char)*p < 0x80;
	char *ascii = NULL;
	if (plain)
		ascii = strdup(name);
	else if (idn2_to_ascii_8z(name, &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK &&
	         idn2_to_ascii_8z(name, &ascii, IDN2_TRANSITIONAL) != IDN2_OK)
		return false;
	if (ascii == NULL)
		return false;
	size_t len = strlen(ascii);
	while (len > 0 && ascii[len - 1] == '.')
		len--;
	bool ok = len > 0 && len < size && memchr(ascii, '.', len) != NULL;
	/* Host name characters only, no empty label, and not an IPv4 address:
	 * a URL, a wildcard or a list is not a domain. */
	bool all_digits = true;
	for (size_t i = 0; ok && i < len; i++) {
		char c = ascii[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		ok = alnum || c == '-' || c == '_' || (c == '.' && i > 0 && ascii[i - 1] != '.');
		if (c != '.' && !(c >= '0' && c <= '9'))
			all_digits = false;
	}
	ok = ok && !all_digits;
	for (size_t i = 0; ok && i < len; i++)
		out[i] = (char)((ascii[i] >= 'A' && ascii[i] <= 'Z') ? ascii[i] + 32 : ascii[i]);
	if (ok)
		out[len] = '\0';
	if (plain)
		free(ascii);
	else
		idn2_free(ascii);
	return ok;
}
