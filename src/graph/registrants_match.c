/* Near-match detectors of registrant correlation: phone numbers that differ
 * in their last digits, email variants, and similar names, organisations and
 * addresses. Each turns a bucket or a component of values into one item. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "graph/registrants_internal.h"
#include "whois/normalize.h"

/* Maximum string length rg_edit_pairs() compares, in bytes. */
#define EDIT_LEN_MAX 128

/* Strings sharing one deletion key are compared pairwise; a larger bucket
 * (a very regular naming scheme) is skipped to bound the work. */
#define EDIT_BUCKET_MAX 256

/* Base weights of the near matches. Numbers off in the last two digits
 * without a pattern are common among neighbours in one number block, so
 * they only corroborate (below RG_LINK_MIN), as initials do. */
#define PHONE_LAST_DIGIT 0.5
#define PHONE_LAST_DIGIT_RUN 0.7
#define PHONE_LAST_TWO 0.25
#define PHONE_LAST_TWO_RUN 0.5
#define EMAIL_VARIANT_SAME_DOMAIN 0.6
#define EMAIL_VARIANT_OTHER_DOMAIN 0.45
#define EMAIL_EDIT_SAME_DOMAIN 0.5
#define EMAIL_EDIT_OTHER_DOMAIN 0.35
#define NAME_INITIALS 0.15

/* Per field (name, org, address): same words in another order, one edit. */
static const double REORDER_WEIGHT[RG_FIELD_COUNT] = {0, 0, 0.45, 0.5, 0.55, 0};
static const double EDIT_WEIGHT[RG_FIELD_COUNT] = {0, 0, 0.4, 0.45, 0.5, 0};
static const char *const SINGULAR[RG_FIELD_COUNT] = {
	"email", "phone", "name", "organisation", "address", "",
};
static const char *const PLURAL[RG_FIELD_COUNT] = {
	"emails", "phones", "names", "organisations", "addresses", "",
};

/* Local parts that many unrelated people use, as skeletons (no digits or
 * separators). A shared one is no evidence of one operator. */
static const char *const GENERIC_LOCAL[] = {
	"abuse",  "admin",    "billing",   "contact", "dns",       "domain", "domains",
	"hello",  "help",     "hostmaster", "info",   "mail",      "noreply", "office",
	"postmaster", "privacy", "registrar", "sales", "support",  "tech",   "webmaster",
	"whois",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define LIST_MAX 4096

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Value ids grouped by a sort key, the shape every detector starts from. */
struct ref {
	uint32_t value;
	const char *key;         /* the detector's bucket key */
	const char *text;        /* the string compared by edit distance */
	const char *domain;      /* email: the part after "@" */
};

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c != 0 ? c : cmp_u32(&x->value, &y->value);
}

static size_t bucket_end(const struct ref *refs, size_t n, size_t start)
{
	size_t end = start + 1;
	while (end < n && strcmp(refs[end].key, refs[start].key) == 0)
		end++;
	return end;
}

static uint32_t *ref_values(struct rg_ctx *ctx, const struct ref *refs, size_t n)
{
	uint32_t *ids = arena_alloc(&ctx->scratch, (n > 0 ? n : 1) * sizeof(*ids));
	for (size_t i = 0; ids != NULL && i < n; i++)
		ids[i] = refs[i].value;
	return ids;
}

/* Edit distance. */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool rg_one_edit(const char *a, size_t la, const char *b, size_t lb)
{
	if (la < lb) {
		const char *t = a;
		a = b;
		b = t;
		size_t tl = la;
		la = lb;
		lb = tl;
	}
	if (la - lb > 1)
		return false;
	size_t i = 0;
	while (i < lb && a[i] == b[i])
		i++;
	if (i == lb)
		return !is_digit(a[i]);
	if (la == lb + 1)
		return !is_digit(a[i]) && memcmp(a + i + 1, b + i, lb - i) == 0;
	if (is_digit(a[i]) || is_digit(b[i]))
		return false;
	if (memcmp(a + i + 1, b + i + 1, lb - i - 1) == 0)
		return true;
	/* A swap of neighbours: "ab" against "ba". */
	return i + 1 < lb && a[i] == b[i + 1] && a[i + 1] == b[i] &&
	       memcmp(a + i + 2, b + i + 2, lb - i - 2) == 0;
}

struct deletion_key {
	uint64_t hash;
	uint32_t index;
};

static int cmp_deletion_key(const void *a, const void *b)
{
	const struct deletion_key *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* Two strings one edit apart share a string that both reach by deleting at
 * most one byte. So each string is filed under the hashes of itself and of
 * each of its one-byte deletions, and strings filed together are candidates. */
dn_status rg_edit_pairs(const char *const *strings, const uint32_t *class, size_t n,
                        size_t min_len, uint32_t *parent)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(strings[i]);
		if (len >= min_len && len <= EDIT_LEN_MAX)
			total += len + 1;
	}
	if (total == 0)
		return DN_OK;
	struct deletion_key *keys = malloc(total * sizeof(*keys));
	if (keys == NULL)
		return DN_ENOMEM;

	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = strings[i];
		size_t len = strlen(s);
		if (len < min_len || len > EDIT_LEN_MAX)
			continue;
		char buf[EDIT_LEN_MAX];
		keys[k++] = (struct deletion_key){XXH3_64bits(s, len), (uint32_t)i};
		for (size_t pos = 0; pos < len; pos++) {
			memcpy(buf, s, pos);
			memcpy(buf + pos, s + pos + 1, len - pos - 1);
			keys[k++] = (struct deletion_key){XXH3_64bits(buf, len - 1), (uint32_t)i};
		}
	}
	qsort(keys, k, sizeof(*keys), cmp_deletion_key);

	for (size_t start = 0; start < k;) {
		size_t end = start + 1;
		while (end < k && keys[end].hash == keys[start].hash)
			end++;
		/* NOTE: buckets over EDIT_BUCKET_MAX are skipped, so a few pairs of a
		 * very regular naming scheme can go unreported here. */
		for (size_t x = start; end - start <= EDIT_BUCKET_MAX && x < end; x++) {
			for (size_t y = x + 1; y < end; y++) {
				uint32_t a = keys[x].index, b = keys[y].index;
				if (a == b || class[a] == class[b] ||
				    rg_find(parent, a) == rg_find(parent, b))
					continue;
				if (rg_one_edit(strings[a], strlen(strings[a]), strings[b],
				                strlen(strings[b])))
					rg_union(parent, a, b);
			}
		}
		start = end;
	}
	free(keys);
	return DN_OK;
}

/* Add one item per component of at least two refs in parent. */
static dn_status add_components(struct rg_ctx *ctx, const struct ref *refs, size_t n,
                                uint32_t *parent, const char *what, double same_domain,
                                double other_domain, enum registrants_evidence_kind kind,
                                enum rg_field field)
{
	uint32_t *order = arena_alloc(&ctx->scratch, (n > 0 ? n : 1) * 2 * sizeof(*order));
	if (order == NULL)
		return DN_ENOMEM;
	/* Pairs (root, index), sorted, give the components in a fixed order. */
	for (size_t i = 0; i < n; i++) {
		order[2 * i] = rg_find(parent, (uint32_t)i);
		order[2 * i + 1] = (uint32_t)i;
	}
	qsort(order, n, 2 * sizeof(*order), cmp_u32);

	uint32_t *ids = arena_alloc(&ctx->scratch, (n > 0 ? n : 1) * sizeof(*ids));
	if (ids == NULL)
		return DN_ENOMEM;
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && order[2 * end] == order[2 * start])
			end++;
		if (end - start < 2) {
			start = end;
			continue;
		}
		bool one_domain = true;
		for (size_t i = start; i < end; i++) {
			const struct ref *r = &refs[order[2 * i + 1]];
			ids[i - start] = r->value;
			if (r->domain != NULL && strcmp(r->domain, refs[order[2 * start + 1]].domain) != 0)
				one_domain = false;
		}
		char list[LIST_MAX], description[LIST_MAX + 64];
		rg_list_keys(ctx, ids, end - start, 4, list, sizeof(list));
		snprintf(description, sizeof(description), "%s one edit apart (%s)", what, list);
		if (rg_add_item(ctx, kind, field, one_domain ? same_domain : other_domain, ids,
		                end - start, false, description))
			return DN_ENOMEM;
		start = end;
	}
	return DN_OK;
}

static uint32_t *identity(struct rg_ctx *ctx, size_t n)
{
	uint32_t *parent = arena_alloc(&ctx->scratch, (n > 0 ? n : 1) * sizeof(*parent));
	for (size_t i = 0; parent != NULL && i < n; i++)
		parent[i] = (uint32_t)i;
	return parent;
}

/* Phones. */

/* Describe the last tail digits of phone keys sorted by key: "0-9, a
 * sequential run", "00-57 in steps of 3" or "0, 3, 7". Returns whether
 * there are at least three and they rise by a constant step. */
static bool describe_digits(struct rg_ctx *ctx, const struct ref *refs, size_t n, size_t tail,
                            char *buf, size_t size)
{
	int step = 0, prev = -1;
	bool run = n >= 3;
	for (size_t i = 0; i < n; i++) {
		const char *key = ctx->values[refs[i].value].key;
		int digits = atoi(key + strlen(key) - tail);
		if (i == 1)
			step = digits - prev;
		else if (i > 1 && digits - prev != step)
			run = false;
		prev = digits;
	}

	const char *first = ctx->values[refs[0].value].key;
	const char *last = ctx->values[refs[n - 1].value].key;
	first += strlen(first) - tail;
	last += strlen(last) - tail;
	if (run && step == 1) {
		snprintf(buf, size, "%s-%s, a sequential run", first, last);
		return true;
	}
	if (run) {
		snprintf(buf, size, "%s-%s in steps of %d", first, last, step);
		return true;
	}

	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 10; i++) {
		const char *key = ctx->values[refs[i].value].key;
		int w = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", key + strlen(key) - tail);
		if (w < 0 || (size_t)w >= size - len)
			return false;
		len += (size_t)w;
	}
	if (n > 10)
		snprintf(buf + len, size - len, " and %zu more", n - 10);
	return false;
}

/* One item per set of phone numbers equal in all but the last tail digits.
 * For tail 2 a set must span more than one tail-1 set, else it adds
 * nothing. refs are sorted by key and their key is the number without its
 * last tail digits, padded with the length to keep lengths apart. */
static dn_status phone_buckets(struct rg_ctx *ctx, struct ref *refs, size_t n, size_t tail)
{
	for (size_t start = 0; start < n;) {
		size_t end = bucket_end(refs, n, start);
		size_t count = end - start;
		bool spans = tail == 1;
		for (size_t i = start + 1; i < end && !spans; i++) {
			const char *a = ctx->values[refs[i - 1].value].key;
			const char *b = ctx->values[refs[i].value].key;
			spans = strncmp(a, b, strlen(a) - 1) != 0;
		}
		if (count < 2 || !spans) {
			start = end;
			continue;
		}

		char digits[256], description[512];
		bool run = describe_digits(ctx, refs + start, count, tail, digits, sizeof(digits));
		const char *key = ctx->values[refs[start].value].key;
		snprintf(description, sizeof(description),
		         "%.*s%s: phone numbers differ only in the last %s (%s)",
		         (int)(strlen(key) - tail), key, tail == 1 ? "X" : "XX",
		         tail == 1 ? "digit" : "two digits", digits);
		double weight = tail == 1 ? (run ? PHONE_LAST_DIGIT_RUN : PHONE_LAST_DIGIT)
		                          : (run ? PHONE_LAST_TWO_RUN : PHONE_LAST_TWO);
		uint32_t *ids = ref_values(ctx, refs + start, count);
		if (ids == NULL || rg_add_item(ctx, REGISTRANTS_PHONE_DIGITS, RG_PHONE, weight, ids,
		                               count, run, description))
			return DN_ENOMEM;
		start = end;
	}
	return DN_OK;
}

dn_status rg_match_phones(struct rg_ctx *ctx)
{
	struct ref *refs = arena_alloc(&ctx->scratch, (ctx->n_values + 1) * sizeof(*refs));
	if (refs == NULL)
		return DN_ENOMEM;
	for (size_t tail = 1; tail <= 2; tail++) {
		size_t n = 0;
		for (size_t i = 0; i < ctx->n_values; i++) {
			const char *key = ctx->values[i].key;
			size_t len = strlen(key);
			/* E.164 only: a national number's prefix is not comparable. */
			if (ctx->values[i].field != RG_PHONE || key[0] != '+' || len < 9)
				continue;
			char *bucket = arena_alloc(&ctx->scratch, len + 8);
			if (bucket == NULL)
				return DN_ENOMEM;
			snprintf(bucket, len + 8, "%02zu%.*s", len, (int)(len - tail), key);
			refs[n++] = (struct ref){.value = (uint32_t)i, .key = bucket};
		}
		qsort(refs, n, sizeof(*refs), cmp_ref);
		/* Within a bucket, sorting by value id is sorting by key, because
		 * values were numbered in key order. */
		if (phone_buckets(ctx, refs, n, tail))
			return DN_ENOMEM;
	}
	return DN_OK;
}

/* Emails. */

static bool is_generic_local(const char *skeleton)
{
	for (size_t i = 0; i < COUNT(GENERIC_LOCAL); i++) {
		if (strcmp(skeleton, GENERIC_LOCAL[i]) == 0)
			return true;
	}
	return false;
}

/* Fill ref from an email key; false when its local part is too short or
 * generic to tell anything. */
static bool email_ref(struct rg_ctx *ctx, uint32_t id, struct ref *ref, bool *nomem)
{
	const char *key = ctx->values[id].key;
	const char *at = strrchr(key, '@');
	if (at == NULL)
		return false;
	size_t local_len = (size_t)(at - key);
	char *local = arena_dup(&ctx->scratch, key, local_len + 1);
	char *skeleton = arena_alloc(&ctx->scratch, local_len + 1);
	if (local == NULL || skeleton == NULL) {
		*nomem = true;
		return false;
	}
	local[local_len] = '\0';
	size_t n = 0;
	for (size_t i = 0; i < local_len; i++) {
		char c = local[i];
		if (!(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-')
			skeleton[n++] = c;
	}
	skeleton[n] = '\0';
	if (n < 4 || is_generic_local(skeleton))
		return false;
	*ref = (struct ref){.value = id, .key = skeleton, .text = local, .domain = at + 1};
	return true;
}

/* One item per skeleton shared by several addresses: the same local part at
 * other email domains, or local parts that differ only in digits and
 * separators. class[i] is set to the skeleton's bucket number. */
static dn_status email_skeletons(struct rg_ctx *ctx, const struct ref *refs, size_t n,
                                 uint32_t *class)
{
	uint32_t bucket = 0;
	for (size_t start = 0; start < n; bucket++) {
		size_t end = bucket_end(refs, n, start);
		bool same_local = true, same_domain = true;
		for (size_t i = start; i < end; i++) {
			class[i] = bucket;
			same_local = same_local && strcmp(refs[i].text, refs[start].text) == 0;
			same_domain = same_domain && strcmp(refs[i].domain, refs[start].domain) == 0;
		}
		if (end - start < 2) {
			start = end;
			continue;
		}

		uint32_t *ids = ref_values(ctx, refs + start, end - start);
		if (ids == NULL)
			return DN_ENOMEM;
		char list[LIST_MAX], description[LIST_MAX + 96];
		rg_list_keys(ctx, ids, end - start, 4, list, sizeof(list));
		double weight;
		if (same_local) {
			snprintf(description, sizeof(description),
			         "same email local part %s at other email domains (%s)", refs[start].text,
			         list);
			weight = EMAIL_VARIANT_OTHER_DOMAIN;
		} else {
			snprintf(description, sizeof(description),
			         "email local parts differ only in digits or separators (%s)", list);
			weight = same_domain ? EMAIL_VARIANT_SAME_DOMAIN : EMAIL_VARIANT_OTHER_DOMAIN;
		}
		if (rg_add_item(ctx, REGISTRANTS_EMAIL_VARIANT, RG_EMAIL, weight, ids, end - start,
		                false, description))
			return DN_ENOMEM;
		start = end;
	}
	return DN_OK;
}

dn_status rg_match_emails(struct rg_ctx *ctx)
{
	struct ref *refs = arena_alloc(&ctx->scratch, (ctx->n_values + 1) * sizeof(*refs));
	if (refs == NULL)
		return DN_ENOMEM;
	size_t n = 0;
	bool nomem = false;
	for (size_t i = 0; i < ctx->n_values; i++) {
		if (ctx->values[i].field == RG_EMAIL && email_ref(ctx, (uint32_t)i, &refs[n], &nomem))
			n++;
		if (nomem)
			return DN_ENOMEM;
	}
	qsort(refs, n, sizeof(*refs), cmp_ref);

	uint32_t *class = arena_alloc(&ctx->scratch, (n + 1) * sizeof(*class));
	const char **locals = arena_alloc(&ctx->scratch, (n + 1) * sizeof(*locals));
	uint32_t *parent = identity(ctx, n);
	if (class == NULL || locals == NULL || parent == NULL || email_skeletons(ctx, refs, n, class))
		return DN_ENOMEM;

	/* Long local parts one edit apart; pairs in one skeleton bucket were
	 * reported above. */
	for (size_t i = 0; i < n; i++)
		locals[i] = refs[i].text;
	if (rg_edit_pairs(locals, class, n, 8, parent))
		return DN_ENOMEM;
	return add_components(ctx, refs, n, parent, "email local parts", EMAIL_EDIT_SAME_DOMAIN,
	                      EMAIL_EDIT_OTHER_DOMAIN, REGISTRANTS_EMAIL_VARIANT, RG_EMAIL);
}

/* Names, organisations and addresses. */

static int cmp_word(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* key's words sorted and joined by single spaces, or NULL on no memory. */
static char *sorted_words(struct rg_ctx *ctx, const char *key)
{
	size_t len = strlen(key);
	char *copy = arena_dup(&ctx->scratch, key, len + 1);
	char *out = arena_alloc(&ctx->scratch, len + 1);
	const char **words = arena_alloc(&ctx->scratch, (len / 2 + 2) * sizeof(*words));
	if (copy == NULL || out == NULL || words == NULL)
		return NULL;
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(copy, " ,", &save); w != NULL; w = strtok_r(NULL, " ,", &save))
		words[n++] = w;
	qsort(words, n, sizeof(*words), cmp_word);
	size_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(words[i]);
		if (i > 0)
			out[pos++] = ' ';
		memcpy(out + pos, words[i], w);
		pos += w;
	}
	out[pos] = '\0';
	return out;
}

/* Length of the UTF-8 character at s. */
static size_t char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = 4;
	if (c < 0x80)
		n = 1;
	else if (c < 0xE0)
		n = 2;
	else if (c < 0xF0)
		n = 3;
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '\0')
			return i;
	}
	return n;
}

/* A name with every word but the last cut to its first character, into out
 * (at least strlen(key) + 1 bytes). Returns whether key already had such a
 * one-character word: "j smith" is abbreviated, "john smith" is not. */
static bool initials_form(const char *key, char *out, size_t *n_words)
{
	bool abbreviated = false;
	size_t pos = 0;
	*n_words = 0;
	const char *p = key;
	while (*p != '\0') {
		const char *end = strchr(p, ' ');
		size_t w = end ? (size_t)(end - p) : strlen(p);
		size_t first = char_len(p);
		bool last = end == NULL;
		if (!last && first == w)
			abbreviated = true;
		size_t take = last ? w : first;
		memcpy(out + pos, p, take);
		pos += take;
		(*n_words)++;
		if (last)
			break;
		out[pos++] = ' ';
		p = end + 1;
	}
	out[pos] = '\0';
	return abbreviated;
}

/* "j smith" and "john smith": items only where one full name shares the
 * initials, so that "j smith" never ties "john smith" to "jane smith". */
static dn_status match_initials(struct rg_ctx *ctx, struct ref *refs, size_t n)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const char *key = ctx->values[refs[i].value].key;
		char *form = arena_alloc(&ctx->scratch, strlen(key) + 1);
		if (form == NULL)
			return DN_ENOMEM;
		size_t words;
		bool abbreviated = initials_form(key, form, &words);
		if (words < 2)
			continue;
		/* text marks abbreviated names; domain is unused here. */
		refs[m++] = (struct ref){refs[i].value, form, abbreviated ? "" : NULL, NULL};
	}
	qsort(refs, m, sizeof(*refs), cmp_ref);

	for (size_t start = 0; start < m;) {
		size_t end = bucket_end(refs, m, start);
		size_t full = 0, abbreviated = 0;
		uint32_t full_id = 0;
		for (size_t i = start; i < end; i++) {
			if (refs[i].text != NULL) {
				abbreviated++;
			} else {
				full++;
				full_id = refs[i].value;
			}
		}
		if (full != 1 || abbreviated == 0) {
			start = end;
			continue;
		}
		uint32_t *ids = ref_values(ctx, refs + start, end - start);
		if (ids == NULL)
			return DN_ENOMEM;
		char description[2 * WHOIS_KEY_MAX + 64];
		snprintf(description, sizeof(description),
		         "name %s matches %s by initials only (weak)", refs[start].key,
		         ctx->values[full_id].key);
		if (rg_add_item(ctx, REGISTRANTS_INITIALS, RG_NAME, NAME_INITIALS, ids, end - start,
		                false, description))
			return DN_ENOMEM;
		start = end;
	}
	return DN_OK;
}

dn_status rg_match_similar(struct rg_ctx *ctx, enum rg_field field)
{
	struct ref *refs = arena_alloc(&ctx->scratch, (ctx->n_values + 1) * sizeof(*refs));
	if (refs == NULL)
		return DN_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < ctx->n_values; i++) {
		if (ctx->values[i].field != field)
			continue;
		char *words = sorted_words(ctx, ctx->values[i].key);
		if (words == NULL)
			return DN_ENOMEM;
		refs[n++] = (struct ref){.value = (uint32_t)i, .key = words,
		                         .text = ctx->values[i].key};
	}
	qsort(refs, n, sizeof(*refs), cmp_ref);

	uint32_t *class = arena_alloc(&ctx->scratch, (n + 1) * sizeof(*class));
	const char **texts = arena_alloc(&ctx->scratch, (n + 1) * sizeof(*texts));
	uint32_t *parent = identity(ctx, n);
	if (class == NULL || texts == NULL || parent == NULL)
		return DN_ENOMEM;
	uint32_t bucket = 0;
	for (size_t start = 0; start < n; bucket++) {
		size_t end = bucket_end(refs, n, start);
		for (size_t i = start; i < end; i++) {
			class[i] = bucket;
			texts[i] = refs[i].text;
		}
		if (end - start >= 2) {
			uint32_t *ids = ref_values(ctx, refs + start, end - start);
			char list[LIST_MAX], description[LIST_MAX + 64];
			if (ids == NULL)
				return DN_ENOMEM;
			rg_list_keys(ctx, ids, end - start, 4, list, sizeof(list));
			snprintf(description, sizeof(description),
			         "%s with the same words in another order (%s)", SINGULAR[field], list);
			if (rg_add_item(ctx, REGISTRANTS_SIMILAR, field, REORDER_WEIGHT[field], ids,
			                end - start, false, description))
				return DN_ENOMEM;
		}
		start = end;
	}

	if (rg_edit_pairs(texts, class, n, 10, parent) ||
	    add_components(ctx, refs, n, parent, PLURAL[field], EDIT_WEIGHT[field],
	                   EDIT_WEIGHT[field], REGISTRANTS_SIMILAR, field))
		return DN_ENOMEM;
	if (field == RG_NAME)
		return match_initials(ctx, refs, n);
	return DN_OK;
}
