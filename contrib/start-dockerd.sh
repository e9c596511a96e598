#!/bin/sh
# Start Docker Engine when /var/run/docker.sock is missing (machines
# without systemd running it), and wait until it answers.
set -eu
if docker info >/dev/null 2>&1; then
	exit 0
fi
if command -v systemctl >/dev/null 2>&1 &&
    systemctl start docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
	exit 0
fi
echo "starting dockerd (log: /var/log/berth-dockerd.log)"
# The daemon outlives this script: it must not inherit descriptors
# above 2 (a caller's flock on the tests' engine lock, for one); perl
# (perl-base is essential on Debian) closes them before the exec.
nohup perl -MPOSIX -e 'POSIX::close($_) for 3 .. 1023; exec @ARGV or die' \
    dockerd >/var/log/berth-dockerd.log 2>&1 &
i=0
until docker info >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 60 ]; then
		echo "dockerd did not start; see /var/log/berth-dockerd.log" >&2
		exit 1
	fi
	sleep 1
done
