#!/bin/sh
# Issue 5, point 7: berth's own footprint at 200 workspaces.  Runs the
# real berthd of BUILD_DIR (as root, in the foreground) on a temporary
# state directory and a throwaway PostgreSQL (tests/start-postgres.sh),
# with container and host sampling every 10 s, creates COUNT demo
# workspaces through the API (a few requests at a time, as the admin on
# behalf of the user bench-<pid>), waits until they all run, then for
# SECONDS (and for 30 s with no workspace first, for comparison) samples
# every STEP seconds the resident memory of berthd and its five workers
# (VmRSS of /proc/PID/status, Pss and Private_* of
# /proc/PID/smaps_rollup; PostgreSQL is not counted) and their CPU time
# (utime+stime of /proc/PID/stat) at start and end.  Prints a table.
# On exit it stops berthd, removes the containers labelled
# berth.managed=true and berth.user=bench-<pid> (workspaces outlive
# berthd by design), stops PostgreSQL and removes the directory.
#
#   sh bench/overhead.sh BUILD_DIR
#
# Environment: BERTH_BENCH_COUNT (200), BERTH_BENCH_SECONDS (120),
# BERTH_BENCH_STEP (10), BERTH_BENCH_PARALLEL (4 requests at a time),
# BERTH_BENCH_HEALTH_INTERVAL (the demo type's engine health check
# interval in seconds, default 30 as for any type; contrib/demo.conf's
# 1 s means 200 health-check execs a second at 200 workspaces),
# BERTH_BENCH_LOG (a file to keep berthd's log in).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: overhead.sh BUILD_DIR}" && pwd)
count=${BERTH_BENCH_COUNT:-200}
secs=${BERTH_BENCH_SECONDS:-120}
step=${BERTH_BENCH_STEP:-10}
par=${BERTH_BENCH_PARALLEL:-4}
hint=${BERTH_BENCH_HEALTH_INTERVAL:-30}
user=bench-$$
token=bench-admin-token-$$-$(date +%s)
hz=$(getconf CLK_TCK)
workers="gateway scheduler healthmon statswriter logstreamer"
dir=$(mktemp -d /tmp/berth-bench-overhead.XXXXXX)
chmod 0755 "$dir"
bpid=

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$bpid" ] && kill -0 "$bpid" 2>/dev/null; then
		kill -TERM "$bpid"
		i=0
		while kill -0 "$bpid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	ids=$(docker ps -aq --filter label=berth.managed=true \
	    --filter "label=berth.user=$user")
	if [ -n "$ids" ]; then
		echo "# removing $(echo "$ids" | wc -l) workspace containers" >&2
		echo "$ids" | xargs -n 20 -P 4 docker rm -f >/dev/null || true
	fi
	sh "$here/tests/start-postgres.sh" stop "$dir/pg" >/dev/null 2>&1 ||
	    true
	[ -z "${BERTH_BENCH_LOG:-}" ] || cp "$dir/berthd.log" "$BERTH_BENCH_LOG"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"

write_config() {
	cat >"$dir/berth.conf" <<EOF
[server]
http_listen = 127.0.0.1:$port
state_dir = $dir
user = berth
log_level = info

[docker]
stop_timeout_s = 2

[database]
url = $conninfo

[metrics]
app_interval_ms = 10000
system_interval_ms = 10000

[auth]
admin_token = $token

[type.demo]
image = berth/demo-workspace:latest
port = 8080
cpus = 0.5
memory_mb = 64
memory_reservation_mb = 32
max_cpus = 2
max_memory_mb = 512
health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz || exit 1
health_interval_s = $hint
health_timeout_s = 2
health_retries = 3
health_start_period_s = 0
volume_path = /workspace
tiers = free,basic,pro
EOF
	chmod 600 "$dir/berth.conf"	# it holds a token: berthd insists
}

mem_kb() {	# PID: "rss pss private" in KiB
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
	awk -v rss="$rss" '/^Pss:/ { pss = $2 }
	    /^Private_(Clean|Dirty):/ { priv += $2 }
	    END { print rss, pss, priv }' "/proc/$1/smaps_rollup"
}

# Sample every STEP s for SECS s; per-process lines "name pid rss pss
# private" in $dir/mem, CPU ticks at start and end in $dir/cpu0, $dir/cpu1.
measure() {
	procs >"$dir/procs"
	: >"$dir/mem"
	t0=$(date +%s.%N)
	while read -r p name; do
		echo "$name $(cpu_ticks "$p")"
	done <"$dir/procs" >"$dir/cpu0"
	elapsed=0
	while :; do
		alive
		while read -r p name; do
			echo "$name $p $(mem_kb "$p")"
		done <"$dir/procs" >>"$dir/mem"
		[ "$elapsed" -lt "$secs" ] || break
		sleep "$step"
		elapsed=$((elapsed + step))
	done
	alive
	while read -r p name; do
		echo "$name $(cpu_ticks "$p")"
	done <"$dir/procs" >"$dir/cpu1"
	t1=$(date +%s.%N)
	procs >"$dir/procs1"
	cmp -s "$dir/procs" "$dir/procs1" ||
	    echo "# warning: a worker restarted during the measurement"
}

report() {	# TITLE
	wall=$(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }')
	echo "# $1: ${wall} s, memory every ${step} s" \
	    "($(($(wc -l <"$dir/mem") / 6)) samples), CPU at start and end"
	awk -v wall="$wall" -v hz="$hz" '
	FILENAME ~ /cpu0$/ { c0[$1] = $2; next }
	FILENAME ~ /cpu1$/ { c1[$1] = $2; next }
	{
		n[$1]++; rs[$1] += $3; ps[$1] += $4
		if ($3 > rm[$1]) rm[$1] = $3
		if ($4 > pm[$1]) pm[$1] = $4
		if ($5 > um[$1]) um[$1] = $5
		if (!($1 in order)) { order[$1] = ++k; name[k] = $1 }
	}
	function row(p, a, b, c, d, e, f) {
		printf "%-12s %9.2f %9.2f %9.2f %9.2f %9.2f %9.3f\n", p,
		    a / 1024, b / 1024, c / 1024, d / 1024, e / 1024, f
	}
	END {
		printf "%-12s %9s %9s %9s %9s %9s %9s\n", "process",
		    "RSS avg", "RSS max", "PSS avg", "PSS max", "Priv max",
		    "CPU %"
		printf "%-12s %9s %9s %9s %9s %9s %9s\n", "", "MiB", "MiB",
		    "MiB", "MiB", "MiB", "of 1 cpu"
		for (i = 1; i <= k; i++) {
			p = name[i]
			cpu = (c1[p] - c0[p]) / hz / wall * 100
			row(p, rs[p] / n[p], rm[p], ps[p] / n[p], pm[p], um[p],
			    cpu)
			trs += rs[p] / n[p]; tps += ps[p] / n[p]
			trm += rm[p]; tpm += pm[p]; tum += um[p]; tcpu += cpu
		}
		row("total", trs, trm, tps, tpm, tum, tcpu)
	}' "$dir/cpu0" "$dir/cpu1" "$dir/mem"
}

# ---------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "run as root (berthd's workers drop to berth)"
[ -x "$build/berthd" ] || die "no $build/berthd: build first"
docker image inspect berth/demo-workspace:latest >/dev/null 2>&1 ||
    die "no berth/demo-workspace:latest: run sh contrib/demo-image.sh"
conninfo=$(sh "$here/tests/start-postgres.sh" "$dir/pg" 5439 \
    2>"$dir/pg.log") || { cat "$dir/pg.log" >&2; die "no PostgreSQL"; }
port=$(free_port)
write_config
start_berthd
echo "# $(uname -srm), $(nproc) cores, Docker Engine" \
    "$(docker version -f '{{.Server.Version}}'), berthd $build/berthd"
echo "# health check every $hint s, samples every 10 s," \
    "$(docker ps -q | wc -l) containers running before"

# Idle, no workspace: a shorter window for comparison.
secs0=$secs
secs=30
measure
report "no workspace"
secs=$secs0

t=$(date +%s)
create_all
ok=$(grep -c '^201$' "$dir/codes" || true)
echo "# POST /api/workspaces x $count, $par at a time: $ok answered 201" \
    "in $(($(date +%s) - t)) s"
if [ "$ok" -ne "$count" ]; then
	sort "$dir/codes" | uniq -c | sed 's/^/#   /'
	for f in "$dir"/ws.*.json; do
		grep -q '"error"' "$f" 2>/dev/null && cat "$f" && echo
	done | sort | uniq -c | head -n 5 | sed 's/^/#   /'
	die "not every workspace was created"
fi
wait_running
echo "# all $count running after $(($(date +%s) - t)) s"
# Let the first sampling cycles and the startup probes pass.
sleep 20
echo "# berthd lists $(api GET /api/workspaces |
    grep -o '"status":"running"' | wc -l) running workspaces in all"
measure
report "$count workspaces running"
echo "# berthd log: $(grep -ci 'warn' "$dir/berthd.log") warning lines," \
    "$(grep -ci 'error' "$dir/berthd.log") error lines"
grep -i 'warn\|error' "$dir/berthd.log" | sed 's/^[^:]*: //' |
    sort | uniq -c | sort -rn | head -n 5 | sed 's/^/#   /'
