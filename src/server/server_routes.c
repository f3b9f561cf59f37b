/* The route tables `dragnet serve` searches, in order: a handler file's
 * table is listed here once it exists. */
#include "server/server.h"

const struct server_route *const server_route_tables[] = {
	server_static_routes,
	server_ingest_routes,
	server_native_routes,
	server_dnsdb_routes,
	server_circl_routes,
	NULL,
};
