/* libFuzzer target: the COF reader. The input is a log of COF objects. Rdata
 * passes through as the provider wrote it, so only the record's own fields
 * are checked. */
#include <stddef.h>
#include <stdint.h>

#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_feed(FEED_COF, data, size, false);
	return 0;
}
