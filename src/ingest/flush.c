/* Writing the aggregate to the store: wire form to presentation form, in
 * batches, inside one transaction per flush. */
#include "ingest/flush.h"

#include <stdlib.h>
#include <string.h>

#include "dns/rdata.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Records handed to the store per call; the transaction spans all of them. */
#define FLUSH_BATCH 65536

struct flush_ctx {
	struct store *store;
	struct dn_error *err;
	struct arena text;  /* strings of the records in the current batches */
	struct pdns_record rrsets[FLUSH_BATCH];
	size_t nrrsets;
	struct pdns_negative negatives[FLUSH_BATCH];
	size_t nnegatives;
	char *rdata_buf;
	size_t rdata_size;
	uint64_t rrsets_written;
	uint64_t negatives_written;
};

static dn_status write_batches(struct flush_ctx *f)
{
	dn_status rc = DN_OK;
	if (f->nrrsets > 0)
		rc = store_put_rrsets(f->store, f->rrsets, f->nrrsets, f->err);
	if (rc == DN_OK && f->nnegatives > 0)
		rc = store_put_negatives(f->store, f->negatives, f->nnegatives, f->err);
	f->rrsets_written += f->nrrsets;
	f->negatives_written += f->nnegatives;
	f->nrrsets = 0;
	f->nnegatives = 0;
	arena_reset(&f->text);
	return rc;
}

/* Copy a wire name into the arena in presentation form; "" for NULL. */
static const char *name_text(struct flush_ctx *f, const uint8_t *wire)
{
	if (wire == NULL)
		return "";
	char buf[DNS_NAME_TEXT_MAX];
	size_t len = dns_name_format(wire, buf, sizeof(buf));
	if (len == 0)
		return NULL;
	return arena_dup(&f->text, buf, len + 1);
}

static dn_status add_rrset(struct flush_ctx *f, const struct pdns_agg_entry *e)
{
	const struct pdns_obs *o = &e->obs;
	struct pdns_record *r = &f->rrsets[f->nrrsets];
	memset(r, 0, sizeof(*r));

	r->rrname = name_text(f, o->owner);
	r->bailiwick = name_text(f, o->bailiwick);
	long len = dns_rdata_format(o->rrtype, o->rdata, (uint16_t)o->rdata_len, &f->rdata_buf,
	                            &f->rdata_size);
	if (r->rrname == NULL || r->bailiwick == NULL || len < 0)
		return dn_fail(f->err, DN_ENOMEM, "out of memory formatting a record");
	r->rdata = arena_dup(&f->text, f->rdata_buf, (size_t)len + 1);

	size_t target_len;
	const uint8_t *target =
		dns_rdata_target(o->rrtype, o->rdata, (uint16_t)o->rdata_len, &target_len);
	if (target != NULL)
		r->rdata_name = name_text(f, target);
	r->has_ip = dns_rdata_ip(o->rrtype, o->rdata, (uint16_t)o->rdata_len, &r->ip);

	if (r->rdata == NULL || (target != NULL && r->rdata_name == NULL))
		return dn_fail(f->err, DN_ENOMEM, "out of memory formatting a record");
	r->rrtype = o->rrtype;
	r->time_first = e->time_first;
	r->time_last = e->time_last;
	r->count = e->count;
	r->source_id = o->source_id;
	f->nrrsets++;
	return DN_OK;
}

static dn_status add_negative(struct flush_ctx *f, const struct pdns_agg_entry *e)
{
	const struct pdns_obs *o = &e->obs;
	struct pdns_negative *n = &f->negatives[f->nnegatives];
	memset(n, 0, sizeof(*n));
	n->qname = name_text(f, o->owner);
	n->bailiwick = name_text(f, o->bailiwick);
	if (n->qname == NULL || n->bailiwick == NULL)
		return dn_fail(f->err, DN_ENOMEM, "out of memory formatting a negative answer");
	n->qtype = o->rrtype;
	n->rcode = o->rcode;
	n->time_first = e->time_first;
	n->time_last = e->time_last;
	n->count = e->count;
	n->source_id = o->source_id;
	f->nnegatives++;
	return DN_OK;
}

static dn_status flush_entry(const struct pdns_agg_entry *e, void *ctx)
{
	struct flush_ctx *f = ctx;
	if (f->nrrsets == FLUSH_BATCH || f->nnegatives == FLUSH_BATCH) {
		dn_status rc = write_batches(f);
		if (rc != DN_OK)
			return rc;
	}
	if (e->obs.kind == PDNS_KIND_NEGATIVE)
		return add_negative(f, e);
	return add_rrset(f, e);
}

dn_status ingest_flush_aggregate(struct store *store, struct pdns_agg *agg, struct store_run *run,
                                 struct flush_result *result, struct dn_error *err)
{
	memset(result, 0, sizeof(*result));
	struct flush_ctx *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory starting a flush");
	f->store = store;
	f->err = err;
	arena_init(&f->text, 1 << 20);

	double started = time_monotonic();
	dn_status rc = store_begin(store, err);
	if (rc == DN_OK)
		rc = pdns_agg_foreach(agg, flush_entry, f);
	if (rc == DN_OK)
		rc = write_batches(f);
	if (rc == DN_OK && run != NULL)
		rc = store_put_run(store, run, err);
	double committing = time_monotonic();
	if (rc == DN_OK)
		rc = store_commit(store, err);
	log_debug("flush: %llu records written in %.2f s, committed in %.2f s",
	          (unsigned long long)(f->rrsets_written + f->negatives_written),
	          committing - started, time_monotonic() - committing);
	if (rc != DN_OK)
		store_rollback(store);
	else {
		result->rrsets = f->rrsets_written;
		result->negatives = f->negatives_written;
	}

	arena_free(&f->text);
	free(f->rdata_buf);
	free(f);
	return rc;
}
