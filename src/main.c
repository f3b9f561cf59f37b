/* dragnet: command dispatch. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char main_usage[] =
	"Usage: dragnet COMMAND [OPTION]... [ARGUMENT]...\n"
	"Domain intelligence for threat hunting: passive DNS, registration data,\n"
	"certificates and IP-to-ASN data.\n"
	"\n"
	"Commands:\n"
	"  ingest FILE...     read captures, dnstap, Zeek/Suricata/passivedns logs and\n"
	"                     COF/SAF exports (gzip/zstd too) into the store\n"
	"  capture -i IFACE   capture live DNS traffic into the store until SIGINT\n"
	"  capture --dnstap unix:PATH|tcp:HOST:PORT\n"
	"                     receive dnstap from resolvers into the store until SIGINT\n"
	"  pdns NAME|IP|CIDR  look up records by name (wildcards too) or by address\n"
	"  stats              summarise what the store holds\n"
	"  whois DOMAIN       stored WHOIS/RDAP records, --history of changes, --reverse\n"
	"                     lookups, --import of saved responses, opt-in --live queries\n"
	"  registrants correlate [DOMAIN...]\n"
	"                     group domains whose registrants are probably one operator\n"
	"  cert [--san NAME|--issuer ATTR=VALUE|--fingerprint HEX|...]\n"
	"                     search stored certificates (ingest PEM, DER, CT or crt.sh\n"
	"                     files); 'cert patterns' reports shared keys and issuers;\n"
	"                     'cert grab HOST[:PORT]' records a server's chain (opt-in)\n"
	"  asn ADDRESS...|AS64500\n"
	"                     origin AS of addresses, or an AS's prefixes and (--domains)\n"
	"                     the names pDNS saw in them; --load ip2asn, pfx2as, MMDB\n"
	"  map SEED...        map the infrastructure around seeds (domain, IP, email,\n"
	"                     phone, certificate, AS...) into operator clusters with a\n"
	"                     confidence; writes a report, JSON, DOT, GraphML, STIX, MISP\n"
	"  serve              serve the store over HTTP: JSON API, DNSDB API v2 and\n"
	"                     CIRCL passive DNS for existing clients, and a web view\n"
	"  apikey add|list|revoke\n"
	"                     manage the API keys that serve accepts\n"
	"  store init|status|copy\n"
	"                     create a store, check its health, or copy it into another\n"
	"\n"
	"  --version          print the version\n"
	"\n"
	"Run 'dragnet COMMAND --help' for a command's options; the manual is dragnet(1)\n"
	"(docs/dragnet.1 in the source tree).\n"
	"The store is --store LOCATION (or --db PATH), else $DRAGNET_STORE, else\n"
	"$DRAGNET_DB, else 'store = LOCATION' in the config file ($DRAGNET_CONFIG, else\n"
	"$XDG_CONFIG_HOME/dragnet/config or ~/.config/dragnet/config), else\n"
	"$XDG_DATA_HOME/dragnet/dragnet.db (~/.local/share/dragnet/dragnet.db).\n"
	"LOCATION is a SQLite file path, sqlite:PATH or clickhouse://HOST:PORT/DATABASE.\n";

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{"ingest", cmd_ingest},
	{"capture", cmd_capture},
	{"pdns", cmd_pdns},
	{"stats", cmd_stats},
	{"store", cmd_store},
	{"whois", cmd_whois},
	{"registrants", cmd_registrants},
	{"asn", cmd_asn},
	{"cert", cmd_cert},
	{"map", cmd_map},
	{"serve", cmd_serve},
	{"apikey", cmd_apikey},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(main_usage, stderr);
		return DN_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		fputs(main_usage, stdout);
		return cli_finish_output(DN_EXIT_OK);
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("dragnet %s\n", DRAGNET_VERSION);
		return cli_finish_output(DN_EXIT_OK);
	}
	opterr = 0;  /* the commands word their own option errors */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "dragnet: unknown command '%s'\n", name);
	fputs(main_usage, stderr);
	return DN_EXIT_USAGE;
}
