#!/bin/sh
# Install, build (with AddressSanitizer and UBSan) and run every test:
# unit tests, integration tests against a real berthd and a real Docker
# Engine (started here when it is not running), and a 15-second fuzz
# run of each fuzz target.  Run as root from the source tree.
set -eu
cd "$(dirname "$0")/.."
sh contrib/install-deps.sh
sh contrib/start-dockerd.sh
sh contrib/demo-image.sh
autoreconf -fi
rm -rf build-ci
mkdir build-ci
cd build-ci
../configure --enable-sanitizers
make -j"$(nproc)"
make -j"$(nproc)" check-programs fuzz
BERTH_BUILDDIR="$PWD" BERTH_SRCDIR="$(cd .. && pwd)" BERTH_FUZZ_SECONDS=15 \
    sh ../tests/run-tests.sh
