/* Placeholder until the parser lands. */
#include "feed/feed_impl.h"

static dn_status line_unimplemented(void *state, const char *line, size_t len, feed_record_fn fn,
                                    void *ctx, struct dn_error *err)
{
	(void)state, (void)line, (void)len, (void)fn, (void)ctx;
	return dn_fail(err, DN_ENOTSUP, "eve input is not supported yet");
}

static bool detect_never(const char *buf, size_t len)
{
	(void)buf, (void)len;
	return false;
}

const struct feed_format_ops feed_eve_ops = {
	.format = FEED_EVE,
	.name = "eve",
	.line = line_unimplemented,
	.detect = detect_never,
};
