#!/usr/bin/env bash
# deps.sh: install, on Debian, what building and testing Chelal needs and the machine lacks.
set -euo pipefail
need=()
command -v xz >/dev/null        || need+=(xz-utils)
command -v setpriv >/dev/null   || need+=(util-linux)
command -v unshare >/dev/null   || need+=(util-linux)
command -v ip >/dev/null        || need+=(iproute2)
command -v git >/dev/null       || need+=(git)
command -v npm >/dev/null       || need+=(npm)
command -v node >/dev/null      || need+=(nodejs)
command -v make >/dev/null      || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "deps: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if ! command -v go >/dev/null; then
  echo "deps: Go 1.24 or newer is required (https://go.dev/doc/install; /usr/local/go/bin on PATH)" >&2
  exit 1
fi
