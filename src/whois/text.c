/* WHOIS text responses (port 43) to struct whois_record.
 *
 * The text is read line by line. Each line is split into a key and a value
 * ("Key: value", "[Key] value", "Key<TAB>value") and the key is looked up
 * in the tables of whois/text_keys.c. Three kinds of context change what a
 * key means. A section is a header line with no value, followed by
 * indented or unindented lines up to a blank line. A block is the lines
 * between blank lines, such as a "nic-hdl:" contact block. A role prefix in
 * the key itself ("Tech Email") names the contact directly. Contacts given
 * by handle ("admin-c: AB12-FRNIC") are resolved against the blocks at the end. */
#include "whois/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "whois/date.h"
#include "whois/privacy.h"
#include "whois/text_keys.h"
#include "whois/text_status.h"

#define HANDLE_MAX 24
#define PENDING_MAX 16
#define KEY_MAX 96
#define TEXT_ROLE_DOMAIN 6

struct text_line {
	const char *text;   /* without indentation or trailing space */
	size_t len;
	int indent;         /* columns, a tab counting as 8 */
	const char *key;    /* NULL when the line has no key */
	size_t key_len;
	const char *value;
	size_t value_len;
	bool tentative;     /* key split at a tab or wide gap, kept only when known */
};

/* A line's normalised key and its lookup at top level (TEXT_ROLE_NONE). One
 * line can need that lookup up to four times, so lookup_top() keeps it. */
struct line_key {
	char norm[KEY_MAX * 4];
	size_t len;
	bool looked_up;
	bool known;
	struct text_key top;
};

struct handle_block {
	const char *handle;
	int role;           /* role the block gives itself, or TEXT_ROLE_NONE */
	struct whois_contact contact;
};

struct text_parser {
	struct arena *arena;
	struct whois_record *rec;
	const struct whois_text_hints *hints;
	bool nomem;

	/* Handles named by the domain, and role values still to resolve. */
	const char *refs[WHOIS_ROLE_COUNT];
	const char *candidates[WHOIS_ROLE_COUNT];
	size_t n_blocks;     /* blocks in use, at the end of the struct */

	/* The block being read: lines since the last blank line. */
	size_t block_lines;
	bool skip_block;
	struct handle_block *block;

	/* The open section, if any. */
	bool in_section;
	bool section_flat;   /* members at the header's own indentation */
	bool section_soft;   /* opened by a key with a value: only gives a role */
	size_t section_lines;
	size_t section_members;
	int section_indent;
	struct text_key section;

	/* Unkeyed lines of a contact section, read when it ends. */
	const char *pending[PENDING_MAX];
	size_t n_pending;
	int pending_role;

	/* The last keyed line, for values continued on the next lines. */
	bool last_valid;
	int last_indent;
	struct text_key last;
	struct whois_contact *last_contact;

	/* Last, so that whois_parse_text() clears only the members above.
	 * open_block() clears each block it takes, so the whole array (a few
	 * kilobytes) is not cleared for every response. */
	struct handle_block blocks[HANDLE_MAX];
};

/* --- Strings ----------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static const char *copy_trimmed(struct text_parser *p, const char *s, size_t len)
{
	while (len > 0 && is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	if (len == 0)
		return NULL;
	char *out = arena_alloc(p->arena, len + 1);
	if (out == NULL) {
		p->nomem = true;
		return NULL;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool starts_with_nocase(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && strncasecmp(s, prefix, n) == 0;
}

/* Byte counts of a response, taken in one pass. */
struct byte_counts {
	size_t control;    /* control bytes other than tab, LF, CR and form feed */
	bool printable;    /* some byte above the space */
	bool plain;        /* ASCII without NUL: to_utf8() has nothing to change */
};

/* Bit masks over the eight bytes of a word: each sets the top bit of the
 * bytes it selects. No carry crosses a byte, so every byte is exact. */
#define BYTES_ONE 0x0101010101010101u
#define BYTES_LOW7 0x7f7f7f7f7f7f7f7fu
#define BYTES_TOP 0x8080808080808080u

static uint64_t bytes_equal(uint64_t word, unsigned char c)
{
	uint64_t x = word ^ (BYTES_ONE * c);
	return ~(((x & BYTES_LOW7) + BYTES_LOW7) | x) & BYTES_TOP;
}

static uint64_t bytes_below_space(uint64_t word)
{
	return ~(((word & BYTES_LOW7) + BYTES_ONE * (0x80 - 0x20)) | word) & BYTES_TOP;
}

static uint64_t bytes_above_space(uint64_t word)
{
	return (((word & BYTES_LOW7) + BYTES_ONE * (0x80 - 0x21)) | word) & BYTES_TOP;
}

/* Eight bytes at a time, because a byte loop was a sixth of a parse when
 * the compiler does not vectorise it (GCC at -O2). */
static void count_bytes(const char *text, size_t len, struct byte_counts *counts)
{
	size_t control = 0, i = 0;
	uint64_t any = 0, above = 0, nul = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t word;
		memcpy(&word, text + i, 8);
		any |= word;
		above |= bytes_above_space(word);
		uint64_t below = bytes_below_space(word);
		if (below == 0)
			continue;
		nul |= bytes_equal(word, 0);
		below &= ~(bytes_equal(word, '\n') | bytes_equal(word, '\t') |
		           bytes_equal(word, '\r') | bytes_equal(word, '\f'));
		if (below != 0)
			control += (size_t)__builtin_popcountll(below);
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		control += c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f';
		any |= c;
		above |= c > ' ';
		nul |= c == 0;
	}
	counts->control = control;
	counts->printable = above != 0;
	counts->plain = nul == 0 && (any & BYTES_TOP) == 0;
}

/* The input as valid UTF-8: NUL bytes become spaces, and bytes that are not
 * part of a valid sequence are read as Latin-1, the usual encoding of older
 * European registries. plain input is copied as it is. */
static char *to_utf8(struct text_parser *p, const char *in, size_t len, bool plain,
                     size_t *out_len)
{
	char *out = arena_alloc(p->arena, plain ? len + 1 : len * 2 + 1);
	if (out == NULL)
		return NULL;
	if (plain) {
		memcpy(out, in, len);
		out[len] = '\0';
		*out_len = len;
		return out;
	}
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)in[i];
		if (c != 0 && c < 0x80) {
			out[n++] = (char)c;
			i++;
			continue;
		}
		size_t need = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
		            : (c & 0xf8) == 0xf0 ? 3 : 4;
		bool valid = need < 4 && i + need < len && !(need == 1 && c < 0xc2);
		for (size_t k = 1; valid && k <= need; k++)
			valid = ((unsigned char)in[i + k] & 0xc0) == 0x80;
		if (c == 0) {
			out[n++] = ' ';
			i++;
		} else if (need == 0 || !valid) {
			if (c < 0x80) {
				out[n++] = (char)c;
			} else {
				out[n++] = (char)(0xc0 | c >> 6);
				out[n++] = (char)(0x80 | (c & 0x3f));
			}
			i++;
		} else {
			memcpy(out + n, in + i, need + 1);
			n += need + 1;
			i += need + 1;
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* --- Lines ------------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Whether the colon at s[i] is inside a time ("09:42:27") or an IPv6
 * address ("2001:db8::1") rather than after a key. */
static bool is_time_or_address(const char *s, size_t i, size_t len)
{
	size_t start = i, digits = 0, hex = 0;
	while (start > 0 && !is_space(s[start - 1]) && s[start - 1] != ':') {
		start--;
		/* Both forms below have hex digits only, at most four, before the
		 * colon, so most keys are settled at their last letter. */
		if (!is_hex(s[start]) || i - start > 4)
			return false;
		digits += is_digit(s[start]);
		hex++;
	}
	size_t token = i - start;
	char next = i + 1 < len ? s[i + 1] : '\0';
	if (token >= 1 && token <= 2 && digits == token && is_digit(next))
		return true;
	return token <= 4 && hex == token && (is_hex(next) || next == ':') &&
	       (token > 0 || next == ':');
}

/* The colon after the key of s ("Key: value"), or 0 when there is none.
 * NOTE: a colon wins over an earlier tab, so "Created<TAB>2019-08-12T17:52:01Z"
 * splits inside the time and its date is lost. */
static size_t key_colon(const char *s, size_t len)
{
	size_t limit = len < KEY_MAX ? len : KEY_MAX;
	if (len < 2)
		return 0;
	/* Without "(" the loop below stops at limit and looks only at colons,
	 * so memchr() can find them: most lines take this path. */
	if (memchr(s + 1, '(', limit - 1) == NULL && s[limit - 1] != ')') {
		for (const char *c = memchr(s + 1, ':', limit - 1); c != NULL;
		     c = memchr(c + 1, ':', (size_t)(s + limit - c - 1))) {
			size_t i = (size_t)(c - s);
			if (is_time_or_address(s, i, len))
				continue;
			return i + 2 < len && s[i + 1] == '/' && s[i + 2] == '/' ? 0 : i;
		}
		return 0;
	}
	int depth = 0;
	for (size_t i = 1; i < len && (i < limit || depth > 0 || s[i - 1] == ')'); i++) {
		/* HKIRC explains its keys in brackets: "Company English Name (It
		 * should be the same as ...): IBM". */
		depth += s[i] == '(';
		depth -= s[i] == ')' && depth > 0;
		if (s[i] != ':' || depth > 0)
			continue;
		/* A time ("09:42:27") or an IPv6 address is no key separator, and
		 * neither is the colon of a URL. */
		if (is_time_or_address(s, i, len))
			continue;
		if (i + 2 < len && s[i + 1] == '/' && s[i + 2] == '/')
			break;
		return i;
	}
	return 0;
}

/* The first tab or double space in the first KEY_MAX bytes of s, past its
 * first byte ("Key<TAB>value", "Key    value"), or 0 when there is none. */
static size_t key_gap(const char *s, size_t len)
{
	size_t limit = len < KEY_MAX ? len : KEY_MAX;
	if (limit < 2)
		return 0;
	const char *tab = memchr(s + 1, '\t', limit - 1);
	/* A double space may start at any index below limit, and its second
	 * space must lie inside s. */
	size_t span = (limit < len ? limit + 1 : len) - 1;
	const char *spaces = memmem(s + 1, span, "  ", 2);
	if (tab == NULL && spaces == NULL)
		return 0;
	if (tab == NULL || (spaces != NULL && spaces < tab))
		return (size_t)(spaces - s);
	return (size_t)(tab - s);
}

/* Split "Key: value", "[Key] value", "a. [Key] value" or "Key<TAB>value". */
static void split_key(struct text_line *line)
{
	const char *s = line->text;
	size_t len = line->len;
	line->key = NULL;
	line->tentative = false;

	/* JPRS numbers its keys: "a. [Domain Name]". */
	if (len > 4 && s[1] == '.' && s[2] == ' ' && s[3] == '[') {
		s += 3;
		len -= 3;
	} else if (len > 3 && s[1] == ' ' && s[2] == '[') {
		/* MYNIC: "a [Domain Name]". */
		s += 2;
		len -= 2;
	}
	/* .tr marks keys with "** ". */
	while (len > 0 && s[0] == '*' && (len == 1 || s[1] == '*' || s[1] == ' ')) {
		s++;
		len--;
	}
	while (len > 0 && s[0] == ' ') {
		s++;
		len--;
	}
	if (len > 2 && s[0] == '[' && s[1] != ' ') {
		const char *close = memchr(s, ']', len < KEY_MAX ? len : KEY_MAX);
		if (close != NULL) {
			line->key = s + 1;
			line->key_len = (size_t)(close - s - 1);
			line->value = close + 1;
			line->value_len = len - (size_t)(close + 1 - s);
			return;
		}
	}
	size_t colon = key_colon(s, len);
	if (colon > 0) {
		line->key = s;
		line->key_len = colon;
		line->value = s + colon + 1;
		line->value_len = len - colon - 1;
		return;
	}
	size_t gap = key_gap(s, len);
	if (gap > 0) {
		line->key = s;
		line->key_len = gap;
		line->value = s + gap;
		line->value_len = len - gap;
		line->tentative = true;
	}
}

static bool is_comment(const struct text_line *line)
{
	char c = line->text[0];
	if (c == '%' || c == '#' || c == ';')
		return true;
	/* Rules such as "------" or "=====" between parts. */
	size_t marks = 0;
	while (marks < line->len && (line->text[marks] == '-' || line->text[marks] == '='))
		marks++;
	if (marks >= 3 && marks == line->len)
		return true;
	/* JPRS's banner: "[ JPRS database provides ... ]". */
	return c == '[' && line->len > 1 && line->text[1] == ' ';
}

/* --- Values -------------------------------------------------------------- */

static bool is_hostname(const char *s, size_t len)
{
	bool dot = false, alpha = false;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.')
			dot = true;
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			alpha = true;
		else if (!is_digit((char)c) && c != '-' && c != '_' && c < 0x80)
			return false;
	}
	return dot && alpha && s[0] != '.';
}

static void add_nameserver(struct text_parser *p, const char *tok, size_t n)
{
	struct whois_record *rec = p->rec;
	char name[256];
	for (size_t k = 0; k < n; k++)
		name[k] = ascii_lower(tok[k]);
	name[n] = '\0';
	for (size_t k = 0; k < rec->n_nameservers; k++) {
		if (strcmp(rec->nameservers[k], name) == 0)
			return;
	}
	if (rec->n_nameservers < WHOIS_LIST_MAX) {
		const char *copy = copy_trimmed(p, name, n);
		if (copy != NULL)
			rec->nameservers[rec->n_nameservers++] = copy;
	}
}

/* Name servers from a value: "ns1.example.net", "ns1.example.net.
 * 192.0.2.1" (glue after the name), "ns1.example.net ns2.example.net", or
 * DNS.PT's zone-file form "example.pt NS ns1.example.net.". */
static void add_nameservers(struct text_parser *p, const char *v, size_t len)
{
	const char *tokens[8];
	size_t lengths[8], count = 0;
	for (size_t i = 0; i < len && count < 8;) {
		while (i < len && (is_space(v[i]) || v[i] == ','))
			i++;
		size_t start = i;
		while (i < len && !is_space(v[i]) && v[i] != ',')
			i++;
		size_t n = i - start;
		while (n > 0 && v[start + n - 1] == '.')
			n--;
		if (n > 0) {
			tokens[count] = v + start;
			lengths[count++] = n;
		}
	}
	size_t from = 0;
	if (count >= 3 && lengths[1] == 2 && strncasecmp(tokens[1], "NS", 2) == 0)
		from = 2;
	/* Only the first word must be a name; later ones may be glue. */
	if (from >= count || !is_hostname(tokens[from], lengths[from]))
		return;
	for (size_t t = from; t < count; t++) {
		if (is_hostname(tokens[t], lengths[t]))
			add_nameserver(p, tokens[t], lengths[t]);
	}
}

/* Statuses, split at commas, each without the ICANN URL that follows it
 * ("clientTransferProhibited https://icann.org/epp#clientTransferProhibited"). */
static void add_statuses(struct text_parser *p, const char *v, size_t len)
{
	struct whois_record *rec = p->rec;
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && v[i] != ',')
			i++;
		size_t n = i - start;
		const char *s = v + start;
		i++;
		for (size_t k = 0; k + 4 <= n; k++) {
			/* The first byte is tested by hand: strncasecmp() at every
			 * byte of every status was a measurable cost. */
			if ((s[k] | 0x20) == 'h' && strncasecmp(s + k, "http", 4) == 0 &&
			    (k == 0 || is_space(s[k - 1]) || s[k - 1] == '(')) {
				n = k;
				break;
			}
		}
		/* "ok (paid and in zone)", "ok - Normal state.": the code comes
		 * first and its explanation after. */
		for (size_t k = 1; k + 1 < n; k++) {
			if (is_space(s[k - 1]) && (s[k] == '(' || (s[k] == '-' && is_space(s[k + 1])))) {
				n = k;
				break;
			}
		}
		while (n > 0 && (is_space(s[n - 1]) || s[n - 1] == '(' || s[n - 1] == '-'))
			n--;
		const char *copy = copy_trimmed(p, s, n);
		if (copy == NULL)
			continue;
		bool seen = false;
		for (size_t k = 0; k < rec->n_statuses && !seen; k++)
			seen = strcmp(rec->statuses[k], copy) == 0;
		if (!seen && rec->n_statuses < WHOIS_LIST_MAX)
			rec->statuses[rec->n_statuses++] = copy;
	}
}

static void set_domain(struct text_parser *p, const char *v, size_t len)
{
	if (p->rec->domain != NULL)
		return;
	while (len > 0 && is_space(*v)) {
		v++;
		len--;
	}
	size_t n = 0;
	while (n < len && !is_space(v[n]))
		n++;
	while (n > 0 && v[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return;
	char name[256];
	bool ascii = true;
	for (size_t k = 0; k < n; k++) {
		name[k] = ascii_lower(v[k]);
		ascii = ascii && (unsigned char)v[k] < 0x80;
	}
	name[n] = '\0';
	if (!ascii) {
		char *alabel = NULL;
		if (idn2_to_ascii_8z(name, &alabel, IDN2_NONTRANSITIONAL) == IDN2_OK) {
			p->rec->domain = copy_trimmed(p, alabel, strlen(alabel));
			idn2_free(alabel);
			return;
		}
	}
	if (is_hostname(name, n) || strchr(name, '.') == NULL)
		p->rec->domain = copy_trimmed(p, name, n);
}

static void set_string(struct text_parser *p, const char **field, const char *v, size_t len)
{
	if (*field == NULL)
		*field = copy_trimmed(p, v, len);
}

/* Registries known to write numeric dates month first ("12/18/2001").
 * NOTE: only Dot TK is known; an all-numeric date from any other registry
 * is read day first unless its first number exceeds 12. */
static bool month_first(const struct text_parser *p)
{
	const char *d = p->rec->domain;
	size_t n = d != NULL ? strlen(d) : 0;
	return n > 3 && strcmp(d + n - 3, ".tk") == 0;
}

static void set_date(const struct text_parser *p, int64_t *field, const char *v, size_t len)
{
	if (*field != WHOIS_TIME_UNSET || len == 0)
		return;
	char buf[128];
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	int64_t t;
	if (whois_date_parse(buf, month_first(p), &t))
		*field = t;
}

/* Add an address line; lines past WHOIS_STREET_MAX join the last one,
 * separated by ", ". */
static void add_street(struct text_parser *p, struct whois_contact *c, const char *v, size_t len)
{
	const char *line = copy_trimmed(p, v, len);
	if (line == NULL)
		return;
	for (size_t i = 0; i < WHOIS_STREET_MAX; i++) {
		if (c->street[i] == NULL) {
			c->street[i] = line;
			return;
		}
	}
	const char *last = c->street[WHOIS_STREET_MAX - 1];
	size_t a = strlen(last), b = strlen(line);
	char *joined = arena_alloc(p->arena, a + b + 3);
	if (joined == NULL) {
		p->nomem = true;
		return;
	}
	memcpy(joined, last, a);
	memcpy(joined + a, ", ", 2);
	memcpy(joined + a + 2, line, b + 1);
	c->street[WHOIS_STREET_MAX - 1] = joined;
}

/* The contact a field of role goes to: the block being read, or the
 * record's contact for that role. */
static struct whois_contact *contact_for(struct text_parser *p, int role)
{
	if (p->block != NULL)
		return &p->block->contact;
	if (role < 0 || role >= WHOIS_ROLE_COUNT)
		return NULL;
	return &p->rec->contacts[role];
}

static bool is_blank_value(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_space(v[i]))
			return false;
	}
	return true;
}

/* "Given name: DNS" then "Family name: Admin" make "DNS Admin"; a family
 * name of "." stands for none. */
static void add_family_name(struct text_parser *p, struct whois_contact *c, const char *v,
                            size_t len)
{
	const char *family = copy_trimmed(p, v, len);
	if (family == NULL || strcmp(family, ".") == 0)
		return;
	if (c->name == NULL) {
		c->name = family;
		return;
	}
	size_t a = strlen(c->name), b = strlen(family);
	char *full = arena_alloc(p->arena, a + b + 2);
	if (full == NULL) {
		p->nomem = true;
		return;
	}
	memcpy(full, c->name, a);
	full[a] = ' ';
	memcpy(full + a + 1, family, b + 1);
	c->name = full;
}

static void set_contact_field(struct text_parser *p, struct whois_contact *c,
                              enum text_field field, const char *v, size_t len)
{
	if (c == NULL || is_blank_value(v, len))
		return;
	c->present = true;
	switch (field) {
	case TF_C_ID: set_string(p, &c->id, v, len); break;
	case TF_C_NAME: set_string(p, &c->name, v, len); break;
	case TF_C_FAMILY_NAME: add_family_name(p, c, v, len); break;
	case TF_C_ORG: set_string(p, &c->org, v, len); break;
	case TF_C_EMAIL: set_string(p, &c->email, v, len); break;
	case TF_C_PHONE: set_string(p, &c->phone, v, len); break;
	case TF_C_FAX: set_string(p, &c->fax, v, len); break;
	case TF_C_STREET:
	case TF_C_ADDRESS: add_street(p, c, v, len); break;
	case TF_C_DESCR:
		if (c->name == NULL)
			set_string(p, &c->name, v, len);
		else
			add_street(p, c, v, len);
		break;
	case TF_C_CITY: set_string(p, &c->city, v, len); break;
	case TF_C_STATE: set_string(p, &c->state, v, len); break;
	case TF_C_POSTAL: set_string(p, &c->postal_code, v, len); break;
	case TF_C_COUNTRY: set_string(p, &c->country, v, len); break;
	default: break;
	}
}

static bool all_digits(const char *v, size_t len)
{
	size_t n = 0;
	while (len > 0 && is_space(*v)) {
		v++;
		len--;
	}
	while (n < len && is_digit(v[n]))
		n++;
	return n > 0 && is_blank_value(v + n, len - n);
}

/* "MarkMonitor Inc. (http://www.markmonitor.com)": the URL in brackets is
 * the registrar's. */
static void set_registrar_name(struct text_parser *p, const char *v, size_t len)
{
	struct whois_registrar *r = &p->rec->registrar;
	while (len > 0 && is_space(v[len - 1]))
		len--;
	const char *open = len > 0 && v[len - 1] == ')' ? memchr(v, '(', len) : NULL;
	if (open != NULL && starts_with_nocase(open + 1, len - (size_t)(open + 1 - v), "http")) {
		set_string(p, &r->url, open + 1, len - (size_t)(open + 1 - v) - 1);
		len = (size_t)(open - v);
	}
	/* Afilias adds the registrar's handle: "MarkMonitor, Inc. (R22-LRCC)". */
	open = len > 0 && v[len - 1] == ')' ? memchr(v, '(', len) : NULL;
	if (open != NULL && open > v && memchr(open, ' ', len - (size_t)(open - v)) == NULL &&
	    memchr(open, '-', len - (size_t)(open - v)) != NULL)
		len = (size_t)(open - v);
	set_string(p, &r->name, v, len);
}

/* Store value under key, the field and role a lookup gave. */
static void assign(struct text_parser *p, const struct text_key *key, const char *v, size_t len)
{
	struct whois_record *rec = p->rec;
	if (key->field != TF_NAMESERVER && is_blank_value(v, len))
		return;
	switch (key->field) {
	case TF_DOMAIN: set_domain(p, v, len); break;
	case TF_REGISTRY_ID: set_string(p, &rec->registry_id, v, len); break;
	case TF_CREATED: set_date(p, &rec->created, v, len); break;
	case TF_UPDATED: set_date(p, &rec->updated, v, len); break;
	case TF_EXPIRES: set_date(p, &rec->expires, v, len); break;
	case TF_DATABASE_UPDATED: set_date(p, &rec->database_updated, v, len); break;
	case TF_STATUS: add_statuses(p, v, len); break;
	case TF_NAMESERVER: add_nameservers(p, v, len); break;
	case TF_DNSSEC: set_string(p, &rec->dnssec, v, len); break;
	case TF_REFERRAL: set_string(p, &rec->referral_server, v, len); break;
	case TF_REGISTRAR_NAME:
		/* A registrar given by handle ("MARK-0292") gives way to the name
		 * of its block. */
		if (rec->registrar.name != NULL && key->role == TEXT_ROLE_REGISTRAR &&
		    strchr(rec->registrar.name, ' ') == NULL && memchr(v, ' ', len) != NULL)
			rec->registrar.name = NULL;
		set_registrar_name(p, v, len);
		break;
	case TF_REGISTRAR_IANA_ID:
		if (all_digits(v, len))
			set_string(p, &rec->registrar.iana_id, v, len);
		break;
	case TF_REGISTRAR_WHOIS: set_string(p, &rec->registrar.whois_server, v, len); break;
	case TF_REGISTRAR_URL: set_string(p, &rec->registrar.url, v, len); break;
	case TF_ABUSE_EMAIL: set_string(p, &rec->registrar.abuse_email, v, len); break;
	case TF_ABUSE_PHONE: set_string(p, &rec->registrar.abuse_phone, v, len); break;
	case TF_CONTACT:
		if (p->block != NULL)
			set_contact_field(p, &p->block->contact, TF_C_NAME, v, len);
		else if (key->role >= 0 && key->role < WHOIS_ROLE_COUNT)
			set_string(p, &p->candidates[key->role], v, len);
		break;
	case TF_CONTACT_REF:
		if (key->role >= 0 && key->role < WHOIS_ROLE_COUNT)
			set_string(p, &p->refs[key->role], v, len);
		break;
	case TF_CONTACT_HANDLE:
		if (p->block != NULL)
			set_string(p, &p->block->handle, v, len);
		break;
	default:
		if (text_field_is_contact(key->field))
			set_contact_field(p, contact_for(p, key->role), key->field, v, len);
		break;
	}
}

/* --- Contacts written as plain lines ---------------------------------- */

static bool looks_like_phone(const char *s)
{
	size_t digits = 0, n = 0;
	if (*s != '+' && *s != '(' && !is_digit(*s))
		return false;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (is_digit(c))
			digits++;
		else if (!strchr("+-.() x", c))
			return false;
	}
	return digits >= 6;
}

/* Legal forms that mark an organisation rather than a person. */
static bool looks_like_org(const char *s)
{
	static const char *const forms[] = {
		" inc", " llc", " ltd", " limited", " gmbh", " corp", " co.", " company",
		" s.a", " ag", " ab", " as", " oy", " bv", " b.v", " plc", " pty", " kk",
		" corporation", " group", " university", " sas", " srl", " s.r.l", " spa",
		" nv", " oü", " registry", " holdings", "株式会社", "有限会社", "(주)", "公司",
	};
	size_t len = strlen(s);
	char low[256];
	if (len >= sizeof(low) - 1)
		len = sizeof(low) - 2;
	low[0] = ' ';
	for (size_t i = 0; i < len; i++)
		low[i + 1] = ascii_lower(s[i]);
	low[len + 1] = '\0';
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const char *hit = strstr(low, forms[i]);
		if (hit == NULL)
			continue;
		char after = hit[strlen(forms[i])];
		if (after == '\0' || after == ' ' || after == '.' || after == ',' ||
		    (unsigned char)forms[i][0] >= 0x80)
			return true;
	}
	return false;
}

/* Read the lines of a section such as "Registrant:\n  Example Ltd\n  Jane
 * Doe  jane@example.com\n  +1.5555550100\n  1 Main St\n  Springfield\n  US":
 * an organisation or a name first, then a name after an organisation,
 * emails and phone numbers wherever they are, the rest as the address with
 * the country last. */
static void read_pending_contact(struct text_parser *p)
{
	if (p->n_pending == 0)
		return;
	struct whois_contact *c = contact_for(p, p->pending_role);
	if (c == NULL) {
		p->n_pending = 0;
		return;
	}
	const char *text[PENDING_MAX];
	size_t n_text = 0;
	for (size_t i = 0; i < p->n_pending; i++) {
		const char *line = p->pending[i];
		const char *at = strchr(line, '@');
		if (at != NULL) {
			/* "DNS Admin  dns-admin@example.com": the word with the @ is the email. */
			const char *start = at;
			while (start > line && !is_space(start[-1]))
				start--;
			const char *end = at;
			while (*end != '\0' && !is_space(*end))
				end++;
			set_contact_field(p, c, TF_C_EMAIL, start, (size_t)(end - start));
			if (start > line && n_text < PENDING_MAX)
				text[n_text++] = copy_trimmed(p, line, (size_t)(start - line));
			continue;
		}
		if (looks_like_phone(line)) {
			set_contact_field(p, c, c->phone == NULL ? TF_C_PHONE : TF_C_FAX, line,
			                  strlen(line));
			continue;
		}
		text[n_text++] = line;
	}
	size_t i = 0;
	if (i < n_text && text[i] != NULL) {
		bool org = looks_like_org(text[i]);
		set_contact_field(p, c, org ? TF_C_ORG : TF_C_NAME, text[i], strlen(text[i]));
		i++;
		if (org && i < n_text && text[i] != NULL && n_text - i >= 3 && !is_digit(text[i][0])) {
			set_contact_field(p, c, TF_C_NAME, text[i], strlen(text[i]));
			i++;
		}
	}
	for (; i < n_text; i++) {
		if (text[i] == NULL)
			continue;
		if (i == n_text - 1 && n_text >= 3)
			set_contact_field(p, c, TF_C_COUNTRY, text[i], strlen(text[i]));
		else
			set_contact_field(p, c, TF_C_STREET, text[i], strlen(text[i]));
	}
	p->n_pending = 0;
}

/* --- Sections and blocks ------------------------------------------------ */

static void end_section(struct text_parser *p)
{
	read_pending_contact(p);
	p->in_section = false;
}

static void end_block(struct text_parser *p)
{
	struct handle_block *b = p->block;
	p->block = NULL;
	p->block_lines = 0;
	p->skip_block = false;
	if (b == NULL)
		return;
	if (b->handle == NULL && b->role >= 0 && b->role < WHOIS_ROLE_COUNT) {
		/* A block for a role ("contact: administrative" at IANA) goes
		 * straight to the record. */
		struct whois_contact *to = &p->rec->contacts[b->role];
		if (!to->present)
			*to = b->contact;
		p->n_blocks--;
		return;
	}
	if (b->handle == NULL)
		p->n_blocks--;
}

/* A key at the start of a block that opens a contact block: a handle, or a
 * role given as a value (IANA's "contact: administrative"). */
static bool open_block(struct text_parser *p, const char *norm, const struct text_line *line)
{
	int role = TEXT_ROLE_NONE;
	bool handle = false;
	const char *v = line->value;
	size_t vlen = line->value_len;
	while (vlen > 0 && is_space(*v)) {
		v++;
		vlen--;
	}
	if (strcmp(norm, "nic hdl") == 0 || strcmp(norm, "nic hdl br") == 0 ||
	    strcmp(norm, "handle") == 0) {
		handle = true;
	} else if (strcmp(norm, "contact") == 0) {
		if (starts_with_nocase(v, vlen, "administrative"))
			role = WHOIS_ADMIN;
		else if (starts_with_nocase(v, vlen, "technical"))
			role = WHOIS_TECH;
		else if (starts_with_nocase(v, vlen, "billing"))
			role = WHOIS_BILLING;
		else if (starts_with_nocase(v, vlen, "registrant") ||
		         starts_with_nocase(v, vlen, "owner"))
			role = WHOIS_REGISTRANT;
		else
			handle = true;
	} else if (strcmp(norm, "person") == 0 || strcmp(norm, "role") == 0 ||
	           strcmp(norm, "personname") == 0) {
		/* A RIPE-style person object; its nic-hdl follows. */
	} else if (strcmp(norm, "organisation") == 0) {
		/* IANA's registry operator block. */
		role = WHOIS_REGISTRANT;
	} else {
		return false;
	}
	if (p->n_blocks >= HANDLE_MAX)
		return false;
	struct handle_block *b = &p->blocks[p->n_blocks++];
	memset(b, 0, sizeof(*b));
	b->role = role;
	p->block = b;
	if (handle)
		b->handle = copy_trimmed(p, v, vlen);
	else if (role == TEXT_ROLE_NONE || strcmp(norm, "organisation") == 0)
		set_contact_field(p, &b->contact, strcmp(norm, "organisation") == 0 ? TF_C_ORG
		                                                                      : TF_C_NAME,
		                  v, vlen);
	return true;
}

static bool multi_valued(enum text_field field)
{
	return field == TF_C_ADDRESS || field == TF_C_STREET || field == TF_NAMESERVER ||
	       field == TF_STATUS || field == TF_C_DESCR;
}

/* Free-text lines with a date: "Record expires on 2020-10-31 (YYYY-MM-DD)". */
static void read_phrase(struct text_parser *p, const struct text_line *line)
{
#define PHRASE(text) text, sizeof(text) - 1
	static const struct {
		const char *prefix;
		size_t len;
		enum text_field field;
	} phrases[] = {
		{PHRASE("record expires on "), TF_EXPIRES},
		{PHRASE("record created on "), TF_CREATED},
		{PHRASE("record last updated on "), TF_UPDATED},
		{PHRASE("domain expires on "), TF_EXPIRES},
		{PHRASE("expires on "), TF_EXPIRES},
		{PHRASE("created on "), TF_CREATED},
		{PHRASE("last updated on "), TF_UPDATED},
		{PHRASE("registered on "), TF_CREATED},
	};
#undef PHRASE
	char first = ascii_lower(line->text[0]);
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		size_t n = phrases[i].len;
		if (first == phrases[i].prefix[0] && line->len >= n &&
		    strncasecmp(line->text, phrases[i].prefix, n) == 0) {
			struct text_key key = {phrases[i].field, TEXT_ROLE_NONE};
			assign(p, &key, line->text + n, line->len - n);
			return;
		}
	}
}

/* A line without a key inside the open section. */
static void section_member(struct text_parser *p, const struct text_line *line)
{
	const struct text_key *s = &p->section;
	p->section_members++;
	switch (s->field) {
	case TF_CONTACT:
		if (p->n_pending < PENDING_MAX) {
			const char *copy = copy_trimmed(p, line->text, line->len);
			if (copy != NULL) {
				p->pending[p->n_pending++] = copy;
				p->pending_role = s->role;
			}
		}
		break;
	case TF_DOMAIN:
		if (p->section_members == 1) {
			assign(p, s, line->text, line->len);
			/* Dot TK: "GOOGLE.TK is Active". */
			const char *is = strstr(line->text, " is ");
			if (is != NULL) {
				struct text_key status = {TF_STATUS, TEXT_ROLE_NONE};
				assign(p, &status, is + 4, line->len - (size_t)(is + 4 - line->text));
			}
		}
		break;
	case TF_REGISTRAR_NAME:
		if (p->section_members == 1)
			assign(p, s, line->text, line->len);
		break;
	case TF_NAMESERVER:
	case TF_STATUS:
	case TF_C_ADDRESS:
	case TF_C_STREET:
		assign(p, s, line->text, line->len);
		break;
	case TF_NONE:
	case TF_IGNORE:
		read_phrase(p, line);
		break;
	default:
		if (p->section_members == 1)
			assign(p, s, line->text, line->len);
		break;
	}
}

/* Whether a header with an empty value opens a section whose lines follow. */
static bool opens_section(const struct text_key *key, bool known)
{
	if (!known)
		return true;
	switch (key->field) {
	case TF_CONTACT:
	case TF_C_ADDRESS:
	case TF_NAMESERVER:
	case TF_REGISTRAR_NAME:
	case TF_DOMAIN:
	case TF_STATUS:
	case TF_CREATED:
	case TF_UPDATED:
	case TF_EXPIRES:
		return true;
	default:
		return false;
	}
}

static int section_role(const struct text_key *key)
{
	if (key->field == TF_REGISTRAR_NAME)
		return TEXT_ROLE_REGISTRAR;
	if (key->field == TF_DOMAIN)
		return TEXT_ROLE_DOMAIN;
	if (key->field == TF_CONTACT || text_field_is_contact(key->field))
		return key->role;
	return TEXT_ROLE_NONE;
}

static void start_section(struct text_parser *p, const struct text_key *key, int indent)
{
	end_section(p);
	p->in_section = true;
	p->section = *key;
	p->section_indent = indent;
	p->section_flat = false;
	p->section_soft = false;
	p->section_members = 0;
	p->section_lines = 0;
	p->n_pending = 0;
}

/* text_key_lookup(k->norm, k->len, TEXT_ROLE_NONE, out), remembered in k. */
static bool lookup_top(struct line_key *k, struct text_key *out)
{
	if (!k->looked_up) {
		k->known = text_key_lookup(k->norm, k->len, TEXT_ROLE_NONE, &k->top);
		k->looked_up = true;
	}
	if (k->known)
		*out = k->top;
	return k->known;
}

/* Look key up, and when it is unknown, its English half: DNS.PT writes
 * "Data de registo / Creation Date" and NIC Chile "Contacto Técnico
 * (Technical Contact)". k is replaced by the half that matched. */
static bool lookup_bilingual(const char *key, size_t key_len, struct line_key *k, int ctx,
                             struct text_key *out)
{
	if (ctx == TEXT_ROLE_NONE ? lookup_top(k, out) : text_key_lookup(k->norm, k->len, ctx, out))
		return true;
	const char *half = NULL;
	size_t half_len = 0;
	for (size_t i = 0; i + 2 < key_len; i++) {
		if (key[i] == ' ' && key[i + 1] == '/' && key[i + 2] == ' ') {
			half = key + i + 3;
			half_len = key_len - i - 3;
		}
	}
	const char *open = memchr(key, '(', key_len);
	const char *close = open != NULL ? memchr(open, ')', key_len - (size_t)(open - key)) : NULL;
	if (half == NULL && close != NULL) {
		half = open + 1;
		half_len = (size_t)(close - open - 1);
	}
	if (half == NULL)
		return false;
	char alt[KEY_MAX * 4];
	size_t alen = text_key_normalize(half, half_len, alt, sizeof(alt));
	if (!text_key_lookup(alt, alen, ctx, out))
		return false;
	memcpy(k->norm, alt, alen + 1);
	k->len = alen;
	k->looked_up = false;
	return true;
}

/* Keys that close a soft section because they describe the domain again
 * (JPRS: "[Registrant] X", then "[Name Server]", then "[State]"). */
static bool ends_soft_section(struct line_key *k)
{
	struct text_key key;
	if (!lookup_top(k, &key))
		return false;
	return key.field == TF_NAMESERVER || key.field == TF_CREATED || key.field == TF_EXPIRES ||
	       key.field == TF_DNSSEC;
}

static void keyed_line(struct text_parser *p, const struct text_line *line, struct line_key *k)
{
	int ctx = TEXT_ROLE_NONE;
	if (p->in_section)
		ctx = section_role(&p->section);
	if (p->block != NULL)
		ctx = p->block->role >= 0 ? p->block->role : WHOIS_REGISTRANT;

	struct text_key key = {TF_NONE, TEXT_ROLE_NONE};
	bool known;
	if (ctx == TEXT_ROLE_DOMAIN && strcmp(k->norm, "name") == 0) {
		key.field = TF_DOMAIN;
		known = true;
	} else {
		known = lookup_bilingual(line->key, line->key_len, k,
		                         ctx == TEXT_ROLE_DOMAIN ? TEXT_ROLE_NONE : ctx, &key);
	}
	if (p->block != NULL && key.field == TF_C_ID && p->block->handle == NULL)
		key.field = TF_CONTACT_HANDLE;
	if (p->block != NULL && key.field == TF_CONTACT_HANDLE) {
		assign(p, &key, line->value, line->value_len);
		return;
	}

	bool empty = is_blank_value(line->value, line->value_len);
	if (empty && opens_section(&key, known)) {
		start_section(p, known ? &key : &(struct text_key){TF_NONE, TEXT_ROLE_NONE},
		              line->indent);
		p->last_valid = false;
		return;
	}
	if (!known)
		return;
	if (key.field == TF_SKIP_BLOCK)
		p->skip_block = true;
	if (p->skip_block)
		return;
	if (p->in_section && p->section_soft && ends_soft_section(k)) {
		end_section(p);
		known = lookup_top(k, &key);
	}
	if (key.field == TF_IGNORE && p->in_section && p->section_flat) {
		/* A section without indentation has no clear end, so it lends
		 * its role only to the keys of its role. */
		known = lookup_top(k, &key);
		if (!known)
			return;
	}
	assign(p, &key, line->value, line->value_len);
	/* "Domain registrant: AB-123" or "Registrar: X" followed by unprefixed
	 * "Name:", "Email:" lines: those lines belong to that role. */
	if (!empty && p->block == NULL && (key.field == TF_CONTACT ||
	                                   (key.field == TF_REGISTRAR_NAME && key.role == TEXT_ROLE_NONE))) {
		start_section(p, &key, line->indent);
		p->section_flat = true;
		p->section_soft = true;
		p->section_members = 1;
	}
	p->last_valid = !empty;
	p->last_indent = line->indent;
	p->last = key;
}

static void process_line(struct text_parser *p, struct text_line *line)
{
	/* A section ends at a line indented no deeper than its header, unless
	 * its members share the header's indentation. */
	if (p->in_section) {
		bool deeper = line->indent > p->section_indent;
		if (p->section_lines == 0 && !deeper && !p->section_flat)
			p->section_flat = true;
		if (!deeper && !p->section_flat)
			end_section(p);
		else
			p->section_lines++;
	}

	split_key(line);
	struct line_key k;
	struct text_key probe;
	if (line->key != NULL) {
		k.len = text_key_normalize(line->key, line->key_len, k.norm, sizeof(k.norm));
		k.looked_up = false;
		/* An unknown key deeper than an address is part of the address
		 * ("No:114 G-4 Balgat" under "Address:"). */
		bool may_continue = p->last_valid && line->indent > p->last_indent &&
		                    multi_valued(p->last.field) && p->last.field != TF_NAMESERVER;
		if ((line->tentative || may_continue) &&
		    !lookup_top(&k, &probe))
			line->key = NULL;
	}

	if (line->key == NULL) {
		/* A value continued on the next line, deeper than its key. */
		bool flat_address = p->in_section && p->section_flat &&
		                    (p->last.field == TF_C_ADDRESS || p->last.field == TF_C_STREET);
		if (p->last_valid && multi_valued(p->last.field) &&
		    (line->indent > p->last_indent || flat_address)) {
			assign(p, &p->last, line->text, line->len);
			return;
		}
		p->last_valid = false;
		/* A header, or its English half after " / ", in a line shorter
		 * than KEY_MAX. */
		struct text_key section;
		bool header = false;
		if (line->len < KEY_MAX) {
			header = text_section_lookup_text(line->text, line->len, &section);
			const char *slash = header ? NULL : strstr(line->text, " / ");
			if (slash != NULL)
				header = text_section_lookup_text(
					slash + 3, line->len - (size_t)(slash + 3 - line->text), &section);
		}
		if (header) {
			start_section(p, &section, line->indent);
			return;
		}
		if (p->in_section && !p->section_soft)
			section_member(p, line);
		else
			read_phrase(p, line);
		p->block_lines++;
		return;
	}

	if (p->block_lines == 0 && p->block == NULL && !p->in_section &&
	    open_block(p, k.norm, line)) {
		p->block_lines++;
		/* The opening line of a role or handle block only names it. */
		if (p->block->role != TEXT_ROLE_NONE || p->block->handle != NULL)
			return;
	}
	p->block_lines++;
	keyed_line(p, line, &k);
}

/* --- Contacts by handle --------------------------------------------------- */

static struct handle_block *find_handle(struct text_parser *p, const char *handle)
{
	if (handle == NULL)
		return NULL;
	for (size_t i = 0; i < p->n_blocks; i++) {
		if (p->blocks[i].handle != NULL && strcasecmp(p->blocks[i].handle, handle) == 0)
			return &p->blocks[i];
	}
	return NULL;
}

static void merge_contact(struct whois_contact *to, const struct whois_contact *from)
{
	const char *const *src[] = {&from->id,    &from->name,  &from->org,
	                            &from->email, &from->phone, &from->fax,
	                            &from->city,  &from->state, &from->postal_code,
	                            &from->country};
	const char **dst[] = {&to->id,    &to->name,  &to->org,         &to->email,
	                      &to->phone, &to->fax,   &to->city,        &to->state,
	                      &to->postal_code, &to->country};
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		if (*dst[i] == NULL)
			*dst[i] = *src[i];
	}
	if (to->street[0] == NULL)
		memcpy(to->street, from->street, sizeof(to->street));
	to->present = to->present || from->present;
}

static void resolve_contacts(struct text_parser *p)
{
	for (int role = 0; role < WHOIS_ROLE_COUNT; role++) {
		struct whois_contact *c = &p->rec->contacts[role];
		const char *cand = p->candidates[role];
		struct handle_block *b = find_handle(p, p->refs[role]);
		if (b == NULL && cand != NULL) {
			b = find_handle(p, cand);
			if (b != NULL)
				cand = NULL;
		}
		if (b != NULL) {
			merge_contact(c, &b->contact);
			if (c->id == NULL)
				c->id = b->handle;
			c->present = true;
		} else if (p->refs[role] != NULL && c->id == NULL) {
			c->id = p->refs[role];
			c->present = true;
		}
		if (cand != NULL && strchr(cand, ' ') == NULL && strpbrk(cand, "0123456789") != NULL &&
		    strchr(cand, '@') == NULL) {
			/* "Domain registrant: mmr-170347": a handle with no block. */
			if (c->id == NULL)
				c->id = cand;
			c->present = true;
		} else if (cand != NULL) {
			if (looks_like_org(cand) || c->name != NULL)
				set_contact_field(p, c, c->org == NULL ? TF_C_ORG : TF_C_NAME, cand,
				                  strlen(cand));
			else
				set_contact_field(p, c, TF_C_NAME, cand, strlen(cand));
		}
	}
}

/* --- Entry point ---------------------------------------------------------- */

/* DK Hostmaster repeats the domain as "DNS: google.dk", a key that other
 * registries use for name servers. */
static void drop_self_nameserver(struct whois_record *rec)
{
	if (rec->domain == NULL)
		return;
	size_t kept = 0;
	for (size_t i = 0; i < rec->n_nameservers; i++) {
		if (strcmp(rec->nameservers[i], rec->domain) != 0)
			rec->nameservers[kept++] = rec->nameservers[i];
	}
	rec->n_nameservers = kept;
}

static bool looks_binary(const struct byte_counts *counts, size_t len)
{
	return !counts->printable || counts->control * 10 > len;
}

static void handle_database_line(struct text_parser *p, struct text_line *line)
{
	/* ">>> Last update of WHOIS database: 2019-10-12T09:42:27Z <<<" */
	const char *s = line->text;
	size_t len = line->len;
	while (len > 0 && (*s == '>' || *s == ' ')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == '<' || s[len - 1] == ' '))
		len--;
	const char *colon = memchr(s, ':', len);
	if (colon == NULL)
		return;
	struct text_key key = {TF_DATABASE_UPDATED, TEXT_ROLE_NONE};
	if (starts_with_nocase(s, len, "last update of whois database"))
		assign(p, &key, colon + 1, len - (size_t)(colon + 1 - s));
}

dn_status whois_parse_text(const char *text, size_t len, const struct whois_text_hints *hints,
                           struct arena *arena, struct whois_record *rec, struct dn_error *err)
{
	whois_record_init(rec);
	if (text == NULL || len == 0)
		return dn_fail(err, DN_EFORMAT, "empty WHOIS response: nothing to parse");
	struct byte_counts counts;
	count_bytes(text, len, &counts);
	if (looks_binary(&counts, len))
		return dn_fail(err, DN_EFORMAT,
		               "not a WHOIS text response: %zu bytes with no text or with control bytes",
		               len);

	struct text_parser *p = arena_alloc(arena, sizeof(*p));
	if (p == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory parsing a WHOIS response of %zu bytes",
		               len);
	memset(p, 0, offsetof(struct text_parser, blocks));
	p->arena = arena;
	p->rec = rec;
	p->hints = hints;

	size_t ulen;
	char *buf = to_utf8(p, text, len, counts.plain, &ulen);
	if (buf == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory parsing a WHOIS response of %zu bytes",
		               len);

	for (size_t pos = 0; pos <= ulen;) {
		const char *eol = memchr(buf + pos, '\n', ulen - pos);
		size_t end = eol != NULL ? (size_t)(eol - buf) : ulen;
		struct text_line line = {0};
		size_t i = pos;
		while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r')) {
			line.indent += buf[i] == '\t' ? 8 - line.indent % 8 : buf[i] == ' ';
			i++;
		}
		size_t stop = end;
		while (stop > i && is_space(buf[stop - 1]))
			stop--;
		line.text = buf + i;
		line.len = stop - i;
		buf[stop] = '\0';
		pos = end + 1;

		if (line.len == 0) {
			/* HKIRC leaves a blank line between a header and its lines. */
			if (p->in_section && p->section_lines == 0 && !p->section_soft)
				continue;
			end_section(p);
			end_block(p);
			p->last_valid = false;
			continue;
		}
		if (line.text[0] == '>' || (ascii_lower(line.text[0]) == 'l' &&
		                            starts_with_nocase(line.text, line.len, "last update of"))) {
			handle_database_line(p, &line);
			continue;
		}
		if (is_comment(&line))
			continue;
		process_line(p, &line);
		if (eol == NULL)
			break;
	}
	end_section(p);
	end_block(p);
	resolve_contacts(p);
	if (p->nomem)
		return dn_fail(err, DN_ENOMEM, "out of memory parsing a WHOIS response of %zu bytes",
		               len);

	if (rec->referral_server == NULL && rec->registrar.whois_server != NULL &&
	    (hints == NULL || hints->server == NULL ||
	     strcasecmp(hints->server, rec->registrar.whois_server) != 0))
		rec->referral_server = rec->registrar.whois_server;
	if (rec->domain == NULL && hints != NULL && hints->domain != NULL)
		set_domain(p, hints->domain, strlen(hints->domain));
	drop_self_nameserver(rec);

	text_status_decide(buf, ulen, rec, arena);
	whois_mark_masked(rec);
	return DN_OK;
}
