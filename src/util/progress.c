/* A one-line progress display on a terminal: position, rate and ETA. */
#include "util/progress.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

void format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double value = (double)bytes;
	size_t unit = 0;
	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	if (unit == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", value, units[unit]);
}

void progress_start(struct progress *p, bool enabled, const char *label, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->enabled = enabled;
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->total = total;
	p->started = time_monotonic();
}

void progress_update(struct progress *p, uint64_t position, uint64_t packets)
{
	if (!p->enabled)
		return;
	double now = time_monotonic();
	if (now - p->last_drawn < 0.25)
		return;
	p->last_drawn = now;

	double elapsed = now - p->started;
	double rate = elapsed > 0 ? (double)packets / elapsed : 0;
	char done[32], total[32], eta[32] = "";
	format_bytes(position, done, sizeof(done));
	if (p->total > 0 && position > 0 && position <= p->total) {
		format_bytes(p->total, total, sizeof(total));
		double remaining = elapsed * (double)(p->total - position) / (double)position;
		snprintf(eta, sizeof(eta), "  ETA %d:%02d", (int)remaining / 60, (int)remaining % 60);
		fprintf(stderr, "\r\033[K%s  %3.0f%%  %s / %s  %.0f packets/s%s", p->label,
		        100.0 * (double)position / (double)p->total, done, total, rate, eta);
	} else {
		fprintf(stderr, "\r\033[K%s  %s  %.0f packets/s", p->label, done, rate);
	}
	fflush(stderr);
	p->drawn = true;
}

void progress_update_count(struct progress *p, uint64_t done, const char *unit)
{
	if (!p->enabled)
		return;
	double now = time_monotonic();
	if (now - p->last_drawn < 0.25)
		return;
	p->last_drawn = now;

	double elapsed = now - p->started;
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	fprintf(stderr, "\r\033[K%s  %llu %s  %.0f %s/s", p->label, (unsigned long long)done, unit,
	        rate, unit);
	fflush(stderr);
	p->drawn = true;
}

void progress_finish(struct progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = false;
}
