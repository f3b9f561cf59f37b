/* The ClickHouse backend: opening, the schema check, writes through the
 * spool, runs and sources. Lookups are in ch_query.c. */
#include "store/clickhouse/ch_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "pdns/name.h"
#include "store/clickhouse/ch_internal.h"
#include "util/interrupt.h"
#include "util/log.h"
#include "util/timeutil.h"

/* One INSERT stays below ClickHouse's default max_insert_block_size
 * (1,048,576 rows), so the server writes it as one block: all or nothing. */
#define PART_MAX_ROWS 500000
#define PART_MAX_BYTES (64u << 20)

static const struct store_ops ch_ops;

void ch_quote(struct ch_buf *out, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	ch_buf_u8(out, '\'');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\'' || c == '\\') {
			ch_buf_u8(out, '\\');
			ch_buf_u8(out, c);
		} else if (c < 0x20 || c >= 0x7f) {
			uint8_t esc[4] = {'\\', 'x', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15]};
			ch_buf_add(out, esc, 4);
		} else {
			ch_buf_u8(out, c);
		}
	}
	ch_buf_u8(out, '\'');
}

static void name_tables(struct ch_store *s)
{
	const char *db = s->loc.database;
	const char *d = s->cluster ? "_d" : "";
	snprintf(s->t_fwd, sizeof(s->t_fwd), "%s.rrset_fwd%s", db, d);
	snprintf(s->t_rev, sizeof(s->t_rev), "%s.rrset_rev%s", db, d);
	snprintf(s->t_neg, sizeof(s->t_neg), "%s.negative%s", db, d);
	/* Runs and sources: see write_copies. */
	const char *meta = s->cluster && s->loc.replicated ? "_d" : "";
	snprintf(s->t_runs, sizeof(s->t_runs), "%s.runs%s", db, meta);
	snprintf(s->t_sources, sizeof(s->t_sources), "%s.sources%s", db, meta);
	snprintf(s->t_rrset_in, sizeof(s->t_rrset_in), "rrset_in%s", d);
	snprintf(s->t_negative_in, sizeof(s->t_negative_in), "negative_in%s", d);
	snprintf(s->t_batches, sizeof(s->t_batches), "%s.batches%s", db, d);
	snprintf(s->t_whois, sizeof(s->t_whois), "%s.whois%s", db, d);
	snprintf(s->t_whois_value, sizeof(s->t_whois_value), "%s.whois_value%s", db, d);
	snprintf(s->t_whois_in, sizeof(s->t_whois_in), "whois_in%s", d);
	snprintf(s->t_whois_value_in, sizeof(s->t_whois_value_in), "whois_value_in%s", d);
	snprintf(s->t_cert, sizeof(s->t_cert), "%s.cert%s", db, d);
	snprintf(s->t_cert_name, sizeof(s->t_cert_name), "%s.cert_name%s", db, d);
	snprintf(s->t_cert_sighting, sizeof(s->t_cert_sighting), "%s.cert_sighting%s", db, d);
	snprintf(s->t_cert_in, sizeof(s->t_cert_in), "cert_in%s", d);
	snprintf(s->t_cert_name_in, sizeof(s->t_cert_name_in), "cert_name_in%s", d);
	snprintf(s->t_cert_sighting_in, sizeof(s->t_cert_sighting_in), "cert_sighting_in%s", d);
	s->parts[CH_PART_RRSETS].table = s->t_rrset_in;
	s->parts[CH_PART_NEGATIVES].table = s->t_negative_in;
	s->parts[CH_PART_RUNS].table = s->cluster && s->loc.replicated ? "runs_d" : "runs";
	s->parts[CH_PART_WHOIS].table = s->t_whois_in;
	s->parts[CH_PART_WHOIS_VALUES].table = s->t_whois_value_in;
	s->parts[CH_PART_CERTS].table = s->t_cert_in;
	s->parts[CH_PART_CERT_NAMES].table = s->t_cert_name_in;
	s->parts[CH_PART_CERT_SIGHTINGS].table = s->t_cert_sighting_in;
	snprintf(s->t_asn_range, sizeof(s->t_asn_range), "%s.asn_range%s", db, d);
	snprintf(s->t_asn_load, sizeof(s->t_asn_load), "%s.asn_load%s", db, d);
	snprintf(s->t_asn_range_in, sizeof(s->t_asn_range_in), "asn_range_in%s", d);
	snprintf(s->t_asn_load_in, sizeof(s->t_asn_load_in), "asn_load_in%s", d);
	s->parts[CH_PART_ASN_RANGES].table = s->t_asn_range_in;
	s->parts[CH_PART_ASN_LOADS].table = s->t_asn_load_in;
}

/* A web server that answers every request with 200 would otherwise look
 * like a ClickHouse server without a dragnet schema. */
static dn_status check_server(struct ch_store *s, struct dn_error *err)
{
	char *version = NULL;
	dn_status rc = ch_http_text(s->http, -1, "asking the server's version", "SELECT version()",
	                            &version, NULL, err);
	if (rc != DN_OK)
		return rc;
	int major = 0, minor = 0;
	bool looks_right = sscanf(version, "%d.%d", &major, &minor) == 2 && major > 0 &&
	                   strspn(version, "0123456789.") == strlen(version);
	/* NOTE: on a cluster, only the server asked here decides how time
	 * limits are written. A shard older than 22.6 behind a newer one may
	 * read a fractional limit as none. */
	ch_http_set_server_version(s->http, major, minor);
	if (!looks_right)
		rc = dn_fail(err, DN_ESTORE,
		             "%s: the server did not answer SELECT version() as ClickHouse does "
		             "(it sent '%.40s'); is it a ClickHouse HTTP port?",
		             s->loc.safe, version);
	free(version);
	return rc;
}

/* On a cluster, every node is listed in the location: the schema is
 * created node by node, as ON CLUSTER needs ZooKeeper. */
static dn_status check_cluster(struct ch_store *s, struct dn_error *err)
{
	char sql[512];
	char *text = NULL;
	snprintf(sql, sizeof(sql), "SELECT count() FROM system.clusters WHERE cluster = '%s'",
	         s->loc.cluster);
	dn_status rc = ch_http_text(s->http, -1, "looking up the cluster", sql, &text, NULL, err);
	if (rc != DN_OK)
		return rc;
	long nodes = atol(text);
	free(text);
	if (nodes == 0)
		return dn_fail(err, DN_ESTORE,
		               "%s: the server knows no cluster '%s' (see remote_servers in its "
		               "configuration)",
		               s->loc.safe, s->loc.cluster);
	if ((size_t)nodes != s->loc.nhosts)
		log_warn("%s: cluster '%s' has %ld nodes and the location lists %zu; the schema "
		         "is created and checked on the listed ones only",
		         s->loc.safe, s->loc.cluster, nodes, s->loc.nhosts);
	return DN_OK;
}

static dn_status check_version(struct ch_store *s, const char *server, int version,
                               struct dn_error *err)
{
	if (version > CH_SCHEMA_VERSION)
		return dn_fail(err, DN_ESCHEMA,
		               "%s: schema version %d on %s is newer than this dragnet knows (%d); "
		               "upgrade dragnet",
		               s->loc.safe, version, server, CH_SCHEMA_VERSION);
	return DN_OK;
}

/* Reading needs the schema where the query goes. Writing creates it where
 * it is missing: on every node of a cluster that answers, as ON CLUSTER
 * would need ZooKeeper; a node that is down is left for 'store init'. */
static dn_status prepare_schema(struct ch_store *s, enum store_mode mode, struct dn_error *err)
{
	int version = 0;
	s->schema_version = CH_SCHEMA_VERSION;
	if (mode == STORE_READ || !s->cluster) {
		dn_status rc = ch_schema_version(s, -1, &version, NULL, err);
		if (rc == DN_OK)
			rc = check_version(s, "the server", version, err);
		if (rc != DN_OK || version == CH_SCHEMA_VERSION)
			return rc;
		/* An older schema is read as it is: the tables it lacks read
		 * as empty, and the next writer adds them. */
		if (mode == STORE_READ && version > 0) {
			s->schema_version = version;
			return DN_OK;
		}
		if (mode == STORE_READ)
			return dn_fail(
			        err, DN_ENOENT,
			        "%s: no dragnet schema there; create it with 'dragnet store init'",
			        s->loc.safe);
		log_info("%s: creating the schema (version %d)", s->loc.safe, CH_SCHEMA_VERSION);
		return ch_schema_create(s, -1, err);
	}

	size_t reached = 0;
	for (size_t i = 0; i < s->loc.nhosts; i++) {
		char server[300];
		ch_host_format(&s->loc.hosts[i], server, sizeof(server));
		enum ch_failure failure;
		dn_status rc = ch_schema_version(s, (int)i, &version, &failure, err);
		if (rc != DN_OK && failure == CH_FAIL_CONNECT) {
			log_warn("%s; its schema is not checked", err->msg);
			continue;
		}
		if (rc == DN_OK)
			rc = check_version(s, server, version, err);
		if (rc != DN_OK)
			return rc;
		reached++;
		if (version == CH_SCHEMA_VERSION)
			continue;
		log_info("%s: creating the schema (version %d) on %s", s->loc.safe,
		         CH_SCHEMA_VERSION, server);
		if ((rc = ch_schema_create(s, (int)i, err)) != DN_OK)
			return rc;
	}
	if (reached == 0)
		return dn_fail(err, DN_ESTORE, "%s: no node of the cluster answers", s->loc.safe);
	return DN_OK;
}

static void ch_close(struct store *store);

dn_status ch_store_open(const char *location, enum store_mode mode,
                        const struct store_options *options, struct store **out,
                        struct dn_error *err)
{
	struct ch_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory opening %s", location);
	s->base.ops = &ch_ops;
	for (size_t i = 0; i < CH_PARTS; i++)
		ch_buf_init(&s->parts[i].buf);
	dn_status rc = ch_location_parse(location, &s->loc, err);
	if (rc == DN_OK)
		rc = ch_http_open(&s->loc, &s->http, err);
	if (rc != DN_OK) {
		ch_close(&s->base);
		return rc;
	}
	s->cluster = s->loc.cluster[0] != '\0';
	s->allow_partial = options != NULL && options->allow_partial;
	name_tables(s);
	s->retry_delay = 1.0;

	rc = check_server(s, err);
	if (rc == DN_OK && s->cluster)
		rc = check_cluster(s, err);
	if (rc == DN_OK)
		rc = prepare_schema(s, mode, err);
	if (rc == DN_OK && mode == STORE_WRITE)
		rc = ch_spool_open(s, err);
	s->writable = rc == DN_OK && mode == STORE_WRITE;
	if (rc != DN_OK) {
		ch_close(&s->base);
		return rc;
	}
	if (mode == STORE_WRITE) {
		bool failed = false;
		size_t left = ch_spool_send(s, &failed);
		if (left > 0)
			log_warn("%s: %zu batches from earlier runs wait in %s: %s", s->loc.safe,
			         left, s->spool_dir, s->last_send_error);
	}
	*out = &s->base;
	return DN_OK;
}

/* Send what the spool holds, retrying for spool_wait seconds; a signal
 * ends the wait. */
static dn_status ch_sync(struct store *store, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (s->spool_dir[0] == '\0')
		return DN_OK;
	double deadline = time_monotonic() + s->loc.spool_wait_s;
	bool failed = false;
	size_t left = ch_spool_send(s, &failed);
	if (left > 0 && s->loc.spool_wait_s > 0 && interrupt_count() == 0)
		log_info("%s: waiting up to %d s for the store to take %zu spooled batches "
		         "(Ctrl-C stops waiting)",
		         s->loc.safe, s->loc.spool_wait_s, left);
	while (left > 0 && time_monotonic() < deadline && interrupt_count() == 0) {
		struct timespec pause = {0, 250 * 1000 * 1000};
		nanosleep(&pause, NULL);
		if (time_monotonic() >= s->retry_at)
			left = ch_spool_send(s, &failed);
	}
	if (left == 0)
		return DN_OK;
	uint64_t batches, bytes;
	ch_spool_count(s, &batches, &bytes);
	return dn_fail(err, DN_ESTORE,
	               "%s: %llu batches (%.1f MiB) wait in %s and are not in the store yet "
	               "(last error: %.200s); the next dragnet command that writes to this store "
	               "sends them",
	               s->loc.safe, (unsigned long long)batches, (double)bytes / 1048576.0,
	               s->spool_dir, s->last_send_error);
}

static void ch_close(struct store *store)
{
	struct ch_store *s = (struct ch_store *)store;
	if (s->in_batch)
		store->ops->rollback(store);
	if (s->spool_dir[0] != '\0' && interrupt_count() < 2) {
		/* One more try without waiting; ch_sync is the call that waits. */
		bool failed = false;
		size_t left = ch_spool_send(s, &failed);
		if (left > 0)
			log_warn("%s: %zu batches wait in %s; the next dragnet command that writes "
			         "to "
			         "this store sends them",
			         s->loc.safe, left, s->spool_dir);
	}
	for (size_t i = 0; i < CH_PARTS; i++)
		ch_buf_free(&s->parts[i].buf);
	ch_spool_free(s);
	ch_http_close(s->http);
	free(s);
}

/* ---- Sources ---- */

static dn_status reject_read_only(const struct ch_store *s, struct dn_error *err)
{
	return dn_fail(err, DN_EINVAL, "%s: the store was opened for reading and takes no writes",
	               s->loc.safe);
}

/* Spool rows of runs or sources. On a cluster without replicas every node
 * keeps all of them, so that an ingest can start while a shard is down,
 * and the rows go once to each node. With replicas they go once through
 * the Distributed table, and replication copies them. now commits them
 * outside the batch. */
static dn_status write_copies(struct ch_store *s, const char *table, const struct ch_buf *rows,
                              bool now, struct dn_error *err)
{
	bool each_node = s->cluster && !s->loc.replicated;
	size_t copies = each_node ? s->loc.nhosts : 1;
	for (size_t i = 0; i < copies; i++) {
		int host = each_node ? (int)i : -1;
		dn_status rc = now ? ch_spool_write_now(s, table, host, rows, err)
		                   : ch_spool_write_part(s, table, host, 0, rows, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

static dn_status ch_source_id(struct store *store, const char *name, const char *kind, uint32_t *id,
                              struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!s->writable)
		return reject_read_only(s, err);
	/* Ids come from a hash of the name, so sensors that write at the same
	 * time agree on them without a sequence. A collision takes the next
	 * free value. */
	uint32_t want = (uint32_t)XXH3_64bits(name, strlen(name));
	for (int attempt = 0; attempt < 64; attempt++, want++) {
		if (want == 0)
			want = 1;
		/* The comparison runs in the server, as names come back escaped
		 * in text formats: "1" is this source, "0" another one, "" free. */
		struct ch_buf sql;
		ch_buf_init(&sql);
		char head[64];
		snprintf(head, sizeof(head), "SELECT name = ");
		ch_buf_add(&sql, head, strlen(head));
		ch_quote(&sql, name, strlen(name));
		char tail[300];
		snprintf(tail, sizeof(tail), " FROM %s WHERE id = %u LIMIT 1", s->t_sources, want);
		ch_buf_add(&sql, tail, strlen(tail) + 1);
		char *found = NULL;
		dn_status rc = sql.ok ? ch_http_text(s->http, -1, "looking up a source",
		                                     (const char *)sql.data, &found, NULL, err)
		                      : dn_fail(err, DN_ENOMEM, "out of memory");
		ch_buf_free(&sql);
		if (rc != DN_OK)
			return rc;
		bool taken = found[0] != '\0';
		bool same = strcmp(found, "1") == 0;
		free(found);
		if (same) {
			*id = want;
			return DN_OK;
		}
		if (taken)
			continue;

		struct ch_buf row;
		ch_buf_init(&row);
		ch_buf_u32(&row, want);
		ch_buf_str(&row, name, strlen(name));
		ch_buf_str(&row, kind, strlen(kind));
		ch_buf_i64(&row, time_now());
		const char *table = s->cluster && s->loc.replicated ? "sources_d" : "sources";
		rc = row.ok ? write_copies(s, table, &row, true, err)
		            : dn_fail(err, DN_ENOMEM, "out of memory");
		ch_buf_free(&row);
		if (rc == DN_OK) {
			*id = want;
			bool failed;
			ch_spool_send(s, &failed);
		}
		return rc;
	}
	return dn_fail(err, DN_ESTORE, "%s: no free id for source '%s'", s->loc.safe, name);
}

/* ---- Batches ---- */

static dn_status ch_begin(struct store *store, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!s->writable)
		return reject_read_only(s, err);
	for (size_t i = 0; i < CH_PARTS; i++) {
		ch_buf_reset(&s->parts[i].buf);
		s->parts[i].rows = 0;
		s->parts[i].batch = 0;
	}
	s->in_batch = true;
	return DN_OK;
}

static dn_status flush_part(struct ch_store *s, struct ch_part_writer *w, struct dn_error *err)
{
	dn_status rc = w == &s->parts[CH_PART_RUNS]
	                       ? write_copies(s, w->table, &w->buf, false, err)
	                       : ch_spool_write_part(s, w->table, -1, w->batch, &w->buf, err);
	ch_buf_reset(&w->buf);
	w->rows = 0;
	w->batch = 0;
	return rc;
}

/* The id that marks every row of a part, so that a part sent again after a
 * crash is recognised in the batches table. */
static uint64_t part_batch(struct ch_part_writer *w)
{
	while (w->batch == 0) {
		if (getrandom(&w->batch, sizeof(w->batch), 0) != sizeof(w->batch)) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			w->batch = XXH3_64bits(&ts, sizeof(ts)) ^ (uint64_t)getpid();
		}
	}
	return w->batch;
}

dn_status ch_end_row(struct ch_store *s, struct ch_part_writer *w, struct dn_error *err)
{
	if (!w->buf.ok)
		return dn_fail(err, DN_ENOMEM, "out of memory batching rows for %s", s->loc.safe);
	w->rows++;
	if (w->rows >= PART_MAX_ROWS || w->buf.len >= PART_MAX_BYTES)
		return flush_part(s, w, err);
	return DN_OK;
}

static void add_cstr(struct ch_buf *b, const char *s)
{
	ch_buf_str(b, s, strlen(s));
}

void ch_add_figures(struct ch_part_writer *w, int64_t first, int64_t last, uint64_t count,
                    uint32_t source_id)
{
	ch_buf_i64(&w->buf, first);
	ch_buf_i64(&w->buf, last);
	ch_buf_u64(&w->buf, count);
	ch_buf_u32(&w->buf, source_id);
	ch_add_batch(w);
}

void ch_add_batch(struct ch_part_writer *w)
{
	ch_buf_u64(&w->buf, part_batch(w));
}

static dn_status ch_put_rrsets(struct store *store, const struct pdns_record *recs, size_t n,
                               struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct ch_part_writer *w = &s->parts[CH_PART_RRSETS];
	char rev[PDNS_NAME_BUF];
	char key[PDNS_NAME_BUF + 1];
	for (size_t i = 0; i < n; i++) {
		const struct pdns_record *r = &recs[i];
		struct ch_buf *b = &w->buf;
		add_cstr(b, r->rrname);
		pdns_name_reverse(r->rrname, rev, sizeof(rev));
		add_cstr(b, rev);
		ch_buf_u16(b, r->rrtype);
		add_cstr(b, r->bailiwick);
		add_cstr(b, r->rdata);
		if (r->has_ip) {
			key[0] = 'I';
			memcpy(key + 1, r->ip.b, 16);
			ch_buf_str(b, key, 17);
		} else if (r->rdata_name != NULL) {
			key[0] = 'N';
			pdns_name_reverse(r->rdata_name, key + 1, sizeof(key) - 1);
			add_cstr(b, key);
		} else {
			ch_buf_str(b, "", 0);
		}
		add_cstr(b, r->rdata_name != NULL ? r->rdata_name : "");
		ch_add_figures(w, r->time_first, r->time_last, r->count, r->source_id);
		dn_status rc = ch_end_row(s, w, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

static dn_status ch_put_negatives(struct store *store, const struct pdns_negative *recs, size_t n,
                                  struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct ch_part_writer *w = &s->parts[CH_PART_NEGATIVES];
	char rev[PDNS_NAME_BUF];
	for (size_t i = 0; i < n; i++) {
		const struct pdns_negative *r = &recs[i];
		struct ch_buf *b = &w->buf;
		add_cstr(b, r->qname);
		pdns_name_reverse(r->qname, rev, sizeof(rev));
		add_cstr(b, rev);
		ch_buf_u16(b, r->qtype);
		ch_buf_u16(b, r->rcode);
		add_cstr(b, r->bailiwick);
		ch_add_figures(w, r->time_first, r->time_last, r->count, r->source_id);
		dn_status rc = ch_end_row(s, w, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static dn_status ch_put_run(struct store *store, struct store_run *run, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	/* Run ids grow with time, so the latest run of an input has the
	 * largest id, as in SQLite. Every update is a new version of the row. */
	if (run->id == 0)
		run->id = now_ns();
	uint64_t version = (uint64_t)now_ns();
	if (version <= s->run_version)
		version = s->run_version + 1;
	s->run_version = version;

	struct ch_part_writer *w = &s->parts[CH_PART_RUNS];
	struct ch_buf *b = &w->buf;
	ch_buf_i64(b, run->id);
	ch_buf_u64(b, version);
	ch_buf_u32(b, run->source_id);
	add_cstr(b, run->input);
	ch_buf_i64(b, run->size);
	ch_buf_i64(b, run->mtime_ns);
	ch_buf_i64(b, run->owner);
	ch_buf_i64(b, run->started);
	ch_buf_i64(b, run->updated);
	ch_buf_u8(b, run->finished ? 1 : 0);
	ch_buf_u64(b, run->packets);
	ch_buf_u64(b, run->messages);
	ch_buf_u64(b, run->records);
	ch_buf_u64(b, run->errors);
	return ch_end_row(s, w, err);
}

static dn_status ch_commit(struct store *store, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!s->writable)
		return reject_read_only(s, err);
	dn_status rc = DN_OK;
	for (size_t i = 0; i < CH_PARTS && rc == DN_OK; i++)
		if (s->parts[i].rows > 0)
			rc = flush_part(s, &s->parts[i], err);
	if (rc == DN_OK)
		rc = ch_spool_commit(s, err);
	if (rc != DN_OK)
		return rc;
	s->in_batch = false;

	/* The batch is safe in the spool; sending it may wait for the store. */
	if (time_monotonic() >= s->retry_at) {
		bool failed = false;
		ch_spool_send(s, &failed);
	}
	return DN_OK;
}

static void ch_rollback(struct store *store)
{
	struct ch_store *s = (struct ch_store *)store;
	ch_spool_discard(s);
	for (size_t i = 0; i < CH_PARTS; i++) {
		ch_buf_reset(&s->parts[i].buf);
		s->parts[i].rows = 0;
		s->parts[i].batch = 0;
	}
	s->in_batch = false;
}

/* ---- Health ---- */

static const char *ch_query_note(struct store *store)
{
	struct ch_store *s = (struct ch_store *)store;
	return s->note[0] != '\0' ? s->note : NULL;
}

static bool ch_set_deadline(struct store *store, int64_t deadline_ns)
{
	struct ch_store *s = (struct ch_store *)store;
	return ch_http_set_deadline(s->http, deadline_ns);
}

static dn_status ch_status(struct store *store, struct store_status *st, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	(void)err;
	memset(st, 0, sizeof(*st));
	snprintf(st->backend, sizeof(st->backend), "clickhouse");
	snprintf(st->location, sizeof(st->location), "%.1000s", s->loc.safe);
	st->schema_expected = CH_SCHEMA_VERSION;
	st->schema_version = -1;
	for (size_t i = 0; i < s->loc.nhosts && i < 16; i++) {
		struct store_node_status *node = &st->nodes[st->nnodes++];
		ch_host_format(&s->loc.hosts[i], node->name, sizeof(node->name));
		snprintf(node->role, sizeof(node->role), "%s",
		         s->cluster ? "cluster node" : "server");
		struct dn_error e = {0};
		char *version = NULL;
		if (ch_http_text(s->http, (int)i, "asking the version", "SELECT version()",
		                 &version, NULL, &e) != DN_OK) {
			snprintf(node->message, sizeof(node->message), "%.250s", e.msg);
			continue;
		}
		int schema = 0;
		if (ch_schema_version(s, (int)i, &schema, NULL, &e) != DN_OK) {
			snprintf(node->message, sizeof(node->message), "%.250s", e.msg);
			free(version);
			continue;
		}
		node->ok = schema == CH_SCHEMA_VERSION;
		snprintf(node->message, sizeof(node->message), "ClickHouse %s, schema version %d",
		         version, schema);
		free(version);
		if (st->schema_version < 0 || schema < st->schema_version)
			st->schema_version = schema;
		if (!s->cluster)
			break;
	}
	if (st->schema_version < 0)
		st->schema_version = 0;
	/* A store opened for reading has not set up its spool; the folder a
	 * writer would use is found the same way. */
	char spool[sizeof(s->spool_dir)];
	snprintf(spool, sizeof(spool), "%s", s->spool_dir);
	struct dn_error ignored;
	if (s->spool_dir[0] != '\0' || ch_spool_path(s, &ignored) == DN_OK) {
		snprintf(st->spool_dir, sizeof(st->spool_dir), "%s", s->spool_dir);
		ch_spool_count(s, &st->spool_batches, &st->spool_bytes);
	}
	/* close() sends what a writer left only when spool_dir was set at open. */
	snprintf(s->spool_dir, sizeof(s->spool_dir), "%s", spool);
	return DN_OK;
}

static const struct store_ops ch_ops = {
        .name = "clickhouse",
        .close = ch_close,
        .source_id = ch_source_id,
        .begin = ch_begin,
        .put_rrsets = ch_put_rrsets,
        .put_negatives = ch_put_negatives,
        .put_run = ch_put_run,
        .find_run = ch_find_run,
        .commit = ch_commit,
        .rollback = ch_rollback,
        .sync = ch_sync,
        .query_rrsets = ch_query_rrsets,
        .query_negatives = ch_query_negatives,
        .stats = ch_stats,
        .query_note = ch_query_note,
        .set_deadline = ch_set_deadline,
        .status = ch_status,
        .dump_rrsets = ch_dump_rrsets,
        .dump_negatives = ch_dump_negatives,
        .list_sources = ch_list_sources,
        .list_runs = ch_list_runs,
        .put_whois = ch_put_whois,
        .put_whois_values = ch_put_whois_values,
        .query_whois = ch_query_whois,
        .query_whois_values = ch_query_whois_values,
        .count_whois_value = ch_count_whois_value,
        .dump_whois_values = ch_dump_whois_values,
        .dump_whois = ch_dump_whois,
        .put_certs = ch_put_certs,
        .put_cert_names = ch_put_cert_names,
        .put_cert_sightings = ch_put_cert_sightings,
        .query_certs = ch_query_certs,
        .query_cert_sightings = ch_query_cert_sightings,
        .group_cert_names = ch_group_cert_names,
        .dump_certs = ch_dump_certs,
        .dump_cert_names = ch_dump_cert_names,
        .dump_cert_sightings = ch_dump_cert_sightings,
        .put_asn_ranges = ch_put_asn_ranges,
        .put_asn_load = ch_put_asn_load,
        .query_asn_ranges = ch_query_asn_ranges,
        .list_asn_loads = ch_list_asn_loads,
        .query_asn_at = ch_query_asn_at,
};
