/* The background writer; see writer.h. */
#include "ingest/writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/log.h"
#include "util/timeutil.h"

struct ingest_writer {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool quit;
	bool pending;  /* handed over, not yet written */
	bool done;     /* written, not yet collected */
	struct pdns_agg *agg;
	struct store_run run;
	struct flush_result result;
	dn_status rc;
	struct dn_error err;
};

/* Niceness added to the writer thread: when it shares a CPU with the
 * threads that read from senders, they go first, because a sender drops
 * frames after a few milliseconds without being read, while a flush may
 * take a little longer. */
#define WRITER_NICENESS 10

static void *writer_main(void *arg)
{
	struct ingest_writer *w = arg;
	/* On Linux, setpriority() on a thread id changes that thread only. */
	int current = getpriority(PRIO_PROCESS, (id_t)gettid());
	setpriority(PRIO_PROCESS, (id_t)gettid(), current + WRITER_NICENESS);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->pending && !w->quit)
			pthread_cond_wait(&w->changed, &w->lock);
		if (!w->pending)
			break;
		pthread_mutex_unlock(&w->lock);

		size_t entries = pdns_agg_count(w->agg);
		double started = time_monotonic();
		struct flush_result result = {0};
		struct dn_error err = {0};
		dn_status rc = ingest_flush_aggregate(w->store, w->agg, &w->run, &result, &err);
		if (rc == DN_OK) {
			pdns_agg_clear(w->agg);
			log_debug("flushed %zu entries in %.2f s in the background", entries,
			          time_monotonic() - started);
		}

		pthread_mutex_lock(&w->lock);
		w->result = result;
		w->rc = rc;
		w->err = err;
		w->pending = false;
		w->done = true;
		pthread_cond_broadcast(&w->changed);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

dn_status ingest_writer_start(struct store *store, struct ingest_writer **out,
                              struct dn_error *err)
{
	*out = NULL;
	struct ingest_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory");
	w->store = store;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->changed, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->changed);
		free(w);
		return dn_fail(err, DN_ENOMEM, "cannot start the store writer thread");
	}
	*out = w;
	return DN_OK;
}

bool ingest_writer_submit(struct ingest_writer *w, struct pdns_agg *agg,
                          const struct store_run *run)
{
	pthread_mutex_lock(&w->lock);
	bool free_now = !w->pending && !w->done;
	if (free_now) {
		w->agg = agg;
		w->run = *run;
		w->pending = true;
		pthread_cond_broadcast(&w->changed);
	}
	pthread_mutex_unlock(&w->lock);
	return free_now;
}

bool ingest_writer_collect(struct ingest_writer *w, bool wait, struct pdns_agg **agg,
                           struct flush_result *result, dn_status *rc, struct dn_error *err)
{
	pthread_mutex_lock(&w->lock);
	while (wait && w->pending)
		pthread_cond_wait(&w->changed, &w->lock);
	bool collected = w->done;
	if (collected) {
		*agg = w->agg;
		*result = w->result;
		*rc = w->rc;
		if (err != NULL)
			*err = w->err;
		w->agg = NULL;
		w->done = false;
	}
	pthread_mutex_unlock(&w->lock);
	return collected;
}

bool ingest_writer_busy(struct ingest_writer *w)
{
	pthread_mutex_lock(&w->lock);
	bool busy = w->pending || w->done;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

void ingest_writer_stop(struct ingest_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->changed);
	free(w);
}
