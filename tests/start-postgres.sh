#!/bin/sh
# A throwaway PostgreSQL for the tests and benchmarks: initdb into
# DIR/data (trust auth, run as the unprivileged `berth` user when called
# as root, since PostgreSQL refuses root), serve on a unix socket in DIR
# only, create database `berth` owned by `berth`, and print the conninfo
# line on stdout.  Everything else goes to stderr (server log: DIR/log).
#
#   start-postgres.sh DIR [PORT]    start (PORT defaults to 5433)
#   start-postgres.sh stop DIR      pg_ctl stop -m fast
#   start-postgres.sh resume DIR [PORT]   start the stopped cluster again
#
# Environment: BERTH_PG_OPTS, extra postgres options (e.g. "-c fsync=off").
set -eu

PGUSER_NAME=berth

die() {
	echo "start-postgres.sh: $*" >&2
	exit 1
}

# The server binaries: pg_config's bindir if it has initdb, else the
# highest /usr/lib/postgresql/*/bin that does.
find_bindir() {
	b=$(pg_config --bindir 2>/dev/null || true)
	if [ -n "$b" ] && [ -x "$b/initdb" ]; then
		echo "$b"
		return
	fi
	b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n |
	    while read -r d; do [ -x "$d/initdb" ] && echo "$d"; done |
	    tail -n 1)
	[ -n "$b" ] || die "no PostgreSQL server binaries (initdb) found"
	echo "$b"
}

# Run a command as the database owner: berth when we are root.
as_owner() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	elif command -v runuser >/dev/null 2>&1; then
		runuser -u "$PGUSER_NAME" -- "$@"
	else
		cmd=
		for a in "$@"; do
			cmd="$cmd '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
		done
		su "$PGUSER_NAME" -s /bin/sh -c "$cmd"
	fi
}

ensure_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	id "$PGUSER_NAME" >/dev/null 2>&1 && return 0
	useradd --system --no-create-home --shell /usr/sbin/nologin \
	    "$PGUSER_NAME" || die "cannot create user $PGUSER_NAME"
}

start() {
	dir=$1
	port=${2:-5433}
	bin=$(find_bindir)
	ensure_user
	if [ "$(id -u)" -eq 0 ]; then
		dbuser=$PGUSER_NAME
	else
		dbuser=$(id -un)
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ ! -e "$dir/data" ] || die "$dir/data exists"
	# The owner writes the socket here; others only traverse to it.
	[ "$(id -u)" -ne 0 ] || chown "$PGUSER_NAME" "$dir"
	chmod 0755 "$dir"
	as_owner test -w "$dir" ||
	    die "$dir: not reachable by $dbuser (a parent directory closed?)"
	cd "$dir"
	as_owner "$bin/initdb" -D "$dir/data" -U "$dbuser" --auth=trust \
	    --encoding=UTF8 --locale=C -N >"$dir/initdb.log" 2>&1 ||
	    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
	# shellcheck disable=SC2086
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
	    -o "-k $dir -c listen_addresses='' -p $port ${BERTH_PG_OPTS:-}" \
	    start >&2 || { cat "$dir/log" >&2; die "postgres did not start"; }
	i=0
	until "$bin/pg_isready" -q -h "$dir" -p "$port"; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "postgres not ready after 10 s"
		sleep 0.1
	done
	"$bin/createdb" -h "$dir" -p "$port" -U "$dbuser" -O "$dbuser" berth ||
	    die "createdb failed"
	echo "host=$dir port=$port dbname=berth user=$dbuser"
}

resume() {
	dir=$(cd "${1:?usage: start-postgres.sh resume DIR [PORT]}" && pwd)
	port=${2:-5433}
	bin=$(find_bindir)
	cd "$dir"
	# shellcheck disable=SC2086
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
	    -o "-k $dir -c listen_addresses='' -p $port ${BERTH_PG_OPTS:-}" \
	    start >&2 || { cat "$dir/log" >&2; die "postgres did not start"; }
}

stop() {
	dir=$(cd "${1:?usage: start-postgres.sh stop DIR}" && pwd)
	[ -f "$dir/data/postmaster.pid" ] || return 0
	bin=$(find_bindir)
	cd "$dir"
	as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2
}

case ${1:-} in
stop)	stop "${2:-}" ;;
resume)	shift; resume "$@" ;;
''|-*)	die "usage: start-postgres.sh DIR [PORT] | stop DIR | resume DIR [PORT]" ;;
*)	start "$@" ;;
esac
