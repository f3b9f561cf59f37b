/* Reading every network of a MaxMind DB file by walking its search tree
 * with libmaxminddb, so that it can be stored like the text formats. */
#include <stdlib.h>
#include <string.h>

#include <maxminddb.h>

#include "asn/asn.h"

typedef unsigned __int128 u128;

/* One search tree node still to visit: its number, how many bits of the
 * address lead to it, and those bits (left-aligned in 128 bits). */
struct walk_item {
	uint32_t node;
	unsigned depth;
	u128 bits;
};

struct walk {
	MMDB_s *db;
	unsigned address_bits; /* 32 or 128 */
	uint32_t ipv4_start;   /* node of ::/96 in an IPv6 tree; UINT32_MAX when none */
	asn_range_fn fn;
	void *ctx;
	struct asn_parse_counts *counts;
	struct dn_error *err;
	struct walk_item *stack;
	size_t nstack, stack_size;
	char strings[3][1024]; /* as_org, isp, organization of the record being read */
};

static dn_status push(struct walk *w, uint32_t node, unsigned depth, u128 bits)
{
	if (w->nstack == w->stack_size) {
		size_t size = w->stack_size > 0 ? w->stack_size * 2 : 256;
		struct walk_item *grown = realloc(w->stack, size * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(w->err, DN_ENOMEM, "out of memory walking the search tree");
		w->stack = grown;
		w->stack_size = size;
	}
	w->stack[w->nstack++] = (struct walk_item){node, depth, bits};
	return DN_OK;
}

/* The node that ::/96 leads to in an IPv6 tree, where IPv4 networks sit. */
static uint32_t find_ipv4_start(MMDB_s *db)
{
	if (db->metadata.ip_version != 6)
		return UINT32_MAX;
	uint32_t node = 0;
	for (int i = 0; i < 96; i++) {
		MMDB_search_node_s sn;
		if (MMDB_read_node(db, node, &sn) != MMDB_SUCCESS ||
		    sn.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
			return UINT32_MAX;
		node = (uint32_t)sn.left_record;
	}
	return node;
}

/* Copy the UTF-8 string at path into out; "" when the record has none. A
 * value of another type is ignored, as a map without the key is. */
static dn_status read_string(struct walk *w, MMDB_entry_s *entry, const char *key, char *out,
                             size_t size)
{
	MMDB_entry_data_s data;
	out[0] = '\0';
	int status = MMDB_get_value(entry, &data, key, NULL);
	if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		return DN_OK;
	if (status != MMDB_SUCCESS)
		return dn_fail(w->err, DN_EMALF, "data record at offset %u: reading '%s' failed: %s",
		               entry->offset, key, MMDB_strerror(status));
	if (!data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING)
		return DN_OK;
	size_t n = data.data_size < size - 1 ? data.data_size : size - 1;
	memcpy(out, data.utf8_string, n);
	out[n] = '\0';
	/* A NUL inside the value cuts the string short there. */
	return DN_OK;
}

static dn_status read_asn(struct walk *w, MMDB_entry_s *entry, uint32_t *asn)
{
	MMDB_entry_data_s data;
	*asn = 0;
	int status = MMDB_get_value(entry, &data, "autonomous_system_number", NULL);
	if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		return DN_OK;
	if (status != MMDB_SUCCESS)
		return dn_fail(w->err, DN_EMALF,
		               "data record at offset %u: reading 'autonomous_system_number' "
		               "failed: %s",
		               entry->offset, MMDB_strerror(status));
	if (!data.has_data)
		return DN_OK;
	if (data.type == MMDB_DATA_TYPE_UINT32)
		*asn = data.uint32;
	else if (data.type == MMDB_DATA_TYPE_UINT16)
		*asn = data.uint16;
	else if (data.type == MMDB_DATA_TYPE_UINT64 && data.uint64 <= UINT32_MAX)
		*asn = (uint32_t)data.uint64;
	return DN_OK;
}

static dn_status read_country(struct walk *w, MMDB_entry_s *entry, char country[3])
{
	MMDB_entry_data_s data;
	country[0] = '\0';
	int status = MMDB_get_value(entry, &data, "country", "iso_code", NULL);
	if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		return DN_OK;
	if (status != MMDB_SUCCESS)
		return dn_fail(w->err, DN_EMALF,
		               "data record at offset %u: reading 'country.iso_code' failed: %s",
		               entry->offset, MMDB_strerror(status));
	if (data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING && data.data_size == 2) {
		memcpy(country, data.utf8_string, 2);
		country[2] = '\0';
	}
	return DN_OK;
}

/* Turn the network (bits, depth) into an address range: IPv4 for an IPv4
 * tree and for ::/96 of an IPv6 tree. */
static void network_range(const struct walk *w, u128 bits, unsigned depth, struct asn_range *r)
{
	u128 lo = bits, hi;
	unsigned len = depth;
	if (w->address_bits == 32) {
		lo = ((u128)0xffff << 32) | (bits >> 96);
		len = 96 + depth;
	} else if (depth >= 96 && (bits >> 32) == 0) {
		lo = ((u128)0xffff << 32) | bits;
	}
	hi = len == 0 ? ~(u128)0 : lo | (((u128)1 << (128 - len)) - 1);
	if (len == 128)
		hi = lo;
	for (int i = 15; i >= 0; i--) {
		r->lo.b[i] = (uint8_t)lo;
		r->hi.b[i] = (uint8_t)hi;
		lo >>= 8;
		hi >>= 8;
	}
}

static dn_status emit_network(struct walk *w, MMDB_entry_s *entry, u128 bits, unsigned depth)
{
	struct asn_range r;
	memset(&r, 0, sizeof(r));
	dn_status rc = read_asn(w, entry, &r.asn);
	if (rc == DN_OK)
		rc = read_country(w, entry, r.country);
	if (rc == DN_OK)
		rc = read_string(w, entry, "autonomous_system_organization", w->strings[0],
		                 sizeof(w->strings[0]));
	if (rc == DN_OK)
		rc = read_string(w, entry, "isp", w->strings[1], sizeof(w->strings[1]));
	if (rc == DN_OK)
		rc = read_string(w, entry, "organization", w->strings[2], sizeof(w->strings[2]));
	if (rc != DN_OK)
		return rc;

	r.as_org = w->strings[0][0] != '\0' ? w->strings[0] : NULL;
	r.isp = w->strings[1][0] != '\0' ? w->strings[1] : NULL;
	r.organization = w->strings[2][0] != '\0' ? w->strings[2] : NULL;
	/* A record without AS number, AS organization, ISP or organization
	 * carries no ASN data, even with a country (a City or Country
	 * database), so it is skipped. */
	if (r.asn == 0 && r.as_org == NULL && r.isp == NULL && r.organization == NULL)
		return DN_OK;
	network_range(w, bits, depth, &r);
	w->counts->records++;
	return w->fn(&r, w->ctx);
}

/* Handle one of a node's two records: descend, emit or skip it. */
static dn_status follow(struct walk *w, uint8_t type, uint64_t record, MMDB_entry_s *entry,
                        unsigned depth, u128 bits)
{
	switch (type) {
	case MMDB_RECORD_TYPE_EMPTY:
		return DN_OK;
	case MMDB_RECORD_TYPE_DATA:
		return emit_network(w, entry, bits, depth);
	case MMDB_RECORD_TYPE_SEARCH_NODE:
		if (depth >= w->address_bits)
			return dn_fail(w->err, DN_EMALF,
			               "search tree is deeper than the %u bits of an address",
			               w->address_bits);
		/* Aliases of the IPv4 subtree repeat its networks elsewhere. */
		if ((uint32_t)record == w->ipv4_start && !(depth == 96 && bits == 0))
			return DN_OK;
		return push(w, (uint32_t)record, depth, bits);
	default:
		return dn_fail(w->err, DN_EMALF,
		               "search tree record %llu points outside the tree and the data "
		               "section",
		               (unsigned long long)record);
	}
}

static dn_status walk_tree(struct walk *w)
{
	uint32_t node_count = w->db->metadata.node_count;
	/* Every node has one parent once aliases are skipped, so a walk that
	 * visits more nodes than the tree has is going round a cycle. */
	uint64_t budget = (uint64_t)node_count + 1;
	dn_status rc = push(w, 0, 0, 0);
	while (rc == DN_OK && w->nstack > 0) {
		struct walk_item item = w->stack[--w->nstack];
		if (w->counts->lines++ >= budget)
			return dn_fail(w->err, DN_EMALF,
			               "search tree visits more nodes than its %u; it has a cycle or "
			               "shared subtrees",
			               node_count);
		MMDB_search_node_s sn;
		int status = MMDB_read_node(w->db, item.node, &sn);
		if (status != MMDB_SUCCESS)
			return dn_fail(w->err, DN_EMALF, "reading search tree node %u failed: %s",
			               item.node, MMDB_strerror(status));
		unsigned depth = item.depth + 1;
		u128 right = item.bits | ((u128)1 << (128 - depth));
		/* Push the right record first so the left one, the lower
		 * addresses, is read first. */
		rc = follow(w, sn.right_record_type, sn.right_record, &sn.right_record_entry, depth,
		            right);
		if (rc == DN_OK)
			rc = follow(w, sn.left_record_type, sn.left_record, &sn.left_record_entry,
			            depth, item.bits);
	}
	return rc;
}

dn_status asn_mmdb_read(const char *path, asn_range_fn fn, void *ctx,
                        struct asn_parse_counts *counts, struct dn_error *err)
{
	struct asn_parse_counts local;
	if (counts == NULL)
		counts = &local;
	*counts = (struct asn_parse_counts){0};

	MMDB_s db;
	int status = MMDB_open(path, MMDB_MODE_MMAP, &db);
	/* libmaxminddb reports a file too short to map as MMDB_IO_ERROR, so
	 * only a file that does not open is an I/O failure. */
	if (status == MMDB_FILE_OPEN_ERROR)
		return dn_fail(err, DN_EIO, "cannot open the file: %s", MMDB_strerror(status));
	if (status == MMDB_OUT_OF_MEMORY_ERROR)
		return dn_fail(err, DN_ENOMEM, "out of memory opening the MMDB file");
	if (status != MMDB_SUCCESS)
		return dn_fail(err, DN_EFORMAT, "not a valid MaxMind DB file: %s",
		               MMDB_strerror(status));
	if (db.metadata.ip_version != 4 && db.metadata.ip_version != 6) {
		MMDB_close(&db);
		return dn_fail(err, DN_EFORMAT, "unsupported MMDB ip_version %u",
		               (unsigned)db.metadata.ip_version);
	}

	struct walk w = {
		.db = &db,
		.address_bits = db.metadata.ip_version == 4 ? 32 : 128,
		.fn = fn,
		.ctx = ctx,
		.counts = counts,
		.err = err,
	};
	w.ipv4_start = find_ipv4_start(&db);
	dn_status rc = db.metadata.node_count == 0 ? DN_OK : walk_tree(&w);
	free(w.stack);
	MMDB_close(&db);
	return rc;
}
