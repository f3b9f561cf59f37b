/* Signature checks for self-issued certificates, building the public key
 * with EVP_PKEY_fromdata() from the SubjectPublicKeyInfo bytes. */
#include "x509/verify.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <string.h>

static const uint8_t oid_rsa_encryption[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};

static bool oid_equal(const struct der_tlv *oid, const uint8_t *bytes, size_t len)
{
	return oid->tag == 0x06 && oid->len == len && memcmp(oid->body, bytes, len) == 0;
}

static int oid_nid(const struct der_tlv *oid)
{
	const unsigned char *p = oid->start;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, (long)oid->total);
	int nid = obj != NULL ? OBJ_obj2nid(obj) : NID_undef;
	ASN1_OBJECT_free(obj);
	return nid;
}

/* Import params as a public key of the named type. */
static EVP_PKEY *import_key(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *rsa_key(const uint8_t *key, size_t len)
{
	struct der_tlv seq, n, e;
	if (!der_read(key, len, &seq) || seq.tag != 0x30)
		return NULL;
	struct der_cursor cur = der_enter(&seq);
	if (!der_next(&cur, &n) || n.tag != 0x02 || !der_next(&cur, &e) || e.tag != 0x02)
		return NULL;

	EVP_PKEY *pkey = NULL;
	BIGNUM *bn_n = BN_bin2bn(n.body, (int)n.len, NULL);
	BIGNUM *bn_e = BN_bin2bn(e.body, (int)e.len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (bn_n != NULL && bn_e != NULL && bld != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
		pkey = import_key("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return pkey;
}

static EVP_PKEY *ec_key(const struct der_tlv *curve, const uint8_t *point, size_t len)
{
	int nid = curve->tag == 0x06 ? oid_nid(curve) : NID_undef;
	if (nid == NID_undef)
		return NULL;

	EVP_PKEY *pkey = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (bld != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len))
		pkey = import_key("EC", bld);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

enum x509_verify_result x509_verify_with_spki(const struct der_tlv *tbs,
                                              const struct der_tlv *sig_alg,
                                              const struct der_tlv *signature,
                                              const struct der_tlv *spki)
{
	/* The signature algorithm gives the digest and the key type. */
	struct der_cursor alg_cur = der_enter(sig_alg);
	struct der_tlv sig_oid;
	int md_nid, pkey_nid;
	if (!der_next(&alg_cur, &sig_oid) || sig_oid.tag != 0x06 ||
	    !OBJ_find_sigid_algs(oid_nid(&sig_oid), &md_nid, &pkey_nid) || md_nid == NID_undef)
		return X509_VERIFY_UNSUPPORTED;
	const EVP_MD *md = EVP_get_digestbynid(md_nid);
	if (md == NULL)
		return X509_VERIFY_UNSUPPORTED;

	struct der_cursor cur = der_enter(spki);
	struct der_tlv alg, bits, key_oid, params = {0};
	if (!der_next(&cur, &alg) || !der_next(&cur, &bits) || bits.tag != 0x03 || bits.len < 2 ||
	    bits.body[0] != 0)
		return X509_VERIFY_BAD;
	struct der_cursor key_alg = der_enter(&alg);
	if (!der_next(&key_alg, &key_oid))
		return X509_VERIFY_BAD;
	bool has_params = der_next(&key_alg, &params);

	EVP_PKEY *pkey;
	if (pkey_nid == NID_rsaEncryption && oid_equal(&key_oid, oid_rsa_encryption,
	                                                sizeof(oid_rsa_encryption)))
		pkey = rsa_key(bits.body + 1, bits.len - 1);
	else if (pkey_nid == NID_X9_62_id_ecPublicKey && has_params &&
	         oid_equal(&key_oid, oid_ec_public_key, sizeof(oid_ec_public_key)))
		pkey = ec_key(&params, bits.body + 1, bits.len - 1);
	else
		return X509_VERIFY_UNSUPPORTED;
	if (pkey == NULL)
		return X509_VERIFY_UNSUPPORTED;

	enum x509_verify_result result = X509_VERIFY_BAD;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (signature->len >= 1 && signature->body[0] == 0 && ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, signature->body + 1, signature->len - 1, tbs->start,
	                     tbs->total) == 1)
		result = X509_VERIFY_OK;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return result;
}
