/* passivedns (gamelinux/passivedns) logs in its default layout, fields
 * joined by "||":
 *   ts||client||server||class||query||type||answer||ttl||count
 *   1322849924.408856||10.1.1.1||8.8.8.8||IN||upload.youtube.com.||A||74.125.43.117||46587||5
 * and the lines of its NXDOMAIN log, which put the rcode name ("NXDOMAIN",
 * "SERVFAIL", ...) in the answer field. The query field is the owner: after
 * a CNAME, passivedns writes the target as the query of the answers that
 * follow. Names and answers are ldns presentation text. For some types
 * passivedns writes only part of the rdata (the exchange of an MX, the
 * target of an SRV, the primary server of an SOA); those lines are
 * reported as not supported. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "feed/feed_impl.h"

#define SEP "||"
#define SEP_LEN 2

/* A fixed field count: ts, client, server and class on the left, ttl and
 * count on the right, query, type and answer between. */
#define LEFT_FIELDS 4

struct passivedns {
	char *copy; /* the line, with NULs written at field ends */
	size_t copy_size;
	char *owner; /* the query in master-file form */
	char *target; /* a CNAME, NS or PTR answer in master-file form */
	size_t name_size;
};

static void passivedns_fini(void *state)
{
	struct passivedns *p = state;
	free(p->copy);
	free(p->owner);
	free(p->target);
}

struct span {
	char *s;
	size_t len;
};

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return len > 0;
}

static bool span_is(const struct span *f, const char *s)
{
	return strlen(s) == f->len && memcmp(f->s, s, f->len) == 0;
}

/* The rcode names passivedns writes in place of an answer. */
static const char *const rcode_names[] = {
	NULL,       "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMPL", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
};

/* The rcode of an error line's answer field, or -1. */
static int answer_rcode(const struct span *answer)
{
	for (size_t i = 1; i < sizeof(rcode_names) / sizeof(rcode_names[0]); i++) {
		if (span_is(answer, rcode_names[i]))
			return (int)i;
	}
	static const char unknown[] = "UNKNOWN-ERROR-";
	size_t n = sizeof(unknown) - 1;
	if (answer->len > n && answer->len <= n + 5 && memcmp(answer->s, unknown, n) == 0 &&
	    all_digits(answer->s + n, answer->len - n)) {
		int rcode = atoi(answer->s + n);
		return rcode > 0 && rcode <= UINT16_MAX ? rcode : -1;
	}
	return -1;
}

static bool parse_uint(const struct span *f, size_t max_digits, uint64_t *out)
{
	if (!all_digits(f->s, f->len) || f->len > max_digits)
		return false;
	uint64_t value = 0;
	for (size_t i = 0; i < f->len; i++)
		value = value * 10 + (uint64_t)(f->s[i] - '0');
	*out = value;
	return true;
}

/* A type name as passivedns writes it ("A", "NSEC3PARAM") or a number. */
static bool parse_type(const struct span *f, uint16_t *type, bool *numeric)
{
	uint64_t value;
	*numeric = all_digits(f->s, f->len);
	if (*numeric) {
		if (!parse_uint(f, 5, &value) || value > UINT16_MAX)
			return false;
		*type = (uint16_t)value;
		return true;
	}
	if (f->len == 0 || f->len > 16)
		return false;
	for (size_t i = 0; i < f->len; i++) {
		if (!((f->s[i] >= 'A' && f->s[i] <= 'Z') || (f->s[i] >= '0' && f->s[i] <= '9')))
			return false;
	}
	char name[17];
	memcpy(name, f->s, f->len);
	name[f->len] = '\0';
	return knot_rrtype_from_string(name, type) == 0;
}

/* Split line (copied into p->copy) into its nine fields. The query and the
 * answer may contain "||" themselves. So ts, client, server and class are
 * taken from the left and ttl and count from the right. The type is the
 * one "||"-enclosed type name that follows a name ending in a dot. */
static dn_status split_fields(struct passivedns *p, const char *line, size_t len,
                              struct span f[9], struct dn_error *err)
{
	if (len + 1 > p->copy_size) {
		char *grown = realloc(p->copy, len + 1);
		if (grown == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory");
		p->copy = grown;
		p->copy_size = len + 1;
	}
	if (4 * len + 1 > p->name_size) {
		free(p->owner);
		free(p->target);
		p->name_size = 4 * len + 1;
		p->owner = malloc(p->name_size);
		p->target = malloc(p->name_size);
		if (p->owner == NULL || p->target == NULL) {
			p->name_size = 0;
			return dn_fail(err, DN_ENOMEM, "out of memory");
		}
	}
	char *s = p->copy;
	memcpy(s, line, len);
	s[len] = '\0';

	size_t pos = 0;
	for (int i = 0; i < LEFT_FIELDS; i++) {
		char *sep = strstr(s + pos, SEP);
		if (sep == NULL)
			return dn_fail(err, DN_EMALF, "fewer than 9 fields separated by '||'");
		f[i] = (struct span){s + pos, (size_t)(sep - s) - pos};
		pos = (size_t)(sep - s) + SEP_LEN;
	}

	/* count, then ttl, from the right */
	size_t end = len;
	for (int i = 8; i >= 7; i--) {
		size_t at = end;
		while (at >= pos + SEP_LEN && memcmp(s + at - SEP_LEN, SEP, SEP_LEN) != 0)
			at--;
		if (at < pos + SEP_LEN)
			return dn_fail(err, DN_EMALF, "fewer than 9 fields separated by '||'");
		f[i] = (struct span){s + at, end - at};
		end = at - SEP_LEN;
	}

	/* query||type||answer in [pos, end) */
	int found = 0;
	for (size_t i = pos + 1; i + SEP_LEN <= end; i++) {
		if (memcmp(s + i, SEP, SEP_LEN) != 0 || s[i - 1] != '.')
			continue;
		size_t type_start = i + SEP_LEN;
		char *type_end = strstr(s + type_start, SEP);
		if (type_end == NULL || (size_t)(type_end - s) + SEP_LEN > end)
			continue;
		struct span type = {s + type_start, (size_t)(type_end - s) - type_start};
		uint16_t number;
		bool numeric;
		if (!parse_type(&type, &number, &numeric))
			continue;
		if (found++ == 0) {
			f[4] = (struct span){s + pos, i - pos};
			f[5] = type;
			size_t answer_start = (size_t)(type_end - s) + SEP_LEN;
			f[6] = (struct span){s + answer_start, end - answer_start};
		}
	}
	if (found == 0)
		return dn_fail(err, DN_EMALF, "no record type between the query and the answer");
	if (found > 1)
		return dn_fail(err, DN_EMALF, "'||' inside the query or answer leaves the fields "
		                              "ambiguous");
	for (int i = 0; i < 9; i++)
		f[i].s[f[i].len] = '\0';
	return DN_OK;
}

static bool parse_time(const struct span *f, int64_t *out)
{
	const char *dot = memchr(f->s, '.', f->len);
	struct span whole = {f->s, dot != NULL ? (size_t)(dot - f->s) : f->len};
	uint64_t value;
	if (!parse_uint(&whole, 11, &value))
		return false;
	if (dot != NULL && !all_digits(dot + 1, f->len - whole.len - 1))
		return false;
	*out = (int64_t)value;
	return true;
}

static bool is_address(const char *s, int family)
{
	unsigned char addr[16];
	return inet_pton(family, s, addr) == 1;
}

static bool is_master_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '/' || c == '*' || c == '.';
}

/* Write in, a name as ldns prints it, to out in the master-file form
 * libzscanner reads: ldns escapes only '.', ';', '(', ')', '\' and bytes
 * that are not graphic, so the other punctuation ('|', '@', '"', ...)
 * becomes \DDD. out has room for 4 bytes per byte of
 * in, plus one. False when in
 * is no valid name or holds a byte ldns would have escaped. */
static bool name_to_master(const char *in, char *out)
{
	char *o = out;
	for (const unsigned char *c = (const unsigned char *)in; *c != '\0'; c++) {
		if (*c == '\\') {
			if (c[1] == '\0')
				return false;
			bool ddd = c[1] >= '0' && c[1] <= '9';
			if (ddd && !all_digits((const char *)c + 1, 3))
				return false;
			if (ddd) {
				memcpy(o, c, 4);
				o += 4;
				c += 3;
			} else {
				/* \c as \DDD: "\#" at the start of rdata would read as
				 * RFC 3597's generic form. */
				o += sprintf(o, "\\%03u", c[1]);
				c++;
			}
		} else if (is_master_char(*c)) {
			*o++ = (char)*c;
		} else if (*c <= ' ' || *c >= 0x7f) {
			return false; /* ldns escapes these */
		} else {
			o += sprintf(o, "\\%03u", *c);
		}
	}
	*o = '\0';
	uint8_t wire[KNOT_DNAME_MAXLEN];
	return out[0] != '\0' && knot_dname_from_str(wire, out, sizeof(wire)) != NULL;
}

/* The byte length of a quoted ldns character-string, or -1 when s is not
 * one quoted string. \DDD and \c count as one byte. */
static long quoted_length(const char *s)
{
	size_t len = strlen(s);
	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return -1;
	long bytes = 0;
	for (size_t i = 1; i < len - 1; i++, bytes++) {
		if (s[i] == '"')
			return -1;
		if (s[i] != '\\')
			continue;
		if (i + 3 < len - 1 && all_digits(s + i + 1, 3))
			i += 3;
		else if (i + 1 < len - 1)
			i += 1;
		else
			return -1;
	}
	return bytes;
}

/* The reason a line of this type cannot be stored, or NULL when its
 * answer is the whole rdata in presentation form. */
static const char *partial_reason(uint16_t type, const char *answer)
{
	switch (type) {
	case KNOT_RRTYPE_MX:
		return "passivedns logs only the exchange of an MX, not its preference";
	case KNOT_RRTYPE_SRV:
		return "passivedns logs only the target of an SRV";
	case KNOT_RRTYPE_SOA:
		return "passivedns logs only the primary server of an SOA";
	case KNOT_RRTYPE_RP:
		return "passivedns logs only the mailbox of an RP";
	case KNOT_RRTYPE_NSEC3:
		return "passivedns leaves out the type bitmap of an NSEC3";
	case KNOT_RRTYPE_DNAME:
		/* It writes the query name as the owner, where a DNAME is owned
		 * by one of the query's parent names. */
		return "passivedns does not log the owner of a DNAME";
	case KNOT_RRTYPE_RRSIG:
		/* An RRSIG over a CNAME follows it on the wire, after passivedns
		 * has moved on to the CNAME's target as the owner. */
		if (strncmp(answer, "CNAME ", 6) == 0)
			return "passivedns logs an RRSIG over a CNAME under the CNAME's target";
		return NULL;
	case KNOT_RRTYPE_HINFO:
	case KNOT_RRTYPE_NAPTR:
	case KNOT_RRTYPE_DS:
	case KNOT_RRTYPE_DNSKEY:
	case KNOT_RRTYPE_NSEC:
	case KNOT_RRTYPE_NSEC3PARAM:
	case KNOT_RRTYPE_SSHFP:
	case KNOT_RRTYPE_LOC:
	case 27: /* GPOS, which libknot does not name */
		return NULL;
	default:
		return "passivedns logs no answers of this type";
	}
}

/* Check the answer of a record line and set *rdata to the rdata to store:
 * the answer itself, or for a name its master-file form in p->target. */
static dn_status check_answer(struct passivedns *p, uint16_t type, const char *answer,
                              const char **rdata, struct dn_error *err)
{
	*rdata = answer;
	char type_name[32];
	if (knot_rrtype_to_string(type, type_name, sizeof(type_name)) < 0)
		snprintf(type_name, sizeof(type_name), "TYPE%u", type);
	switch (type) {
	case KNOT_RRTYPE_A:
	case KNOT_RRTYPE_AAAA:
		if (!is_address(answer, type == KNOT_RRTYPE_A ? AF_INET : AF_INET6))
			return dn_fail(err, DN_EMALF, "%s answer '%.80s' is not an address",
			               type_name, answer);
		return DN_OK;
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_PTR:
		if (!name_to_master(answer, p->target))
			return dn_fail(err, DN_EMALF, "%s answer '%.80s' is not a domain name",
			               type_name, answer);
		*rdata = p->target;
		return DN_OK;
	case KNOT_RRTYPE_TXT:
	case KNOT_RRTYPE_SPF: {
		/* NOTE: passivedns writes only the first string of a TXT or SPF
		 * record, so a record of several strings is stored as its first.
		 * A first string of 255 bytes, the most one holds, is taken as
		 * the sign of more. */
		long bytes = quoted_length(answer);
		if (bytes < 0)
			return dn_fail(err, DN_EMALF, "%s answer '%.80s' is not one quoted string",
			               type_name, answer);
		if (bytes >= 255)
			return dn_fail(err, DN_ENOTSUP,
			               "%s answer of 255 bytes: passivedns logs only the first "
			               "string of a record",
			               type_name);
		return DN_OK;
	}
	default: {
		const char *reason = partial_reason(type, answer);
		if (reason != NULL)
			return dn_fail(err, DN_ENOTSUP, "%s answer not stored: %s", type_name,
			               reason);
		return DN_OK;
	}
	}
}

static dn_status passivedns_line(void *state, const char *line, size_t len, feed_record_fn fn,
                                 void *ctx, struct dn_error *err)
{
	struct passivedns *p = state;
	if (len == 0 || line[0] == '#')
		return DN_OK;
	if (memchr(line, '\0', len) != NULL)
		return dn_fail(err, DN_EMALF, "a NUL byte in the line");

	struct span f[9];
	dn_status rc = split_fields(p, line, len, f, err);
	if (rc != DN_OK)
		return rc;
	const struct span *ts = &f[0], *klass = &f[3], *query = &f[4], *type_field = &f[5],
	                  *answer = &f[6], *ttl = &f[7], *count_field = &f[8];

	int64_t time;
	bool time_valid = parse_time(ts, &time);
	bool local_time = ts->len >= 10 && ts->s[4] == '-' && ts->s[7] == '-';
	if (!time_valid && local_time)
		return dn_fail(err, DN_ENOTSUP,
		               "ts '%.40s' is in local time (passivedns -f H), which cannot be "
		               "placed in UTC",
		               ts->s);
	if (!time_valid)
		return dn_fail(err, DN_EMALF, "ts '%.40s' is not a time in epoch seconds", ts->s);
	if (!is_address(f[1].s, AF_INET) && !is_address(f[1].s, AF_INET6))
		return dn_fail(err, DN_EMALF, "client '%.60s' is not an address", f[1].s);
	if (!is_address(f[2].s, AF_INET) && !is_address(f[2].s, AF_INET6))
		return dn_fail(err, DN_EMALF, "server '%.60s' is not an address", f[2].s);
	uint64_t count, ttl_value;
	if (!parse_uint(ttl, 10, &ttl_value) || ttl_value > UINT32_MAX)
		return dn_fail(err, DN_EMALF, "ttl '%.40s' is not a number of seconds", ttl->s);
	if (!parse_uint(count_field, 19, &count) || count == 0)
		return dn_fail(err, DN_EMALF, "count '%.40s' is not a number from 1 up",
		               count_field->s);

	if (!span_is(klass, "IN")) {
		/* passivedns names CH, HS, NONE and ANY and numbers the rest. */
		if (span_is(klass, "CH") || span_is(klass, "HS") || span_is(klass, "NONE") ||
		    span_is(klass, "ANY") || (all_digits(klass->s, klass->len) && klass->len <= 5))
			return DN_OK;
		return dn_fail(err, DN_EMALF, "class '%.40s' is not a DNS class", klass->s);
	}
	if (!name_to_master(query->s, p->owner))
		return dn_fail(err, DN_EMALF, "query '%.80s' is not a domain name", query->s);
	uint16_t type;
	bool numeric;
	parse_type(type_field, &type, &numeric);

	struct feed_record rec = {
		.rrname = p->owner,
		.rrtype = type,
		.time_first = time,
		.time_last = time,
		.count = count,
	};
	int rcode = answer_rcode(answer);
	if (rcode > 0) {
		/* For a query type it has no name for, passivedns writes an ldns
		 * field-type number in place of the type. */
		if (numeric)
			return dn_fail(err, DN_ENOTSUP,
			               "an %s line with type %s: passivedns writes no query type "
			               "number on error lines",
			               answer->s, type_field->s);
		rec.negative = true;
		rec.rcode = (uint16_t)rcode;
		return fn(&rec, ctx);
	}
	if ((rc = check_answer(p, type, answer->s, &rec.rdata, err)) != DN_OK)
		return rc;
	return fn(&rec, ctx);
}

/* The first line that is not a comment starts with a ts and contains at
 * least eight "||" (four when the buffer cuts it short). */
static bool passivedns_detect(const char *buf, size_t len)
{
	size_t pos = 0;
	while (pos < len && buf[pos] == '#') {
		const char *end = memchr(buf + pos, '\n', len - pos);
		if (end == NULL)
			return false;
		pos = (size_t)(end - buf) + 1;
	}
	const char *end = memchr(buf + pos, '\n', len - pos);
	size_t line_len = end != NULL ? (size_t)(end - buf) - pos : len - pos;
	const char *line = buf + pos;
	const char *sep = memmem(line, line_len, SEP, SEP_LEN);
	if (sep == NULL)
		return false;
	struct span ts = {(char *)line, (size_t)(sep - line)};
	int64_t time;
	if (!parse_time(&ts, &time))
		return false;
	size_t seps = 0;
	for (size_t i = 0; i + SEP_LEN <= line_len; i++) {
		if (memcmp(line + i, SEP, SEP_LEN) == 0) {
			seps++;
			i++;
		}
	}
	return seps >= (end != NULL ? 8u : 4u);
}

const struct feed_format_ops feed_passivedns_ops = {
	.format = FEED_PASSIVEDNS,
	.name = "passivedns",
	.state_size = sizeof(struct passivedns),
	.fini = passivedns_fini,
	.line = passivedns_line,
	.detect = passivedns_detect,
};
