#!/bin/sh
# Install, build and run berthd in the foreground with its defaults
# (HTTP API on 127.0.0.1:8080, state in /var/lib/berth, local Docker)
# and the demo workspace type.  Run as root from the source tree.
set -eu
cd "$(dirname "$0")/.."
sh contrib/install-deps.sh
autoreconf -fi
mkdir -p build
cd build
../configure --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var
make -j"$(nproc)"
cd ..
sh contrib/start-dockerd.sh
sh contrib/demo-image.sh
echo
echo "Start a workspace from another terminal:"
echo "  curl -s -H 'Authorization: Bearer demo-alice-token-change-me'" \
    "-d '{\"type\":\"demo\",\"projectId\":\"p1\"}'" \
    "http://127.0.0.1:8080/api/workspaces"
echo "Then: curl -s -H 'Authorization: Bearer demo-alice-token-change-me'" \
    "http://127.0.0.1:8080/api/workspaces ; ./build/berthctl status"
echo
# demo.conf holds tokens: berthd reads it only when root owns it and
# nobody else may read it (a git checkout makes it 0644).
install -D -m 600 -o root -g root contrib/demo.conf /etc/berth/demo.conf
exec ./build/berthd -f -c /etc/berth/demo.conf
