/* Parsing a ClickHouse store location: pure, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

#define CH_MAX_HOSTS 16

struct ch_host {
	char name[256]; /* host name or address; IPv6 without brackets */
	int port;       /* HTTP port */
};

struct ch_location {
	char user[128];
	char password[256];
	bool has_password;
	struct ch_host hosts[CH_MAX_HOSTS];
	size_t nhosts;
	char database[128];
	char cluster[128]; /* "" for a single server */
	bool replicated;   /* Replicated*MergeTree tables: shards have replicas */
	char spool[1024];  /* "" picks the default under XDG_STATE_HOME */
	int timeout_s;     /* per request */
	int connect_timeout_s;
	int spool_wait_s; /* how long closing a store retries its spool */
	/* The location as given, with the password replaced by "***". */
	char safe[1200];
};

/*
 * Parse "clickhouse://[USER[:PASSWORD]@]HOST[:PORT][,HOST[:PORT]...]/DATABASE
 * [?cluster=NAME&replicated=1&spool=DIR&timeout=S&connect_timeout=S&spool_wait=S]".
 * PORT defaults to 8123, DATABASE to "dragnet"; IPv6 hosts go in brackets.
 * Percent escapes are decoded in the user, password and parameter values.
 * Database and cluster names must be identifiers ([A-Za-z_][A-Za-z0-9_]*).
 */
dn_status ch_location_parse(const char *text, struct ch_location *loc, struct dn_error *err);

/* Copy text to out with the password of a "scheme://user:password@" prefix
 * replaced by "***"; text without one is copied unchanged. */
void ch_mask_password(const char *text, char *out, size_t size);

/* Write "HOST:PORT", with brackets around an IPv6 address, for messages. */
void ch_host_format(const struct ch_host *host, char *out, size_t size);
