/* x509_parse_der(): one DER certificate to a struct x509_cert.
 *
 * A DER walk finds the parts of the certificate, and OpenSSL 3 decodes the
 * pieces (names it cannot take the fast path for, SANs, policies, basic
 * constraints, unusual times). The common path avoids d2i_X509(), because
 * in OpenSSL 3.0 its public key decoding alone costs about 90 us. It runs
 * only to verify the signature of a self-issued certificate.
 *
 * Rejected although OpenSSL decodes them, each with a reason in err:
 * - trailing bytes after the Certificate SEQUENCE;
 * - a TBSCertificate signature AlgorithmIdentifier whose bytes differ from
 *   the outer signatureAlgorithm (RFC 5280 section 4.1.1.2);
 * - an empty ExtendedKeyUsage, SubjectInfoAccess or AuthorityInfoAccess
 *   SEQUENCE (SIZE (1..MAX) in RFC 5280), or a zero-length OBJECT IDENTIFIER
 *   in ExtendedKeyUsage;
 * - an RSA key whose AlgorithmIdentifier parameters are not NULL
 *   (RFC 3279 section 2.3.1), whose modulus or exponent INTEGER is not
 *   minimally encoded, or whose modulus is not positive.
 * Accepted on purpose:
 * - keys on small or deprecated curves (secp192r1) and short RSA keys: the
 *   encoding is valid, and an investigator wants to see such certificates;
 *   key_curve and key_bits show them;
 * - an empty subjectAltName and other RFC 5280 or CA/Browser Forum rule
 *   breaks that leave every field well defined (the zlint samples);
 * - X.509 version numbers above 3, which OpenSSL decodes. */
#include "x509/cert.h"

#include <arpa/inet.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/timeutil.h"
#include "x509/der.h"
#include "x509/name.h"
#include "x509/verify.h"

/* Content bytes of the OBJECT IDENTIFIERs compared by the DER walk. */
static const uint8_t oid_ct_poison[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x03};
static const uint8_t oid_ct_scts[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02};
static const uint8_t oid_ext_key_usage[] = {0x55, 0x1d, 0x25};
static const uint8_t oid_info_access[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};
static const uint8_t oid_subject_info_access[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0b};
static const uint8_t oid_rsa_encryption[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};

#define OID_IS(tlv, oid) ((tlv)->len == sizeof(oid) && memcmp((tlv)->body, (oid), sizeof(oid)) == 0)

/* Positions of the certificate's parts in the DER. */
struct cert_layout {
	struct der_tlv tbs;
	struct der_tlv serial;
	struct der_tlv tbs_sig_alg;
	struct der_tlv issuer;
	struct der_tlv validity;
	struct der_tlv subject;
	struct der_tlv outer_sig_alg;
	struct der_tlv spki;
	struct der_tlv signature;           /* the outer signatureValue BIT STRING */
	bool has_extensions;
	struct der_tlv extensions_wrapper;  /* [3] EXPLICIT */
	struct der_tlv extensions;          /* the SEQUENCE OF Extension inside it */
	/* Extensions dropped for tbs_sha256 (at most one of each is removed). */
	struct der_tlv poison;
	struct der_tlv scts;
	bool has_poison;
	bool has_scts;
};

const char *x509_level_name(enum x509_level level)
{
	switch (level) {
	case X509_LEVEL_DV:
		return "dv";
	case X509_LEVEL_OV:
		return "ov";
	case X509_LEVEL_IV:
		return "iv";
	case X509_LEVEL_EV:
		return "ev";
	case X509_LEVEL_UNKNOWN:
		break;
	}
	return "unknown";
}

void x509_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* Check one extension's value where RFC 5280 requires a non-empty SEQUENCE. */
static dn_status check_extension_value(const struct der_tlv *oid, const struct der_tlv *value,
                                       struct dn_error *err)
{
	bool eku = OID_IS(oid, oid_ext_key_usage);
	const char *name = eku ? "ExtendedKeyUsage"
	                   : OID_IS(oid, oid_subject_info_access) ? "SubjectInfoAccess"
	                   : OID_IS(oid, oid_info_access)         ? "AuthorityInfoAccess"
	                                                          : NULL;
	if (name == NULL)
		return DN_OK;

	/* A value that is no SEQUENCE at all passes: these extensions are not
	 * read, and zlint's samples carry such a SubjectInfoAccess. */
	struct der_tlv seq;
	if (value->len == 0 || (value->len == 2 && value->body[0] == 0x30 && value->body[1] == 0))
		return dn_fail(err, DN_EMALF, "empty %s extension", name);
	if (!eku || !der_read(value->body, value->len, &seq) || seq.tag != 0x30)
		return DN_OK;

	struct der_cursor cur = der_enter(&seq);
	struct der_tlv purpose;
	while (der_next(&cur, &purpose)) {
		if (purpose.tag != 0x06)
			return dn_fail(err, DN_EMALF, "ExtendedKeyUsage contains a non-OID element");
		if (purpose.len == 0)
			return dn_fail(err, DN_EMALF,
			               "zero-length OBJECT IDENTIFIER in ExtendedKeyUsage");
	}
	if (cur.p != cur.end)
		return dn_fail(err, DN_EMALF, "ExtendedKeyUsage is not valid DER");
	return DN_OK;
}

/* Walk the extensions: note the CT poison and SCT list, check the values
 * that must not be empty. */
static dn_status scan_extensions(struct cert_layout *layout, struct dn_error *err)
{
	struct der_cursor cur = der_enter(&layout->extensions);
	struct der_tlv ext;
	while (der_next(&cur, &ext)) {
		struct der_cursor fields = der_enter(&ext);
		struct der_tlv oid, value;
		if (ext.tag != 0x30 || !der_next(&fields, &oid) || oid.tag != 0x06 ||
		    !der_next(&fields, &value))
			return dn_fail(err, DN_EMALF, "extension is not a SEQUENCE of OID and value");
		if (value.tag == 0x01 && !der_next(&fields, &value))
			return dn_fail(err, DN_EMALF, "extension has no value after 'critical'");
		if (value.tag != 0x04 || fields.p != fields.end)
			return dn_fail(err, DN_EMALF, "extension value is not an OCTET STRING");

		if (OID_IS(&oid, oid_ct_poison) && !layout->has_poison) {
			layout->poison = ext;
			layout->has_poison = true;
		} else if (OID_IS(&oid, oid_ct_scts) && !layout->has_scts) {
			layout->scts = ext;
			layout->has_scts = true;
		}
		dn_status rc = check_extension_value(&oid, &value, err);
		if (rc)
			return rc;
	}
	if (cur.p != cur.end)
		return dn_fail(err, DN_EMALF, "extensions are not valid DER");
	return DN_OK;
}

/* Find the TBSCertificate, the two signature algorithms, the SPKI and the
 * extensions. OpenSSL has decoded the certificate already, so a failure here
 * means DER that OpenSSL tolerates and we do not. */
static dn_status locate_parts(const uint8_t *der, size_t len, struct cert_layout *layout,
                              struct dn_error *err)
{
	struct der_tlv cert;
	if (!der_read(der, len, &cert) || cert.tag != 0x30)
		return dn_fail(err, DN_EMALF, "certificate is not a DER SEQUENCE");
	if (cert.total != len)
		return dn_fail(err, DN_EMALF, "%zu bytes after the certificate", len - cert.total);

	struct der_cursor top = der_enter(&cert);
	if (!der_next(&top, &layout->tbs) || layout->tbs.tag != 0x30 ||
	    !der_next(&top, &layout->outer_sig_alg) || layout->outer_sig_alg.tag != 0x30 ||
	    !der_next(&top, &layout->signature) || layout->signature.tag != 0x03 ||
	    top.p != top.end)
		return dn_fail(err, DN_EMALF,
		               "certificate is not a TBSCertificate, algorithm and signature");

	/* version [0] (optional), serial, signature, issuer, validity, subject,
	 * subjectPublicKeyInfo, then optional [1], [2] and [3]. */
	struct der_cursor tbs = der_enter(&layout->tbs);
	struct der_tlv field;
	if (!der_next(&tbs, &field))
		return dn_fail(err, DN_EMALF, "empty TBSCertificate");
	if (field.tag == 0xa0 && !der_next(&tbs, &field))
		return dn_fail(err, DN_EMALF, "TBSCertificate ends after the version");
	if (field.tag != 0x02 || !der_integer_minimal(&field))
		return dn_fail(err, DN_EMALF, "serial number is not a minimal DER INTEGER");
	layout->serial = field;
	if (!der_next(&tbs, &layout->tbs_sig_alg) || layout->tbs_sig_alg.tag != 0x30)
		return dn_fail(err, DN_EMALF, "TBSCertificate has no signature algorithm");
	struct der_tlv *parts[] = {&layout->issuer, &layout->validity, &layout->subject};
	for (int i = 0; i < 3; i++) {
		if (!der_next(&tbs, parts[i]) || parts[i]->tag != 0x30)
			return dn_fail(err, DN_EMALF, "TBSCertificate lacks issuer, validity or subject");
	}
	if (!der_next(&tbs, &layout->spki) || layout->spki.tag != 0x30)
		return dn_fail(err, DN_EMALF, "TBSCertificate has no subjectPublicKeyInfo");

	while (der_next(&tbs, &field)) {
		if (field.tag != 0xa3)
			continue;
		struct der_cursor wrapper = der_enter(&field);
		layout->extensions_wrapper = field;
		if (!der_next(&wrapper, &layout->extensions) || layout->extensions.tag != 0x30 ||
		    wrapper.p != wrapper.end)
			return dn_fail(err, DN_EMALF, "extensions [3] does not hold one SEQUENCE");
		layout->has_extensions = true;
	}
	if (tbs.p != tbs.end)
		return dn_fail(err, DN_EMALF, "TBSCertificate is not valid DER");

	if (layout->tbs_sig_alg.total != layout->outer_sig_alg.total ||
	    memcmp(layout->tbs_sig_alg.start, layout->outer_sig_alg.start,
	           layout->tbs_sig_alg.total) != 0)
		return dn_fail(err, DN_EMALF,
		               "signature algorithm in TBSCertificate differs from the outer one");

	if (layout->has_extensions)
		return scan_extensions(layout, err);
	return DN_OK;
}

/* Check an RSA SubjectPublicKeyInfo: NULL parameters, and a RSAPublicKey of
 * two minimal INTEGERs with a positive modulus. Other key types pass. */
static dn_status check_rsa_key(const struct der_tlv *spki, struct dn_error *err)
{
	struct der_cursor cur = der_enter(spki);
	struct der_tlv alg, bits, oid, params;
	if (!der_next(&cur, &alg) || alg.tag != 0x30 || !der_next(&cur, &bits) || bits.tag != 0x03)
		return dn_fail(err, DN_EMALF, "subjectPublicKeyInfo is not an algorithm and BIT STRING");

	struct der_cursor alg_cur = der_enter(&alg);
	if (!der_next(&alg_cur, &oid) || oid.tag != 0x06)
		return dn_fail(err, DN_EMALF, "subjectPublicKeyInfo algorithm has no OID");
	if (!OID_IS(&oid, oid_rsa_encryption))
		return DN_OK;
	if (!der_next(&alg_cur, &params) || params.tag != 0x05 || params.len != 0 ||
	    alg_cur.p != alg_cur.end)
		return dn_fail(err, DN_EMALF, "RSA key parameters are not NULL");

	struct der_tlv key, modulus, exponent;
	if (bits.len < 1 || bits.body[0] != 0 || !der_read(bits.body + 1, bits.len - 1, &key) ||
	    key.tag != 0x30 || key.total != bits.len - 1)
		return dn_fail(err, DN_EMALF, "RSA public key is not a DER SEQUENCE");
	struct der_cursor key_cur = der_enter(&key);
	if (!der_next(&key_cur, &modulus) || modulus.tag != 0x02 ||
	    !der_next(&key_cur, &exponent) || exponent.tag != 0x02 || key_cur.p != key_cur.end)
		return dn_fail(err, DN_EMALF, "RSA public key is not two INTEGERs");
	if (!der_integer_minimal(&modulus) || !der_integer_minimal(&exponent))
		return dn_fail(err, DN_EMALF, "RSA key INTEGER is not minimally encoded");
	if (modulus.body[0] & 0x80)
		return dn_fail(err, DN_EMALF, "RSA modulus is negative");
	if (exponent.body[0] & 0x80)
		return dn_fail(err, DN_EMALF, "RSA public exponent is negative");
	return DN_OK;
}

/* SHA-256 of the TBSCertificate without the CT poison and SCT list
 * extensions. When both were the only extensions, the [3] field is left out
 * too, as RFC 5280 allows no empty extensions SEQUENCE. */
static dn_status hash_tbs(const struct cert_layout *layout, uint8_t out[32])
{
	const struct der_tlv *tbs = &layout->tbs;
	if (!layout->has_poison && !layout->has_scts) {
		SHA256(tbs->start, tbs->total, out);
		return DN_OK;
	}

	size_t removed = (layout->has_poison ? layout->poison.total : 0) +
	                 (layout->has_scts ? layout->scts.total : 0);
	size_t ext_len = layout->extensions.len - removed;
	const struct der_tlv *wrapper = &layout->extensions_wrapper;
	size_t before = (size_t)(wrapper->start - tbs->body);
	size_t after = (size_t)(tbs->body + tbs->len - (wrapper->start + wrapper->total));
	size_t ext_seq = ext_len ? 1 + der_length_size(ext_len) + ext_len : 0;
	size_t wrapped = ext_len ? 1 + der_length_size(ext_seq) + ext_seq : 0;
	size_t body_len = before + wrapped + after;

	uint8_t *buf = malloc(1 + der_length_size(body_len) + body_len);
	if (buf == NULL)
		return DN_ENOMEM;
	uint8_t *p = buf;
	*p++ = 0x30;
	p += der_write_length(body_len, p);
	memcpy(p, tbs->body, before);
	p += before;
	if (ext_len) {
		*p++ = 0xa3;
		p += der_write_length(ext_seq, p);
		*p++ = 0x30;
		p += der_write_length(ext_len, p);
		struct der_cursor cur = der_enter(&layout->extensions);
		struct der_tlv ext;
		while (der_next(&cur, &ext)) {
			if ((layout->has_poison && ext.start == layout->poison.start) ||
			    (layout->has_scts && ext.start == layout->scts.start))
				continue;
			memcpy(p, ext.start, ext.total);
			p += ext.total;
		}
	}
	memcpy(p, wrapper->start + wrapper->total, after);
	p += after;
	SHA256(buf, (size_t)(p - buf), out);
	free(buf);
	return DN_OK;
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 when it is not
 * valid UTF-8 (overlong forms, surrogates and values above U+10FFFF
 * included). */
static size_t utf8_sequence(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len;
	uint32_t min, cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2, min = 0x80, cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Copy bytes into the arena as a string: valid UTF-8 kept, control bytes and
 * bytes that are not UTF-8 written as \xHH, ASCII letters lower-cased when
 * lower is set. */
static const char *copy_escaped(struct arena *arena, const uint8_t *s, size_t n, bool lower)
{
	char *out = arena_alloc(arena, 4 * n + 1);
	if (out == NULL)
		return NULL;
	char *p = out;
	for (size_t i = 0; i < n;) {
		size_t seq = utf8_sequence(s + i, n - i);
		if (seq == 0 || s[i] < 0x20 || s[i] == 0x7f) {
			static const char digits[] = "0123456789abcdef";
			*p++ = '\\';
			*p++ = 'x';
			*p++ = digits[s[i] >> 4];
			*p++ = digits[s[i] & 0x0f];
			i++;
			continue;
		}
		for (size_t k = 0; k < seq; k++) {
			char c = (char)s[i + k];
			*p++ = lower && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		i += seq;
	}
	*p = '\0';
	return out;
}

static const char *copy_string(struct arena *arena, const char *s, size_t n)
{
	char *out = arena_alloc(arena, n + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* Dotted text of the OBJECT IDENTIFIER whose content is oid. */
static const char *oid_text(struct arena *arena, const struct der_tlv *oid)
{
	const unsigned char *p = oid->start;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, (long)oid->total);
	if (obj == NULL)
		return "?";
	char buf[128];
	int n = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
	ASN1_OBJECT_free(obj);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return "?";
	return copy_string(arena, buf, (size_t)n);
}

/* Short name of an OID ("CN"), or its dotted form when OpenSSL has none. */
static const char *object_name(struct arena *arena, const ASN1_OBJECT *obj)
{
	int nid = OBJ_obj2nid(obj);
	if (nid != NID_undef) {
		const char *sn = OBJ_nid2sn(nid);
		if (sn != NULL)
			return sn;
	}
	char buf[128];
	int n = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return "?";
	return copy_string(arena, buf, (size_t)n);
}

/* The slow path for names that x509_name_decode() leaves to OpenSSL. */
static dn_status fill_name_openssl(const struct der_tlv *der, struct arena *arena,
                                   struct x509_name *out, struct dn_error *err)
{
	const unsigned char *p = der->start;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)der->total);
	if (name == NULL)
		return dn_fail(err, DN_EMALF, "OpenSSL cannot decode a distinguished name");
	BIO *bio = BIO_new(BIO_s_mem());
	if (bio == NULL) {
		X509_NAME_free(name);
		return dn_fail(err, DN_ENOMEM, "out of memory for a BIO");
	}

	/* OpenSSL's own printer, so the text equals
	 * `openssl x509 -nameopt RFC2253,-esc_msb` byte for byte. */
	dn_status rc = DN_OK;
	char *text;
	long text_len;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		rc = dn_fail(err, DN_EMALF, "OpenSSL cannot print a distinguished name");
		goto done;
	}
	text_len = BIO_get_mem_data(bio, &text);
	out->dn = copy_escaped(arena, (const uint8_t *)(text_len > 0 ? text : ""),
	                       text_len > 0 ? (size_t)text_len : 0, false);

	int count = X509_NAME_entry_count(name);
	struct x509_attr *attrs = count > 0 ? arena_alloc(arena, (size_t)count * sizeof(*attrs))
	                                    : NULL;
	if (out->dn == NULL || (count > 0 && attrs == NULL)) {
		rc = dn_fail(err, DN_ENOMEM, "out of memory for a distinguished name");
		goto done;
	}
	for (int i = 0; i < count; i++) {
		const X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
		const ASN1_STRING *data = X509_NAME_ENTRY_get_data(entry);
		attrs[i].key = object_name(arena, X509_NAME_ENTRY_get_object(entry));

		/* BMPString and UniversalString become UTF-8; a value that does
		 * not convert (invalid UTF8String) is escaped byte by byte. */
		unsigned char *utf8 = NULL;
		int n = ASN1_STRING_to_UTF8(&utf8, data);
		if (n >= 0) {
			attrs[i].value = copy_escaped(arena, utf8, (size_t)n, false);
			OPENSSL_free(utf8);
		} else {
			attrs[i].value = copy_escaped(arena, ASN1_STRING_get0_data(data),
			                              (size_t)ASN1_STRING_length(data), false);
		}
		if (attrs[i].key == NULL || attrs[i].value == NULL) {
			rc = dn_fail(err, DN_ENOMEM, "out of memory for a distinguished name");
			goto done;
		}
	}
	out->attrs = attrs;
	out->n_attrs = count > 0 ? (size_t)count : 0;
done:
	BIO_free(bio);
	X509_NAME_free(name);
	return rc;
}

static dn_status fill_name(const struct der_tlv *der, struct arena *arena, struct x509_name *out,
                           struct dn_error *err)
{
	dn_status rc = x509_name_decode(der->start, der->total, arena, out);
	if (rc == DN_ENOTSUP)
		return fill_name_openssl(der, arena, out, err);
	if (rc == DN_ENOMEM)
		return dn_fail(err, rc, "out of memory for a distinguished name");
	if (rc)
		return dn_fail(err, rc, "distinguished name is not valid DER");
	return DN_OK;
}

static bool read_digits(const uint8_t *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* The RFC 5280 forms: UTCTime YYMMDDHHMMSSZ and GeneralizedTime
 * YYYYMMDDHHMMSSZ. Anything else goes to OpenSSL. */
static bool time_fast(const struct der_tlv *t, int64_t *out)
{
	size_t year_digits;
	if (t->tag == 0x17)
		year_digits = 2;
	else if (t->tag == 0x18)
		year_digits = 4;
	else
		return false;
	if (t->len != year_digits + 11 || t->body[t->len - 1] != 'Z')
		return false;
	const uint8_t *s = t->body;
	int year, mon, day, hour, min, sec;
	if (!read_digits(s, year_digits, &year) || !read_digits(s + year_digits, 2, &mon) ||
	    !read_digits(s + year_digits + 2, 2, &day) ||
	    !read_digits(s + year_digits + 4, 2, &hour) ||
	    !read_digits(s + year_digits + 6, 2, &min) || !read_digits(s + year_digits + 8, 2, &sec))
		return false;
	if (year_digits == 2)
		year += year < 50 ? 2000 : 1900;
	static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mon < 1 || mon > 12 || day < 1 || day > month_days[mon - 1] || hour > 23 || min > 59 ||
	    sec > 59)
		return false;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (mon == 2 && day == 29 && !leap)
		return false;
	*out = time_days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	return true;
}

static bool time_epoch(const struct der_tlv *t, int64_t *out)
{
	if (time_fast(t, out))
		return true;
	const unsigned char *p = t->start;
	ASN1_TIME *time = d2i_ASN1_TIME(NULL, &p, (long)t->total);
	struct tm tm;
	bool ok = time != NULL && ASN1_TIME_to_tm(time, &tm) == 1;
	ASN1_TIME_free(time);
	if (ok)
		*out = (int64_t)timegm(&tm);
	return ok;
}

/* Lower-case hex of the serial number INTEGER, "-" and the magnitude when it
 * is negative. */
static const char *serial_hex(struct arena *arena, const struct der_tlv *serial)
{
	size_t n = serial->len;
	bool negative = serial->body[0] & 0x80;
	uint8_t *magnitude = arena_alloc(arena, n);
	char *out = arena_alloc(arena, 2 * n + 3);
	if (magnitude == NULL || out == NULL)
		return NULL;

	/* Two's complement: the magnitude of a negative value is its
	 * inversion plus one. */
	memcpy(magnitude, serial->body, n);
	if (negative) {
		unsigned carry = 1;
		for (size_t i = n; i-- > 0;) {
			unsigned v = (uint8_t)~magnitude[i] + carry;
			magnitude[i] = (uint8_t)v;
			carry = v >> 8;
		}
	}
	const uint8_t *bytes = magnitude;
	while (n > 0 && bytes[0] == 0)
		bytes++, n--;

	char *p = out;
	if (negative && n > 0)
		*p++ = '-';
	if (n == 0) {
		strcpy(p, "0");
		return out;
	}
	x509_hex(bytes, n, p);
	/* One leading zero digit at most, from the first byte. */
	if (p[0] == '0')
		memmove(p, p + 1, strlen(p));
	return out;
}

/* Append s to a growing array of strings in the arena. */
static dn_status push_string(struct arena *arena, const char ***list, size_t *n, size_t *cap,
                             const char *s)
{
	if (s == NULL)
		return DN_ENOMEM;
	if (*n == *cap) {
		size_t new_cap = *cap ? 2 * *cap : 4;
		const char **grown = arena_alloc(arena, new_cap * sizeof(*grown));
		if (grown == NULL)
			return DN_ENOMEM;
		if (*n)
			memcpy(grown, *list, *n * sizeof(*grown));
		*list = grown;
		*cap = new_cap;
	}
	(*list)[(*n)++] = s;
	return DN_OK;
}

struct san_lists {
	size_t cap_dns, cap_ip, cap_email;
};

static dn_status add_general_name(const GENERAL_NAME *gn, struct arena *arena,
                                  struct x509_cert *cert, struct san_lists *caps)
{
	int type;
	const ASN1_STRING *value = GENERAL_NAME_get0_value(gn, &type);
	const uint8_t *data = ASN1_STRING_get0_data(value);
	size_t len = (size_t)ASN1_STRING_length(value);

	switch (type) {
	case GEN_DNS:
		return push_string(arena, &cert->san_dns, &cert->n_san_dns, &caps->cap_dns,
		                   copy_escaped(arena, data, len, true));
	case GEN_EMAIL:
		return push_string(arena, &cert->san_email, &cert->n_san_email, &caps->cap_email,
		                   copy_escaped(arena, data, len, true));
	case GEN_IPADD: {
		char text[INET6_ADDRSTRLEN];
		const char *ip;
		if (len == 4 || len == 16) {
			if (inet_ntop(len == 4 ? AF_INET : AF_INET6, data, text, sizeof(text)) == NULL)
				return DN_ENOMEM;
			ip = copy_string(arena, text, strlen(text));
		} else {
			/* Not an address (a name-constraints range, or garbage):
			 * kept as hex so it stays visible. */
			char *hex = arena_alloc(arena, 2 * len + 1);
			if (hex == NULL)
				return DN_ENOMEM;
			x509_hex(data, len, hex);
			ip = hex;
		}
		return push_string(arena, &cert->san_ip, &cert->n_san_ip, &caps->cap_ip, ip);
	}
	default:
		return DN_OK;
	}
}

/* Add the names of one subjectAltName value. A value OpenSSL cannot decode
 * adds nothing, as `openssl x509 -text` then prints it as bytes. */
static dn_status add_sans(const struct der_tlv *value, struct arena *arena,
                          struct x509_cert *cert, struct san_lists *caps)
{
	const unsigned char *p = value->body;
	GENERAL_NAMES *names = d2i_GENERAL_NAMES(NULL, &p, (long)value->len);
	if (names == NULL)
		return DN_OK;
	dn_status rc = DN_OK;
	for (int i = 0; rc == DN_OK && i < sk_GENERAL_NAME_num(names); i++)
		rc = add_general_name(sk_GENERAL_NAME_value(names, i), arena, cert, caps);
	GENERAL_NAMES_free(names);
	return rc;
}

static enum x509_level level_of(const char *oid)
{
	static const struct {
		const char *oid;
		enum x509_level level;
	} levels[] = {
		{"2.23.140.1.2.1", X509_LEVEL_DV},
		{"2.23.140.1.2.2", X509_LEVEL_OV},
		{"2.23.140.1.2.3", X509_LEVEL_IV},
		{"2.23.140.1.1", X509_LEVEL_EV},
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcmp(oid, levels[i].oid) == 0)
			return levels[i].level;
	}
	return X509_LEVEL_UNKNOWN;
}

static dn_status fill_policies(const struct der_tlv *value, struct arena *arena,
                               struct x509_cert *cert)
{
	const unsigned char *p = value->body;
	CERTIFICATEPOLICIES *policies = d2i_CERTIFICATEPOLICIES(NULL, &p, (long)value->len);
	if (policies == NULL)
		return DN_OK;

	dn_status rc = DN_OK;
	size_t cap = 0;
	for (int i = 0; rc == DN_OK && i < sk_POLICYINFO_num(policies); i++) {
		char oid[128];
		const POLICYINFO *info = sk_POLICYINFO_value(policies, i);
		int n = OBJ_obj2txt(oid, sizeof(oid), info->policyid, 1);
		if (n <= 0 || (size_t)n >= sizeof(oid))
			continue;
		rc = push_string(arena, &cert->policies, &cert->n_policies, &cap,
		                 copy_string(arena, oid, (size_t)n));
		enum x509_level level = level_of(oid);
		/* EV outranks the others when a certificate lists several. */
		if (level != X509_LEVEL_UNKNOWN &&
		    (cert->level == X509_LEVEL_UNKNOWN || level == X509_LEVEL_EV))
			cert->level = level;
	}
	CERTIFICATEPOLICIES_free(policies);
	return rc;
}

static bool basic_constraints_ca(const struct der_tlv *value)
{
	const unsigned char *p = value->body;
	BASIC_CONSTRAINTS *bc = d2i_BASIC_CONSTRAINTS(NULL, &p, (long)value->len);
	if (bc == NULL)
		return false;
	bool ca = bc->ca != 0;
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

/* Bits in an unsigned big-endian INTEGER's content. */
static int integer_bits(const struct der_tlv *n)
{
	const uint8_t *p = n->body;
	size_t len = n->len;
	while (len > 0 && p[0] == 0)
		p++, len--;
	if (len == 0)
		return 0;
	int bits = (int)(len - 1) * 8;
	for (uint8_t top = p[0]; top; top >>= 1)
		bits++;
	return bits;
}

/* The first INTEGER inside the SEQUENCE at bytes (RSA modulus, DSA p). */
static int first_integer_bits(const uint8_t *bytes, size_t len)
{
	struct der_tlv seq, n;
	if (!der_read(bytes, len, &seq) || seq.tag != 0x30)
		return 0;
	struct der_cursor cur = der_enter(&seq);
	if (!der_next(&cur, &n) || n.tag != 0x02)
		return 0;
	return integer_bits(&n);
}

static const uint8_t oid_rsassa_pss[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_dsa[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t oid_ed25519[] = {0x2b, 0x65, 0x70};
static const uint8_t oid_ed448[] = {0x2b, 0x65, 0x71};

/* An EC key's curve from its namedCurve parameter. */
static void fill_curve(const struct der_tlv *params, struct arena *arena, struct x509_cert *cert)
{
	if (params->tag != 0x06)
		return;  /* explicit or implicit parameters: no name */
	const unsigned char *p = params->start;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, (long)params->total);
	int nid = obj != NULL ? OBJ_obj2nid(obj) : NID_undef;
	ASN1_OBJECT_free(obj);
	if (nid == NID_undef) {
		cert->key_curve = oid_text(arena, params);
		return;
	}
	cert->key_curve = OBJ_nid2sn(nid);

	static const struct {
		int nid, bits;
	} common[] = {{NID_X9_62_prime256v1, 256}, {NID_secp384r1, 384}, {NID_secp521r1, 521}};
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if (common[i].nid == nid) {
			cert->key_bits = common[i].bits;
			return;
		}
	}
	EC_GROUP *group = EC_GROUP_new_by_curve_name(nid);
	if (group != NULL)
		cert->key_bits = EC_GROUP_order_bits(group);
	EC_GROUP_free(group);
}

/* Key type, size and curve from the SubjectPublicKeyInfo bytes, without
 * OpenSSL's key decoders (each costs about 90 us in OpenSSL 3.0). */
static void fill_key(const struct der_tlv *spki, struct arena *arena, struct x509_cert *cert)
{
	struct der_cursor cur = der_enter(spki);
	struct der_tlv alg, bits, oid, params = {0};
	if (!der_next(&cur, &alg) || !der_next(&cur, &bits) || bits.tag != 0x03 || bits.len < 1)
		return;
	struct der_cursor alg_cur = der_enter(&alg);
	if (!der_next(&alg_cur, &oid) || oid.tag != 0x06)
		return;
	bool has_params = der_next(&alg_cur, &params);
	const uint8_t *key = bits.body + 1;
	size_t key_len = bits.len - 1;

	if (OID_IS(&oid, oid_rsa_encryption) || OID_IS(&oid, oid_rsassa_pss)) {
		cert->key_type = OID_IS(&oid, oid_rsa_encryption) ? "RSA" : "RSA-PSS";
		cert->key_bits = first_integer_bits(key, key_len);
	} else if (OID_IS(&oid, oid_ec_public_key)) {
		cert->key_type = "EC";
		if (has_params)
			fill_curve(&params, arena, cert);
	} else if (OID_IS(&oid, oid_dsa)) {
		cert->key_type = "DSA";
		if (has_params)
			cert->key_bits = first_integer_bits(params.start, params.total);
	} else if (OID_IS(&oid, oid_ed25519)) {
		cert->key_type = "Ed25519";
		cert->key_bits = 253;  /* what EVP_PKEY_get_bits() reports */
	} else if (OID_IS(&oid, oid_ed448)) {
		cert->key_type = "Ed448";
		cert->key_bits = 456;
	} else {
		cert->key_type = oid_text(arena, &oid);
	}
}

static const char *signature_name(const struct der_tlv *alg, struct arena *arena)
{
	struct der_cursor cur = der_enter(alg);
	struct der_tlv oid;
	if (!der_next(&cur, &oid) || oid.tag != 0x06)
		return "?";
	const unsigned char *p = oid.start;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, (long)oid.total);
	int nid = obj != NULL ? OBJ_obj2nid(obj) : NID_undef;
	ASN1_OBJECT_free(obj);
	if (nid != NID_undef)
		return OBJ_nid2ln(nid);
	return oid_text(arena, &oid);
}

/* Whether the certificate verifies with its own key. Only called for a
 * self-issued certificate, because a signature check costs more than the
 * rest of the parse (an ECDSA P-256 verify alone takes about 60 us).
 * Roots repeat in every CT chain, so the last results are kept per thread,
 * keyed by the certificate's SHA-256. */
static bool verifies_itself(const struct cert_layout *layout, const uint8_t *der, size_t len,
                            const uint8_t sha256[32])
{
	static _Thread_local struct {
		uint8_t sha256[32];
		bool used, self_signed;
	} cache[64];
	size_t slot = sha256[0] % (sizeof(cache) / sizeof(cache[0]));
	if (cache[slot].used && memcmp(cache[slot].sha256, sha256, 32) == 0)
		return cache[slot].self_signed;

	bool ok;
	enum x509_verify_result fast = x509_verify_with_spki(&layout->tbs, &layout->outer_sig_alg,
	                                                     &layout->signature, &layout->spki);
	if (fast != X509_VERIFY_UNSUPPORTED) {
		ok = fast == X509_VERIFY_OK;
	} else {
		/* RSA-PSS, DSA, EdDSA and the rest: OpenSSL's full decode. */
		const unsigned char *p = der;
		X509 *x = d2i_X509(NULL, &p, (long)len);
		EVP_PKEY *pkey = x != NULL ? X509_get0_pubkey(x) : NULL;
		ok = pkey != NULL && X509_verify(x, pkey) == 1;
		X509_free(x);
	}
	memcpy(cache[slot].sha256, sha256, 32);
	cache[slot].used = true;
	cache[slot].self_signed = ok;
	return ok;
}

/* The key identifiers of a certificate: its own (subjectKeyIdentifier) and
 * the one it names for its signer (keyIdentifier of
 * authorityKeyIdentifier). A NULL body means the extension or the field is
 * absent. */
struct key_ids {
	struct der_tlv subject;
	struct der_tlv authority;
};

/* Read the KeyIdentifier OCTET STRING inside a subjectKeyIdentifier value. */
static void read_subject_key_id(const struct der_tlv *value, struct key_ids *ids)
{
	struct der_tlv id;
	if (der_read(value->body, value->len, &id) && id.tag == 0x04 && id.total == value->len)
		ids->subject = id;
}

/* Read the [0] keyIdentifier inside an authorityKeyIdentifier value. */
static void read_authority_key_id(const struct der_tlv *value, struct key_ids *ids)
{
	struct der_tlv seq, first;
	if (!der_read(value->body, value->len, &seq) || seq.tag != 0x30)
		return;
	struct der_cursor cur = der_enter(&seq);
	if (der_next(&cur, &first) && first.tag == 0x80)
		ids->authority = first;
}

static dn_status fill_extensions(const struct cert_layout *layout, struct arena *arena,
                                 struct x509_cert *cert, struct key_ids *ids,
                                 struct dn_error *err)
{
	static const uint8_t oid_san[] = {0x55, 0x1d, 0x11};
	static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
	static const uint8_t oid_policies[] = {0x55, 0x1d, 0x20};
	static const uint8_t oid_subject_key_id[] = {0x55, 0x1d, 0x0e};
	static const uint8_t oid_authority_key_id[] = {0x55, 0x1d, 0x23};
	if (!layout->has_extensions)
		return DN_OK;

	/* scan_extensions() has checked the shape of every extension. */
	struct san_lists caps = {0};
	bool seen_bc = false, seen_policies = false;
	struct der_cursor cur = der_enter(&layout->extensions);
	struct der_tlv ext, oid, value;
	while (der_next(&cur, &ext)) {
		struct der_cursor fields = der_enter(&ext);
		der_next(&fields, &oid);
		der_next(&fields, &value);
		if (value.tag == 0x01)
			der_next(&fields, &value);

		dn_status rc = DN_OK;
		if (OID_IS(&oid, oid_san)) {
			rc = add_sans(&value, arena, cert, &caps);
		} else if (OID_IS(&oid, oid_basic_constraints) && !seen_bc) {
			cert->is_ca = basic_constraints_ca(&value);
			seen_bc = true;
		} else if (OID_IS(&oid, oid_policies) && !seen_policies) {
			rc = fill_policies(&value, arena, cert);
			seen_policies = true;
		} else if (OID_IS(&oid, oid_subject_key_id) && ids->subject.body == NULL) {
			read_subject_key_id(&value, ids);
		} else if (OID_IS(&oid, oid_authority_key_id) && ids->authority.body == NULL) {
			read_authority_key_id(&value, ids);
		}
		if (rc)
			return dn_fail(err, rc, "out of memory for the certificate extensions");
	}
	return DN_OK;
}

/* Fill the fields that come from the TBSCertificate. */
static dn_status fill_fields(const struct cert_layout *layout, struct arena *arena,
                             struct x509_cert *cert, struct dn_error *err)
{
	cert->serial = serial_hex(arena, &layout->serial);
	if (cert->serial == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for the certificate serial");

	dn_status rc = fill_name(&layout->issuer, arena, &cert->issuer, err);
	if (rc == DN_OK)
		rc = fill_name(&layout->subject, arena, &cert->subject, err);
	if (rc)
		return rc;

	struct der_cursor validity = der_enter(&layout->validity);
	struct der_tlv before, after;
	if (!der_next(&validity, &before) || !der_next(&validity, &after) ||
	    validity.p != validity.end || !time_epoch(&before, &cert->not_before) ||
	    !time_epoch(&after, &cert->not_after))
		return dn_fail(err, DN_EMALF, "validity is not two times OpenSSL can read");

	struct key_ids ids = {0};
	rc = fill_extensions(layout, arena, cert, &ids, err);
	if (rc)
		return rc;
	fill_key(&layout->spki, arena, cert);
	cert->sig_alg = signature_name(&layout->outer_sig_alg, arena);
	if (cert->key_type == NULL || cert->sig_alg == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for the key fields");

	/* Self-issued: the DER names are equal, or OpenSSL's comparison of the
	 * printed forms is. Then, when the certificate gives both key
	 * identifiers, as OpenSSL's own self-signed certificates do, they decide
	 * without a signature check, which costs more than the rest of the
	 * parse and store together. Otherwise the signature is checked. */
	bool self_issued = (layout->issuer.total == layout->subject.total &&
	                    memcmp(layout->issuer.start, layout->subject.start,
	                           layout->issuer.total) == 0) ||
	                   strcmp(cert->issuer.dn, cert->subject.dn) == 0;
	if (!self_issued)
		return DN_OK;
	if (ids.subject.body != NULL && ids.authority.body != NULL)
		cert->self_signed = ids.subject.len == ids.authority.len &&
		                    memcmp(ids.subject.body, ids.authority.body, ids.subject.len) == 0;
	else
		cert->self_signed = verifies_itself(layout, cert->der, cert->der_len, cert->sha256);
	return DN_OK;
}

dn_status x509_parse_der(const uint8_t *der, size_t len, struct arena *arena,
                         struct x509_cert **out, struct dn_error *err)
{
	*out = NULL;
	if (len == 0 || len > LONG_MAX)
		return dn_fail(err, DN_EMALF, "empty or oversized certificate (%zu bytes)", len);

	struct cert_layout layout = {0};
	dn_status rc = locate_parts(der, len, &layout, err);
	if (rc == DN_OK)
		rc = check_rsa_key(&layout.spki, err);
	if (rc)
		return rc;

	struct x509_cert *cert = arena_alloc(arena, sizeof(*cert));
	uint8_t *copy = arena_dup(arena, der, len);
	if (cert == NULL || copy == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a certificate of %zu bytes", len);
	memset(cert, 0, sizeof(*cert));
	cert->der = copy;
	cert->der_len = len;
	cert->precert = layout.has_poison;
	cert->has_scts = layout.has_scts;

	SHA1(der, len, cert->sha1);
	SHA256(der, len, cert->sha256);
	SHA256(layout.spki.start, layout.spki.total, cert->spki_sha256);
	if (hash_tbs(&layout, cert->tbs_sha256))
		return dn_fail(err, DN_ENOMEM, "out of memory hashing the TBSCertificate");

	rc = fill_fields(&layout, arena, cert, err);
	if (rc)
		return rc;
	*out = cert;
	return DN_OK;
}
