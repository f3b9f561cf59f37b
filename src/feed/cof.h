/* The Passive DNS Common Output Format object, shared by the COF and SAF
 * readers. */
#pragma once

#include <jansson.h>

#include "feed/feed.h"

/* Deliver the records of one COF object (draft-dulaunoy-dnsop-passive-dns-cof)
 * to fn: one record per rdata value, or one negative when the object has an
 * "rcode" and no "rdata" (as `dragnet pdns --json --negative` writes them).
 * Returns DN_EMALF with err naming the field when the object is not usable,
 * before any record is delivered, or the first status other than DN_OK
 * that fn returns. */
dn_status cof_object_parse(const json_t *obj, feed_record_fn fn, void *ctx, struct dn_error *err);
