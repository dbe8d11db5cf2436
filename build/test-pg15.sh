#!/usr/bin/env bash
# test-pg15.sh: run the database tests against Debian's PostgreSQL 15, the oldest external
# server Chelal supports (DESIGN.md), in a throwaway cluster on /dev/shm owned by nobody.
set -euo pipefail
cd "$(dirname "$0")/.."
pgbin=/usr/lib/postgresql/15/bin
if [ ! -x "$pgbin/postgres" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "test-pg15: installing postgresql-15"
  $sudo apt-get update -qq
  # policy-rc.d 101: do not start Debian's own cluster service; this script runs its own.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null; $sudo chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql-15
  $sudo rm -f /usr/sbin/policy-rc.d
fi

as=()
if [ "$(id -u)" = 0 ]; then as=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
base=/dev/shm; [ -d "$base" ] || base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/chelal-pg15-XXXXXX")
chmod 0755 "$dir"
[ "$(id -u)" = 0 ] && chown 65534:65534 "$dir"
port=$((20000 + RANDOM % 20000))
cleanup() { "${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

"${as[@]}" "$pgbin/initdb" -D "$dir/data" -U chelal --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
  -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c max_connections=300" start >/dev/null
echo "test-pg15: $("$pgbin/postgres" --version) on 127.0.0.1:$port"
CHELAL_TEST_DATABASE_URL="postgres://chelal@127.0.0.1:$port/postgres?sslmode=disable" \
  go test ${GOTEST_FLAGS:--count=1} ${as:+-exec "${as[*]}"} ./internal/db/...
