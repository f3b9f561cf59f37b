/* Matching responses to queries seen on the wire, a guard against spoofed or
 * unsolicited responses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"
#include "dns/message.h"

struct qmatch;

/* A table of at most capacity outstanding queries, each waiting window
 * seconds (packet time) for its response. NULL when out of memory. */
struct qmatch *qmatch_new(size_t capacity, uint32_t window);
void qmatch_free(struct qmatch *q);

/* Remember a query. When the table is full the oldest query is dropped. */
void qmatch_add_query(struct qmatch *q, const struct capture_message *m,
                      const struct dns_message *msg);

enum qmatch_result {
	QMATCH_MATCHED,    /* the first response to a query seen in the window */
	QMATCH_REPEAT,     /* another response to a query that one took already */
	QMATCH_UNMATCHED,  /* no such query in the window */
};

/* Find the query this response answers: same client and server addresses
 * and ports (swapped), transport, message id, question name, type and class,
 * within the window either side. The first response takes the query;
 * repeats of it (a copy from a second tap, a spoofer's race) find it taken. */
enum qmatch_result qmatch_take(struct qmatch *q, const struct capture_message *m,
                               const struct dns_message *msg);

/* Bytes held, for memory accounting. */
size_t qmatch_memory(const struct qmatch *q);
