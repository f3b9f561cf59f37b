/* A one-line progress display on a terminal: position, rate and ETA. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress {
	bool enabled;
	char label[64];
	uint64_t total;      /* bytes, 0 when unknown */
	double started;      /* monotonic seconds */
	double last_drawn;
	bool drawn;
};

/* Start a display for label; nothing is drawn unless enabled. */
void progress_start(struct progress *p, bool enabled, const char *label, uint64_t total);

/* Redraw at most four times a second with bytes done and packets so far. */
void progress_update(struct progress *p, uint64_t position, uint64_t packets);

/* Redraw at most four times a second with the items done and their rate;
 * unit names the items ("rows"). */
void progress_update_count(struct progress *p, uint64_t done, const char *unit);

/* Erase the line so that the summary that follows starts clean. */
void progress_finish(struct progress *p);

/* Format a byte count as "512 B", "1.5 MiB", "2.0 GiB" into buf. */
void format_bytes(uint64_t bytes, char *buf, size_t size);
