/* dnstap: unpacking one Dnstap protobuf with protobuf-c and checking it. */
#include "dnstap/dnstap.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnstap.pb-c.h"
#include "util/arena.h"

/* 2200-01-01T00:00:00Z, the first second rejected. Later times come from a
 * broken clock or from a negative time stored as unsigned. */
#define DNSTAP_TIME_END INT64_C(7258118400)
#define NSEC_PER_SEC 1000000000u

/* protobuf-c copies every bytes field and the unknown fields out of the
 * input, so one Dnstap of n bytes needs a few hundred bytes of structs plus
 * about n. One chunk of this size has room for a message that carries two
 * DNS messages of the 64 KiB maximum, and a larger one gets a chunk of its
 * own. */
#define DECODER_CHUNK (160 * 1024)

struct dnstap_decoder {
	/* Everything protobuf-c allocates while unpacking lives here and is
	 * dropped at the start of the next decode, so a steady stream of
	 * ordinary messages reuses one chunk and calls malloc not at all. */
	struct arena arena;
	ProtobufCAllocator allocator;
	bool out_of_memory;
};

static void *decoder_alloc(void *data, size_t size)
{
	struct dnstap_decoder *decoder = data;
	void *p = arena_alloc(&decoder->arena, size);
	if (p == NULL)
		decoder->out_of_memory = true;
	return p;
}

/* Arena memory is released all at once by arena_reset(). */
static void decoder_free(void *data, void *pointer)
{
	(void)data;
	(void)pointer;
}

dn_status dnstap_decoder_new(struct dnstap_decoder **decoder)
{
	assert(decoder != NULL);
	struct dnstap_decoder *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return DN_ENOMEM;
	arena_init(&d->arena, DECODER_CHUNK);
	d->allocator.alloc = decoder_alloc;
	d->allocator.free = decoder_free;
	d->allocator.allocator_data = d;
	*decoder = d;
	return DN_OK;
}

void dnstap_decoder_free(struct dnstap_decoder *decoder)
{
	if (decoder == NULL)
		return;
	arena_free(&decoder->arena);
	free(decoder);
}

static const char *const type_names[] = {
	[DNSTAP_AUTH_QUERY] = "AUTH_QUERY",
	[DNSTAP_AUTH_RESPONSE] = "AUTH_RESPONSE",
	[DNSTAP_RESOLVER_QUERY] = "RESOLVER_QUERY",
	[DNSTAP_RESOLVER_RESPONSE] = "RESOLVER_RESPONSE",
	[DNSTAP_CLIENT_QUERY] = "CLIENT_QUERY",
	[DNSTAP_CLIENT_RESPONSE] = "CLIENT_RESPONSE",
	[DNSTAP_FORWARDER_QUERY] = "FORWARDER_QUERY",
	[DNSTAP_FORWARDER_RESPONSE] = "FORWARDER_RESPONSE",
	[DNSTAP_STUB_QUERY] = "STUB_QUERY",
	[DNSTAP_STUB_RESPONSE] = "STUB_RESPONSE",
	[DNSTAP_TOOL_QUERY] = "TOOL_QUERY",
	[DNSTAP_TOOL_RESPONSE] = "TOOL_RESPONSE",
	[DNSTAP_UPDATE_QUERY] = "UPDATE_QUERY",
	[DNSTAP_UPDATE_RESPONSE] = "UPDATE_RESPONSE",
};

#define TYPE_COUNT (sizeof(type_names) / sizeof(type_names[0]))

const char *dnstap_type_name(enum dnstap_type type)
{
	if ((unsigned)type >= TYPE_COUNT || type_names[type] == NULL)
		return "UNKNOWN";
	return type_names[type];
}

/* Check one of the two times, named "query_time" or "response_time".
 * protobuf-c stores whatever number the wire carries, so both halves need
 * range checks. */
static dn_status check_time(const char *name, protobuf_c_boolean has_sec, uint64_t sec,
                            protobuf_c_boolean has_nsec, uint32_t nsec, struct dn_error *err)
{
	if (has_nsec && nsec >= NSEC_PER_SEC)
		return dn_fail(err, DN_EMALF, "invalid dnstap message: %s_nsec %" PRIu32
		               " is not below 10^9", name, nsec);

	/* uint64 seconds cannot be before 1970 unless a negative time_t was
	 * stored as unsigned, which makes it huge. */
	if (has_sec && sec >= (uint64_t)DNSTAP_TIME_END)
		return dn_fail(err, DN_EMALF, "invalid dnstap message: %s_sec %" PRIu64
		               " is not between 1970 and 2199", name, sec);
	return DN_OK;
}

static dn_status check_times(const Dnstap__Message *m, struct dn_error *err)
{
	dn_status rc = check_time("query_time", m->has_query_time_sec, m->query_time_sec,
	                          m->has_query_time_nsec, m->query_time_nsec, err);
	if (rc)
		return rc;
	return check_time("response_time", m->has_response_time_sec, m->response_time_sec,
	                  m->has_response_time_nsec, m->response_time_nsec, err);
}

/* Take the type's own time, or the other one when the type's is absent. A
 * time counts as present when its seconds are; absent nanoseconds are 0. */
static void take_time(const Dnstap__Message *m, struct dnstap_message *msg)
{
	bool use_response = msg->response ? m->has_response_time_sec : !m->has_query_time_sec;
	if (use_response && m->has_response_time_sec) {
		msg->has_time = true;
		msg->time_sec = (int64_t)m->response_time_sec;
		msg->time_nsec = m->has_response_time_nsec ? m->response_time_nsec : 0;
	} else if (m->has_query_time_sec) {
		msg->has_time = true;
		msg->time_sec = (int64_t)m->query_time_sec;
		msg->time_nsec = m->has_query_time_nsec ? m->query_time_nsec : 0;
	}
}

/* The address family that an address of len bytes implies, or 0. */
static int family_of_length(size_t len)
{
	if (len == 4)
		return AF_INET;
	if (len == 16)
		return AF_INET6;
	return 0;
}

/* Copy one address after checking its length against msg->family, which
 * the first address present sets when socket_family is absent. An empty
 * address counts as absent. */
static dn_status take_address(const char *name, protobuf_c_boolean has, ProtobufCBinaryData data,
                              uint8_t out[16], bool *out_has, struct dnstap_message *msg,
                              struct dn_error *err)
{
	if (!has || data.len == 0)
		return DN_OK;

	int family = family_of_length(data.len);
	if (family == 0)
		return dn_fail(err, DN_EMALF, "invalid dnstap message: %s is %zu bytes long, "
		               "neither 4 (IPv4) nor 16 (IPv6)", name, data.len);
	if (msg->family == 0)
		msg->family = family;
	if (family != msg->family)
		return dn_fail(err, DN_EMALF, "invalid dnstap message: %s is %zu bytes long, "
		               "but socket family %s needs %d", name, data.len,
		               msg->family == AF_INET ? "INET" : "INET6",
		               msg->family == AF_INET ? 4 : 16);
	memcpy(out, data.data, data.len);
	*out_has = true;
	return DN_OK;
}

static dn_status take_addresses(const Dnstap__Message *m, struct dnstap_message *msg,
                                struct dn_error *err)
{
	if (m->has_socket_family) {
		if (m->socket_family == DNSTAP__SOCKET_FAMILY__INET)
			msg->family = AF_INET;
		else if (m->socket_family == DNSTAP__SOCKET_FAMILY__INET6)
			msg->family = AF_INET6;
		else
			return dn_fail(err, DN_EMALF, "invalid dnstap message: socket_family %d "
			               "is neither INET (1) nor INET6 (2)", (int)m->socket_family);
	}

	dn_status rc = take_address("query_address", m->has_query_address, m->query_address,
	                            msg->query_address, &msg->has_query_address, msg, err);
	if (rc)
		return rc;
	return take_address("response_address", m->has_response_address, m->response_address,
	                    msg->response_address, &msg->has_response_address, msg, err);
}

static dn_status take_port(const char *name, protobuf_c_boolean has, uint32_t port,
                           uint16_t *out, struct dn_error *err)
{
	if (!has)
		return DN_OK;
	if (port > UINT16_MAX)
		return dn_fail(err, DN_EMALF, "invalid dnstap message: %s %" PRIu32
		               " is above 65535", name, port);
	*out = (uint16_t)port;
	return DN_OK;
}

/* Point *out at data when it is present and not empty. */
static void take_bytes(protobuf_c_boolean has, ProtobufCBinaryData data, const uint8_t **out,
                       size_t *out_len)
{
	if (has && data.len > 0) {
		*out = data.data;
		*out_len = data.len;
	}
}

static dn_status take_message(const Dnstap__Message *m, struct dnstap_message *msg,
                              struct dn_error *err)
{
	/* protobuf-c stores an enum field's number without checking it. */
	int type = (int)m->type;
	if (type < DNSTAP_AUTH_QUERY || type > DNSTAP_UPDATE_RESPONSE)
		return dn_fail(err, DN_EMALF, "invalid dnstap message: Message type %d is "
		               "outside 1..14 (AUTH_QUERY..UPDATE_RESPONSE)", type);
	msg->type = (enum dnstap_type)type;

	/* dnstap.proto numbers every query type odd and its response even. */
	msg->response = msg->type % 2 == 0;

	dn_status rc = check_times(m, err);
	if (rc)
		return rc;
	take_time(m, msg);

	rc = take_addresses(m, msg, err);
	if (rc)
		return rc;
	rc = take_port("query_port", m->has_query_port, m->query_port, &msg->query_port, err);
	if (rc)
		return rc;
	rc = take_port("response_port", m->has_response_port, m->response_port,
	               &msg->response_port, err);
	if (rc)
		return rc;

	if (m->has_socket_protocol)
		msg->protocol = (enum dnstap_protocol)m->socket_protocol;

	if (msg->response)
		take_bytes(m->has_response_message, m->response_message, &msg->dns, &msg->dns_len);
	else
		take_bytes(m->has_query_message, m->query_message, &msg->dns, &msg->dns_len);
	take_bytes(m->has_query_zone, m->query_zone, &msg->query_zone, &msg->query_zone_len);
	return DN_OK;
}

dn_status dnstap_decode(struct dnstap_decoder *decoder, const uint8_t *buf, size_t len,
                        struct dnstap_message *msg, struct dn_error *err)
{
	assert(decoder != NULL);
	assert(buf != NULL || len == 0);
	assert(msg != NULL);
	memset(msg, 0, sizeof(*msg));

	/* The previous message's pointers die here, as the header promises. */
	arena_reset(&decoder->arena);
	decoder->out_of_memory = false;

	Dnstap__Dnstap *frame = dnstap__dnstap__unpack(&decoder->allocator, len, buf);
	if (frame == NULL) {
		if (decoder->out_of_memory)
			return dn_fail(err, DN_ENOMEM, "out of memory unpacking a dnstap message "
			               "of %zu bytes", len);
		return dn_fail(err, DN_EMALF, "invalid dnstap message: %zu bytes are not a "
		               "valid Dnstap protobuf", len);
	}

	if (frame->type != DNSTAP__DNSTAP__TYPE__MESSAGE)
		return dn_fail(err, DN_EMALF, "invalid dnstap message: Dnstap type %d is not "
		               "MESSAGE (1)", (int)frame->type);
	if (frame->message == NULL)
		return dn_fail(err, DN_EMALF, "invalid dnstap message: Dnstap of type MESSAGE "
		               "has no Message");

	dn_status rc = take_message(frame->message, msg, err);
	if (rc) {
		memset(msg, 0, sizeof(*msg));
		return rc;
	}
	take_bytes(frame->has_identity, frame->identity, &msg->identity, &msg->identity_len);
	return DN_OK;
}
