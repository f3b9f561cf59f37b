/* Link-layer decoding: Ethernet with tags, PPPoE, MPLS, Linux SLL/SLL2, BSD null, PPP. */
#include "capture/link.h"

#include <pcap/dlt.h>

/* Older libpcap headers lack the newer link types; the values are fixed by the
 * LINKTYPE_ registry, so defining them here is safe. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* LINKTYPE_RAW as stored in savefiles. libpcap normally maps it to DLT_RAW, whose
 * value differs between platforms, but a caller may pass the file value through. */
#define LINKTYPE_RAW 101

#define ETHERTYPE_VLAN 0x8100     /* 802.1Q */
#define ETHERTYPE_QINQ 0x88a8     /* 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-standard QinQ, still seen on switches */
#define ETHERTYPE_PPPOE 0x8864    /* PPPoE session stage (RFC 2516) */
#define ETHERTYPE_MIN 0x0600 /* smaller values are 802.3 length fields */

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

#define ARPHRD_NETLINK 824 /* Linux netlink monitor: the protocol field is not an ethertype */

/* Map a PPP protocol number (RFC 1661) to the network protocol. A first byte with
 * the low bit set is a one-byte protocol field compressed by PFC (RFC 1661 6.5). */
static enum capture_result follow_ppp_protocol(struct cursor *c, enum capture_net *net)
{
	uint16_t protocol = cursor_peek_u8(c);
	if (protocol & 1)
		cursor_skip(c, 1);
	else
		protocol = cursor_be16(c);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;

	switch (protocol) {
	case PPP_IPV4:
		*net = CAPTURE_NET_IPV4;
		return CAPTURE_OK;
	case PPP_IPV6:
		*net = CAPTURE_NET_IPV6;
		return CAPTURE_OK;
	default:
		return CAPTURE_NOT_IP;
	}
}

/* PPPoE session header (RFC 2516 section 4): version and type 0x11, code 0,
 * session id, payload length, then a PPP protocol field. */
static enum capture_result follow_pppoe(struct cursor *c, enum capture_net *net)
{
	uint8_t version_type = cursor_u8(c);
	uint8_t code = cursor_u8(c);
	cursor_skip(c, 2);
	uint16_t length = cursor_be16(c);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;
	if (version_type != 0x11 || code != 0)
		return CAPTURE_LINK_UNSUPPORTED;

	/* length covers the PPP protocol field and the packet, not Ethernet padding. */
	cursor_truncate(c, length);
	return follow_ppp_protocol(c, net);
}

/* Pop MPLS label stack entries (RFC 3032) down to the one with the bottom-of-stack
 * bit. Nothing in the stack names the payload, so the IP version nibble decides;
 * anything else (a pseudowire control word, for one) is not decoded. */
static enum capture_result follow_mpls(struct cursor *c, enum capture_net *net)
{
	uint32_t entry;
	do {
		entry = cursor_be32(c);
		if (c->error)
			return CAPTURE_LINK_TRUNCATED;
	} while (!(entry & 0x100));

	uint8_t version = cursor_peek_u8(c) >> 4;
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;
	if (version == 4) {
		*net = CAPTURE_NET_IPV4;
		return CAPTURE_OK;
	}
	if (version == 6) {
		*net = CAPTURE_NET_IPV6;
		return CAPTURE_OK;
	}
	return CAPTURE_LINK_UNSUPPORTED;
}

enum capture_result capture_link_follow_ethertype(struct cursor *c, uint16_t ethertype,
                                                  enum capture_net *net)
{
	for (unsigned tags = 0;; tags++) {
		switch (ethertype) {
		case ETHERTYPE_IPV4:
			*net = CAPTURE_NET_IPV4;
			return CAPTURE_OK;
		case ETHERTYPE_IPV6:
			*net = CAPTURE_NET_IPV6;
			return CAPTURE_OK;
		case ETHERTYPE_PPPOE:
			return follow_pppoe(c, net);
		case ETHERTYPE_MPLS:
		case ETHERTYPE_MPLS_MCAST:
			return follow_mpls(c, net);
		case ETHERTYPE_VLAN:
		case ETHERTYPE_QINQ:
		case ETHERTYPE_QINQ_OLD:
			if (tags == CAPTURE_VLAN_MAX)
				return CAPTURE_LINK_UNSUPPORTED;
			/* Tag control information (priority, DEI, VLAN id), then the next type. */
			cursor_skip(c, 2);
			ethertype = cursor_be16(c);
			if (c->error)
				return CAPTURE_LINK_TRUNCATED;
			break;
		default:
			return CAPTURE_NOT_IP;
		}
	}
}

enum capture_result capture_link_strip_ethernet(struct cursor *c, enum capture_net *net)
{
	/* Destination and source MAC addresses, then the type (or 802.3 length). */
	cursor_skip(c, 12);
	uint16_t ethertype = cursor_be16(c);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;
	if (ethertype < ETHERTYPE_MIN)
		return CAPTURE_NOT_IP; /* 802.3 with LLC: STP, CDP, NetBIOS and the like */
	return capture_link_follow_ethertype(c, ethertype, net);
}

/* Linux cooked capture v1: packet type, ARPHRD type, address length, 8 address
 * bytes, protocol. The protocol is an ethertype for every device type but netlink. */
static enum capture_result strip_sll(struct cursor *c, enum capture_net *net)
{
	cursor_skip(c, 2);
	uint16_t arphrd = cursor_be16(c);
	cursor_skip(c, 10);
	uint16_t protocol = cursor_be16(c);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;
	if (arphrd == ARPHRD_NETLINK)
		return CAPTURE_NOT_IP;
	return capture_link_follow_ethertype(c, protocol, net);
}

/* Linux cooked capture v2: protocol, reserved, interface index, ARPHRD type,
 * packet type, address length, 8 address bytes. */
static enum capture_result strip_sll2(struct cursor *c, enum capture_net *net)
{
	uint16_t protocol = cursor_be16(c);
	cursor_skip(c, 6);
	uint16_t arphrd = cursor_be16(c);
	cursor_skip(c, 10);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;
	if (arphrd == ARPHRD_NETLINK)
		return CAPTURE_NOT_IP;
	return capture_link_follow_ethertype(c, protocol, net);
}

/* Address family values of BSD null/loop headers: AF_INET is 2 everywhere, and
 * AF_INET6 is 24 on NetBSD and OpenBSD, 28 on FreeBSD and 30 on macOS. */
static enum capture_result follow_bsd_family(uint32_t family, enum capture_net *net)
{
	switch (family) {
	case 2:
		*net = CAPTURE_NET_IPV4;
		return CAPTURE_OK;
	case 24:
	case 28:
	case 30:
		*net = CAPTURE_NET_IPV6;
		return CAPTURE_OK;
	default:
		return CAPTURE_NOT_IP;
	}
}

/* DLT_NULL stores the family in the byte order of the machine that captured, which
 * may not be ours. Every valid family is below 65536, so a value with any of the
 * upper 16 bits set was written in the other byte order. */
static enum capture_result strip_null(struct cursor *c, enum capture_net *net)
{
	uint32_t family = cursor_host32(c);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;
	if (family & 0xffff0000u)
		family = __builtin_bswap32(family);
	return follow_bsd_family(family, net);
}

static enum capture_result strip_loop(struct cursor *c, enum capture_net *net)
{
	uint32_t family = cursor_be32(c);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;
	return follow_bsd_family(family, net);
}

/* PPP with an optional HDLC-like address and control field (RFC 1662). The
 * address is always 0xff, so a frame that starts with 0xff is taken as framed.
 * A control value other than 0x03 (unnumbered information) carries no datagram. */
static enum capture_result strip_ppp(struct cursor *c, enum capture_net *net)
{
	if (cursor_has(c, 1) && c->pos[0] == 0xff) {
		cursor_skip(c, 1);
		uint8_t control = cursor_u8(c);
		if (c->error)
			return CAPTURE_LINK_TRUNCATED;
		if (control != 0x03)
			return CAPTURE_NOT_IP;
	}
	return follow_ppp_protocol(c, net);
}

enum capture_result capture_link_strip(int linktype, struct cursor *c, enum capture_net *net)
{
	switch (linktype) {
	case DLT_EN10MB:
		return capture_link_strip_ethernet(c, net);
	case DLT_LINUX_SLL:
		return strip_sll(c, net);
	case DLT_LINUX_SLL2:
		return strip_sll2(c, net);
	case DLT_RAW:
	case LINKTYPE_RAW:
		*net = CAPTURE_NET_IP;
		return CAPTURE_OK;
	case DLT_IPV4:
		*net = CAPTURE_NET_IPV4;
		return CAPTURE_OK;
	case DLT_IPV6:
		*net = CAPTURE_NET_IPV6;
		return CAPTURE_OK;
	case DLT_NULL:
		return strip_null(c, net);
	case DLT_LOOP:
		return strip_loop(c, net);
	case DLT_PPP:
	case DLT_PPP_SERIAL:
		return strip_ppp(c, net);
	default:
		return CAPTURE_LINK_UNSUPPORTED;
	}
}
