/* dragnet apikey: add, list and revoke the API keys of dragnet serve. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "server/apikey.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char apikey_usage[] =
	"Usage: dragnet apikey add [--role read|write] [--name NAME] [OPTION]...\n"
	"       dragnet apikey list [OPTION]...\n"
	"       dragnet apikey revoke ID [OPTION]...\n"
	"Manage the API keys that dragnet serve accepts.\n"
	"\n"
	"  add     make a key and print it on standard output; it is shown only this\n"
	"          once, because the keys file stores a salted SHA-256 hash of it\n"
	"  list    print each key's ID, role, creation time, state and name\n"
	"  revoke  make the key with this ID invalid; a running server notices within\n"
	"          a second. A key revoked before is left as it is (exit status 1)\n"
	"\n"
	"      --role ROLE       (add) read: lookups only; write: lookups and uploads\n"
	"                        (default read)\n"
	"      --name NAME       (add) a note on who holds the key, for list\n"
	"      --keys FILE       the keys file (default: the SQLite store's path with\n"
	"                        '.keys' appended; required for a ClickHouse store)\n"
	"      --store LOCATION  the store the keys belong to, as for dragnet pdns\n"
	"      --db PATH         SQLite file; the same as --store PATH\n"
	"  -v, --verbose         more detail\n"
	"  -q, --quiet           warnings and errors only\n"
	"  -h, --help            show this help\n"
	"\n"
	"The keys file is created with mode 0600; add warns when the file is open to\n"
	"its group or other users.\n"
	"\n"
	"Exit status: 0 success, 1 no key with that ID or the key was revoked before\n"
	"(revoke), 2 invalid arguments, 3 the keys file cannot be read or written, or\n"
	"is malformed, 5 other failure.\n";

enum {
	OPT_ROLE = 256,
	OPT_NAME,
	OPT_KEYS,
};

int cli_keys_path(const struct cli_common *common, const char *keys, char *out, size_t size)
{
	if (keys != NULL) {
		if (keys[0] == '\0')
			return cli_usage_error(common->command, "--keys needs a file path");
		if ((size_t)snprintf(out, size, "%s", keys) >= size)
			return cli_usage_error(common->command, "--keys: path too long");
		return DN_EXIT_OK;
	}
	struct cli_location where;
	int code = cli_resolve_store(common, &where);
	if (code != DN_EXIT_OK)
		return code;
	const char *path = where.location;
	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	if (strstr(path, "://") != NULL)
		return cli_usage_error(common->command,
		                       "the store %s is not a file, so the keys file has no default "
		                       "place; give --keys FILE",
		                       where.origin);
	if ((size_t)snprintf(out, size, "%s.keys", path) >= size)
		return cli_usage_error(common->command, "the keys file path is too long; give --keys");
	return DN_EXIT_OK;
}

static int keys_error(dn_status rc, const struct dn_error *err)
{
	log_error("%s", err->msg);
	if (rc == DN_ENOMEM)
		return DN_EXIT_FAILURE;
	if (rc == DN_ENOENT)
		return DN_EXIT_NO_MATCH;
	return DN_EXIT_INPUT;
}

static int apikey_add(const char *path, enum server_role role, const char *name)
{
	struct apikey key;
	char text[APIKEY_TEXT_MAX];
	struct dn_error err;
	dn_status rc = apikey_generate(role, name, (int64_t)time(NULL), &key, text, &err);
	if (rc == DN_OK)
		rc = apikey_append(path, &key, &err);
	if (rc != DN_OK) {
		OPENSSL_cleanse(text, sizeof(text));
		return rc == DN_EINVAL ? cli_usage_error("apikey add", "%s", err.msg)
		                       : keys_error(rc, &err);
	}
	printf("%s\n", text);
	OPENSSL_cleanse(text, sizeof(text));
	log_info("added %s key %s to %s; it is shown only this once", apikey_role_name(role),
	         key.id, path);
	char warning[2 * CLI_LOCATION_MAX + 256];
	if (apikey_mode_warning(path, warning, sizeof(warning)))
		log_warn("%s", warning);
	return cli_finish_output(DN_EXIT_OK);
}

static int apikey_list(const char *path)
{
	struct apikey_set set = {0};
	struct dn_error err;
	dn_status rc = apikey_load(path, &set, &err);
	if (rc == DN_ENOENT) {
		log_info("%s does not exist yet; dragnet apikey add creates it", path);
		return cli_finish_output(DN_EXIT_OK);
	}
	if (rc != DN_OK) {
		apikey_set_free(&set);
		return keys_error(rc == DN_ENOENT ? DN_EIO : rc, &err);
	}
	printf("%-12s  %-5s  %-20s  %-28s  %s\n", "id", "role", "created", "state", "name");
	for (size_t i = 0; i < set.n; i++) {
		const struct apikey *key = &set.keys[i];
		char created[32], revoked[32], state[40];
		time_format_iso(key->created, created, sizeof(created));
		if (key->revoked != 0) {
			time_format_iso(key->revoked, revoked, sizeof(revoked));
			snprintf(state, sizeof(state), "revoked %s", revoked);
		} else {
			snprintf(state, sizeof(state), "valid");
		}
		printf("%-12s  %-5s  %-20s  %-28s  %s\n", key->id, apikey_role_name(key->role),
		       created, state, key->name);
	}
	apikey_set_free(&set);
	return cli_finish_output(DN_EXIT_OK);
}

static int apikey_revoke_id(const char *path, const char *id)
{
	struct dn_error err;
	int64_t revoked_before;
	dn_status rc = apikey_revoke(path, id, (int64_t)time(NULL), &revoked_before, &err);
	if (rc != DN_OK)
		return keys_error(rc, &err);
	if (revoked_before != 0) {
		char when[32];
		time_format_iso(revoked_before, when, sizeof(when));
		log_error("%s: key %s was revoked before, at %s; nothing changed", path, id, when);
		return DN_EXIT_NO_MATCH;
	}
	log_info("revoked key %s in %s", id, path);
	return cli_finish_output(DN_EXIT_OK);
}

int cmd_apikey(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"role", required_argument, NULL, OPT_ROLE},
		{"name", required_argument, NULL, OPT_NAME},
		{"keys", required_argument, NULL, OPT_KEYS},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {.command = "apikey"};
	const char *role_text = NULL, *name = NULL, *keys = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, ":hvq", longopts, NULL)) != -1) {
		if (cli_common_option(&common, opt, optarg))
			continue;
		switch (opt) {
		case OPT_ROLE:
			role_text = optarg;
			break;
		case OPT_NAME:
			name = optarg;
			break;
		case OPT_KEYS:
			keys = optarg;
			break;
		case 'h':
			fputs(apikey_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error("apikey", opt, argv);
		}
	}
	cli_setup_logging(&common, false);
	if (optind >= argc)
		return cli_usage_error("apikey", "missing subcommand: add, list or revoke");
	const char *sub = argv[optind++];
	bool add = strcmp(sub, "add") == 0;
	bool revoke = strcmp(sub, "revoke") == 0;
	if (!add && !revoke && strcmp(sub, "list") != 0)
		return cli_usage_error("apikey", "unknown subcommand '%s': use add, list or revoke",
		                       sub);
	if (!add && (role_text != NULL || name != NULL))
		return cli_usage_error("apikey", "--role and --name apply to apikey add only");
	if (revoke && optind + 1 != argc)
		return cli_usage_error("apikey", "revoke takes one key ID (see dragnet apikey list)");
	if (!revoke && optind < argc)
		return cli_usage_error("apikey", "unexpected argument '%s'", argv[optind]);

	enum server_role role = SERVER_ROLE_READ;
	if (role_text != NULL && strcmp(role_text, "write") == 0)
		role = SERVER_ROLE_WRITE;
	else if (role_text != NULL && strcmp(role_text, "read") != 0)
		return cli_usage_error("apikey", "--role '%s': use read or write", role_text);

	char path[CLI_LOCATION_MAX + 8];
	int code = cli_keys_path(&common, keys, path, sizeof(path));
	if (code != DN_EXIT_OK)
		return code;
	if (add)
		return apikey_add(path, role, name != NULL ? name : "");
	if (revoke)
		return apikey_revoke_id(path, argv[optind]);
	return apikey_list(path);
}
