/* Hand-built DNS messages (RFC 1035 section 4) for the message, rdata and
 * extract tests. Every helper appends to a fixed buffer and fails the test
 * when the buffer would overflow. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define WIRE_MAX 70000

/* Header flag bits as they sit in the 16-bit flags word (RFC 1035 section
 * 4.1.1, RFC 4035 section 3.2 for AD and CD). */
#define F_QR 0x8000u
#define F_AA 0x0400u
#define F_TC 0x0200u
#define F_RD 0x0100u
#define F_RA 0x0080u
#define F_Z 0x0040u
#define F_AD 0x0020u
#define F_CD 0x0010u
#define F_OPCODE(op) ((unsigned)(op) << 11)

#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_SOA 6
#define T_PTR 12
#define T_MX 15
#define T_TXT 16
#define T_AFSDB 18
#define T_RT 21
#define T_AAAA 28
#define T_SRV 33
#define T_NAPTR 35
#define T_KX 36
#define T_DNAME 39
#define T_OPT 41
#define T_DS 43
#define T_RRSIG 46
#define T_NSEC 47
#define T_DNSKEY 48
#define T_SVCB 64
#define T_HTTPS 65
#define T_ANY 255
#define T_CAA 257

#define C_IN 1
#define C_CH 3

struct wire {
	size_t len;
	uint8_t buf[WIRE_MAX];
};

static inline void w_u8(struct wire *w, uint8_t v)
{
	assert_true(w->len + 1 <= WIRE_MAX);
	w->buf[w->len++] = v;
}

static inline void w_u16(struct wire *w, uint16_t v)
{
	w_u8(w, (uint8_t)(v >> 8));
	w_u8(w, (uint8_t)v);
}

static inline void w_u32(struct wire *w, uint32_t v)
{
	w_u16(w, (uint16_t)(v >> 16));
	w_u16(w, (uint16_t)v);
}

static inline void w_bytes(struct wire *w, const void *data, size_t len)
{
	if (len == 0)
		return;
	assert_true(w->len + len <= WIRE_MAX);
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

static inline void w_header(struct wire *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                            uint16_t ns, uint16_t ar)
{
	w->len = 0;
	w_u16(w, id);
	w_u16(w, flags);
	w_u16(w, qd);
	w_u16(w, an);
	w_u16(w, ns);
	w_u16(w, ar);
}

/* Append the labels of a dotted name ("www.example") without a terminator,
 * so that the caller can end it with w_root() or w_pointer(). Returns the
 * offset of the first label, the value a later compression pointer uses. */
static inline size_t w_labels(struct wire *w, const char *dotted)
{
	size_t start = w->len;
	const char *p = dotted;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		assert_true(n > 0 && n <= 63);
		w_u8(w, (uint8_t)n);
		w_bytes(w, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	return start;
}

static inline void w_root(struct wire *w)
{
	w_u8(w, 0);
}

static inline void w_pointer(struct wire *w, size_t offset)
{
	assert_true(offset < 0x4000);
	w_u16(w, (uint16_t)(0xc000u | offset));
}

/* Append an uncompressed name; "" and "." are the root. */
static inline size_t w_name(struct wire *w, const char *dotted)
{
	size_t start = w->len;
	if (strcmp(dotted, ".") != 0)
		w_labels(w, dotted);
	w_root(w);
	return start;
}

static inline void w_question(struct wire *w, const char *qname, uint16_t qtype, uint16_t qclass)
{
	w_name(w, qname);
	w_u16(w, qtype);
	w_u16(w, qclass);
}

/* Append TYPE, CLASS, TTL and a placeholder RDLENGTH after an owner name the
 * caller has written. Returns the RDLENGTH offset for w_rr_end(). */
static inline size_t w_rr_begin(struct wire *w, uint16_t type, uint16_t rclass, uint32_t ttl)
{
	w_u16(w, type);
	w_u16(w, rclass);
	w_u32(w, ttl);
	size_t at = w->len;
	w_u16(w, 0);
	return at;
}

/* Fill in RDLENGTH from the bytes written since w_rr_begin(). */
static inline void w_rr_end(struct wire *w, size_t rdlength_at)
{
	size_t rdlen = w->len - rdlength_at - 2;
	assert_true(rdlen <= 0xffff);
	w->buf[rdlength_at] = (uint8_t)(rdlen >> 8);
	w->buf[rdlength_at + 1] = (uint8_t)rdlen;
}

/* Append one RR with an uncompressed owner and raw rdata. */
static inline void w_rr(struct wire *w, const char *owner, uint16_t type, uint16_t rclass,
                        uint32_t ttl, const void *rdata, size_t rdlen)
{
	w_name(w, owner);
	size_t at = w_rr_begin(w, type, rclass, ttl);
	w_bytes(w, rdata, rdlen);
	w_rr_end(w, at);
}

/* Append an OPT pseudo-record (RFC 6891 section 6.1.3): root owner, the
 * payload size in CLASS, and the upper eight bits of the extended rcode in the
 * first byte of TTL. */
static inline void w_opt(struct wire *w, uint16_t payload, uint8_t ext_rcode)
{
	w_root(w);
	w_u16(w, T_OPT);
	w_u16(w, payload);
	w_u32(w, (uint32_t)ext_rcode << 24);
	w_u16(w, 0);
}

/* Wire form of a dotted name into out (at least 255 bytes); returns its
 * length. "." is the root. */
static inline size_t name_wire(const char *dotted, uint8_t *out)
{
	struct wire w;
	w.len = 0;
	w_name(&w, dotted);
	assert_true(w.len <= 255);
	memcpy(out, w.buf, w.len);
	return w.len;
}
