/* Registrant correlation: registration bursts, groups formed by the link
 * items, corroborating items attached per group, and group confidence. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/registrants_internal.h"
#include "whois/normalize.h"
#include "whois/record.h"

/* A burst only corroborates, so its weight is small. */
#define BURST_WEIGHT 0.1

#define NO_GROUP UINT32_MAX

/* Bursts. */

struct rg_domain_info {
	const char *registrar;   /* normalised like an organisation */
	const char *shown;
	int64_t created;
};

static int cmp_by_registrar_time(const void *a, const void *b, void *arg)
{
	const struct rg_domain_info *info = arg;
	const struct rg_domain_info *x = &info[*(const uint32_t *)a];
	const struct rg_domain_info *y = &info[*(const uint32_t *)b];
	int c = strcmp(x->registrar, y->registrar);
	if (c != 0)
		return c;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return rg_cmp_u32(a, b);
}

/* Registrar and creation time per domain id, from the caller's list; a
 * domain listed twice keeps its earliest creation. */
static struct rg_domain_info *domain_info(struct rg_ctx *ctx,
                                          const struct registrants_domain *domains, size_t n)
{
	size_t k = ctx->n_domain_names;
	struct rg_domain_info *info = arena_alloc(&ctx->scratch, (k > 0 ? k : 1) * sizeof(*info));
	if (info == NULL)
		return NULL;
	for (size_t i = 0; i < k; i++)
		info[i] = (struct rg_domain_info){NULL, NULL, WHOIS_TIME_UNSET};
	for (size_t i = 0; i < n; i++) {
		char key[WHOIS_KEY_MAX];
		struct rg_domain_info *d = &info[rg_domain_id(ctx, domains[i].domain)];
		if (domains[i].registrar == NULL || domains[i].created == WHOIS_TIME_UNSET ||
		    !whois_norm_org(domains[i].registrar, key, sizeof(key)))
			continue;
		if (d->registrar != NULL && d->created <= domains[i].created)
			continue;
		d->registrar = rg_strdup(&ctx->scratch, key);
		d->shown = rg_strdup(&ctx->res->arena, domains[i].registrar);
		d->created = domains[i].created;
		if (d->registrar == NULL || d->shown == NULL)
			return NULL;
	}
	return info;
}

/* Add a burst item (skipped: it is only attached to groups) for each run of
 * at least burst_min domains at one registrar whose neighbouring creation
 * times are at most burst_gap apart. */
static dn_status add_bursts(struct rg_ctx *ctx, const struct rg_domain_info *info)
{
	size_t k = 0;
	uint32_t *order = arena_alloc(&ctx->scratch, (ctx->n_domain_names + 1) * sizeof(*order));
	if (order == NULL)
		return DN_ENOMEM;
	for (uint32_t i = 0; i < ctx->n_domain_names; i++) {
		if (info[i].registrar != NULL)
			order[k++] = i;
	}
	qsort_r(order, k, sizeof(*order), cmp_by_registrar_time, (void *)info);

	size_t min = ctx->opt.burst_min > 2 ? ctx->opt.burst_min : 2;
	for (size_t start = 0; start < k;) {
		size_t end = start + 1;
		while (end < k && strcmp(info[order[end]].registrar, info[order[start]].registrar) == 0 &&
		       info[order[end]].created - info[order[end - 1]].created <= ctx->opt.burst_gap)
			end++;
		if (end - start >= min) {
			if (rg_grow_items(ctx))
				return DN_ENOMEM;
			ctx->items[ctx->n_items++] = (struct rg_item){
				.kind = REGISTRANTS_BURST,
				.field = RG_BURST,
				.domains = order + start,
				.n_domains = end - start,
				.weight = BURST_WEIGHT,
				.skip = true,
				.registrar = info[order[start]].shown,
				.burst_size = end - start,
			};
		}
		start = end;
	}
	return DN_OK;
}

/* Corroborating items. */

struct rg_hit {
	uint32_t group;
	uint32_t domain;
};

static int cmp_hit(const void *a, const void *b)
{
	const struct rg_hit *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return rg_cmp_u32(&x->domain, &y->domain);
}

/* The values of src held by a domain of group g. */
static size_t values_in_group(const struct rg_ctx *ctx, const struct rg_item *src,
                              const uint32_t *group_of, uint32_t g, uint32_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < src->n_values; i++) {
		const struct rg_value *v = &ctx->values[src->values[i]];
		for (size_t j = 0; j < v->n_domains; j++) {
			if (group_of[v->domains[j]] == g) {
				out[n++] = src->values[i];
				break;
			}
		}
	}
	return n;
}

/* Copy a corroborating item (a burst, or an item too weak to link) to each
 * group that contains at least two of its domains, limited to those domains
 * and their values. */
static dn_status attach_item(struct rg_ctx *ctx, size_t index, const uint32_t *group_of)
{
	const struct rg_item src = ctx->items[index];
	struct rg_hit *hits = arena_alloc(&ctx->scratch, src.n_domains * sizeof(*hits));
	if (hits == NULL)
		return DN_ENOMEM;
	size_t n_hits = 0;
	for (size_t i = 0; i < src.n_domains; i++) {
		uint32_t d = src.domains[i];
		if (group_of[d] != NO_GROUP)
			hits[n_hits++] = (struct rg_hit){group_of[d], d};
	}
	qsort(hits, n_hits, sizeof(*hits), cmp_hit);

	for (size_t start = 0; start < n_hits;) {
		size_t end = start + 1;
		while (end < n_hits && hits[end].group == hits[start].group)
			end++;
		size_t n = end - start;
		if (n < 2) {
			start = end;
			continue;
		}
		uint32_t *domains = arena_alloc(&ctx->scratch, n * sizeof(*domains));
		uint32_t *values = arena_alloc(&ctx->scratch, (src.n_values + 1) * sizeof(*values));
		if (domains == NULL || values == NULL || rg_grow_items(ctx))
			return DN_ENOMEM;
		for (size_t i = 0; i < n; i++)
			domains[i] = hits[start + i].domain;
		struct rg_item copy = src;
		copy.domains = domains;
		copy.n_domains = n;
		copy.values = values;
		copy.n_values = values_in_group(ctx, &src, group_of, hits[start].group, values);
		copy.skip = false;
		ctx->items[ctx->n_items++] = copy;
		start = end;
	}
	return DN_OK;
}

/* Groups. */

/* Number the connected components of the link items; group_of[d] is the
 * group of domain d or NO_GROUP. Returns the number of groups, or SIZE_MAX
 * when memory ran out. */
static size_t number_groups(struct rg_ctx *ctx, uint32_t *group_of)
{
	uint32_t k = (uint32_t)ctx->n_domain_names;
	uint32_t *parent = arena_alloc(&ctx->scratch, (k + 1) * sizeof(*parent));
	if (parent == NULL)
		return SIZE_MAX;
	for (uint32_t d = 0; d < k; d++) {
		parent[d] = d;
		group_of[d] = NO_GROUP;
	}
	for (size_t i = 0; i < ctx->n_items; i++) {
		const struct rg_item *it = &ctx->items[i];
		if (it->skip)
			continue;
		for (size_t j = 1; j < it->n_domains; j++)
			rg_union(parent, it->domains[0], it->domains[j]);
	}

	/* Roots are the smallest id of their component, so they come first. */
	uint32_t n_groups = 0;
	for (uint32_t d = 0; d < k; d++) {
		uint32_t r = rg_find(parent, d);
		if (r == d)
			continue;
		if (group_of[r] == NO_GROUP)
			group_of[r] = n_groups++;
		group_of[d] = group_of[r];
	}
	return n_groups;
}

static const char *span_text(int64_t seconds, char *buf, size_t size)
{
	if (seconds < 2 * 3600)
		snprintf(buf, size, "%" PRId64 " minutes", (seconds + 59) / 60);
	else if (seconds < 72 * 3600)
		snprintf(buf, size, "%" PRId64 " hours", (seconds + 3599) / 3600);
	else
		snprintf(buf, size, "%" PRId64 " days", (seconds + 86399) / 86400);
	return buf;
}

static const char *burst_reason(struct rg_ctx *ctx, const struct rg_item *it,
                                const struct rg_domain_info *info)
{
	int64_t first = INT64_MAX, last = INT64_MIN;
	for (size_t i = 0; i < it->n_domains; i++) {
		int64_t t = info[it->domains[i]].created;
		first = t < first ? t : first;
		last = t > last ? t : last;
	}
	char span[32];
	return arena_printf(&ctx->res->arena,
	                 "%zu domains created within %s at registrar %s (a burst of %zu)",
	                 it->n_domains, span_text(last - first, span, sizeof(span)), it->registrar,
	                 it->burst_size);
}

static dn_status fill_evidence(struct rg_ctx *ctx, const struct rg_item *it,
                               const struct rg_domain_info *info,
                               struct registrants_evidence *ev)
{
	struct arena *a = &ctx->res->arena;
	ev->kind = it->kind;
	ev->field = RG_FIELD_NAMES[it->field];
	if (it->kind == REGISTRANTS_BURST)
		ev->reason = burst_reason(ctx, it, info);
	else
		ev->reason = arena_printf(a, "%s across %zu domains", it->description, it->n_domains);
	ev->weight = it->weight;
	ev->sequential = it->sequential;
	ev->n_domains = it->n_domains;
	ev->n_values = it->n_values;
	ev->domains = arena_alloc(a, it->n_domains * sizeof(*ev->domains));
	ev->values = arena_alloc(a, (it->n_values > 0 ? it->n_values : 1) * sizeof(*ev->values));
	if (ev->reason == NULL || ev->domains == NULL || ev->values == NULL)
		return DN_ENOMEM;
	for (size_t i = 0; i < it->n_domains; i++)
		ev->domains[i] = ctx->domain_names[it->domains[i]];
	for (size_t i = 0; i < it->n_values; i++)
		ev->values[i] = ctx->values[it->values[i]].key;
	return DN_OK;
}

/* Combine the strongest item of each field as independent evidence.
 * NOTE: in a group chained through several items (A-B by phone, B-C by
 * email) this scores the whole group, and overstates the tie between A and
 * C. */
static double group_confidence(const struct registrants_group *g)
{
	double best[RG_FIELD_COUNT] = {0};
	for (size_t i = 0; i < g->n_evidence; i++) {
		const struct registrants_evidence *ev = &g->evidence[i];
		int f = ev->kind == REGISTRANTS_BURST ? RG_BURST : rg_field_of(ev->field);
		if (f >= 0 && ev->weight > best[f])
			best[f] = ev->weight;
	}
	double miss = 1.0;
	for (int f = 0; f < RG_FIELD_COUNT; f++)
		miss *= 1.0 - best[f];
	return 1.0 - miss;
}

static int cmp_evidence(const void *a, const void *b)
{
	const struct registrants_evidence *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->reason, y->reason);
}

static int cmp_group(const void *a, const void *b)
{
	const struct registrants_group *x = a, *y = b;
	if (x->n_domains != y->n_domains)
		return x->n_domains > y->n_domains ? -1 : 1;
	return strcmp(x->domains[0], y->domains[0]);
}

/* Size the groups' arrays and fill them from group_of and the items. */
static dn_status write_groups(struct rg_ctx *ctx, const uint32_t *group_of, size_t n_groups,
                              const struct rg_domain_info *info)
{
	struct arena *a = &ctx->res->arena;
	struct registrants_group *groups =
		arena_alloc(a, (n_groups > 0 ? n_groups : 1) * sizeof(*groups));
	if (groups == NULL)
		return DN_ENOMEM;
	memset(groups, 0, (n_groups > 0 ? n_groups : 1) * sizeof(*groups));
	for (size_t d = 0; d < ctx->n_domain_names; d++) {
		if (group_of[d] != NO_GROUP)
			groups[group_of[d]].n_domains++;
	}
	for (size_t i = 0; i < ctx->n_items; i++) {
		if (!ctx->items[i].skip)
			groups[group_of[ctx->items[i].domains[0]]].n_evidence++;
	}
	for (size_t g = 0; g < n_groups; g++) {
		groups[g].domains = arena_alloc(a, groups[g].n_domains * sizeof(*groups[g].domains));
		groups[g].evidence = arena_alloc(a, groups[g].n_evidence * sizeof(*groups[g].evidence));
		if (groups[g].domains == NULL || groups[g].evidence == NULL)
			return DN_ENOMEM;
		groups[g].n_domains = 0;
		groups[g].n_evidence = 0;
	}

	/* Domain ids follow name order, so members come out sorted. */
	for (size_t d = 0; d < ctx->n_domain_names; d++) {
		if (group_of[d] == NO_GROUP)
			continue;
		struct registrants_group *g = &groups[group_of[d]];
		g->domains[g->n_domains++] = ctx->domain_names[d];
	}
	for (size_t i = 0; i < ctx->n_items; i++) {
		const struct rg_item *it = &ctx->items[i];
		if (it->skip)
			continue;
		struct registrants_group *g = &groups[group_of[it->domains[0]]];
		if (fill_evidence(ctx, it, info, &g->evidence[g->n_evidence++]))
			return DN_ENOMEM;
	}
	for (size_t g = 0; g < n_groups; g++) {
		qsort(groups[g].evidence, groups[g].n_evidence, sizeof(*groups[g].evidence),
		      cmp_evidence);
		groups[g].confidence = group_confidence(&groups[g]);
	}
	qsort(groups, n_groups, sizeof(*groups), cmp_group);
	ctx->res->groups = groups;
	ctx->res->n_groups = n_groups;
	return DN_OK;
}

dn_status rg_build_groups(struct rg_ctx *ctx, const struct registrants_domain *domains,
                          size_t n_domains)
{
	/* Items too weak to link are attached per group afterwards. */
	for (size_t i = 0; i < ctx->n_items; i++) {
		if (ctx->items[i].weight < RG_LINK_MIN)
			ctx->items[i].skip = true;
	}
	struct rg_domain_info *info = domain_info(ctx, domains, n_domains);
	if (info == NULL || add_bursts(ctx, info))
		return DN_ENOMEM;

	uint32_t *group_of =
		arena_alloc(&ctx->scratch, (ctx->n_domain_names + 1) * sizeof(*group_of));
	if (group_of == NULL)
		return DN_ENOMEM;
	size_t n_groups = number_groups(ctx, group_of);
	if (n_groups == SIZE_MAX)
		return DN_ENOMEM;

	/* attach_item() appends copies that are not skipped; stop before them. */
	size_t n_items = ctx->n_items;
	for (size_t i = 0; i < n_items; i++) {
		if (ctx->items[i].skip && attach_item(ctx, i, group_of))
			return DN_ENOMEM;
	}
	return write_groups(ctx, group_of, n_groups, info);
}
