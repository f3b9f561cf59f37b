/* What each feed format provides to the dispatcher in feed.c. */
#pragma once

#include "feed/feed.h"

struct feed_format_ops {
	enum feed_format format;
	const char *name;
	size_t state_size; /* bytes of per-parser state, zeroed before init */
	dn_status (*init)(void *state);   /* NULL when zeroed state is enough */
	void (*fini)(void *state);        /* NULL when nothing to free */
	dn_status (*line)(void *state, const char *line, size_t len, feed_record_fn fn,
	                  void *ctx, struct dn_error *err);
	dn_status (*end)(void *state, struct dn_error *err); /* NULL: always DN_OK */
	/* True when buf (the first bytes of an input, up to a few KiB, maybe
	 * cut mid-line) looks like this format. */
	bool (*detect)(const char *buf, size_t len);
};

extern const struct feed_format_ops feed_zeek_tsv_ops;
extern const struct feed_format_ops feed_zeek_json_ops;
extern const struct feed_format_ops feed_eve_ops;
extern const struct feed_format_ops feed_passivedns_ops;
extern const struct feed_format_ops feed_cof_ops;
extern const struct feed_format_ops feed_saf_ops;
