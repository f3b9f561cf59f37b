/* Distinguished names straight from DER, without OpenSSL, for the common
 * case: the fast path of x509_parse_der(). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/status.h"
#include "x509/cert.h"

/* Decode the DER Name at der into out, with out->dn in the form that
 * X509_NAME_print_ex() writes with XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB.
 * Handles attributes whose type is in a table of common OIDs and whose value
 * is a UTF8String, PrintableString or IA5String of valid UTF-8 (ASCII for the
 * latter two). Returns DN_ENOTSUP for any other name, which the caller then
 * decodes with OpenSSL; DN_EMALF for DER that is not a Name; DN_ENOMEM. */
dn_status x509_name_decode(const uint8_t *der, size_t len, struct arena *arena,
                           struct x509_name *out);
