/* A minimal DER reader for the certificate parsers. */
#include "x509/der.h"

bool der_read(const uint8_t *p, size_t avail, struct der_tlv *out)
{
	if (avail < 2 || (p[0] & 0x1f) == 0x1f)
		return false;

	size_t len = p[1];
	size_t head = 2;
	if (len & 0x80) {
		size_t n = len & 0x7f;
		/* No indefinite length, no more than four length bytes. */
		if (n == 0 || n > 4 || avail < 2 + n)
			return false;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | p[2 + i];
		/* DER uses the shortest form: no leading zero byte, no long form
		 * below 128. */
		if (p[2] == 0 || len < 0x80)
			return false;
		head += n;
	}
	if (len > avail - head)
		return false;

	out->tag = p[0];
	out->start = p;
	out->body = p + head;
	out->len = len;
	out->total = head + len;
	return true;
}

bool der_next(struct der_cursor *cur, struct der_tlv *out)
{
	if (cur->p >= cur->end || !der_read(cur->p, (size_t)(cur->end - cur->p), out))
		return false;
	cur->p += out->total;
	return true;
}

bool der_integer_minimal(const struct der_tlv *tlv)
{
	if (tlv->len == 0)
		return false;
	if (tlv->len == 1)
		return true;
	uint8_t first = tlv->body[0], second = tlv->body[1];
	if (first == 0x00 && !(second & 0x80))
		return false;
	if (first == 0xff && (second & 0x80))
		return false;
	return true;
}

size_t der_length_size(size_t len)
{
	if (len < 0x80)
		return 1;
	size_t n = 1;
	while (len >> (8 * n))
		n++;
	return 1 + n;
}

size_t der_write_length(size_t len, uint8_t *out)
{
	size_t size = der_length_size(len);
	if (size == 1) {
		out[0] = (uint8_t)len;
		return 1;
	}
	out[0] = (uint8_t)(0x80 | (size - 1));
	for (size_t i = 1; i < size; i++)
		out[i] = (uint8_t)(len >> (8 * (size - 1 - i)));
	return size;
}
