/*
 * Unit tests for dbprep_net (supervisord/dbprep.c): the socket domains
 * berthd lets the statswriter open, read from its database URL.  A Unix
 * socket only: an empty network namespace; TCP only: no Unix socket.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "berthd.h"
#include "sandbox.h"

static unsigned
net_of(const char *url)
{
	struct berth_config	cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.database_url = (char *)url;
	return dbprep_net(&cfg);
}

Test(dbprep, domains_follow_the_url)
{
	static const struct {
		const char	*url;
		unsigned	 net;
	} cases[] = {
		{ "postgresql://berth@127.0.0.1:5432/berth", SANDBOX_NET_INET },
		{ "postgresql://berth@db.internal/berth?sslmode=require",
		  SANDBOX_NET_INET },
		{ "postgresql://berth@[::1]/berth", SANDBOX_NET_INET },
		{ "host=/run/postgresql dbname=berth", SANDBOX_NET_UNIX },
		{ "postgresql:///berth", SANDBOX_NET_UNIX },
		{ "postgresql:///berth?host=/var/run/postgresql",
		  SANDBOX_NET_UNIX },
		{ "dbname=berth", SANDBOX_NET_UNIX },
		{ "hostaddr=10.0.0.5 host=db dbname=berth", SANDBOX_NET_INET },
		{ "host=db1,/run/postgresql dbname=berth", SANDBOX_NET_ALL },
		/* an abstract socket lives in berthd's namespace */
		{ "host=@pg dbname=berth", SANDBOX_NET_ALL },
		/* cannot connect at all: the narrowest */
		{ "postgresql://[", SANDBOX_NET_UNIX },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(net_of(cases[i].url), cases[i].net,
		    "%s: got %u, want %u", cases[i].url,
		    net_of(cases[i].url), cases[i].net);
}
