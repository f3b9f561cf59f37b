/* Names of WHOIS statuses and contact roles, and the empty record. */
#include "whois/record.h"

#include <string.h>

static const char *const status_names[WHOIS_STATUS_COUNT] = {
	[WHOIS_FOUND] = "found",         [WHOIS_NOT_FOUND] = "not-found",
	[WHOIS_THROTTLED] = "throttled", [WHOIS_RESERVED] = "reserved",
	[WHOIS_REFERRAL] = "referral",   [WHOIS_ERROR] = "error",
};

static const char *const role_names[WHOIS_ROLE_COUNT] = {
	[WHOIS_REGISTRANT] = "registrant",
	[WHOIS_ADMIN] = "admin",
	[WHOIS_TECH] = "tech",
	[WHOIS_BILLING] = "billing",
};

const char *whois_status_name(enum whois_status status)
{
	if ((unsigned)status >= WHOIS_STATUS_COUNT)
		return "unknown";
	return status_names[status];
}

int whois_status_parse(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < WHOIS_STATUS_COUNT; i++) {
		if (strcmp(name, status_names[i]) == 0)
			return i;
	}
	return -1;
}

const char *whois_role_name(enum whois_role role)
{
	if ((unsigned)role >= WHOIS_ROLE_COUNT)
		return "unknown";
	return role_names[role];
}

void whois_record_init(struct whois_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->status = WHOIS_FOUND;
	rec->created = WHOIS_TIME_UNSET;
	rec->updated = WHOIS_TIME_UNSET;
	rec->expires = WHOIS_TIME_UNSET;
	rec->database_updated = WHOIS_TIME_UNSET;
}
