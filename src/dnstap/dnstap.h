/* dnstap: decoding one Dnstap protobuf message (the payload of a Frame
 * Streams data frame with content type "protobuf:dnstap.Dnstap"). Pure:
 * bytes in, a decoded message out; no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* The Frame Streams content type of dnstap. */
#define DNSTAP_CONTENT_TYPE "protobuf:dnstap.Dnstap"

/* Message.Type values of dnstap.proto. */
enum dnstap_type {
	DNSTAP_AUTH_QUERY = 1,
	DNSTAP_AUTH_RESPONSE = 2,
	DNSTAP_RESOLVER_QUERY = 3,
	DNSTAP_RESOLVER_RESPONSE = 4,
	DNSTAP_CLIENT_QUERY = 5,
	DNSTAP_CLIENT_RESPONSE = 6,
	DNSTAP_FORWARDER_QUERY = 7,
	DNSTAP_FORWARDER_RESPONSE = 8,
	DNSTAP_STUB_QUERY = 9,
	DNSTAP_STUB_RESPONSE = 10,
	DNSTAP_TOOL_QUERY = 11,
	DNSTAP_TOOL_RESPONSE = 12,
	DNSTAP_UPDATE_QUERY = 13,
	DNSTAP_UPDATE_RESPONSE = 14,
};

/* SocketProtocol values of dnstap.proto. Values it does not define pass
 * through unchanged, so a newer producer's transports still decode. */
enum dnstap_protocol {
	DNSTAP_PROTOCOL_NONE = 0,  /* socket_protocol absent */
	DNSTAP_UDP = 1,
	DNSTAP_TCP = 2,
	DNSTAP_DOT = 3,
	DNSTAP_DOH = 4,
};

/* A decoded message. Pointers go into the decoder and stay valid until
 * the next dnstap_decode() on it. Byte strings that are present but empty
 * are reported as absent (NULL, length 0). */
struct dnstap_message {
	enum dnstap_type type;
	bool response;               /* a *_RESPONSE type */
	const uint8_t *dns;          /* response_message for responses, query_message
	                                for queries; NULL when absent */
	size_t dns_len;
	int64_t time_sec;            /* response_time for responses, query_time for
	                                queries; the other one when that is absent */
	uint32_t time_nsec;          /* 0 when only the seconds are present */
	bool has_time;
	const uint8_t *query_zone;   /* wire-format name as sent, not checked;
	                                NULL when absent */
	size_t query_zone_len;
	int family;                  /* AF_INET or AF_INET6 from socket_family, or
	                                from the address length when that is absent;
	                                0 when there is neither */
	enum dnstap_protocol protocol;
	bool has_query_address;
	bool has_response_address;
	uint8_t query_address[16];   /* 4 bytes used for AF_INET; zero when absent */
	uint8_t response_address[16];
	uint16_t query_port;         /* 0 when absent */
	uint16_t response_port;
	const uint8_t *identity;     /* Dnstap.identity, NULL when absent */
	size_t identity_len;
};

struct dnstap_decoder;

dn_status dnstap_decoder_new(struct dnstap_decoder **decoder);
void dnstap_decoder_free(struct dnstap_decoder *decoder);

/* Decode one Dnstap message. Fails with DN_EMALF and a reason for bytes that
 * are not a valid protobuf Dnstap, or for a Dnstap that is not of type
 * MESSAGE or has no Message. The Message is rejected too when its type is
 * outside the enum or a time is absurd (nanoseconds of 10^9 or more, seconds
 * before 1970 or from 2200 on). So is an unknown socket_family, an address
 * whose length does not fit the family (4 bytes for INET, 16 for INET6) or a
 * port above 65535. Fails with DN_ENOMEM when out of memory. msg is cleared
 * first, so it is all zero after a failure. */
dn_status dnstap_decode(struct dnstap_decoder *decoder, const uint8_t *buf, size_t len,
                        struct dnstap_message *msg, struct dn_error *err);

/* "AUTH_RESPONSE" and so on; "UNKNOWN" outside the enum. */
const char *dnstap_type_name(enum dnstap_type type);
