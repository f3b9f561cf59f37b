/* libFuzzer target: the parser of the RowBinary answers the ClickHouse
 * backend reads. The first byte picks the row layout and how the answer
 * is cut into pieces; the rest is the answer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/clickhouse/ch_rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dn_status on_record(const struct pdns_record *rec, void *ctx)
{
	size_t *seen = ctx;
	/* Every string must be terminated where the callback can read it. */
	*seen += strlen(rec->rrname) + strlen(rec->bailiwick) + strlen(rec->rdata);
	if (rec->rdata_name != NULL)
		*seen += strlen(rec->rdata_name);
	return DN_OK;
}

static dn_status on_negative(const struct pdns_negative *neg, void *ctx)
{
	size_t *seen = ctx;
	*seen += strlen(neg->qname) + strlen(neg->bailiwick);
	return DN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;

	size_t seen = 0;
	struct ch_rrset_rows rrsets = {.fn = on_record, .ctx = &seen, .dump = (mode & 1) != 0};
	struct ch_negative_rows negatives = {.fn = on_negative, .ctx = &seen,
	                                     .dump = (mode & 1) != 0};
	struct ch_row_stream st = {0};
	if (mode & 2) {
		st.row = ch_parse_negative;
		st.ctx = &negatives;
	} else {
		st.row = ch_parse_rrset;
		st.ctx = &rrsets;
	}
	ch_buf_init(&st.pending);

	/* Pieces of 1 to 32 bytes, or the whole answer at once. */
	size_t piece = (mode >> 2) == 0 ? size : (size_t)(mode >> 2) / 2 + 1;
	for (size_t at = 0; at < size;) {
		size_t n = size - at < piece ? size - at : piece;
		if (ch_row_stream_sink(data + at, n, &st) != DN_OK)
			break;
		at += n;
	}
	if (st.pending.len > size)
		abort();
	ch_buf_free(&st.pending);
	free(rrsets.text.buf);
	free(negatives.text.buf);
	return 0;
}
