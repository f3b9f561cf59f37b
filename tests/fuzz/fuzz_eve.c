/* libFuzzer target: the Suricata eve.json reader. The input is a log. The
 * reader writes names and rdata in presentation form itself, so every record
 * must also read back through Knot's zone-file scanner. */
#include <stddef.h>
#include <stdint.h>

#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_feed(FEED_EVE, data, size, true);
	return 0;
}
