/* Helpers shared by the WHOIS and RDAP clients. Pacing keeps a minimum
 * interval between two queries to one server and holds a server that
 * reported throttling, for the life of the process. The loopback check keeps
 * tests on 127.0.0.1 and ::1. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/status.h"

/* Milliseconds of a monotonic clock. */
int64_t lookup_now_ms(void);

/* Wait until a query to server ("HOST:PORT") is allowed, then reserve the
 * next slot interval_ms later. Returns DN_EBUSY without waiting while a hold
 * from lookup_pace_hold() lasts, DN_EINTR when interrupted while waiting. */
dn_status lookup_pace_wait(const char *server, unsigned interval_ms, struct dn_error *err);

/* Refuse queries to server for seconds, with reason (the server's words)
 * in the DN_EBUSY message. */
void lookup_pace_hold(const char *server, long seconds, const char *reason);

/* Sleep until the monotonic time deadline_ms; DN_EINTR when a stop request
 * arrives first. */
dn_status lookup_sleep_until(int64_t deadline_ms, struct dn_error *err);

/* True when host is a literal loopback address: 127.0.0.0/8, ::1 or
 * ::ffff:127.0.0.0/104, with or without [brackets]. */
bool lookup_host_is_loopback(const char *host);

/* Check that domain can be sent in a query: 1 to 253 bytes of printable
 * ASCII without spaces. DN_EINVAL otherwise. */
dn_status lookup_check_domain(const char *domain, struct dn_error *err);
