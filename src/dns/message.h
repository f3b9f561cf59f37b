/* DNS message parsing (libknot underneath) into plain views of each record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dns_section { DNS_ANSWER = 0, DNS_AUTHORITY, DNS_ADDITIONAL, DNS_SECTION_COUNT };

/* One resource record. owner and the domain names inside rdata are in
 * uncompressed wire form and lower-cased, so equal records compare equal
 * byte for byte. The pointers stay valid until the next dns_parse() on the
 * same parser. */
struct dns_rr {
	const uint8_t *owner;
	size_t owner_len;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
};

struct dns_message {
	uint16_t id;
	uint8_t opcode;
	bool qr, aa, tc, rd, ra, ad, cd;
	uint16_t rcode;  /* including the EDNS extended bits when an OPT record is present */
	bool has_edns;
	uint16_t qdcount, ancount, nscount, arcount;  /* as the header states them */

	bool has_question;
	const uint8_t *qname;  /* lower-cased wire form */
	size_t qname_len;
	uint16_t qtype, qclass;

	/* Records of each section that could be parsed. complete[s] is false when
	 * the message broke off inside section s (or an earlier one), in which
	 * case rr[s] contains the records before the damage. */
	const struct dns_rr *rr[DNS_SECTION_COUNT];
	size_t count[DNS_SECTION_COUNT];
	bool complete[DNS_SECTION_COUNT];
};

enum dns_parse_result {
	DNS_PARSE_OK = 0,
	DNS_PARSE_TRAILING,   /* parsed in full, but bytes follow the last record */
	DNS_PARSE_PARTIAL,    /* header and question fine, a later section damaged */
	DNS_PARSE_SHORT,      /* fewer than 12 bytes: no header */
	DNS_PARSE_BAD_QUESTION, /* more than one question, or a damaged question */
	DNS_PARSE_NO_MEMORY,
	DNS_PARSE_RESULT_COUNT
};

/* Short constant description of a parse result, for summaries. */
const char *dns_parse_result_text(enum dns_parse_result result);

/* True when the result leaves usable data in the message (OK, TRAILING or
 * PARTIAL). */
static inline bool dns_parse_usable(enum dns_parse_result result)
{
	return result <= DNS_PARSE_PARTIAL;
}

struct dns_parser;

/* Create a reusable parser with its own scratch memory; NULL when out of memory. */
struct dns_parser *dns_parser_new(void);
void dns_parser_free(struct dns_parser *parser);

/* Parse the message in wire[0..len) into msg. Compression loops, forward
 * pointers, bad counts, truncation and trailing bytes are reported, never
 * followed past the buffer. The wire buffer is not modified and must stay
 * valid while msg is used. */
enum dns_parse_result dns_parse(struct dns_parser *parser, const uint8_t *wire, size_t len,
                                struct dns_message *msg);

/* Like dns_parse(), but step over the additional section instead of copying
 * it: msg->count[DNS_ADDITIONAL] is 0, and only EDNS (the extended rcode)
 * and the OPT/TSIG placement rules are taken from it. Passive DNS uses no
 * additional records, and skipping them saves a tenth of the decode time. */
enum dns_parse_result dns_parse_answers(struct dns_parser *parser, const uint8_t *wire,
                                        size_t len, struct dns_message *msg);

/* Read only the fixed header and the question; cheaper than dns_parse() for
 * queries. Returns DNS_PARSE_OK, DNS_PARSE_SHORT or DNS_PARSE_BAD_QUESTION. */
enum dns_parse_result dns_parse_question(struct dns_parser *parser, const uint8_t *wire,
                                         size_t len, struct dns_message *msg);

/* Copy rdata of type to out (room for 65535 bytes) as a response's rdata
 * is stored: names lower-cased, compression followed, bytes after the last
 * field dropped. For rdata from other sources, such as a zone-file parser.
 * Returns the length, or -1 when rdata does not fit the type's layout. */
long dns_rdata_canonical(struct dns_parser *parser, uint16_t type, const uint8_t *rdata,
                         uint16_t rdlen, uint8_t *out);

/* Bytes of NAPTR rdata (RFC 3403) before the replacement name: order,
 * preference and three character-strings; 0 when they run past len. */
size_t dns_naptr_header_size(const uint8_t *rdata, size_t len);

/* Cheap peek at the QR bit; false for messages shorter than a header. */
bool dns_wire_is_response(const uint8_t *wire, size_t len);
