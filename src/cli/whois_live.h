/* dragnet whois --live: the command-line side of live WHOIS and RDAP lookups
 * (the clients are in lookup/). */
#pragma once

#include <stdbool.h>

#include "cli/cli.h"

struct whois_live_options {
	bool use_rdap;
	bool use_whois;
	const char *whois_root;     /* HOST[:PORT]; NULL for whois.iana.org */
	const char *rdap_bootstrap; /* URL or file; NULL for IANA's */
	double timeout;             /* seconds per query */
	double interval;            /* minimum seconds between two queries to one server */
	bool no_store;
	bool json;
	bool raw_out;                /* print the response as received */
	bool redact;
	bool source_set;            /* --source was given; else live-rdap / live-whois */
	const char *source;
};

void whois_live_defaults(struct whois_live_options *options);

/* Look up each domain of argv, then store and print the responses. Returns
 * an exit code. */
int whois_live_run(const struct cli_common *common, const struct whois_live_options *options,
                   int argc, char **argv);
