/* Print what a feed parser makes of a file, one JSON object per line, for
 * the integration tests:
 *   {"format": "eve"}                        the format used
 *   {"line": N, "rrname": ..., "rrtype": N, "rdata": ..., "bailiwick": ...,
 *    "time_first": N, "time_last": N, "count": N}           a record
 *   {"line": N, "negative": true, "rcode": N, "rrname": ..., "rrtype": N, ...}
 *   {"line": N, "status": "EMALF", "message": ...}          a line that failed
 *   {"end": "OK"} or {"end": "ELIMIT", "message": ...}      feed_parse_end()
 * Usage: feed_dump FORMAT|auto FILE. Exit status 0, or 2 for bad arguments
 * or an unreadable file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feed/feed.h"

static const char *status_name(dn_status rc)
{
	static const char *const names[DN_STATUS_COUNT] = {
		[DN_OK] = "OK",         [DN_ENOMEM] = "ENOMEM",   [DN_EINVAL] = "EINVAL",
		[DN_EIO] = "EIO",       [DN_EFORMAT] = "EFORMAT", [DN_EMALF] = "EMALF",
		[DN_ENOTSUP] = "ENOTSUP", [DN_ELIMIT] = "ELIMIT", [DN_ENOENT] = "ENOENT",
		[DN_ESTORE] = "ESTORE", [DN_ESCHEMA] = "ESCHEMA", [DN_EINTR] = "EINTR",
		[DN_EBUSY] = "EBUSY",
	};
	return rc < DN_STATUS_COUNT && names[rc] != NULL ? names[rc] : "UNKNOWN";
}

static void emit(json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		fprintf(stderr, "feed_dump: out of memory\n");
		exit(2);
	}
	puts(text);
	free(text);
	json_decref(obj);
}

/* Strings are written byte for byte: jansson rejects bytes that are not
 * UTF-8, so those go out as \u00XX of their Latin-1 reading. */
static json_t *bytes_string(const char *s)
{
	json_t *value = json_string(s);
	if (value != NULL)
		return value;
	size_t len = strlen(s);
	char *utf8 = malloc(len * 2 + 1), *p = utf8;
	if (utf8 == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			*p++ = (char)c;
		} else {
			*p++ = (char)(0xc0 | c >> 6);
			*p++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*p = '\0';
	value = json_string(utf8);
	free(utf8);
	return value;
}

static unsigned long current_line;

static dn_status print_record(const struct feed_record *rec, void *ctx)
{
	(void)ctx;
	json_t *obj = json_object();
	json_object_set_new(obj, "line", json_integer((json_int_t)current_line));
	if (rec->negative) {
		json_object_set_new(obj, "negative", json_true());
		json_object_set_new(obj, "rcode", json_integer(rec->rcode));
	}
	json_object_set_new(obj, "rrname", bytes_string(rec->rrname));
	json_object_set_new(obj, "rrtype", json_integer(rec->rrtype));
	json_object_set_new(obj, "rdata", rec->rdata ? bytes_string(rec->rdata) : json_null());
	json_object_set_new(obj, "bailiwick",
	                    rec->bailiwick ? bytes_string(rec->bailiwick) : json_null());
	json_object_set_new(obj, "time_first", json_integer(rec->time_first));
	json_object_set_new(obj, "time_last", json_integer(rec->time_last));
	json_object_set_new(obj, "count", json_integer((json_int_t)rec->count));
	emit(obj);
	return DN_OK;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: feed_dump FORMAT|auto FILE\n");
		return 2;
	}
	FILE *in = fopen(argv[2], "rb");
	if (in == NULL) {
		perror(argv[2]);
		return 2;
	}

	enum feed_format format = feed_format_from_name(argv[1]);
	if (strcmp(argv[1], "auto") == 0) {
		char head[4096];
		size_t n = fread(head, 1, sizeof(head), in);
		format = feed_detect(head, n);
		rewind(in);
	}
	struct feed_parser *parser;
	if (format == FEED_UNKNOWN || feed_parser_new(format, &parser) != DN_OK) {
		fprintf(stderr, "feed_dump: unknown or undetected format %s\n", argv[1]);
		return 2;
	}
	json_t *head = json_object();
	json_object_set_new(head, "format", json_string(feed_format_name(format)));
	emit(head);

	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, in)) >= 0) {
		current_line++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		struct dn_error err = {0};
		dn_status rc = feed_parse_line(parser, line, (size_t)len, print_record, NULL, &err);
		if (rc != DN_OK) {
			json_t *obj = json_object();
			json_object_set_new(obj, "line", json_integer((json_int_t)current_line));
			json_object_set_new(obj, "status", json_string(status_name(rc)));
			json_object_set_new(obj, "message", bytes_string(err.msg));
			emit(obj);
		}
	}
	struct dn_error err = {0};
	dn_status rc = feed_parse_end(parser, &err);
	json_t *end = json_object();
	json_object_set_new(end, "end", json_string(status_name(rc)));
	if (rc != DN_OK)
		json_object_set_new(end, "message", bytes_string(err.msg));
	emit(end);

	free(line);
	feed_parser_free(parser);
	fclose(in);
	return 0;
}
