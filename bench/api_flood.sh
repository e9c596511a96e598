#!/bin/sh
# Issue 12, point 3: do authenticated requests keep answering while
# anonymous ones flood the gateway?  Runs the real berthd of BUILD_DIR
# (as root, in the foreground, without a database) on a temporary state
# directory, then measures the latency of COUNT authenticated
# GET /api/workspaces (one at a time, a new connection each, from
# 127.0.0.1) twice: alone, and while FLOODERS clients (each from its own
# address 127.0.0.10, .11, ...; CONNS connections at a time each) send
# /ready, /api/health and /api/metrics without a token as fast as they
# are answered.  Prints p50, p95, p99 and max of both runs, the flood's
# rate and its answers by status.  Needs python3 (the clients).
#
#   sh bench/api_flood.sh BUILD_DIR
#
# Environment: BERTH_BENCH_COUNT (500), BERTH_BENCH_FLOODERS (4),
# BERTH_BENCH_CONNS (8), BERTH_BENCH_CACHE_MS (anonymous_cache_ms,
# 1000; 0 measures without the snapshot), BERTH_BENCH_LOG (a file to
# keep berthd's log in).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: api_flood.sh BUILD_DIR}" && pwd)
count=${BERTH_BENCH_COUNT:-500}
flooders=${BERTH_BENCH_FLOODERS:-4}
conns=${BERTH_BENCH_CONNS:-8}
cache=${BERTH_BENCH_CACHE_MS:-1000}
token=bench-admin-token-$$-$(date +%s)
utoken=bench-user-token-$$-$(date +%s)
dir=$(mktemp -d /tmp/berth-bench-flood.XXXXXX)
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
	[ -z "${BERTH_BENCH_LOG:-}" ] || cp "$dir/berthd.log" "$BERTH_BENCH_LOG"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "api_flood.sh: $*" >&2
	exit 1
}

free_port() {
	p=18180
	while ss -Hltn "sport = :$p" | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

port=$(free_port)
cat >"$dir/berth.conf" <<EOF
[server]
http_listen = 127.0.0.1:$port
state_dir = $dir
user = berth
anonymous_cache_ms = $cache

[database]
embedded = false

[auth]
admin_token = $token

[token.bench]
token = $utoken
user = bench-$$
EOF

# berthd runs as a copy named berth-bench, its workers beside it.
cp "$build/berthd" "$dir/berth-bench"
cp "$build"/berth-gateway "$build"/berth-scheduler "$build"/berth-healthmon \
    "$build"/berth-statswriter "$build"/berth-logstreamer "$dir"/
chmod 0755 "$dir"/berth-*
"$dir/berth-bench" -f -c "$dir/berth.conf" >"$dir/berthd.log" 2>&1 &
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

echo "# berth $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?)," \
    "$(nproc) CPUs, anonymous_cache_ms $cache, $count requests," \
    "$flooders flooders x $conns connections"
python3 - "$port" "$utoken" "$count" "$flooders" "$conns" <<'EOF'
import socket, sys, threading, time, collections

port, token, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
flooders, conns = int(sys.argv[4]), int(sys.argv[5])

def request(src, path, auth=None, timeout=10):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    h = "GET %s HTTP/1.1\r\nHost: bench\r\n" % path
    if auth:
        h += "Authorization: Bearer %s\r\n" % auth
    s.sendall((h + "\r\n").encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return int(data.split(b" ", 2)[1]) if data else 0

def measure():
    lat, codes = [], collections.Counter()
    for _ in range(count):
        t = time.monotonic()
        try:
            codes[request("127.0.0.1", "/api/workspaces", token)] += 1
        except OSError:
            codes["error"] += 1
        lat.append((time.monotonic() - t) * 1000)
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    return q(0.5), q(0.95), q(0.99), lat[-1], dict(codes)

stop = False
flood_codes = collections.Counter()
flood_n = [0]
lock = threading.Lock()

def flood(src, k):
    paths = ["/ready", "/api/health", "/api/metrics"]
    i = k
    while not stop:
        try:
            c = request(src, paths[i % 3], timeout=5)
        except OSError:
            c = "error"
        with lock:
            flood_codes[c] += 1
            flood_n[0] += 1
        i += 1

def show(name, r):
    print("| %-11s | %7.2f | %7.2f | %7.2f | %7.2f | %s |"
          % ((name,) + r[:4] + (r[4],)))

print("| run         | p50 ms  | p95 ms  | p99 ms  | max ms  | answers |")
print("|-------------|--------:|--------:|--------:|--------:|---------|")
show("alone", measure())
threads = [threading.Thread(target=flood, args=("127.0.0.%d" % (10 + f), k))
           for f in range(flooders) for k in range(conns)]
for t in threads:
    t.start()
time.sleep(1)
t0, n0 = time.monotonic(), flood_n[0]
r = measure()
rate = (flood_n[0] - n0) / (time.monotonic() - t0)
stop = True
for t in threads:
    t.join()
show("during flood", r)
print("flood: %.0f anonymous requests/s answered, by status: %s"
      % (rate, dict(flood_codes)))
EOF
