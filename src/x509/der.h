/* A minimal DER reader for the few places where the certificate parsers look
 * at bytes OpenSSL does not expose: the TBSCertificate's elements, extension
 * values and the RSA key inside the SubjectPublicKeyInfo. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One tag-length-value element. Only single-byte tags are read (tag numbers
 * up to 30, which covers every element of a certificate). */
struct der_tlv {
	uint8_t tag;          /* identifier octet: class, constructed bit and number */
	const uint8_t *start; /* first byte of the tag */
	const uint8_t *body;  /* first byte of the content */
	size_t len;           /* content length */
	size_t total;         /* tag + length + content */
};

/* A read cursor over the content of a constructed element. */
struct der_cursor {
	const uint8_t *p;
	const uint8_t *end;
};

/* Read one element at p (at most avail bytes). Returns false for a
 * multi-byte tag, an indefinite or non-minimal length, or a length past the
 * end. */
bool der_read(const uint8_t *p, size_t avail, struct der_tlv *out);

/* Read the next element of the cursor and advance past it; false at the end
 * or on an element der_read() rejects. */
bool der_next(struct der_cursor *cur, struct der_tlv *out);

/* A cursor over the content of tlv. */
static inline struct der_cursor der_enter(const struct der_tlv *tlv)
{
	return (struct der_cursor){tlv->body, tlv->body + tlv->len};
}

/* Whether an INTEGER's content is minimally encoded (X.690 section 8.3.2):
 * not empty, and its first nine bits are neither all zero nor all one. */
bool der_integer_minimal(const struct der_tlv *tlv);

/* Bytes needed to encode a definite length of len (1 to 5). */
size_t der_length_size(size_t len);

/* Write the DER length of len at out (der_length_size(len) bytes) and return
 * the number of bytes written. */
size_t der_write_length(size_t len, uint8_t *out);
