#!/bin/sh
# Issue 15, point 7: log fan-out.  A demo workspace prints
# DEMO_LOG_PER_TICK lines (default 5) every DEMO_LOG_INTERVAL s (default
# 0.005): about 1000 lines a second (busybox's sleep is a process, so
# one line a tick at 0.001 s gives only a few hundred; the rate is
# measured) and is followed by 1, 100
# and 1000 clients of berth's SSE stream, then by as many of the
# engine's own follows (the request `docker logs -f` makes, on the
# engine's socket), then (1 and 100 only) as many `docker logs -f`
# processes, in the same run.  For each: delivery latency p50/p99
# from the line's engine timestamp to the client (bench/logs_clients.c),
# the CPU time of berth (berthd and its workers) or of the engine's
# followers (dockerd plus the docker CLI processes; dockerd is also shown
# during berth's runs: its one follow) over the window whose lines are
# counted (taken by the client program), and berth's
# resident memory at the end; client_s is the client program's own CPU
# time (it shares the cores).  Runs the real berthd of BUILD_DIR as
# root on a temporary state directory (no database); removes its
# workspace and directory on exit.
#
#   sh bench/logs.sh BUILD_DIR
#
# Environment: BERTH_BENCH_SECONDS (10 counted, after 2 s of warm-up),
# BERTH_BENCH_CLIENTS ("1 100 1000"), BERTH_BENCH_MODES (the followers
# measured after berth's: "engine docker"; empty for berth alone, when
# trying a change), DEMO_LOG_INTERVAL, DEMO_LOG_PER_TICK, and berth's
# own BERTH_LOGS_* (e.g. BERTH_LOGS_PACE_MS).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: logs.sh BUILD_DIR}" && pwd)
secs=${BERTH_BENCH_SECONDS:-10}
clients=${BERTH_BENCH_CLIENTS:-1 100 1000}
user=bench-logs-$$
token=bench-logs-token-$$-$(date +%s)
dir=$(mktemp -d /tmp/berth-bench-logs.XXXXXX)
chmod 0755 "$dir"
bpid=

cleanup() {
	trap - EXIT INT TERM
	[ -z "$bpid" ] || kill -TERM "$bpid" 2>/dev/null || true
	sleep 1
	docker ps -aq --filter label=berth.managed=true \
	    --filter "label=berth.user=$user" | xargs -r docker rm -f \
	    >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "logs.sh: $*" >&2
	exit 1
}

port=18380
while ss -Hltn "sport = :$port" | grep -q .; do
	port=$((port + 1))
done

api() {	# METHOD PATH [BODY]
	curl -sS -m 60 -X "$1" -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' ${3:+-d "$3"} \
	    "http://127.0.0.1:$port$2"
}

cat >"$dir/berth.conf" <<EOC
[server]
http_listen = 127.0.0.1:$port
state_dir = $dir
user = berth
log_level = warn
http_max_connections = 4000
http_max_connections_per_client = 4000
[docker]
stop_timeout_s = 1
[auth]
admin_token = $token
[logs]
max_streams_per_user = 4000
[type.demo]
image = berth/demo-workspace:latest
port = 8080
cpus = 1
memory_mb = 64
memory_reservation_mb = 32
volume_path = /workspace
EOC
chmod 600 "$dir/berth.conf"

sh "$here/contrib/demo-image.sh" >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -I"$here/common" -o "$dir/logs_clients" \
    "$here/bench/logs_clients.c" "$here/common/rfc3339.c"
# a copy named berth-bench, its workers beside it (see overhead.sh)
cp "$build/berthd" "$dir/berth-bench"
cp "$build"/berth-gateway "$build"/berth-scheduler "$build"/berth-healthmon \
    "$build"/berth-statswriter "$build"/berth-logstreamer "$dir"/
chmod 0755 "$dir"/berth-*
"$dir/berth-bench" -f -c "$dir/berth.conf" >"$dir/berthd.log" 2>&1 &
bpid=$!
i=0
until curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1; do
	kill -0 "$bpid" 2>/dev/null || { cat "$dir/berthd.log" >&2; die "berthd exited"; }
	i=$((i + 1))
	[ $i -lt 300 ] || die "berthd not ready after 30 s"
	sleep 0.1
done

ws=$(api POST /api/workspaces "{\"type\":\"demo\",\"userId\":\"$user\",\
\"env\":{\"DEMO_LOG_INTERVAL\":\"${DEMO_LOG_INTERVAL:-0.005}\",\
\"DEMO_LOG_PER_TICK\":\"${DEMO_LOG_PER_TICK:-5}\"}}")
id=$(echo "$ws" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
cid=$(echo "$ws" | sed -n 's/.*"containerId":"\([^"]*\)".*/\1/p')
[ -n "$id" ] && [ -n "$cid" ] || die "no workspace: $ws"
sleep 3

berth_pids() {
	echo "$bpid"
	ps -o pid= --ppid "$bpid"
}

rss_mb() {	# PIDS...
	for p in "$@"; do
		awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null
	done | awk '{ k += $1 } END { printf "%.1f", k / 1024 }'
}

dockerd=$(pidof dockerd)
rate_before=$(docker logs "$cid" 2>/dev/null | wc -l)
t0=$(date +%s.%N)
printf '%-8s %6s %9s %8s %8s %8s %10s %10s %8s %9s\n' follower clients \
    lines p50_ms p99_ms max_ms cpu_s dockerd_s rss_mb client_s
row() {	# FOLLOWER CLIENTS RSS_MB RESULT: a line of the table
	echo "$4" | awk -v f="$1" -v n="$2" -v m="$3" '{ printf "%-8s %6d %9d %8s %8s %8s %10.2f %10.2f %8s %9s\n",
	    f, n, $2, $4, $6, $8, $14, $16, m, $12 }'
}

for n in $clients; do
	r=$(BENCH_PIDS="$(berth_pids | tr '\n' ' ')" BENCH_DOCKERD=$dockerd \
	    "$dir/logs_clients" sse "$port" "$id" "$token" "$n" "$secs")
	# shellcheck disable=SC2046
	row berth "$n" "$(rss_mb $(berth_pids))" "$r"
	for mode in ${BERTH_BENCH_MODES-engine docker}; do
		# 1000 CLI processes would take GBs of a shared machine
		[ "$mode" = engine ] || [ "$n" -le 100 ] || continue
		r=$(BENCH_PIDS=$dockerd BENCH_DOCKERD=$dockerd \
		    "$dir/logs_clients" "$mode" "$cid" "$n" "$secs")
		row "$mode" "$n" - "$r"
	done
done
t1=$(date +%s.%N)
rate_after=$(docker logs "$cid" 2>/dev/null | wc -l)
echo "$rate_before $rate_after $t0 $t1" | awk '{ printf "lines/s the workspace wrote: %.0f\n", ($2 - $1) / ($4 - $3) }'
