/*
 * The engine side of bench/sampling: GET /containers/{id}/stats
 * ?stream=false&one-shot=true for each container over the unix socket
 * (a curl multi handle, each answer parsed with jansson as berth's
 * engine fallback does), and the CPU ticks of dockerd, containerd and
 * the containerd-shims from /proc/<pid>/stat, to charge the engine
 * with what answering costs it.  sampling.c holds the cgroup side and
 * main.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "xmalloc.h"
#include "sampling.h"

#define API		"/v1.41"

/* CPU ticks of the engine's processes: t[P_SHIM] counts the shims of
 * the containers sampled, all_shim every shim. */
struct eticks {
	uint64_t	 t[P_MAX], all_shim;
	unsigned	 n[P_MAX], nall_shim;
};

struct pstat {
	char		 comm[32];
	pid_t		 ppid;
	uint64_t	 ticks;		/* utime + stime */
};

/* ------------------------------------------------------------ /proc */

static int
proc_kind(const char *comm)
{
	if (strcmp(comm, "dockerd") == 0)
		return P_DOCKERD;
	if (strcmp(comm, "containerd") == 0)
		return P_CONTAINERD;
	/* containerd-shim-runc-v2 shows as the 15 characters. */
	if (strncmp(comm, "containerd-shim", 15) == 0)
		return P_SHIM;
	return -1;
}

/* comm, ppid and utime+stime of /proc/<pid>/stat. */
static int
proc_stat(const char *pid, struct pstat *ps)
{
	char			 path[64], buf[1024], *lp, *rp;
	unsigned long long	 ut, st;
	ssize_t			 n;
	int			 fd, ppid;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold blanks and ')'. */
	if ((lp = strchr(buf, '(')) == NULL ||
	    (rp = strrchr(buf, ')')) == NULL || rp - lp > 31)
		return -1;
	snprintf(ps->comm, sizeof(ps->comm), "%.*s", (int)(rp - lp - 1),
	    lp + 1);
	/* After ") ": state, ppid, then fields 5..13; utime 14, stime 15. */
	if (sscanf(rp + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ppid, &ut, &st) != 3)
		return -1;
	ps->ppid = (pid_t)ppid;
	ps->ticks = ut + st;
	return 0;
}

/* The shims of the containers sampled: the parents of their inits. */
static pid_t	shims[MAXN];
static size_t	nshims;

static int
pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

void
shims_of(const struct target *t, size_t n)
{
	struct pstat	ps;
	char		pid[16];
	size_t		i;

	for (nshims = 0, i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", (int)t[i].pid);
		if (proc_stat(pid, &ps) == -1)
			fatalx("container %.12s: no process %s", t[i].id, pid);
		snprintf(pid, sizeof(pid), "%d", (int)ps.ppid);
		if (proc_stat(pid, &ps) == -1 ||
		    proc_kind(ps.comm) != P_SHIM)
			fatalx("container %.12s: parent %s is no shim",
			    t[i].id, pid);
		shims[nshims++] = (pid_t)atoi(pid);
	}
	qsort(shims, nshims, sizeof(shims[0]), pid_cmp);
}

static void
proc_add(const char *pid, struct eticks *e)
{
	struct pstat	 ps;
	pid_t		 p = (pid_t)atoi(pid);
	int		 kind;

	if (proc_stat(pid, &ps) == -1 || (kind = proc_kind(ps.comm)) == -1)
		return;
	if (kind == P_SHIM) {
		e->all_shim += ps.ticks;
		e->nall_shim++;
		if (bsearch(&p, shims, nshims, sizeof(p), pid_cmp) == NULL)
			return;
	}
	e->t[kind] += ps.ticks;
	e->n[kind]++;
}

static void
engine_ticks(struct eticks *e)
{
	DIR		*d;
	struct dirent	*de;

	memset(e, 0, sizeof(*e));
	if ((d = opendir("/proc")) == NULL)
		fatal("/proc");
	while ((de = readdir(d)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]))
			proc_add(de->d_name, e);
	closedir(d);
}

/* ------------------------------------------------------------ engine */

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct req	*q = arg;
	size_t		 len = size * nmemb;

	if (q->len + len + 1 > q->cap) {
		q->cap = (q->len + len + 1) * 2;
		q->buf = xreallocarray(q->buf, 1, q->cap);
	}
	memcpy(q->buf + q->len, p, len);
	q->len += len;
	q->buf[q->len] = '\0';
	return len;
}

void
req_init(struct req *q, const char *id)
{
	snprintf(q->url, sizeof(q->url), "http://localhost" API
	    "/containers/%.64s/stats?stream=false&one-shot=true", id);
	if ((q->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	if (curl_easy_setopt(q->easy, CURLOPT_URL, q->url) != CURLE_OK ||
	    curl_easy_setopt(q->easy, CURLOPT_UNIX_SOCKET_PATH, sockpath) !=
	    CURLE_OK ||
	    curl_easy_setopt(q->easy, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(q->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(q->easy, CURLOPT_TIMEOUT_MS, 30000L) !=
	    CURLE_OK ||
	    curl_easy_setopt(q->easy, CURLOPT_WRITEFUNCTION, write_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(q->easy, CURLOPT_WRITEDATA, q) != CURLE_OK ||
	    curl_easy_setopt(q->easy, CURLOPT_PRIVATE, q) != CURLE_OK)
		fatalx("curl_easy_setopt");
}

static int64_t
jget(json_t *o, const char *a, const char *b)
{
	json_t	*v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_integer_value(v);
}

/* What berth's engine fallback takes from an answer (as
 * supervisord/container.c does), so the client does a real client's
 * work. */
int
engine_sample(const struct req *q, struct cg_sample *s)
{
	json_t		*j, *cpu, *mem, *ms, *v;
	json_error_t	 je;
	const char	*key;

	if ((j = json_loadb(q->buf, q->len, 0, &je)) == NULL)
		return -1;
	memset(s, 0, sizeof(*s));
	cpu = json_object_get(j, "cpu_stats");
	mem = json_object_get(j, "memory_stats");
	ms = json_object_get(mem, "stats");
	s->cpu_usage_ns = (uint64_t)jget(cpu, "cpu_usage", "total_usage");
	s->system_usage_ns = (uint64_t)jget(cpu, "system_cpu_usage", NULL);
	s->online_cpus = (unsigned)jget(cpu, "online_cpus", NULL);
	s->mem_usage = (uint64_t)jget(mem, "usage", NULL);
	s->mem_limit = (uint64_t)jget(mem, "limit", NULL);
	s->mem_cache = (uint64_t)(json_object_get(ms, "cache") != NULL ?
	    jget(ms, "cache", NULL) : jget(ms, "file", NULL));
	s->mem_inactive_file = (uint64_t)(json_object_get(ms,
	    "total_inactive_file") != NULL ? jget(ms, "total_inactive_file",
	    NULL) : jget(ms, "inactive_file", NULL));
	json_object_foreach(json_object_get(j, "networks"), key, v) {
		s->net_rx += (uint64_t)jget(v, "rx_bytes", NULL);
		s->net_tx += (uint64_t)jget(v, "tx_bytes", NULL);
	}
	s->pids = (uint64_t)jget(json_object_get(j, "pids_stats"), "current",
	    NULL);
	json_decref(j);
	return 0;
}

/* One finished transfer: HTTP 200 and a parsable answer, or fatal. */
static void
engine_done(CURLM *m, CURLMsg *msg)
{
	struct req		*q;
	struct cg_sample	 s;
	long			 code = 0;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
	curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
	if (msg->data.result != CURLE_OK)
		fatalx("engine: %s: %s", q->url,
		    curl_easy_strerror(msg->data.result));
	if (code != 200 || engine_sample(q, &s) == -1)
		fatalx("engine: %s: HTTP %ld: %.200s", q->url, code,
		    q->buf != NULL ? q->buf : "");
	curl_multi_remove_handle(m, msg->easy_handle);
}

/* Every request of q once, PARALLEL at a time over pooled connections. */
void
engine_round(CURLM *m, struct req *q, size_t n)
{
	CURLMsg	*msg;
	size_t	 i;
	int	 running = 1, left;

	for (i = 0; i < n; i++) {
		q[i].len = 0;
		if (curl_multi_add_handle(m, q[i].easy) != CURLM_OK)
			fatalx("curl_multi_add_handle");
	}
	while (running > 0) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			fatalx("curl_multi_perform");
		while ((msg = curl_multi_info_read(m, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE)
				engine_done(m, msg);
		if (running > 0 && curl_multi_poll(m, NULL, 0, 1000, NULL) !=
		    CURLM_OK)
			fatalx("curl_multi_poll");
	}
}

void
bench_engine(CURLM *m, struct req *q, size_t n, int rounds,
    struct result *res)
{
	struct eticks	 e0, e1;
	uint64_t	 c0, w0, c1, w1;
	double		 per = 1e6 / (double)clk_tck / (double)rounds / (double)n;
	int		 k, p;

	engine_round(m, q, n);		/* warm-up: connections, caches */
	engine_ticks(&e0);
	c0 = cpu_ns();
	w0 = wall_ns();
	for (k = 0; k < rounds; k++)
		engine_round(m, q, n);
	c1 = cpu_ns();
	w1 = wall_ns();
	engine_ticks(&e1);
	res->erounds = rounds;
	res->e_client_us = (double)(c1 - c0) / 1e3 / (double)rounds /
	    (double)n;
	res->e_us_total = res->e_client_us;
	for (p = 0; p < P_MAX; p++) {
		res->e_us[p] = (double)(e1.t[p] - e0.t[p]) * per;
		res->e_us_total += res->e_us[p];
		res->nproc[p] = e1.n[p];
	}
	res->e_wall_ms = (double)(w1 - w0) / 1e6 / (double)rounds;
}

/* The engine's own CPU use with nobody asking, over secs seconds: the
 * background that the engine figures include. */
void
engine_idle(int secs)
{
	struct eticks	e0, e1;
	double		per = 1e3 / (double)clk_tck / (double)secs;

	engine_ticks(&e0);
	sleep((unsigned)secs);
	engine_ticks(&e1);
	printf("# engine idle over %d s, CPU ms/s: dockerd %.1f, containerd "
	    "%.1f, all %u shims %.1f\n", secs,
	    (double)(e1.t[P_DOCKERD] - e0.t[P_DOCKERD]) * per,
	    (double)(e1.t[P_CONTAINERD] - e0.t[P_CONTAINERD]) * per,
	    e1.nall_shim, (double)(e1.all_shim - e0.all_shim) * per);
}
