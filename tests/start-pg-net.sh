#!/bin/sh
# A throwaway PostgreSQL reachable every usual way, for the tests of
# external databases (tests/integration/test_dbnet.c): the cluster of
# start-postgres.sh (unix socket in DIR), plus TCP on 127.0.0.1:PORT
# with TLS (a CA and a server certificate for localhost, berth-db.test
# and 127.0.0.1, made here with openssl) and SCRAM-SHA-256 passwords for
# every TCP connection (a client certificate from the same CA, DIR/client.crt
# and client.key, is checked when presented), and a role `berth_app` (password in
# DIR/password, mode 0600) that owns database `berth` and is not a
# superuser (and database berth_su, the superuser's, for the test of
# the warning berthd gives about one).  Prints the unix-socket conninfo line like start-postgres.sh.
#
#   start-pg-net.sh DIR PORT     start
#   start-pg-net.sh stop DIR     stop (start-postgres.sh stop)
#   start-pg-net.sh resume DIR PORT
set -eu

here=$(cd "$(dirname "$0")" && pwd)
die() {
	echo "start-pg-net.sh: $*" >&2
	exit 1
}

certs() {
	dir=$1
	command -v openssl >/dev/null || die "openssl is not installed"
	cd "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj \
	    /CN=berth-test-ca -keyout ca.key -out ca.crt 2>/dev/null ||
	    die "openssl: CA"
	openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
	    -keyout server.key -out server.csr 2>/dev/null ||
	    die "openssl: server key"
	printf 'subjectAltName=DNS:localhost,DNS:berth-db.test,IP:127.0.0.1\n' \
	    >san.ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile san.ext -out server.crt \
	    2>/dev/null || die "openssl: server certificate"
	# A client certificate for berth_app (optional for the server:
	# it checks one against the CA when one is presented).
	openssl req -newkey rsa:2048 -nodes -subj /CN=berth_app \
	    -keyout client.key -out client.csr 2>/dev/null ||
	    die "openssl: client key"
	openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 2 -out client.crt 2>/dev/null ||
	    die "openssl: client certificate"
	chmod 0644 ca.crt server.crt client.crt
	chmod 0600 server.key ca.key client.key
	# The server's key is the server's, the client's the workers'.
	[ "$(id -u)" -ne 0 ] || chown berth server.key client.key
}

# Settings in the cluster's own files, so that resume keeps them.
configure() {
	dir=$1 port=$2
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
ssl_ca_file = '$dir/ca.crt'
password_encryption = 'scram-sha-256'
CONF
	cat >"$dir/data/pg_hba.conf" <<HBA
local	all	all			trust
host	all	all	127.0.0.1/32	scram-sha-256
host	all	all	::1/128		scram-sha-256
HBA
}

# start-postgres.sh resume, but listening on TCP too (its command line
# would override listen_addresses).
serve() {
	dir=$(cd "$1" && pwd) port=$2
	bin=$(pg_config --bindir 2>/dev/null || true)
	[ -x "$bin/pg_ctl" ] ||
	    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k5,5n | tail -n 1)
	cd "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		set -- runuser -u berth --
	else
		set --
	fi
	"$@" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
	    -o "-k $dir -p $port ${BERTH_PG_OPTS:-}" start >&2
}

start() {
	dir=$1 port=$2
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	line=$(sh "$here/start-postgres.sh" "$dir" "$port") ||
	    die "start-postgres.sh failed"
	sh "$here/start-postgres.sh" stop "$dir"
	certs "$dir"
	configure "$dir" "$port"
	serve "$dir" "$port" || die "the TCP/TLS cluster did not start"
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	umask 077
	printf '%s\n' "$pw" >"$dir/password"
	psql -X -q -v ON_ERROR_STOP=1 "$line" <<SQL >&2 || die "psql failed"
CREATE ROLE berth_app LOGIN PASSWORD '$pw';
ALTER DATABASE berth OWNER TO berth_app;
CREATE DATABASE berth_su;
SQL
	echo "$line"
}

case ${1:-} in
stop)	sh "$here/start-postgres.sh" stop "${2:-}" ;;
resume)	serve "${2:?}" "${3:?}" ;;
''|-*)	die "usage: start-pg-net.sh DIR PORT | stop DIR | resume DIR PORT" ;;
*)	start "$1" "${2:?usage: start-pg-net.sh DIR PORT}" ;;
esac
