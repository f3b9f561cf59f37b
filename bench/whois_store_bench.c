/*
 * whois_store_bench: times writing synthetic WHOIS documents and their index
 * values through store.h (put_whois, put_whois_values), then a sample of
 * lookups by domain, by value and by value prefix.
 *
 * Data model (a function of --seed): document i is for domain
 * "dNNNNNNN.example" and carries --values index values: registrant email,
 * name, organisation, phone and address, admin and tech email, registrar
 * and nameservers, in that order. Emails come from a pool of documents / 3
 * addresses, so many are shared; registrars from 40, nameservers from 2,000.
 * 30% of documents use a privacy service, whose values are masked and
 * shared by all of them. Each document has a JSON text of about 500 bytes
 * and a raw response of about 1.6 KB (the values as "Key: value" lines and
 * a fixed legal notice). Documents are generated before the clock starts;
 * the time covers begin, both puts and commit, per --batch documents.
 *
 * stdout gets a Markdown report.
 */

#include <err.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"
#include "store/store.h"

#define MAX_VALUES 12

struct options {
	const char *store;
	size_t documents;
	size_t values;
	size_t batch;
	size_t queries;
	uint64_t seed;
};

struct generated {
	struct store_whois *docs;
	struct store_whois_value *values; /* documents * options.values */
	char *text;                       /* every string, NUL-separated */
	size_t text_used, text_cap;
	size_t raw_bytes;
};

static const char notice[] =
	"URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/\r\n"
	">>> Last update of WHOIS database: 2024-05-01T00:00:00Z <<<\r\n\r\n"
	"For more information on Whois status codes, please visit https://icann.org/epp\r\n\r\n"
	"NOTICE: The expiration date displayed in this record is the date the registrar's "
	"sponsorship of the domain name registration in the registry is currently set to "
	"expire. This date does not necessarily reflect the expiration date of the domain "
	"name registrant's agreement with the sponsoring registrar. Users may consult the "
	"sponsoring registrar's Whois database to view the registrar's reported date of "
	"expiration for this registration.\r\n\r\n"
	"TERMS OF USE: You are not authorized to access or query our Whois database through "
	"the use of electronic processes that are high-volume and automated except as "
	"reasonably necessary to register domain names or modify existing registrations.\r\n";

/* Make room for len more bytes, so that pointers into the pool stay valid
 * while they are formatted into it. */
static void reserve(struct generated *g, size_t len)
{
	if (g->text_used + len <= g->text_cap)
		return;
	size_t cap = g->text_cap > 0 ? g->text_cap * 2 : 1 << 20;
	while (cap < g->text_used + len)
		cap *= 2;
	g->text = realloc(g->text, cap);
	if (g->text == NULL)
		err(1, "out of memory generating %zu bytes of text", cap);
	g->text_cap = cap;
}

/* Append a formatted string to the text pool; returns its offset. */
static size_t add_text(struct generated *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t add_text(struct generated *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	reserve(g, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(g->text + g->text_used, (size_t)n + 1, fmt, ap);
	va_end(ap);
	size_t at = g->text_used;
	g->text_used += (size_t)n + 1;
	return at;
}

/* Offsets into the pool, made pointers once it stops moving. */
struct doc_offsets {
	size_t domain, document, raw;
	size_t kind[MAX_VALUES], value[MAX_VALUES], role[MAX_VALUES];
};

static const char *const kinds[MAX_VALUES] = {
	"email", "name", "org", "phone", "address", "email",
	"email", "registrar", "nameserver", "nameserver", "email", "phone",
};
static const char *const roles[MAX_VALUES] = {
	"registrant", "registrant", "registrant", "registrant", "registrant", "admin",
	"tech", "registrar", "domain", "domain", "billing", "tech",
};

static void make_value(struct generated *g, struct rng *r, size_t docs, size_t j, bool privacy,
                       struct doc_offsets *o)
{
	uint64_t x = rng_next(r);
	o->kind[j] = add_text(g, "%s", kinds[j]);
	o->role[j] = add_text(g, "%s", roles[j]);
	const char *kind = kinds[j];
	if (strcmp(kind, "registrar") == 0)
		o->value[j] = add_text(g, "example registrar %u", (unsigned)(x % 40));
	else if (strcmp(kind, "nameserver") == 0)
		o->value[j] = add_text(g, "ns%u.dns-host-%u.example", (unsigned)(j - 7),
		                       (unsigned)(x % 2000));
	else if (privacy)
		o->value[j] = add_text(g, "privacy-service %s", kind);
	else if (strcmp(kind, "email") == 0)
		o->value[j] = add_text(g, "contact%llu@mail-%u.example",
		                       (unsigned long long)(x % (docs / 3 + 1)), (unsigned)(x % 97));
	else if (strcmp(kind, "phone") == 0)
		o->value[j] = add_text(g, "+1.555%07u", (unsigned)(x % 10000000));
	else
		o->value[j] = add_text(g, "%s %llu", kind, (unsigned long long)(x % (docs / 2 + 1)));
}

static void generate(const struct options *opt, struct generated *g)
{
	struct rng r;
	rng_seed(&r, opt->seed);
	struct doc_offsets *offsets = calloc(opt->documents, sizeof(*offsets));
	g->docs = calloc(opt->documents, sizeof(*g->docs));
	g->values = calloc(opt->documents * opt->values, sizeof(*g->values));
	if (offsets == NULL || g->docs == NULL || g->values == NULL)
		err(1, "out of memory for %zu documents", opt->documents);

	for (size_t i = 0; i < opt->documents; i++) {
		struct doc_offsets *o = &offsets[i];
		bool privacy = rng_next(&r) % 10 < 3;
		o->domain = add_text(g, "d%07zu.example", i);
		for (size_t j = 0; j < opt->values; j++)
			make_value(g, &r, opt->documents, j, privacy, o);
		/* The JSON and the raw text quote the values generated above,
		 * through pointers that reserve() keeps valid. */
		reserve(g, 16384);
		const char *t = g->text;
		o->document = add_text(
		        g,
		        "{\"domain\":\"d%07zu.example\",\"status\":\"found\",\"registrar\":\"%s\","
		        "\"created\":\"2019-03-%02u\",\"expires\":\"2026-03-%02u\","
		        "\"nameservers\":[\"%s\",\"%s\"],\"contacts\":{\"registrant\":{\"email\":"
		        "\"%s\",\"name\":\"%s\",\"org\":\"%s\",\"phone\":\"%s\",\"address\":\"%s\"},"
		        "\"admin\":{\"email\":\"%s\"},\"tech\":{\"email\":\"%s\"}},"
		        "\"statuses\":[\"clientTransferProhibited\"],\"privacy\":%s}",
		        i, t + o->value[7], (unsigned)(i % 28 + 1), (unsigned)(i % 28 + 1),
		        t + o->value[8], t + o->value[9], t + o->value[0], t + o->value[1],
		        t + o->value[2], t + o->value[3], t + o->value[4], t + o->value[5],
		        t + o->value[6], privacy ? "true" : "false");
		o->raw = add_text(
		        g,
		        "Domain Name: D%07zu.EXAMPLE\r\nRegistry Domain ID: %llu_DOMAIN_COM-VRSN\r\n"
		        "Registrar: %s\r\nCreation Date: 2019-03-%02uT10:00:00Z\r\n"
		        "Registrant Name: %s\r\nRegistrant Organization: %s\r\n"
		        "Registrant Phone: %s\r\nRegistrant Email: %s\r\nAdmin Email: %s\r\n"
		        "Tech Email: %s\r\nName Server: %s\r\nName Server: %s\r\n"
		        "Domain Status: clientTransferProhibited\r\n%s",
		        i, (unsigned long long)rng_next(&r) % 1000000000, t + o->value[7],
		        (unsigned)(i % 28 + 1), t + o->value[1], t + o->value[2], t + o->value[3],
		        t + o->value[0], t + o->value[5], t + o->value[6], t + o->value[8],
		        t + o->value[9], notice);
		g->docs[i].time_first = 1700000000 + (int64_t)i;
		g->docs[i].time_last = g->docs[i].time_first;
		g->docs[i].count = 1;
		for (size_t j = 0; j < opt->values; j++)
			g->values[i * opt->values + j].masked = privacy && j < 7;
	}

	for (size_t i = 0; i < opt->documents; i++) {
		const struct doc_offsets *o = &offsets[i];
		struct store_whois *d = &g->docs[i];
		d->domain = g->text + o->domain;
		d->status = "found";
		d->document = g->text + o->document;
		d->raw = g->text + o->raw;
		g->raw_bytes += strlen(d->raw);
		for (size_t j = 0; j < opt->values; j++) {
			struct store_whois_value *v = &g->values[i * opt->values + j];
			v->kind = g->text + o->kind[j];
			v->value = g->text + o->value[j];
			v->shown = v->value;
			v->domain = d->domain;
			v->role = g->text + o->role[j];
			v->time_first = d->time_first;
			v->time_last = d->time_last;
		}
	}
	free(offsets);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void check(dn_status rc, const struct dn_error *e, const char *what)
{
	if (rc != DN_OK)
		errx(1, "%s: %s", what, e->msg);
}

static dn_status count_doc(const struct store_whois *doc, void *ctx)
{
	(void)doc;
	(*(size_t *)ctx)++;
	return DN_OK;
}

static dn_status count_val(const struct store_whois_value *v, void *ctx)
{
	(void)v;
	(*(size_t *)ctx)++;
	return DN_OK;
}

static void write_all(struct store *s, const struct options *opt, const struct generated *g,
                      uint32_t source)
{
	struct dn_error e = {0};
	double wall = now_s(), cpu = cpu_s();
	for (size_t at = 0; at < opt->documents; at += opt->batch) {
		size_t n = opt->documents - at < opt->batch ? opt->documents - at : opt->batch;
		for (size_t i = at; i < at + n; i++)
			g->docs[i].source_id = source;
		check(store_begin(s, &e), &e, "begin");
		check(store_put_whois(s, g->docs + at, n, &e), &e, "put_whois");
		check(store_put_whois_values(s, g->values + at * opt->values, n * opt->values, &e),
		      &e, "put_whois_values");
		check(store_commit(s, &e), &e, "commit");
	}
	check(store_sync(s, &e), &e, "sync");
	wall = now_s() - wall;
	cpu = cpu_s() - cpu;
	size_t values = opt->documents * opt->values;
	printf("| documents | values | batch | wall s | CPU s | documents/s (wall) | "
	       "documents/s (CPU) | values/s (wall) |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	printf("| %zu | %zu | %zu | %.2f | %.2f | %.0f | %.0f | %.0f |\n\n", opt->documents, values,
	       opt->batch, wall, cpu, (double)opt->documents / wall, (double)opt->documents / cpu,
	       (double)values / wall);
}

static void time_lookups(struct store *s, const struct options *opt, const struct generated *g)
{
	struct dn_error e = {0};
	struct rng r;
	rng_seed(&r, opt->seed ^ 0x5157);
	double t_doc = 0, t_exact = 0, t_prefix = 0, t_count = 0;
	size_t rows_doc = 0, rows_exact = 0, rows_prefix = 0;
	for (size_t q = 0; q < opt->queries; q++) {
		const struct store_whois *d = &g->docs[rng_next(&r) % opt->documents];
		const struct store_whois_value *v =
		        &g->values[(size_t)(rng_next(&r) % (opt->documents * opt->values))];
		double t = now_s();
		check(store_query_whois(s, d->domain, false, true, count_doc, &rows_doc, &e), &e,
		      "query_whois");
		t_doc += now_s() - t;

		struct store_whois_lookup exact = {.kind = v->kind, .value = v->value, .limit = 1000};
		t = now_s();
		check(store_query_whois_values(s, &exact, count_val, &rows_exact, &e), &e,
		      "query_whois_values");
		t_exact += now_s() - t;

		char prefix[16];
		snprintf(prefix, sizeof(prefix), "%.9s", v->value);
		struct store_whois_lookup range = {
		        .kind = v->kind, .value = prefix, .prefix = true, .limit = 100};
		t = now_s();
		check(store_query_whois_values(s, &range, count_val, &rows_prefix, &e), &e,
		      "query_whois_values");
		t_prefix += now_s() - t;

		uint64_t domains;
		t = now_s();
		check(store_count_whois_value(s, v->kind, v->value, &domains, &e), &e,
		      "count_whois_value");
		t_count += now_s() - t;
	}
	double n = (double)opt->queries;
	printf("| lookup | queries | rows | mean ms |\n|---|---:|---:|---:|\n");
	printf("| documents of a domain, with raw | %zu | %zu | %.3f |\n", opt->queries, rows_doc,
	       t_doc / n * 1e3);
	printf("| exact value (limit 1000) | %zu | %zu | %.3f |\n", opt->queries, rows_exact,
	       t_exact / n * 1e3);
	printf("| 9-byte prefix (limit 100) | %zu | %zu | %.3f |\n", opt->queries, rows_prefix,
	       t_prefix / n * 1e3);
	printf("| count of domains of a value | %zu | - | %.3f |\n\n", opt->queries,
	       t_count / n * 1e3);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: whois_store_bench --store LOCATION [-n DOCUMENTS] [--values N]\n"
	        "                         [--batch DOCUMENTS] [--queries N] [--seed N]\n"
	        "Writes DOCUMENTS (default 100000) synthetic WHOIS documents with N (default\n"
	        "10, from 10 to %d) index values each, --batch (default 5000) per transaction,\n"
	        "then times --queries (default 1000) lookups of each kind.\n",
	        MAX_VALUES);
	exit(2);
}

int main(int argc, char **argv)
{
	struct options opt = {NULL, 100000, 10, 5000, 1000, 1};
	static const struct option longopts[] = {
	        {"store", required_argument, NULL, 's'}, {"values", required_argument, NULL, 'v'},
	        {"batch", required_argument, NULL, 'b'}, {"queries", required_argument, NULL, 'q'},
	        {"seed", required_argument, NULL, 'S'},  {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.store = optarg;
			break;
		case 'n':
			opt.documents = strtoull(optarg, NULL, 10);
			break;
		case 'v':
			opt.values = strtoull(optarg, NULL, 10);
			break;
		case 'b':
			opt.batch = strtoull(optarg, NULL, 10);
			break;
		case 'q':
			opt.queries = strtoull(optarg, NULL, 10);
			break;
		case 'S':
			opt.seed = strtoull(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	/* The document text quotes the first ten values. */
	if (opt.store == NULL || opt.documents == 0 || opt.values < 10 ||
	    opt.values > MAX_VALUES || opt.batch == 0)
		usage();

	struct generated g = {0};
	generate(&opt, &g);

	struct store *s = NULL;
	struct dn_error e = {0};
	check(store_open(opt.store, STORE_WRITE, NULL, &s, &e), &e, "store_open");
	uint32_t source = 0;
	check(store_source_id(s, "whois-bench", "provider", &source, &e), &e, "source_id");
	printf("# whois_store_bench on %s\n\n", opt.store);
	printf("raw responses: %.1f MB, %.0f bytes each on average\n\n",
	       (double)g.raw_bytes / 1e6, (double)g.raw_bytes / (double)opt.documents);
	write_all(s, &opt, &g, source);
	if (opt.queries > 0)
		time_lookups(s, &opt, &g);
	store_close(s);

	struct stat st;
	if (strstr(opt.store, "://") == NULL && stat(opt.store, &st) == 0)
		printf("database file: %.1f MB\n", (double)st.st_size / 1e6);
	free(g.docs);
	free(g.values);
	free(g.text);
	return 0;
}
