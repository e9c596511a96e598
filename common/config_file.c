/*
 * The configuration file (config.h): read with inih, one line at a
 * time so that every error names its line; unknown sections and keys,
 * a key set twice and an indented continuation line are errors, and
 * each value goes through config_value_set() as from any other source.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config.h"
#include "config_int.h"
#include "xmalloc.h"

#define keys		config_static_keys
#define NKEYS		config_nstatic_keys

/* State of one config_load_file(). */
struct file_ctx {
	struct berth_config	*cfg;
	struct config_errors	*errs;
	const char		*path;
	FILE			*f;
	int			 lineno;
	int			 indented;	/* line starts with blanks */
	int			*seen;		/* line a key was set on */
	int			*seen_named;	/* the same, named sections */
};

static int
section_known(const char *section, size_t seclen)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (strlen(keys[i].section) == seclen &&
		    strncmp(keys[i].section, section, seclen) == 0)
			return 1;
	}
	return 0;
}

/* Copy s for an error message, replacing unprintable bytes with '?'. */
static const char *
printable(char *buf, size_t len, const char *s, size_t slen)
{
	size_t	i;

	for (i = 0; i < slen && i + 1 < len; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void
file_error(struct file_ctx *fc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
file_error(struct file_ctx *fc, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_errors_add(fc->errs, "%s:%d: %s", fc->path, fc->lineno, msg);
}

/*
 * Report a "[name]" header whose section is not in the table, and
 * create the named section of a "[type.NAME]" header.  inih does not
 * call the handler for headers, so this is done on the raw line, the
 * way inih reads it: blanks, "[", the name up to "]".
 */
static void
check_header(struct file_ctx *fc, const char *line)
{
	const char	*end;
	char		 buf[64], err[256];
	size_t		 len;

	if (fc->lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	while (isspace((unsigned char)*line))
		line++;
	if (*line != '[' || (end = strchr(line + 1, ']')) == NULL)
		return;
	line++;
	len = (size_t)(end - line);
	if (section_known(line, len))
		return;
	switch (config_named_header(fc->cfg, line, len, err, sizeof(err))) {
	case 0:
		break;
	case -1:
		file_error(fc, "[%s]: %s", printable(buf, sizeof(buf), line,
		    len), err);
		break;
	default:
		file_error(fc, "unknown section [%s]", printable(buf,
		    sizeof(buf), line, len));
		break;
	}
}

/*
 * inih's reader: one call per line, so fc->lineno is the line inih is
 * on.  A line too long for inih's buffer is an error and is replaced by
 * an empty one rather than being split into two lines.
 */
static char *
file_reader(char *buf, int size, void *arg)
{
	struct file_ctx	*fc = arg;
	size_t		 len;
	int		 c;

	if (fgets(buf, size, fc->f) == NULL)
		return NULL;
	fc->lineno++;
	fc->indented = (buf[0] == ' ' || buf[0] == '\t');
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' &&
	    (c = fgetc(fc->f)) != EOF && c != '\n') {
		while ((c = fgetc(fc->f)) != EOF && c != '\n')
			;
		file_error(fc, "line longer than %d bytes", size - 3);
		buf[0] = '\0';
		return buf;
	}
	check_header(fc, buf);
	return buf;
}

static int
file_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct file_ctx		*fc = arg;
	const struct config_key	*k;
	void			*base = fc->cfg;
	char			 err[256], nb[64];
	int			*seen = NULL;
	long			 id;

	if (*section == '\0') {
		file_error(fc, "%s: outside any [section]",
		    printable(nb, sizeof(nb), name, strlen(name)));
		return 1;
	}
	if (section_known(section, strlen(section))) {
		if ((k = config_find_key(section, strlen(section), name)) != NULL)
			seen = &fc->seen[k - keys];
	} else {
		id = config_named_key(fc->cfg, section, name, &base, &k);
		if (id == -1)
			return 1;	/* reported at its header */
		if (id >= 0)
			seen = &fc->seen_named[id];
	}
	if (seen == NULL) {
		file_error(fc, "[%s] %s: unknown key", section,
		    printable(nb, sizeof(nb), name, strlen(name)));
		return 1;
	}
	if (*seen != 0) {
		file_error(fc, "[%s] %s: %s (first set on line %d)", section,
		    name, fc->indented ? "indented line continues its value; "
		    "values are one line" : "set twice", *seen);
		return 1;
	}
	*seen = fc->lineno;
	if (config_value_set(base, k, value, err, sizeof(err)) == -1)
		file_error(fc, "[%s] %s: %s", section, name, err);
	return 1;
}

int
config_load_file(struct berth_config *cfg, const char *path,
    struct config_errors *errs)
{
	struct file_ctx	 fc;
	size_t		 before = errs->n;
	int		 line;

	memset(&fc, 0, sizeof(fc));
	fc.cfg = cfg;
	fc.errs = errs;
	fc.path = path;
	if ((fc.f = fopen(path, "r")) == NULL) {
		config_errors_add(errs, "cannot open %s: %s", path,
		    strerror(errno));
		return (int)(errs->n - before);
	}
	fc.seen = xcalloc(NKEYS, sizeof(*fc.seen));
	fc.seen_named = xcalloc(config_named_nids(), sizeof(*fc.seen_named));
	line = ini_parse_stream(file_reader, &fc, file_handler, &fc);
	free(fc.seen);
	free(fc.seen_named);
	if (ferror(fc.f))
		config_errors_add(errs, "cannot read %s: %s", path,
		    strerror(errno));
	else if (line > 0)
		config_errors_add(errs, "%s:%d: syntax error; expected "
		    "[section] or name = value", path, line);
	else if (line < 0)
		config_errors_add(errs, "cannot parse %s", path);
	fclose(fc.f);
	return (int)(errs->n - before);
}
