#!/bin/sh
# Install what berth needs on Debian 12 (as root): build tools, the
# libraries, Criterion and clang for the tests, Docker Engine, the
# PostgreSQL 15 server, busybox-static for the demo image, chromium,
# node and playwright-core for the browser test, s3rver for the remote
# storage test, Prometheus
# and Alertmanager for promtool, amtool and the scrape test; tzdata (the
# zones of cron schedules and their tests); iptables
# (berthd's DOCKER-USER rule) and iproute2 (the containment test's
# network namespace); and the unprivileged users the workers and the
# embedded PostgreSQL run as.
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root" >&2
	exit 1
fi
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake pkg-config ca-certificates curl \
	libevent-dev libmsgpack-dev libpq-dev libcurl4-openssl-dev \
	libseccomp-dev libjansson-dev libinih-dev uuid-dev zlib1g-dev \
	libzstd-dev nettle-dev libarchive-dev libssl-dev zstd \
	libcriterion-dev clang libclang-rt-14-dev \
	docker.io postgresql-15 busybox-static prometheus openssl \
	prometheus-alertmanager iptables iproute2 tzdata \
	chromium nodejs
# Debian's nodejs comes without npm; a Node.js from elsewhere (such as
# NodeSource's) has its own, and Debian's npm conflicts with it.
if ! command -v npm >/dev/null 2>&1; then
	apt-get install -y -q --no-install-recommends npm
fi
# The browser test (tests/integration/test_browser): playwright-core
# drives Debian's chromium; from the npm registry into tests/browser
# only (its package.json), no browser download.
(cd "$(dirname "$0")/../tests/browser" &&
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund \
    --no-package-lock)
# The remote storage test (tests/integration/test_s3): s3rver, a local
# S3 on Node.js, into tests/s3 only (its package.json).
(cd "$(dirname "$0")/../tests/s3" &&
    npm install --no-audit --no-fund --no-package-lock)
# prometheus and prometheus-alertmanager are installed for promtool,
# amtool and the scrape test; their own services are not wanted.
systemctl disable --now prometheus prometheus-alertmanager \
    >/dev/null 2>&1 || true
if ! getent passwd berth >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin berth
fi
# The embedded PostgreSQL's own user: not the workers'.
if ! getent passwd berth-pg >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin berth-pg
fi
