/* Tell RDAP from WHOIS text and hand the bytes to the right parser. */
#include "whois/response.h"

#include <idn2.h>
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
	if (rc == DN_OK && rec->domain == NULL && hints != NULL)
		rec->domain = hints->domain;
	return rc;
}

bool whois_domain_key(const char *name, char *out, size_t size)
{
	char *ascii = NULL;
	if (idn2_to_ascii_8z(name, &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK &&
	    idn2_to_ascii_8z(name, &ascii, IDN2_TRANSITIONAL) != IDN2_OK)
		return false;
	size_t len = strlen(ascii);
	while (len > 0 && ascii[len - 1] == '.')
		len--;
	bool ok = len > 0 && len < size && memchr(ascii, '.', len) != NULL;
	for (size_t i = 0; ok && i < len; i++)
		out[i] = (char)((ascii[i] >= 'A' && ascii[i] <= 'Z') ? ascii[i] + 32 : ascii[i]);
	if (ok)
		out[len] = '\0';
	idn2_free(ascii);
	return ok;
}
