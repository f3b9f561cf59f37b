/* Contact values to index keys: email, phone, name, organisation, address. */
#include "whois/normalize.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

/* Maximum input length folded, in code points; longer values are cut. */
#define FOLD_INPUT_MAX 1024

/* Calling code and trunk prefix of a country (ITU-T E.164 assignments). An
 * empty trunk means national numbers are dialled without one, or that they
 * keep their leading 0 after the country code (Italy). */
struct country_phone {
	char alpha2[3];
	const char *code;
	const char *trunk;
};

static const struct country_phone COUNTRY_PHONES[] = {
	{"ae", "971", "0"}, {"ar", "54", "0"},  {"at", "43", "0"},   {"au", "61", "0"},
	{"bd", "880", "0"}, {"be", "32", "0"},  {"bg", "359", "0"},  {"bh", "973", ""},
	{"br", "55", "0"},  {"by", "375", "8"}, {"ca", "1", "1"},    {"ch", "41", "0"},
	{"cn", "86", "0"},  {"cy", "357", ""},  {"cz", "420", ""},   {"de", "49", "0"},
	{"dk", "45", ""},   {"dz", "213", "0"}, {"ee", "372", ""},   {"eg", "20", "0"},
	{"es", "34", ""},   {"fi", "358", "0"}, {"fr", "33", "0"},   {"gb", "44", "0"},
	{"ge", "995", "0"}, {"gr", "30", ""},   {"hk", "852", ""},   {"hr", "385", "0"},
	{"hu", "36", "06"}, {"id", "62", "0"},  {"ie", "353", "0"},  {"il", "972", "0"},
	{"in", "91", "0"},  {"iq", "964", "0"}, {"ir", "98", "0"},   {"is", "354", ""},
	{"it", "39", ""},   {"jo", "962", "0"}, {"jp", "81", "0"},   {"ke", "254", "0"},
	{"kr", "82", "0"},  {"kw", "965", ""},  {"kz", "7", "8"},    {"lb", "961", "0"},
	{"lk", "94", "0"},  {"lu", "352", ""},  {"lv", "371", ""},   {"ma", "212", "0"},
	{"md", "373", "0"}, {"mt", "356", ""},  {"my", "60", "0"},   {"ng", "234", "0"},
	{"nl", "31", "0"},  {"no", "47", ""},   {"np", "977", "0"},  {"nz", "64", "0"},
	{"om", "968", ""},  {"pe", "51", "0"},  {"ph", "63", "0"},   {"pk", "92", "0"},
	{"pl", "48", ""},   {"pt", "351", ""},  {"qa", "974", ""},   {"ro", "40", "0"},
	{"rs", "381", "0"}, {"ru", "7", "8"},   {"sa", "966", "0"},  {"se", "46", "0"},
	{"sg", "65", ""},   {"si", "386", "0"}, {"sk", "421", "0"},  {"th", "66", "0"},
	{"tr", "90", "0"},  {"tw", "886", "0"}, {"ua", "380", "0"},  {"us", "1", "1"},
	{"ve", "58", "0"},  {"vn", "84", "0"},  {"za", "27", "0"},
};

/* Country names as folded by fold_text(), for the ones WHOIS records spell
 * out most often. */
struct country_name {
	const char *name;
	char alpha2[3];
};

static const struct country_name COUNTRY_NAMES[] = {
	{"argentina", "ar"},
	{"australia", "au"},
	{"austria", "at"},
	{"osterreich", "at"},
	{"bangladesh", "bd"},
	{"belarus", "by"},
	{"belgium", "be"},
	{"belgique", "be"},
	{"belgie", "be"},
	{"brazil", "br"},
	{"brasil", "br"},
	{"bulgaria", "bg"},
	{"canada", "ca"},
	{"chile", "cl"},
	{"china", "cn"},
	{"peoples republic of china", "cn"},
	{"colombia", "co"},
	{"croatia", "hr"},
	{"cyprus", "cy"},
	{"czech republic", "cz"},
	{"czechia", "cz"},
	{"denmark", "dk"},
	{"egypt", "eg"},
	{"estonia", "ee"},
	{"finland", "fi"},
	{"france", "fr"},
	{"germany", "de"},
	{"deutschland", "de"},
	{"greece", "gr"},
	{"hong kong", "hk"},
	{"hungary", "hu"},
	{"iceland", "is"},
	{"india", "in"},
	{"indonesia", "id"},
	{"iran", "ir"},
	{"ireland", "ie"},
	{"israel", "il"},
	{"italy", "it"},
	{"italia", "it"},
	{"japan", "jp"},
	{"kazakhstan", "kz"},
	{"kenya", "ke"},
	{"korea republic of", "kr"},
	{"republic of korea", "kr"},
	{"south korea", "kr"},
	{"latvia", "lv"},
	{"lithuania", "lt"},
	{"luxembourg", "lu"},
	{"malaysia", "my"},
	{"malta", "mt"},
	{"mexico", "mx"},
	{"moldova", "md"},
	{"morocco", "ma"},
	{"netherlands", "nl"},
	{"the netherlands", "nl"},
	{"holland", "nl"},
	{"nederland", "nl"},
	{"new zealand", "nz"},
	{"nigeria", "ng"},
	{"norway", "no"},
	{"pakistan", "pk"},
	{"panama", "pa"},
	{"peru", "pe"},
	{"philippines", "ph"},
	{"poland", "pl"},
	{"polska", "pl"},
	{"portugal", "pt"},
	{"qatar", "qa"},
	{"romania", "ro"},
	{"russia", "ru"},
	{"russian federation", "ru"},
	{"saudi arabia", "sa"},
	{"serbia", "rs"},
	{"singapore", "sg"},
	{"slovakia", "sk"},
	{"slovenia", "si"},
	{"south africa", "za"},
	{"spain", "es"},
	{"espana", "es"},
	{"sri lanka", "lk"},
	{"sweden", "se"},
	{"sverige", "se"},
	{"switzerland", "ch"},
	{"schweiz", "ch"},
	{"suisse", "ch"},
	{"taiwan", "tw"},
	{"thailand", "th"},
	{"turkey", "tr"},
	{"turkiye", "tr"},
	{"ukraine", "ua"},
	{"united arab emirates", "ae"},
	{"uae", "ae"},
	{"united kingdom", "gb"},
	{"united kingdom of great britain and northern ireland", "gb"},
	{"great britain", "gb"},
	{"england", "gb"},
	{"scotland", "gb"},
	{"wales", "gb"},
	{"northern ireland", "gb"},
	{"united states", "us"},
	{"united states of america", "us"},
	{"usa", "us"},
	{"venezuela", "ve"},
	{"vietnam", "vn"},
	{"viet nam", "vn"},
};

/* Folded values that stand for "no data" rather than a name. Redaction
 * notices are cleared earlier, by whois_mark_masked(). */
static const char *const PLACEHOLDERS[] = {
	"n a", "na", "none", "null", "nil", "unknown", "not applicable", "not available",
	"not disclosed", "redacted", "redacted for privacy", "withheld",
};

/* Legal-form words dropped from the end of an organisation, as folded. */
static const char *const LEGAL_FORMS[] = {
	"ab",    "ag",     "aps",  "as",  "asa",          "bv",  "co",     "company",
	"corp",  "corporation",    "doo", "gmbh",         "inc", "incorporated",
	"jsc",   "kg",     "kk",   "limited", "llc",      "llp", "lp",     "ltd",
	"ltda",  "mbh",    "nv",   "ohg", "oy",           "oyj", "pjsc",   "plc",
	"pte",   "pty",    "sa",   "sarl", "sas",         "sl",  "spa",    "sro",
	"srl",   "ug",     "ooo",  "oao", "zao",
};

/* Street words spelled one way in address keys. */
static const char *const STREET_WORDS[][2] = {
	{"street", "st"},     {"road", "rd"},      {"avenue", "ave"},  {"av", "ave"},
	{"boulevard", "blvd"}, {"drive", "dr"},    {"lane", "ln"},     {"place", "pl"},
	{"court", "ct"},      {"square", "sq"},    {"suite", "ste"},   {"floor", "fl"},
	{"building", "bldg"}, {"apartment", "apt"}, {"highway", "hwy"}, {"terrace", "ter"},
	{"crescent", "cres"}, {"parkway", "pkwy"}, {"strasse", "str"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool word_in(const char *word, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* The first byte first, then the length: most words match no entry. */
		if (list[i][0] == word[0] && strlen(list[i]) == len && memcmp(list[i], word, len) == 0)
			return true;
	}
	return false;
}

/* Append the UTF-8 form of c to out (length *len, capacity size including
 * the NUL). Returns false when it does not fit, so that keys end on a whole
 * character. */
static bool append_char(char *out, size_t size, size_t *len, ucs4_t c)
{
	uint8_t buf[6];
	int n = u8_uctomb(buf, c, sizeof(buf));
	if (n <= 0 || *len + (size_t)n >= size)
		return false;
	memcpy(out + *len, buf, (size_t)n);
	*len += (size_t)n;
	return true;
}

/* Apostrophes and dots join what surrounds them ("O'Neil" -> "oneil",
 * "S.A." -> "sa"); other punctuation, symbols and spaces separate words. */
static bool is_joiner(ucs4_t c)
{
	return c == '\'' || c == '.' || c == '`' || c == 0x2019 || c == 0x02BC;
}

/* Fold in into out: NFKD with combining marks dropped, case folded, "&" as
 * "and", punctuation and runs of space as one space, trimmed. Invalid UTF-8
 * sequences count as separators. Returns the length of out. */
static size_t fold_ascii(const char *in, size_t in_len, char *out, size_t size)
{
	size_t len = 0;
	bool space = false;
	for (size_t i = 0; i < in_len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (is_joiner(c))
			continue;
		if (isalnum(c)) {
			if (space && len > 0) {
				if (len + 1 >= size)
					break;
				out[len++] = ' ';
			}
			space = false;
			if (len + 1 >= size)
				break;
			out[len++] = (char)tolower(c);
		} else if (c == '&') {
			if (len > 0) {
				if (len + 1 >= size)
					break;
				out[len++] = ' ';
			}
			if (len + 3 >= size)
				break;
			memcpy(out + len, "and", 3);
			len += 3;
			space = true;
		} else {
			space = true;
		}
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return len;
}

static size_t fold_text(const char *in, char *out, size_t size)
{
	/* Plain ASCII, the common case, folds to the same key without the
	 * Unicode tables: NFKD and case folding of ASCII are tolower(), and its
	 * letters and digits are exactly the L and N categories. */
	size_t in_len = strlen(in);
	size_t ascii = 0;
	while (ascii < in_len && (unsigned char)in[ascii] < 0x80)
		ascii++;
	if (ascii == in_len && in_len <= FOLD_INPUT_MAX)
		return fold_ascii(in, in_len, out, size);

	uint32_t cps[FOLD_INPUT_MAX];
	size_t n_cps = 0;
	const uint8_t *p = (const uint8_t *)in;
	const uint8_t *end = p + strlen(in);
	while (p < end && n_cps < FOLD_INPUT_MAX) {
		ucs4_t c;
		int step = u8_mbtouc(&c, p, (size_t)(end - p));
		cps[n_cps++] = c;
		p += step;
	}

	size_t n_folded = 0;
	uint32_t *folded = u32_casefold(cps, n_cps, NULL, UNINORM_NFKD, NULL, &n_folded);
	size_t len = 0;
	out[0] = '\0';
	if (folded == NULL)
		return 0;

	bool space = false;
	for (size_t i = 0; i < n_folded; i++) {
		ucs4_t c = folded[i];
		if (uc_is_general_category(c, UC_CATEGORY_M) || is_joiner(c))
			continue;
		if (uc_is_general_category(c, UC_CATEGORY_L) ||
		    uc_is_general_category(c, UC_CATEGORY_N)) {
			if (space && len > 0 && !append_char(out, size, &len, ' '))
				break;
			space = false;
			if (!append_char(out, size, &len, c))
				break;
		} else if (c == '&') {
			if (len > 0 && !append_char(out, size, &len, ' '))
				break;
			if (len + 3 >= size)
				break;
			memcpy(out + len, "and", 3);
			len += 3;
			space = true;
		} else {
			space = true;
		}
	}
	free(folded);
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return len;
}

static bool is_placeholder(const char *folded)
{
	return word_in(folded, strlen(folded), PLACEHOLDERS, COUNT(PLACEHOLDERS));
}

/* The ISO 3166 alpha-2 code, lower case, for country as published ("GB",
 * "uk", "United Kingdom"), or NULL. */
static const char *country_alpha2(const char *country, char folded[WHOIS_KEY_MAX])
{
	if (country == NULL || fold_text(country, folded, WHOIS_KEY_MAX) == 0)
		return NULL;
	if (strcmp(folded, "uk") == 0)
		return "gb";
	if (strlen(folded) == 2 && isalpha((unsigned char)folded[0]) &&
	    isalpha((unsigned char)folded[1]))
		return folded;
	for (size_t i = 0; i < COUNT(COUNTRY_NAMES); i++) {
		if (COUNTRY_NAMES[i].name[0] == folded[0] && strcmp(COUNTRY_NAMES[i].name, folded) == 0)
			return COUNTRY_NAMES[i].alpha2;
	}
	return NULL;
}

static const struct country_phone *phone_by_alpha2(const char *alpha2)
{
	for (size_t i = 0; alpha2 != NULL && i < COUNT(COUNTRY_PHONES); i++) {
		if (COUNTRY_PHONES[i].alpha2[0] == alpha2[0] &&
		    strcmp(COUNTRY_PHONES[i].alpha2, alpha2) == 0)
			return &COUNTRY_PHONES[i];
	}
	return NULL;
}

static const struct country_phone *phone_by_code(const char *digits, size_t len)
{
	for (size_t i = 0; i < COUNT(COUNTRY_PHONES); i++) {
		const char *code = COUNTRY_PHONES[i].code;
		if (code[0] == digits[0] && strlen(code) == len && memcmp(code, digits, len) == 0)
			return &COUNTRY_PHONES[i];
	}
	return NULL;
}

static bool write_key(const char *key, char *out, size_t size)
{
	size_t len = strlen(key);
	if (len == 0 || size == 0 || len >= size || len >= WHOIS_KEY_MAX) {
		if (size > 0)
			out[0] = '\0';
		return false;
	}
	memcpy(out, key, len + 1);
	return true;
}

static void trim(const char **start, const char **end)
{
	while (*start < *end && isspace((unsigned char)**start))
		(*start)++;
	while (*end > *start && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

bool whois_norm_email(const char *in, char *out, size_t size)
{
	const char *s = in, *e = in + strlen(in);
	trim(&s, &e);
	const char *open = memchr(s, '<', (size_t)(e - s));
	if (open != NULL) {
		const char *close = memchr(open, '>', (size_t)(e - open));
		if (close == NULL)
			return write_key("", out, size);
		s = open + 1;
		e = close;
		trim(&s, &e);
	}
	if ((size_t)(e - s) >= 7 && strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	while (e > s && e[-1] == '.')
		e--;

	char buf[WHOIS_KEY_MAX];
	size_t len = (size_t)(e - s);
	if (len == 0 || len >= sizeof(buf))
		return write_key("", out, size);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c) || c == '<' || c == '>' || c == ',' || c == ';' || c == ':')
			return write_key("", out, size);
		buf[i] = (char)tolower(c);
	}
	buf[len] = '\0';

	/* One "@" (quoted local parts that hold another are not read), and a
	 * domain with an inner dot. */
	char *at = strchr(buf, '@');
	if (at == NULL || at == buf || strchr(at + 1, '@') != NULL)
		return write_key("", out, size);
	*at = '\0';
	char *domain = at + 1;
	char *dot = strchr(domain, '.');
	if (dot == NULL || dot == domain || domain[strlen(domain) - 1] == '.')
		return write_key("", out, size);
	if (strcmp(domain, "googlemail.com") == 0)
		domain = "gmail.com";

	char *plus = strchr(buf, '+');
	if (plus != NULL)
		*plus = '\0';
	char local[WHOIS_KEY_MAX];
	size_t n_local = 0;
	bool drop_dots = strcmp(domain, "gmail.com") == 0;
	for (const char *p = buf; *p != '\0'; p++) {
		if (drop_dots && *p == '.')
			continue;
		local[n_local++] = *p;
	}
	local[n_local] = '\0';
	if (n_local == 0)
		return write_key("", out, size);

	char key[2 * WHOIS_KEY_MAX];
	memcpy(key, local, n_local);
	key[n_local] = '@';
	strcpy(key + n_local + 1, domain);
	return write_key(key, out, size);
}

/* The digits of a phone number with what was learnt on the way. */
struct phone_digits {
	char d[64];
	size_t n;
	bool plus;          /* written with a leading "+" */
	size_t first_group; /* digits before the first separator */
};

static bool is_extension_word(const char *word, size_t len)
{
	static const char *const WORDS[] = {"x", "ex", "ext", "extn", "extension"};
	return word_in(word, len, WORDS, COUNT(WORDS));
}

/* Read the digits of in up to an extension mark; false on letters or
 * symbols that have no place in a phone number. */
static bool phone_read(const char *in, struct phone_digits *ph)
{
	memset(ph, 0, sizeof(*ph));
	const char *p = in;
	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "tel:", 4) == 0)
		p += 4;

	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (isdigit(c)) {
			if (ph->n + 1 >= sizeof(ph->d))
				return false;
			ph->d[ph->n++] = (char)c;
		} else if (c == '+' && ph->n == 0 && !ph->plus) {
			ph->plus = true;
		} else if (c == '(' && ph->plus && ph->n > 0 && p[1] == '0' && p[2] == ')') {
			/* "+44 (0)20": the trunk prefix shown for national callers */
			if (ph->first_group == 0)
				ph->first_group = ph->n;
			p += 2;
		} else if (c == ' ' || c == '\t' || c == '.' || c == '-' || c == '(' || c == ')' ||
		           c == '/') {
			if (ph->n > 0 && ph->first_group == 0)
				ph->first_group = ph->n;
		} else if (c == '#' || c == ';' || c == ',') {
			break;
		} else if (isalpha(c)) {
			size_t len = 0;
			while (isalpha((unsigned char)p[len]))
				len++;
			char word[16] = "";
			for (size_t i = 0; i < len && i < sizeof(word) - 1; i++)
				word[i] = (char)tolower((unsigned char)p[i]);
			if (len >= sizeof(word) || !is_extension_word(word, len) || ph->n == 0)
				return false;
			break;
		} else {
			return false;
		}
	}
	if (ph->first_group == 0)
		ph->first_group = ph->n;
	ph->d[ph->n] = '\0';
	return ph->n > 0;
}

/* Drop the first k digits. */
static void phone_skip(struct phone_digits *ph, size_t k)
{
	memmove(ph->d, ph->d + k, ph->n - k + 1);
	ph->n -= k;
	ph->first_group = ph->first_group > k ? ph->first_group - k : 0;
}

bool whois_norm_phone(const char *in, const char *country, char *out, size_t size)
{
	struct phone_digits ph;
	if (!phone_read(in, &ph))
		return write_key("", out, size);

	char folded[WHOIS_KEY_MAX];
	const struct country_phone *home = phone_by_alpha2(country_alpha2(country, folded));
	bool intl = ph.plus;
	if (!intl && ph.n > 2 && ph.d[0] == '0' && ph.d[1] == '0') {
		phone_skip(&ph, 2);
		intl = true;
	} else if (!intl && home != NULL && strcmp(home->code, "1") == 0 &&
	           strncmp(ph.d, "011", 3) == 0) {
		phone_skip(&ph, 3); /* the North American international prefix */
		intl = true;
	}

	char key[WHOIS_KEY_MAX];
	if (intl) {
		/* "+44 020 7946 0123": a trunk 0 written after the country code. */
		const struct country_phone *cc = phone_by_code(ph.d, ph.first_group);
		size_t at = ph.first_group;
		if (cc != NULL && strcmp(cc->trunk, "0") == 0 && ph.d[at] == '0') {
			memmove(ph.d + at, ph.d + at + 1, ph.n - at);
			ph.n--;
		}
		/* E.164 allows at most 15 digits; fewer than 7 is no full number. */
		if (ph.n < 7 || ph.n > 15)
			return write_key("", out, size);
		key[0] = '+';
		memcpy(key + 1, ph.d, ph.n + 1);
		return write_key(key, out, size);
	}

	if (home == NULL) {
		if (ph.n < 4 || ph.n > 15)
			return write_key("", out, size);
		return write_key(ph.d, out, size);
	}
	size_t trunk = strlen(home->trunk);
	bool nanp = strcmp(home->code, "1") == 0;
	if (trunk > 0 && strncmp(ph.d, home->trunk, trunk) == 0 && (!nanp || ph.n == 11))
		phone_skip(&ph, trunk);
	size_t code = strlen(home->code);
	if (ph.n < 4 || ph.n + code < 7 || ph.n + code > 15)
		return write_key("", out, size);
	key[0] = '+';
	memcpy(key + 1, home->code, code);
	memcpy(key + 1 + code, ph.d, ph.n + 1);
	return write_key(key, out, size);
}

bool whois_norm_name(const char *in, char *out, size_t size)
{
	char buf[WHOIS_KEY_MAX];
	if (fold_text(in, buf, sizeof(buf)) == 0 || is_placeholder(buf))
		return write_key("", out, size);
	return write_key(buf, out, size);
}

/* Length of the last word of s[0..len), which has no trailing space. */
static size_t last_word(const char *s, size_t len)
{
	size_t i = len;
	while (i > 0 && s[i - 1] != ' ')
		i--;
	return len - i;
}

bool whois_norm_org(const char *in, char *out, size_t size)
{
	char buf[WHOIS_KEY_MAX];
	size_t len = fold_text(in, buf, sizeof(buf));
	if (len == 0 || is_placeholder(buf))
		return write_key("", out, size);

	/* Drop legal forms from the end but keep at least one word, so that
	 * "Example GmbH & Co. KG" -> "example" and "Inc" stays "inc". */
	bool dropped = false;
	for (;;) {
		size_t w = last_word(buf, len);
		if (w == len)
			break;
		const char *word = buf + len - w;
		bool legal = word_in(word, w, LEGAL_FORMS, COUNT(LEGAL_FORMS));
		bool joiner = dropped && w == 3 && memcmp(word, "and", 3) == 0;
		if (!legal && !joiner)
			break;
		len -= w + 1;
		buf[len] = '\0';
		dropped = true;
	}
	return write_key(buf, out, size);
}

/* Append src to out (length *len) with a ", " before it unless first;
 * false when it does not fit. */
static bool append_part(char *out, size_t size, size_t *len, const char *src)
{
	size_t n = strlen(src);
	size_t sep = *len > 0 ? 2 : 0;
	if (n == 0)
		return true;
	if (*len + sep + n >= size)
		return false;
	memcpy(out + *len, ", ", sep);
	memcpy(out + *len + sep, src, n + 1);
	*len += sep + n;
	return true;
}

/* Fold a street line and spell street words one way. A word that ends in
 * "strasse" ("Hauptstraße" folds to "hauptstrasse") ends in "str". */
static size_t fold_street(const char *in, char *out, size_t size)
{
	char buf[WHOIS_KEY_MAX];
	size_t len = 0;
	out[0] = '\0';
	if (fold_text(in, buf, sizeof(buf)) == 0)
		return 0;

	char *save = NULL;
	for (char *word = strtok_r(buf, " ", &save); word != NULL;
	     word = strtok_r(NULL, " ", &save)) {
		size_t w = strlen(word);
		if (w > 7 && strcmp(word + w - 7, "strasse") == 0) {
			word[w - 4] = '\0';
			w -= 4;
		}
		const char *spelled = word;
		for (size_t i = 0; i < COUNT(STREET_WORDS); i++) {
			/* The first letter first: most words match no entry. */
			if (word[0] == STREET_WORDS[i][0][0] && strcmp(word, STREET_WORDS[i][0]) == 0) {
				spelled = STREET_WORDS[i][1];
				w = strlen(spelled);
				break;
			}
		}
		if (len + (len > 0) + w >= size)
			break;
		if (len > 0)
			out[len++] = ' ';
		memcpy(out + len, spelled, w + 1);
		len += w;
	}
	return len;
}

bool whois_norm_address(const struct whois_contact *contact, char *out, size_t size)
{
	char key[WHOIS_KEY_MAX] = "";
	char part[WHOIS_KEY_MAX];
	size_t len = 0;
	for (size_t i = 0; i < WHOIS_STREET_MAX; i++) {
		if (contact->street[i] == NULL || fold_street(contact->street[i], part, sizeof(part)) == 0)
			continue;
		if (is_placeholder(part))
			continue;
		append_part(key, sizeof(key), &len, part);
	}
	if (len == 0)
		return write_key("", out, size);

	if (contact->city != NULL && fold_text(contact->city, part, sizeof(part)) > 0)
		append_part(key, sizeof(key), &len, part);
	if (contact->postal_code != NULL && fold_text(contact->postal_code, part, sizeof(part)) > 0) {
		/* "SW1A 1AA" and "SW1A1AA" are one postal code. */
		size_t n = 0;
		for (const char *p = part; *p != '\0'; p++) {
			if (*p != ' ')
				part[n++] = *p;
		}
		part[n] = '\0';
		append_part(key, sizeof(key), &len, part);
	}
	char folded[WHOIS_KEY_MAX];
	const char *alpha2 = country_alpha2(contact->country, folded);
	if (alpha2 != NULL)
		append_part(key, sizeof(key), &len, alpha2);
	else if (contact->country != NULL && fold_text(contact->country, part, sizeof(part)) > 0)
		append_part(key, sizeof(key), &len, part);
	return write_key(key, out, size);
}
