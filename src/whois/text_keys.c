/* Key tables of the WHOIS text parser.
 *
 * Keys are matched after text_key_normalize(), so one entry covers
 * "Registrant E-mail", "registrant-email" and "Registrant Email:". A key is
 * looked up whole first ("sponsoring registrar iana id"), then split into a
 * role prefix and a contact or registrar field ("tech" + "phone"). */
#include "whois/text_keys.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whois/record.h"

enum table_kind {
	KIND_MAIN,       /* keys at top level */
	KIND_CONTACT,    /* fields of a contact, after a role prefix or in a contact section */
	KIND_REGISTRAR,  /* fields of the registrar, after "registrar" or in its section */
	KIND_SECTION,    /* section headers written without a colon */
};

struct key_entry {
	enum table_kind kind;
	const char *key;
	enum text_field field;
	int role;
};

#define N TEXT_ROLE_NONE
#define REG WHOIS_REGISTRANT
#define ADM WHOIS_ADMIN
#define TEC WHOIS_TECH
#define BIL WHOIS_BILLING
#define RAR TEXT_ROLE_REGISTRAR

static const struct key_entry key_table[] = {
	/* The domain and registry. */
	{KIND_MAIN, "domain name", TF_DOMAIN, N},
	{KIND_MAIN, "domain", TF_DOMAIN, N},
	{KIND_MAIN, "domainname", TF_DOMAIN, N},
	{KIND_MAIN, "query", TF_DOMAIN, N},
	{KIND_MAIN, "nombre de dominio", TF_DOMAIN, N},
	{KIND_MAIN, "dominio", TF_DOMAIN, N},
	{KIND_MAIN, "domain name ascii", TF_DOMAIN, N},
	{KIND_MAIN, "도메인이름", TF_DOMAIN, N},
	{KIND_MAIN, "ドメイン名", TF_DOMAIN, N},
	{KIND_MAIN, "域名", TF_DOMAIN, N},
	{KIND_MAIN, "registry domain id", TF_REGISTRY_ID, N},
	{KIND_MAIN, "domain id", TF_REGISTRY_ID, N},
	{KIND_MAIN, "roid", TF_REGISTRY_ID, N},
	{KIND_MAIN, "domain roid", TF_REGISTRY_ID, N},

	/* Dates. */
	{KIND_MAIN, "creation date", TF_CREATED, N},
	{KIND_MAIN, "created", TF_CREATED, N},
	{KIND_MAIN, "created on", TF_CREATED, N},
	{KIND_MAIN, "created date", TF_CREATED, N},
	{KIND_MAIN, "create date", TF_CREATED, N},
	{KIND_MAIN, "created at", TF_CREATED, N},
	{KIND_MAIN, "registered", TF_CREATED, N},
	{KIND_MAIN, "registered on", TF_CREATED, N},
	{KIND_MAIN, "registered date", TF_CREATED, N},
	{KIND_MAIN, "registration date", TF_CREATED, N},
	{KIND_MAIN, "registration time", TF_CREATED, N},
	{KIND_MAIN, "domain registration date", TF_CREATED, N},
	{KIND_MAIN, "domain create date", TF_CREATED, N},
	{KIND_MAIN, "domain created", TF_CREATED, N},
	{KIND_MAIN, "domain record activated", TF_CREATED, N},
	{KIND_MAIN, "record created", TF_CREATED, N},
	{KIND_MAIN, "domain registered", TF_CREATED, N},
	{KIND_MAIN, "registration", TF_CREATED, N},
	{KIND_MAIN, "assigned", TF_CREATED, N},
	{KIND_MAIN, "first registration date", TF_CREATED, N},
	{KIND_MAIN, "domain name commencement date", TF_CREATED, N},
	{KIND_MAIN, "commencement date", TF_CREATED, N},
	{KIND_MAIN, "activation date", TF_CREATED, N},
	{KIND_MAIN, "fecha de registro", TF_CREATED, N},
	{KIND_MAIN, "fecha de creacion", TF_CREATED, N},
	{KIND_MAIN, "fecha de creación", TF_CREATED, N},
	{KIND_MAIN, "등록일", TF_CREATED, N},
	{KIND_MAIN, "登録年月日", TF_CREATED, N},
	{KIND_MAIN, "注册时间", TF_CREATED, N},
	{KIND_MAIN, "updated date", TF_UPDATED, N},
	{KIND_MAIN, "updated", TF_UPDATED, N},
	{KIND_MAIN, "update date", TF_UPDATED, N},
	{KIND_MAIN, "last updated", TF_UPDATED, N},
	{KIND_MAIN, "last updated on", TF_UPDATED, N},
	{KIND_MAIN, "last updated date", TF_UPDATED, N},
	{KIND_MAIN, "last update", TF_UPDATED, N},
	{KIND_MAIN, "last modified", TF_UPDATED, N},
	{KIND_MAIN, "last changed", TF_UPDATED, N},
	{KIND_MAIN, "changed", TF_UPDATED, N},
	{KIND_MAIN, "modified", TF_UPDATED, N},
	{KIND_MAIN, "modification date", TF_UPDATED, N},
	{KIND_MAIN, "record last modified", TF_UPDATED, N},
	{KIND_MAIN, "domain last updated date", TF_UPDATED, N},
	{KIND_MAIN, "record last updated on", TF_UPDATED, N},
	{KIND_MAIN, "domain datelastmodified", TF_UPDATED, N},
	{KIND_MAIN, "domain record last updated", TF_UPDATED, N},
	{KIND_MAIN, "fecha de ultima actualizacion", TF_UPDATED, N},
	{KIND_MAIN, "ultima actualizacion", TF_UPDATED, N},
	{KIND_MAIN, "ultima actualización", TF_UPDATED, N},
	{KIND_MAIN, "최근 정보 변경일", TF_UPDATED, N},
	{KIND_MAIN, "最終更新", TF_UPDATED, N},
	{KIND_MAIN, "registry expiry date", TF_EXPIRES, N},
	{KIND_MAIN, "registrar registration expiration date", TF_EXPIRES, N},
	{KIND_MAIN, "registration expiration date", TF_EXPIRES, N},
	{KIND_MAIN, "expiry date", TF_EXPIRES, N},
	{KIND_MAIN, "expiry", TF_EXPIRES, N},
	{KIND_MAIN, "expired", TF_EXPIRES, N},
	{KIND_MAIN, "exp date", TF_EXPIRES, N},
	{KIND_MAIN, "renewal", TF_EXPIRES, N},
	{KIND_MAIN, "validity", TF_EXPIRES, N},
	{KIND_MAIN, "expiration date", TF_EXPIRES, N},
	{KIND_MAIN, "expiration time", TF_EXPIRES, N},
	{KIND_MAIN, "expires", TF_EXPIRES, N},
	{KIND_MAIN, "expires on", TF_EXPIRES, N},
	{KIND_MAIN, "expire date", TF_EXPIRES, N},
	{KIND_MAIN, "expire", TF_EXPIRES, N},
	{KIND_MAIN, "domain expiration date", TF_EXPIRES, N},
	{KIND_MAIN, "domain expires", TF_EXPIRES, N},
	{KIND_MAIN, "record expires", TF_EXPIRES, N},
	{KIND_MAIN, "record expired", TF_EXPIRES, N},
	{KIND_MAIN, "record will expire on", TF_EXPIRES, N},
	{KIND_MAIN, "paid till", TF_EXPIRES, N},
	{KIND_MAIN, "valid until", TF_EXPIRES, N},
	{KIND_MAIN, "renewal date", TF_EXPIRES, N},
	{KIND_MAIN, "fecha de vencimiento", TF_EXPIRES, N},
	{KIND_MAIN, "fecha de expiracion", TF_EXPIRES, N},
	{KIND_MAIN, "사용 종료일", TF_EXPIRES, N},
	{KIND_MAIN, "有効期限", TF_EXPIRES, N},
	{KIND_MAIN, "过期时间", TF_EXPIRES, N},
	{KIND_MAIN, "last update of whois database", TF_DATABASE_UPDATED, N},
	/* Verisign's old responses list name-server records ("Server Name:")
	 * with their own "Registrar:" before the domain's record. */
	{KIND_MAIN, "server name", TF_SKIP_BLOCK, N},

	/* Status, name servers, DNSSEC, referral. */
	{KIND_MAIN, "status", TF_STATUS, N},
	{KIND_MAIN, "query status", TF_STATUS, N},
	{KIND_MAIN, "eppstatus", TF_STATUS, N},
	{KIND_MAIN, "domaintype", TF_STATUS, N},
	{KIND_MAIN, "domain status", TF_STATUS, N},
	{KIND_MAIN, "registration status", TF_STATUS, N},
	{KIND_MAIN, "state", TF_STATUS, N},
	{KIND_MAIN, "estado", TF_STATUS, N},
	{KIND_MAIN, "estatus del dominio", TF_STATUS, N},
	{KIND_MAIN, "状態", TF_STATUS, N},
	{KIND_MAIN, "域名状态", TF_STATUS, N},
	{KIND_MAIN, "name server", TF_NAMESERVER, N},
	{KIND_MAIN, "name servers", TF_NAMESERVER, N},
	{KIND_MAIN, "nameserver", TF_NAMESERVER, N},
	{KIND_MAIN, "nameservers", TF_NAMESERVER, N},
	{KIND_MAIN, "nserver", TF_NAMESERVER, N},
	{KIND_MAIN, "ns", TF_NAMESERVER, N},
	{KIND_MAIN, "dns", TF_NAMESERVER, N},
	{KIND_MAIN, "dns servers", TF_NAMESERVER, N},
	{KIND_MAIN, "host name", TF_NAMESERVER, N},
	{KIND_MAIN, "hostname", TF_NAMESERVER, N},
	{KIND_MAIN, "domain nameservers", TF_NAMESERVER, N},
	{KIND_MAIN, "domain servers in listed order", TF_NAMESERVER, N},
	{KIND_MAIN, "name server information", TF_NAMESERVER, N},
	{KIND_MAIN, "servidores dns", TF_NAMESERVER, N},
	{KIND_MAIN, "호스트이름", TF_NAMESERVER, N},
	{KIND_MAIN, "name servers information", TF_NAMESERVER, N},
	{KIND_MAIN, "name servers in the listed order", TF_NAMESERVER, N},
	{KIND_MAIN, "domain name servers", TF_NAMESERVER, N},
	{KIND_MAIN, "domain servers", TF_NAMESERVER, N},
	{KIND_MAIN, "nameserver information", TF_NAMESERVER, N},
	{KIND_MAIN, "ns 1", TF_NAMESERVER, N},
	{KIND_MAIN, "ns 2", TF_NAMESERVER, N},
	{KIND_MAIN, "ns 3", TF_NAMESERVER, N},
	{KIND_MAIN, "ns 4", TF_NAMESERVER, N},
	{KIND_MAIN, "ns name 01", TF_NAMESERVER, N},
	{KIND_MAIN, "ns name 02", TF_NAMESERVER, N},
	{KIND_MAIN, "ns name 03", TF_NAMESERVER, N},
	{KIND_MAIN, "ns name 04", TF_NAMESERVER, N},
	{KIND_MAIN, "ns name 05", TF_NAMESERVER, N},
	{KIND_MAIN, "ns name 06", TF_NAMESERVER, N},
	{KIND_MAIN, "primary server", TF_NAMESERVER, N},
	{KIND_MAIN, "secondary server", TF_NAMESERVER, N},
	{KIND_MAIN, "ネームサーバ", TF_NAMESERVER, N},
	{KIND_MAIN, "域名服务器", TF_NAMESERVER, N},
	{KIND_MAIN, "dnssec", TF_DNSSEC, N},
	{KIND_MAIN, "domain dnssec", TF_DNSSEC, N},
	{KIND_MAIN, "signed", TF_DNSSEC, N},
	{KIND_MAIN, "refer", TF_REFERRAL, N},
	{KIND_MAIN, "whois", TF_REFERRAL, N},
	{KIND_MAIN, "whois server", TF_REGISTRAR_WHOIS, N},

	/* The registrar. */
	{KIND_MAIN, "registrar", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "sponsoring registrar", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "registration service provider", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "authorized agency", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "registrar of record", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "등록대행자", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "current registrar", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "current registar", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "authorised registrar", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "authorized registrar", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "所属注册商", TF_REGISTRAR_NAME, N},
	{KIND_MAIN, "sponsoring registrar iana id", TF_REGISTRAR_IANA_ID, N},
	{KIND_MAIN, "registration service url", TF_REGISTRAR_URL, N},
	{KIND_MAIN, "referral url", TF_REGISTRAR_URL, N},
	{KIND_REGISTRAR, "name", TF_REGISTRAR_NAME, RAR},
	{KIND_REGISTRAR, "organization", TF_REGISTRAR_NAME, RAR},
	{KIND_REGISTRAR, "organisation", TF_REGISTRAR_NAME, RAR},
	{KIND_REGISTRAR, "org", TF_REGISTRAR_NAME, RAR},
	{KIND_REGISTRAR, "url", TF_REGISTRAR_URL, RAR},
	{KIND_REGISTRAR, "website", TF_REGISTRAR_URL, RAR},
	{KIND_REGISTRAR, "web", TF_REGISTRAR_URL, RAR},
	{KIND_REGISTRAR, "www", TF_REGISTRAR_URL, RAR},
	{KIND_REGISTRAR, "homepage", TF_REGISTRAR_URL, RAR},
	{KIND_REGISTRAR, "web page", TF_REGISTRAR_URL, RAR},
	{KIND_REGISTRAR, "referral url", TF_REGISTRAR_URL, RAR},
	{KIND_REGISTRAR, "iana id", TF_REGISTRAR_IANA_ID, RAR},
	{KIND_REGISTRAR, "iana", TF_REGISTRAR_IANA_ID, RAR},
	{KIND_REGISTRAR, "id", TF_REGISTRAR_IANA_ID, RAR},
	{KIND_REGISTRAR, "whois server", TF_REGISTRAR_WHOIS, RAR},
	{KIND_REGISTRAR, "whois", TF_REGISTRAR_WHOIS, RAR},
	{KIND_REGISTRAR, "abuse contact email", TF_ABUSE_EMAIL, RAR},
	{KIND_REGISTRAR, "abuse email", TF_ABUSE_EMAIL, RAR},
	{KIND_REGISTRAR, "email", TF_ABUSE_EMAIL, RAR},
	{KIND_REGISTRAR, "e mail", TF_ABUSE_EMAIL, RAR},
	{KIND_REGISTRAR, "abuse contact phone", TF_ABUSE_PHONE, RAR},
	{KIND_REGISTRAR, "abuse phone", TF_ABUSE_PHONE, RAR},
	{KIND_REGISTRAR, "phone", TF_ABUSE_PHONE, RAR},
	{KIND_REGISTRAR, "telephone", TF_ABUSE_PHONE, RAR},

	/* Contacts named by role alone, and handles. */
	{KIND_MAIN, "registrant", TF_CONTACT, REG},
	{KIND_MAIN, "owner", TF_CONTACT, REG},
	{KIND_MAIN, "holder", TF_CONTACT, REG},
	{KIND_MAIN, "titular", TF_CONTACT, REG},
	{KIND_MAIN, "holder of domain name", TF_CONTACT, REG},
	{KIND_MAIN, "registrant contact", TF_CONTACT, REG},
	{KIND_MAIN, "domain registrant", TF_CONTACT, REG},
	{KIND_MAIN, "owner contact", TF_CONTACT, REG},
	{KIND_MAIN, "registrant contact information", TF_CONTACT, REG},
	{KIND_MAIN, "contact information", TF_CONTACT, ADM},
	{KIND_MAIN, "administrative contact information", TF_CONTACT, ADM},
	{KIND_MAIN, "technical contact information", TF_CONTACT, TEC},
	{KIND_MAIN, "billing contact information", TF_CONTACT, BIL},
	{KIND_MAIN, "registrant contact name", TF_C_NAME, REG},
	{KIND_MAIN, "등록인", TF_CONTACT, REG},
	{KIND_MAIN, "admin contact", TF_CONTACT, ADM},
	{KIND_MAIN, "administrative contact", TF_CONTACT, ADM},
	{KIND_MAIN, "책임자", TF_CONTACT, ADM},
	{KIND_MAIN, "technical contact", TF_CONTACT, TEC},
	{KIND_MAIN, "technical contacts", TF_CONTACT, TEC},
	{KIND_MAIN, "technical", TF_CONTACT, TEC},
	{KIND_MAIN, "tech contact", TF_CONTACT, TEC},
	{KIND_MAIN, "billing contact", TF_CONTACT, BIL},
	{KIND_MAIN, "admin c", TF_CONTACT_REF, ADM},
	{KIND_MAIN, "tech c", TF_CONTACT_REF, TEC},
	{KIND_MAIN, "billing c", TF_CONTACT_REF, BIL},
	{KIND_MAIN, "bill c", TF_CONTACT_REF, BIL},
	{KIND_MAIN, "holder c", TF_CONTACT_REF, REG},
	{KIND_MAIN, "owner c", TF_CONTACT_REF, REG},
	{KIND_MAIN, "registrant c", TF_CONTACT_REF, REG},
	{KIND_MAIN, "zone c", TF_CONTACT_REF, TEXT_ROLE_ZONE},
	{KIND_MAIN, "nic hdl", TF_CONTACT_HANDLE, N},
	{KIND_MAIN, "nic hdl br", TF_CONTACT_HANDLE, N},
	/* .ru and .su give the registrant's organisation or name at top level. */
	{KIND_MAIN, "org", TF_C_ORG, REG},
	{KIND_MAIN, "organization", TF_C_ORG, REG},
	/* RIPE-style domain objects describe the holder in "descr:" lines. */
	{KIND_MAIN, "descr", TF_C_DESCR, REG},
	{KIND_MAIN, "person", TF_C_NAME, REG},

	/* Fields of a contact. */
	{KIND_CONTACT, "name", TF_C_NAME, N},
	{KIND_CONTACT, "contact name", TF_C_NAME, N},
	{KIND_CONTACT, "person", TF_C_NAME, N},
	{KIND_CONTACT, "personname", TF_C_NAME, N},
	{KIND_CONTACT, "contact", TF_C_NAME, N},
	{KIND_CONTACT, "given name", TF_C_NAME, N},
	{KIND_CONTACT, "family name", TF_C_FAMILY_NAME, N},
	{KIND_CONTACT, "organization id", TF_IGNORE, N},
	{KIND_CONTACT, "company name", TF_C_ORG, N},
	{KIND_CONTACT, "company english name", TF_C_ORG, N},
	{KIND_CONTACT, "nic handle", TF_C_ID, N},
	{KIND_CONTACT, "organization", TF_C_ORG, N},
	{KIND_CONTACT, "organisation", TF_C_ORG, N},
	{KIND_CONTACT, "organization name", TF_C_ORG, N},
	{KIND_CONTACT, "org", TF_C_ORG, N},
	{KIND_CONTACT, "company", TF_C_ORG, N},
	{KIND_CONTACT, "email", TF_C_EMAIL, N},
	{KIND_CONTACT, "e mail", TF_C_EMAIL, N},
	{KIND_CONTACT, "mail", TF_C_EMAIL, N},
	{KIND_CONTACT, "email address", TF_C_EMAIL, N},
	{KIND_CONTACT, "전자우편", TF_C_EMAIL, N},
	{KIND_CONTACT, "phone", TF_C_PHONE, N},
	{KIND_CONTACT, "phone number", TF_C_PHONE, N},
	{KIND_CONTACT, "telephone", TF_C_PHONE, N},
	{KIND_CONTACT, "telephone number", TF_C_PHONE, N},
	{KIND_CONTACT, "tel", TF_C_PHONE, N},
	{KIND_CONTACT, "voice", TF_C_PHONE, N},
	{KIND_CONTACT, "전화번호", TF_C_PHONE, N},
	{KIND_CONTACT, "fax", TF_C_FAX, N},
	{KIND_CONTACT, "fax no", TF_C_FAX, N},
	{KIND_CONTACT, "fax number", TF_C_FAX, N},
	{KIND_CONTACT, "facsimile", TF_C_FAX, N},
	{KIND_CONTACT, "facsimile number", TF_C_FAX, N},
	{KIND_CONTACT, "street", TF_C_STREET, N},
	{KIND_CONTACT, "street1", TF_C_STREET, N},
	{KIND_CONTACT, "street2", TF_C_STREET, N},
	{KIND_CONTACT, "street3", TF_C_STREET, N},
	{KIND_CONTACT, "street address", TF_C_STREET, N},
	{KIND_CONTACT, "address1", TF_C_STREET, N},
	{KIND_CONTACT, "address2", TF_C_STREET, N},
	{KIND_CONTACT, "address3", TF_C_STREET, N},
	{KIND_CONTACT, "address", TF_C_ADDRESS, N},
	{KIND_CONTACT, "postal address", TF_C_ADDRESS, N},
	{KIND_CONTACT, "addr", TF_C_ADDRESS, N},
	{KIND_CONTACT, "주소", TF_C_ADDRESS, N},
	{KIND_CONTACT, "city", TF_C_CITY, N},
	{KIND_CONTACT, "locality", TF_C_CITY, N},
	{KIND_CONTACT, "state", TF_C_STATE, N},
	{KIND_CONTACT, "state province", TF_C_STATE, N},
	{KIND_CONTACT, "province", TF_C_STATE, N},
	{KIND_CONTACT, "postal code", TF_C_POSTAL, N},
	{KIND_CONTACT, "postalcode", TF_C_POSTAL, N},
	{KIND_CONTACT, "postcode", TF_C_POSTAL, N},
	{KIND_CONTACT, "post code", TF_C_POSTAL, N},
	{KIND_CONTACT, "zip", TF_C_POSTAL, N},
	{KIND_CONTACT, "zip code", TF_C_POSTAL, N},
	{KIND_CONTACT, "zipcode", TF_C_POSTAL, N},
	{KIND_CONTACT, "우편번호", TF_C_POSTAL, N},
	{KIND_CONTACT, "country", TF_C_COUNTRY, N},
	{KIND_CONTACT, "country code", TF_C_COUNTRY, N},
	{KIND_CONTACT, "countrycode", TF_C_COUNTRY, N},
	{KIND_CONTACT, "id", TF_C_ID, N},
	{KIND_CONTACT, "handle", TF_C_ID, N},
	{KIND_CONTACT, "contact id", TF_C_ID, N},
	{KIND_CONTACT, "nic hdl", TF_C_ID, N},
	{KIND_CONTACT, "fax ext", TF_IGNORE, N},
	{KIND_CONTACT, "phone ext", TF_IGNORE, N},

	/* Headers of sections whose values follow on their own lines. */
	{KIND_SECTION, "registrant", TF_CONTACT, REG},
	{KIND_SECTION, "holder of domain name", TF_CONTACT, REG},
	{KIND_SECTION, "holder", TF_CONTACT, REG},
	{KIND_SECTION, "tech", TF_CONTACT, TEC},
	{KIND_SECTION, "admin contact", TF_CONTACT, ADM},
	{KIND_SECTION, "administrative contact", TF_CONTACT, ADM},
	{KIND_SECTION, "technical contact", TF_CONTACT, TEC},
	{KIND_SECTION, "technical contacts", TF_CONTACT, TEC},
	{KIND_SECTION, "tech contact", TF_CONTACT, TEC},
	{KIND_SECTION, "billing contact", TF_CONTACT, BIL},
	{KIND_SECTION, "registrar", TF_REGISTRAR_NAME, RAR},
	{KIND_SECTION, "organization using domain name", TF_CONTACT, REG},
	{KIND_SECTION, "administrative contact agent", TF_CONTACT, ADM},
	{KIND_SECTION, "nameserver in listed order", TF_NAMESERVER, N},
	{KIND_SECTION, "nameservers", TF_NAMESERVER, N},
	{KIND_SECTION, "nameserver information", TF_NAMESERVER, N},
	{KIND_SECTION, "name servers", TF_NAMESERVER, N},
	{KIND_SECTION, "dns servers", TF_NAMESERVER, N},
	{KIND_SECTION, "primary name server", TF_NAMESERVER, N},
	{KIND_SECTION, "secondary name server", TF_NAMESERVER, N},
	{KIND_SECTION, "1차 네임서버 정보", TF_NAMESERVER, N},
	{KIND_SECTION, "2차 네임서버 정보", TF_NAMESERVER, N},
};

/* Role prefixes, longest first so that "admin contact " wins over "admin ". */
#define PREFIX(text) text, sizeof(text) - 1

static const struct {
	const char *prefix;
	size_t len;
	int role;
} role_prefixes[] = {
	{PREFIX("registrant contact "), REG},     {PREFIX("registrant "), REG},
	{PREFIX("owner contact "), REG},          {PREFIX("owner "), REG},
	{PREFIX("holder "), REG},                 {PREFIX("등록인 "), REG},
	{PREFIX("administrative contact "), ADM}, {PREFIX("administrative "), ADM},
	{PREFIX("admin contact "), ADM},          {PREFIX("admin "), ADM},
	{PREFIX("ac "), ADM},                     {PREFIX("책임자 "), ADM},
	{PREFIX("technical contact "), TEC},      {PREFIX("technical "), TEC},
	{PREFIX("tech contact "), TEC},           {PREFIX("tech "), TEC},
	{PREFIX("billing contact "), BIL},        {PREFIX("billing "), BIL},
	{PREFIX("bill "), BIL},                   {PREFIX("sponsoring registrar "), RAR},
	{PREFIX("registrar "), RAR},
};

/* Lookups go through an open-addressing hash table built on first use:
 * a key is looked up for every line of every response, and a binary search
 * with strcmp() was a tenth of an import's time. The hash covers the key
 * alone, not its kind, so that text_key_lookup() hashes a key once for the
 * three kinds it tries. */
#define KEY_SLOTS 2048 /* a power of two, over four times the table */

struct key_slot {
	uint32_t hash;
	uint32_t len;
	const struct key_entry *entry; /* NULL: empty */
};

static struct key_slot key_slots[KEY_SLOTS];
static size_t section_key_max; /* bytes in the longest KIND_SECTION key */

/* Every role prefix joined to every field of its kind ("registrant " +
 * "email"), resolved when the table is built, so that a key like
 * "registrant email" costs one probe and not a walk over the prefixes.
 * An entry is written only where the slot's key is still free, in the
 * order of role_prefixes and then of key_table: the same split wins as in
 * the walk. */
#define COMBO_SLOTS 8192 /* a power of two, over four times the combinations */

struct combo_slot {
	uint32_t hash;
	uint32_t len;
	const char *key; /* NULL: empty */
	struct text_key value;
};

static struct combo_slot combo_slots[COMBO_SLOTS];
static bool combos_partial; /* malloc failed during the build, so lookups walk the prefixes */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* Hash eight bytes per multiply: a byte-at-a-time hash was most of the
 * cost of a lookup. Only the process's own table sees these values, so
 * byte order does not matter. */
static uint32_t key_hash(const char *key, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ len;
	while (len > 0) {
		uint64_t word = 0;
		size_t n = len < 8 ? len : 8;
		if (n == 8) {
			memcpy(&word, key, 8);
		} else {
			for (size_t i = 0; i < n; i++)
				word |= (uint64_t)(unsigned char)key[i] << (8 * i);
		}
		h = (h ^ word) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
		key += n;
		len -= n;
	}
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 29;
	return (uint32_t)h;
}

static void build_combos(void);

static void build_table(void)
{
	_Static_assert(sizeof(key_table) / sizeof(key_table[0]) * 4 <= KEY_SLOTS,
	               "KEY_SLOTS keeps the table at most a quarter full");
	for (size_t i = 0; i < sizeof(key_table) / sizeof(key_table[0]); i++) {
		const struct key_entry *e = &key_table[i];
		size_t len = strlen(e->key);
		if (e->kind == KIND_SECTION && len > section_key_max)
			section_key_max = len;
		uint32_t h = key_hash(e->key, len);
		size_t slot = h & (KEY_SLOTS - 1);
		while (key_slots[slot].entry != NULL) {
			/* The first of two equal keys wins, as in the table's order. */
			if (key_slots[slot].hash == h && key_slots[slot].entry->kind == e->kind &&
			    strcmp(key_slots[slot].entry->key, e->key) == 0)
				break;
			slot = (slot + 1) & (KEY_SLOTS - 1);
		}
		if (key_slots[slot].entry == NULL)
			key_slots[slot] = (struct key_slot){h, (uint32_t)len, e};
	}
	build_combos();
}

/* The entry of kind for key (len bytes) whose hash is h, or NULL. */
static const struct key_entry *find(enum table_kind kind, const char *key, size_t len,
                                    uint32_t h)
{
	for (size_t slot = h & (KEY_SLOTS - 1); key_slots[slot].entry != NULL;
	     slot = (slot + 1) & (KEY_SLOTS - 1)) {
		const struct key_slot *s = &key_slots[slot];
		if (s->hash == h && s->len == len && s->entry->kind == kind &&
		    memcmp(s->entry->key, key, len) == 0)
			return s->entry;
	}
	return NULL;
}

/* Byte classes for text_key_normalize(). */
enum key_byte {
	KB_KEEP = 0,    /* copied, lower-cased */
	KB_SEPARATOR,   /* folded into one space between words */
	KB_OPEN,        /* "(" or "[": dropped with what follows up to its close */
	KB_CLOSE,
	KB_APOSTROPHE,  /* a separator, or with a following "s" a dropped "'s" */
};

static const unsigned char key_bytes[256] = {
	[' '] = KB_SEPARATOR, ['\t'] = KB_SEPARATOR, ['-'] = KB_SEPARATOR,
	['_'] = KB_SEPARATOR, ['.'] = KB_SEPARATOR,  ['/'] = KB_SEPARATOR,
	[':'] = KB_SEPARATOR, [','] = KB_SEPARATOR,  ['*'] = KB_SEPARATOR,
	['('] = KB_OPEN,      ['['] = KB_OPEN,       [')'] = KB_CLOSE,
	[']'] = KB_CLOSE,     ['\''] = KB_APOSTROPHE,
};

size_t text_key_normalize(const char *key, size_t len, char *out, size_t size)
{
	size_t n = 0;
	int depth = 0;
	bool space = false;
	for (size_t i = 0; i < len && n + 1 < size; i++) {
		unsigned char c = (unsigned char)key[i];
		if (key_bytes[c] == KB_KEEP && depth == 0) {
			/* Copy a run of kept bytes, most of a key, in one tight
			 * loop. */
			if (space && n + 2 < size)
				out[n++] = ' ';
			space = false;
			size_t end = len - i < size - 1 - n ? len : i + (size - 1 - n);
			do {
				out[n++] = (char)(c + ((unsigned)(c - 'A') < 26u ? 'a' - 'A' : 0));
				if (++i == end)
					break;
				c = (unsigned char)key[i];
			} while (key_bytes[c] == KB_KEEP);
			i--; /* the loop's i++ moves to the byte that ended the run */
			continue;
		}
		switch ((enum key_byte)key_bytes[c]) {
		case KB_OPEN:
			depth++;
			continue;
		case KB_CLOSE:
			if (depth > 0)
				depth--;
			continue;
		case KB_APOSTROPHE:
			if (depth > 0)
				continue;
			if (i + 1 < len && (key[i + 1] == 's' || key[i + 1] == 'S') &&
			    (i + 2 == len || key[i + 2] == ' ')) {
				i++;
				continue;
			}
			space = n > 0;
			continue;
		case KB_SEPARATOR:
			if (depth == 0)
				space = n > 0;
			continue;
		case KB_KEEP:
			break;
		}
		if (depth > 0)
			continue;
		if (space && n + 2 < size)
			out[n++] = ' ';
		space = false;
		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
	return n;
}

static bool fill(const struct key_entry *e, int role, struct text_key *out)
{
	if (e == NULL)
		return false;
	out->field = e->field;
	out->role = e->role == N ? role : e->role;
	return true;
}

/* Domain-level fields that mean something else inside a contact or
 * registrar block (the contact's own creation date, its status). */
static bool is_domain_only(enum text_field field)
{
	return field == TF_CREATED || field == TF_UPDATED || field == TF_EXPIRES ||
	       field == TF_STATUS || field == TF_DOMAIN || field == TF_REGISTRY_ID ||
	       field == TF_CONTACT || field == TF_C_ORG || field == TF_C_NAME;
}

static void add_combo(const char *prefix, size_t plen, const struct key_entry *e, int role)
{
	size_t flen = strlen(e->key);
	char *key = malloc(plen + flen + 1);
	if (key == NULL) {
		combos_partial = true;
		return;
	}
	memcpy(key, prefix, plen);
	memcpy(key + plen, e->key, flen + 1);
	uint32_t h = key_hash(key, plen + flen);
	size_t slot = h & (COMBO_SLOTS - 1);
	while (combo_slots[slot].key != NULL) {
		if (combo_slots[slot].hash == h && strcmp(combo_slots[slot].key, key) == 0) {
			free(key);
			return;
		}
		slot = (slot + 1) & (COMBO_SLOTS - 1);
	}
	struct combo_slot *c = &combo_slots[slot];
	*c = (struct combo_slot){h, (uint32_t)(plen + flen), key, {0}};
	fill(e, role, &c->value);
}

static void build_combos(void)
{
	size_t n_entries = sizeof(key_table) / sizeof(key_table[0]);
	size_t n_prefixes = sizeof(role_prefixes) / sizeof(role_prefixes[0]);
	for (size_t i = 0; i < n_prefixes; i++) {
		int role = role_prefixes[i].role;
		enum table_kind kind = role == RAR ? KIND_REGISTRAR : KIND_CONTACT;
		for (size_t j = 0; j < n_entries; j++)
			if (key_table[j].kind == kind)
				add_combo(role_prefixes[i].prefix, role_prefixes[i].len, &key_table[j],
				          role);
	}
}

/* h is key_hash(key, len). */
static bool find_combo(const char *key, size_t len, uint32_t h, struct text_key *out)
{
	for (size_t slot = h & (COMBO_SLOTS - 1); combo_slots[slot].key != NULL;
	     slot = (slot + 1) & (COMBO_SLOTS - 1)) {
		const struct combo_slot *c = &combo_slots[slot];
		if (c->hash == h && c->len == len && memcmp(c->key, key, len) == 0) {
			*out = c->value;
			return true;
		}
	}
	return false;
}

bool text_key_lookup(const char *norm, size_t len, int context_role, struct text_key *out)
{
	if (len == 0)
		return false;
	pthread_once(&table_once, build_table);
	bool in_contact = context_role >= 0 && context_role < WHOIS_ROLE_COUNT;
	uint32_t h = key_hash(norm, len);
	if (in_contact && fill(find(KIND_CONTACT, norm, len, h), context_role, out))
		return true;
	if (context_role == RAR && fill(find(KIND_REGISTRAR, norm, len, h), RAR, out))
		return true;

	const struct key_entry *e = find(KIND_MAIN, norm, len, h);
	if (e != NULL) {
		fill(e, N, out);
		if ((in_contact || context_role == RAR) && is_domain_only(e->field))
			out->field = TF_IGNORE;
		return true;
	}

	/* "Registry Registrant ID" is "Registrant ID" as the registry keeps it. */
	const char *key = norm;
	size_t key_len = len;
	if (key_len > 9 && memcmp(key, "registry ", 9) == 0) {
		key += 9;
		key_len -= 9;
	}
	if (!combos_partial) {
		/* Most keys are the whole norm, whose hash is known. */
		if (find_combo(key, key_len, key == norm ? h : key_hash(key, key_len), out))
			return true;
	} else {
		for (size_t i = 0; i < sizeof(role_prefixes) / sizeof(role_prefixes[0]); i++) {
			size_t plen = role_prefixes[i].len;
			if (key_len < plen || memcmp(key, role_prefixes[i].prefix, plen) != 0)
				continue;
			int role = role_prefixes[i].role;
			enum table_kind kind = role == RAR ? KIND_REGISTRAR : KIND_CONTACT;
			const char *field = key + plen;
			size_t field_len = key_len - plen;
			if (fill(find(kind, field, field_len, key_hash(field, field_len)), role,
			         out))
				return true;
		}
	}
	if (in_contact || context_role == RAR) {
		out->field = TF_IGNORE;
		out->role = context_role;
		return true;
	}
	return false;
}

bool text_section_lookup(const char *norm, size_t len, struct text_key *out)
{
	if (len == 0)
		return false;
	pthread_once(&table_once, build_table);
	return fill(find(KIND_SECTION, norm, len, key_hash(norm, len)), N, out);
}

bool text_section_lookup_text(const char *text, size_t len, struct text_key *out)
{
	pthread_once(&table_once, build_table);
	/* Normalise at most one byte more than the longest header: most lines
	 * that reach here are prose, and a longer result cannot match. Up to
	 * that size text_key_normalize() writes exactly what it would write
	 * into a larger buffer. */
	char norm[128];
	size_t size = section_key_max + 2 < sizeof(norm) ? section_key_max + 2 : sizeof(norm);
	size_t n = text_key_normalize(text, len, norm, size);
	if (n > section_key_max)
		return false;
	return text_section_lookup(norm, n, out);
}
