/* Per-server pacing of live WHOIS and RDAP queries. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lookup/lookup.h"
#include "lookup/internal.h"
#include "util/interrupt.h"

/* Servers remembered at once. A lookup queries at most a handful of servers per
 * name, and the least recently used entry is reused when the table is full.
 * NOTE: reusing an entry forgets its hold, so a run over more than this many
 * servers may query a throttling server again before its hold ends. */
#define PACE_SERVERS 64

/* Maximum single sleep, so that a stop request is noticed quickly. */
#define SLEEP_SLICE_MS 100

struct pace_entry {
	char server[LOOKUP_SERVER_MAX];
	int64_t next_ms; /* earliest start of the next query */
	int64_t hold_ms; /* no query before this time (0: no hold) */
	char reason[200];
};

static struct pace_entry pace_table[PACE_SERVERS];
static pthread_mutex_t pace_lock = PTHREAD_MUTEX_INITIALIZER;

int64_t lookup_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

dn_status lookup_sleep_until(int64_t deadline_ms, struct dn_error *err)
{
	for (;;) {
		if (interrupt_count() > 0)
			return dn_fail(err, DN_EINTR, "interrupted");
		int64_t left = deadline_ms - lookup_now_ms();
		if (left <= 0)
			return DN_OK;
		if (left > SLEEP_SLICE_MS)
			left = SLEEP_SLICE_MS;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)left * 1000000};
		nanosleep(&ts, NULL);
	}
}

/* The entry of server, or the least recently used one made over to it.
 * Called with pace_lock held. */
static struct pace_entry *pace_entry_get(const char *server, int64_t now)
{
	struct pace_entry *oldest = &pace_table[0];
	for (size_t i = 0; i < PACE_SERVERS; i++) {
		struct pace_entry *e = &pace_table[i];
		if (strcasecmp(e->server, server) == 0)
			return e;
		if (e->server[0] == '\0' || (oldest->server[0] != '\0' && e->next_ms < oldest->next_ms))
			oldest = e;
	}
	snprintf(oldest->server, sizeof(oldest->server), "%s", server);
	oldest->next_ms = now;
	oldest->hold_ms = 0;
	oldest->reason[0] = '\0';
	return oldest;
}

dn_status lookup_pace_wait(const char *server, unsigned interval_ms, struct dn_error *err)
{
	int64_t now = lookup_now_ms();

	pthread_mutex_lock(&pace_lock);
	struct pace_entry *e = pace_entry_get(server, now);
	if (e->hold_ms > now) {
		long wait_s = (long)((e->hold_ms - now + 999) / 1000);
		dn_status rc = dn_fail(err, DN_EBUSY, "%s: throttled: %s, try again after %ld s",
		                       server, e->reason, wait_s);
		pthread_mutex_unlock(&pace_lock);
		return rc;
	}
	int64_t start = e->next_ms > now ? e->next_ms : now;
	e->next_ms = start + interval_ms;
	pthread_mutex_unlock(&pace_lock);

	return lookup_sleep_until(start, err);
}

void lookup_pace_hold(const char *server, long seconds, const char *reason)
{
	int64_t now = lookup_now_ms();

	pthread_mutex_lock(&pace_lock);
	struct pace_entry *e = pace_entry_get(server, now);
	e->hold_ms = now + (int64_t)seconds * 1000;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	pthread_mutex_unlock(&pace_lock);
}
