/*
 * The local spool: every committed batch is first written here, one file
 * per INSERT, and deleted once the store has taken it. A store that cannot
 * be reached therefore loses nothing: the files wait, later commits and
 * the close of the store retry with a growing pause, and the next process
 * that opens the store for writing sends what is left.
 *
 * A file holds one line "dragnet-spool 1 TABLE HOST:PORT\n" (or "-" for
 * any server, in place of HOST:PORT) and then the RowBinary
 * rows. Names are "<commit time ns>-<pid>-<sequence>.rb", so sorting them
 * sends batches in commit order; a batch still open is in ".tmp-" files,
 * which only their own process touches. Sending takes an exclusive flock
 * on the file, so two processes sharing a spool never send one file twice.
 *
 * NOTE: when the server stores an INSERT but the answer is lost (a timeout
 * after the data arrived), the retry stores it a second time and its counts
 * are doubled; ClickHouse deduplicates retried inserts only on replicated
 * tables.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "store/clickhouse/ch_internal.h"
#include "util/log.h"
#include "util/timeutil.h"

#define RETRY_MAX_S 60.0
/* send_file's answer for a file pinned to a node already found down. */
#define DN_EAGAIN_SKIP DN_EBUSY

static dn_status make_dirs(const char *path, struct dn_error *err)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return dn_fail(err, DN_EIO, "cannot create the spool directory %s: %s", dir,
			               strerror(errno));
		*p = saved;
		if (saved == '\0')
			break;
	}
	return DN_OK;
}

dn_status ch_spool_path(struct ch_store *s, struct dn_error *err)
{
	if (s->loc.spool[0] != '\0') {
		snprintf(s->spool_dir, sizeof(s->spool_dir), "%s", s->loc.spool);
	} else {
		/* One folder per store, named after its database and a hash of
		 * its servers, so two stores never share one. */
		char servers[2048] = "";
		size_t used = 0;
		for (size_t i = 0; i < s->loc.nhosts; i++) {
			int n = snprintf(servers + used, sizeof(servers) - used, "%s:%d,",
			                 s->loc.hosts[i].name, s->loc.hosts[i].port);
			if (n > 0 && (size_t)n < sizeof(servers) - used)
				used += (size_t)n;
		}
		unsigned long long h = XXH3_64bits(servers, used);
		const char *state = getenv("XDG_STATE_HOME");
		const char *home = getenv("HOME");
		if (state != NULL && state[0] == '/')
			snprintf(s->spool_dir, sizeof(s->spool_dir), "%s/dragnet/spool/%s-%016llx",
			         state, s->loc.database, h);
		else if (home != NULL && home[0] == '/')
			snprintf(s->spool_dir, sizeof(s->spool_dir),
			         "%s/.local/state/dragnet/spool/%s-%016llx", home, s->loc.database,
			         h);
		else
			return dn_fail(err, DN_EINVAL,
			               "%s: no place for the spool; set XDG_STATE_HOME or add "
			               "?spool=DIR to the location",
			               s->loc.safe);
	}
	return DN_OK;
}

dn_status ch_spool_open(struct ch_store *s, struct dn_error *err)
{
	dn_status rc = ch_spool_path(s, err);
	return rc == DN_OK ? make_dirs(s->spool_dir, err) : rc;
}

static dn_status write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return DN_EIO;
		p += n;
		len -= (size_t)n;
	}
	return DN_OK;
}

/* Write a spool file at path: header, rows, fsync. */
static dn_status write_spool_file(struct ch_store *s, const char *path, const char *table, int host,
                                  const struct ch_buf *rows, struct dn_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return dn_fail(err, DN_EIO, "cannot write the spool file %s: %s", path,
		               strerror(errno));
	char header[512];
	int hlen;
	if (host >= 0)
		hlen = snprintf(header, sizeof(header), "dragnet-spool 1 %s %s:%d\n", table,
		                s->loc.hosts[host].name, s->loc.hosts[host].port);
	else
		hlen = snprintf(header, sizeof(header), "dragnet-spool 1 %s -\n", table);
	dn_status rc = write_all(fd, header, (size_t)hlen);
	if (rc == DN_OK)
		rc = write_all(fd, rows->data, rows->len);
	if (rc == DN_OK && fsync(fd) != 0)
		rc = DN_EIO;
	int saved = errno;
	close(fd);
	if (rc != DN_OK) {
		unlink(path);
		return dn_fail(err, DN_EIO, "cannot write the spool file %s: %s", path,
		               strerror(saved));
	}
	return DN_OK;
}

dn_status ch_spool_write_part(struct ch_store *s, const char *table, int host,
                              const struct ch_buf *rows, struct dn_error *err)
{
	if (s->ntmp == sizeof(s->tmp_files) / sizeof(s->tmp_files[0]))
		return dn_fail(err, DN_ELIMIT, "%s: a batch larger than %zu parts", s->loc.safe,
		               s->ntmp);
	char path[1200];
	snprintf(path, sizeof(path), "%s/.tmp-%d-%06u", s->spool_dir, (int)getpid(), s->seq++);
	dn_status rc = write_spool_file(s, path, table, host, rows, err);
	if (rc != DN_OK)
		return rc;
	char *copy = strdup(path);
	if (copy == NULL) {
		unlink(path);
		return dn_fail(err, DN_ENOMEM, "out of memory");
	}
	s->tmp_files[s->ntmp++] = copy;
	return DN_OK;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

dn_status ch_spool_write_now(struct ch_store *s, const char *table, int host,
                             const struct ch_buf *rows, struct dn_error *err)
{
	char tmp[1200], path[1200];
	unsigned seq = s->seq++;
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%d-%06u", s->spool_dir, (int)getpid(), seq);
	snprintf(path, sizeof(path), "%s/%020llu-%07d-n%05u.rb", s->spool_dir, now_ns(),
	         (int)getpid(), seq % 100000);
	dn_status rc = write_spool_file(s, tmp, table, host, rows, err);
	if (rc != DN_OK)
		return rc;
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return dn_fail(err, DN_EIO, "cannot rename %s in the spool: %s", tmp,
		               strerror(errno));
	}
	return DN_OK;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

dn_status ch_spool_commit(struct ch_store *s, struct dn_error *err)
{
	unsigned long long now = now_ns();
	for (size_t i = 0; i < s->ntmp; i++) {
		char path[1200];
		snprintf(path, sizeof(path), "%s/%020llu-%07d-%06zu.rb", s->spool_dir, now,
		         (int)getpid(), i);
		if (rename(s->tmp_files[i], path) != 0) {
			dn_status rc = dn_fail(err, DN_EIO, "cannot rename %s in the spool: %s",
			                       s->tmp_files[i], strerror(errno));
			/* What was renamed is committed and will be sent; the rest
			 * of the batch is dropped, and the caller learns it failed. */
			ch_spool_discard(s);
			return rc;
		}
		free(s->tmp_files[i]);
		s->tmp_files[i] = NULL;
	}
	s->ntmp = 0;
	fsync_dir(s->spool_dir);
	return DN_OK;
}

void ch_spool_discard(struct ch_store *s)
{
	for (size_t i = 0; i < s->ntmp; i++) {
		if (s->tmp_files[i] != NULL)
			unlink(s->tmp_files[i]);
		free(s->tmp_files[i]);
		s->tmp_files[i] = NULL;
	}
	s->ntmp = 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The committed files of the spool, sorted; the caller frees them. */
static char **list_files(struct ch_store *s, size_t *count)
{
	*count = 0;
	DIR *dir = opendir(s->spool_dir);
	if (dir == NULL)
		return NULL;
	char **names = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 4 || strcmp(e->d_name + len - 3, ".rb") != 0)
			continue;
		if (*count == cap) {
			size_t grown_cap = cap > 0 ? cap * 2 : 64;
			char **grown = realloc(names, grown_cap * sizeof(*names));
			if (grown == NULL)
				break;
			names = grown;
			cap = grown_cap;
		}
		names[*count] = strdup(e->d_name);
		if (names[*count] == NULL)
			break;
		(*count)++;
	}
	closedir(dir);
	if (*count > 0)
		qsort(names, *count, sizeof(*names), compare_names);
	return names;
}

static void free_list(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

void ch_spool_count(struct ch_store *s, uint64_t *batches, uint64_t *bytes)
{
	size_t count;
	char **names = list_files(s, &count);
	*batches = count;
	*bytes = 0;
	for (size_t i = 0; i < count; i++) {
		char path[1200];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", s->spool_dir, names[i]);
		if (stat(path, &st) == 0)
			*bytes += (uint64_t)st.st_size;
	}
	free_list(names, count);
}

/* Read the whole file; NULL when it cannot be read. */
static uint8_t *read_file(int fd, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_nlink == 0)
		return NULL;
	uint8_t *data = malloc((size_t)st.st_size + 1);
	if (data == NULL)
		return NULL;
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, data + got, (size_t)st.st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)st.st_size) {
		free(data);
		return NULL;
	}
	data[got] = '\0';
	*len = got;
	return data;
}

/* Send one file. DN_OK when the store took it, or when another process
 * got it first. */
static dn_status send_file(struct ch_store *s, const char *name, const bool *skip, int *pinned,
                           struct dn_error *err)
{
	*pinned = -1;
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", s->spool_dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
		               ? DN_OK
		               : dn_fail(err, DN_EIO, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return DN_OK; /* another process is sending it */
	}
	size_t len = 0;
	uint8_t *data = read_file(fd, &len);
	if (data == NULL) {
		struct stat st;
		bool gone = fstat(fd, &st) == 0 && st.st_nlink == 0;
		close(fd);
		return gone ? DN_OK : dn_fail(err, DN_EIO, "cannot read %s", path);
	}
	char table[160], target[300];
	uint8_t *rows = memchr(data, '\n', len < 600 ? len : 600);
	if (rows == NULL ||
	    sscanf((const char *)data, "dragnet-spool 1 %159s %299s", table, target) != 2) {
		free(data);
		close(fd);
		/* Not ours to send, and never will be: move it aside. */
		char aside[1300];
		snprintf(aside, sizeof(aside), "%s.unreadable", path);
		rename(path, aside);
		return dn_fail(err, DN_EMALF, "%s is not a dragnet spool file; moved to %s", path,
		               aside);
	}
	rows++;
	/* Rows for one node go there, or anywhere if the location no longer
	 * lists it. */
	int host = -1;
	for (size_t i = 0; i < s->loc.nhosts && strcmp(target, "-") != 0; i++) {
		char server[300];
		snprintf(server, sizeof(server), "%s:%d", s->loc.hosts[i].name,
		         s->loc.hosts[i].port);
		if (strcmp(server, target) == 0)
			host = (int)i;
	}
	*pinned = host;
	if (host >= 0 && skip[host]) {
		free(data);
		close(fd);
		return DN_EAGAIN_SKIP;
	}
	char sql[400];
	snprintf(sql, sizeof(sql), "INSERT INTO %s.%s FORMAT RowBinary", s->loc.database, table);
	/* Replicated tables drop a block identical to one stored before; two
	 * batches with the same rows are two batches here, as in SQLite. */
	const char *dedup = s->loc.replicated ? "&insert_deduplicate=0" : "";
	char settings[128];
	snprintf(settings, sizeof(settings), "insert_distributed_sync=%d%s", s->cluster ? 1 : 0,
	         dedup);
	size_t body_len = len - (size_t)(rows - data);
	enum ch_failure failure;
	dn_status rc = ch_http_run(s->http, host, "sending a batch", sql, rows, body_len, settings,
	                           NULL, NULL, &failure, err);
	if (rc != DN_OK && failure == CH_FAIL_SHARD) {
		/* A shard is down: the node keeps its part and delivers it when
		 * the shard is back. */
		log_info("%s; handing the batch to the cluster to deliver later", err->msg);
		snprintf(settings, sizeof(settings), "insert_distributed_sync=0%s", dedup);
		rc = ch_http_run(s->http, host, "sending a batch", sql, rows, body_len, settings,
		                 NULL, NULL, &failure, err);
	}
	free(data);
	if (rc == DN_OK)
		unlink(path);
	close(fd);
	return rc;
}

size_t ch_spool_send(struct ch_store *s, bool *failed)
{
	size_t count;
	char **names = list_files(s, &count);
	size_t left = 0;
	bool down[CH_MAX_HOSTS] = {false};
	*failed = false;
	for (size_t i = 0; i < count; i++) {
		struct dn_error err = {0};
		int pinned;
		dn_status rc = send_file(s, names[i], down, &pinned, &err);
		if (rc == DN_OK)
			continue;
		left++;
		if (rc == DN_EAGAIN_SKIP)
			continue;
		*failed = true;
		/* Messages start with the location, which the caller prints. */
		size_t skip = strlen(s->loc.safe);
		if (strncmp(err.msg, s->loc.safe, skip) != 0 ||
		    strncmp(err.msg + skip, ": ", 2) != 0)
			skip = 0;
		else
			skip += 2;
		snprintf(s->last_send_error, sizeof(s->last_send_error), "%s", err.msg + skip);
		if (!s->warned_outage)
			log_warn("%s; keeping batches in %s and retrying", err.msg, s->spool_dir);
		else
			log_debug("%s", err.msg);
		s->warned_outage = true;
		if (pinned < 0) {
			/* Any server would do and none took it: wait. */
			left += count - i - 1;
			break;
		}
		/* One node is down; the files for the others still go. */
		down[pinned] = true;
	}
	if (*failed) {
		s->retry_at = time_monotonic() + s->retry_delay;
		s->retry_delay =
		        s->retry_delay * 2 < RETRY_MAX_S ? s->retry_delay * 2 : RETRY_MAX_S;
	} else {
		if (s->warned_outage && left == 0)
			log_info("%s: the store takes batches again; the spool is empty",
			         s->loc.safe);
		s->warned_outage = false;
		s->retry_delay = 1.0;
		s->retry_at = 0;
	}
	free_list(names, count);
	return left;
}
