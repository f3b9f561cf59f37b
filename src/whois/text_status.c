/* Wording of not-found, throttled, reserved and error WHOIS responses. */
#include "whois/text_status.h"

#include <string.h>
#include <strings.h>

/* Phrases matched case-insensitively anywhere in a line. They come from
 * registries' responses: "WHOIS LIMIT EXCEEDED" (PIR), "The WHOIS query quota
 * for ... has been exceeded" (Nominet), "No entries found" (AFNIC, TCI),
 * "Status: free" (DENIC) and so on. */
static const char *const throttled_phrases[] = {
	"too many requests",  "too many queries",      "quota exceeded",
	"has been exceeded",  "limit exceeded",         "try again later",
	"access control limit", "excessive querying",  "grace period",
	"please go away",     "request denied",        "slow down",
	"requests per second", "request per second",   "rate limit",
	"exceeded the maximum", "maximum number of queries",
};

static const char *const reserved_phrases[] = {
	"reserved by",        "name is reserved",       "domain is reserved",
	"is not available or is reserved", "restricted from registration",
	"restricted domain",  "domain not available",   "is prohibited",
	"not available for registration", "not available for second level registration",
	"second level domain name is reserved",
};

static const char *const not_found_phrases[] = {
	"no match",           "not found",              "no entries found",
	"no data found",      "no matching record",     "has not been registered",
	"no information available", "is free",          "domain not registered",
	"not registered",     "no object found",        "object does not exist",
	"does not exist",     "nothing found",          "no such domain",
	"no records matching", "status: free",          "status: available",
	"등록되어 있지 않습니다",
};

static const char *const error_phrases[] = {
	"temporarily unavailable", "currently down", "service unavailable",
	"invalid input",      "invalid query",          "invalid request",
	"internal error",     "malformed request",      "unable to process",
};

static bool contains_nocase(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	char first = needle[0];
	for (size_t i = 0; i + n <= len; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
		if (c == first && strncasecmp(s + i, needle, n) == 0)
			return true;
	}
	return false;
}

static bool matches_any(const char *s, size_t len, const char *const *phrases, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (contains_nocase(s, len, phrases[i]))
			return true;
	}
	return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The first line of each kind. */
struct text_status_scan {
	const char *first[TEXT_STATUS_KIND_COUNT];
	size_t first_len[TEXT_STATUS_KIND_COUNT];
	const char *first_text;   /* first line that is no comment, for a reason */
	size_t first_text_len;
};

static void scan_line(struct text_status_scan *scan, const char *line, size_t len)
{
	static const struct {
		const char *const *phrases;
		size_t count;
	} kinds[TEXT_STATUS_KIND_COUNT] = {
		[TEXT_STATUS_THROTTLED] = {throttled_phrases, COUNT(throttled_phrases)},
		[TEXT_STATUS_RESERVED] = {reserved_phrases, COUNT(reserved_phrases)},
		[TEXT_STATUS_NOT_FOUND] = {not_found_phrases, COUNT(not_found_phrases)},
		[TEXT_STATUS_ERROR] = {error_phrases, COUNT(error_phrases)},
	};
	/* Disclaimers are long; the lines that state a status are short. */
	if (len > 200)
		return;
	if (scan->first_text == NULL && line[0] != '%' && line[0] != '#' && line[0] != '[') {
		scan->first_text = line;
		scan->first_text_len = len;
	}
	for (int k = 0; k < TEXT_STATUS_KIND_COUNT; k++) {
		if (scan->first[k] == NULL && matches_any(line, len, kinds[k].phrases, kinds[k].count)) {
			scan->first[k] = line;
			scan->first_len[k] = len;
		}
	}
}

static bool status_is(const struct whois_record *rec, const char *const *words, size_t count)
{
	for (size_t i = 0; i < rec->n_statuses; i++) {
		for (size_t k = 0; k < count; k++) {
			if (strcasecmp(rec->statuses[i], words[k]) == 0)
				return true;
		}
	}
	return false;
}

static bool has_registration(const struct whois_record *rec)
{
	if (rec->created != WHOIS_TIME_UNSET || rec->expires != WHOIS_TIME_UNSET ||
	    rec->n_nameservers > 0 || rec->registrar.name != NULL)
		return true;
	for (int i = 0; i < WHOIS_ROLE_COUNT; i++) {
		if (rec->contacts[i].present)
			return true;
	}
	return false;
}

/* The line as a reason: comment marks and spaces trimmed, at most 200 bytes. */
static const char *reason_text(struct arena *arena, const char *line, size_t len)
{
	while (len > 0 && strchr("%#*>-:; \t", *line) != NULL) {
		line++;
		len--;
	}
	while (len > 0 && strchr("<%# \t", line[len - 1]) != NULL)
		len--;
	if (len == 0)
		return NULL;
	if (len > 200)
		len = 200;
	char *out = arena_alloc(arena, len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, line, len);
	out[len] = '\0';
	return out;
}

static void set_status(struct whois_record *rec, enum whois_status status,
                       const struct text_status_scan *scan, enum text_status_kind kind,
                       struct arena *arena)
{
	rec->status = status;
	if (scan->first[kind] != NULL)
		rec->reason = reason_text(arena, scan->first[kind], scan->first_len[kind]);
	else if (scan->first_text != NULL)
		rec->reason = reason_text(arena, scan->first_text, scan->first_text_len);
}

static void scan_text(struct text_status_scan *scan, const char *text, size_t len)
{
	memset(scan, 0, sizeof(*scan));
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n' && text[end] != '\0')
			end++;
		const char *line = text + pos;
		size_t n = end - pos;
		while (n > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			n--;
		}
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			n--;
		if (n > 0)
			scan_line(scan, line, n);
		pos = end + 1;
	}
}

void text_status_decide(const char *text, size_t len, struct whois_record *rec,
                        struct arena *arena)
{
	static const char *const reserved_words[] = {"reserved", "blocked", "restricted"};
	static const char *const free_words[] = {"free", "available", "not registered",
	                                         "no object found"};
	struct text_status_scan scan_data, *scan = &scan_data;

	bool registered = has_registration(rec);
	if (registered && !(status_is(rec, reserved_words, COUNT(reserved_words)) &&
	                    rec->created == WHOIS_TIME_UNSET && rec->expires == WHOIS_TIME_UNSET))
		return;
	scan_text(scan, text, len);
	if (registered) {
		set_status(rec, WHOIS_RESERVED, scan, TEXT_STATUS_RESERVED, arena);
		return;
	}
	if (scan->first[TEXT_STATUS_THROTTLED] != NULL)
		set_status(rec, WHOIS_THROTTLED, scan, TEXT_STATUS_THROTTLED, arena);
	else if (status_is(rec, reserved_words, COUNT(reserved_words)) ||
	         scan->first[TEXT_STATUS_RESERVED] != NULL)
		set_status(rec, WHOIS_RESERVED, scan, TEXT_STATUS_RESERVED, arena);
	else if (status_is(rec, free_words, COUNT(free_words)) ||
	         scan->first[TEXT_STATUS_NOT_FOUND] != NULL)
		set_status(rec, WHOIS_NOT_FOUND, scan, TEXT_STATUS_NOT_FOUND, arena);
	else if (scan->first[TEXT_STATUS_ERROR] != NULL)
		set_status(rec, WHOIS_ERROR, scan, TEXT_STATUS_ERROR, arena);
	else if (rec->referral_server != NULL)
		rec->status = WHOIS_REFERRAL;
	else if (rec->domain == NULL && rec->n_statuses == 0 &&
	         rec->updated == WHOIS_TIME_UNSET)
		set_status(rec, WHOIS_ERROR, scan, TEXT_STATUS_ERROR, arena);
}
