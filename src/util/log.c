/* Levelled logging to stderr; nothing but results ever goes to stdout. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level current_level = LOG_INFO;
static bool with_stamps;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_setup(enum log_level level, bool stamps)
{
	current_level = level;
	with_stamps = stamps;
}

bool log_enabled(enum log_level level)
{
	return level <= current_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;

	char stamp[32] = "";
	if (with_stamps) {
		struct timespec now;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}

	va_list ap;
	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "%sdragnet: %s: ", stamp, level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}
