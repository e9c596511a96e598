#!/bin/sh
# Issue 16, point 7: backup and restore throughput of a project volume
# through berth (engine archive API, zstd or none, restore checked and
# staged) against `docker cp` of the same data out of and into a
# stopped container, in the same run, with berthd's peak resident
# memory (VmHWM) during it: flat, the archive is streamed.  The volume
# holds SIZE_MB: half in 4 KiB files (many small ones), half in four
# large ones, from /dev/urandom (so compression does not flatter).
# Runs the real berthd of BUILD_DIR (root, foreground, no database) on
# a temporary state directory; needs the demo image
# (contrib/demo-image.sh) and takes the engine lock when run by hand:
#
#   flock /tmp/berth-engine.lock sh bench/volumes.sh BUILD_DIR
#
# Environment: BERTH_BENCH_SIZE_MB (1024), BERTH_BENCH_COMPRESSION
# (none; zstd measures the compressor too).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: volumes.sh BUILD_DIR}" && pwd)
size=${BERTH_BENCH_SIZE_MB:-1024}
comp=${BERTH_BENCH_COMPRESSION:-none}
image=berth/demo-workspace:latest
token=bench-admin-token-$$-$(date +%s)
vol=berth-project-benchvol
dir=$(mktemp -d /tmp/berth-bench-vol.XXXXXX)
chmod 0755 "$dir"
bpid=

cleanup() {
	trap - EXIT INT TERM
	[ -z "$bpid" ] || kill -TERM "$bpid" 2>/dev/null || :
	[ -z "$bpid" ] || wait "$bpid" 2>/dev/null || :
	docker rm -f berth-bench-cp >/dev/null 2>&1 || :
	docker volume rm -f "$vol" berth-bench-cpvol >/dev/null 2>&1 || :
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"

now() { date +%s.%N; }
rate() { echo "$1 $2 $3" | awk '{ printf "%.1f", $1 / ($3 - $2) }'; }

# ------------------------------------------------------------ the data
docker volume create --label berth.managed=true \
    --label berth.project=benchvol --label berth.owner=admin "$vol" \
    >/dev/null
small=$((size / 2 * 256))	# 4 KiB files in half the size
# The small files come as one tar stream made here (a process a file
# in the container took minutes for a GiB); 1000 to a directory.
python3 -c '
import io, os, sys, tarfile
n = int(sys.argv[1])
with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as t:
	for i in range(n):
		ti = tarfile.TarInfo("d%d/f%d" % (i // 1000, i))
		ti.size = 4096
		t.addfile(ti, io.BytesIO(os.urandom(4096)))
' "$small" | docker run -i --rm --network none -v "$vol":/d "$image" sh -c "
	mkdir -p /d/small && tar -x -f - -C /d/small &&
	for n in 1 2 3 4; do
		dd if=/dev/urandom of=/d/large\$n bs=1048576 \\
		    count=$((size / 8)) 2>/dev/null
	done" || die "cannot fill the volume"
mb=$size

# ------------------------------------------------------------ berthd
port=$(free_port)
cat >"$dir/berth.conf" <<CONF
[server]
http_listen = 127.0.0.1:$port
state_dir = $dir
user = berth
request_timeout_ms = 60000

[database]
embedded = false

[auth]
admin_token = $token

[type.demo]
image = $image
port = 8080
CONF
chmod 600 "$dir/berth.conf"	# it holds a token: berthd insists
start_berthd
papi() {	# METHOD PATH [BODY] under the project: the body
	curl -sf -X "$1" -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' ${3:+-d "$3"} \
	    "http://127.0.0.1:$port/api/projects/benchvol$2"
}
hwm() { awk '/VmHWM/ { print $2 }' "/proc/$bpid/status"; }
rss0=$(hwm)

# ------------------------------------------------------------ berth
t0=$(now)
bid=$(papi POST /backup "{\"compression\":\"$comp\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["backupId"])')
while :; do
	st=$(papi GET "/backups/$bid" |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
	[ "$st" = running ] || break
	sleep 0.2
done
t1=$(now)
[ "$st" = done ] || die "backup $st"
papi POST /restore "{\"backupId\":\"$bid\"}" >/dev/null || die "restore"
t2=$(now)
rss1=$(hwm)

# ------------------------------------------------------------ docker cp
docker volume create berth-bench-cpvol >/dev/null
docker create --name berth-bench-cp -v "$vol":/src -v berth-bench-cpvol:/dst \
    "$image" true >/dev/null
t3=$(now)
docker cp berth-bench-cp:/src - > "$dir/cp.tar"
t4=$(now)
docker cp - berth-bench-cp:/dst < "$dir/cp.tar"
t5=$(now)

echo "# berth $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?)," \
    "$(nproc) CPUs, $mb MB volume, compression $comp"
echo "berth backup:      $(rate "$mb" "$t0" "$t1") MB/s"
echo "berth restore:     $(rate "$mb" "$t1" "$t2") MB/s (checked, staged, twice written)"
echo "docker cp out:     $(rate "$mb" "$t3" "$t4") MB/s"
echo "docker cp in:      $(rate "$mb" "$t4" "$t5") MB/s"
echo "berthd VmHWM:      ${rss0} kB before, ${rss1} kB after"
