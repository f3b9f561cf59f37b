/* RDAP JSON (RFC 9083) domain responses to a struct whois_record.
 *
 * Pure: no I/O. Reads entities (vCard as jCard, RFC 7095) with their roles,
 * nested entities (a registrar's abuse contact), events, nameservers, status,
 * secureDNS, remarks and the "redacted" member (RFC 9537). Error responses
 * ({"errorCode": 404, ...}) give WHOIS_NOT_FOUND, 429 WHOIS_THROTTLED. */
#pragma once

#include <stddef.h>

#include "util/arena.h"
#include "util/status.h"
#include "whois/record.h"

/* Parse len bytes of JSON. Strings in rec are allocated from arena. Returns
 * DN_OK with rec->status set; DN_EMALF for invalid JSON (err names the line
 * and column), a jCard that breaks RFC 7095, or an object that is not a
 * domain; DN_ENOTSUP for a valid RDAP object of another class (entity,
 * autnum, ip network, nameserver). Never aborts. */
dn_status whois_parse_rdap(const char *json, size_t len, struct arena *arena,
                           struct whois_record *rec, struct dn_error *err);
