#!/bin/sh
# Issue 5, point 7: the CPU cost of sampling running containers once
# through berth's cgroup path and through the engine's stats endpoint,
# for the first 10, 50 and 200 of COUNT demo containers, in one run of
# bench/sampling (built in BUILD_DIR; by hand when BUILD_DIR's Makefile
# has no rule for it yet).  The containers carry the label
# berth.bench=1 and this run's berth.bench.run=<id>; only those are
# removed, on exit or interrupt.  One of them first writes 16 MiB to a
# file, so its page cache shows raw usage against working set.
#
#   sh bench/sampling.sh BUILD_DIR [SIZES]
#
# SIZES defaults to 10,50,200.  Environment: BERTH_BENCH_COUNT
# (containers to start, default: the largest size), BERTH_BENCH_ARGS
# (more options for bench/sampling, e.g. "-r 500"),
# BERTH_DOCKER_SOCKET (default /var/run/docker.sock), BERTH_BENCH_BEFORE
# (another build's bench/sampling, e.g. before a change: run first,
# against the same containers, in the same run).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: sampling.sh BUILD_DIR [SIZES]}" && pwd)
sizes=${2:-10,50,200}
image=berth/demo-workspace:latest
sock=${BERTH_DOCKER_SOCKET:-/var/run/docker.sock}
count=${BERTH_BENCH_COUNT:-$(echo "$sizes" | tr ',' '\n' | sort -n | tail -n 1)}
run=$$-$(date +%s)
work=$(mktemp -d /tmp/berth-bench-sampling.XXXXXX)

cleanup() {
	trap - EXIT INT TERM
	ids=$(docker ps -aq --filter "label=berth.bench=1" \
	    --filter "label=berth.bench.run=$run")
	if [ -n "$ids" ]; then
		echo "# removing $(echo "$ids" | wc -l) bench containers" >&2
		echo "$ids" | xargs -n 20 -P 4 docker rm -f >/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The program: make knows it once Makefile.am has the bench/sampling
# rule; until then the same flags by hand.
prog=$build/bench/sampling
if grep -q '^bench_sampling_SOURCES' "$build/Makefile"; then
	make -C "$build" bench/sampling >/dev/null
else
	mkdir -p "$build/bench"
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
	    -include "$build/autoconf.h" -I"$here" -I"$here/common" \
	    -I"$here/proto" -o "$prog" "$here/bench/sampling.c" \
	    "$here/bench/sampling_engine.c" "$build/libberthcommon.a" \
	    $(pkg-config --cflags --libs libcurl jansson) -lm
fi

docker image inspect "$image" >/dev/null 2>&1 ||
    { echo "no $image: run sh contrib/demo-image.sh" >&2; exit 1; }

# COUNT containers, 10 docker run at a time.
echo "# starting $count containers (label berth.bench.run=$run)" >&2
t0=$(date +%s)
seq "$count" | xargs -P 10 -I{} docker run -d --label berth.bench=1 \
    --label "berth.bench.run=$run" --memory 64m "$image" >/dev/null
ids=$(docker ps -q --no-trunc --filter "label=berth.bench.run=$run" \
    --filter status=running)
n=$(echo "$ids" | wc -l)
[ "$n" -eq "$count" ] ||
    { echo "only $n of $count containers running" >&2; exit 1; }
echo "# started in $(($(date +%s) - t0)) s" >&2

# "ID PID" lines, oldest first.
# shellcheck disable=SC2086
docker inspect -f '{{.Created}} {{.Id}} {{.State.Pid}}' $ids | sort |
    cut -d' ' -f2,3 >"$work/targets"
first=$(head -n 1 "$work/targets" | cut -d' ' -f1)
docker exec "$first" sh -c \
    'dd if=/dev/zero of=/workspace/cache bs=1M count=16 2>/dev/null'

# Let the engine settle after the starts.
sleep 10
others=$(docker ps -q | wc -l)
echo "# $(uname -srm), $(nproc) cores, $(grep -m1 'model name' \
    /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "# Docker Engine $(docker version -f '{{.Server.Version}}'), \
$((others - count)) other containers running"
if [ -n "${BERTH_BENCH_BEFORE:-}" ]; then
	echo "# before: $BERTH_BENCH_BEFORE"
	# shellcheck disable=SC2086
	"$BERTH_BENCH_BEFORE" -s "$sock" -n "$sizes" ${BERTH_BENCH_ARGS:-} \
	    "$work/targets"
	echo "# after: $prog"
fi
# shellcheck disable=SC2086
"$prog" -s "$sock" -n "$sizes" ${BERTH_BENCH_ARGS:-} "$work/targets"
