/*
 * The local spool: every committed batch is first written here and deleted
 * once the store has taken it. A store that cannot be reached therefore
 * loses nothing: the batches wait, later commits and the close of the
 * store retry with a growing pause, and the next process that opens the
 * store for writing sends what is left.
 *
 * A batch is a folder "<commit time ns>-<pid>-<sequence>.batch" with one
 * file per INSERT ("NNNNNN.rb"): a line "dragnet-spool 1 TABLE TARGET ID\n"
 * and then the RowBinary rows. TARGET is the "HOST:PORT" the rows must go
 * to, or "-" for any server; ID is the batch id inside the rows, or "-".
 * An open batch is a ".tmp-<pid>-<sequence>" folder, renamed in one step at
 * commit, so a killed process leaves either a whole batch or none. Sorting
 * the names sends batches in commit order. Sending takes an exclusive flock
 * on the folder, so two processes sharing a spool never send one file twice.
 *
 * A file is deleted only after the server took it, so a process killed in
 * between leaves it behind. Such a file, and any file whose last attempt
 * failed in a way that may have reached the server, is looked up by its id
 * in the batches table before it is sent again. Only files this process
 * has just committed go out unchecked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "store/clickhouse/ch_internal.h"
#include "util/log.h"
#include "util/timeutil.h"

#define RETRY_MAX_S 60.0

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
			return dn_fail(err, DN_ESTORE, "cannot create the spool directory %s: %s",
			               dir, strerror(errno));
		*p = saved;
		if (saved == '\0')
			break;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return dn_fail(err, DN_ESTORE, "the spool %s is not a directory", path);
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
	if (rc == DN_OK)
		rc = make_dirs(s->spool_dir, err);
	if (rc == DN_OK)
		ch_spool_clean(s);
	return rc;
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

static unsigned long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Write one part file: header, rows, fsync. */
static dn_status write_part_file(struct ch_store *s, const char *path, const char *table, int host,
                                 uint64_t batch, const struct ch_buf *rows, struct dn_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return dn_fail(err, DN_ESTORE, "cannot write the spool file %s: %s", path,
		               strerror(errno));
	char header[512], target[300] = "-", id[24] = "-";
	if (host >= 0)
		snprintf(target, sizeof(target), "%s:%d", s->loc.hosts[host].name,
		         s->loc.hosts[host].port);
	if (batch != 0)
		snprintf(id, sizeof(id), "%016llx", (unsigned long long)batch);
	int hlen =
	        snprintf(header, sizeof(header), "dragnet-spool 1 %s %s %s\n", table, target, id);
	dn_status rc = write_all(fd, header, (size_t)hlen);
	if (rc == DN_OK)
		rc = write_all(fd, rows->data, rows->len);
	if (rc == DN_OK && fsync(fd) != 0)
		rc = DN_EIO;
	int saved = errno;
	close(fd);
	if (rc != DN_OK) {
		unlink(path);
		return dn_fail(err, DN_ESTORE, "cannot write the spool file %s: %s", path,
		               strerror(saved));
	}
	return DN_OK;
}

dn_status ch_spool_write_part(struct ch_store *s, const char *table, int host, uint64_t batch,
                              const struct ch_buf *rows, struct dn_error *err)
{
	if (s->tmp_dir[0] == '\0') {
		snprintf(s->tmp_dir, sizeof(s->tmp_dir), "%s/.tmp-%d-%06u", s->spool_dir,
		         (int)getpid(), s->seq++);
		if (mkdir(s->tmp_dir, 0700) != 0) {
			dn_status rc = dn_fail(err, DN_ESTORE, "cannot create %s: %s", s->tmp_dir,
			                       strerror(errno));
			s->tmp_dir[0] = '\0';
			return rc;
		}
		s->nparts = 0;
	}
	char path[1300];
	snprintf(path, sizeof(path), "%s/%06u.rb", s->tmp_dir, s->nparts++);
	return write_part_file(s, path, table, host, batch, rows, err);
}

/* Remember a committed batch as not sent yet, so it goes out unchecked. */
static void remember_fresh(struct ch_store *s, const char *name)
{
	if (s->nfresh == s->fresh_cap) {
		size_t cap = s->fresh_cap > 0 ? s->fresh_cap * 2 : 64;
		char **grown = realloc(s->fresh, cap * sizeof(*grown));
		if (grown == NULL)
			return; /* it will be checked before it is sent: slower, still right */
		s->fresh = grown;
		s->fresh_cap = cap;
	}
	char *copy = strdup(name);
	if (copy != NULL)
		s->fresh[s->nfresh++] = copy;
}

/* True once for a batch remember_fresh recorded; it is forgotten then. */
static bool take_fresh(struct ch_store *s, const char *name)
{
	for (size_t i = 0; i < s->nfresh; i++) {
		if (strcmp(s->fresh[i], name) != 0)
			continue;
		free(s->fresh[i]);
		s->fresh[i] = s->fresh[--s->nfresh];
		return true;
	}
	return false;
}

void ch_spool_free(struct ch_store *s)
{
	for (size_t i = 0; i < s->nfresh; i++)
		free(s->fresh[i]);
	free(s->fresh);
	s->fresh = NULL;
	s->nfresh = s->fresh_cap = 0;
}

dn_status ch_spool_commit(struct ch_store *s, struct dn_error *err)
{
	if (s->tmp_dir[0] == '\0')
		return DN_OK;
	char name[128], path[1300];
	snprintf(name, sizeof(name), "%020llu-%07d-%06u.batch", now_ns(), (int)getpid(), s->seq++);
	snprintf(path, sizeof(path), "%s/%s", s->spool_dir, name);
	fsync_path(s->tmp_dir);
	if (rename(s->tmp_dir, path) != 0) {
		dn_status rc = dn_fail(err, DN_ESTORE, "cannot commit %s in the spool: %s",
		                       s->tmp_dir, strerror(errno));
		ch_spool_discard(s);
		return rc;
	}
	s->tmp_dir[0] = '\0';
	fsync_path(s->spool_dir);
	remember_fresh(s, name);
	return DN_OK;
}

/* Delete a batch folder and what is in it. */
static void remove_batch_dir(const char *path)
{
	DIR *dir = opendir(path);
	if (dir != NULL) {
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char file[1600];
			snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
			unlink(file);
		}
		closedir(dir);
	}
	rmdir(path);
}

void ch_spool_discard(struct ch_store *s)
{
	if (s->tmp_dir[0] != '\0')
		remove_batch_dir(s->tmp_dir);
	s->tmp_dir[0] = '\0';
}

dn_status ch_spool_write_now(struct ch_store *s, const char *table, int host,
                             const struct ch_buf *rows, struct dn_error *err)
{
	/* A batch of its own, committed at once; an open batch waits aside. */
	char open_dir[sizeof(s->tmp_dir)];
	unsigned open_parts = s->nparts;
	snprintf(open_dir, sizeof(open_dir), "%s", s->tmp_dir);
	s->tmp_dir[0] = '\0';
	dn_status rc = ch_spool_write_part(s, table, host, 0, rows, err);
	if (rc == DN_OK)
		rc = ch_spool_commit(s, err);
	else
		ch_spool_discard(s);
	snprintf(s->tmp_dir, sizeof(s->tmp_dir), "%s", open_dir);
	s->nparts = open_parts;
	return rc;
}

/* Delete open-batch folders of processes that no longer run: a batch that
 * was never committed leaves no trace. */
void ch_spool_clean(struct ch_store *s)
{
	DIR *dir = opendir(s->spool_dir);
	if (dir == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		int pid;
		unsigned seq;
		if (sscanf(e->d_name, ".tmp-%d-%u", &pid, &seq) != 2 || pid <= 0)
			continue;
		if (pid == (int)getpid() || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		char path[1300];
		snprintf(path, sizeof(path), "%s/%s", s->spool_dir, e->d_name);
		log_debug("removing %s, an uncommitted batch of process %d", path, pid);
		remove_batch_dir(path);
	}
	closedir(dir);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir that end with suffix and do not start with '.', sorted;
 * the caller frees them with free_list. */
static char **list_names(const char *path, const char *suffix, size_t *count)
{
	*count = 0;
	DIR *dir = opendir(path);
	if (dir == NULL)
		return NULL;
	size_t slen = strlen(suffix);
	char **names = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len <= slen ||
		    strcmp(e->d_name + len - slen, suffix) != 0)
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
	char **names = list_names(s->spool_dir, ".batch", &count);
	*batches = count;
	*bytes = 0;
	for (size_t i = 0; i < count; i++) {
		char dir[1300];
		snprintf(dir, sizeof(dir), "%s/%s", s->spool_dir, names[i]);
		size_t nparts;
		char **parts = list_names(dir, ".rb", &nparts);
		for (size_t j = 0; j < nparts; j++) {
			char path[1600];
			struct stat st;
			snprintf(path, sizeof(path), "%s/%s", dir, parts[j]);
			if (stat(path, &st) == 0)
				*bytes += (uint64_t)st.st_size;
		}
		free_list(parts, nparts);
	}
	free_list(names, count);
}

/* Read a whole file; NULL when it cannot be read. */
static uint8_t *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	uint8_t *data = NULL;
	if (fstat(fd, &st) == 0)
		data = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (data != NULL && got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (data == NULL || got != (size_t)st.st_size) {
		free(data);
		return NULL;
	}
	data[got] = '\0';
	*len = got;
	return data;
}

/* Look up id in the batches table: 1 found, 0 not found, -1 the lookup
 * failed (err set). */
static int batch_stored(struct ch_store *s, unsigned long long id, struct dn_error *err)
{
	char sql[300], *text = NULL;
	snprintf(sql, sizeof(sql), "SELECT count() FROM %s WHERE batch = %llu", s->t_batches, id);
	if (ch_http_text(s->http, -1, "checking a batch sent before", sql, &text, NULL, err) !=
	    DN_OK)
		return -1;
	int stored = strcmp(text, "0") != 0;
	free(text);
	return stored;
}

/* Outcome of sending one part. */
enum part_result {
	PART_SENT,    /* the store has it (now or before); the file is gone */
	PART_SKIPPED, /* its node is already known to be down */
	PART_FAILED,  /* err has the reason */
};

static enum part_result send_part(struct ch_store *s, const char *path, bool check,
                                  const bool *down, int *pinned, struct dn_error *err)
{
	*pinned = -1;
	size_t len = 0;
	uint8_t *data = read_file(path, &len);
	if (data == NULL) {
		if (access(path, F_OK) != 0)
			return PART_SENT; /* another process sent it */
		dn_fail(err, DN_ESTORE, "cannot read the spool file %s", path);
		return PART_FAILED;
	}
	char table[160], target[300], id[24];
	uint8_t *rows = memchr(data, '\n', len < 600 ? len : 600);
	if (rows == NULL || sscanf((const char *)data, "dragnet-spool 1 %159s %299s %23s", table,
	                           target, id) != 3) {
		free(data);
		/* Not ours to send, and never will be: move it aside. */
		char aside[1700];
		snprintf(aside, sizeof(aside), "%s.unreadable", path);
		rename(path, aside);
		dn_fail(err, DN_EMALF, "%s is not a dragnet spool file; moved to %s", path, aside);
		return PART_FAILED;
	}
	rows++;
	size_t body_len = len - (size_t)(rows - data);

	/* Rows for one node go there, or anywhere if the location no longer
	 * lists it. */
	for (size_t i = 0; i < s->loc.nhosts && strcmp(target, "-") != 0; i++) {
		char server[300];
		snprintf(server, sizeof(server), "%s:%d", s->loc.hosts[i].name,
		         s->loc.hosts[i].port);
		if (strcmp(server, target) == 0)
			*pinned = (int)i;
	}
	if (*pinned >= 0 && down[*pinned]) {
		free(data);
		return PART_SKIPPED;
	}

	unsigned long long batch = strcmp(id, "-") != 0 ? strtoull(id, NULL, 16) : 0;
	if (check && batch != 0) {
		int stored = batch_stored(s, batch, err);
		if (stored != 0) {
			free(data);
			if (stored < 0)
				return PART_FAILED;
			log_info("%s: batch %016llx reached the store before; not sending it again",
			         s->loc.safe, batch);
			unlink(path);
			return PART_SENT;
		}
	}

	char sql[400];
	snprintf(sql, sizeof(sql), "INSERT INTO %s.%s FORMAT RowBinary", s->loc.database, table);
	/* Replicated tables drop a block identical to one stored before; two
	 * batches with the same rows are two batches here, as in SQLite. */
	const char *dedup = s->loc.replicated ? "&insert_deduplicate=0" : "";
	char settings[128];
	snprintf(settings, sizeof(settings), "insert_distributed_sync=%d%s", s->cluster ? 1 : 0,
	         dedup);
	enum ch_failure failure;
	dn_status rc = ch_http_run(s->http, *pinned, "sending a batch", sql, rows, body_len,
	                           settings, NULL, NULL, &failure, err);
	if (rc != DN_OK && failure == CH_FAIL_SHARD) {
		/* A shard is down: the node keeps its part and delivers it when
		 * the shard is back. */
		log_info("%s; handing the batch to the cluster to deliver later", err->msg);
		snprintf(settings, sizeof(settings), "insert_distributed_sync=0%s", dedup);
		rc = ch_http_run(s->http, *pinned, "sending a batch", sql, rows, body_len, settings,
		                 NULL, NULL, &failure, err);
	}
	free(data);
	if (rc != DN_OK)
		return PART_FAILED;
	unlink(path);
	return PART_SENT;
}

/* Send the parts of one batch folder; returns the parts left in it. On a
 * failure that blocks every node, *stop is set. */
static size_t send_batch(struct ch_store *s, const char *name, bool *down, bool *stop, bool *failed)
{
	char dir[1300];
	snprintf(dir, sizeof(dir), "%s/%s", s->spool_dir, name);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* another process sent it */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return 0; /* another process is sending it */
	}
	bool check = !take_fresh(s, name);
	size_t nparts;
	char **parts = list_names(dir, ".rb", &nparts);
	size_t left = 0;
	for (size_t i = 0; i < nparts; i++) {
		if (*stop) {
			left++;
			continue;
		}
		char path[1600];
		snprintf(path, sizeof(path), "%s/%s", dir, parts[i]);
		struct dn_error err = {0};
		int pinned;
		enum part_result r = send_part(s, path, check, down, &pinned, &err);
		if (r == PART_SENT)
			continue;
		left++;
		if (r == PART_SKIPPED)
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
		if (pinned >= 0)
			down[pinned] = true; /* one node is down; parts for the others still go */
		else
			*stop = true; /* any server would do and none took it: wait */
	}
	free_list(parts, nparts);
	/* A batch left behind is checked before its next attempt: a part that
	 * failed may still have reached the server. */
	if (left == 0)
		rmdir(dir);
	close(fd);
	return left;
}

size_t ch_spool_send(struct ch_store *s, bool *failed)
{
	size_t count;
	char **names = list_names(s->spool_dir, ".batch", &count);
	size_t left = 0;
	bool down[CH_MAX_HOSTS] = {false};
	bool stop = false;
	*failed = false;
	for (size_t i = 0; i < count; i++) {
		if (stop) {
			left++;
			continue;
		}
		if (send_batch(s, names[i], down, &stop, failed) > 0)
			left++;
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
