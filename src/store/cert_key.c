/* Key ranges for certificate searches by a hex prefix (store/cert_key.h). */
#include "store/cert_key.h"

#include <string.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Add one to the big-endian number in bytes; false when it overflows. */
static bool increment(uint8_t *bytes, size_t len)
{
	for (size_t i = len; i > 0; i--) {
		if (++bytes[i - 1] != 0)
			return true;
	}
	return false;
}

bool store_cert_hex_range(const char *hex, uint8_t low[32], size_t *low_len, uint8_t high[32],
                          size_t *high_len)
{
	size_t len = strlen(hex);
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (hex_digit(hex[i]) < 0)
			return false;

	/* An odd digit count ends in half a byte: the range runs from that
	 * nibble followed by 0 to the same nibble followed by f. */
	size_t n = (len + 1) / 2;
	memset(low, 0, 32);
	for (size_t i = 0; i < len; i++)
		low[i / 2] |= (uint8_t)(hex_digit(hex[i]) << (i % 2 == 0 ? 4 : 0));
	memcpy(high, low, 32);
	if (len % 2 == 1)
		high[n - 1] |= 0x0f;
	*low_len = n;
	*high_len = increment(high, n) ? n : 0;
	return true;
}

size_t store_prefix_bound(const char *prefix, char *out, size_t size)
{
	size_t len = strlen(prefix);
	if (len >= size)
		return 0;
	memcpy(out, prefix, len);
	while (len > 0 && (unsigned char)out[len - 1] == 0xff)
		len--;
	if (len == 0)
		return 0;
	out[len - 1] = (char)((unsigned char)out[len - 1] + 1);
	return len;
}
