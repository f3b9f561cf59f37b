/* Dispatch to the feed formats, and detection by content. */
#include "feed/feed.h"

#include <stdlib.h>
#include <string.h>

#include "feed/feed_impl.h"

/* Detection order: the formats whose marks are most specific come first,
 * so a SAF line (which holds a COF object) is not taken for COF, and a
 * Zeek JSON line is not taken for eve. */
static const struct feed_format_ops *const formats[] = {
	&feed_zeek_tsv_ops, &feed_saf_ops, &feed_eve_ops,
	&feed_zeek_json_ops, &feed_cof_ops, &feed_passivedns_ops,
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

struct feed_parser {
	const struct feed_format_ops *ops;
	max_align_t state[];
};

static const struct feed_format_ops *ops_of(enum feed_format format)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i]->format == format)
			return formats[i];
	return NULL;
}

dn_status feed_parser_new(enum feed_format format, struct feed_parser **parser)
{
	*parser = NULL;
	const struct feed_format_ops *ops = ops_of(format);
	if (!ops)
		return DN_EINVAL;
	struct feed_parser *p = calloc(1, sizeof(*p) + ops->state_size);
	if (!p)
		return DN_ENOMEM;
	p->ops = ops;
	if (ops->init) {
		dn_status rc = ops->init(p->state);
		if (rc) {
			free(p);
			return rc;
		}
	}
	*parser = p;
	return DN_OK;
}

void feed_parser_free(struct feed_parser *parser)
{
	if (!parser)
		return;
	if (parser->ops->fini)
		parser->ops->fini(parser->state);
	free(parser);
}

dn_status feed_parse_line(struct feed_parser *parser, const char *line, size_t len,
                          feed_record_fn fn, void *ctx, struct dn_error *err)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	return parser->ops->line(parser->state, line, len, fn, ctx, err);
}

dn_status feed_parse_end(struct feed_parser *parser, struct dn_error *err)
{
	return parser->ops->end ? parser->ops->end(parser->state, err) : DN_OK;
}

/* Lines looked at when the first ones match no format, as in a log whose
 * first line was damaged. */
#define DETECT_LINES 8

enum feed_format feed_detect(const char *buf, size_t len)
{
	size_t start = 0;
	/* A UTF-8 byte order mark, as Windows tools write, is not content. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		start = 3;
	for (int line = 0; line < DETECT_LINES && start < len; line++) {
		for (size_t i = 0; i < NFORMATS; i++)
			if (formats[i]->detect(buf + start, len - start))
				return formats[i]->format;
		const char *end = memchr(buf + start, '\n', len - start);
		if (end == NULL)
			break;
		start = (size_t)(end - buf) + 1;
	}
	return FEED_UNKNOWN;
}

const char *feed_format_name(enum feed_format format)
{
	const struct feed_format_ops *ops = ops_of(format);
	return ops ? ops->name : "unknown";
}

enum feed_format feed_format_from_name(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i]->format;
	return FEED_UNKNOWN;
}
