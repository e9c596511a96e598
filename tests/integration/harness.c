/*
 * Integration test harness: a real berthd in a temporary state
 * directory, driven over HTTP (libcurl) and its admin socket.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "codec.h"
#include "harness.h"

static void	exec_berthd(struct berthd_run *, const char *const *, uid_t)
		    __attribute__((noreturn));

void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

uid_t
berth_uid(void)
{
	struct passwd *pw = getpwnam("berth");

	cr_assert_not_null(pw, "the test needs the user berth (useradd "
	    "--system berth); tests/run-tests.sh creates it");
	return pw->pw_uid;
}

gid_t
berth_gid(void)
{
	struct passwd *pw = getpwnam("berth");

	cr_assert_not_null(pw);
	return pw->pw_gid;
}

int
harness_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

char *
read_file(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf = calloc(1, 1 << 20);
	n = (long)fread(buf, 1, (1 << 20) - 1, f);
	buf[n < 0 ? 0 : n] = '\0';
	fclose(f);
	return buf;
}

int
log_contains(struct berthd_run *r, const char *needle)
{
	char	*s = read_file(r->log);
	int	 found = s != NULL && strstr(s, needle) != NULL;

	free(s);
	return found;
}

/* The binaries (berthd and its worker programs, which it finds beside
 * itself) are copied into the state directory so that a run as another
 * user can execute them wherever the build tree lives. */
static void
copy_binary(struct berthd_run *r)
{
	char	cmd[1024];

	snprintf(r->exe, sizeof(r->exe), "%s/berthd", r->dir);
	snprintf(cmd, sizeof(cmd), "cp %s/berthd %s/berth-gateway "
	    "%s/berth-scheduler %s/berth-healthmon %s/berth-statswriter "
	    "%s/berth-logstreamer %s/ && chmod 755 %s/berth*",
	    BERTH_BUILDDIR, BERTH_BUILDDIR, BERTH_BUILDDIR, BERTH_BUILDDIR,
	    BERTH_BUILDDIR, BERTH_BUILDDIR, r->dir, r->dir);
	cr_assert_eq(system(cmd), 0, "cannot copy berthd and its workers");
}

static void
write_config(struct berthd_run *r, const char *extra)
{
	FILE	*f;
	int	 fd;

	snprintf(r->conf, sizeof(r->conf), "%s/berth.conf", r->dir);
	snprintf(r->log, sizeof(r->log), "%s/berthd.log", r->dir);
	snprintf(r->sock, sizeof(r->sock), "%s/admin.sock", r->dir);
	/* 0600: berthd refuses a file holding tokens others may read. */
	fd = open(r->conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_neq(fd, -1);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	/* Tests see live state: no anonymous snapshot unless they ask. */
	fprintf(f, "[server]\nhttp_listen = 127.0.0.1:%d\nstate_dir = %s\n"
	    "user = berth\n%s%s\n", r->port, r->dir,
	    extra != NULL && strstr(extra, "anonymous_cache_ms") != NULL ? "" :
	    "anonymous_cache_ms = 0\n", extra ? extra : "");
	fclose(f);
}

void
harness_prepare(struct berthd_run *r, const char *extra_ini)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->dir, "/tmp/berth-it-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	chmod(r->dir, 0755);
	r->port = harness_free_port();
	copy_binary(r);		/* its chmod 755 berth* would match the config */
	write_config(r, extra_ini);
}

void
harness_exec(struct berthd_run *r, const char *const *envv, uid_t uid)
{
	if (uid != (uid_t)-1) {
		cr_assert_eq(chown(r->dir, uid, (gid_t)-1), 0);
		cr_assert_eq(chown(r->conf, uid, (gid_t)-1), 0);
	}
	r->pid = fork();
	cr_assert_neq(r->pid, -1);
	if (r->pid == 0)
		exec_berthd(r, envv, uid);
}

void
harness_spawn(struct berthd_run *r, const char *extra_ini,
    const char *const *envv, uid_t uid)
{
	harness_prepare(r, extra_ini);
	harness_exec(r, envv, uid);
}

static void
exec_berthd(struct berthd_run *r, const char *const *envv, uid_t uid)
{
	int	fd, i;

	fd = open(r->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	dup2(fd, 1);
	dup2(fd, 2);
	/* No embedded PostgreSQL unless a test asks for one. */
	putenv("BERTH_DATABASE_EMBEDDED=false");
	for (i = 0; envv != NULL && envv[i] != NULL; i++)
		putenv((char *)envv[i]);
	if (uid != (uid_t)-1 && (setgroups(0, NULL) == -1 ||
	    setgid(uid) == -1 || setuid(uid) == -1))
		_exit(126);
	execl(r->exe, "berthd", "-f", "-c", r->conf, (char *)NULL);
	_exit(127);
}

void
harness_restart(struct berthd_run *r, const char *const *envv)
{
	r->pid = fork();
	cr_assert_neq(r->pid, -1);
	if (r->pid == 0)
		exec_berthd(r, envv, (uid_t)-1);
	if (harness_wait_ready(r, 15000) != 0)
		cr_assert_fail("berthd did not become ready again");
}

int
sh(char **out, const char *fmt, ...)
{
	char	 cmd[2048], buf[65536];
	va_list	 ap;
	FILE	*p;
	size_t	 n;
	int	 status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	status = pclose(p);
	if (out != NULL)
		*out = strdup(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
harness_start(struct berthd_run *r, const char *extra_ini,
    const char *const *envv, uid_t uid)
{
	harness_spawn(r, extra_ini, envv, uid);
	if (harness_wait_ready(r, 15000) != 0) {
		char *log = read_file(r->log);
		cr_log_error("berthd log:\n%s", log ? log : "(none)");
		free(log);
		harness_cleanup(r);
		cr_assert_fail("berthd did not become ready");
	}
}

void
harness_start_unready(struct berthd_run *r, const char *extra_ini,
    const char *const *envv, uid_t uid)
{
	struct msg	st;
	int		waited, up = 0;

	harness_spawn(r, extra_ini, envv, uid);
	for (waited = 0; waited < 15000 && !up; waited += 50) {
		if (harness_http(r, "GET", "/live", NULL) == 200) {
			harness_status(r, &st);
			up = ((struct body_status *)st.body)->all_up;
			msg_clear(&st);
		}
		sleep_ms(50);
	}
	cr_assert(up, "berthd's workers did not all come up");
}

static int	admin_reachable(struct berthd_run *);

/* Every worker up, asked over the admin socket; -1 if berthd died. */
static int
wait_all_up(struct berthd_run *r, int timeout_ms)
{
	struct msg	st;
	int		waited, up = 0;

	for (waited = 0; waited < timeout_ms && !up; waited += 50) {
		if (admin_reachable(r)) {
			harness_status(r, &st);
			up = ((struct body_status *)st.body)->all_up;
			msg_clear(&st);
		} else if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			return -1;
		}
		if (!up)
			sleep_ms(50);
	}
	return up ? 0 : -1;
}

void
harness_start_rawgw(struct berthd_run *r, const char *extra_ini)
{
	char	cmd[512], *log;

	harness_prepare(r, extra_ini);
	snprintf(cmd, sizeof(cmd), "cp %s/tests/integration/rawgw "
	    "%s/berth-gateway", BERTH_BUILDDIR, r->dir);
	cr_assert_eq(system(cmd), 0, "cannot copy rawgw (make "
	    "check-programs builds it)");
	harness_exec(r, NULL, (uid_t)-1);
	if (wait_all_up(r, 15000) == 0)
		return;
	log = read_file(r->log);
	cr_log_error("berthd log:\n%s", log ? log : "(none)");
	free(log);
	harness_cleanup(r);
	cr_assert_fail("berthd's workers did not all come up with rawgw");
}

int
harness_wait_ready(struct berthd_run *r, int timeout_ms)
{
	int	waited;

	for (waited = 0; waited < timeout_ms; waited += 50) {
		if (harness_http(r, "GET", "/ready", NULL) == 200)
			return 0;
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			return -1;
		}
		sleep_ms(50);
	}
	return -1;
}

int
harness_stop(struct berthd_run *r, int sig, int timeout_ms)
{
	int	status, waited;

	if (r->pid <= 0)
		return -1;
	kill(r->pid, sig);
	for (waited = 0; waited < timeout_ms; waited += 20) {
		if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
			r->pid = 0;
			return status;
		}
		sleep_ms(20);
	}
	return -1;
}

/* berthd and its workers write to the log (appended across restarts):
 * a sanitizer's report there is a failure, as one in the test's own
 * process is (the report, or NULL). */
static char *
sanitizer_report(struct berthd_run *r)
{
	static const char *const marks[] = { "ERROR: AddressSanitizer",
	    "ERROR: LeakSanitizer", "runtime error:", NULL };
	const char *const	*m;
	char			*s, *at, *rep = NULL;

	if (r->log[0] == '\0' || (s = read_file(r->log)) == NULL)
		return NULL;
	for (m = marks; *m != NULL && rep == NULL; m++)
		if ((at = strstr(s, *m)) != NULL)
			rep = strndup(at, 2000);
	free(s);
	return rep;
}

void
harness_cleanup(struct berthd_run *r)
{
	char	cmd[128], *rep;

	if (r->pid > 0 && harness_stop(r, SIGTERM, 6000) == -1) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	rep = sanitizer_report(r);
	if (r->dir[0] != '\0' && getenv("BERTH_KEEP_TEST_DIRS") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
		if (system(cmd) != 0)
			cr_log_warn("cannot remove %s", r->dir);
	}
	if (rep != NULL) {
		/* Criterion counts no failure in a suite's fini: the report
		 * goes to the output, where tests/run-tests.sh finds it. */
		fprintf(stderr, "berthd's log has a sanitizer report:\n%s\n",
		    rep);
		free(rep);
	}
}

/* ------------------------------------------------------------ HTTP */

struct sink {
	char	*buf;
	size_t	 len;
};

static size_t
sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 add = size * n;

	s->buf = realloc(s->buf, s->len + add + 1);
	memcpy(s->buf + s->len, data, add);
	s->len += add;
	s->buf[s->len] = '\0';
	return add;
}

int
harness_http(struct berthd_run *r, const char *method, const char *path,
    char **body)
{
	return harness_request(r, method, path, NULL, NULL, body);
}

int
harness_request(struct berthd_run *r, const char *method, const char *path,
    const char *token, const char *in, char **body)
{
	struct sink		 s = { NULL, 0 };
	struct curl_slist	*hdrs = NULL;
	CURL			*c = curl_easy_init();
	char			 url[512], auth[256];
	long			 code = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", r->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (in != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, in);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	if (body != NULL)
		*body = s.buf != NULL ? s.buf : strdup("");
	else
		free(s.buf);
	return (int)code;
}

json_t *
harness_call(struct berthd_run *r, const char *method, const char *path,
    const char *token, const char *body, int expect)
{
	char	*out;
	int	 code;
	json_t	*j;

	code = harness_request(r, method, path, token, body, &out);
	cr_assert_eq(code, expect, "%s %s: %d, expected %d: %s", method,
	    path, code, expect, out);
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s %s: not JSON: %s", method, path, out);
	free(out);
	return j;
}

const char *
harness_jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

json_t *
harness_job(struct berthd_run *r, const char *admin, const char *name)
{
	json_t	*all, *j;
	size_t	 i;

	all = harness_call(r, "GET", "/api/monitoring/jobs", admin, NULL, 200);
	json_array_foreach(json_object_get(all, "jobs"), i, j) {
		if (strcmp(harness_jstr(j, "name"), name) == 0) {
			json_incref(j);
			json_decref(all);
			return j;
		}
	}
	cr_assert_fail("job %s not listed", name);
	return NULL;
}

json_t *
harness_run_job(struct berthd_run *r, const char *admin, const char *name,
    long n)
{
	char	 path[128];
	json_t	*j;
	int	 waited;

	snprintf(path, sizeof(path), "/api/monitoring/jobs/%s/run", name);
	json_decref(harness_call(r, "POST", path, admin, NULL, 202));
	for (waited = 0; waited < 30000; waited += 100) {
		j = harness_job(r, admin, name);
		if (json_integer_value(json_object_get(json_object_get(j,
		    "totals"), "runs")) >= n && !json_is_true(
		    json_object_get(j, "running")))
			return j;
		json_decref(j);
		sleep_ms(100);
	}
	cr_assert_fail("job %s: run %ld never ended", name, n);
	return NULL;
}

void
harness_clock(struct berthd_run *r, long s)
{
	char	*out;

	cr_assert_eq(sh(&out, "%s/berthctl -s %s clock %+ld 2>&1",
	    BERTH_BUILDDIR, r->sock, s), 0, "berthctl clock: %s", out);
	free(out);
}

/* ------------------------------------------------------------ admin */

static int
admin_connect(struct berthd_run *r)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, r->sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0,
	    "cannot connect to %s: %s", r->sock, strerror(errno));
	return fd;
}

/* The admin socket accepts connections (it need not exist yet). */
static int
admin_reachable(struct berthd_run *r)
{
	struct sockaddr_un	sun;
	int			fd, ok;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, r->sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

void
harness_status(struct berthd_run *r, struct msg *reply)
{
	struct msg	m;
	int		fd = admin_connect(r);

	msg_init(&m, MSG_STATUS_REQ, 7, PEER_PARENT);
	cr_assert_eq(msg_write_fd(fd, &m), 0);
	cr_assert_eq(msg_read_fd(fd, reply, 5000), 0, "no status reply");
	cr_assert_eq(reply->type, MSG_STATUS);
	cr_assert_eq(reply->id, 7u);
	msg_clear(&m);
	close(fd);
}

const struct worker_status *
harness_worker(const struct msg *status, const char *name)
{
	const struct body_status	*b = status->body;
	size_t				 i;

	for (i = 0; i < b->nworkers; i++)
		if (strcmp(b->workers[i].name, name) == 0)
			return &b->workers[i];
	cr_assert_fail("no worker %s in status", name);
	return NULL;
}

pid_t
harness_worker_pid(struct berthd_run *r, const char *name)
{
	struct msg	st;
	pid_t		pid;

	harness_status(r, &st);
	pid = (pid_t)harness_worker(&st, name)->pid;
	msg_clear(&st);
	return pid;
}

int
harness_wait_state(struct berthd_run *r, const char *name,
    const char *state, int timeout_ms)
{
	struct msg	st;
	int		waited, match;

	for (waited = 0; waited < timeout_ms; waited += 25) {
		harness_status(r, &st);
		match = strcmp(harness_worker(&st, name)->state, state) == 0;
		msg_clear(&st);
		if (match)
			return 0;
		sleep_ms(25);
	}
	return -1;
}

pid_t
harness_wait_new_pid(struct berthd_run *r, const char *name, pid_t old,
    int timeout_ms)
{
	const struct worker_status	*ws;
	struct msg			 st;
	pid_t				 pid = 0;
	int				 waited;

	for (waited = 0; waited < timeout_ms; waited += 25) {
		harness_status(r, &st);
		ws = harness_worker(&st, name);
		if (ws->pid != 0 && ws->pid != old &&
		    strcmp(ws->state, "up") == 0)
			pid = (pid_t)ws->pid;
		msg_clear(&st);
		if (pid != 0)
			return pid;
		sleep_ms(25);
	}
	return 0;
}

long
proc_field(pid_t pid, const char *field)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field), NULL, 10);
	fclose(f);
	return v;
}

void
harness_require_engine(void)
{
	cr_assert_eq(sh(NULL, "docker info >/dev/null 2>&1"), 0,
	    "these tests need a running Docker Engine "
	    "(contrib/start-dockerd.sh)");
	cr_assert_eq(sh(NULL, "docker image inspect berth/demo-workspace "
	    ">/dev/null 2>&1 || sh %s/contrib/demo-image.sh >/dev/null",
	    BERTH_SRCDIR), 0, "cannot build the demo image");
}
