/* Write N self-signed certificates as one PEM bundle, for bench/certs.sh:
 * EC P-256 keys (KEYS of them, reused in turn), each certificate with its
 * own serial, subject CN, two DNS SANs under its own .example domain, and
 * an issuer organisation taken from a small set, so that the store holds
 * realistic search keys and groups.
 *
 * Self-signed certificates carry subject and authority key identifiers,
 * as `openssl req -x509` writes them; with -b they carry neither, so that
 * the parser checks each signature to set the self-signed flag.
 *
 * With -c, a CA key signs every certificate, whose issuer is then
 * "CN=Bench Issuing CA": the common case of CA-issued leaves.
 *
 * Usage: gen_certs -o FILE [-n N] [-k KEYS] [-b | -c] */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static EVP_PKEY *make_key(void)
{
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return 0;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* With ca set, the certificate is issued by ca (its issuer is CA_NAME and
 * ca signs it) instead of being self-signed. */
static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *ca, bool key_ids, long index)
{
	static const char *const orgs[] = {"Blue Lantern Hosting", "Northwind Servers",
	                                   "Example Parking", "Internet Widgits Pty Ltd"};
	char cn[64], san[160];
	snprintf(cn, sizeof(cn), "host-%ld.bench-%ld.example", index, index);
	snprintf(san, sizeof(san), "DNS:%s,DNS:www.bench-%ld.example", cn, index);
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();
	if (cert == NULL || name == NULL)
		return NULL;
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), index + 1000);
	X509_gmtime_adj(X509_getm_notBefore(cert), -86400L * (index % 700));
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * 90);
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"NL", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	                           (const unsigned char *)orgs[index % 4], -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(cert, name);
	X509_NAME *issuer = name;
	X509_NAME *ca_name = NULL;
	if (ca != NULL) {
		ca_name = X509_NAME_new();
		X509_NAME_add_entry_by_txt(ca_name, "CN", MBSTRING_ASC,
		                           (const unsigned char *)"Bench Issuing CA", -1, -1, 0);
		issuer = ca_name;
	}
	X509_set_issuer_name(cert, issuer);
	X509_NAME_free(name);
	X509_NAME_free(ca_name);
	X509_set_pubkey(cert, key);
	bool ids = ca == NULL && key_ids;
	if (!add_ext(cert, NID_subject_alt_name, san) ||
	    !add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    (ids && !add_ext(cert, NID_subject_key_identifier, "hash")) ||
	    (ids && !add_ext(cert, NID_authority_key_identifier, "keyid:always")) ||
	    X509_sign(cert, ca != NULL ? ca : key, EVP_sha256()) == 0) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	long count = 100000, nkeys = 5;
	bool issued = false, key_ids = true;
	int opt;
	while ((opt = getopt(argc, argv, "o:n:k:bc")) != -1) {
		if (opt == 'c')
			issued = true;
		else if (opt == 'b')
			key_ids = false;
		else if (opt == 'o')
			out = optarg;
		else if (opt == 'n')
			count = atol(optarg);
		else if (opt == 'k')
			nkeys = atol(optarg);
		else
			return 2;
	}
	if (out == NULL || count <= 0 || nkeys <= 0 || nkeys > 64) {
		fprintf(stderr, "usage: gen_certs -o FILE [-n N] [-k KEYS (1 to 64)] [-b | -c]\n");
		return 2;
	}
	EVP_PKEY *keys[64];
	for (long i = 0; i < nkeys; i++)
		if ((keys[i] = make_key()) == NULL) {
			fprintf(stderr, "gen_certs: generating an EC key failed\n");
			return 1;
		}
	EVP_PKEY *ca = issued ? make_key() : NULL;
	if (issued && ca == NULL) {
		fprintf(stderr, "gen_certs: generating the CA key failed\n");
		return 1;
	}
	FILE *f = fopen(out, "w");
	if (f == NULL) {
		perror(out);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		X509 *cert = make_cert(keys[i % nkeys], ca, key_ids, i);
		if (cert == NULL || PEM_write_X509(f, cert) != 1) {
			fprintf(stderr, "gen_certs: writing certificate %ld failed\n", i);
			return 1;
		}
		X509_free(cert);
	}
	for (long i = 0; i < nkeys; i++)
		EVP_PKEY_free(keys[i]);
	EVP_PKEY_free(ca);
	return fclose(f) == 0 ? 0 : 1;
}
