/*
 * berthd: the entry point of the privileged supervisor.  Its workers
 * are programs of their own (workers/main.c), which it starts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berthd.h"
#include "config.h"
#include "log.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: berthd [-dfn] [-c file] [--check-config] [--version]\n"
	    "  -c file          configuration file (INI; BERTH_* variables"
	    " override it)\n"
	    "  -f               stay in the foreground, log to stderr\n"
	    "  -d               debug logging\n"
	    "  -n, --check-config  check the configuration and exit\n"
	    "  -V, --version    print the version and exit\n");
	exit(2);
}

static int
check_config(const char *path)
{
	struct berth_config	cfg;
	int			nerr;

	nerr = parent_load_config(&cfg, path, 1);
	if (nerr == 0)
		nerr = dbprep_check(&cfg, 1) + s3_check(&cfg);
	config_free(&cfg);
	if (nerr == 0)
		printf("configuration OK\n");
	return nerr == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "check-config",	no_argument,	NULL, 'n' },
		{ "version",		no_argument,	NULL, 'V' },
		{ NULL,			0,		NULL, 0 }
	};
	const char	*config_path = NULL;
	int		 ch, foreground = 0, debug = 0, checkonly = 0;

	while ((ch = getopt_long(argc, argv, "c:dfnV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'V':
			printf("berthd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("berthd", 1, debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (checkonly)
		return check_config(config_path);
	return parent_main(config_path, foreground, debug);
}
