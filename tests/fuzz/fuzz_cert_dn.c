/* libFuzzer target: cert_dn_parse(), the reader of the DN text given to
 * `dragnet cert --issuer` and `--subject`. The input is that text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cert_dn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	char attr[64], value[1100];
	enum cert_dn_form form = cert_dn_parse(text, attr, sizeof(attr), value, sizeof(value));
	if (form == CERT_DN_ATTRIBUTE && attr[0] == '\0')
		abort();

	/* A whole DN key is RFC 4514 text that reads back as itself. */
	if (form == CERT_DN_WHOLE) {
		char attr_again[64], again[1100];
		if (cert_dn_parse(value, attr_again, sizeof(attr_again), again, sizeof(again)) !=
		        CERT_DN_WHOLE ||
		    strcmp(value, again) != 0)
			abort();
	}
	free(text);
	return 0;
}
