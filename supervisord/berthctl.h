/*
 * Internal to berthctl: what its command files share.
 */
#ifndef BERTH_BERTHCTL_H
#define BERTH_BERTHCTL_H

struct msg;

void	usage(void) __attribute__((noreturn));
/* Send m, wait for the reply at most timeout_ms; MSG_ERROR is fatal. */
void	call_for(int fd, struct msg *m, struct msg *reply, long timeout_ms);

/* berthctl_jobs.c: jobs, run-job, cleanup, clock */
int	ctl_jobs_command(const char *cmd);
int	ctl_jobs(int fd, int argc, char **argv);

/* berthctl_silences.c: silence add, list, expire */
int	ctl_silences_command(const char *cmd);
int	ctl_silences(int fd, int argc, char **argv);

/* berthctl_alerts.c: events, alerts, resolve */
int	ctl_alerts_command(const char *cmd);
int	ctl_alerts(int fd, int argc, char **argv);
/* berthctl_logs.c: logs [-f] [--since TIME] [--tail N] WORKSPACE */
int	ctl_logs_command(const char *cmd);
int	ctl_logs(int fd, int argc, char **argv);
/* berthctl_volumes.c: backup, backups, restore */
int	ctl_volumes_command(const char *cmd);
int	ctl_volumes(int fd, int argc, char **argv);

#endif
