/*
 * main() of each worker program (berth-gateway, berth-scheduler,
 * berth-healthmon, berth-statswriter, berth-logstreamer).  Makefile.am
 * compiles this file once per program with WORKER_ID, WORKER_NAME,
 * WORKER_OPS and WORKER_POLICY set, so each program links its own
 * worker and only the libraries that worker uses.
 */
#include "worker.h"

int
main(int argc, char *argv[])
{
	worker_main(WORKER_ID, WORKER_NAME, &WORKER_OPS, &WORKER_POLICY,
	    argc, argv);
}
