/* libFuzzer target: dnstap_decode() on one Frame Streams data frame. Besides
 * crashes and leaks it checks the decoded fields against the documented
 * ranges, that decoding twice gives the same message, and that the decoder
 * rejects as "not a valid Dnstap protobuf" exactly the inputs that
 * protobuf-c's own allocator cannot unpack. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnstap.pb-c.h"
#include "dnstap/dnstap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TIME_END INT64_C(7258118400) /* 2200-01-01T00:00:00Z */

/* Read every byte so AddressSanitizer sees a dangling or short pointer. */
static unsigned touch(const uint8_t *p, size_t len)
{
	unsigned sum = 0;
	if ((p == NULL) != (len == 0))
		abort();
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

static void check_fields(const struct dnstap_message *msg, size_t size)
{
	if (msg->type < DNSTAP_AUTH_QUERY || msg->type > DNSTAP_UPDATE_RESPONSE)
		abort();
	if (msg->response != (msg->type % 2 == 0))
		abort();
	if (strcmp(dnstap_type_name(msg->type), "UNKNOWN") == 0)
		abort();
	if (msg->has_time && (msg->time_nsec >= 1000000000u || msg->time_sec < 0 ||
	                      msg->time_sec >= TIME_END))
		abort();
	if (!msg->has_time && (msg->time_sec != 0 || msg->time_nsec != 0))
		abort();
	if (msg->family != 0 && msg->family != AF_INET && msg->family != AF_INET6)
		abort();
	if ((msg->has_query_address || msg->has_response_address) && msg->family == 0)
		abort();

	/* Every byte string is a copy of part of the input. */
	if (msg->dns_len > size || msg->query_zone_len > size || msg->identity_len > size)
		abort();
	volatile unsigned sum = touch(msg->dns, msg->dns_len) +
	                        touch(msg->query_zone, msg->query_zone_len) +
	                        touch(msg->identity, msg->identity_len);
	(void)sum;
}

static bool same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

/* Compare two decodes of one input field by field. The pointers may differ
 * because the second decode reuses the arena. */
static void check_same(const struct dnstap_message *a, const uint8_t *a_dns,
                       const struct dnstap_message *b)
{
	if (a->type != b->type || a->response != b->response || a->has_time != b->has_time ||
	    a->time_sec != b->time_sec || a->time_nsec != b->time_nsec || a->family != b->family ||
	    a->protocol != b->protocol || a->has_query_address != b->has_query_address ||
	    a->has_response_address != b->has_response_address ||
	    memcmp(a->query_address, b->query_address, 16) != 0 ||
	    memcmp(a->response_address, b->response_address, 16) != 0 ||
	    a->query_port != b->query_port || a->response_port != b->response_port ||
	    a->query_zone_len != b->query_zone_len || a->identity_len != b->identity_len ||
	    !same_bytes(a_dns, a->dns_len, b->dns, b->dns_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dnstap_decoder *decoder;
	if (decoder == NULL && dnstap_decoder_new(&decoder) != DN_OK)
		abort();

	struct dnstap_message msg;
	struct dn_error err = {0};
	dn_status rc = dnstap_decode(decoder, data, size, &msg, &err);

	/* protobuf-c with malloc is the reference for "is this a Dnstap". */
	Dnstap__Dnstap *reference = dnstap__dnstap__unpack(NULL, size, data);
	bool unpack_failed = rc == DN_EMALF && strstr(err.msg, "not a valid Dnstap protobuf");
	if ((reference == NULL) != unpack_failed)
		abort();
	if (reference != NULL) {
		bool accepted = rc == DN_OK;
		bool shape_ok = reference->type == DNSTAP__DNSTAP__TYPE__MESSAGE &&
		                reference->message != NULL;
		if (accepted && !shape_ok)
			abort();
		dnstap__dnstap__free_unpacked(reference, NULL);
	}

	if (rc != DN_OK) {
		static const struct dnstap_message zero;
		if (rc != DN_EMALF || err.code != rc || err.msg[0] == '\0' ||
		    memcmp(&msg, &zero, sizeof(msg)) != 0)
			abort();
		return 0;
	}
	check_fields(&msg, size);

	/* Keep a copy of the DNS message, then decode again. */
	uint8_t *dns = NULL;
	if (msg.dns_len > 0) {
		dns = malloc(msg.dns_len);
		if (dns == NULL)
			abort();
		memcpy(dns, msg.dns, msg.dns_len);
	}
	struct dnstap_message again;
	if (dnstap_decode(decoder, data, size, &again, &err) != DN_OK)
		abort();
	check_same(&msg, dns, &again);
	free(dns);
	return 0;
}
