/* DNSDB API version 2 Streaming Application Format (SAF): one JSON object
 * per line. {"cond":"begin"} opens the stream, {"obj":{...}} lines carry
 * COF objects, {"cond":"ongoing"} may accompany an obj or stand alone as a
 * keepalive, and a last line with cond "succeeded", "limited" or "failed"
 * (with a "msg") ends it. A stream without that last line was cut short. */
#include <stdio.h>
#include <string.h>

#include "feed/cof.h"
#include "feed/feed_impl.h"
#include "feed/json_line.h"

enum saf_end {
	SAF_OPEN = 0, /* no terminator yet */
	SAF_SUCCEEDED,
	SAF_LIMITED,
	SAF_FAILED,
};

/* Longest part of a provider's message kept for the report. */
#define SAF_MSG_MAX 200

struct saf_state {
	bool started; /* a line other than a blank one was read */
	enum saf_end end;
	char end_cond[16];
	char msg[SAF_MSG_MAX + 1];
	/* Of the streams before this one (files joined with cat), the worst
	 * ending: SAF_OPEN when there were none or all succeeded. */
	enum saf_end earlier;
	char earlier_msg[SAF_MSG_MAX + 1];
};

/* Whether a line is exactly a stream's opening {"cond":"begin"}. */
static bool is_begin_line(const char *line, size_t len)
{
	json_t *root;
	struct dn_error ignored;
	if (json_line_load(line, len, JSON_REJECT_DUPLICATES, &root, &ignored) != DN_OK)
		return false;
	const json_t *cond = json_object_get(root, "cond");
	bool begin = json_object_size(root) == 1 && json_is_string(cond) &&
	             strcmp(json_string_value(cond), "begin") == 0;
	json_decref(root);
	return begin;
}

static const struct {
	const char *name;
	enum saf_end end;
} terminators[] = {
	{"succeeded", SAF_SUCCEEDED},
	{"limited", SAF_LIMITED},
	{"failed", SAF_FAILED},
};

/* Check the cond member of a line, and note a terminator with its msg. */
static dn_status saf_cond(struct saf_state *s, const char *cond, const json_t *msg,
                          const json_t *obj, struct dn_error *err)
{
	if (strcmp(cond, "begin") == 0) {
		if (s->started)
			return dn_fail(err, DN_EMALF, "cond \"begin\" after the stream started");
		if (obj != NULL)
			return dn_fail(err, DN_EMALF, "cond \"begin\" line carries an obj");
		return DN_OK;
	}
	if (strcmp(cond, "ongoing") == 0)
		return DN_OK;
	for (size_t i = 0; i < sizeof(terminators) / sizeof(terminators[0]); i++) {
		if (strcmp(cond, terminators[i].name) != 0)
			continue;
		s->end = terminators[i].end;
		snprintf(s->end_cond, sizeof(s->end_cond), "%s", cond);
		if (msg != NULL)
			snprintf(s->msg, sizeof(s->msg), "%s", json_string_value(msg));
		if (obj != NULL)
			return dn_fail(err, DN_EMALF, "cond \"%s\" ends the stream but the line "
			               "carries an obj", cond);
		return DN_OK;
	}
	return dn_fail(err, DN_EMALF, "unknown cond \"%.32s\": expected begin, ongoing, succeeded, "
	               "limited or failed", cond);
}

static dn_status saf_line(void *state, const char *line, size_t len, feed_record_fn fn, void *ctx,
                          struct dn_error *err)
{
	struct saf_state *s = state;
	if (json_line_is_blank(line, len))
		return DN_OK;
	if (s->end != SAF_OPEN && is_begin_line(line, len)) {
		/* Another stream follows: keep the worse ending for the report. */
		if (s->end > s->earlier && s->end != SAF_SUCCEEDED) {
			s->earlier = s->end;
			memcpy(s->earlier_msg, s->msg, sizeof(s->msg));
		}
		s->end = SAF_OPEN;
		s->started = false;
		s->end_cond[0] = '\0';
		s->msg[0] = '\0';
	}
	if (s->end != SAF_OPEN)
		return dn_fail(err, DN_EMALF, "line after the end of the SAF stream (cond \"%s\")",
		               s->end_cond);

	json_t *root;
	dn_status rc = json_line_load(line, len, JSON_REJECT_DUPLICATES, &root, err);
	if (rc != DN_OK)
		return rc;

	const json_t *cond = json_object_get(root, "cond");
	const json_t *msg = json_object_get(root, "msg");
	const json_t *obj = json_object_get(root, "obj");
	if (cond != NULL && (!json_is_string(cond) ||
	                     strlen(json_string_value(cond)) != json_string_length(cond)))
		rc = dn_fail(err, DN_EMALF, "invalid cond: expected a string");
	else if (msg != NULL && !json_is_string(msg))
		rc = dn_fail(err, DN_EMALF, "invalid msg: expected a string");
	else if (obj != NULL && !json_is_object(obj))
		rc = dn_fail(err, DN_EMALF, "invalid obj: expected a COF object");
	else if (cond != NULL)
		rc = saf_cond(s, json_string_value(cond), msg, obj, err);
	else if (obj == NULL && json_object_size(root) > 0)
		rc = dn_fail(err, DN_EMALF, "a SAF line needs a cond or an obj member (for a "
		                            "bare COF object, read the file with --format cof)");
	s->started = true;

	/* An empty object {} is a keepalive. */
	if (rc == DN_OK && obj != NULL && s->end == SAF_OPEN)
		rc = cof_object_parse(obj, fn, ctx, err);
	json_decref(root);
	return rc;
}

static dn_status saf_end(void *state, struct dn_error *err)
{
	struct saf_state *s = state;
	if (s->end != SAF_OPEN && s->earlier > s->end) {
		s->end = s->earlier;
		memcpy(s->msg, s->earlier_msg, sizeof(s->msg));
	}
	const char *msg = s->msg[0] != '\0' ? s->msg : "no message given";
	switch (s->end) {
	case SAF_SUCCEEDED:
		return DN_OK;
	case SAF_LIMITED:
		return dn_fail(err, DN_ELIMIT, "the provider stopped at a result limit, so the "
		               "results are incomplete: %s", msg);
	case SAF_FAILED:
		return dn_fail(err, DN_EMALF, "the provider reported that the query failed: %s",
		               msg);
	case SAF_OPEN:
	default:
		return dn_fail(err, DN_EMALF, "the SAF stream ended without a line with cond "
		               "\"succeeded\", \"limited\" or \"failed\", so it was cut short");
	}
}

/* A first line that opens an object with a "cond" or "obj" member. */
static bool saf_detect(const char *buf, size_t len)
{
	const char *line;
	size_t n;
	if (!json_line_first(buf, len, &line, &n) || line[0] != '{')
		return false;
	size_t i = 1;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	const char *key = line + i;
	size_t rest = n - i;
	size_t key_len;
	if (rest >= 6 && memcmp(key, "\"cond\"", 6) == 0)
		key_len = 6;
	else if (rest >= 5 && memcmp(key, "\"obj\"", 5) == 0)
		key_len = 5;
	else
		return false;
	for (i += key_len; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i < n && line[i] == ':';
}

const struct feed_format_ops feed_saf_ops = {
	.format = FEED_SAF,
	.name = "saf",
	.state_size = sizeof(struct saf_state),
	.line = saf_line,
	.end = saf_end,
	.detect = saf_detect,
};
