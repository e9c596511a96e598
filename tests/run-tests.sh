#!/bin/sh
# Run every built test program and the fuzz targets, then print one
# closing line "N passed, N failed".  Criterion programs are counted by
# their own synthesis line; each fuzz run counts as one test.
# Environment: BERTH_BUILDDIR (default .), BERTH_FUZZ_SECONDS (0 = skip).
set -u
B=${BERTH_BUILDDIR:-.}
S=${BERTH_SRCDIR:-$(dirname "$0")/..}
FUZZ=${BERTH_FUZZ_SECONDS:-0}
passed=0
failed=0
failures=""
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# note NAME: remember a failing program for the closing summary.
note() {
	failures="$failures $1"
}

run() {
	name=$1
	shift
	out=$(mktemp)
	echo "=== $name"
	before=$failed
	t0=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	t1=$(date +%s)
	case $name in
	fuzz_*)	# libFuzzer prints a line per new unit: keep the end.
		tail -n 25 "$out" ;;
	*)	cat "$out" ;;
	esac
	line=$(grep 'Synthesis: Tested:' "$out" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed 's/.*Passing: \([0-9]*\).*/\1/')
		f=$(echo "$line" | sed 's/.*Failing: \([0-9]*\).*/\1/')
		c=$(echo "$line" | sed 's/.*Crashing: \([0-9]*\).*/\1/')
		passed=$((passed + p))
		failed=$((failed + f + c))
		# A crash of the runner itself after its tests ran.
		if [ $rc -ne 0 ] && [ $((f + c)) -eq 0 ]; then
			failed=$((failed + 1))
		fi
	elif [ $rc -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	# Criterion counts a test passed before LeakSanitizer speaks at
	# exit: any sanitizer report is a failure of its own.
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$out"; then
		echo "*** sanitizer report in $name"
		failed=$((failed + 1))
	fi
	[ "$failed" -gt "$before" ] && note "$name"
	echo "--- $name: $((t1 - t0)) s"
	rm -f "$out"
}

for t in "$B"/tests/unit/test_*; do
	case $t in *.o|*.c) continue ;; esac
	[ -x "$t" ] && run "$(basename "$t")" "$t"
done
# Integration tests start real daemons: one at a time.
for t in "$B"/tests/integration/test_*; do
	case $t in *.o|*.c) continue ;; esac
	# One engine for every worktree on a machine: one test at a time.
	[ -x "$t" ] && run "$(basename "$t")" \
	    flock "${BERTH_ENGINE_LOCK:-/tmp/berth-engine.lock}" "$t" --jobs 1
done
# Each fuzz target with its seed corpus: fuzz_decode (the IPC codec,
# tests/fuzz/corpus), fuzz_http1 (the engine client's response
# reader, tests/fuzz/corpus_http1) and fuzz_router (berthd's router,
# request table and handlers fed framed messages as each worker,
# tests/fuzz/corpus_router) and fuzz_cron (cron expressions and TZif
# zones, tests/fuzz/corpus_cron).
fuzz() {
	if [ ! -x "$B/tests/fuzz/$1" ]; then
		echo "$1 was not built (make fuzz)"
		failed=$((failed + 1))
		note "$1"
		return
	fi
	corpus=$(mktemp -d)
	cp "$S/tests/fuzz/$2"/* "$corpus"/ 2>/dev/null || true
	run "$1 (${FUZZ}s)" "$B/tests/fuzz/$1" \
	    -max_total_time="$FUZZ" -print_final_stats=1 \
	    -artifact_prefix="$B/tests/fuzz/" "$corpus"
	rm -rf "$corpus"
}
if [ "$FUZZ" -gt 0 ]; then
	fuzz fuzz_decode corpus
	fuzz fuzz_http1 corpus_http1
	fuzz fuzz_router corpus_router
	fuzz fuzz_cron corpus_cron
fi
[ -n "$failures" ] && echo "failing:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
