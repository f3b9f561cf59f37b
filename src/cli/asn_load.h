/* `dragnet asn --load`: reading IP-to-ASN files into the store. */
#pragma once

#include "asn/asn.h"
#include "cli/cli.h"

/* Load each file as its own source (source, else the file's base name)
 * in the given format, or the detected one when format is
 * ASN_FORMAT_UNKNOWN. Prints errors and a summary line per file, and
 * returns an exit code: DN_EXIT_INPUT when some file could not be read
 * or parsed, or gave no range (the others are loaded). */
int cli_asn_load(const struct cli_common *common, char **files, int nfiles, const char *source,
                 enum asn_format format);
