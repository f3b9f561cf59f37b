/* One run of dragnet map: pivot, index and cluster (see map_run.h). */
#include "graph/map_run.h"

#include <string.h>

dn_status map_run(struct store *store, const struct pivot_options *opt,
                  const char *const *seeds, size_t n_seeds, struct map_result *res,
                  struct dn_error *err)
{
	memset(res, 0, sizeof(*res));
	graph_init(&res->graph);

	dn_status rc = pivot_map(store, opt, seeds, n_seeds, &res->graph, &res->stats, err);
	if (rc == DN_OK)
		rc = graph_index_edges(&res->graph, err);
	if (rc != DN_OK)
		return rc;

	struct cluster_options copt;
	cluster_options_init(&copt);
	if (opt->share_max > 0)
		copt.share_max = opt->share_max;
	copt.overlap_only = opt->overlap_only;
	rc = cluster_graph(&res->graph, &copt, &res->clusters, err);
	res->clustered = rc == DN_OK;
	return rc;
}

void map_result_free(struct map_result *res)
{
	if (res->clustered)
		cluster_result_free(&res->clusters);
	res->clustered = false;
	graph_free(&res->graph);
}

void map_write_options_init(struct graph_write_options *wopt, const struct pivot_options *opt,
                            const char *const *seeds, size_t n_seeds, int64_t now)
{
	*wopt = (struct graph_write_options){
	        .seeds = seeds,
	        .n_seeds = n_seeds,
	        .depth = opt->depth,
	        .share_max = opt->share_max > 0 ? opt->share_max : PIVOT_SHARE_NAMES,
	        .since = opt->since,
	        .until = opt->until,
	        .overlap_only = opt->overlap_only,
	        .now = now,
	};
}
