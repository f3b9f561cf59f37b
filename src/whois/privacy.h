/* Redaction and privacy-service detection.
 *
 * The list of privacy and proxy services is data/privacy-services.txt,
 * compiled into the program; redaction placeholders are recognised by
 * pattern ("REDACTED FOR PRIVACY", "Data Protected", GDPR notices, "Please
 * query the RDDS service of the Registrar of Record", ...). */
#pragma once

#include <stdbool.h>

#include "whois/record.h"

/* Whether value is a redaction placeholder rather than data. */
bool whois_is_redacted(const char *value);

/* The privacy or proxy service that value (an organisation, name, email or
 * street) names, as spelled in the data file, or NULL. */
const char *whois_privacy_service(const char *value);

/* Set mask on each contact of rec: WHOIS_PRIVACY when any of its fields
 * names a privacy service, else WHOIS_REDACTED when its identifying fields
 * (name, org, email, phone) are all redaction placeholders or absent while
 * the contact is present; redacted field values are replaced by NULL so
 * that nothing downstream indexes them. */
void whois_mark_masked(struct whois_record *rec);
