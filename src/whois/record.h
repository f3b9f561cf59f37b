/* One parsed WHOIS or RDAP response, in the form every later stage uses.
 *
 * The text parser (whois/text.h) and the RDAP parser (whois/rdap.h) both fill
 * a struct whois_record. whois/document.h turns one into dragnet's JSON
 * document and back; the store keeps that document. Strings are UTF-8 and
 * live in the arena the parser was given. A field that the response does not
 * give is NULL (strings), 0 (counts) or WHOIS_TIME_UNSET (times). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WHOIS_TIME_UNSET INT64_MIN

/* The kind of response. Only WHOIS_FOUND carries a registration; the others
 * are kept so that "no record" is never mistaken for an empty record. */
enum whois_status {
	WHOIS_FOUND = 0,   /* a registration record */
	WHOIS_NOT_FOUND,   /* "no match", "not found", RDAP 404 */
	WHOIS_THROTTLED,   /* quota or rate limit exceeded, try later */
	WHOIS_RESERVED,    /* reserved, blocked or not available for registration */
	WHOIS_REFERRAL,    /* thin response that only names the next server to query */
	WHOIS_ERROR,       /* any other refusal or server error */
	WHOIS_STATUS_COUNT
};

/* "found", "not-found", "throttled", "reserved", "referral", "error". */
const char *whois_status_name(enum whois_status status);
/* The status called name, or -1. */
int whois_status_parse(const char *name);

enum whois_role {
	WHOIS_REGISTRANT = 0,
	WHOIS_ADMIN,
	WHOIS_TECH,
	WHOIS_BILLING,
	WHOIS_ROLE_COUNT
};

/* "registrant", "admin", "tech", "billing". */
const char *whois_role_name(enum whois_role role);

/* The reason a contact value cannot identify anyone. Values with a reason
 * other than WHOIS_CLEAR are shown but never link domains together. */
enum whois_mask {
	WHOIS_CLEAR = 0,
	WHOIS_REDACTED,    /* "REDACTED FOR PRIVACY", GDPR placeholders, RDAP "redacted" */
	WHOIS_PRIVACY,     /* a privacy or proxy service named in data/privacy-services.txt */
};

/* One contact as published. street holds up to WHOIS_STREET_MAX lines. */
#define WHOIS_STREET_MAX 4
struct whois_contact {
	const char *id;          /* registry handle, if given */
	const char *name;
	const char *org;
	const char *email;
	const char *phone;       /* as published: "+44.2079460123", "(020) 7946 0123" */
	const char *fax;
	const char *street[WHOIS_STREET_MAX];
	const char *city;
	const char *state;
	const char *postal_code;
	const char *country;     /* as published: "GB", "United Kingdom" */
	/* Set by whois_mark_masked() (whois/privacy.h), per contact: a proxy
	 * service masks the whole contact; redaction marks the fields it hides. */
	enum whois_mask mask;
	bool present;            /* the response had this contact at all */
};

struct whois_registrar {
	const char *name;
	const char *iana_id;
	const char *whois_server;
	const char *url;
	const char *abuse_email;
	const char *abuse_phone;
};

#define WHOIS_LIST_MAX 32

struct whois_record {
	enum whois_status status;
	const char *domain;      /* lower case A-label without trailing dot, if given */
	const char *registry_id; /* "Registry Domain ID" and the like */
	struct whois_registrar registrar;
	int64_t created;         /* epoch seconds, UTC */
	int64_t updated;
	int64_t expires;
	const char *statuses[WHOIS_LIST_MAX];  /* EPP codes where given ("clientTransferProhibited") */
	size_t n_statuses;
	const char *nameservers[WHOIS_LIST_MAX]; /* lower case, no trailing dot */
	size_t n_nameservers;
	const char *dnssec;      /* as published: "unsigned", "signedDelegation", ... */
	struct whois_contact contacts[WHOIS_ROLE_COUNT];
	/* A thin registry's pointer to the registrar's server, for referral.
	 * From RDAP it is the URL of the registrar's RDAP record of the domain
	 * (the link with rel "related"), not a host name. */
	const char *referral_server;
	/* "Last update of WHOIS database" or RDAP's equivalent event, if given:
	 * a good observation time for a stored response. */
	int64_t database_updated;
	/* The line of the response that explains why it is not a record (for statuses
	 * other than WHOIS_FOUND), trimmed to one line. */
	const char *reason;
};

/* A record with every field unset and status WHOIS_FOUND. */
void whois_record_init(struct whois_record *rec);
