/* Finding certificates in PEM text or a DER file, and guessing the format of
 * a certificate input. */
#include "x509/pem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/ct.h"
#include "x509/der.h"

/* PEM labels (RFC 7468 section 5.1, and OpenSSL's two variants) that carry
 * a certificate. */
static const char *const cert_labels[] = {"CERTIFICATE", "X509 CERTIFICATE",
                                          "TRUSTED CERTIFICATE"};

const char *x509_format_name(enum x509_format format)
{
	switch (format) {
	case X509_FORMAT_PEM:
		return "pem";
	case X509_FORMAT_DER:
		return "der";
	case X509_FORMAT_CT_JSON:
		return "ct-json";
	case X509_FORMAT_CRTSH:
		return "crtsh-json";
	case X509_FORMAT_NONE:
		break;
	}
	return "none";
}

size_t x509_der_tlv_len(const uint8_t *der, size_t len)
{
	struct der_tlv tlv;
	return der_read(der, len, &tlv) ? tlv.total : 0;
}

static bool has_cert_begin(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(cert_labels) / sizeof(cert_labels[0]); i++) {
		char line[64];
		int n = snprintf(line, sizeof(line), "-----BEGIN %s-----", cert_labels[i]);
		if (memmem(buf, len, line, (size_t)n) != NULL)
			return true;
	}
	return false;
}

/* A DER Certificate starts SEQUENCE { SEQUENCE { [0] version or INTEGER. */
static bool looks_like_der(const uint8_t *buf, size_t len)
{
	if (len < 8 || buf[0] != 0x30)
		return false;
	size_t i = 1;
	for (int level = 0; level < 2; level++) {
		if (buf[i] & 0x80) {
			size_t n = buf[i] & 0x7f;
			if (n == 0 || n > 4)
				return false;
			i += 1 + n;
		} else {
			i++;
		}
		if (i + 1 >= len)
			return false;
		if (level == 0) {
			if (buf[i] != 0x30)
				return false;
			i++;
		}
	}
	return buf[i] == 0xa0 || buf[i] == 0x02;
}

static size_t skip_space(const uint8_t *buf, size_t len, size_t i)
{
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

enum x509_format x509_detect(const uint8_t *head, size_t len)
{
	if (has_cert_begin(head, len))
		return X509_FORMAT_PEM;
	static const char text_dump[] = "Certificate:";
	if (len >= sizeof(text_dump) - 1 && memcmp(head, text_dump, sizeof(text_dump) - 1) == 0)
		return X509_FORMAT_PEM;
	if (looks_like_der(head, len))
		return X509_FORMAT_DER;

	size_t i = 0;
	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	i = skip_space(head, len, i);
	if (i >= len)
		return X509_FORMAT_NONE;
	if (head[i] == '{' && memmem(head, len, "\"leaf_input\"", 12) != NULL)
		return X509_FORMAT_CT_JSON;
	if (head[i] == '[') {
		i = skip_space(head, len, i + 1);
		if (i < len && head[i] == '{' &&
		    (memmem(head, len, "\"issuer_ca_id\"", 14) != NULL ||
		     memmem(head, len, "\"name_value\"", 12) != NULL))
			return X509_FORMAT_CRTSH;
	}
	return X509_FORMAT_NONE;
}

/* Report a failed block to the callback. */
static dn_status report_bad(x509_found_fn fn, void *ctx, size_t offset, size_t index,
                            size_t *n_bad, const struct dn_error *block_err)
{
	struct x509_found found = {.der = NULL, .der_len = 0, .offset = offset, .index = index};
	(*n_bad)++;
	return fn(&found, block_err, ctx);
}

/* The label after "-----BEGIN " at p, if it is one of ours; its index or -1. */
static int match_label(const uint8_t *p, size_t avail, size_t *label_len)
{
	for (size_t i = 0; i < sizeof(cert_labels) / sizeof(cert_labels[0]); i++) {
		size_t n = strlen(cert_labels[i]);
		if (avail >= n + 5 && memcmp(p, cert_labels[i], n) == 0 &&
		    memcmp(p + n, "-----", 5) == 0) {
			*label_len = n;
			return (int)i;
		}
	}
	return -1;
}

/* Decode the base64 body of one block (between the BEGIN and END lines) into
 * a buffer from malloc. */
static dn_status decode_body(const uint8_t *body, size_t len, uint8_t **out, size_t *out_len,
                             struct dn_error *err)
{
	char *text = malloc(len + 1);
	uint8_t *bin = malloc(len / 4 * 3 + 3);
	if (text == NULL || bin == NULL) {
		free(text);
		free(bin);
		return dn_fail(err, DN_ENOMEM, "out of memory for a PEM block of %zu bytes", len);
	}
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = body[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == ':') {
			free(text);
			free(bin);
			return dn_fail(err, DN_EMALF, "PEM block has RFC 1421 headers");
		}
		text[n++] = (char)c;
	}
	long decoded = ct_base64_decode(text, n, bin);
	free(text);
	if (decoded <= 0) {
		free(bin);
		return dn_fail(err, DN_EMALF, "PEM block is not valid base64");
	}
	*out = bin;
	*out_len = (size_t)decoded;
	return DN_OK;
}

/* Decode one block and pass it on. Returns the callback's status; a block
 * that fails is reported through fn, not returned. */
static dn_status handle_block(const uint8_t *body, size_t body_len, bool trusted, size_t offset,
                              size_t index, x509_found_fn fn, void *ctx, size_t *n_found,
                              size_t *n_bad)
{
	struct dn_error block_err = {0};
	uint8_t *der = NULL;
	size_t der_len = 0;
	if (decode_body(body, body_len, &der, &der_len, &block_err))
		return report_bad(fn, ctx, offset, index, n_bad, &block_err);

	/* A TRUSTED CERTIFICATE is the certificate followed by OpenSSL's
	 * X509_CERT_AUX trust settings, which are dropped. */
	size_t cert_len = x509_der_tlv_len(der, der_len);
	dn_status rc;
	if (cert_len == 0 || der[0] != 0x30) {
		dn_fail(&block_err, DN_EMALF, "PEM block does not hold a DER SEQUENCE");
		rc = report_bad(fn, ctx, offset, index, n_bad, &block_err);
	} else if (!trusted && cert_len != der_len) {
		dn_fail(&block_err, DN_EMALF, "%zu bytes after the certificate in the PEM block",
		        der_len - cert_len);
		rc = report_bad(fn, ctx, offset, index, n_bad, &block_err);
	} else {
		struct x509_found found = {der, cert_len, offset, index};
		(*n_found)++;
		rc = fn(&found, NULL, ctx);
	}
	free(der);
	return rc;
}

static dn_status read_pem(const uint8_t *buf, size_t len, x509_found_fn fn, void *ctx,
                          size_t *n_found, size_t *n_bad)
{
	static const char begin[] = "-----BEGIN ";
	size_t pos = 0, index = 0;
	while (pos < len) {
		const uint8_t *hit = memmem(buf + pos, len - pos, begin, sizeof(begin) - 1);
		if (hit == NULL)
			break;
		size_t offset = (size_t)(hit - buf);
		size_t label_at = offset + sizeof(begin) - 1;
		size_t label_len;
		int label = match_label(buf + label_at, len - label_at, &label_len);
		pos = label_at;
		if (label < 0)
			continue;  /* a key, CRL or request block */

		size_t body = label_at + label_len + 5;
		char end_line[64];
		int end_len = snprintf(end_line, sizeof(end_line), "-----END %s-----",
		                       cert_labels[label]);
		const uint8_t *end = memmem(buf + body, len - body, end_line, (size_t)end_len);
		const uint8_t *next = memmem(buf + body, len - body, begin, sizeof(begin) - 1);
		dn_status rc;
		if (end == NULL || (next != NULL && next < end)) {
			struct dn_error block_err;
			dn_fail(&block_err, DN_EMALF, "PEM block has no '%s' line", end_line);
			rc = report_bad(fn, ctx, offset, index, n_bad, &block_err);
			pos = next != NULL ? (size_t)(next - buf) : len;
		} else {
			rc = handle_block(buf + body, (size_t)(end - buf) - body, label == 2, offset,
			                  index, fn, ctx, n_found, n_bad);
			pos = (size_t)(end - buf) + (size_t)end_len;
		}
		index++;
		if (rc)
			return rc;
	}
	return DN_OK;
}

dn_status x509_read(const uint8_t *buf, size_t len, x509_found_fn fn, void *ctx,
                    size_t *n_found, size_t *n_bad, struct dn_error *err)
{
	size_t found_count = 0, bad_count = 0;
	dn_status rc = DN_OK;
	if (has_cert_begin(buf, len)) {
		rc = read_pem(buf, len, fn, ctx, &found_count, &bad_count);
	} else if (looks_like_der(buf, len)) {
		size_t cert_len = x509_der_tlv_len(buf, len);
		struct dn_error block_err = {0};
		if (cert_len == len) {
			struct x509_found found = {buf, len, 0, 0};
			found_count++;
			rc = fn(&found, NULL, ctx);
		} else {
			if (cert_len == 0)
				dn_fail(&block_err, DN_EMALF, "DER certificate is truncated");
			else
				dn_fail(&block_err, DN_EMALF, "%zu bytes after the DER certificate",
				        len - cert_len);
			rc = report_bad(fn, ctx, 0, 0, &bad_count, &block_err);
		}
	} else {
		rc = dn_fail(err, DN_EFORMAT,
		             "no PEM certificate block and not a DER certificate");
	}
	if (n_found)
		*n_found = found_count;
	if (n_bad)
		*n_bad = bad_count;
	return rc;
}
