/* Link-layer headers under IP, private to src/capture. */
#pragma once

#include <stdint.h>

#include "capture/cursor.h"
#include "capture/decode.h"

/* Network protocol announced by the link layer. */
enum capture_net {
	CAPTURE_NET_IPV4,
	CAPTURE_NET_IPV6,
	CAPTURE_NET_IP, /* either version, chosen by the first nibble (raw IP links) */
};

/* EtherTypes the link layer and the GRE decoder both read (IEEE registry). */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MCAST 0x8848

/* 802.1Q/802.1ad tags followed before giving up on a frame. Real networks use
 * one or two; more than this is hostile or broken. */
#define CAPTURE_VLAN_MAX 8

/* Strip the link-layer header of a frame whose libpcap link type is linktype,
 * leaving c at the network header and *net naming what follows. Returns
 * CAPTURE_OK, CAPTURE_NOT_IP, CAPTURE_LINK_UNSUPPORTED or CAPTURE_LINK_TRUNCATED. */
enum capture_result capture_link_strip(int linktype, struct cursor *c, enum capture_net *net);

/* Strip an Ethernet II header with any 802.1Q, 802.1ad, PPPoE or MPLS headers
 * after it. GRE uses it for transparent Ethernet bridging (0x6558). */
enum capture_result capture_link_strip_ethernet(struct cursor *c, enum capture_net *net);

/* Follow ethertype from c, which points just after the field that carried it,
 * through tags, PPPoE and MPLS to IPv4 or IPv6. */
enum capture_result capture_link_follow_ethertype(struct cursor *c, uint16_t ethertype,
                                                  enum capture_net *net);
