/* Writers of a mapped graph and its clusters: the analyst's text report,
 * JSON, Graphviz DOT, GraphML, a STIX 2.1 bundle and a MISP event.
 *
 * They format only: the graph, the clusters and what the map run did come
 * in, bytes go out to a FILE. None of them queries the store. Each returns
 * DN_EIO when writing fails. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "graph/cluster.h"
#include "graph/graph.h"
#include "util/status.h"

enum graph_format {
	GRAPH_FORMAT_TEXT,
	GRAPH_FORMAT_JSON,
	GRAPH_FORMAT_DOT,
	GRAPH_FORMAT_GRAPHML,
	GRAPH_FORMAT_STIX,
	GRAPH_FORMAT_MISP,
	GRAPH_FORMAT_COUNT
};

/* What the run did, for the report's header and the files' metadata. */
struct graph_write_options {
	const char *const *seeds;    /* as the user gave them */
	size_t n_seeds;
	unsigned depth;              /* --depth */
	uint64_t share_max;          /* the automatic limit on shared values */
	int64_t since, until;        /* the time fence, 0 when open */
	bool overlap_only;
	int64_t now;                 /* epoch seconds: STIX and MISP timestamps */
	/* Replace natural persons' registrant values (email, phone, name,
	 * address; not organisations, registrars or role accounts the privacy
	 * list names) by "[redacted]" in every output. */
	bool redact_personal;
	/* Output identifiers derive from the content, so the same map gives the
	 * same file (STIX ids are UUIDv5 of the value, MISP uuids likewise). */
};

dn_status graph_write(FILE *out, enum graph_format format, const struct graph *g,
                      const struct cluster_result *clusters,
                      const struct graph_write_options *opt, struct dn_error *err);

/* "text", "json", "dot", "graphml", "stix", "misp"; the file extension of
 * each ("txt", "json", "dot", "graphml", "stix.json", "misp.json"). */
const char *graph_format_name(enum graph_format format);
const char *graph_format_extension(enum graph_format format);
bool graph_format_parse(const char *name, enum graph_format *format);
