/*
 * The volume tests' fixture (volumes_fixture.h).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "volumes_fixture.h"

static const char config[] =
    "[volumes]\nkeep_last = 3\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = it-vol-alice\n"
    "[token.bob]\ntoken = " BOB "\nuser = it-vol-bob\n"
    "[type.demo]\nimage = " IMAGE "\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "network = shared\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 1\nhealth_timeout_s = 2\nhealth_retries = 3\n"
    "health_start_period_s = 0\nvolume_path = /workspace\n";

struct berthd_run run;

void
volumes_cleanup(void)
{
	sh(NULL, "pkill -CONT -x dockerd");	/* a clone test held it */
	if (run.dir[0] != '\0')
		sh(NULL, "umount -l %s/full >/dev/null 2>&1", run.dir);
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.helper=volume | xargs -r "
	    "docker rm -f >/dev/null 2>&1");
	sh(NULL, "docker ps -aq --filter label=berth.user=it-vol-alice | "
	    "xargs -r docker rm -f >/dev/null 2>&1");
	sh(NULL, "docker volume rm -f " VOL " " VOL2 " " VOL3
	    " >/dev/null 2>&1");
}

/* alice's project volume, made as berthd makes it, with content. */
void
volumes_setup(void)
{
	harness_require_engine();
	volumes_cleanup();
	cr_assert_eq(sh(NULL, "docker volume create --label berth.managed=true "
	    "--label berth.project=itvp1 --label berth.owner=it-vol-alice "
	    VOL " >/dev/null"), 0);
	cr_assert_eq(sh(NULL, "docker run --rm --network none -v " VOL ":/d "
	    IMAGE " sh -c 'echo hello > /d/a.txt && mkdir -p /d/sub/deep && "
	    "seq 1 100000 > /d/sub/deep/numbers && ln -s a.txt /d/link'"), 0);
	harness_start(&run, config, NULL, (uid_t)-1);
}

json_t *
wait_over(const char *path)
{
	json_t	*b;
	int	 i;

	for (i = 0; i < 600; i++) {
		b = harness_call(&run, "GET", path, ALICE, NULL, 200);
		if (strcmp(harness_jstr(b, "status"), "running") != 0)
			return b;
		json_decref(b);
		usleep(100 * 1000);
	}
	cr_assert_fail("%s still running", path);
	return NULL;
}
