/*
 * A workspace's container lifecycle, told to the logstreamer
 * (MSG_LOGS_STATE, a notice): its streams show it as "event: state"
 * and follow the workspace across a restart; a final one (berth
 * stopped it, or the container is gone) ends them once the engine's
 * last lines are out.  A logstreamer that is not up misses nothing it
 * needs: it has no streams.
 */
#include <stdint.h>
#include <string.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

void
logs_state(const struct workspace *ws, const char *state, int final)
{
	struct wproc		*ls = wproc_by_peer(PEER_LOGSTREAMER);
	struct body_logs_state	*b;
	struct msg		 m;

	if (ls == NULL || ls->chan == NULL || ls->state != WS_UP)
		return;
	b = msg_init(&m, MSG_LOGS_STATE, 0, PEER_PARENT);
	b->workspace_id = xstrdup(ws->id);
	b->state = xstrdup(state);
	b->final = final;
	b->at_ns = (int64_t)wall_ms() * 1000000;
	if (chan_send(ls->chan, &m) == -1)
		log_warnx("%s: %s of %s not told", __func__, state, ws->id);
	msg_clear(&m);
}
