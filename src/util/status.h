/* Status codes and error messages shared by every dragnet module. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* Every library function that can fail returns one of these. DN_OK is zero so
 * that `if (rc)` reads as "if it failed". */
typedef enum {
	DN_OK = 0,
	DN_ENOMEM,   /* allocation failed */
	DN_EINVAL,   /* invalid argument or option value */
	DN_EIO,      /* read or write on a file or socket failed */
	DN_EFORMAT,  /* input is not in any format we recognise */
	DN_EMALF,    /* input is in a known format but malformed */
	DN_ENOTSUP,  /* valid input that this version cannot handle */
	DN_ELIMIT,   /* a configured limit (memory, count, size) was reached */
	DN_ENOENT,   /* the requested file or record does not exist */
	DN_ESTORE,   /* the store backend failed */
	DN_ESCHEMA,  /* the database schema is newer or damaged */
	DN_EINTR,    /* interrupted by a signal */
	DN_EBUSY,    /* another process is using the resource */
	DN_STATUS_COUNT
} dn_status;

/* Short constant text for a status code ("malformed input"). */
const char *dn_strerror(dn_status code);

/* An error with a message written where it happened, so the caller can pass it
 * up unchanged. The message names the value that failed and, where useful,
 * what to do next. */
struct dn_error {
	dn_status code;
	char msg[512];
};

/* Record code and a printf-style message in err (which may be NULL) and return
 * code, so a failing branch reads `return dn_fail(err, DN_EIO, "...", ...);`. */
dn_status dn_fail(struct dn_error *err, dn_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

