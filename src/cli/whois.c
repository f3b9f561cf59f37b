/* dragnet whois: stored WHOIS and RDAP records, their history, reverse
 * WHOIS, imports of saved responses, and opt-in live lookups. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/whois_live.h"
#include "export/whois_writer.h"
#include "ingest/whois_store.h"
#include "store/source_names.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/timeutil.h"
#include "whois/document.h"
#include "whois/normalize.h"
#include "whois/response.h"

static const char whois_usage[] =
        "Usage: dragnet whois [OPTION]... DOMAIN\n"
        "       dragnet whois --history [OPTION]... DOMAIN\n"
        "       dragnet whois --reverse KIND=VALUE [OPTION]...\n"
        "       dragnet whois --import [OPTION]... FILE|FOLDER...\n"
        "       dragnet whois --parse [OPTION]... FILE\n"
        "       dragnet whois --live [OPTION]... DOMAIN...\n"
        "Show stored WHOIS and RDAP records, their changes, and the domains that share a\n"
        "registrant value.\n"
        "\n"
        "  DOMAIN                  the latest stored record of DOMAIN\n"
        "      --history           every distinct record of DOMAIN, oldest first, each\n"
        "                          with what changed since the one before\n"
        "      --raw               the response text as it was received (not with\n"
        "                          --redact-personal)\n"
        "  -r, --reverse KIND=VALUE\n"
        "                          every domain whose records hold VALUE, now or earlier;\n"
        "                          KIND is email, phone, name, org, address, registrar\n"
        "                          or nameserver. VALUE is normalised as stored values are\n"
        "                          (case, accents, \"+tag\" in emails, phone punctuation;\n"
        "                          give phones with their country code); a trailing '*'\n"
        "                          matches a prefix of the normalised value. An address\n"
        "                          is \"STREET[, CITY[, POSTAL CODE[, COUNTRY]]]\" and finds\n"
        "                          the addresses that start with the parts given\n"
        "      --import            store saved responses: WHOIS text or RDAP JSON, told\n"
        "                          apart by content; a FOLDER is read recursively, '-'\n"
        "                          is standard input. Importing a response again counts\n"
        "                          another sighting of it\n"
        "      --parse             parse FILE ('-': standard input) and print the record;\n"
        "                          store nothing\n"
        "      --live              ask the registry now (RDAP, else WHOIS on port 43),\n"
        "                          store the answer and print it; the only mode that sends\n"
        "                          packets (see LIVE LOOKUPS in dragnet(1))\n"
        "\n"
        "  -j, --json              records as dragnet's JSON documents, one per line\n"
        "      --redact-personal   remove natural persons' names, emails, phones and\n"
        "                          addresses from what is printed\n"
        "  -l, --limit N           --reverse: at most N domains (default 10000; 0: all)\n"
        "\n"
        "Import and parse:\n"
        "      --format FORMAT     text or rdap, when detection by content is not wanted\n"
        "      --domain DOMAIN     the domain a response is about, when it does not say\n"
        "                          (else taken from a file name such as com_example.com.txt)\n"
        "      --server HOST       the WHOIS server that gave the response, a hint for its\n"
        "                          layout\n"
        "      --observed TIME     when the responses were received (default: the\n"
        "                          \"last update of WHOIS database\" they state, else the\n"
        "                          file's modification time)\n"
        "      --source NAME       who supplied them (default: whois-import)\n"
        "\n"
        "Live lookups:\n"
        "      --rdap-only, --whois-only\n"
        "                          use one protocol only\n"
        "      --whois-root HOST[:PORT]\n"
        "                          where WHOIS referrals start (default whois.iana.org)\n"
        "      --rdap-bootstrap URL|FILE\n"
        "                          the IANA RDAP bootstrap file for DNS (default\n"
        "                          https://data.iana.org/rdap/dns.json)\n"
        "      --timeout SECONDS   per query (default 15)\n"
        "      --interval SECONDS  least time between two queries to one server\n"
        "                          (default 2)\n"
        "      --no-store          print the answer without storing it\n"
        "\n"
        "      --store LOCATION    SQLite file, sqlite:PATH or clickhouse://HOST:PORT/DB\n"
        "      --db PATH           SQLite file; the same as --store PATH\n"
        "  -v, --verbose, -q, --quiet, -h, --help\n"
        "\n"
        "Exit status: 0 found, 1 nothing stored for the query (or the registry has no\n"
        "record), 2 invalid arguments, 3 an input could not be read or parsed (the\n"
        "others were stored), 4 store error, 5 other failure, 7 a live lookup failed or\n"
        "was throttled.\n";

enum {
	OPT_HISTORY = 256,
	OPT_RAW,
	OPT_IMPORT,
	OPT_PARSE,
	OPT_LIVE,
	OPT_REDACT,
	OPT_FORMAT,
	OPT_DOMAIN,
	OPT_SERVER,
	OPT_OBSERVED,
	OPT_SOURCE,
	OPT_RDAP_ONLY,
	OPT_WHOIS_ONLY,
	OPT_WHOIS_ROOT,
	OPT_BOOTSTRAP,
	OPT_TIMEOUT,
	OPT_INTERVAL,
	OPT_NO_STORE,
};

enum mode { MODE_SHOW, MODE_HISTORY, MODE_REVERSE, MODE_IMPORT, MODE_PARSE, MODE_LIVE };

#define DEFAULT_LIMIT 10000
/* Larger files are not WHOIS responses. */
#define RESPONSE_MAX (8u << 20)
/* Folders read below a folder given, at most. */
#define FOLDER_DEPTH_MAX 16
/* Records stored per transaction on import, and the response bytes a batch
 * may hold before it is stored. Larger batches let the store write its
 * index pages fewer times (bench/whois.sh: 2,000 to 10,000 records cut the
 * CPU time by a tenth). */
#define IMPORT_BATCH 10000
#define IMPORT_BATCH_BYTES ((size_t)64 << 20)

struct whois_cli {
	struct cli_common common;
	enum mode mode;
	bool mode_set;
	bool json;
	bool raw;
	bool redact;
	unsigned long long limit;
	enum whois_format format;
	const char *domain;
	const char *server;
	const char *source;
	int64_t observed;
	bool has_observed;
	struct whois_live_options live;
};

/* ---- printing stored records ---- */

struct shown {
	struct whois_cli *cli;
	struct store_source_names sources;
	struct arena arena;
	struct whois_record prev;
	bool have_prev;
	uint64_t n;
	dn_status failure;
	struct dn_error err;
};

static void print_heading(struct shown *s, const struct store_whois *doc)
{
	char first[24], last[24], src[128];
	time_format_iso(doc->time_first, first, sizeof(first));
	time_format_iso(doc->time_last, last, sizeof(last));
	printf("%s  %s  seen %s", doc->domain, doc->status, first);
	if (doc->time_last != doc->time_first)
		printf(" to %s", last);
	printf(", %llu time%s, first from %s\n", (unsigned long long)doc->count,
	       doc->count == 1 ? "" : "s",
	       store_source_name(&s->sources, doc->source_id, src, sizeof(src)));
}

static dn_status show_doc(const struct store_whois *doc, void *ctx)
{
	struct shown *s = ctx;
	s->n++;
	if (s->cli->raw) {
		if (s->cli->mode == MODE_HISTORY)
			print_heading(s, doc);
		fputs(doc->raw, stdout);
		if (doc->raw[0] != '\0' && doc->raw[strlen(doc->raw) - 1] != '\n')
			putchar('\n');
		return DN_OK;
	}
	struct whois_record rec;
	struct arena *arena = &s->arena;
	dn_status rc = whois_document_read(doc->document, strlen(doc->document), arena, &rec,
	                                   &s->err);
	if (rc != DN_OK) {
		s->failure = rc;
		log_error("%s: stored document seen %lld: %s", doc->domain,
		          (long long)doc->time_first, s->err.msg);
		return DN_OK;
	}
	if (s->cli->redact)
		whois_redact_personal(&rec);
	if (s->cli->json) {
		char src[128];
		const char *source = store_source_name(&s->sources, doc->source_id, src, sizeof(src));
		if (!whois_print_stored_json(stdout, &rec, doc, source))
			return dn_fail(&s->err, DN_ENOMEM, "out of memory");
		return DN_OK;
	}
	print_heading(s, doc);
	if (s->cli->mode == MODE_HISTORY && s->have_prev) {
		if (whois_print_changes(stdout, &s->prev, &rec, 2) == 0)
			printf("  (no change in the fields shown; the response text differs)\n");
	} else {
		whois_print_record(stdout, &rec, 2);
	}
	putchar('\n');
	/* Keep this record for the next diff; its strings stay in the arena
	 * until the command ends. */
	s->prev = rec;
	s->have_prev = true;
	return DN_OK;
}

static int run_show(struct whois_cli *cli, int argc, char **argv)
{
	if (argc != 1)
		return cli_usage_error("whois", argc == 0 ? "give a DOMAIN"
		                                          : "give one DOMAIN (or use --live)");
	char key[256];
	if (!whois_domain_key(argv[0], key, sizeof(key)))
		return cli_usage_error("whois", "'%s' is not a domain name", argv[0]);
	struct store *store;
	int code = cli_open_store(&cli->common, STORE_READ, NULL, &store);
	if (code != DN_EXIT_OK)
		return code;
	struct shown s = {.cli = cli};
	arena_init(&s.arena, 64 * 1024);
	dn_status rc = store_source_names_load(store, &s.sources, &s.err);
	if (rc == DN_OK)
		rc = store_query_whois(store, key, cli->mode == MODE_SHOW, cli->raw, show_doc, &s,
		                       &s.err);
	arena_free(&s.arena);
	store_source_names_free(&s.sources);
	store_close(store);
	if (rc != DN_OK) {
		log_error("whois %s: %s", key, s.err.msg);
		return cli_exit_for_store(rc);
	}
	if (s.n == 0) {
		log_warn("no WHOIS or RDAP record of %s is stored", key);
		return cli_finish_output(DN_EXIT_NO_MATCH);
	}
	return cli_finish_output(s.failure != DN_OK ? DN_EXIT_STORE : DN_EXIT_OK);
}

/* ---- reverse WHOIS ---- */

static const char *const reverse_kinds[] = {"email", "phone", "name", "org",
                                            "address", "registrar", "nameserver"};

struct reverse_run {
	struct whois_cli *cli;
	uint64_t n;
	const char *street; /* with an address given by its leading parts: their key */
};

/* An address as given on the command line: "STREET[, CITY[, POSTAL CODE[,
 * COUNTRY]]]", the order of the stored keys. */
static bool address_key(const char *text, char *key, size_t size)
{
	char copy[WHOIS_KEY_MAX];
	snprintf(copy, sizeof(copy), "%s", text);
	char *parts[4] = {NULL, NULL, NULL, NULL};
	char *save = NULL;
	char *p = strtok_r(copy, ",", &save);
	for (int i = 0; p != NULL && i < 4; i++, p = strtok_r(NULL, ",", &save))
		parts[i] = p;
	struct whois_contact c = {.street = {parts[0]}, .city = parts[1],
	                          .postal_code = parts[2], .country = parts[3], .present = true};
	return whois_norm_address(&c, key, size);
}

/* The lower-case form of a prefix, trimmed. */
static bool lower_prefix(const char *text, char *key, size_t size)
{
	while (*text == ' ' || *text == '\t')
		text++;
	size_t n = 0;
	for (; text[n] != '\0' && n + 1 < size; n++)
		key[n] = (char)((text[n] >= 'A' && text[n] <= 'Z') ? text[n] + 32 : text[n]);
	while (n > 0 && (key[n - 1] == ' ' || key[n - 1] == '\t'))
		n--;
	key[n] = '\0';
	return n > 0;
}

static dn_status show_value(const struct store_whois_value *v, void *ctx)
{
	struct reverse_run *r = ctx;
	if (r->street != NULL) {
		/* "12 sample st" must not find "12 sample street 2": keep keys
		 * that end there or go on with ", ". */
		size_t n = strlen(r->street);
		if (v->value[n] != '\0' && strncmp(v->value + n, ", ", 2) != 0)
			return DN_OK;
	}
	r->n++;
	char first[24], last[24];
	time_format_iso(v->time_first, first, sizeof(first));
	time_format_iso(v->time_last, last, sizeof(last));
	const char *shown = v->shown != NULL ? v->shown : v->value;
	bool personal = strcmp(v->kind, "name") == 0 || strcmp(v->kind, "email") == 0 ||
	                strcmp(v->kind, "phone") == 0 || strcmp(v->kind, "address") == 0;
	if (r->cli->redact && personal && !v->masked)
		shown = WHOIS_REDACTED_TEXT;
	if (r->cli->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "domain", v->domain,
		                      "role", v->role, "kind", v->kind, "value",
		                      r->cli->redact && personal ? WHOIS_REDACTED_TEXT : v->value,
		                      "shown", shown, "masked", v->masked, "time_first", first,
		                      "time_last", last);
		char *out = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (out == NULL)
			return DN_ENOMEM;
		puts(out);
		free(out);
		return DN_OK;
	}
	if (r->n == 1)
		printf("%-40s %-10s %-20s  %-20s  %s\n", "domain", "role", "first_seen", "last_seen",
		       v->kind);
	printf("%-40s %-10s %s  %s  %s%s\n", v->domain, v->role, first, last, shown,
	       v->masked ? "  (masked)" : "");
	return DN_OK;
}

static int run_reverse(struct whois_cli *cli, const char *query, int argc)
{
	if (argc != 0)
		return cli_usage_error("whois", "--reverse takes no DOMAIN");
	const char *eq = strchr(query, '=');
	if (eq == NULL)
		return cli_usage_error("whois", "--reverse wants KIND=VALUE, such as "
		                                "email=someone@example.com");
	char kind[16];
	size_t klen = (size_t)(eq - query);
	bool known = false;
	for (size_t i = 0; i < sizeof(reverse_kinds) / sizeof(reverse_kinds[0]); i++) {
		if (strlen(reverse_kinds[i]) == klen && strncasecmp(query, reverse_kinds[i], klen) == 0) {
			snprintf(kind, sizeof(kind), "%s", reverse_kinds[i]);
			known = true;
		}
	}
	if (!known)
		return cli_usage_error("whois", "unknown kind '%.*s' (email, phone, name, org, "
		                                "address, registrar, nameserver)",
		                       (int)klen, query);
	char value[WHOIS_KEY_MAX];
	snprintf(value, sizeof(value), "%s", eq + 1);
	size_t vlen = strlen(value);
	bool prefix = vlen > 0 && value[vlen - 1] == '*';
	if (prefix)
		value[--vlen] = '\0';
	char key[WHOIS_KEY_MAX] = "";
	bool ok;
	bool street_only = false;
	if (strcmp(kind, "email") == 0 && !prefix)
		ok = whois_norm_email(value, key, sizeof(key));
	else if (strcmp(kind, "phone") == 0)
		ok = whois_norm_phone(value, NULL, key, sizeof(key));
	else if (strcmp(kind, "name") == 0)
		ok = whois_norm_name(value, key, sizeof(key));
	else if (strcmp(kind, "org") == 0 || strcmp(kind, "registrar") == 0)
		ok = whois_norm_org(value, key, sizeof(key));
	else if (strcmp(kind, "address") == 0) {
		ok = address_key(value, key, sizeof(key));
		/* The leading parts of an address ("12 Sample Street" or "12 Sample
		 * Street, London") find every stored address that starts with
		 * them. */
		if (ok && !prefix) {
			prefix = true;
			street_only = true;
		}
	} else if (strcmp(kind, "email") == 0 && prefix) {
		/* A prefix ("jsmith*") is not a whole address to normalise. */
		ok = lower_prefix(value, key, sizeof(key));
	} else {
		ok = whois_domain_key(value, key, sizeof(key));
	}
	if (!ok)
		return cli_usage_error("whois", "invalid %s '%s': nothing in it to search for", kind,
		                       value);
	if (strcmp(kind, "phone") == 0 && key[0] != '+')
		log_warn("phone '%s' has no country code; stored numbers have one (+44...), so "
		         "this finds only numbers stored without it",
		         value);
	struct store *store;
	int code = cli_open_store(&cli->common, STORE_READ, NULL, &store);
	if (code != DN_EXIT_OK)
		return code;
	struct store_whois_lookup q = {kind, key, prefix, cli->limit};
	struct reverse_run r = {cli, 0, street_only ? key : NULL};
	struct dn_error err;
	uint64_t domains = 0;
	dn_status rc = DN_OK;
	if (!prefix)
		rc = store_count_whois_value(store, kind, key, &domains, &err);
	if (rc == DN_OK)
		rc = store_query_whois_values(store, &q, show_value, &r, &err);
	store_close(store);
	if (rc != DN_OK) {
		log_error("whois --reverse %s=%s: %s", kind, key, err.msg);
		return cli_exit_for_store(rc);
	}
	if (r.n == 0) {
		log_warn("not found: no stored record has %s %s%s", kind, key, prefix ? "*" : "");
		return cli_finish_output(DN_EXIT_NO_MATCH);
	}
	if (!prefix)
		log_info("%s %s: %llu domain%s", kind, key, (unsigned long long)domains,
		         domains == 1 ? "" : "s");
	return cli_finish_output(DN_EXIT_OK);
}

/* ---- import and parse ---- */

/* Read the file at path ("-": standard input) whole; *mtime is its
 * modification time, or -1 when it has none. With a folder's descriptor
 * (dir_fd not -1), name is the file's name in that folder: opening it
 * there saves the kernel a walk along the whole path for each file. */
static char *read_whole_at(int dir_fd, const char *name, const char *path, size_t *len,
                           int64_t *mtime, struct dn_error *err)
{
	bool std_in = dir_fd < 0 && strcmp(path, "-") == 0;
	int fd = std_in         ? dup(STDIN_FILENO)
	         : dir_fd >= 0 ? openat(dir_fd, name, O_RDONLY | O_CLOEXEC)
	                       : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		dn_fail(err, DN_EIO, "%s", strerror(errno));
		return NULL;
	}
	/* Start at the file's size, so that one read usually does. */
	struct stat st;
	size_t cap = 64 * 1024, n = 0;
	size_t expected = 0; /* the size of a regular file: no read past it is needed */
	bool have_stat = fstat(fd, &st) == 0;
	*mtime = have_stat && S_ISREG(st.st_mode) ? (int64_t)st.st_mtime : -1;
	if (have_stat && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < RESPONSE_MAX) {
		cap = (size_t)st.st_size + 1;
		expected = (size_t)st.st_size;
	}
	char *buf = malloc(cap + 1);
	for (;;) {
		if (buf == NULL) {
			close(fd);
			dn_fail(err, DN_ENOMEM, "out of memory");
			return NULL;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int saved = errno;
			free(buf);
			close(fd);
			dn_fail(err, DN_EIO, "read error: %s", strerror(saved));
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == expected)
			break;
		if (n < cap)
			continue;
		if (cap >= RESPONSE_MAX) {
			free(buf);
			close(fd);
			dn_fail(err, DN_ELIMIT, "larger than %u MiB: not a WHOIS response",
			        RESPONSE_MAX >> 20);
			return NULL;
		}
		cap *= 2;
		char *grown = realloc(buf, cap + 1);
		if (grown == NULL)
			free(buf);
		buf = grown;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *read_whole(const char *path, size_t *len, int64_t *mtime, struct dn_error *err)
{
	return read_whole_at(-1, NULL, path, len, mtime, err);
}

/* The domain a saved response is about, from its file name:
 * "com_example.com.txt" (a TLD prefix) or "example.com.txt". */
static bool domain_from_path(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	char name[256];
	snprintf(name, sizeof(name), "%s", base);
	static const char *const exts[] = {".txt", ".json", ".whois", ".rdap", ".out"};
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);
		if (len > e && strcasecmp(name + len - e, exts[i]) == 0) {
			name[len - e] = '\0';
			break;
		}
	}
	const char *us = strchr(name, '_');
	const char *domain = us != NULL ? us + 1 : name;
	if (strchr(domain, '.') == NULL)
		return false;
	return whois_domain_key(domain, out, size);
}

struct import_run {
	struct whois_cli *cli;
	struct store *store;
	uint32_t source_id;
	struct arena arena;
	struct whois_batch *pending;
	dev_t open_dev[FOLDER_DEPTH_MAX]; /* the folders being read, outermost first */
	ino_t open_ino[FOLDER_DEPTH_MAX];
	uint64_t files, stored, failed, batch;
	size_t batch_bytes; /* response bytes held by the open batch */
	uint64_t by_status[WHOIS_STATUS_COUNT];
	struct progress progress;
	bool in_batch;
	dn_status store_failure;
	struct dn_error store_err;
};

static bool flush_batch(struct import_run *run)
{
	if (!run->in_batch)
		return true;
	run->in_batch = false;
	dn_status rc = whois_batch_put(run->pending, run->store, &run->store_err);
	if (rc == DN_OK)
		rc = store_commit(run->store, &run->store_err);
	else
		store_rollback(run->store);
	if (rc != DN_OK) {
		run->store_failure = rc;
		return false;
	}
	run->batch = 0;
	run->batch_bytes = 0;
	return true;
}

/* Parse one file and store it; false only when the store failed. dir_fd
 * and name as in read_whole_at(). */
static bool import_file(struct import_run *run, const char *path, int dir_fd, const char *name)
{
	struct whois_cli *cli = run->cli;
	struct dn_error err;
	size_t len;
	run->files++;
	int64_t mtime;
	char *buf = read_whole_at(dir_fd, name, path, &len, &mtime, &err);
	if (buf == NULL) {
		log_error("%s: %s", path, err.msg);
		run->failed++;
		return true;
	}
	char guessed[256];
	struct whois_text_hints hints = {cli->domain, cli->server};
	if (hints.domain == NULL && domain_from_path(path, guessed, sizeof(guessed)))
		hints.domain = guessed;
	arena_reset(&run->arena);
	struct whois_record rec;
	enum whois_format used;
	dn_status rc = whois_parse_response(buf, len, cli->format, &hints, &run->arena, &rec, &used,
	                                    &err);
	if (rc != DN_OK) {
		log_error("%s: not stored: %s", path, err.msg);
		run->failed++;
		free(buf);
		return true;
	}
	int64_t observed = cli->observed;
	if (!cli->has_observed) {
		if (rec.database_updated != WHOIS_TIME_UNSET)
			observed = rec.database_updated;
		else if (mtime >= 0)
			observed = mtime;
		else
			observed = time_now();
	}
	if (!run->in_batch) {
		rc = store_begin(run->store, &run->store_err);
		if (rc != DN_OK) {
			run->store_failure = rc;
			free(buf);
			return false;
		}
		run->in_batch = true;
	}
	/* The batch keeps buf until it is stored; rec's strings stay in the
	 * arena only until the next file, so the batch copies those. */
	rc = whois_batch_add_owned(run->pending, run->source_id, &rec, buf, len, observed, &err);
	if (rc == DN_EINVAL) {
		log_error("%s: not stored: %s; give --domain", path, err.msg);
		run->failed++;
		return true;
	}
	if (rc != DN_OK) {
		run->store_err = err;
		run->store_failure = rc;
		store_rollback(run->store);
		run->in_batch = false;
		return false;
	}
	log_debug("%s: %s %s (%s)", path, rec.domain, whois_status_name(rec.status),
	          whois_format_name(used));
	run->stored++;
	run->by_status[rec.status]++;
	run->batch_bytes += len;
	if ((++run->batch >= IMPORT_BATCH || run->batch_bytes >= IMPORT_BATCH_BYTES) &&
	    !flush_batch(run))
		return false;
	progress_update_count(&run->progress, run->files, "files");
	return true;
}

struct dir_entry {
	char *name;
	bool file;
};

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct dir_entry *)a)->name, ((const struct dir_entry *)b)->name);
}

/* Sort names, and files with them, in name order. */
static void sort_entries(char **names, bool *files, size_t n)
{
	struct dir_entry *e = malloc(n * sizeof(*e));
	if (e == NULL)
		return; /* unsorted, but complete */
	for (size_t i = 0; i < n; i++)
		e[i] = (struct dir_entry){names[i], files[i]};
	qsort(e, n, sizeof(*e), compare_entries);
	for (size_t i = 0; i < n; i++) {
		names[i] = e[i].name;
		files[i] = e[i].file;
	}
	free(e);
}

/* Import path, a file or a folder read recursively in name order. A file
 * that a folder listing marks as such (is_file) is opened as name in the
 * folder dir_fd. */
static bool import_path(struct import_run *run, const char *path, int depth, bool is_file,
                        int dir_fd, const char *name)
{
	struct stat st;
	if (is_file && dir_fd >= 0)
		return import_file(run, path, dir_fd, name);
	if (is_file || strcmp(path, "-") == 0)
		return import_file(run, path, -1, NULL);
	if (stat(path, &st) != 0) {
		log_error("%s: %s", path, strerror(errno));
		run->failed++;
		return true;
	}
	if (!S_ISDIR(st.st_mode))
		return import_file(run, path, -1, NULL);
	if (depth >= FOLDER_DEPTH_MAX) {
		log_error("%s: folders nested more than %d deep; skipped", path, FOLDER_DEPTH_MAX);
		run->failed++;
		return true;
	}
	/* A symbolic link back to a folder being read would read it again. */
	for (int i = 0; i < depth; i++) {
		if (run->open_dev[i] == st.st_dev && run->open_ino[i] == st.st_ino) {
			log_warn("%s: a link back to a folder being read; skipped", path);
			return true;
		}
	}
	run->open_dev[depth] = st.st_dev;
	run->open_ino[depth] = st.st_ino;
	DIR *dir = opendir(path);
	if (dir == NULL) {
		log_error("%s: %s", path, strerror(errno));
		run->failed++;
		return true;
	}
	/* Entries that the folder listing marks as regular files need no stat(). */
	char **names = NULL;
	bool *files = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	bool ok = true;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **grown = realloc(names, cap * sizeof(*names));
			if (grown != NULL)
				names = grown;
			bool *grown_files = realloc(files, cap * sizeof(*files));
			if (grown_files != NULL)
				files = grown_files;
			if (grown == NULL || grown_files == NULL) {
				ok = false;
				break;
			}
		}
		files[n] = de->d_type == DT_REG;
		names[n] = malloc(strlen(path) + strlen(de->d_name) + 2);
		if (names[n] == NULL) {
			ok = false;
			break;
		}
		sprintf(names[n], "%s/%s", path, de->d_name);
		n++;
	}
	if (!ok)
		log_error("%s: out of memory listing the folder", path);
	if (n > 0)
		sort_entries(names, files, n);
	size_t prefix = strlen(path) + 1; /* names[i] is path, '/', the entry's name */
	for (size_t i = 0; i < n; i++) {
		if (ok)
			ok = import_path(run, names[i], depth + 1, files[i], dirfd(dir), names[i] + prefix);
		free(names[i]);
	}
	closedir(dir);
	free(names);
	free(files);
	return ok;
}

static int run_import(struct whois_cli *cli, int argc, char **argv)
{
	if (argc == 0)
		return cli_usage_error("whois", "--import wants at least one FILE or FOLDER");
	struct store *store;
	int code = cli_open_store(&cli->common, STORE_WRITE, NULL, &store);
	if (code != DN_EXIT_OK)
		return code;
	struct import_run run = {.cli = cli, .store = store, .pending = whois_batch_new()};
	struct dn_error err;
	if (run.pending == NULL) {
		log_error("out of memory");
		store_close(store);
		return DN_EXIT_FAILURE;
	}
	dn_status rc = store_source_id(store, cli->source, "provider", &run.source_id, &err);
	if (rc != DN_OK) {
		log_error("source %s: %s", cli->source, err.msg);
		whois_batch_free(run.pending);
		store_close(store);
		return cli_exit_for_store(rc);
	}
	arena_init(&run.arena, 256 * 1024);
	progress_start(&run.progress, isatty(STDERR_FILENO) && cli->common.verbosity >= 0,
	               "whois import", 0);
	log_info("importing WHOIS and RDAP responses as source %s", cli->source);
	bool ok = true;
	for (int i = 0; i < argc && ok; i++)
		ok = import_path(&run, argv[i], 0, false, -1, NULL);
	if (ok)
		ok = flush_batch(&run);
	if (ok)
		rc = store_sync(store, &run.store_err);
	if (rc != DN_OK) {
		run.store_failure = rc;
		ok = false;
	}
	progress_finish(&run.progress);
	arena_free(&run.arena);
	whois_batch_free(run.pending);
	store_close(store);
	if (!ok) {
		log_error("store: %s; the last %llu responses read were not stored",
		          run.store_err.msg, (unsigned long long)run.batch);
		return cli_exit_for_store(run.store_failure);
	}
	log_info("files read: %llu; responses stored: %llu (found %llu, not found %llu, "
	         "throttled %llu, reserved %llu, referral %llu, error %llu); inputs failed: %llu",
	         (unsigned long long)run.files, (unsigned long long)run.stored,
	         (unsigned long long)run.by_status[WHOIS_FOUND],
	         (unsigned long long)run.by_status[WHOIS_NOT_FOUND],
	         (unsigned long long)run.by_status[WHOIS_THROTTLED],
	         (unsigned long long)run.by_status[WHOIS_RESERVED],
	         (unsigned long long)run.by_status[WHOIS_REFERRAL],
	         (unsigned long long)run.by_status[WHOIS_ERROR], (unsigned long long)run.failed);
	return cli_finish_output(run.failed > 0 ? DN_EXIT_INPUT : DN_EXIT_OK);
}

static int run_parse(struct whois_cli *cli, int argc, char **argv)
{
	if (argc != 1)
		return cli_usage_error("whois", "--parse wants one FILE");
	struct dn_error err;
	size_t len;
	int64_t mtime;
	char *buf = read_whole(argv[0], &len, &mtime, &err);
	if (buf == NULL) {
		log_error("%s: %s", argv[0], err.msg);
		return DN_EXIT_INPUT;
	}
	char guessed[256];
	struct whois_text_hints hints = {cli->domain, cli->server};
	if (hints.domain == NULL && domain_from_path(argv[0], guessed, sizeof(guessed)))
		hints.domain = guessed;
	struct arena arena;
	arena_init(&arena, 64 * 1024);
	struct whois_record rec;
	enum whois_format used;
	dn_status rc = whois_parse_response(buf, len, cli->format, &hints, &arena, &rec, &used,
	                                    &err);
	free(buf);
	if (rc != DN_OK) {
		log_error("%s: %s", argv[0], err.msg);
		arena_free(&arena);
		return DN_EXIT_INPUT;
	}
	if (cli->redact)
		whois_redact_personal(&rec);
	if (cli->json) {
		if (!whois_print_json(stdout, &rec, NULL)) {
			arena_free(&arena);
			log_error("out of memory");
			return DN_EXIT_FAILURE;
		}
	} else {
		whois_print_record(stdout, &rec, 0);
	}
	arena_free(&arena);
	return cli_finish_output(rec.status == WHOIS_FOUND ? DN_EXIT_OK : DN_EXIT_NO_MATCH);
}

/* ---- options ---- */

static int set_mode(struct whois_cli *cli, enum mode mode, const char *option)
{
	if (cli->mode_set && cli->mode != mode)
		return cli_usage_error("whois", "%s cannot be combined with another mode", option);
	cli->mode = mode;
	cli->mode_set = true;
	return DN_EXIT_OK;
}

static bool parse_seconds(const char *text, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(v >= 0) || v > 3600)
		return false;
	*out = v;
	return true;
}

int cmd_whois(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"history", no_argument, NULL, OPT_HISTORY},
	        {"raw", no_argument, NULL, OPT_RAW},
	        {"reverse", required_argument, NULL, 'r'},
	        {"import", no_argument, NULL, OPT_IMPORT},
	        {"parse", no_argument, NULL, OPT_PARSE},
	        {"live", no_argument, NULL, OPT_LIVE},
	        {"json", no_argument, NULL, 'j'},
	        {"redact-personal", no_argument, NULL, OPT_REDACT},
	        {"limit", required_argument, NULL, 'l'},
	        {"format", required_argument, NULL, OPT_FORMAT},
	        {"domain", required_argument, NULL, OPT_DOMAIN},
	        {"server", required_argument, NULL, OPT_SERVER},
	        {"observed", required_argument, NULL, OPT_OBSERVED},
	        {"source", required_argument, NULL, OPT_SOURCE},
	        {"rdap-only", no_argument, NULL, OPT_RDAP_ONLY},
	        {"whois-only", no_argument, NULL, OPT_WHOIS_ONLY},
	        {"whois-root", required_argument, NULL, OPT_WHOIS_ROOT},
	        {"rdap-bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
	        {"timeout", required_argument, NULL, OPT_TIMEOUT},
	        {"interval", required_argument, NULL, OPT_INTERVAL},
	        {"no-store", no_argument, NULL, OPT_NO_STORE},
	        {"help", no_argument, NULL, 'h'},
	        CLI_COMMON_LONG,
	        {NULL, 0, NULL, 0},
	};
	struct whois_cli cli = {
	        .common = {.command = "whois"},
	        .limit = DEFAULT_LIMIT,
	        .source = "whois-import",
	};
	whois_live_defaults(&cli.live);
	const char *reverse = NULL;
	char domain_buf[256];
	int code;
	int opt;
	while ((opt = getopt_long(argc, argv, ":r:jl:hvq", longopts, NULL)) != -1) {
		if (cli_common_option(&cli.common, opt, optarg))
			continue;
		code = DN_EXIT_OK;
		switch (opt) {
		case OPT_HISTORY:
			code = set_mode(&cli, MODE_HISTORY, "--history");
			break;
		case 'r':
			code = set_mode(&cli, MODE_REVERSE, "--reverse");
			reverse = optarg;
			break;
		case OPT_IMPORT:
			code = set_mode(&cli, MODE_IMPORT, "--import");
			break;
		case OPT_PARSE:
			code = set_mode(&cli, MODE_PARSE, "--parse");
			break;
		case OPT_LIVE:
			code = set_mode(&cli, MODE_LIVE, "--live");
			break;
		case OPT_RAW:
			cli.raw = true;
			break;
		case 'j':
			cli.json = true;
			break;
		case OPT_REDACT:
			cli.redact = true;
			break;
		case 'l':
			if (!cli_parse_uint(optarg, INT64_MAX, &cli.limit))
				return cli_usage_error("whois", "invalid --limit '%s'", optarg);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				cli.format = WHOIS_FORMAT_TEXT;
			else if (strcmp(optarg, "rdap") == 0)
				cli.format = WHOIS_FORMAT_RDAP;
			else
				return cli_usage_error("whois", "unknown --format '%s' (text, rdap)",
				                       optarg);
			break;
		case OPT_DOMAIN:
			if (!whois_domain_key(optarg, domain_buf, sizeof(domain_buf)))
				return cli_usage_error("whois", "'%s' is not a domain name", optarg);
			cli.domain = domain_buf;
			break;
		case OPT_SERVER:
			cli.server = optarg;
			break;
		case OPT_OBSERVED:
			if (!time_parse(optarg, time_now(), &cli.observed))
				return cli_usage_error("whois", "invalid --observed time '%s'", optarg);
			cli.has_observed = true;
			break;
		case OPT_SOURCE:
			if (optarg[0] == '\0')
				return cli_usage_error("whois", "--source wants a name");
			cli.source = optarg;
			cli.live.source = optarg;
			cli.live.source_set = true;
			break;
		case OPT_RDAP_ONLY:
		case OPT_WHOIS_ONLY:
			if (!cli.live.use_rdap || !cli.live.use_whois)
				return cli_usage_error("whois", "give --rdap-only or --whois-only, "
				                                "not both");
			if (opt == OPT_RDAP_ONLY)
				cli.live.use_whois = false;
			else
				cli.live.use_rdap = false;
			break;
		case OPT_WHOIS_ROOT:
			cli.live.whois_root = optarg;
			break;
		case OPT_BOOTSTRAP:
			cli.live.rdap_bootstrap = optarg;
			break;
		case OPT_TIMEOUT:
			if (!parse_seconds(optarg, &cli.live.timeout) || cli.live.timeout <= 0)
				return cli_usage_error("whois", "invalid --timeout '%s' (seconds)",
				                       optarg);
			break;
		case OPT_INTERVAL:
			if (!parse_seconds(optarg, &cli.live.interval))
				return cli_usage_error("whois", "invalid --interval '%s' (seconds)",
				                       optarg);
			break;
		case OPT_NO_STORE:
			cli.live.no_store = true;
			break;
		case 'h':
			fputs(whois_usage, stdout);
			return cli_finish_output(DN_EXIT_OK);
		default:
			return cli_option_error("whois", opt, argv);
		}
		if (code != DN_EXIT_OK)
			return code;
	}
	cli_setup_logging(&cli.common, cli.mode == MODE_IMPORT || cli.mode == MODE_LIVE);
	argc -= optind;
	argv += optind;
	if (cli.raw && cli.mode != MODE_SHOW && cli.mode != MODE_HISTORY && cli.mode != MODE_LIVE)
		return cli_usage_error("whois", "--raw goes with DOMAIN, --history or --live");
	if (cli.raw && cli.json)
		return cli_usage_error("whois", "give either --raw or --json, not both");
	if (cli.raw && cli.redact)
		return cli_usage_error("whois", "--raw prints the response as received and cannot "
		                                "remove personal data; leave out --raw to use "
		                                "--redact-personal");
	switch (cli.mode) {
	case MODE_SHOW:
	case MODE_HISTORY:
		return run_show(&cli, argc, argv);
	case MODE_REVERSE:
		return run_reverse(&cli, reverse, argc);
	case MODE_IMPORT:
		return run_import(&cli, argc, argv);
	case MODE_PARSE:
		return run_parse(&cli, argc, argv);
	case MODE_LIVE:
		cli.live.json = cli.json;
		cli.live.redact = cli.redact;
		cli.live.raw_out = cli.raw;
		return whois_live_run(&cli.common, &cli.live, argc, argv);
	}
	return DN_EXIT_FAILURE;
}
