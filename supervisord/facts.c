/*
 * The outbox of lifecycle facts.  Every phase a workspace reaches is a
 * fact for the statswriter (container_stats), and every event to keep
 * (events.c) a record for system_events; berthd keeps each one
 * until the statswriter answers MSG_OK, which it does only once the
 * fact is in the database, the spool file or (without a database) its
 * memory.  A statswriter that dies or restarts gets every unanswered
 * fact again, in the original order, when it is up: the statements
 * behind them are idempotent, so a fact that arrives twice changes
 * nothing.  The outbox is bounded; past the bound the oldest fact is
 * dropped, loudly.  What is still unanswered when berthd exits goes to
 * the statswriter's spool file, which it replays into the database
 * when it next starts (facts_save).
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "codec.h"
#include "log.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

#define FACTS_MAX	10000	/* facts waiting for an answer */
#define FACTS_INFLIGHT	64	/* sent and not yet answered */

/* A record as the codec encodes it (MSG_LIFECYCLE, MSG_EVENT_REC):
 * sent as it is, spooled as it is. */
struct fact {
	TAILQ_ENTRY(fact)	 entry;
	char			*buf;
	size_t			 len;
	char			 what[96];	/* for the log */
	int			 sent;
};

static TAILQ_HEAD(, fact)	outbox = TAILQ_HEAD_INITIALIZER(outbox);
static size_t			nfacts, ninflight;

static void
fact_free(struct fact *f)
{
	free(f->buf);
	free(f);
}

static void
fact_remove(struct fact *f)
{
	TAILQ_REMOVE(&outbox, f, entry);
	nfacts--;
	if (f->sent)
		ninflight--;
	fact_free(f);
}

static void
answered(struct msg *reply, void *arg)
{
	struct fact	*f = arg;

	if (reply == NULL) {
		/* The statswriter went away: send again when it is up. */
		f->sent = 0;
		ninflight--;
		return;
	}
	if (reply->type == MSG_ERROR)
		log_warnx("%s refused: %s", f->what,
		    ((struct body_error *)reply->body)->message);
	fact_remove(f);
	facts_flush();
}

static int
fact_send(struct wproc *wp, struct fact *f)
{
	struct msg	m;
	char		err[256];
	int		rc;

	if (wp == NULL)
		return -1;
	if (msg_decode(f->buf, f->len, &m, err, sizeof(err)) == -1)
		fatalx("outbox: %s: %s", f->what, err);	/* encoded here */
	rc = parent_call(wp, &m, answered, f);
	msg_clear(&m);
	return rc;
}

/* Send what is unsent, in order, up to FACTS_INFLIGHT at a time. */
void
facts_flush(void)
{
	struct wproc	*wp = wproc_subscribed(SUB_FACTS, NULL);
	struct fact	*f;

	TAILQ_FOREACH(f, &outbox, entry) {
		if (ninflight >= FACTS_INFLIGHT)
			return;
		if (f->sent)
			continue;
		if (fact_send(wp, f) == -1)
			return;		/* not up: its HELLO flushes again */
		f->sent = 1;
		ninflight++;
	}
}

void
facts_push(const struct msg *m, const char *what)
{
	struct fact	*f = xcalloc(1, sizeof(*f));
	char		 err[256];

	if (msg_encode(m, &f->buf, &f->len, err, sizeof(err)) == -1) {
		log_warnx("%s not recorded: %s", what, err);
		fact_free(f);
		return;
	}
	snprintf(f->what, sizeof(f->what), "%s", what);
	TAILQ_INSERT_TAIL(&outbox, f, entry);
	if (++nfacts > FACTS_MAX) {
		/* Answered ones are gone already: drop the oldest unsent. */
		TAILQ_FOREACH(f, &outbox, entry)
			if (!f->sent)
				break;
		log_warnx("outbox full: %s dropped", f->what);
		fact_remove(f);
	}
	facts_flush();
}

void
facts_add(const struct workspace *ws, const char *phase, int64_t at_ms)
{
	struct body_lifecycle	*b;
	struct msg		 m;
	char			 what[96];

	b = msg_init(&m, MSG_LIFECYCLE, 0, PEER_PARENT);
	b->workspace_id = xstrdup(ws->id);
	b->phase = xstrdup(phase);
	b->at_ms = at_ms;
	b->container_id = xstrdup(ws->container);
	b->user_id = xstrdup(ws->user);
	b->s3_bucket = xstrdup(ws->s3);
	b->reason = xstrdup(ws->stop_reason);
	snprintf(what, sizeof(what), "lifecycle %s of %s", phase, ws->id);
	facts_push(&m, what);
	msg_clear(&m);
}

size_t
facts_pending(void)
{
	return nfacts;
}

/* Append every fact in order; returns how many went in. */
static size_t
spool_facts(struct spool *sp)
{
	struct fact	*f;
	size_t		 n = 0;

	TAILQ_FOREACH(f, &outbox, entry) {
		if (spool_append(sp, f->buf, f->len) == -1)
			log_warn("spool: append");
		else
			n++;
	}
	return n;
}

/*
 * At exit, once the workers are gone: the unanswered facts into the
 * statswriter's spool (<state dir>/spool/statswriter.spool, the same
 * records it writes itself), so that they reach the database when it
 * next starts.  The file is the workers' user's (spool_open refuses a
 * link); a file created here is given to that user.
 */
void
facts_save(int spool_dirfd)
{
	struct spool	*sp;
	char		 err[256];
	size_t		 n;

	if (nfacts == 0)
		return;
	if (spool_dirfd == -1 || (sp = spool_open(spool_dirfd,
	    SPOOL_STATSWRITER, 0, err, sizeof(err))) == NULL) {
		log_warnx("%zu records for the database lost: %s", nfacts,
		    spool_dirfd == -1 ? "no spool directory" : err);
		return;
	}
	if (env->privileged &&
	    spool_chown(sp, env->worker_uid, env->worker_gid) == -1)
		log_warn("spool: chown");
	n = spool_facts(sp);
	if (spool_sync(sp) == -1)
		log_warn("spool: fdatasync");
	spool_close(sp);
	log_info("%zu records not yet in the database saved to the spool",
	    n);
	if (n < nfacts)
		log_warnx("%zu records for the database lost", nfacts - n);
}
