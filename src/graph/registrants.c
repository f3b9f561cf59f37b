/* Registrant correlation: index rows to values, evidence items, groups and
 * their confidence. The near-match detectors are in registrants_match.c. */
#include "graph/registrants.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/registrants_internal.h"
#include "whois/normalize.h"
#include "whois/record.h"

const char *const RG_FIELD_NAMES[RG_FIELD_COUNT] = {
	"email", "phone", "name", "org", "address", "created",
};

/* Base weight of one identical value, per field. An operator chooses an
 * email address or phone number, so two rarely match by chance. Names
 * collide more often than organisations and addresses. */
static const double SAME_WEIGHT[RG_FIELD_COUNT] = {0.85, 0.8, 0.5, 0.6, 0.65, 0.0};

void registrants_options_init(struct registrants_options *opt)
{
	opt->share_max = REGISTRANTS_SHARE_MAX;
	opt->burst_gap = 24 * 3600;
	opt->burst_min = 3;
}

/* Role factor of a contact role, or a negative value for rows that are not
 * registrant evidence ("registrar", "domain"). */
static float role_factor(const char *role)
{
	if (role == NULL)
		return -1.0f;
	if (strcmp(role, "registrant") == 0)
		return 1.0f;
	if (strcmp(role, "admin") == 0)
		return 0.7f;
	if (strcmp(role, "tech") == 0 || strcmp(role, "billing") == 0)
		return 0.5f;
	return -1.0f;
}

int rg_field_of(const char *kind)
{
	for (int f = 0; f < RG_BURST; f++) {
		if (strcmp(kind, RG_FIELD_NAMES[f]) == 0)
			return f;
	}
	return -1;
}

const char *rg_strdup(struct arena *a, const char *s)
{
	if (s == NULL)
		return NULL;
	return arena_dup(a, s, strlen(s) + 1);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int rg_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

uint32_t rg_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

void rg_union(uint32_t *parent, uint32_t a, uint32_t b)
{
	a = rg_find(parent, a);
	b = rg_find(parent, b);
	/* The smaller id becomes the root, so roots do not depend on order. */
	if (a < b)
		parent[b] = a;
	else if (b < a)
		parent[a] = b;
}

/* Domains. */

uint32_t rg_domain_id(const struct rg_ctx *ctx, const char *name)
{
	const char **hit = bsearch(&name, ctx->domain_names, ctx->n_domain_names,
	                           sizeof(*ctx->domain_names), cmp_str_ptr);
	return (uint32_t)(hit - ctx->domain_names);
}

/* Collect every domain named by rows or domains, sorted and unique, so that
 * domain ids follow name order. */
static dn_status collect_domains(struct rg_ctx *ctx, const struct store_whois_value *rows,
                                 size_t n_rows, const struct registrants_domain *domains,
                                 size_t n_domains, struct dn_error *err)
{
	size_t n = n_rows + n_domains;
	const char **names = malloc((n > 0 ? n : 1) * sizeof(*names));
	if (names == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for %zu domain names", n);
	for (size_t i = 0; i < n_rows; i++)
		names[i] = rows[i].domain;
	for (size_t i = 0; i < n_domains; i++)
		names[n_rows + i] = domains[i].domain;
	qsort(names, n, sizeof(*names), cmp_str_ptr);

	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k == 0 || strcmp(names[k - 1], names[i]) != 0)
			names[k++] = names[i];
	}
	if (k >= UINT32_MAX) {
		free(names);
		return dn_fail(err, DN_ELIMIT, "too many domains: %zu", k);
	}

	ctx->domain_names = arena_alloc(&ctx->res->arena, (k > 0 ? k : 1) * sizeof(*names));
	ctx->stamp = arena_alloc(&ctx->scratch, (k > 0 ? k : 1) * sizeof(*ctx->stamp));
	ctx->best_role = arena_alloc(&ctx->scratch, (k > 0 ? k : 1) * sizeof(*ctx->best_role));
	if (ctx->domain_names == NULL || ctx->stamp == NULL || ctx->best_role == NULL) {
		free(names);
		return dn_fail(err, DN_ENOMEM, "out of memory for %zu domains", k);
	}
	for (size_t i = 0; i < k; i++) {
		ctx->domain_names[i] = rg_strdup(&ctx->res->arena, names[i]);
		if (ctx->domain_names[i] == NULL) {
			free(names);
			return dn_fail(err, DN_ENOMEM, "out of memory for domain names");
		}
		ctx->stamp[i] = 0;
		ctx->best_role[i] = 0.0f;
	}
	ctx->n_domain_names = k;
	free(names);
	return DN_OK;
}

/* Rows to values. */

struct rg_row {
	const char *key;
	const char *shown;
	uint32_t domain;
	float role;
	uint8_t field;
	bool masked;
};

static int cmp_row(const void *a, const void *b)
{
	const struct rg_row *x = a, *y = b;
	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	int c = strcmp(x->key, y->key);
	if (c != 0)
		return c;
	if (x->masked != y->masked)
		return x->masked ? 1 : -1;
	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	return (x->role < y->role) - (x->role > y->role);
}

static dn_status add_unused(struct rg_ctx *ctx, const char *kind, const char *value,
                            const char *shown, size_t n_domains, bool masked,
                            const char *reason)
{
	if (ctx->n_unused == ctx->cap_unused) {
		size_t cap = ctx->cap_unused ? 2 * ctx->cap_unused : 16;
		struct registrants_unused *grown = realloc(ctx->unused, cap * sizeof(*grown));
		if (grown == NULL)
			return DN_ENOMEM;
		ctx->unused = grown;
		ctx->cap_unused = cap;
	}
	struct arena *a = &ctx->res->arena;
	struct registrants_unused *u = &ctx->unused[ctx->n_unused];
	u->kind = kind;
	u->value = rg_strdup(a, value);
	u->shown = rg_strdup(a, shown);
	u->n_domains = n_domains;
	u->masked = masked;
	u->reason = reason;
	if (u->value == NULL || (shown != NULL && u->shown == NULL) || reason == NULL)
		return DN_ENOMEM;
	ctx->n_unused++;
	return DN_OK;
}

/* Turn one run of rows with the same field and key into a value, an unused
 * entry, or both (masked rows next to clear ones). */
static dn_status take_run(struct rg_ctx *ctx, const struct rg_row *run, size_t n)
{
	struct arena *a = &ctx->res->arena;
	const char *kind = RG_FIELD_NAMES[run[0].field];
	size_t n_clear = 0, n_masked = 0;
	const char *shown_clear = NULL, *shown_masked = NULL;
	for (size_t i = 0; i < n; i++) {
		bool first = i == 0 || run[i].domain != run[i - 1].domain ||
		             run[i].masked != run[i - 1].masked;
		if (!first)
			continue;
		if (run[i].masked) {
			n_masked++;
			shown_masked = shown_masked ? shown_masked : run[i].shown;
		} else {
			n_clear++;
			shown_clear = shown_clear ? shown_clear : run[i].shown;
		}
	}

	if (n_masked > 0) {
		const char *reason = arena_printf(
			a, "not used: masked (redacted or a privacy service) on %zu domains", n_masked);
		if (add_unused(ctx, kind, run[0].key, shown_masked, n_masked, true, reason))
			return DN_ENOMEM;
	}
	if (n_clear == 0)
		return DN_OK;
	if (n_clear > ctx->opt.share_max) {
		const char *reason = arena_printf(a, "not used: shared by %zu domains (limit %zu)",
		                                  n_clear, ctx->opt.share_max);
		return add_unused(ctx, kind, run[0].key, shown_clear, n_clear, false, reason);
	}

	struct rg_value *v = &ctx->values[ctx->n_values];
	v->field = run[0].field;
	v->key = rg_strdup(a, run[0].key);
	v->shown = rg_strdup(a, shown_clear);
	v->domains = arena_alloc(&ctx->scratch, n_clear * sizeof(*v->domains));
	v->roles = arena_alloc(&ctx->scratch, n_clear * sizeof(*v->roles));
	if (v->key == NULL || v->domains == NULL || v->roles == NULL)
		return DN_ENOMEM;
	v->n_domains = 0;
	for (size_t i = 0; i < n && !run[i].masked; i++) {
		/* Rows of one domain are ordered strongest role first. */
		if (i > 0 && run[i].domain == run[i - 1].domain)
			continue;
		v->domains[v->n_domains] = run[i].domain;
		v->roles[v->n_domains] = run[i].role;
		v->n_domains++;
	}
	ctx->n_values++;
	return DN_OK;
}

static dn_status intake_rows(struct rg_ctx *ctx, const struct store_whois_value *rows,
                             size_t n_rows, struct dn_error *err)
{
	struct rg_row *list = malloc((n_rows > 0 ? n_rows : 1) * sizeof(*list));
	if (list == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for %zu WHOIS index rows", n_rows);
	size_t n = 0;
	for (size_t i = 0; i < n_rows; i++) {
		const struct store_whois_value *r = &rows[i];
		int field = rg_field_of(r->kind);
		float role = role_factor(r->role);
		if (field < 0 || role < 0.0f || r->value[0] == '\0')
			continue;
		list[n++] = (struct rg_row){
			.key = r->value,
			.shown = r->shown,
			.domain = rg_domain_id(ctx, r->domain),
			.role = role,
			.field = (uint8_t)field,
			.masked = r->masked,
		};
	}
	qsort(list, n, sizeof(*list), cmp_row);

	ctx->values = arena_alloc(&ctx->scratch, (n > 0 ? n : 1) * sizeof(*ctx->values));
	if (ctx->values == NULL) {
		free(list);
		return dn_fail(err, DN_ENOMEM, "out of memory for %zu WHOIS values", n);
	}
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && list[end].field == list[start].field &&
		       strcmp(list[end].key, list[start].key) == 0)
			end++;
		if (take_run(ctx, list + start, end - start)) {
			free(list);
			return dn_fail(err, DN_ENOMEM, "out of memory for WHOIS values");
		}
		start = end;
	}
	free(list);
	return DN_OK;
}

/* Evidence items. */

void rg_list_keys(const struct rg_ctx *ctx, const uint32_t *values, size_t n, size_t max_shown,
                  char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && i < max_shown; i++) {
		int w = snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
		                 ctx->values[values[i]].key);
		if (w < 0 || (size_t)w >= size - len)
			return;
		len += (size_t)w;
	}
	if (n > max_shown)
		snprintf(buf + len, size - len, " and %zu more", n - max_shown);
}

dn_status rg_grow_items(struct rg_ctx *ctx)
{
	if (ctx->n_items < ctx->cap_items)
		return DN_OK;
	size_t cap = ctx->cap_items ? 2 * ctx->cap_items : 64;
	struct rg_item *grown = realloc(ctx->items, cap * sizeof(*grown));
	if (grown == NULL)
		return DN_ENOMEM;
	ctx->items = grown;
	ctx->cap_items = cap;
	return DN_OK;
}

static int cmp_value_key(const void *a, const void *b, void *arg)
{
	const struct rg_ctx *ctx = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return strcmp(ctx->values[x].key, ctx->values[y].key);
}

dn_status rg_add_item(struct rg_ctx *ctx, enum registrants_evidence_kind kind,
                      enum rg_field field, double base, const uint32_t *values, size_t n_values,
                      bool sequential, const char *description)
{
	/* The union of the values' domains, each with its strongest role. */
	size_t total = 0;
	for (size_t i = 0; i < n_values; i++)
		total += ctx->values[values[i]].n_domains;
	uint32_t *domains = arena_alloc(&ctx->scratch, (total > 0 ? total : 1) * sizeof(*domains));
	if (domains == NULL)
		return DN_ENOMEM;
	size_t n = 0;
	ctx->stamp_now++;
	for (size_t i = 0; i < n_values; i++) {
		const struct rg_value *v = &ctx->values[values[i]];
		for (size_t j = 0; j < v->n_domains; j++) {
			uint32_t d = v->domains[j];
			if (ctx->stamp[d] != ctx->stamp_now) {
				ctx->stamp[d] = ctx->stamp_now;
				ctx->best_role[d] = 0.0f;
				domains[n++] = d;
			}
			if (v->roles[j] > ctx->best_role[d])
				ctx->best_role[d] = v->roles[j];
		}
	}
	if (n < 2)
		return DN_OK;
	qsort(domains, n, sizeof(*domains), rg_cmp_u32);

	if (n > ctx->opt.share_max) {
		const char *reason = arena_printf(&ctx->res->arena,
		                                  "not used: %s shared by %zu domains (limit %zu)",
		                                  description, n, ctx->opt.share_max);
		return add_unused(ctx, RG_FIELD_NAMES[field], ctx->values[values[0]].key, NULL, n, false,
		                  reason);
	}

	double role = 1.0;
	for (size_t i = 0; i < n; i++) {
		if (ctx->best_role[domains[i]] < role)
			role = ctx->best_role[domains[i]];
	}

	if (rg_grow_items(ctx))
		return DN_ENOMEM;
	struct rg_item *it = &ctx->items[ctx->n_items];
	*it = (struct rg_item){
		.kind = kind,
		.field = field,
		.description = rg_strdup(&ctx->scratch, description),
		.values = arena_dup(&ctx->scratch, values, n_values * sizeof(*values)),
		.n_values = n_values,
		.domains = domains,
		.n_domains = n,
		.weight = base * role,
		.sequential = sequential,
	};
	if (it->values == NULL || it->description == NULL)
		return DN_ENOMEM;
	qsort_r(it->values, n_values, sizeof(*it->values), cmp_value_key, ctx);
	ctx->n_items++;
	return DN_OK;
}

static dn_status add_same_value_items(struct rg_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_values; i++) {
		const struct rg_value *v = &ctx->values[i];
		if (v->n_domains < 2)
			continue;
		char description[WHOIS_KEY_MAX + 32];
		snprintf(description, sizeof(description), "same %s %s", RG_FIELD_NAMES[v->field],
		         v->key);
		uint32_t id = (uint32_t)i;
		if (rg_add_item(ctx, REGISTRANTS_SAME_VALUE, v->field, SAME_WEIGHT[v->field], &id, 1,
		                false, description))
			return DN_ENOMEM;
	}
	return DN_OK;
}

/* Entry point. */

static int cmp_unused(const void *a, const void *b)
{
	const struct registrants_unused *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);
	if (c != 0)
		return c;
	c = strcmp(x->value, y->value);
	if (c != 0)
		return c;
	return (int)x->masked - (int)y->masked;
}

static dn_status finish_unused(struct rg_ctx *ctx)
{
	size_t n = ctx->n_unused;
	if (n == 0)
		return DN_OK;
	struct registrants_unused *list = arena_dup(&ctx->res->arena, ctx->unused, n * sizeof(*list));
	if (list == NULL)
		return DN_ENOMEM;
	qsort(list, n, sizeof(*list), cmp_unused);
	ctx->res->unused = list;
	ctx->res->n_unused = n;
	return DN_OK;
}

static dn_status check_input(const struct store_whois_value *rows, size_t n_rows,
                             const struct registrants_domain *domains, size_t n_domains,
                             struct dn_error *err)
{
	for (size_t i = 0; i < n_rows; i++) {
		if (rows[i].kind == NULL || rows[i].value == NULL || rows[i].domain == NULL)
			return dn_fail(err, DN_EINVAL,
			               "WHOIS index row %zu has no kind, value or domain", i);
	}
	for (size_t i = 0; i < n_domains; i++) {
		if (domains[i].domain == NULL)
			return dn_fail(err, DN_EINVAL, "registrants domain %zu has no name", i);
	}
	return DN_OK;
}

static dn_status correlate(struct rg_ctx *ctx, const struct store_whois_value *rows,
                           size_t n_rows, const struct registrants_domain *domains,
                           size_t n_domains, struct dn_error *err)
{
	dn_status rc = collect_domains(ctx, rows, n_rows, domains, n_domains, err);
	if (rc == DN_OK)
		rc = intake_rows(ctx, rows, n_rows, err);
	if (rc != DN_OK)
		return rc;

	if (add_same_value_items(ctx) || rg_match_phones(ctx) || rg_match_emails(ctx) ||
	    rg_match_similar(ctx, RG_NAME) || rg_match_similar(ctx, RG_ORG) ||
	    rg_match_similar(ctx, RG_ADDRESS))
		return dn_fail(err, DN_ENOMEM, "out of memory matching %zu WHOIS values",
		               ctx->n_values);

	if (rg_build_groups(ctx, domains, n_domains) || finish_unused(ctx))
		return dn_fail(err, DN_ENOMEM, "out of memory grouping %zu domains",
		               ctx->n_domain_names);
	return DN_OK;
}

dn_status registrants_correlate(const struct store_whois_value *rows, size_t n_rows,
                                const struct registrants_domain *domains, size_t n_domains,
                                const struct registrants_options *opt,
                                struct registrants_result *out, struct dn_error *err)
{
	memset(out, 0, sizeof(*out));
	dn_status rc = check_input(rows, n_rows, domains, n_domains, err);
	if (rc != DN_OK)
		return rc;

	struct rg_ctx ctx = {.res = out};
	if (opt != NULL)
		ctx.opt = *opt;
	else
		registrants_options_init(&ctx.opt);
	arena_init(&out->arena, 64 * 1024);
	arena_init(&ctx.scratch, 256 * 1024);

	rc = correlate(&ctx, rows, n_rows, domains, n_domains, err);
	free(ctx.items);
	free(ctx.unused);
	arena_free(&ctx.scratch);
	if (rc != DN_OK) {
		arena_free(&out->arena);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

void registrants_result_free(struct registrants_result *res)
{
	arena_free(&res->arena);
	memset(res, 0, sizeof(*res));
}
