/* Suricata eve.json: records and negative answers from "dns" events.
 *
 * Suricata has written DNS events in three layouts (rust/src/dns/log.rs):
 *   v1, the only layout before Suricata 4.1 and an option after it: one
 *       event per record, {"type":"answer","rrname","rrtype","ttl","rdata"},
 *       and for an error rcode one event {"type":"answer","rcode","rrname"}
 *       that names the question without its type;
 *   v2 ("version":2), from Suricata 4.1 to 7: one event per response,
 *       {"type":"answer"} with "rrname" and "rrtype" of the first question,
 *       "answers" (one entry per record), "grouped" (rdata by type, without
 *       owners) and "authorities";
 *   v3 ("version":3), Suricata 8: {"type":"response"} with "queries",
 *       "answers", "grouped", "authorities" and "additionals".
 * Queries and events of other types carry nothing to record.
 *
 * As the pcap reader does, every answer becomes a record, and so do the NS
 * and SOA entries of "authorities"; "additionals" are left out, and so are
 * responses with an opcode other than QUERY. Each event counts once at its
 * "timestamp", and the bailiwick is unknown.
 *
 * What the log cannot give is skipped without an error:
 *   - rdata of types other than A, AAAA, CNAME, NS, PTR, TXT, NULL, SOA, SRV
 *     and SSHFP, which Suricata does not write, and of MX, which it writes
 *     without the preference;
 *   - TXT records of more than one string: Suricata writes one entry per
 *     string, so two entries in a row with the same owner and TTL may be one
 *     record or two, and both are skipped (v2 and v3);
 *   - names that Suricata marks as cut short (rrname_truncated,
 *     rdata_truncated), and v1 answers without rrname, as old releases
 *     wrote SRV answers (seen in an eve.json from 2017). */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "dns/rdata.h"
#include "feed/eve_rdata.h"
#include "feed/feed_impl.h"
#include "feed/json_line.h"

/* v1 failure events name the question but not its type, which is taken
 * from the query event with the same flow_id, DNS id and name. The last
 * QUERY_SLOTS query events are kept, because Suricata writes a query
 * shortly before its response. */
#define QUERY_SLOTS 64

/* Resolvers give up on CNAME chains longer than this. */
#define MAX_CNAME_HOPS 16

struct eve_query {
	uint64_t flow_id;
	uint64_t name_hash;
	uint16_t id;
	uint16_t rrtype;
	bool used;
};

struct eve_state {
	struct eve_query queries[QUERY_SLOTS];
	unsigned next_query;
	struct eve_text owner;
	struct eve_text rdata;
};

/* One dns event being read. */
struct eve_event {
	struct eve_state *state;
	const json_t *root;
	const json_t *dns;
	int64_t time;
	feed_record_fn fn;
	void *ctx;
	struct dn_error *err;
	dn_status malformed; /* the first bad entry, reported after the good ones */
};

/* The question of a v2 or v3 response. */
struct eve_question {
	bool known; /* one question, with a name that is not cut short */
	const char *name;
	size_t name_len;
	uint16_t type;
};

/* ---- Small readers ---- */

static bool get_string(const json_t *obj, const char *key, const char **s, size_t *len)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_string(v))
		return false;
	*s = json_string_value(v);
	*len = json_string_length(v);
	return true;
}

/* Suricata's type names are libknot's, apart from a few misspellings in
 * older releases, and numbers for types it has no name for. */
static bool parse_type(const char *s, uint16_t *type)
{
	static const struct {
		const char *name;
		uint16_t type;
	} misspelled[] = {{"NSAPPT", 23}, {"CDSNKEY", 60}, {"ND", 3}};

	size_t digits = strspn(s, "0123456789");
	if (digits > 0 && digits <= 5 && s[digits] == '\0') {
		unsigned long v = strtoul(s, NULL, 10);
		if (v > UINT16_MAX)
			return false;
		*type = (uint16_t)v;
		return true;
	}
	for (size_t i = 0; i < sizeof(misspelled) / sizeof(misspelled[0]); i++) {
		if (strcmp(s, misspelled[i].name) == 0) {
			*type = misspelled[i].type;
			return true;
		}
	}
	return dns_type_parse(s, type);
}

static bool member_type(const json_t *obj, const char *key, uint16_t *type)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) && parse_type(json_string_value(v), type);
}

/* Suricata writes libknot's rcode names, but NOTIMP for NOTIMPL,
 * "BADVERS/BADSIG" for 16, and a number for codes it has no name for. */
static bool parse_rcode(const char *s, uint16_t *rcode)
{
	size_t digits = strspn(s, "0123456789");
	if (digits > 0 && digits <= 4 && s[digits] == '\0') {
		*rcode = (uint16_t)strtoul(s, NULL, 10);
		return *rcode <= 4095;
	}
	if (strcmp(s, "NOTIMP") == 0) {
		*rcode = KNOT_RCODE_NOTIMPL;
		return true;
	}
	if (strcmp(s, "BADVERS/BADSIG") == 0) {
		*rcode = KNOT_RCODE_BADVERS;
		return true;
	}
	return dns_rcode_parse(s, rcode);
}

static uint64_t name_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 1099511628211ULL;
	}
	return h;
}

static bool member_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *value)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return false;
	*value = (uint64_t)json_integer_value(v);
	return true;
}

/* ---- Delivering records ---- */

static void bad_entry(struct eve_event *ev, const char *section, size_t index, const char *why)
{
	if (ev->malformed != DN_OK)
		return;
	if (section != NULL)
		ev->malformed = dn_fail(ev->err, DN_EMALF, "dns.%s[%zu]: %s", section, index, why);
	else
		ev->malformed = dn_fail(ev->err, DN_EMALF, "dns: %s", why);
}

static dn_status deliver(struct eve_event *ev, const char *owner, size_t owner_len,
                         uint16_t rrtype, const json_t *rdata, const char *section,
                         size_t index)
{
	struct eve_state *s = ev->state;
	const char *why;
	enum eve_conv conv = eve_rdata_convert(rrtype, rdata, &s->rdata, &why);
	if (conv == EVE_CONV_OK) {
		conv = eve_name_convert(owner, owner_len, &s->owner);
		why = "invalid owner name";
	}
	if (conv == EVE_CONV_NOMEM)
		return DN_ENOMEM;
	if (conv == EVE_CONV_INVALID)
		bad_entry(ev, section, index, why);
	if (conv != EVE_CONV_OK)
		return DN_OK;

	struct feed_record rec = {
		.rrname = s->owner.data,
		.rrtype = rrtype,
		.rdata = s->rdata.data,
		.time_first = ev->time,
		.time_last = ev->time,
		.count = 1,
	};
	return ev->fn(&rec, ev->ctx);
}

static dn_status deliver_negative(struct eve_event *ev, const char *name, size_t name_len,
                                  uint16_t qtype, uint16_t rcode)
{
	struct eve_state *s = ev->state;
	enum eve_conv conv = eve_name_convert(name, name_len, &s->owner);
	if (conv == EVE_CONV_NOMEM)
		return DN_ENOMEM;
	if (conv != EVE_CONV_OK) {
		bad_entry(ev, NULL, 0, "invalid question name");
		return DN_OK;
	}
	struct feed_record rec = {
		.negative = true,
		.rcode = rcode,
		.rrname = s->owner.data,
		.rrtype = qtype,
		.time_first = ev->time,
		.time_last = ev->time,
		.count = 1,
	};
	return ev->fn(&rec, ev->ctx);
}

/* One answer entry (or a v1 answer event): {"rrname", "rrtype", "ttl",
 * "rdata"} or the "soa", "srv" or "sshfp" object. */
static dn_status deliver_entry(struct eve_event *ev, const json_t *entry, const char *section,
                               size_t index)
{
	const char *owner, *type_name;
	size_t owner_len, type_len;
	uint16_t rrtype;

	if (!json_is_object(entry)) {
		bad_entry(ev, section, index, "the entry is not an object");
		return DN_OK;
	}
	/* Old releases wrote SRV answers with neither owner nor rdata. */
	if (!get_string(entry, "rrname", &owner, &owner_len))
		return DN_OK;
	if (json_is_true(json_object_get(entry, "rrname_truncated")) ||
	    json_is_true(json_object_get(entry, "rdata_truncated")) ||
	    strcmp(owner, EVE_UNCONVERTED) == 0)
		return DN_OK;
	if (!get_string(entry, "rrtype", &type_name, &type_len)) {
		bad_entry(ev, section, index, "missing rrtype");
		return DN_OK;
	}
	/* Suricata writes no rdata for types it has no name for, nor for the
	 * meta types. */
	if (!parse_type(type_name, &rrtype) || dns_type_is_meta(rrtype))
		return DN_OK;
	return deliver(ev, owner, owner_len, rrtype, eve_entry_rdata(entry, rrtype), section,
	               index);
}

/* ---- v2 and v3 responses ---- */

static bool entry_is_txt(const json_t *entry)
{
	uint16_t type;
	return member_type(entry, "rrtype", &type) && type == KNOT_RRTYPE_TXT;
}

/* Entries a and b could be strings of one TXT record. */
static bool same_txt_rrset(const json_t *a, const json_t *b)
{
	const char *name_a, *name_b;
	size_t len_a, len_b;
	if (!entry_is_txt(a) || !entry_is_txt(b) || !get_string(a, "rrname", &name_a, &len_a) ||
	    !get_string(b, "rrname", &name_b, &len_b))
		return false;
	const json_t *ttl_a = json_object_get(a, "ttl"), *ttl_b = json_object_get(b, "ttl");
	bool same_ttl = (ttl_a == NULL && ttl_b == NULL) ||
	                (ttl_a != NULL && ttl_b != NULL && json_equal(ttl_a, ttl_b));
	return same_ttl && eve_name_equal(name_a, len_a, name_b, len_b);
}

/* The strings of one TXT record are consecutive entries, so an entry with
 * no neighbour of the same owner and TTL is a record of one string. */
static bool txt_ambiguous(const json_t *entries, size_t i)
{
	const json_t *entry = json_array_get(entries, i);
	if (!entry_is_txt(entry))
		return false;
	return (i > 0 && same_txt_rrset(json_array_get(entries, i - 1), entry)) ||
	       same_txt_rrset(entry, json_array_get(entries, i + 1));
}

/* The entries of "answers", or the NS and SOA entries of "authorities". */
static dn_status deliver_section(struct eve_event *ev, const json_t *entries, const char *section,
                                 bool ns_soa_only)
{
	size_t n = json_array_size(entries);
	for (size_t i = 0; i < n; i++) {
		const json_t *entry = json_array_get(entries, i);
		uint16_t type;
		if (ns_soa_only && !(member_type(entry, "rrtype", &type) &&
		                     (type == KNOT_RRTYPE_NS || type == KNOT_RRTYPE_SOA)))
			continue;
		if (txt_ambiguous(entries, i))
			continue;
		dn_status rc = deliver_entry(ev, entry, section, i);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

/* "grouped" without "answers" lists rdata by type but not the owners.
 * They follow from the question Q with type T when the answer has at most
 * one CNAME: the CNAME is Q's, and the data of type T belongs to the CNAME's
 * target, or to Q when there is no CNAME. An ANY question is answered by
 * Q's own records. Data of other types, and every record of an answer with
 * two or more CNAMEs, whose order the grouping loses, are skipped. */
static dn_status deliver_grouped(struct eve_event *ev, const json_t *grouped,
                                 const struct eve_question *q)
{
	if (!q->known)
		return DN_OK;
	const json_t *cnames = json_object_get(grouped, "CNAME");
	size_t ncname = json_is_array(cnames) ? json_array_size(cnames) : 0;
	const char *target = q->name;
	size_t target_len = q->name_len;
	if (ncname == 1 && q->type != KNOT_RRTYPE_ANY && q->type != KNOT_RRTYPE_CNAME) {
		const json_t *first = json_array_get(cnames, 0);
		if (!json_is_string(first)) {
			bad_entry(ev, "grouped.CNAME", 0, "expected a name string");
			return DN_OK;
		}
		target = json_string_value(first);
		target_len = json_string_length(first);
	}

	const char *key;
	const json_t *values;
	json_object_foreach((json_t *)grouped, key, values) {
		uint16_t type;
		if (!parse_type(key, &type) || dns_type_is_meta(type))
			continue;
		const char *owner = NULL;
		size_t owner_len = 0;
		if (type == KNOT_RRTYPE_CNAME && ncname == 1) {
			owner = q->name;
			owner_len = q->name_len;
		} else if (type != KNOT_RRTYPE_CNAME &&
		           (q->type == KNOT_RRTYPE_ANY || (type == q->type && ncname <= 1))) {
			owner = target;
			owner_len = target_len;
		}
		if (owner == NULL || !json_is_array(values))
			continue;
		/* Strings of TXT records are all listed together. */
		if (type == KNOT_RRTYPE_TXT && json_array_size(values) > 1)
			continue;
		size_t i;
		const json_t *value;
		json_array_foreach(values, i, value) {
			dn_status rc = deliver(ev, owner, owner_len, type, value, "grouped", i);
			if (rc != DN_OK)
				return rc;
		}
	}
	return DN_OK;
}

/* The question of a v3 "queries" array: known only when every entry names
 * the same question. */
static void read_queries(const json_t *queries, struct eve_question *q)
{
	size_t i;
	const json_t *query;
	q->known = json_array_size(queries) > 0;
	json_array_foreach(queries, i, query) {
		const char *name;
		size_t len;
		uint16_t type;
		if (!get_string(query, "rrname", &name, &len) ||
		    !member_type(query, "rrtype", &type) ||
		    json_is_true(json_object_get(query, "rrname_truncated"))) {
			q->known = false;
			return;
		}
		if (i == 0) {
			q->name = name;
			q->name_len = len;
			q->type = type;
		} else if (type != q->type || !eve_name_equal(name, len, q->name, q->name_len)) {
			q->known = false;
			return;
		}
	}
}

/* The name a negative answer is about: the end of the CNAME chain from the
 * question. False when the log does not show it. */
static bool chain_end(const struct eve_question *q, const json_t *answers, const json_t *grouped,
                      const char **name, size_t *len)
{
	*name = q->name;
	*len = q->name_len;
	/* A CNAME or ANY question is answered by the CNAME itself (RFC 1034
	 * section 4.3.2). */
	if (q->type == KNOT_RRTYPE_CNAME || q->type == KNOT_RRTYPE_ANY)
		return true;
	if (answers == NULL && grouped != NULL) {
		const json_t *cnames = json_object_get(grouped, "CNAME");
		size_t n = json_array_size(cnames);
		if (n == 1 && json_is_string(json_array_get(cnames, 0))) {
			*name = json_string_value(json_array_get(cnames, 0));
			*len = json_string_length(json_array_get(cnames, 0));
		}
		return n <= 1;
	}
	size_t n = json_array_size(answers);
	for (size_t hops = 0; hops < MAX_CNAME_HOPS && hops < n; hops++) {
		const json_t *next = NULL;
		for (size_t i = 0; i < n && next == NULL; i++) {
			const json_t *entry = json_array_get(answers, i);
			const char *owner;
			size_t owner_len;
			uint16_t type;
			if (member_type(entry, "rrtype", &type) && type == KNOT_RRTYPE_CNAME &&
			    get_string(entry, "rrname", &owner, &owner_len) &&
			    eve_name_equal(owner, owner_len, *name, *len))
				next = entry;
		}
		if (next == NULL)
			break;
		if (json_is_true(json_object_get(next, "rdata_truncated")) ||
		    !get_string(next, "rdata", name, len))
			return false;
	}
	return true;
}

/* True when the answers contain data of the question type at name. For a
 * meta question type (ANY, ...) any data counts. */
static bool has_answer(const json_t *answers, const char *name, size_t len, uint16_t qtype)
{
	size_t i;
	const json_t *entry;
	json_array_foreach(answers, i, entry) {
		const char *owner;
		size_t owner_len;
		uint16_t type;
		if (!member_type(entry, "rrtype", &type) || dns_type_is_meta(type))
			continue;
		if (dns_type_is_meta(qtype))
			return true;
		if (type == qtype && get_string(entry, "rrname", &owner, &owner_len) &&
		    eve_name_equal(owner, owner_len, name, len))
			return true;
	}
	return false;
}

/* NOERROR without data is NODATA (RFC 2308 section 2.2) only when the log
 * shows the whole answer section and the response is no referral. The
 * section is whole when "answers" lists it, or when neither "answers" nor
 * "grouped" is there because it was empty. "grouped" alone is not enough,
 * because it leaves out types without logged rdata. A referral has NS and
 * no SOA in its authority section, which v3 always logs. Not every v2
 * release is known to log it, so a v2 response must show the SOA. */
static bool nodata_possible(const struct eve_event *ev, int version, const json_t *answers,
                            const json_t *grouped, const json_t *authorities)
{
	if (answers == NULL && grouped != NULL)
		return false;
	if (json_is_true(json_object_get(ev->dns, "tc")))
		return false;
	bool has_soa = false, has_ns = false;
	size_t i;
	const json_t *entry;
	json_array_foreach(authorities, i, entry) {
		uint16_t type;
		if (!member_type(entry, "rrtype", &type))
			continue;
		has_soa |= type == KNOT_RRTYPE_SOA;
		has_ns |= type == KNOT_RRTYPE_NS;
	}
	if (has_soa)
		return true;
	return version >= 3 && !has_ns;
}

static dn_status deliver_negative_response(struct eve_event *ev, int version,
                                           const struct eve_question *q, const json_t *answers,
                                           const json_t *grouped, const json_t *authorities)
{
	const char *rcode_name, *name;
	size_t rcode_len, len;
	uint16_t rcode;
	if (!q->known || !get_string(ev->dns, "rcode", &rcode_name, &rcode_len) ||
	    !parse_rcode(rcode_name, &rcode))
		return DN_OK;
	if (rcode == KNOT_RCODE_NOERROR && !nodata_possible(ev, version, answers, grouped, authorities))
		return DN_OK;
	if (!chain_end(q, answers, grouped, &name, &len))
		return DN_OK;
	if (rcode == KNOT_RCODE_NOERROR && has_answer(answers, name, len, q->type))
		return DN_OK;
	return deliver_negative(ev, name, len, q->type, rcode);
}

static dn_status read_response(struct eve_event *ev, int version)
{
	const json_t *dns = ev->dns;
	uint64_t opcode;
	if (member_uint(dns, "opcode", UINT64_MAX >> 1, &opcode) && opcode != KNOT_OPCODE_QUERY)
		return DN_OK;

	const json_t *answers = json_object_get(dns, "answers");
	const json_t *grouped = json_object_get(dns, "grouped");
	const json_t *authorities = json_object_get(dns, "authorities");
	if ((answers != NULL && !json_is_array(answers)) ||
	    (grouped != NULL && !json_is_object(grouped)) ||
	    (authorities != NULL && !json_is_array(authorities)))
		return dn_fail(ev->err, DN_EMALF, "dns: answers, grouped or authorities has the "
		               "wrong JSON type");

	struct eve_question q = {0};
	if (version >= 3) {
		read_queries(json_object_get(dns, "queries"), &q);
	} else {
		q.known = get_string(dns, "rrname", &q.name, &q.name_len) &&
		          member_type(dns, "rrtype", &q.type) &&
		          !json_is_true(json_object_get(dns, "rrname_truncated"));
	}

	dn_status rc = DN_OK;
	if (answers != NULL)
		rc = deliver_section(ev, answers, "answers", false);
	else if (grouped != NULL)
		rc = deliver_grouped(ev, grouped, &q);
	if (rc == DN_OK && authorities != NULL)
		rc = deliver_section(ev, authorities, "authorities", true);
	if (rc == DN_OK)
		rc = deliver_negative_response(ev, version, &q, answers, grouped, authorities);
	return rc;
}

/* ---- v1 events ---- */

static void remember_query(struct eve_event *ev)
{
	const char *name;
	size_t len;
	uint16_t type;
	uint64_t id, flow_id = 0;
	if (!get_string(ev->dns, "rrname", &name, &len) || !member_type(ev->dns, "rrtype", &type) ||
	    !member_uint(ev->dns, "id", UINT16_MAX, &id))
		return;
	member_uint(ev->root, "flow_id", UINT64_MAX, &flow_id);
	struct eve_state *s = ev->state;
	s->queries[s->next_query] = (struct eve_query){
		.flow_id = flow_id,
		.name_hash = name_hash(name, len),
		.id = (uint16_t)id,
		.rrtype = type,
		.used = true,
	};
	s->next_query = (s->next_query + 1) % QUERY_SLOTS;
}

static bool find_query(const struct eve_event *ev, const char *name, size_t len, uint16_t *type)
{
	uint64_t id, flow_id = 0;
	if (!member_uint(ev->dns, "id", UINT16_MAX, &id))
		return false;
	member_uint(ev->root, "flow_id", UINT64_MAX, &flow_id);
	uint64_t hash = name_hash(name, len);
	const struct eve_state *s = ev->state;
	/* Newest first. */
	for (unsigned k = 1; k <= QUERY_SLOTS; k++) {
		const struct eve_query *query = &s->queries[(s->next_query + QUERY_SLOTS - k) %
		                                            QUERY_SLOTS];
		if (query->used && query->flow_id == flow_id && query->id == id &&
		    query->name_hash == hash) {
			*type = query->rrtype;
			return true;
		}
	}
	return false;
}

static dn_status read_v1_answer(struct eve_event *ev)
{
	const char *name, *rcode_name;
	size_t len, rcode_len;
	uint16_t rcode, qtype;
	/* NOTE: each string of a TXT record is an event of its own, and events
	 * are read one at a time, so every string becomes a record. */
	if (json_object_get(ev->dns, "rrtype") != NULL)
		return deliver_entry(ev, ev->dns, NULL, 0);

	/* A failure event: the question name and the rcode. NOTE: without the
	 * query event the question type is unknown and nothing is recorded. */
	if (!get_string(ev->dns, "rrname", &name, &len) ||
	    !get_string(ev->dns, "rcode", &rcode_name, &rcode_len) ||
	    !parse_rcode(rcode_name, &rcode) || rcode == KNOT_RCODE_NOERROR ||
	    !find_query(ev, name, len, &qtype))
		return DN_OK;
	return deliver_negative(ev, name, len, qtype, rcode);
}

/* ---- Lines ---- */

static dn_status read_dns_event(struct eve_event *ev)
{
	const char *type;
	size_t type_len;
	if (!get_string(ev->dns, "type", &type, &type_len))
		return dn_fail(ev->err, DN_EMALF, "dns event without a dns.type string");

	if (strcmp(type, "query") == 0) {
		remember_query(ev);
		return DN_OK;
	}
	if (strcmp(type, "request") == 0)
		return DN_OK;
	if (strcmp(type, "response") == 0)
		return read_response(ev, 3);
	if (strcmp(type, "answer") != 0)
		return dn_fail(ev->err, DN_EMALF, "unknown dns.type \"%.32s\": expected query, "
		               "answer, request or response", type);

	uint64_t version = 0;
	member_uint(ev->dns, "version", 255, &version);
	if (version == 2 || json_object_get(ev->dns, "answers") != NULL ||
	    json_object_get(ev->dns, "grouped") != NULL ||
	    json_object_get(ev->dns, "authorities") != NULL)
		return read_response(ev, 2);
	return read_v1_answer(ev);
}

static dn_status read_event(struct eve_event *ev)
{
	const char *event_type, *timestamp;
	size_t event_type_len, timestamp_len;
	if (!get_string(ev->root, "event_type", &event_type, &event_type_len))
		return dn_fail(ev->err, DN_EMALF, "no event_type string: not a Suricata eve record");
	if (strcmp(event_type, "dns") != 0)
		return DN_OK;
	if (!get_string(ev->root, "timestamp", &timestamp, &timestamp_len) ||
	    !json_time_parse_iso(timestamp, timestamp_len, &ev->time))
		return dn_fail(ev->err, DN_EMALF, "missing or invalid timestamp: expected ISO 8601 "
		               "such as 2017-01-30T16:12:26.985026+0100");
	ev->dns = json_object_get(ev->root, "dns");
	if (!json_is_object(ev->dns))
		return dn_fail(ev->err, DN_EMALF, "dns event without a dns object");

	dn_status rc = read_dns_event(ev);
	return rc != DN_OK ? rc : ev->malformed;
}

/* Most lines of an eve log are other events (alert, flow, http, ...), and
 * these need no JSON parse. Suricata writes "event_type" early, before any
 * nested object, so for a line that starts with '{' and ends with '}' the
 * first "event_type":"NAME" before any other '{' names the event. A '"'
 * inside a string is escaped, so the pattern cannot match inside one.
 * Anything else, and NAME with escapes, is left to the parser. */
static bool is_other_event(const char *line, size_t len)
{
	static const char key[] = "\"event_type\":\"";
	const size_t key_len = sizeof(key) - 1;
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len < 2 || line[0] != '{' || line[len - 1] != '}')
		return false;
	const char *at = memmem(line + 1, len - 1, key, key_len);
	if (at == NULL || memchr(line + 1, '{', (size_t)(at - (line + 1))) != NULL)
		return false;
	const char *name = at + key_len;
	const char *end = memchr(name, '"', (size_t)(line + len - name));
	if (end == NULL || memchr(name, '\\', (size_t)(end - name)) != NULL)
		return false;
	return !(end - name == 3 && memcmp(name, "dns", 3) == 0);
}

static dn_status eve_line(void *state, const char *line, size_t len, feed_record_fn fn, void *ctx,
                          struct dn_error *err)
{
	if (json_line_is_blank(line, len) || is_other_event(line, len))
		return DN_OK;
	json_t *root;
	dn_status rc = json_line_load(line, len, JSON_ALLOW_NUL, &root, err);
	if (rc != DN_OK)
		return rc;
	struct eve_event ev = {
		.state = state,
		.root = root,
		.fn = fn,
		.ctx = ctx,
		.err = err,
	};
	rc = read_event(&ev);
	json_decref(root);
	return rc;
}

static void eve_fini(void *state)
{
	struct eve_state *s = state;
	eve_text_free(&s->owner);
	eve_text_free(&s->rdata);
}

/* A first line that is an object with an "event_type" member. */
static bool eve_detect(const char *buf, size_t len)
{
	const char *line;
	size_t n;
	return json_line_first(buf, len, &line, &n) && line[0] == '{' &&
	       json_line_has(line, n, "\"event_type\"");
}

const struct feed_format_ops feed_eve_ops = {
	.format = FEED_EVE,
	.name = "eve",
	.state_size = sizeof(struct eve_state),
	.fini = eve_fini,
	.line = eve_line,
	.detect = eve_detect,
};
