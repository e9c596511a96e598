/*
 * A small JSON writer for the gateway's answers: values written
 * straight into an evbuffer, byte for byte as jansson's compact dump
 * would write them (same escapes, same numbers), without building a
 * tree.  Parsing untrusted input stays with jansson.
 */
#ifndef BERTH_JSONW_H
#define BERTH_JSONW_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

struct jw {
	struct evbuffer	*out;
	int		 comma;		/* a value came before at this level */
	int		 bad;		/* a string was not UTF-8 */
	size_t		 len;
	char		 buf[4096];	/* flushed to out when full */
};

/* Keys are NULL inside arrays and for the outermost value. */
void	jw_start(struct jw *, struct evbuffer *out);
void	jw_open(struct jw *, const char *key, char brace);	/* { or [ */
void	jw_close(struct jw *, char brace);			/* } or ] */
void	jw_str(struct jw *, const char *key, const char *s);	/* NULL: null */
void	jw_nstr(struct jw *, const char *key, const char *s);	/* "": null */
void	jw_int(struct jw *, const char *key, int64_t);
void	jw_real(struct jw *, const char *key, double);
/* An ISO-8601 UTC time with milliseconds, null for 0 or less. */
void	jw_time(struct jw *, const char *key, int64_t wall_ms);
void	jw_bool(struct jw *, const char *key, int);
void	jw_null(struct jw *, const char *key);
/* Flush; 0, or -1 when a string was not UTF-8 or a real not finite
 * (out then holds a partial answer not to be sent). */
int	jw_finish(struct jw *);

#endif
