#!/bin/sh
# Install, build and run berthd in the foreground with its defaults
# (HTTP API on 127.0.0.1:8080, state in /var/lib/berth).  Run as root
# from the top of the source tree.
set -eu
cd "$(dirname "$0")/.."
sh contrib/install-deps.sh
autoreconf -fi
mkdir -p build
cd build
../configure --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var
make -j"$(nproc)"
echo "berthd: try 'curl http://127.0.0.1:8080/api/health' and" \
    "'./build/berthctl status' from another terminal"
exec ./berthd -f
