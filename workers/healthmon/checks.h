/*
 * healthmon's health service (checks.c): rounds of component checks
 * with circuit breakers, and the report /api/health shows.
 */
#ifndef BERTH_CHECKS_H
#define BERTH_CHECKS_H

struct berth_config;
struct checks;
struct msg;
struct worker;

struct checks	*checks_new(struct worker *);
/* Start, or follow a new configuration ([health] keys); cfg must live
 * as long as the checks (the worker's own). */
void		 checks_configure(struct checks *, const struct berth_config *);
/* Answer req (MSG_HEALTH_REQ) with the latest result of every check. */
void		 checks_report(struct checks *, struct msg *req);

#endif
