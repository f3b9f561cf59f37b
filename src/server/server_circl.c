/* The CIRCL passive DNS route of `dragnet serve`: /pdns/query/VALUE
 * answered in the Common Output Format (COF), one JSON object a line.
 *
 * As CIRCL's server does, an address, prefix or range finds the A and
 * AAAA records that point into it, and a name finds both the records it
 * owns and those whose rdata names it. HTTP Basic authentication is
 * checked by server.c before the handler runs. */
#include <stdlib.h>
#include <string.h>

#include "export/pdns_writer.h"
#include "pdns/query.h"
#include "server/server.h"

/* Maximum number of results when the server sets no limit of its own. */
#define CIRCL_DEFAULT_LIMIT 10000

struct circl_run {
	struct pdns_writer *writer;
	uint64_t results;
	uint64_t limit;
	const struct pdns_query *forward; /* skip what this query already found */
	bool out_of_memory;
};

/* Whether rec's rrname matches the owner-name query q. */
static bool owner_matches(const struct pdns_query *q, const char *rrname)
{
	size_t len = strlen(rrname), stem = strlen(q->name);
	switch (q->match) {
	case PDNS_MATCH_EXACT:
		return strcmp(rrname, q->name) == 0;
	case PDNS_MATCH_LEFT:
		return len > stem && strcmp(rrname + len - stem, q->name) == 0 &&
		       rrname[len - stem - 1] == '.';
	case PDNS_MATCH_RIGHT:
		return len > stem && strncmp(rrname, q->name, stem) == 0;
	}
	return false;
}

static dn_status on_record(const struct pdns_record *rec, void *ctx)
{
	struct circl_run *run = ctx;
	if (run->forward != NULL && owner_matches(run->forward, rec->rrname))
		return DN_OK;
	if (run->results == run->limit)
		return DN_ELIMIT;
	run->results++;
	if (!pdns_writer_record(run->writer, rec)) {
		run->out_of_memory = true;
		return DN_ENOMEM;
	}
	return DN_OK;
}

/* Run the lookups for value into out; DN_EINVAL for a value that is no
 * name or address, with the reason in err. */
static dn_status circl_lookup(struct store *store, const char *value, uint64_t limit, FILE *out,
                              struct dn_error *err)
{
	struct pdns_writer_options options = {.format = PDNS_FORMAT_JSON};
	struct circl_run run = {.limit = limit};
	struct pdns_query forward, reverse;
	dn_status rc;

	pdns_query_init(&forward);
	pdns_query_init(&reverse);
	forward.limit = limit;
	reverse.limit = limit;
	bool address = pdns_text_looks_like_address(value);
	if (!address && (rc = pdns_query_set_rrname(&forward, value, err)) != DN_OK)
		return rc;
	if ((rc = pdns_query_set_rdata(&reverse, value, err)) != DN_OK)
		return rc;

	run.writer = pdns_writer_new(out, &options);
	if (run.writer == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	rc = DN_OK;
	if (!address)
		rc = store_query_rrsets(store, &forward, on_record, &run, err);
	if (rc == DN_OK && run.results < limit) {
		/* The reverse pass skips records the forward pass has returned
		 * (a CNAME that names itself), so each record comes once. */
		run.forward = address ? NULL : &forward;
		rc = store_query_rrsets(store, &reverse, on_record, &run, err);
	}
	pdns_writer_finish(run.writer);
	if (rc == DN_ELIMIT)
		rc = DN_OK;
	if (run.out_of_memory)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	return rc;
}

static void handle_query(struct server_request *req, struct server_response *res)
{
	const char *value = req->rest;
	struct dn_error err = {0};
	/* dnsdbq -u circl -i sends a prefix as ADDRESS,LENGTH, the DNSDB
	 * form; read it as ADDRESS/LENGTH. */
	char prefix[128];
	const char *comma = strchr(value, ',');
	if (comma != NULL && strlen(value) < sizeof(prefix) && strchr(comma + 1, ',') == NULL) {
		snprintf(prefix, sizeof(prefix), "%.*s/%s", (int)(comma - value), value, comma + 1);
		if (pdns_text_looks_like_address(prefix))
			value = prefix;
	}
	char *text = NULL;
	size_t size = 0;

	if (value[0] == '\0') {
		server_error(res, 400, "value: missing; ask for /pdns/query/NAME or /pdns/query/ADDRESS");
		return;
	}
	uint64_t limit = req->config != NULL ? req->config->limits.max_results : 0;
	if (limit == 0)
		limit = CIRCL_DEFAULT_LIMIT;

	/* The records go to a buffer of their own first, so that a failure
	 * leaves an error body rather than half a response. */
	FILE *buffer = open_memstream(&text, &size);
	if (buffer == NULL) {
		server_error(res, 503, "out of memory");
		return;
	}
	dn_status rc = circl_lookup(req->store, value, limit, buffer, &err);
	fclose(buffer);
	if (rc == DN_EINVAL)
		server_error(res, 400, "value: %s", err.msg);
	else if (rc == DN_EINTR)
		server_error(res, 503, "the lookup took too long: %s", err.msg);
	else if (rc != DN_OK)
		server_error(res, 500, "store: %s", err.msg);
	else {
		res->content_type = "application/x-ndjson";
		fwrite(text, 1, size, res->body);
	}
	free(text);
}

/* CIRCL's route takes no query parameters, and dnsdbq sends none. */
static const struct server_param query_params[] = {{NULL, false}};

const struct server_route server_circl_routes[] = {
	{"GET", "/pdns/query/", false, SERVER_ROLE_READ, handle_query, query_params},
	{NULL, NULL, false, SERVER_ROLE_NONE, NULL, NULL},
};
