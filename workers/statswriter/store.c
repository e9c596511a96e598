/*
 * The statswriter's store (store.h): the database connection and its
 * state, the spool file and its replay, retention, and the memory that
 * stands in for a database.  Order is kept: while anything waits in the
 * spool, new records go behind it, so the database sees every record
 * in the order it was recorded.  During an outage records are appended
 * to the spool as they arrive, never held in memory where a SIGKILL
 * could lose them; lifecycle facts are acknowledged to berthd only once
 * they are in the database or the spool.
 */
#include <sys/statvfs.h>

#include <errno.h>
#include <event2/event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "memstore.h"
#include "promitem.h"
#include "query.h"
#include "spool.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define RETRY_S		2	/* between connection attempts */
#define REPLAY_SLICE	16	/* spool records per turn of the loop */
#define BATCH_ROWS	1000	/* MAX_ROWS of the schema */
#define MEM_SAMPLES	1000
#define MEM_LIFECYCLE	500

enum state {
	ST_DISABLED,	/* no database at all: memory only */
	ST_WAITING,	/* berthd is starting the embedded one */
	ST_CONNECTING,	/* the first attempt is under way */
	ST_DOWN,	/* was up, lost */
	ST_UP
};

static const char *const state_names[] = {
	"disabled", "connecting", "connecting", "down", "up"
};

struct store {
	struct event_base	*base;
	enum state		 state;
	struct db		*db;
	char			*url;
	struct spool		*spool;
	int			 dirfd;		/* the spool's directory */
	struct memstore		*mem;
	size_t			 mem_samples;	/* its size */
	struct event		*retry, *replay, *retention, *sync;
	int			 dirty;		/* appended since the last sync */
	uint64_t		 spool_max;	/* bytes samples may fill */
	long			 queue_max;
	long			 retention_h, retention_s;
	int64_t			 queued, written, dropped, samples;
	int64_t			 last_sample_ms;
	long			 app_ms, sys_ms;	/* intervals in force */
	double			 host_cpu, host_mem, host_load1;
	char			 error[1000];	/* MAX_TEXT of the schema */
	store_prepare_fn	 prepare;	/* ask berthd before connecting */
	void			*prepare_arg;
	int			 preparing;	/* asked, no answer yet */
	unsigned		 gen, prep_gen;	/* URL changes; asked for */
};

static void	connect_db(struct store *);

/* ------------------------------------------------------------ state */

static void
set_error(struct store *s, const char *what, const char *err)
{
	snprintf(s->error, sizeof(s->error), "%s: %s", what, err);
	log_warnx("%s", s->error);
}

static void
schedule(struct event *ev, long sec)
{
	struct timeval	tv = { sec, 0 };

	evtimer_add(ev, &tv);
}

/* The connection broke (or never was): spool from now on, retry. */
static void
mark_down(struct store *s)
{
	db_close(s->db);
	s->db = NULL;
	if (s->state == ST_UP)
		s->state = ST_DOWN;
	schedule(s->retry, RETRY_S);
}

/* After a failed write: a broken connection is an outage (the record
 * is kept), a live one refused the data (it is not worth retrying). */
static int
write_failed(struct store *s, const char *what, const char *err)
{
	set_error(s, what, err);
	if (db_ok(s->db))
		return 0;
	mark_down(s);
	return -1;
}

static uint64_t
spooled(const struct store *s)
{
	return s->spool != NULL ? spool_records(s->spool) : 0;
}

static int
writable(struct store *s)
{
	return s->state == ST_UP && spooled(s) == 0;
}

/* ------------------------------------------------------------ spool */

static void
sync_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct store *s = arg;

	if (s->dirty && s->spool != NULL)
		spool_sync(s->spool);	/* logs its own failure */
	s->dirty = 0;
}

/* Append one record; samples may not pass spool_max, facts always go. */
static int
spool_msg(struct store *s, unsigned type, void *body, int sample)
{
	struct msg	 m = { PROTO_VERSION, (uint16_t)type, 0, 0, 0, -1,
			    body };
	char		*buf, err[256];
	size_t		 len;
	int		 rc;

	if (s->spool == NULL)
		return -1;
	if (msg_encode(&m, &buf, &len, err, sizeof(err)) == -1) {
		log_warnx("spool: %s", err);
		return -1;
	}
	if (sample && s->spool_max != 0 &&
	    spool_bytes(s->spool) + len > s->spool_max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	if ((rc = spool_append(s->spool, buf, len)) == -1)
		log_warn("spool: append");
	free(buf);
	if (rc == 0 && !s->dirty) {
		s->dirty = 1;
		schedule(s->sync, 1);
	}
	return rc;
}

static void
spool_rows(struct store *s, const struct metric_item *rows, size_t n,
    const struct sysmetric_item *sys, size_t nsys)
{
	struct body_metrics	mb;
	struct body_sysmetrics	sb;
	size_t			i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < BATCH_ROWS ? n - i : BATCH_ROWS;
		mb = (struct body_metrics){ (struct metric_item *)rows + i, k,
		    "" };
		if (spool_msg(s, MSG_METRICS, &mb, 1) == -1)
			s->dropped += (int64_t)k;
	}
	for (i = 0; i < nsys; i += k) {
		k = nsys - i < BATCH_ROWS ? nsys - i : BATCH_ROWS;
		sb = (struct body_sysmetrics){ (struct sysmetric_item *)sys + i,
		    k };
		if (spool_msg(s, MSG_SYSMETRICS, &sb, 1) == -1)
			s->dropped += (int64_t)k;
	}
}

/* ------------------------------------------------------------ writes */

/* 0 written (or refused for good and counted), -1 the database is gone. */
static int
write_metrics(struct store *s, const struct metric_item *it, size_t n)
{
	char	err[512];
	int	rc = 0;

	if (db_write_metrics(s->db, it, n, err, sizeof(err)) == 0)
		s->written += (int64_t)n;
	else if ((rc = write_failed(s, "write samples", err)) == 0)
		s->dropped += (int64_t)n;
	return rc;
}

static int
write_sysmetrics(struct store *s, const struct sysmetric_item *it, size_t n)
{
	char	err[512];
	int	rc = 0;

	if (db_write_sysmetrics(s->db, it, n, err, sizeof(err)) == 0)
		s->written += (int64_t)n;
	else if ((rc = write_failed(s, "write host samples", err)) == 0)
		s->dropped += (int64_t)n;
	return rc;
}

/* 0 written, 1 refused for good (err set), -1 the database is gone. */
static int
write_fact(struct store *s, const struct body_lifecycle *b, char *err,
    size_t errlen)
{
	if (db_lifecycle(s->db, b, err, errlen) == 0) {
		s->written++;
		return 0;
	}
	if (write_failed(s, "write lifecycle", err) == -1)
		return -1;
	s->dropped++;
	return 1;
}

int
store_fact(struct store *s, const struct body_lifecycle *b, char *err,
    size_t errlen)
{
	int	rc;

	memstore_add_fact(s->mem, b);
	if (s->state == ST_DISABLED)
		return 0;
	if (writable(s)) {
		s->queued = 1;
		rc = write_fact(s, b, err, errlen);
		s->queued = 0;
		if (rc >= 0)
			return rc == 0 ? 0 : -1;
	}
	if (spool_msg(s, MSG_LIFECYCLE, (void *)b, 0) == 0)
		return 0;
	/* Not durable: no answer, so berthd keeps it and sends it again. */
	snprintf(err, errlen, "spool: %s", strerror(errno));
	return -2;
}

/* One of berthd's records (an event, an alert, seed 001's points):
 * 0 written, 1 refused for good, -1 the database is gone. */
static int
write_record(struct store *s, unsigned type, const void *body, char *err,
    size_t errlen)
{
	const struct body_sysmetrics	*p = body;
	int				 rc;

	if (type == MSG_EVENT_REC)
		rc = db_event(s->db, body, err, errlen);
	else if (type == MSG_ALERT_REC)
		rc = db_alert(s->db, body, err, errlen);
	else
		rc = db_write_sysmetrics(s->db, p->rows, p->nrows, err,
		    errlen);
	if (rc == 0) {
		s->written++;
		return 0;
	}
	if (write_failed(s, msg_type_name(type), err) == -1)
		return -1;
	s->dropped++;
	return 1;
}

int
store_record(struct store *s, unsigned type, const void *body, char *err,
    size_t errlen)
{
	if (s->state == ST_DISABLED)
		return 0;
	if (writable(s)) {
		s->queued = 1;
		if (write_record(s, type, body, err, errlen) >= 0) {
			s->queued = 0;
			return 0;
		}
		s->queued = 0;
	}
	if (spool_msg(s, type, (void *)body, 0) == 0)
		return 0;
	snprintf(err, errlen, "spool: %s", strerror(errno));
	return -2;
}

/* 0 written, 1 refused for good, -1 the database is gone. */
static int
write_backup(struct store *s, const struct body_vol_backups *b, char *err,
    size_t errlen)
{
	size_t	i;

	for (i = 0; i < b->nitems; i++) {
		if (db_backup(s->db, &b->items[i], err, errlen) == 0) {
			s->written++;
			continue;
		}
		if (write_failed(s, "write backup", err) == -1)
			return -1;
		s->dropped++;
	}
	return 0;
}

/* A backup's record: written, else spooled; -2 when neither (berthd
 * keeps it and sends it again). */
int
store_backup(struct store *s, const struct body_vol_backups *b, char *err,
    size_t errlen)
{
	if (s->state == ST_DISABLED)
		return 0;
	if (writable(s)) {
		s->queued = 1;
		if (write_backup(s, b, err, errlen) >= 0) {
			s->queued = 0;
			return 0;
		}
		s->queued = 0;
	}
	if (spool_msg(s, MSG_VOL_REC, (void *)b, 0) == 0)
		return 0;
	snprintf(err, errlen, "spool: %s", strerror(errno));
	return -2;
}

/* 0 written, 1 refused for good, -1 the database is gone. */
static int
write_job_run(struct store *s, const struct body_job_run *b)
{
	char	err[512];

	if (db_job_run(s->db, b, err, sizeof(err)) == 0) {
		s->written++;
		return 0;
	}
	if (write_failed(s, "write job run", err) == -1)
		return -1;
	s->dropped++;
	return 1;
}

/* A job run: written now, else spooled (lost only with no database). */
void
store_job_run(struct store *s, const struct body_job_run *b)
{
	if (s->state == ST_DISABLED)
		return;
	if (writable(s)) {
		s->queued = 1;
		if (write_job_run(s, b) >= 0) {
			s->queued = 0;
			return;
		}
		s->queued = 0;
	}
	if (spool_msg(s, MSG_JOB_RUN, (void *)b, 0) == -1)
		log_warn("job run of %s not recorded: spool", b->job);
}

/* Write a cycle's rows in batches; what the database did not take
 * because it went away is spooled. */
static void
write_rows(struct store *s, const struct metric_item *rows, size_t n,
    const struct sysmetric_item *sys, size_t nsys)
{
	size_t	i, k;

	s->queued = (int64_t)(n + nsys);
	for (i = 0; i < n; i += k) {
		k = n - i < BATCH_ROWS ? n - i : BATCH_ROWS;
		if (write_metrics(s, rows + i, k) == -1) {
			spool_rows(s, rows + i, n - i, sys, nsys);
			s->queued = 0;
			return;
		}
	}
	if (nsys > 0 && write_sysmetrics(s, sys, nsys) == -1)
		spool_rows(s, NULL, 0, sys, nsys);
	s->queued = 0;
}

void
store_samples(struct store *s, const struct metric_item *rows, size_t n,
    const struct sysmetric_item *sys, size_t nsys)
{
	size_t	i;

	for (i = 0; i < n; i++)
		memstore_add_sample(s->mem, &rows[i]);
	s->samples += (int64_t)n;
	if (n > 0)
		s->last_sample_ms = (int64_t)wall_ms();
	if (s->state == ST_DISABLED)
		return;
	/* One cycle past the queue bound: the excess waits on disk. */
	if (writable(s) && (long)(n + nsys) <= s->queue_max)
		write_rows(s, rows, n, sys, nsys);
	else
		spool_rows(s, rows, n, sys, nsys);
}

/* ------------------------------------------------------------ replay */

/* One spooled record into the database: 0 done (or skipped for good),
 * -1 the database went away. */
static int
replay_one(struct store *s, const char *buf, size_t len)
{
	struct msg	 m;
	char		 err[512];
	int		 rc = 0;

	if (msg_decode(buf, len, &m, err, sizeof(err)) == -1) {
		log_warnx("spool: undecodable record skipped: %s", err);
		s->dropped++;
		return 0;
	}
	if (m.type == MSG_LIFECYCLE)
		rc = write_fact(s, m.body, err, sizeof(err)) == -1 ? -1 : 0;
	else if (m.type == MSG_METRICS)
		rc = write_metrics(s, ((struct body_metrics *)m.body)->rows,
		    ((struct body_metrics *)m.body)->nrows);
	else if (m.type == MSG_JOB_RUN)
		rc = write_job_run(s, m.body) == -1 ? -1 : 0;
	else if (m.type == MSG_EVENT_REC || m.type == MSG_ALERT_REC ||
	    m.type == MSG_MPOINT_REC)
		rc = write_record(s, m.type, m.body, err, sizeof(err)) == -1 ?
		    -1 : 0;
	else if (m.type == MSG_VOL_REC)
		rc = write_backup(s, m.body, err, sizeof(err));
	else if (m.type == MSG_SYSMETRICS)
		rc = write_sysmetrics(s,
		    ((struct body_sysmetrics *)m.body)->rows,
		    ((struct body_sysmetrics *)m.body)->nrows);
	else {
		log_warnx("spool: %s record skipped", msg_type_name(m.type));
		s->dropped++;
	}
	msg_clear(&m);
	return rc;
}

/* A record that cannot be read back: open the file again, which cuts
 * it there (what follows a corrupt record cannot be framed). */
static void
spool_reopen(struct store *s)
{
	char	err[256];

	set_error(s, "spool", "unreadable record; cutting the file there");
	spool_close(s->spool);
	if ((s->spool = spool_open(s->dirfd, SPOOL_STATSWRITER, 0, err,
	    sizeof(err))) == NULL)
		set_error(s, "spool", err);
}

static void
replay_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct store	*s = arg;
	void		*buf;
	size_t		 len;
	int		 i, r;

	for (i = 0; i < REPLAY_SLICE && s->state == ST_UP &&
	    s->spool != NULL; i++) {
		if ((r = spool_next(s->spool, &buf, &len)) == -1) {
			spool_reopen(s);
			r = spool_next(s->spool, &buf, &len);
		}
		if (r <= 0) {
			if (r == 0)
				log_info("spool replayed: the database is "
				    "up to date");
			return;
		}
		r = replay_one(s, buf, len);
		free(buf);
		if (r == -1) {
			spool_rewind(s->spool);
			return;
		}
		spool_commit(s->spool);
	}
	if (s->state == ST_UP)
		event_active(s->replay, 0, 0);
}

/* ------------------------------------------------------------ database */

/* Retention now: the scheduler's retention job asks for it; the
 * statswriter's own timer, re-armed by every run, is the fallback for
 * a scheduler that does not ask (and runs once after each connection).
 * 0 (with no database, nothing to do), or -1 with err. */
int
store_retention(struct store *s, long *nm, long *ns, char *err,
    size_t errlen)
{
	int64_t	cutoff;

	*nm = *ns = 0;
	schedule(s->retention, s->retention_s);
	if (s->state == ST_DISABLED)
		return 0;
	if (s->state != ST_UP) {
		snprintf(err, errlen, "the database is not connected");
		return -1;
	}
	cutoff = (int64_t)wall_ms() - (int64_t)s->retention_h * 3600000;
	if (db_retention(s->db, cutoff, nm, ns, err, errlen) == -1) {
		write_failed(s, "retention", err);
		return -1;
	}
	if (*nm + *ns > 0)
		log_info("retention: %ld container and %ld host samples older "
		    "than %ld h removed", *nm, *ns, s->retention_h);
	return 0;
}

static void
retention_cb(evutil_socket_t fd, short ev, void *arg)
{
	long	nm, ns;
	char	err[512];

	store_retention(arg, &nm, &ns, err, sizeof(err));
}

static void
retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	connect_db(arg);
}

/* Connect with what berthd added and bring the schema up to date; a
 * migration that fails is fatal: the worker stops with the reason and
 * berthd's backoff takes over. */
static void
connect_with(struct store *s, const char *hostaddr, const char *password)
{
	char	err[512];

	if ((s->db = db_connect(s->url, hostaddr, password, err,
	    sizeof(err))) == NULL) {
		set_error(s, "database unavailable", err);
		s->state = ST_DOWN;
		schedule(s->retry, RETRY_S);
		return;
	}
	if (db_migrate(s->db, migrations, nmigrations, err,
	    sizeof(err)) == -1)
		fatalx("database schema: %s", err);
	log_info("database ready (schema version %d)%s",
	    migrations[nmigrations - 1].version, spooled(s) ?
	    "; replaying the spool" : "");
	s->state = ST_UP;
	s->error[0] = '\0';
	event_active(s->replay, 0, 0);
	schedule(s->retention, 1);
}

/* Every attempt first asks berthd (when there is one to ask): the
 * host name is resolved again each time, the password file read. */
static void
connect_db(struct store *s)
{
	if (s->db != NULL || s->url == NULL || s->url[0] == '\0' ||
	    s->preparing)
		return;
	if (s->prepare == NULL) {
		connect_with(s, NULL, NULL);
		return;
	}
	s->preparing = 1;
	s->prep_gen = s->gen;
	s->prepare(s, s->prepare_arg);
}

void
store_prepared(struct store *s, const char *hostaddr, const char *password,
    const char *error)
{
	s->preparing = 0;
	if (s->prep_gen != s->gen) {
		connect_db(s);		/* asked for another URL */
		return;
	}
	if (s->db != NULL || s->url == NULL || s->url[0] == '\0')
		return;
	if (error != NULL) {
		set_error(s, "database unavailable", error);
		s->state = ST_DOWN;
		schedule(s->retry, RETRY_S);
		return;
	}
	connect_with(s, hostaddr, password);
}

void
store_set_prepare(struct store *s, store_prepare_fn fn, void *arg)
{
	s->prepare = fn;
	s->prepare_arg = arg;
}

/* ------------------------------------------------------------ public */

struct store *
store_new(struct event_base *base, int dirfd)
{
	struct store	*s = xcalloc(1, sizeof(*s));

	s->base = base;
	s->state = ST_DISABLED;
	s->mem_samples = MEM_SAMPLES;
	s->mem = memstore_new(s->mem_samples, MEM_LIFECYCLE);
	s->retry = evtimer_new(base, retry_cb, s);
	s->replay = event_new(base, -1, 0, replay_cb, s);
	s->retention = evtimer_new(base, retention_cb, s);
	s->sync = evtimer_new(base, sync_cb, s);
	s->queue_max = 10000;
	s->dirfd = dirfd;
	s->host_cpu = s->host_mem = s->host_load1 = NAN;
	return s;
}

void
store_open_spool(struct store *s)
{
	char	err[256];

	if (s->dirfd == -1)
		log_warnx("no spool directory: an outage loses records");
	else if ((s->spool = spool_open(s->dirfd, SPOOL_STATSWRITER, 0, err,
	    sizeof(err))) == NULL)
		log_warnx("spool: %s: an outage loses records", err);
	else if (spooled(s) > 0)
		log_info("spool: %llu records from before wait for the "
		    "database", (unsigned long long)spooled(s));
}

void
store_configure(struct store *s, const struct berth_config *cfg)
{
	const char	*url = cfg->database_url;

	/* buffer_size needs a restart: only the first configuration sizes
	 * the memory, while it is still empty. */
	if (memstore_nsamples(s->mem) == 0 &&
	    memstore_nlifecycle(s->mem) == 0 &&
	    (size_t)cfg->metrics_buffer_size != s->mem_samples) {
		memstore_free(s->mem);
		s->mem_samples = (size_t)cfg->metrics_buffer_size;
		s->mem = memstore_new(s->mem_samples, MEM_LIFECYCLE);
	}
	s->spool_max = (uint64_t)cfg->db_spool_max_mb * 1024 * 1024;
	s->queue_max = cfg->db_queue_max;
	s->retention_h = cfg->metrics_retention_hours;
	s->retention_s = cfg->metrics_retention_interval_s;
	if (s->url != NULL && strcmp(s->url, url) == 0)
		return;
	db_close(s->db);
	s->db = NULL;
	evtimer_del(s->retry);
	free(s->url);
	s->url = xstrdup(url);
	s->gen++;
	if (url[0] != '\0') {
		s->state = ST_CONNECTING;
		connect_db(s);
	} else if (cfg->database_embedded) {
		s->state = ST_WAITING;
		log_debug("waiting for the embedded database");
	} else {
		s->state = ST_DISABLED;
		log_warnx("no database: recent data is kept in memory only");
	}
}

void
store_host(struct store *s, double cpu, double mem, double load1)
{
	s->host_cpu = cpu;
	s->host_mem = mem;
	s->host_load1 = load1;
}

/* Used percent of the file system the spool (the state directory) is
 * on; NaN when unknown. */
static double
disk_percent(const struct store *s)
{
	struct statvfs	sv;
	double		total, avail;

	if (s->dirfd == -1 || fstatvfs(s->dirfd, &sv) == -1 ||
	    sv.f_blocks == 0)
		return NAN;
	total = (double)sv.f_blocks;
	avail = (double)sv.f_bavail;
	return (total - avail) * 100.0 / total;
}

void
store_intervals(struct store *s, long app_ms, long sys_ms)
{
	s->app_ms = app_ms;
	s->sys_ms = sys_ms;
}

void
store_status(struct store *s, struct body_db_status *b)
{
	b->state = xstrdup(state_names[s->state]);
	b->error = xstrdup(s->state == ST_UP ? "" : s->error);
	b->schema_version = s->state == ST_UP ?
	    migrations[nmigrations - 1].version : 0;
	b->queue_depth = s->queued;
	b->spool_bytes = s->spool ? (int64_t)spool_bytes(s->spool) : 0;
	b->spool_records = s->spool ? (int64_t)spool_records(s->spool) : 0;
	b->written = s->written;
	b->dropped = s->dropped;
	b->samples = s->samples;
	b->app_interval_ms = s->app_ms;
	b->system_interval_ms = s->sys_ms;
	b->last_sample_ms = s->last_sample_ms;
	b->memory_samples = (int64_t)memstore_nsamples(s->mem);
	b->memory_lifecycle = (int64_t)memstore_nlifecycle(s->mem);
	b->host_cpu_percent = s->host_cpu;
	b->host_memory_percent = s->host_mem;
	b->host_load1 = s->host_load1;
	b->disk_percent = disk_percent(s);
}

void
store_prom(struct store *s, struct prom_list *l)
{
	prom_add(l, "berth_database_up", s->state == ST_UP, NULL, NULL, NULL,
	    NULL, NULL, NULL);
	prom_add(l, "berth_writer_queue_depth", (double)s->queued, NULL, NULL,
	    NULL, NULL, NULL, NULL);
	prom_add(l, "berth_writer_spool_bytes", s->spool ?
	    (double)spool_bytes(s->spool) : 0, NULL, NULL, NULL, NULL, NULL,
	    NULL);
	prom_add(l, "berth_writer_spool_records", (double)spooled(s), NULL,
	    NULL, NULL, NULL, NULL, NULL);
	prom_add(l, "berth_writer_records_written_total", (double)s->written,
	    NULL, NULL, NULL, NULL, NULL, NULL);
	prom_add(l, "berth_writer_records_dropped_total", (double)s->dropped,
	    NULL, NULL, NULL, NULL, NULL, NULL);
	prom_add(l, "berth_writer_samples_total", (double)s->samples, NULL,
	    NULL, NULL, NULL, NULL, NULL);
}

struct db *
store_db(struct store *s)
{
	return s->state == ST_UP ? s->db : NULL;
}

struct memstore *
store_mem(struct store *s)
{
	return s->mem;
}

void
store_db_failed(struct store *s, const char *err)
{
	write_failed(s, "query", err);
}
