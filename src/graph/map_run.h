/* One run of `dragnet map` without its input and output: expand the seeds
 * through the store (graph/pivot.h), index the edges and split the graph
 * into clusters (graph/cluster.h). The command and the HTTP API both run
 * maps through here, so they give the same graph for the same question.
 *
 *     struct map_result res;
 *     if (map_run(store, &opt, seeds, n_seeds, &res, err) == DN_OK)
 *             graph_write(out, format, &res.graph, &res.clusters, &wopt, err);
 *     map_result_free(&res);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export/graph_writer.h"
#include "graph/cluster.h"
#include "graph/graph.h"
#include "graph/pivot.h"
#include "store/store.h"
#include "util/status.h"

struct map_result {
	struct graph graph;
	struct cluster_result clusters;
	bool clustered;             /* clusters contains a result to free */
	struct pivot_stats stats;
};

/* Map seeds with opt into res, then cluster the graph with the share
 * limit and overlap rule of opt. res must be freed with map_result_free()
 * whatever this returns. Fails as pivot_map() and cluster_graph() do. */
dn_status map_run(struct store *store, const struct pivot_options *opt,
                  const char *const *seeds, size_t n_seeds, struct map_result *res,
                  struct dn_error *err);

void map_result_free(struct map_result *res);

/* Fill wopt with what a run of opt on seeds did, for the writers' headers
 * and metadata. now is the time the files carry, in epoch seconds. */
void map_write_options_init(struct graph_write_options *wopt, const struct pivot_options *opt,
                            const char *const *seeds, size_t n_seeds, int64_t now);
