# Shared by the benchmarks that run a real berthd (sourced, after the
# caller set here, build, dir, port, token, user, count, par and
# workers): starting berthd from BUILD_DIR, its API, its processes,
# and demo workspaces by the hundred.  berthd's pid is bpid.

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

free_port() {
	p=18080
	while ss -Hltn "sport = :$p" | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

api() {	# METHOD PATH [BODY]: the body, then the status on a line
	curl -sS -m 60 -X "$1" -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' ${3:+-d "$3"} \
	    -w '\n%{http_code}' "http://127.0.0.1:$port$2"
}

# berthd runs as a copy named berth-bench: a broad `pkill berthd`
# elsewhere on a shared machine ended a measurement once.  Its worker
# programs go beside it, where it looks first.
start_berthd() {
	cp "$build/berthd" "$dir/berth-bench"
	cp "$build"/berth-gateway "$build"/berth-scheduler \
	    "$build"/berth-healthmon "$build"/berth-statswriter \
	    "$build"/berth-logstreamer "$dir"/
	chmod 0755 "$dir"/berth-*
	"$dir/berth-bench" -f -c "$dir/berth.conf" >"$dir/berthd.log" 2>&1 &
	bpid=$!
	i=0
	until [ "$(api GET /ready 2>/dev/null | tail -n 1)" = 200 ]; do
		kill -0 "$bpid" 2>/dev/null ||
		    { cat "$dir/berthd.log" >&2; die "berthd exited"; }
		i=$((i + 1))
		[ $i -lt 300 ] || die "berthd not ready after 30 s"
		sleep 0.1
	done
}

# The workers: berthd's children by name (PostgreSQL is not a child
# here; were it embedded, it would not be counted either).
procs() {
	echo "$bpid berthd"
	for w in $workers; do
		p=$(ps -o pid=,comm= --ppid "$bpid" | awk -v w="$w" \
		    '$2 == w { print $1 }')
		[ -n "$p" ] || die "no $w worker under berthd $bpid"
		echo "$p $w"
	done
}

alive() {
	kill -0 "$bpid" 2>/dev/null && return 0
	tail -n 5 "$dir/berthd.log" >&2
	bpid=
	die "berthd exited during the measurement"
}

cpu_ticks() {	# PID: utime+stime
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# POST COUNT workspaces, PAR at a time; one "status" line each.
create_all() {
	export port token user
	# shellcheck disable=SC2016
	seq "$count" | xargs -P "$par" -I{} sh -c '
	    curl -sS -m 120 -o "$0/ws.{}.json" -w "%{http_code}\n" \
	        -H "Authorization: Bearer $token" \
	        -H "Content-Type: application/json" \
	        -d "{\"type\":\"demo\",\"userId\":\"$user\"}" \
	        "http://127.0.0.1:$port/api/workspaces" || echo curl-failed
	' "$dir" >"$dir/codes"
}

# The bench user's workspaces in that state (berthd also adopts any
# other berth.managed=true container on the engine).  The gateway's
# compact JSON has id, status, health, containerId, type, tier, userId
# in this order.
count_status() {	# STATUS
	api GET /api/workspaces |
	    grep -o "\"status\":\"$1\",[^}]*\"userId\":\"$user\"" | wc -l
}

wait_running() {
	i=0
	while :; do
		n=$(count_status running)
		[ "$n" -lt "$count" ] || return 0
		i=$((i + 1))
		[ $i -lt 600 ] || die "only $n of $count running after 300 s"
		sleep 0.5
	done
}
