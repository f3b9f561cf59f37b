/* Domain names as pDNS keys: normalising user input and reversing label order. */
#include "pdns/name.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <libknot/libknot.h>

static bool is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return false;
	}
	return true;
}

/* Check label lengths and escapes of an ASCII name with a trailing dot,
 * counting an escape such as "\." or "\032" as one byte. */
static bool labels_valid(const char *name)
{
	if (strcmp(name, ".") == 0)
		return true;
	size_t label = 0, total = 0;
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			if (isdigit((unsigned char)p[1])) {
				/* \DDD: exactly three digits and a byte value */
				if (!isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]))
					return false;
				int value = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
				if (value > 255)
					return false;
				p += 3;
			} else {
				p += 1;
			}
			label++;
		} else if (*p == '.') {
			if (label == 0 || label > 63)
				return false;
			total += label + 1;
			label = 0;
			continue;
		} else {
			label++;
		}
	}
	return label == 0 && total <= 254;
}

/* Rewrite a valid presentation name into the form stored names have: the
 * wire form rendered by libknot, so "\\101vil.test." becomes "evil.test."
 * and every escape is spelled the one way stored names spell it. */
static dn_status canonicalize(char *name, size_t size, const char *input, struct dn_error *err)
{
	uint8_t wire[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(wire, name, sizeof(wire)) == NULL)
		return dn_fail(err, DN_EINVAL, "invalid domain name '%s'", input);
	knot_dname_to_lower(wire);
	if (knot_dname_to_str(name, wire, size) == NULL)
		return dn_fail(err, DN_EINVAL, "domain name too long: %.64s...", input);
	return DN_OK;
}

dn_status pdns_name_normalize(const char *input, char *out, size_t size, struct dn_error *err)
{
	size_t len = strlen(input);
	if (len == 0)
		return dn_fail(err, DN_EINVAL, "empty domain name");
	if (len + 2 > size)
		return dn_fail(err, DN_EINVAL, "domain name too long: %.64s...", input);

	if (is_ascii(input)) {
		for (size_t i = 0; i < len; i++)
			out[i] = (char)tolower((unsigned char)input[i]);
		out[len] = '\0';
	} else {
		char *ascii = NULL;
		int rc = idn2_to_ascii_8z(input, &ascii, IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK)
			return dn_fail(err, DN_EINVAL, "invalid internationalised name '%s': %s",
			               input, idn2_strerror(rc));
		size_t alen = strlen(ascii);
		if (alen + 2 > size) {
			idn2_free(ascii);
			return dn_fail(err, DN_EINVAL, "domain name too long: %s", input);
		}
		for (size_t i = 0; i <= alen; i++)
			out[i] = (char)tolower((unsigned char)ascii[i]);
		idn2_free(ascii);
		len = alen;
	}

	if (len == 0 || out[len - 1] != '.') {
		out[len++] = '.';
		out[len] = '\0';
	}
	if (!labels_valid(out))
		return dn_fail(err, DN_EINVAL,
		               "invalid domain name '%s': empty label, label over 63 bytes, name "
		               "over 253 characters or malformed \\DDD escape",
		               input);
	return canonicalize(out, size, input, err);
}

void pdns_name_reverse(const char *name, char *out, size_t size)
{
	size_t len = strlen(name);
	if (size == 0)
		return;
	if (len + 2 > size) {
		out[0] = '\0';
		return;
	}
	if (len == 0 || strcmp(name, ".") == 0) {
		strcpy(out, name);
		return;
	}

	/* Most names have no escapes: copy labels from the last dot back. */
	if (name[0] != '.' && memchr(name, '\\', len) == NULL) {
		size_t end = name[len - 1] == '.' ? len - 1 : len;
		size_t pos = 0;
		while (end > 0) {
			const char *dot = memrchr(name, '.', end);
			size_t from = dot != NULL ? (size_t)(dot - name) + 1 : 0;
			memcpy(out + pos, name + from, end - from);
			pos += end - from;
			out[pos++] = '.';
			end = dot != NULL ? (size_t)(dot - name) : 0;
		}
		out[pos] = '\0';
		return;
	}

	/* Find label starts left to right, then copy them right to left. */
	size_t starts[128];
	size_t nlabels = 0;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '\\' && i + 1 < len) {
			i++;
			continue;
		}
		if (name[i] == '.') {
			if (nlabels < sizeof(starts) / sizeof(starts[0]))
				starts[nlabels++] = start;
			start = i + 1;
		}
	}
	if (start < len && nlabels < sizeof(starts) / sizeof(starts[0]))
		starts[nlabels++] = start; /* name without a trailing dot */

	size_t pos = 0;
	for (size_t k = nlabels; k-- > 0;) {
		size_t from = starts[k];
		size_t to = from;
		while (to < len && name[to] != '.') {
			if (name[to] == '\\' && to + 1 < len)
				to++;
			to++;
		}
		memcpy(out + pos, name + from, to - from);
		pos += to - from;
		out[pos++] = '.';
	}
	out[pos] = '\0';
}

void pdns_name_to_unicode(const char *name, char *out, size_t size)
{
	char *unicode = NULL;
	char *ascii = NULL;
	/* libidn2 2.3.3 decodes some invalid A-labels without an error
	 * ("xn--a" becomes an empty label), so the result counts only when it
	 * converts back to the same name. */
	if (strstr(name, "xn--") != NULL && idn2_to_unicode_8z8z(name, &unicode, 0) == IDN2_OK &&
	    idn2_to_ascii_8z(unicode, &ascii, IDN2_NONTRANSITIONAL) == IDN2_OK &&
	    strcasecmp(ascii, name) == 0 && strlen(unicode) < size)
		strcpy(out, unicode);
	else
		snprintf(out, size, "%s", name);
	idn2_free(ascii);
	idn2_free(unicode);
}
