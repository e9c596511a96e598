#!/bin/sh
# Run bench/db_batch against a throwaway PostgreSQL started by
# tests/start-postgres.sh (default server settings: fsync and
# synchronous_commit on, unless BERTH_PG_OPTS says otherwise), then stop
# and remove it.
#
#   bench/db_batch.sh PATH/TO/db_batch[,PATH/TO/other...] [CYCLES [BATCH [ROWS]]]
#
# With several programs (a build before and after a change), each runs
# in turn against the same server, BERTH_BENCH_ROUNDS times (default 1).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
prog=${1:?usage: db_batch.sh PATH/TO/db_batch [CYCLES [BATCH [ROWS]]]}
shift
dir=$(mktemp -d /tmp/berth-bench-db.XXXXXX)
cleanup() {
	sh "$here/tests/start-postgres.sh" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
conninfo=$(sh "$here/tests/start-postgres.sh" "$dir" 5434 2>"$dir.log") ||
    { cat "$dir.log" >&2; rm -f "$dir.log"; exit 1; }
rm -f "$dir.log"
ver=$(psql "$conninfo" -Atc 'SHOW server_version' 2>/dev/null || echo '?')
echo "# $(uname -srm), $(nproc) cores, PostgreSQL $ver"
echo "# server options: ${BERTH_PG_OPTS:-defaults}"
round=1
while [ "$round" -le "${BERTH_BENCH_ROUNDS:-1}" ]; do
	for p in $(echo "$prog" | tr ',' ' '); do
		echo "# round $round: $p"
		"$p" "$conninfo" "$@"
	done
	round=$((round + 1))
done
