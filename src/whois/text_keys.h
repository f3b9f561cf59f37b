/* Key tables of the WHOIS text parser: which record field a key names. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Record fields a key or section header can name. */
enum text_field {
	TF_NONE = 0,
	TF_DOMAIN,
	TF_REGISTRY_ID,
	TF_CREATED,
	TF_UPDATED,
	TF_EXPIRES,
	TF_DATABASE_UPDATED,
	TF_STATUS,
	TF_NAMESERVER,
	TF_DNSSEC,
	TF_REFERRAL,          /* IANA's "refer:" and "whois:" */
	TF_REGISTRAR_NAME,
	TF_REGISTRAR_IANA_ID,
	TF_REGISTRAR_WHOIS,
	TF_REGISTRAR_URL,
	TF_ABUSE_EMAIL,
	TF_ABUSE_PHONE,
	/* Contact fields, for the role the key or its context gives. */
	TF_CONTACT,           /* the role itself: its name, or a handle to resolve */
	TF_CONTACT_REF,       /* "admin-c: HANDLE": always a handle */
	TF_CONTACT_HANDLE,    /* "nic-hdl:", starts a contact block */
	TF_C_ID,
	TF_C_NAME,
	TF_C_FAMILY_NAME,     /* HKIRC's "Family name", added to the given name */
	TF_C_ORG,
	TF_C_EMAIL,
	TF_C_PHONE,
	TF_C_FAX,
	TF_C_STREET,
	TF_C_ADDRESS,         /* multi-line address, read line by line */
	TF_C_DESCR,           /* name on the first line, address on the next ones */
	TF_C_CITY,
	TF_C_STATE,
	TF_C_POSTAL,
	TF_C_COUNTRY,
	TF_IGNORE,            /* a known key whose value dragnet does not keep */
	TF_SKIP_BLOCK,        /* starts a block about something else than the domain */
};

/* Contact roles as in whois/record.h, plus the registrar as a pseudo-role
 * for keys such as "Registrar URL" and sections such as "Registrar:". */
#define TEXT_ROLE_NONE (-1)
#define TEXT_ROLE_REGISTRAR 4
#define TEXT_ROLE_ZONE 5      /* "zone-c": parsed, not kept */

struct text_key {
	enum text_field field;
	int role;
};

/* Lower-case key with punctuation folded to single spaces, bracketed parts
 * dropped and a trailing "'s" removed: "Registrant's Address" ->
 * "registrant address", "Administrative Contact(AC)" -> "administrative
 * contact". Writes at most size - 1 bytes and returns the length. */
size_t text_key_normalize(const char *key, size_t len, char *out, size_t size);

/* The field and role of a normalised key, given the role of the section or
 * block it appears in (TEXT_ROLE_NONE at top level). False when the key is
 * unknown. */
bool text_key_lookup(const char *norm, size_t len, int context_role, struct text_key *out);

/* The field and role a section header without a colon names ("Nameservers",
 * "Admin Contact", "Registrar"); false when the line is no known header. */
bool text_section_lookup(const char *norm, size_t len, struct text_key *out);

/* text_section_lookup() of text (len bytes, not normalised) as
 * text_key_normalize() would write it, normalising only as much of it as a
 * header can be long. */
bool text_section_lookup_text(const char *text, size_t len, struct text_key *out);

/* Fields that belong to the contact of a role. */
static inline bool text_field_is_contact(enum text_field field)
{
	return field >= TF_C_ID && field <= TF_C_COUNTRY;
}
