/* IP-to-ASN ranges as JSON (see asn_json.h). */
#include "export/asn_json.h"

#include <stdlib.h>
#include <string.h>

#include "util/ipaddr.h"

static void json_set_text(json_t *obj, const char *key, const char *text)
{
	json_object_set_new(obj, key, text != NULL ? json_string(text) : json_null());
}

void asn_json_add_range(json_t *obj, const struct asn_range *r, const char *source)
{
	char cidrs[4096], lo[64], hi[64], range[160];
	asn_range_format_cidrs(&r->lo, &r->hi, cidrs, sizeof(cidrs));
	ip_key_format(&r->lo, lo, sizeof(lo));
	ip_key_format(&r->hi, hi, sizeof(hi));
	snprintf(range, sizeof(range), "%s-%s", lo, hi);
	json_object_set_new(obj, "asn", json_integer(r->asn));
	json_t *prefixes = json_array();
	for (char *p = cidrs; *p != '\0';) {
		size_t n = strcspn(p, ",");
		json_array_append_new(prefixes, json_stringn(p, n));
		p += n;
		p += strspn(p, ", ");
	}
	json_object_set_new(obj, "prefixes", prefixes);
	json_object_set_new(obj, "range", json_string(range));
	json_object_set_new(obj, "country", r->country[0] != '\0' ? json_string(r->country)
	                                                          : json_null());
	json_set_text(obj, "as_org", r->as_org);
	json_set_text(obj, "isp", r->isp);
	json_set_text(obj, "organization", r->organization);
	json_set_text(obj, "origins", r->origins);
	json_object_set_new(obj, "source", json_string(source));
}

bool asn_json_print(FILE *out, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (text == NULL)
		return false;
	bool ok = fputs(text, out) >= 0 && fputc('\n', out) != EOF;
	free(text);
	return ok;
}
