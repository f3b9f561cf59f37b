/* Records from one response logged in a Zeek dns.log. The rules follow how
 * Zeek's base/protocols/dns/main.zeek renders an answer: an address
 * for A and AAAA; the bare name for CNAME, NS, PTR, and also for MX, SRV
 * and SOA, which lose their other fields; "TXT <len> <text>" per string
 * for TXT (SPF alike); a type-specific summary such as "RRSIG 5 cmu.edu" or
 * "<unknown type=N>" for the rest. Answers come in wire order, so a CNAME
 * chain starts at the query name and each CNAME's target owns what
 * follows it. */
#include "feed/zeek_response.h"
#include "util/hex.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libknot/libknot.h>

#define PORT_NETBIOS_NS 137
#define PORT_MDNS 5353
#define PORT_LLMNR 5355

/* A6 (RFC 2874), which libknot does not name. */
#define RRTYPE_A6 38

/* Characters of an answer quoted in a message. */
#define SHOWN_ANSWER_MAX 60

void zeek_scratch_free(struct zeek_scratch *scratch)
{
	free(scratch->raw.data);
	free(scratch->rdata.data);
	scratch->raw = (struct zeek_buf){0};
	scratch->rdata = (struct zeek_buf){0};
}

bool zeek_buf_reserve(struct zeek_buf *buf, size_t len)
{
	if (buf->data != NULL && len <= buf->size - buf->len)
		return true;
	size_t size = buf->size > 0 ? buf->size : 256;
	while (size - buf->len < len) {
		if (size > SIZE_MAX / 2)
			return false;
		size *= 2;
	}
	char *grown = realloc(buf->data, size);
	if (grown == NULL)
		return false;
	buf->data = grown;
	buf->size = size;
	return true;
}

/* Undo Zeek's \xHH escapes of text into buf, NUL-terminated (the bytes may
 * hold NULs of their own). Zeek escapes unprintable bytes, the separators
 * and, in its newer versions, the backslash itself. A backslash not
 * followed by two hex digits is kept as it is. */
static bool unescape(const struct zeek_text *text, struct zeek_buf *buf)
{
	buf->len = 0;
	if (!zeek_buf_reserve(buf, text->len + 1))
		return false;
	const char *s = text->data;
	for (size_t i = 0; i < text->len; i++) {
		int hi, lo;
		if (s[i] == '\\' && i + 3 < text->len && s[i + 1] == 'x' &&
		    (hi = hex_digit_value(s[i + 2])) >= 0 && (lo = hex_digit_value(s[i + 3])) >= 0) {
			buf->data[buf->len++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			buf->data[buf->len++] = s[i];
		}
	}
	buf->data[buf->len] = '\0';
	return true;
}

static bool is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Write raw, a name as Zeek logs it (labels joined by dots, no final dot),
 * to out in master-file form with \DDD escapes. False when it is no valid
 * name: an empty label, a label over 63 bytes or over 255 bytes in all.
 * Zeek does not escape a dot inside a label, so such a label reads as two. */
static bool name_present(const char *raw, size_t len, char out[ZEEK_NAME_TEXT_MAX])
{
	if (len > 0 && raw[len - 1] == '.')
		len--;
	if (len == 0) {
		strcpy(out, ".");
		return true;
	}
	size_t wire = 1, label = 0, o = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || raw[i] == '.') {
			if (label == 0)
				return false;
			wire += label + 1;
			label = 0;
			out[o++] = '.';
			continue;
		}
		label++;
		if (label > 63 || wire + label + 1 > KNOT_DNAME_MAXLEN)
			return false;
		unsigned char c = (unsigned char)raw[i];
		if (is_ldh(c) || c == '*' || c == '/')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, ZEEK_NAME_TEXT_MAX - o, "\\%03u", c);
	}
	out[o] = '\0';
	return true;
}

/* True when raw can be a name as Zeek logs it: host name characters, and
 * bytes Zeek escapes (unprintable or not ASCII), which a binary label
 * holds. Spaces and other punctuation mark one of Zeek's summaries. */
static bool looks_like_name(const char *raw, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (!is_ldh(c) && c != '.' && c != '*' && c != '/' && c > 0x20 && c < 0x7f)
			return false;
		if (c == ' ')
			return false;
	}
	return true;
}

/* 4 or 6 when raw is an IPv4 or IPv6 address, else 0. */
static int address_family(const char *raw, size_t len)
{
	unsigned char addr[16];
	if (len == 0 || len >= INET6_ADDRSTRLEN || memchr(raw, '\0', len) != NULL)
		return 0;
	if (inet_pton(AF_INET, raw, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, raw, addr) == 1)
		return 6;
	return 0;
}

static bool has_suffix(const char *raw, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	if (len > 0 && raw[len - 1] == '.')
		len--;
	if (len < n || strncasecmp(raw + len - n, suffix, n) != 0)
		return false;
	return len == n || raw[len - n - 1] == '.';
}

static bool is_reverse_name(const char *raw, size_t len)
{
	return has_suffix(raw, len, "in-addr.arpa") || has_suffix(raw, len, "ip6.arpa");
}

static bool append(struct zeek_buf *buf, const char *s, size_t len)
{
	if (!zeek_buf_reserve(buf, len + 1))
		return false;
	memcpy(buf->data + buf->len, s, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return true;
}

/* Append bytes as one master-file character-string: quoted, with '"' and
 * '\' escaped by a backslash and unprintable bytes as \DDD. */
static bool append_quoted(struct zeek_buf *buf, const char *s, size_t len)
{
	if (!zeek_buf_reserve(buf, 4 * len + 3))
		return false;
	char *out = buf->data + buf->len;
	*out++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*out++ = '\\';
			*out++ = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			out += snprintf(out, 5, "\\%03u", c);
		} else {
			*out++ = (char)c;
		}
	}
	*out++ = '"';
	*out = '\0';
	buf->len = (size_t)(out - buf->data);
	return true;
}

/* Read raw, Zeek's "TXT 5 hello TXT 2 hi" (tag "TXT " or "SPF "), into out
 * as '"hello" "hi"'. The length before each string is its byte count, so
 * a string may hold spaces or the tag itself. DN_EMALF when the counts do
 * not fit the text. */
static dn_status strings_present(const char *raw, size_t len, const char *tag,
                                 struct zeek_buf *out)
{
	size_t tag_len = strlen(tag), pos = 0;
	out->len = 0;
	for (;;) {
		if (len - pos < tag_len || memcmp(raw + pos, tag, tag_len) != 0)
			return DN_EMALF;
		pos += tag_len;
		size_t count = 0, digits = 0;
		while (pos < len && raw[pos] >= '0' && raw[pos] <= '9' && digits < 4) {
			count = count * 10 + (size_t)(raw[pos++] - '0');
			digits++;
		}
		if (digits == 0 || count > 255 || pos >= len || raw[pos] != ' ')
			return DN_EMALF;
		pos++;
		if (len - pos < count)
			return DN_EMALF;
		if (out->len > 0 && !append(out, " ", 1))
			return DN_ENOMEM;
		if (!append_quoted(out, raw + pos, count))
			return DN_ENOMEM;
		pos += count;
		if (pos == len)
			return DN_OK;
		if (raw[pos] != ' ')
			return DN_EMALF;
		pos++;
	}
}

/* Zeek's summaries of records whose rdata it does not log in full. */
static const struct {
	const char *prefix;
	bool whole; /* the answer is the prefix alone */
	const char *reason;
} summaries[] = {
	{"RRSIG ", false, "Zeek logs only the type covered and the signer of an RRSIG"},
	{"DNSKEY ", false, "Zeek logs only the algorithm of a DNSKEY"},
	{"DS ", false, "Zeek logs only the algorithm and digest type of a DS"},
	{"NSEC ", false, "Zeek logs only the owner and next name of an NSEC"},
	{"NSEC3", true, "Zeek logs an NSEC3 by its type name only"},
	{"NSEC3PARAM", true, "Zeek logs an NSEC3PARAM by its type name only"},
	{"BIND9 signing signal", true, "Zeek logs no rdata for a BIND9 signing record"},
	{"SSHFP: ", false, "Zeek logs only the fingerprint of an SSHFP"},
	{"LOC: ", false, "Zeek logs only the size and precisions of a LOC"},
	{"NAPTR ", false, "Zeek joins the regexp and replacement of a NAPTR"},
	{"<unknown type=", false, "Zeek logs no rdata for a type it does not know"},
	{"pre: ", false, "an UPDATE prerequisite is not an answer"},
	{"del: ", false, "an UPDATE deletion is not an answer"},
	{"add: ", false, "an UPDATE addition is not an answer"},
};

static const char *summary_reason(const char *raw, size_t len)
{
	for (size_t i = 0; i < sizeof(summaries) / sizeof(summaries[0]); i++) {
		size_t n = strlen(summaries[i].prefix);
		if (summaries[i].whole ? len == n && memcmp(raw, summaries[i].prefix, n) == 0
		                       : len >= n && memcmp(raw, summaries[i].prefix, n) == 0)
			return summaries[i].reason;
	}
	return "it is not an address, a name or a TXT answer";
}

/* State while the answers of one line are read. */
struct walk {
	struct zeek_scratch *s;
	const struct zeek_response *r;
	feed_record_fn fn;
	void *ctx;
	bool owner_known;    /* s->owner owns the next answer */
	bool owner_has_data; /* a record other than CNAME was owned by s->owner */
	size_t skipped;      /* answers and negatives not delivered */
	size_t first_index;  /* 1-based answer of the first skip; 0 for a negative */
	const char *first_reason;
	char shown[SHOWN_ANSWER_MAX + 4];
};

static void skip(struct walk *w, size_t index, const char *reason)
{
	if (w->skipped++ > 0)
		return;
	w->first_index = index;
	w->first_reason = reason;
	w->shown[0] = '\0';
	if (index == 0)
		return;
	const struct zeek_text *text = &w->r->answers[index - 1];
	size_t n = text->len < SHOWN_ANSWER_MAX ? text->len : SHOWN_ANSWER_MAX;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text->data[i];
		w->shown[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(w->shown + n, n < text->len ? "..." : "");
}

static dn_status deliver(struct walk *w, uint16_t type, const char *owner, const char *rdata)
{
	struct feed_record rec = {
		.rrname = owner,
		.rrtype = type,
		.rdata = rdata,
		.time_first = w->r->time,
		.time_last = w->r->time,
		.count = 1,
	};
	return w->fn(&rec, w->ctx);
}

static dn_status deliver_negative(struct walk *w, uint16_t rcode)
{
	struct feed_record rec = {
		.negative = true,
		.rcode = rcode,
		.rrname = w->s->owner,
		.rrtype = (uint16_t)w->r->qtype,
		.time_first = w->r->time,
		.time_last = w->r->time,
		.count = 1,
	};
	return w->fn(&rec, w->ctx);
}

static bool qtype_is(const struct zeek_response *r, uint16_t type)
{
	return r->qtype == type;
}

/* A name answer. For a query of type A, AAAA, TXT, SPF or CNAME a name can
 * only be a CNAME (Zeek logs those types' own records otherwise), so it
 * moves the owner. For PTR queries under in-addr.arpa or ip6.arpa, a name
 * under those zones is a CNAME (RFC 2317 delegation) and any other name a
 * PTR. For other query types a name may be an NS, MX, SRV, SOA, PTR or
 * CNAME, and after it the owner is unknown. */
static dn_status read_name_answer(struct walk *w, size_t index, const char *raw, size_t len,
                                  bool reverse_query)
{
	const struct zeek_response *r = w->r;
	bool cname = qtype_is(r, KNOT_RRTYPE_A) || qtype_is(r, KNOT_RRTYPE_AAAA) ||
	             qtype_is(r, KNOT_RRTYPE_TXT) || qtype_is(r, KNOT_RRTYPE_SPF) ||
	             qtype_is(r, KNOT_RRTYPE_CNAME);
	bool ptr = false;
	/* NOTE: a classless reverse delegation whose CNAME points outside
	 * in-addr.arpa and ip6.arpa is read as a PTR. */
	if (!cname && qtype_is(r, KNOT_RRTYPE_PTR) && reverse_query) {
		cname = is_reverse_name(raw, len);
		ptr = !cname;
	}
	if (!cname && !ptr) {
		skip(w, index, "a name answer to this query type may be of several types, and "
		               "Zeek does not log which");
		w->owner_known = false;
		return DN_OK;
	}
	if (!name_present(raw, len, w->s->target)) {
		skip(w, index, "it is not a valid domain name");
		w->owner_known = !cname;
		return DN_OK;
	}
	if (ptr) {
		w->owner_has_data = true;
		return deliver(w, KNOT_RRTYPE_PTR, w->s->owner, w->s->target);
	}
	if (w->owner_has_data) {
		/* A CNAME cannot share its owner with other data, so the answers
		 * are not the chain this reading assumes. */
		skip(w, index, "a CNAME would share its owner with other records");
		w->owner_known = false;
		return DN_OK;
	}
	dn_status rc = deliver(w, KNOT_RRTYPE_CNAME, w->s->owner, w->s->target);
	strcpy(w->s->owner, w->s->target);
	w->owner_has_data = false;
	return rc;
}

static dn_status read_address(struct walk *w, size_t index, const char *raw, int family)
{
	char text[INET6_ADDRSTRLEN + 8];
	const struct zeek_response *r = w->r;
	uint16_t type = family == 4 ? KNOT_RRTYPE_A : KNOT_RRTYPE_AAAA;
	if (family == 4 && qtype_is(r, KNOT_RRTYPE_AAAA)) {
		/* Zeek prints an IPv4-mapped IPv6 address in dotted form, so an
		 * IPv4 address answering AAAA is an AAAA record. */
		snprintf(text, sizeof(text), "::ffff:%s", raw);
		type = KNOT_RRTYPE_AAAA;
		raw = text;
	} else if (family == 6 && qtype_is(r, RRTYPE_A6)) {
		skip(w, index, "Zeek logs an A6 and an AAAA alike");
		return DN_OK;
	}
	w->owner_has_data = true;
	return deliver(w, type, w->s->owner, raw);
}

static dn_status read_answer(struct walk *w, size_t index, bool reverse_query)
{
	struct zeek_scratch *s = w->s;
	if (!unescape(&w->r->answers[index - 1], &s->raw))
		return DN_ENOMEM;
	const char *raw = s->raw.data;
	size_t len = s->raw.len;
	if (!w->owner_known) {
		skip(w, index, "its owner is unknown after an earlier answer");
		return DN_OK;
	}

	int family = address_family(raw, len);
	if (family != 0)
		return read_address(w, index, raw, family);

	bool txt = len >= 4 && memcmp(raw, "TXT ", 4) == 0;
	bool spf = len >= 4 && memcmp(raw, "SPF ", 4) == 0;
	if (txt || spf) {
		dn_status rc = strings_present(raw, len, txt ? "TXT " : "SPF ", &s->rdata);
		if (rc == DN_ENOMEM)
			return rc;
		if (rc != DN_OK) {
			skip(w, index, "its string lengths do not fit its text");
			return DN_OK;
		}
		w->owner_has_data = true;
		return deliver(w, txt ? KNOT_RRTYPE_TXT : KNOT_RRTYPE_SPF, s->owner, s->rdata.data);
	}

	if (looks_like_name(raw, len))
		return read_name_answer(w, index, raw, len, reverse_query);
	skip(w, index, summary_reason(raw, len));
	return DN_OK;
}

/* Query types whose answers Zeek always logs, so that a reply without
 * logged answers is NODATA. Zeek writes nothing for a WKS, for types its
 * script has no handler for (HINFO, CAA and others), and for an MX or SRV
 * whose target is the root, which leaves an empty string. */
static bool nodata_type(int64_t qtype, bool tcp)
{
	switch (qtype) {
	case KNOT_RRTYPE_A:
	case KNOT_RRTYPE_AAAA:
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_PTR:
		return true;
	case KNOT_RRTYPE_TXT:
		/* TXT replies can exceed 512 bytes and come truncated over
		 * UDP, which Zeek's log cannot show (see below). */
		return tcp;
	default:
		return false;
	}
}

/* The negative record of an error rcode, for the last name of the chain
 * (RFC 6604), or of a NOERROR reply without answers (NODATA). */
static dn_status read_negative(struct walk *w)
{
	const struct zeek_response *r = w->r;
	if (r->rcode != 0) {
		if (r->qtype <= 0) {
			skip(w, 0, "an error reply to a query whose type is not logged");
			return DN_OK;
		}
		if (!w->owner_known) {
			skip(w, 0, "the name the error rcode applies to is not known");
			return DN_OK;
		}
		if (w->owner_has_data) {
			skip(w, 0, "an error rcode beside answer data");
			return DN_OK;
		}
		return deliver_negative(w, (uint16_t)r->rcode);
	}
	if (r->nanswers > 0)
		return DN_OK;

	/* NODATA needs a reply that held records but no answers. Zeek sets
	 * rejected for a reply with no records in any section. It copies TC
	 * (and RD) from the query, not the reply, so a truncated UDP reply
	 * still shows TC F: only query types whose replies are small count.
	 * Without RD the server may be an authority sending a referral, which
	 * has no answers either. */
	bool tcp = r->proto.set && r->proto.len == 3 && memcmp(r->proto.data, "tcp", 3) == 0;
	if (r->rejected == ZEEK_UNSET)
		skip(w, 0, "a NOERROR reply without answers cannot be read as NODATA without the "
		           "rejected field");
	else if (r->rejected != 0)
		skip(w, 0, "a NOERROR reply without answers was rejected (it held no records)");
	else if (r->tc != 0)
		skip(w, 0, "a NOERROR reply without answers may be truncated (TC)");
	else if (r->rd != 1)
		skip(w, 0, "a NOERROR reply without answers to a query without RD may be a "
		           "referral");
	else if (!nodata_type(r->qtype, tcp))
		skip(w, 0, "a NOERROR reply without answers to this query type is not proof of "
		           "NODATA: Zeek does not log every type's answers, or the reply may "
		           "have been truncated");
	else
		return deliver_negative(w, 0);
	return DN_OK;
}

static bool text_starts_with(const struct zeek_text *text, const char *prefix)
{
	size_t n = strlen(prefix);
	return text->set && text->len >= n && memcmp(text->data, prefix, n) == 0;
}

/* Lines with nothing for a passive DNS store. */
static bool filtered_out(const struct zeek_response *r)
{
	/* A query without a response; another opcode (NOTIFY, UPDATE), whose
	 * sections are not answers. */
	if (r->rcode == ZEEK_UNSET || (r->opcode != ZEEK_UNSET && r->opcode != 0))
		return true;
	/* NetBIOS name service, which Zeek logs as DNS with decoded NetBIOS
	 * names; mDNS and LLMNR, which a packet capture also leaves out
	 * unless asked. */
	if (text_starts_with(&r->opcode_name, "netbios"))
		return true;
	static const int64_t ports[] = {PORT_NETBIOS_NS, PORT_MDNS, PORT_LLMNR};
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		if (r->orig_p == ports[i] || r->resp_p == ports[i])
			return true;
	}
	/* NOTE: when Zeek saw no query, qclass is unset and read as IN. */
	return r->qclass != ZEEK_UNSET && r->qclass != KNOT_CLASS_IN;
}

static dn_status finish(struct walk *w, struct dn_error *err)
{
	if (w->skipped == 0)
		return DN_OK;
	char more[96] = "";
	if (w->skipped > 1)
		snprintf(more, sizeof(more), " (%zu answers or negatives of the line not stored)",
		         w->skipped);
	if (w->first_index == 0)
		return dn_fail(err, DN_ENOTSUP, "%s%s", w->first_reason, more);
	return dn_fail(err, DN_ENOTSUP, "answer %zu of %zu \"%s\" not stored: %s%s",
	               w->first_index, w->r->nanswers, w->shown, w->first_reason, more);
}

dn_status zeek_response_records(struct zeek_scratch *s, const struct zeek_response *r,
                                feed_record_fn fn, void *ctx, struct dn_error *err)
{
	if (filtered_out(r))
		return DN_OK;
	if (!r->time_valid)
		return dn_fail(err, DN_EMALF, "ts '%.*s' is not a time in epoch seconds",
		               (int)(r->ts.len < 40 ? r->ts.len : 40), r->ts.set ? r->ts.data : "");
	if (!r->query.set)
		return dn_fail(err, DN_ENOTSUP, "a response without a query name");
	if (!unescape(&r->query, &s->raw))
		return dn_fail(err, DN_ENOMEM, "out of memory");
	if (!name_present(s->raw.data, s->raw.len, s->owner))
		return dn_fail(err, DN_ENOTSUP, "query '%.80s' is not a valid domain name",
		               s->raw.data);
	bool reverse_query = is_reverse_name(s->raw.data, s->raw.len);

	struct walk w = {.s = s, .r = r, .fn = fn, .ctx = ctx, .owner_known = true};
	for (size_t i = 1; i <= r->nanswers; i++) {
		dn_status rc = read_answer(&w, i, reverse_query);
		if (rc == DN_ENOMEM)
			return dn_fail(err, DN_ENOMEM, "out of memory");
		if (rc != DN_OK)
			return rc;
	}
	dn_status rc = read_negative(&w);
	if (rc != DN_OK)
		return rc;
	return finish(&w, err);
}
