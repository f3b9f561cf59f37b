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
	[DN_EBUSY] = "in use by another process",
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
