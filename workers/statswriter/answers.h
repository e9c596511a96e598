/*
 * The statswriter's answers to the gateway: the store's state for
 * /api/health, container sample history and lifecycle statistics
 * (answers.c), from the database when it is up, else from memory.
 */
#ifndef BERTH_ANSWERS_H
#define BERTH_ANSWERS_H

struct msg;
struct sampler;
struct store;
struct worker;

void	answer_prom(struct worker *, struct store *, struct sampler *,
	    struct msg *);
void	answer_status(struct worker *, struct store *, struct msg *);
void	answer_history(struct worker *, struct store *, struct msg *);
void	answer_cstats(struct worker *, struct store *, struct msg *);
void	answer_events(struct worker *, struct store *, struct msg *);

#endif
