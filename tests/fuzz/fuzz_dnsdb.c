/* libFuzzer target: the server's percent-decoding of a path and the DNSDB
 * API v2 request parser. The first line of the input is the path after
 * /dnsdb/v2/lookup/ as a client sends it, and each further line is one
 * NAME=VALUE query argument. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/dnsdb.h"
#include "server/server_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Point the member of args that name selects at value; ignore other names. */
static void set_arg(struct dnsdb_args *args, const char *name, const char *value)
{
	static const struct {
		const char *name;
		size_t at;
	} members[] = {
		{"limit", offsetof(struct dnsdb_args, limit)},
		{"offset", offsetof(struct dnsdb_args, offset)},
		{"max_count", offsetof(struct dnsdb_args, max_count)},
		{"aggr", offsetof(struct dnsdb_args, aggr)},
		{"humantime", offsetof(struct dnsdb_args, humantime)},
		{"time_first_before", offsetof(struct dnsdb_args, time_first_before)},
		{"time_first_after", offsetof(struct dnsdb_args, time_first_after)},
		{"time_last_before", offsetof(struct dnsdb_args, time_last_before)},
		{"time_last_after", offsetof(struct dnsdb_args, time_last_after)},
	};
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (strcmp(name, members[i].name) == 0)
			*(const char **)((char *)args + members[i].at) = value;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dnsdb_request dr, again;
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	struct dnsdb_args args = {0};
	char *save = NULL;
	char *rest = strtok_r(text, "\n", &save);
	for (char *line = strtok_r(NULL, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (eq != NULL) {
			*eq = '\0';
			set_arg(&args, line, eq + 1);
		}
	}

	/* The path as the server reads it: "/" and the line, split at '/'
	 * and decoded segment by segment. */
	struct dn_error err = {0}, err_again = {0};
	struct server_uri uri;
	server_uri_init(&uri);
	size_t len = rest != NULL ? strlen(rest) : 0;
	char *path = malloc(len + 2);
	if (path == NULL)
		abort();
	path[0] = '/';
	memcpy(path + 1, rest != NULL ? rest : "", len + 1);
	dn_status decoded = server_uri_set_path(&uri, path, &err);
	free(path);
	if (decoded != DN_OK) {
		if (decoded != DN_EINVAL || err.msg[0] == '\0')
			abort();
		server_uri_free(&uri);
		free(text);
		return 0;
	}
	/* The path routes are matched against reads back as the same segments. */
	struct server_uri again_uri;
	server_uri_init(&again_uri);
	if (server_uri_set_path(&again_uri, uri.path, &err) != DN_OK ||
	    again_uri.nsegments != uri.nsegments)
		abort();
	for (size_t i = 0; i < uri.nsegments; i++) {
		if (strcmp(again_uri.segments[i], uri.segments[i]) != 0)
			abort();
	}
	server_uri_free(&again_uri);

	dn_status rc = dnsdb_request_parse(uri.segments, uri.nsegments, &args, 5000, 1700000000,
	                                   &dr, &err);
	/* The parser keeps no state between calls. */
	dn_status rc_again = dnsdb_request_parse(uri.segments, uri.nsegments, &args, 5000,
	                                         1700000000, &again, &err_again);
	server_uri_free(&uri);
	if (rc != rc_again || memcmp(&dr, &again, sizeof(dr)) != 0)
		abort();
	if (rc != DN_OK) {
		if (rc != DN_EINVAL || err.msg[0] == '\0' || strcmp(err.msg, err_again.msg) != 0)
			abort();
	} else if (dr.limit == 0 || dr.limit > 5000 || dr.raw_len > sizeof(dr.raw) ||
	           dr.q.name[sizeof(dr.q.name) - 1] != '\0') {
		abort();
	}
	free(text);
	return 0;
}
