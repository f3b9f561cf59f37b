/* IP-to-ASN ranges as the JSON objects that `dragnet asn --json` prints and
 * the HTTP API returns. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "asn/asn.h"

/* Add the fields of r to obj: asn, prefixes (r as CIDR prefixes), range
 * ("LO-HI"), country, as_org, isp, organization, origins (null when the
 * source gave none) and source. */
void asn_json_add_range(json_t *obj, const struct asn_range *r, const char *source);

/* Write obj to out as one line of compact ASCII JSON and release obj.
 * Returns false when memory runs out or writing fails. */
bool asn_json_print(FILE *out, json_t *obj);
