/* RDAP JSON (RFC 9083) domain responses to a struct whois_record.
 *
 * Pure: no I/O. Reads entities (vCard as jCard, RFC 7095) with their roles,
 * nested entities (a registrar's abuse contact), events, nameservers, status,
 * secureDNS, port43, links and the "redacted" member (RFC 9537). Error responses
 * ({"errorCode": 404, ...}) give WHOIS_NOT_FOUND, 429 WHOIS_THROTTLED. */
#pragma once

#include <stddef.h>

#include "util/arena.h"
#include "util/status.h"
#include "whois/record.h"

/* Parse len bytes of JSON. Strings in rec are allocated from arena. Returns
 * DN_OK with rec->status set; an error response also sets rec->reason (its
 * title and description), and any other errorCode than 404 and 429 gives
 * WHOIS_ERROR. Returns DN_EMALF for invalid JSON (err names the line and
 * column), a jCard that breaks RFC 7095, or JSON that is not an RDAP
 * response. Returns DN_ENOTSUP for a valid RDAP response of another kind
 * (entity, autnum, ip network or nameserver objects, search results,
 * help), with the objectClassName or search member in err. On an error rec is left as
 * whois_record_init() makes it. Never aborts. */
dn_status whois_parse_rdap(const char *json, size_t len, struct arena *arena,
                           struct whois_record *rec, struct dn_error *err);
