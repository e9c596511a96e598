#!/bin/sh
# Build the tiny local workspace image berth/demo-workspace with
# `docker import` from Debian's busybox-static (no registry needed).
# busybox httpd answers /healthz on port 8080 and stands in for
# code-server.  DEMO_START_DELAY (seconds) delays the start, so tests
# can check startup timing; the DEMO_LOG_* variables make it log (see
# bin/workspace below).  Usage: sh contrib/demo-image.sh [tag]
set -eu
TAG=${1:-berth/demo-workspace:latest}
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || { echo "install busybox-static" >&2; exit 1; }
ldd "$BUSYBOX" 2>&1 | grep -q "not a dynamic" ||
	{ echo "$BUSYBOX is not static: install busybox-static" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/workspace" \
	"$root/etc" "$root/proc" "$root/sys" "$root/dev"
cp "$BUSYBOX" "$root/bin/busybox"
for applet in sh httpd wget sleep cat echo ls head dd seq mkdir env \
	date kill ps true false yes tail tr sed awk ping arping nc \
	timeout; do
	ln -s busybox "$root/bin/$applet"
done
echo ok > "$root/www/healthz"
echo "berth demo workspace" > "$root/www/index.html"
echo "root:x:0:0:root:/workspace:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
cat > "$root/bin/workspace" <<'EOS'
#!/bin/sh
# The demo workspace: optional start delay, a line of log per
# DEMO_LOG_INTERVAL seconds (DEMO_LOG_PER_TICK lines each time, default
# 1: busybox's sleep is a process, so a few hundred a second is all one
# line a tick gives), and busybox httpd in the foreground.
# For the log tests: DEMO_LOG_ECHO is written once (echo -e: "\0377"
# is a byte), DEMO_LOG_STDERR once to stderr, and DEMO_LOG_BURST_LINES
# lines of DEMO_LOG_BURST_WIDTH (default 100) bytes as fast as they go
# (after DEMO_START_DELAY).
PORT=${PORT:-8080}
echo "demo workspace starting (delay ${DEMO_START_DELAY:-0}s, port $PORT)"
if [ -n "${DEMO_LOG_ECHO:-}" ]; then
	echo -e "$DEMO_LOG_ECHO"
fi
if [ -n "${DEMO_LOG_STDERR:-}" ]; then
	echo "$DEMO_LOG_STDERR" >&2
fi
if [ -n "${DEMO_START_DELAY:-}" ]; then
	sleep "$DEMO_START_DELAY"
fi
if [ -n "${DEMO_LOG_BURST_LINES:-}" ]; then
	line=$(head -c "${DEMO_LOG_BURST_WIDTH:-100}" /dev/zero | tr '\0' x)
	yes "$line" | head -n "$DEMO_LOG_BURST_LINES"
	echo "burst done"
fi
if [ -n "${DEMO_LOG_INTERVAL:-}" ]; then
	( n=0; k=${DEMO_LOG_PER_TICK:-1}; while :; do i=0
	  while [ $i -lt "$k" ]; do n=$((n + 1)); i=$((i + 1));
	  echo "tick $n"; done; sleep "$DEMO_LOG_INTERVAL"; done ) &
fi
if [ -n "${DEMO_ALLOC_MB:-}" ]; then
	# Allocate DEMO_ALLOC_MB MiB (for OOM tests): past the memory
	# limit the kernel kills the allocation and the workspace ends.
	echo "allocating ${DEMO_ALLOC_MB} MiB"
	dd if=/dev/zero bs=1M count="$DEMO_ALLOC_MB" 2>/dev/null |
	    tail -c $((DEMO_ALLOC_MB * 1048576)) >/dev/null
	echo "allocation ended: exiting"
	exit 137
fi
echo "demo workspace listening on $PORT"
exec httpd -f -p "$PORT" -h /www
EOS
chmod 755 "$root/bin/workspace"
tar -C "$root" -c . | docker import \
	-c 'CMD ["/bin/workspace"]' \
	-c 'ENV PATH=/bin PORT=8080' \
	-c 'EXPOSE 8080' \
	-c 'WORKDIR /workspace' \
	- "$TAG" >/dev/null
echo "built $TAG"
