/* Signature checks for self-issued certificates without d2i_X509(), whose
 * public key decoding costs about 90 us in OpenSSL 3.0. */
#pragma once

#include <stdbool.h>

#include "x509/der.h"

/* Outcome of x509_verify_with_spki(). */
enum x509_verify_result {
	X509_VERIFY_OK,           /* the signature verifies */
	X509_VERIFY_BAD,          /* it does not, or the parts are malformed */
	X509_VERIFY_UNSUPPORTED,  /* a key or algorithm this path does not build: use OpenSSL's */
};

/* Verify signature (the certificate's signatureValue BIT STRING) over tbs
 * (the whole TBSCertificate TLV) with the key in spki, for the algorithm in
 * sig_alg. Handles RSA PKCS #1 v1.5 and ECDSA on named curves with the
 * digests OpenSSL maps those OIDs to; everything else is
 * X509_VERIFY_UNSUPPORTED. */
enum x509_verify_result x509_verify_with_spki(const struct der_tlv *tbs,
                                              const struct der_tlv *sig_alg,
                                              const struct der_tlv *signature,
                                              const struct der_tlv *spki);
