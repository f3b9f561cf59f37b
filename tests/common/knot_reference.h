/* The reference DNS parser for differential tests (libknot underneath). */
#pragma once

#include "dns/message.h"

struct knot_ref_parser;

struct knot_ref_parser *knot_ref_parser_new(void);
void knot_ref_parser_free(struct knot_ref_parser *parser);

/* Same contract as dns_parse() and dns_parse_question(). */
enum dns_parse_result knot_ref_parse(struct knot_ref_parser *parser, const uint8_t *wire,
                                     size_t len, struct dns_message *msg);
enum dns_parse_result knot_ref_parse_question(struct knot_ref_parser *parser,
                                              const uint8_t *wire, size_t len,
                                              struct dns_message *msg);
