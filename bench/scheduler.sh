#!/bin/sh
# Issue 13, point 7: what the scheduler costs.  Runs the real berthd of
# BUILD_DIR (root, foreground, no database, BERTH_TEST_CLOCK=1) with the
# default jobs, COUNT demo workspaces and VOLUMES project volumes, then:
#  - an hour of the default jobs: berthd's clock is moved a minute at a
#    time (berthctl clock +60), 60 times, and each minute's runs are
#    waited for; the CPU time (utime+stime) of the scheduler, berthd and
#    dockerd over it.  The scheduler's 1 s tick runs on the real clock,
#    so its idle CPU per real second (measured first, IDLE seconds) is
#    counted 3600 times and the simulated hour's real duration not;
#  - one full cleanup pass (POST /api/monitoring/cleanup, answered when
#    every cleanup job is done): its wall time and the CPU of berthd,
#    the scheduler and dockerd;
#  - the same listing with the docker CLI, in the same run: `docker ps
#    -a` and `docker volume ls` of berth's label, wall time and the CPU
#    of the CLI and of dockerd.
# On exit it stops berthd and removes its containers and the volumes.
#
#   flock /tmp/berth-engine.lock sh bench/scheduler.sh BUILD_DIR
#
# Environment: BERTH_BENCH_COUNT (200), BERTH_BENCH_VOLUMES (500),
# BERTH_BENCH_IDLE (60), BERTH_BENCH_PARALLEL (4 requests at a time).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: scheduler.sh BUILD_DIR}" && pwd)
count=${BERTH_BENCH_COUNT:-200}
nvol=${BERTH_BENCH_VOLUMES:-500}
idle=${BERTH_BENCH_IDLE:-60}
par=${BERTH_BENCH_PARALLEL:-4}
user=bench-$$
token=bench-admin-token-$$-$(date +%s)
hz=$(getconf CLK_TCK)
workers="gateway scheduler healthmon statswriter logstreamer"
dir=$(mktemp -d /tmp/berth-bench-sched.XXXXXX)
chmod 0755 "$dir"
bpid=

cleanup() {
	trap - EXIT INT TERM
	[ -z "$bpid" ] || kill -TERM "$bpid" 2>/dev/null || :
	[ -z "$bpid" ] || wait "$bpid" 2>/dev/null || :
	docker ps -aq --filter label=berth.managed=true \
	    --filter "label=berth.user=$user" |
	    xargs -r -n 20 -P 4 docker rm -f >/dev/null 2>&1 || :
	docker volume ls -q --filter "label=berth.bench=$user" |
	    xargs -r -n 50 docker volume rm -f >/dev/null 2>&1 || :
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"

ctl() { "$build/berthctl" -s "$dir/admin.sock" "$@"; }
dockerd_pid() { pgrep -x dockerd | head -n 1; }
ticks() { cpu_ticks "$1"; }
secs() { echo "$1 $2" | awk -v hz="$hz" '{ printf "%.2f", ($1 - $2) / hz }'; }
now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.2f", $1 - $2 }'; }

# Whether a job runs now (berthctl jobs --json).
running() {
	ctl jobs --json | python3 -c '
import json, sys
sys.exit(0 if any(j["running"] for j in json.load(sys.stdin)) else 1)'
}

[ "$(id -u)" -eq 0 ] || die "run as root (berthd's workers drop to berth)"
[ -x "$build/berthd" ] || die "no $build/berthd: build first"
port=$(free_port)
cat >"$dir/berth.conf" <<EOF
[server]
http_listen = 127.0.0.1:$port
state_dir = $dir
admin_socket = $dir/admin.sock
user = berth

[docker]
stop_timeout_s = 2

[database]
embedded = false

[auth]
admin_token = $token

[tier.free]
max_session_min = 525600
max_workspaces_per_user = 1000

[type.demo]
image = berth/demo-workspace:latest
port = 8080
cpus = 0.5
memory_mb = 64
memory_reservation_mb = 32
volume_path = /workspace
tiers = free
EOF
chmod 600 "$dir/berth.conf"
export BERTH_TEST_CLOCK=1
start_berthd
echo "# $(uname -srm), $(nproc) cores, Docker Engine" \
    "$(docker version -f '{{.Server.Version}}'), berthd $build/berthd"

# ------------------------------------------------------------ the load
t=$(date +%s)
create_all
ok=$(grep -c '^201$' "$dir/codes" || true)
[ "$ok" -eq "$count" ] || { sort "$dir/codes" | uniq -c >&2;
    die "$ok of $count workspaces created"; }
wait_running
seq "$nvol" | xargs -P 4 -I{} docker volume create \
    --label berth.managed=true --label "berth.project=bench{}-$$" \
    --label "berth.owner=$user" --label "berth.bench=$user" \
    "berth-project-bench{}-$$" >/dev/null
echo "# $count workspaces running and $nvol volumes made in" \
    "$(($(date +%s) - t)) s; $(docker ps -q | wc -l) containers and" \
    "$(docker volume ls -q | wc -l) volumes on the engine"
sleep 10
while running; do sleep 1; done
sched=$(procs | awk '$2 == "scheduler" { print $1 }')
dpid=$(dockerd_pid)

# ------------------------------------------------------------ idle
s0=$(ticks "$sched"); t0=$(now)
sleep "$idle"
s1=$(ticks "$sched"); t1=$(now)
idle_s=$(echo "$s1 $s0 $t1 $t0" | awk -v hz="$hz" \
    '{ printf "%.4f", ($1 - $2) / hz / ($3 - $4) }')

# ------------------------------------------------------------ an hour
s0=$(ticks "$sched"); b0=$(ticks "$bpid"); d0=$(ticks "$dpid"); t0=$(now)
i=0
while [ $i -lt 60 ]; do
	ctl clock +60 >/dev/null
	sleep 1.2	# the next tick fires what is due
	while running; do sleep 0.2; done
	i=$((i + 1))
done
s1=$(ticks "$sched"); b1=$(ticks "$bpid"); d1=$(ticks "$dpid"); t1=$(now)
runs=$(ctl jobs --json | python3 -c '
import json, sys
print(sum(j["runs"] for j in json.load(sys.stdin)))')
real=$(elapsed "$t1" "$t0")
ticks_h=$(echo "$idle_s" | awk '{ printf "%.2f", $1 * 3600 }')
jobs_h=$(echo "$s1 $s0 $real $idle_s" | awk -v hz="$hz" \
    '{ v = ($1 - $2) / hz - $3 * $4; printf "%.2f", v < 0 ? 0 : v }')

# ------------------------------------------------------------ cleanup
s0=$(ticks "$sched"); b0c=$(ticks "$bpid"); d0c=$(ticks "$dpid"); t0=$(now)
out=$(api POST /api/monitoring/cleanup)
s1c=$(ticks "$sched"); b1c=$(ticks "$bpid"); d1c=$(ticks "$dpid"); t1c=$(now)
[ "$(echo "$out" | tail -n 1)" = 200 ] || die "cleanup: $out"
counts=$(echo "$out" | head -n 1)

# ------------------------------------------------------------ docker CLI
d0d=$(ticks "$dpid")
python3 -c '
import resource, subprocess, sys, time
t = time.time()
for cmd in (["docker", "ps", "-a", "--no-trunc", "--filter",
    "label=berth.managed=true", "--format", "{{.ID}} {{.State}} {{.Labels}}"],
    ["docker", "volume", "ls", "--filter", "label=berth.managed=true",
    "--format", "{{.Name}} {{.Labels}}"]):
	subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f %.2f %.2f" % (time.time() - t, r.ru_utime, r.ru_stime))
' >"$dir/cli.time"
d1d=$(ticks "$dpid")

echo "# berth $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?)," \
    "$count workspaces, $nvol volumes, the default jobs"
echo "scheduler idle:          $idle_s s CPU per s ($ticks_h s an hour)"
echo "an hour of jobs:         $runs runs in $real s real;" \
    "scheduler $(secs "$s1" "$s0") s CPU ($jobs_h s past its ticks)," \
    "berthd $(secs "$b1" "$b0") s, dockerd $(secs "$d1" "$d0") s"
echo "scheduler per hour:      $(echo "$ticks_h $jobs_h" |
    awk '{ printf "%.2f", $1 + $2 }') s CPU"
echo "cleanup pass:            $(elapsed "$t1c" "$t0") s wall;" \
    "scheduler $(secs "$s1c" "$s0") s, berthd $(secs "$b1c" "$b0c") s," \
    "dockerd $(secs "$d1c" "$d0c") s CPU"
echo "                         $counts"
read -r e u s <"$dir/cli.time"
echo "docker CLI listing:      $e s wall; CLI $(echo "$u $s" |
    awk '{ printf "%.2f", $1 + $2 }') s, dockerd $(secs "$d1d" "$d0d") s CPU"
