/* Status codes and error messages shared by every dragnet module. */
#include "util/status.h"

#include <stdio.h>
#include <string.h>

static const char *const status_text[DN_STATUS_COUNT] = {
	[DN_OK] = "success",
	[DN_ENOMEM] = "out of memory",
	[DN_EINVAL] = "invalid argument",
	[DN_EIO] = "input/output error",
	[DN_EFORMAT] = "unrecognised format",
	[DN_EMALF] = "malformed input",
	[DN_ENOTSUP] = "not supported",
	[DN_ELIMIT] = "limit reached",
	[DN_ENOENT] = "not found",
	[DN_ESTORE] = "store error",
	[DN_ESCHEMA] = "database schema error",
	[DN_EINTR] = "interrupted",
};

const char *dn_strerror(dn_status code)
{
	if ((unsigned)code >= DN_STATUS_COUNT)
		return "unknown error";
	return status_text[code];
}

dn_status dn_fail(struct dn_error *err, dn_status code, const char *fmt, ...)
{
	if (err == NULL)
		return code;

	va_list ap;
	va_start(ap, fmt);
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void dn_error_prefix(struct dn_error *err, const char *fmt, ...)
{
	if (err == NULL)
		return;

	char prefix[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);

	/* Shift the old message right and put the prefix in front of it; a
	 * message cut short at the buffer end is acceptable. */
	size_t plen = strlen(prefix);
	size_t cap = sizeof(err->msg) - 1;
	size_t room = plen + 2 < cap ? cap - plen - 2 : 0;
	size_t olen = strnlen(err->msg, room);
	memmove(err->msg + plen + 2, err->msg, olen);
	err->msg[plen + 2 + olen] = '\0';
	memcpy(err->msg, prefix, plen);
	err->msg[plen] = ':';
	err->msg[plen + 1] = ' ';
}

void dn_error_clear(struct dn_error *err)
{
	if (err == NULL)
		return;
	err->code = DN_OK;
	err->msg[0] = '\0';
}
