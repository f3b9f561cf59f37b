/* Raw WHOIS text (port 43 answers, saved responses) to a struct whois_record.
 *
 * Pure: no I/O. Handles the ICANN key-value layout of registries and
 * registrars, thin registry answers that refer to a registrar's server, and
 * the national layouts (sections with indented values, bracketed keys,
 * Japanese and Brazilian forms, ...). Not-found, throttled, reserved and
 * error answers get their status rather than an empty record. */
#pragma once

#include <stddef.h>

#include "util/arena.h"
#include "util/status.h"
#include "whois/record.h"

struct whois_text_hints {
	const char *domain;      /* the name that was asked for, or NULL */
	const char *server;      /* the server that answered ("whois.nic.uk"), or NULL */
};

/* Parse len bytes of text (any encoding: bytes that are not valid UTF-8 are
 * read as Latin-1, and NUL bytes count as spaces, so they end nothing).
 * hints may be NULL. Strings in rec are allocated from arena. The domain
 * hint fills rec->domain when the text names none, and a registrar WHOIS
 * server equal to the server hint is not copied to rec->referral_server.
 * Returns DN_OK with rec->status set, or DN_EFORMAT when the text holds
 * nothing a WHOIS server would send (empty, binary), with the reason in err;
 * DN_ENOMEM when the arena cannot grow.
 * Never reads past len and never aborts. */
dn_status whois_parse_text(const char *text, size_t len, const struct whois_text_hints *hints,
                           struct arena *arena, struct whois_record *rec, struct dn_error *err);
