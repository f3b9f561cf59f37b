/* Test-only helper: writes the hand-built sample map of graph_sample.h in
 * every graph format into a folder, as map.EXT and, with personal data
 * redacted, redacted.EXT, for test_graph_formats.py. */
#include <stdio.h>
#include <stdlib.h>

#include "export/graph_writer.h"
#include "graph_sample.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: graph_write_sample FOLDER\n");
		return 2;
	}
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	if (!sample_build(&g, &res)) {
		fprintf(stderr, "graph_write_sample: building the sample graph failed\n");
		return 1;
	}
	int status = 0;
	for (int redact = 0; redact <= 1; redact++) {
		struct graph_write_options opt;
		sample_options(&opt, redact);
		for (int f = 0; f < GRAPH_FORMAT_COUNT; f++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s.%s", argv[1], redact ? "redacted" : "map",
			         graph_format_extension((enum graph_format)f));
			FILE *out = fopen(path, "w");
			if (out == NULL) {
				perror(path);
				status = 1;
				continue;
			}
			struct dn_error err = {0};
			if (graph_write(out, (enum graph_format)f, &g, &res, &opt, &err)) {
				fprintf(stderr, "graph_write_sample: %s: %s\n", path, err.msg);
				status = 1;
			}
			if (fclose(out) != 0) {
				perror(path);
				status = 1;
			}
		}
	}
	graph_free(&g);
	return status;
}
