#!/bin/sh
# Issue 17, point 1: the API path against its floor.  Runs the real
# berthd of BUILD_DIR (as root, in the foreground, without a database)
# on a temporary state directory, creates 10 demo workspaces for one
# user and 200 for another through the API (real containers on the
# engine: berth/demo-workspace:latest), waits until they all run, and
# starts nginx (Debian nginx-light, one worker process, every answer
# closing its connection as berth's do, no access log) serving copies
# of berth's own answers (same bytes, so the same size) and
# prometheus-node-exporter.  Then, ROUNDS times, alternating nginx (A)
# and berth (B), wrk (one thread) measures for SECONDS each:
#
#   health   GET /health
#   ws       authenticated GET /api/workspaces/{id}
#   list10   authenticated GET /api/workspaces (a user with 10)
#   list200  authenticated GET /api/workspaces (a user with 200)
#   metrics  GET /api/metrics (anonymous_cache_ms = 0: every scrape
#            is gathered and rendered), against node_exporter's
#            /metrics; CPU per scrape is utime+stime of berthd and all
#            its workers (node_exporter's own) over the 1-connection
#            run, divided by the scrapes answered
#
# each at 1 connection (p50, p99) and 32 connections (req/s).  With a
# second BUILD_DIR2, every round measures berth with each build in
# turn (side berth, then berth2), berthd restarted on the same state
# directory (it adopts the running workspaces): before and after a
# change, in one run, on the same workspaces.  Last,
# the floor: bench/pingpong (a socketpair round trip with a frame of
# the size of berth's MSG_WS_GET request), and berth's own IPC round
# trip, traced in the gateway (perf's syscall tracepoints, from its
# sendmsg to berthd to the recvmsg of the answer).  On exit it stops berthd,
# nginx and node_exporter, removes the bench users' containers and the
# directory.  Take the engine lock around it on a shared machine:
#
#   flock /tmp/berth-engine.lock sh bench/api.sh BUILD_DIR
#
# BUILD_DIR should be built without sanitizers (-O2); the script
# builds bench/pingpong there.  Missing nginx-light, wrk and
# prometheus-node-exporter are installed with apt-get.
#
# Environment: BERTH_BENCH_ROUNDS (3), BERTH_BENCH_SECONDS (3),
# BERTH_BENCH_PERF (a file: at the end, perf profiles of berthd and its
# workers, by process and symbol, while the last build answers one
# connection's ws, list200 and metrics requests),
# BERTH_BENCH_PARALLEL (creations at a time, 4), BERTH_BENCH_LOG (a
# file to keep berthd's log in), BERTH_BENCH_ONLY (a space separated
# subset of "health ws list10 list200 metrics"), BERTH_BENCH_PIN (a CPU
# number: berthd and its workers, nginx, node_exporter, wrk and the
# floor all run on that one CPU, so that no wake-up crosses CPUs; see
# RESULTS.md, issue 17 run 7).  The floor is measured twice, as the
# scheduler places its two ends and with both on CPU 0.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: api.sh BUILD_DIR [BUILD_DIR2]}" && pwd)
build2=
[ -z "${2:-}" ] || build2=$(cd "$2" && pwd)
rounds=${BERTH_BENCH_ROUNDS:-3}
secs=${BERTH_BENCH_SECONDS:-3}
par=${BERTH_BENCH_PARALLEL:-4}
only=${BERTH_BENCH_ONLY:-health ws list10 list200 metrics}
pin=
[ -z "${BERTH_BENCH_PIN:-}" ] || pin="taskset -c $BERTH_BENCH_PIN"
hz=$(getconf CLK_TCK)
u10=bench10-$$
u200=bench200-$$
token=bench-admin-token-$$-$(date +%s)
t10=bench-user10-token-$$-$(date +%s)
t200=bench-user200-token-$$-$(date +%s)
dir=$(mktemp -d /tmp/berth-bench-api.XXXXXX)
chmod 0755 "$dir"
bpid= npid= xpid=

stop_pid() {	# PID
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1"
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

cleanup() {
	trap - EXIT INT TERM
	stop_pid "$bpid"
	stop_pid "$npid"
	stop_pid "$xpid"
	for u in "$u10" "$u200"; do
		ids=$(docker ps -aq --filter label=berth.managed=true \
		    --filter "label=berth.user=$u")
		[ -z "$ids" ] ||
		    echo "$ids" | xargs -n 20 -P 4 docker rm -f >/dev/null ||
		    true
	done
	[ -z "${BERTH_BENCH_LOG:-}" ] || cp "$dir/berthd.log" "$BERTH_BENCH_LOG"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "api.sh: $*" >&2
	exit 1
}

free_port() {	# FROM
	p=$1
	while ss -Hltn "sport = :$p" | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

deps() {
	command -v wrk >/dev/null && command -v nginx >/dev/null &&
	    command -v prometheus-node-exporter >/dev/null && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends nginx-light wrk \
	    prometheus-node-exporter >/dev/null ||
	    die "cannot install nginx-light wrk prometheus-node-exporter"
}

write_config() {
	cat >"$dir/berth.conf" <<EOF
[server]
http_listen = 127.0.0.1:$port
state_dir = $dir
user = berth
anonymous_cache_ms = 0
max_workspaces = 0
http_max_connections_per_client = 256

[docker]
stop_timeout_s = 2

[database]
embedded = false

[auth]
admin_token = $token

[token.b10]
token = $t10
user = $u10

[token.b200]
token = $t200
user = $u200

[tier.free]
max_workspaces_per_user = 0
max_session_min = 0

[type.demo]
image = berth/demo-workspace:latest
port = 8080
cpus = 0.5
memory_mb = 64
memory_reservation_mb = 32
max_cpus = 2
max_memory_mb = 512
health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz || exit 1
health_interval_s = 30
health_timeout_s = 2
health_retries = 3
health_start_period_s = 0
volume_path = /workspace
tiers = free,basic,pro
EOF
	chmod 600 "$dir/berth.conf"
}

# berthd runs as a copy named berth-bench (see bench/overhead.sh).
start_berthd() {	# BUILD_DIR
	cp "$1/berthd" "$dir/berth-bench"
	cp "$1"/berth-gateway "$1"/berth-scheduler "$1"/berth-healthmon \
	    "$1"/berth-statswriter "$1"/berth-logstreamer "$dir"/
	chmod 0755 "$dir"/berth-*
	$pin "$dir/berth-bench" -f -c "$dir/berth.conf" >"$dir/berthd.log" \
	    2>&1 &
	bpid=$!
	i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$port/ready" 2>/dev/null)" = 200 ]; do
		kill -0 "$bpid" 2>/dev/null ||
		    { cat "$dir/berthd.log" >&2; die "berthd exited"; }
		i=$((i + 1))
		[ $i -lt 300 ] || die "berthd not ready after 30 s"
		sleep 0.1
	done
}

get() {	# TOKEN PATH: the body (status checked)
	curl -sS -f -m 60 ${1:+-H "Authorization: Bearer $1"} \
	    "http://127.0.0.1:$port$2"
}

create() {	# USER COUNT
	export port token
	# shellcheck disable=SC2016
	seq "$2" | xargs -P "$par" -I{} sh -c '
	    for i in 1 2 3 4 5 6 7 8 9 10; do
	        c=$(curl -sS -m 120 -o /dev/null -w "%{http_code}" \
	            -H "Authorization: Bearer $token" \
	            -H "Content-Type: application/json" \
	            -d "{\"type\":\"demo\",\"userId\":\"$1\"}" \
	            "http://127.0.0.1:$port/api/workspaces") || c=curl-failed
	        [ "$c" = 429 ] || break
	        sleep 1	# the engine is busy: retry, as a client should
	    done
	    echo "$c"
	' sh "$1" >"$dir/codes.$1"
	n=$(grep -c '^201$' "$dir/codes.$1" || true)
	[ "$n" -eq "$2" ] || { sort "$dir/codes.$1" | uniq -c >&2;
	    die "$n of $2 workspaces of $1 created"; }
}

wait_running() {	# TOKEN COUNT
	i=0
	while :; do
		n=$(get "$1" /api/workspaces | grep -o '"status":"running"' |
		    wc -l)
		[ "$n" -lt "$2" ] || return 0
		i=$((i + 1))
		[ $i -lt 600 ] || die "only $n of $2 running after 300 s"
		sleep 0.5
	done
}

# nginx serves berth's answers, saved as files under $dir/www.
start_nginx() {
	nport=$(free_port $((port + 100)))
	cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
user www-data;
pid $dir/nginx.pid;
error_log $dir/nginx.err;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_timeout 0;
	default_type application/json;
	server {
		listen 127.0.0.1:$nport;
		root $dir/www;
	}
}
EOF
	$pin nginx -p "$dir" -c "$dir/nginx.conf" &
	npid=$!
	xport=$(free_port $((nport + 1)))
	$pin prometheus-node-exporter --web.listen-address="127.0.0.1:$xport" \
	    >"$dir/node_exporter.log" 2>&1 &
	xpid=$!
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$nport/health" &&
	    curl -sf -o /dev/null "http://127.0.0.1:$xport/metrics"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$dir/nginx.err" >&2;
		    die "nginx or node_exporter not answering"; }
		sleep 0.1
	done
}

save_answers() {
	mkdir -p "$dir/www"
	get "" /health >"$dir/www/health"
	get "$t10" "/api/workspaces/$wsid" >"$dir/www/ws"
	get "$t10" /api/workspaces >"$dir/www/list10"
	get "$t200" /api/workspaces >"$dir/www/list200"
	get "" /api/metrics >"$dir/www/metrics"
	chmod 0755 "$dir/www"
	chmod 0644 "$dir/www"/*
	for f in health ws list10 list200 metrics; do
		echo "#   $f: $(wc -c <"$dir/www/$f") bytes"
	done
}

ticks_of() {	# PID...: utime+stime summed
	for p in "$@"; do
		sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null |
		    awk '{ print $12 + $13 }'
	done | awk '{ s += $1 } END { print s + 0 }'
}

tree() {	# PID: it and its children
	echo "$1 $(ps -o pid= --ppid "$1" | tr '\n' ' ')"
}

# wrk: "p50_us p99_us req_s requests bad" from its --latency output
# (bad: answers not 2xx, and requests timed out after 10 s).
run_wrk() {	# CONNS URL [TOKEN]
	if [ -n "${3:-}" ]; then
		$pin wrk -t1 -c"$1" -d"${secs}s" --timeout 10s --latency \
		    -H "Authorization: Bearer $3" "$2"
	else
		$pin wrk -t1 -c"$1" -d"${secs}s" --timeout 10s --latency \
		    "$2"
	fi | awk '
	function us(v) {
		if (v ~ /us$/) return v + 0
		if (v ~ /ms$/) return v * 1000
		if (v ~ /s$/) return v * 1000000
		return v
	}
	$1 == "50%" { p50 = us($2) }
	$1 == "99%" { p99 = us($2) }
	/requests in/ { n = $1 }
	/^Requests\/sec:/ { rs = $2 }
	/Non-2xx/ { bad += $NF }
	/Socket errors:/ { bad += $NF }		# timeouts
	END { printf "%.0f %.0f %.0f %d %d\n", p50, p99, rs, n, bad }'
}

# One measurement: a line "what side p50 p99 req/s cpu_us_per_request
# answers_not_2xx" (every run should have none: the table shows them).
one() {	# WHAT SIDE URL TOKEN PIDS...
	what=$1 side=$2 url=$3 tok=$4
	shift 4
	c0=$(ticks_of "$@")
	set -- $(run_wrk 1 "$url" "$tok") "$@"
	p50=$1 p99=$2 n=$4 bad=$5
	shift 5
	c1=$(ticks_of "$@")
	set -- $(run_wrk 32 "$url" "$tok")
	echo "$what $side $p50 $p99 $3 $(awk -v c="$((c1 - c0))" -v n="$n" \
	    -v hz="$hz" 'BEGIN { printf "%.1f", n ? c / hz * 1e6 / n : 0 }')" \
	    "$((bad + $5))"
}

measure() {	# WHAT SIDE: nginx or node_exporter (A), then berth (B)
	b=http://127.0.0.1:$port
	n=http://127.0.0.1:$nport
	case $1 in
	health)	one health nginx "$n/health" "" $(tree "$npid")
		one health "$2" "$b/health" "" $(tree "$bpid") ;;
	ws)	one ws nginx "$n/ws" "" $(tree "$npid")
		one ws "$2" "$b/api/workspaces/$wsid" "$t10" $(tree "$bpid") ;;
	list10)	one list10 nginx "$n/list10" "" $(tree "$npid")
		one list10 "$2" "$b/api/workspaces" "$t10" $(tree "$bpid") ;;
	list200) one list200 nginx "$n/list200" "" $(tree "$npid")
		one list200 "$2" "$b/api/workspaces" "$t200" $(tree "$bpid") ;;
	metrics) one metrics node_exporter "http://127.0.0.1:$xport/metrics" \
		    "" "$xpid"
		one metrics "$2" "$b/api/metrics" "" $(tree "$bpid") ;;
	esac
}

# The other build in place of the running one, on the same workspaces.
switch_to() {	# BUILD_DIR
	stop_pid "$bpid"
	start_berthd "$1"
	wait_running "$t10" 10
	wait_running "$t200" 200
	sleep 2
}

report() {
	awk '
	{
		k = $1 " " $2
		if (!(k in n)) order[++m] = k
		n[k]++; p50[k] = p50[k] " " $3; p99[k] = p99[k] " " $4
		rs[k] = rs[k] " " $5; cpu[k] = cpu[k] " " $6; bad[k] += $7
		# Pairs of one round: ws against /health on the same side,
		# and against the nginx run just before it.
		if ($1 == "health") h50[$2] = $3
		if ($1 == "ws" && $2 == "nginx") nws = $5
		if ($1 == "ws" && $2 != "nginx") {
			if (!($2 in pr)) sides[++ns] = $2
			pr[$2] = pr[$2] sprintf(" %.2f", h50[$2] ? $3 / h50[$2] : 0)
			rr[$2] = rr[$2] sprintf(" %.2f", nws ? $5 / nws : 0)
		}
	}
	function med(s,    a, c, i, j, t) {
		c = split(s, a, " ")
		for (i = 1; i <= c; i++)
			for (j = i + 1; j <= c; j++)
				if (a[j] + 0 < a[i] + 0) {
					t = a[i]; a[i] = a[j]; a[j] = t
				}
		return a[int((c + 1) / 2)]
	}
	function range(s,    a, c, i, lo, hi) {
		c = split(s, a, " ")
		lo = hi = a[1] + 0
		for (i = 2; i <= c; i++) {
			if (a[i] + 0 < lo) lo = a[i] + 0
			if (a[i] + 0 > hi) hi = a[i] + 0
		}
		return lo == hi ? lo : lo "-" hi
	}
	END {
		print "| request | side | 1 conn p50 us | 1 conn p99 us |" \
		    " 32 conns req/s | CPU us/request (1 conn) |" \
		    " not 2xx or timed out |"
		print "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
		for (i = 1; i <= m; i++) {
			k = order[i]
			split(k, w, " ")
			printf "| %s | %s | %s | %s | %s | %s | %d |\n", w[1],
			    w[2], range(p50[k]), range(p99[k]), range(rs[k]),
			    med(cpu[k]), bad[k]
		}
		for (i = 1; i <= ns; i++)
			printf "# %s, round by round: ws p50 / health p50:%s;" \
			    " ws req/s at 32 / nginx'"'"'s just before:%s\n",
			    sides[i], pr[sides[i]], rr[sides[i]]
	}' "$dir/results"
}

# perf of berth's processes during one connection's requests.
profile() {	# FILE
	: >"$1"
	for w in ws list200 metrics; do
		case $w in
		ws)	u=/api/workspaces/$wsid t=$t10 ;;
		list200) u=/api/workspaces t=$t200 ;;
		metrics) u=/api/metrics t= ;;
		esac
		perf record -q -F 2999 -g -o "$dir/perf.data" \
		    -p "$(tree "$bpid" | tr -s ' ' ',' | sed 's/,$//')" \
		    -- sleep "$secs" >/dev/null 2>&1 &
		ppid=$!
		run_wrk 1 "http://127.0.0.1:$port$u" "$t" >/dev/null
		wait "$ppid" || true
		{ echo "## $w: 1 connection, $secs s"
		  perf report -i "$dir/perf.data" --stdio --no-children \
		      --sort comm,dso,sym -g none --percent-limit 1.5 \
		      2>/dev/null | grep -v '^#' | grep -v '^$'
		} >>"$1"
	done
}

# berth's IPC round trip itself, as the gateway sees it: from its
# sendmsg() to berthd to the recvmsg() of the answer (kernel
# tracepoints; the gateway makes no other sendmsg or recvmsg), while one
# connection asks for one workspace.
ipc_trace() {	# SIDE
	gw=$(pgrep -P "$bpid" -x gateway) || die "no gateway under $bpid"
	perf record -q -e syscalls:sys_enter_sendmsg \
	    -e syscalls:sys_exit_recvmsg -o "$dir/ipc.data" -p "$gw" \
	    -- sleep "$secs" >/dev/null 2>&1 &
	ppid=$!
	run_wrk 1 "http://127.0.0.1:$port/api/workspaces/$wsid" "$t10" \
	    >/dev/null
	wait "$ppid" || true
	perf script -i "$dir/ipc.data" -F time,event 2>/dev/null | awk '
	/sys_enter_sendmsg/ { t0 = $1 + 0; next }
	/sys_exit_recvmsg/ && t0 > 0 {
		printf "%.1f\n", ($1 - t0) * 1e6; t0 = 0 }' |
	    sort -n >"$dir/ipc.txt"
	awk -v side="$1" '{ v[NR] = $1 }
	END { if (NR == 0) { print "#   " side ": no round trip traced"; exit }
	    printf "#   %s: p50 %.1f us, p99 %.1f us (%d round trips)\n",
	    side, v[int((NR + 1) / 2)], v[int((NR * 99 + 99) / 100)], NR }' \
	    "$dir/ipc.txt"
}

# ---------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "run as root (berthd's workers drop to berth)"
[ -x "$build/berthd" ] || die "no $build/berthd: build first"
docker image inspect berth/demo-workspace:latest >/dev/null 2>&1 ||
    die "no berth/demo-workspace:latest: run sh contrib/demo-image.sh"
deps
[ -x "$build/bench/pingpong" ] || make -C "$build" bench/pingpong \
    >/dev/null || die "cannot build bench/pingpong"
port=$(free_port 18280)
write_config
start_berthd "$build"
echo "# berth $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?)," \
    "$(uname -srm), $(nproc) cores, nginx $(nginx -v 2>&1 | sed 's/.*\///')," \
    "$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')"
t=$(date +%s)
create "$u10" 10
create "$u200" 200
wait_running "$t10" 10
wait_running "$t200" 200
echo "# 210 workspaces created and running in $(($(date +%s) - t)) s"
wsid=$(get "$t10" /api/workspaces | grep -o '"id":"[^"]*"' | head -n 1 |
    cut -d'"' -f4)
echo "# answers (nginx serves the same bytes):"
save_answers
start_nginx
echo "#   metrics: $(grep -vc '^#' "$dir/www/metrics") series (berth)," \
    "$(curl -s "http://127.0.0.1:$xport/metrics" | grep -vc '^#')" \
    "series (node_exporter)"
: >"$dir/results"
[ -z "$build2" ] || echo "# berth: $build, berth2: $build2"
r=1
while [ $r -le "$rounds" ]; do
	for w in $only; do
		measure "$w" berth >>"$dir/results"
	done
	if [ -n "$build2" ]; then
		switch_to "$build2"
		for w in $only; do
			measure "$w" berth2 >>"$dir/results"
		done
		[ $r -eq "$rounds" ] || switch_to "$build"
	fi
	r=$((r + 1))
done
echo "# $rounds rounds of $secs s per run, A (nginx/node_exporter) then B" \
    "(berth); ranges over rounds, CPU the median"
report
[ -z "${BERTH_BENCH_PERF:-}" ] || profile "$BERTH_BENCH_PERF"
if command -v perf >/dev/null; then
	echo "# IPC round trip in the gateway (sendmsg to berthd until" \
	    "its answer's recvmsg), one workspace, 1 connection"
	if [ -n "$build2" ]; then
		ipc_trace berth2
		switch_to "$build"
	fi
	ipc_trace berth
else
	echo "# IPC round trip: not traced (perf is not installed)"
fi
echo "# floor: socketpair round trip, frame of a MSG_WS_GET request"
$pin "$build/bench/pingpong" -t "$t10" -i "$wsid" -s "$secs" |
    sed 's/^/#   /'
echo "# floor, both ends on CPU 0"
taskset -c 0 "$build/bench/pingpong" -t "$t10" -i "$wsid" -s "$secs" |
    sed 's/^/#   /'
