/* Stop requests from signals, counted so that code blocked on the network
 * can tell "stop when you can" (the first) from "stop now" (the second). */
#pragma once

/* Count one request; safe to call from a signal handler. */
void interrupt_note(void);

/* Requests counted so far. */
unsigned interrupt_count(void);
