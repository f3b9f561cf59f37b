/* libFuzzer target: the DNSDB SAF reader, including the checks on how a
 * stream ends. The input is a SAF stream. */
#include <stddef.h>
#include <stdint.h>

#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_feed(FEED_SAF, data, size, false);
	return 0;
}
