/*
 * What the statswriter needs from berthd to reach its database, since
 * it may not resolve names or open files outside its root itself:
 *
 *  - before it starts, the paths its root must hold (dbprep_paths): the
 *    socket directory of a unix-socket database, and the TLS files and
 *    passfile that the URL (or PGPASSFILE) names;
 *  - before each connection attempt (MSG_DB_PREPARE), the URL's host
 *    name resolved now (libevent's evdns: /etc/hosts and the servers of
 *    /etc/resolv.conf, read again every time, without blocking berthd),
 *    and the password of [database] password_file, read now and refused
 *    unless the file's mode is 0600 or stricter.
 *
 * Only berthd's own configuration decides what is resolved or read: the
 * request carries nothing.  Passwords are never logged.  dbprep_check()
 * is the part of berthd --check-config that needs no connection.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "pgconn.h"
#include "pgembed.h"
#include "sandbox.h"
#include "util.h"
#include "xmalloc.h"

#define PG_DEFAULT_SOCKDIR	"/var/run/postgresql"
#define PASSWORD_MAX		1024

struct prep {
	struct caller		 c;		/* the statswriter that asked */
	char			*host;
	struct evdns_base	*dns;
};

/* The URL the statswriter gets: database.url, else the embedded one. */
static const char *
effective_url(const struct berth_config *cfg)
{
	if (cfg->database_url[0] != '\0')
		return cfg->database_url;
	return env != NULL ? env->pg_conninfo : NULL;
}

/* A host berthd must resolve: a name, not a path, not a number. */
static int
host_is_name(const char *h)
{
	unsigned char	buf[sizeof(struct in6_addr)];

	if (h == NULL || h[0] == '\0' || h[0] == '/' || h[0] == '@')
		return 0;
	return inet_pton(AF_INET, h, buf) != 1 &&
	    inet_pton(AF_INET6, h, buf) != 1;
}

/* ------------------------------------------------------------ checks */

static int
check_password_file(const char *path, char *err, size_t errlen)
{
	return secret_file_check("password_file", path, err, errlen);
}

static void
report(int print, int *nerr, const char *fmt, const char *a, const char *b)
{
	char	line[1024];

	snprintf(line, sizeof(line), fmt, a, b);
	if (print)
		printf("database.url: %s\n", line);
	else
		log_warnx("database.url: %s", line);
	(*nerr)++;
}

/* The files the URL names must be there; one host only. */
static void
check_url(const char *url, int print, int *nerr)
{
	struct pgconn	 c;
	const char	*v, *k;
	char		 err[256];
	size_t		 i;

	if (pgconn_parse(url, &c, err, sizeof(err)) == -1) {
		report(print, nerr, "does not parse: %s%s", err, "");
		return;
	}
	if (((v = pgconn_get(&c, "host")) != NULL && strchr(v, ',')) ||
	    ((v = pgconn_get(&c, "hostaddr")) != NULL && strchr(v, ',')))
		report(print, nerr, "names several hosts (%s); berth connects "
		    "to one", v, "");
	if (pgconn_get(&c, "service") != NULL)
		report(print, nerr, "service is not supported: name the "
		    "parameters in the URL%s%s", "", "");
	for (i = 0; (k = pgconn_file_keys[i]) != NULL; i++) {
		if ((v = pgconn_get(&c, k)) != NULL && access(v, R_OK) == -1)
			report(print, nerr, "%s: cannot read it: %s", v,
			    strerror(errno));
	}
	pgconn_free(&c);
}

int
dbprep_check(const struct berth_config *cfg, int print)
{
	char	err[512];
	int	nerr = 0;

	if (cfg->database_url[0] != '\0')
		check_url(cfg->database_url, print, &nerr);
	if (cfg->db_password_file[0] != '\0' &&
	    check_password_file(cfg->db_password_file, err, sizeof(err)) == -1) {
		if (print)
			printf("database.%s\n", err);
		else
			log_warnx("database.%s", err);
		nerr++;
	}
	return nerr;
}

/* ------------------------------------------------------------ paths */

static void
add_path(char **paths, size_t *n, size_t max, const char *p)
{
	size_t	i;

	if (p == NULL || p[0] != '/' || *n == max || access(p, F_OK) == -1)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(paths[i], p) == 0)
			return;
	paths[(*n)++] = xstrdup(p);
}

size_t
dbprep_paths(const struct berth_config *cfg, char **paths, size_t max)
{
	const char	*url = effective_url(cfg), *h, *pf;
	struct pgconn	 c;
	char		 err[256];
	size_t		 i, n = 0;

	char		*sock;

	/* The embedded server's socket directory, from the start. */
	if (cfg->database_url[0] == '\0' && cfg->database_embedded &&
	    !env->pg_failed) {
		xasprintf(&sock, "%s/pgsock", cfg->state_dir);
		add_path(paths, &n, max, sock);
		free(sock);
	}
	if (url == NULL || pgconn_parse(url, &c, err, sizeof(err)) == -1)
		return n;
	h = pgconn_get(&c, "host");
	if (h != NULL && h[0] == '/')
		add_path(paths, &n, max, h);
	else if ((h == NULL || h[0] == '\0') &&
	    pgconn_get(&c, "hostaddr") == NULL)
		add_path(paths, &n, max, PG_DEFAULT_SOCKDIR);
	for (i = 0; pgconn_file_keys[i] != NULL; i++)
		add_path(paths, &n, max, pgconn_get(&c, pgconn_file_keys[i]));
	if (pgconn_get(&c, "passfile") == NULL &&
	    (pf = getenv("PGPASSFILE")) != NULL)
		add_path(paths, &n, max, pf);
	pgconn_free(&c);
	return n;
}

/* The socket domains one element of libpq's host list needs.  An
 * abstract socket ("@name") lives in berthd's network namespace, so it
 * counts as both: the statswriter then keeps that namespace. */
static unsigned
host_net(const char *h)
{
	if (h[0] == '@')
		return SANDBOX_NET_ALL;
	if (h[0] == '/' || h[0] == ',' || h[0] == '\0')
		return SANDBOX_NET_UNIX;
	return SANDBOX_NET_INET;
}

/* The socket domains (SANDBOX_NET_*) the statswriter needs for its
 * database: Unix for a host that is a path or none (libpq's default
 * directory), inet for a name, a number or hostaddr.  libpq's host
 * lists ("db1,/run/pg") may need both. */
unsigned
dbprep_net(const struct berth_config *cfg)
{
	const char	*url = effective_url(cfg), *h, *next;
	struct pgconn	 c;
	char		 err[256];
	unsigned	 net = 0;

	if (url == NULL || pgconn_parse(url, &c, err, sizeof(err)) == -1)
		return SANDBOX_NET_UNIX;	/* it cannot connect anyway */
	if (pgconn_get(&c, "hostaddr") != NULL)
		net = SANDBOX_NET_INET;
	else if ((h = pgconn_get(&c, "host")) == NULL)
		net = SANDBOX_NET_UNIX;
	else {
		for (; h != NULL; h = next) {
			if ((next = strchr(h, ',')) != NULL)
				next++;
			net |= host_net(h);
		}
	}
	pgconn_free(&c);
	return net;
}

/* ------------------------------------------------------------ answers */

static int
read_password(const char *path, char *out, size_t len, char *err,
    size_t errlen)
{
	if (secret_file_read("password_file", path, out, len, err,
	    errlen) == -1)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static void
answer(const struct caller *c, const char *hostaddr, const char *error)
{
	const struct berth_config	*cfg = &env->cfg;
	struct body_db_prepared		*b;
	struct msg			 m;
	char				 pw[PASSWORD_MAX] = "", err[512];

	if (!caller_alive(c))
		return;			/* that statswriter is gone */
	if (error == NULL && cfg->db_password_file[0] != '\0' &&
	    read_password(cfg->db_password_file, pw, sizeof(pw), err,
	    sizeof(err)) == -1)
		error = err;
	b = msg_init(&m, MSG_DB_PREPARED, 0, PEER_PARENT);
	b->hostaddr = xstrdup(error == NULL ? hostaddr : "");
	b->password = xstrdup(error == NULL ? pw : "");
	b->error = xstrdup(error != NULL ? error : "");
	caller_reply(c, &m);
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(b->password, strlen(b->password));
	msg_clear(&m);
}

static void
prep_free(evutil_socket_t fd, short ev, void *arg)
{
	struct prep	*p = arg;

	(void)fd, (void)ev;
	evdns_base_free(p->dns, 0);
	free(p->host);
	free(p);
}

/* Every address, in the resolver's order, for libpq to try in turn. */
static void
resolved(int code, struct evutil_addrinfo *res, void *arg)
{
	struct prep		*p = arg;
	struct evutil_addrinfo	*ai;
	char			 list[1024] = "", a[INET6_ADDRSTRLEN], err[512];
	const void		*sa;
	size_t			 n;

	for (ai = res; code == 0 && ai != NULL; ai = ai->ai_next) {
		sa = ai->ai_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (inet_ntop(ai->ai_family, sa, a, sizeof(a)) == NULL ||
		    strstr(list, a) != NULL)
			continue;
		n = strlen(list);
		snprintf(list + n, sizeof(list) - n, "%s%s", n ? "," : "", a);
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	if (code != 0 || list[0] == '\0') {
		snprintf(err, sizeof(err), "could not translate host name "
		    "\"%s\" to address: %s", p->host, code != 0 ?
		    evutil_gai_strerror(code) : "no address");
		answer(&p->c, "", err);
	} else
		answer(&p->c, list, NULL);
	/* Not inside evdns's own callback. */
	event_base_once(env->base, -1, EV_TIMEOUT, prep_free, p, NULL);
}

/* A fresh resolver (/etc/hosts and resolv.conf as they are now) asked
 * for host's TCP addresses; NULL when it cannot be set up. */
struct evdns_base *
dns_lookup_tcp(const char *host, evdns_getaddrinfo_cb cb, void *arg)
{
	struct evutil_addrinfo	 hints;
	struct evdns_base	*dns;

	dns = evdns_base_new(env->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (dns == NULL)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	evdns_getaddrinfo(dns, host, NULL, &hints, cb, arg);
	return dns;
}

static void
resolve(const struct caller *c, const char *host)
{
	struct prep		*p;

	p = xcalloc(1, sizeof(*p));
	p->c = *c;
	p->host = xstrdup(host);
	p->dns = dns_lookup_tcp(host, resolved, p);
	if (p->dns == NULL) {
		answer(c, "", "cannot set up the resolver "
		    "(/etc/resolv.conf)");
		free(p->host);
		free(p);
		return;
	}
}

int
dbprep_info(struct body_db_info *b, char *err, size_t errlen)
{
	const struct berth_config	*cfg = &env->cfg;
	char				 pw[PASSWORD_MAX] = "";

	if (cfg->database_url[0] != '\0') {
		if (cfg->db_password_file[0] != '\0' &&
		    read_password(cfg->db_password_file, pw, sizeof(pw), err,
		    errlen) == -1)
			return -1;
		b->conninfo = xstrdup(cfg->database_url);
		b->password = xstrdup(pw);
		b->osuser = xstrdup("");
		explicit_bzero(pw, sizeof(pw));
		return 0;
	}
	if (pgembed_sockdir() == NULL) {
		snprintf(err, errlen, "no database: none is configured and "
		    "the embedded one is not running");
		return -1;
	}
	xasprintf(&b->conninfo, "host=%s port=5432 dbname=berth user=%s",
	    pgembed_sockdir(), pgembed_superuser());
	b->password = xstrdup("");
	b->osuser = xstrdup(pgembed_superuser());
	return 0;
}

/* The statswriter is about to connect (request table row). */
void
dbprep_h_prepare(const struct caller *c, struct msg *m)
{
	const char	*url = effective_url(&env->cfg);
	struct pgconn	 pc;
	char		 err[256];

	if (url == NULL || pgconn_parse(url, &pc, err, sizeof(err)) == -1) {
		/* libpq will say what is wrong with it. */
		answer(c, "", NULL);
		return;
	}
	if (pgconn_get(&pc, "hostaddr") == NULL &&
	    host_is_name(pgconn_get(&pc, "host")))
		resolve(c, pgconn_get(&pc, "host"));
	else
		answer(c, "", NULL);
	pgconn_free(&pc);
}
