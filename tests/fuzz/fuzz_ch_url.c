/* libFuzzer target: parsing ClickHouse store locations and masking their
 * passwords. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/clickhouse/ch_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[2048];
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	struct ch_location loc;
	struct dn_error err;
	if (ch_location_parse(text, &loc, &err) == DN_OK) {
		if (loc.nhosts == 0 || loc.nhosts > CH_MAX_HOSTS)
			abort();
		for (size_t i = 0; i < loc.nhosts; i++)
			if (loc.hosts[i].port < 1 || loc.hosts[i].port > 65535 ||
			    loc.hosts[i].name[0] == '\0')
				abort();
		/* A parsed password never shows in the masked form. */
		if (loc.has_password && strstr(loc.safe, ":***@") == NULL)
			abort();
	}
	char masked[2200];
	ch_mask_password(text, masked, sizeof(masked));
	return 0;
}
