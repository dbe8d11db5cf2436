#!/usr/bin/env bash
# deps.sh [desktop|browser|all]: install, on Debian, what building and testing Chelal needs and
# the machine lacks. No argument: the server build and the Go tests. desktop: the Wails build
# and its Xvfb smoke test. browser: Debian's Chromium for the browser tests (and certutil, to make
# a workstation's NSS database trust the clinic's CA in the LAN test). dist: what build/dist.sh
# needs (NSIS, dpkg); distcheck: and what checks the packages (systemd-analyze, qemu).
set -euo pipefail
want=(xz-utils util-linux iproute2 git npm nodejs make ca-certificates python3)
case "${1:-}" in
  desktop) want=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev xvfb imagemagick curl procps) ;;
  browser) want=(chromium fonts-liberation libnss3-tools) ;;
  dist) want=(nsis dpkg-dev) ;;
  distcheck) want=(nsis dpkg-dev systemd qemu-user-static curl adduser) ;;
  all) want+=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev xvfb imagemagick curl procps chromium fonts-liberation libnss3-tools nsis dpkg-dev systemd qemu-user-static adduser) ;;
  "") ;;
  *) echo "deps: unknown set '$1' (desktop, browser, all)" >&2; exit 2 ;;
esac
need=()
for p in "${want[@]}"; do
  # A tool already on the machine counts (node and npm may come from elsewhere than apt).
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
    git|make|python3) command -v "$p" >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "deps: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! command -v go >/dev/null; then
  echo "deps: Go 1.24 or newer is required (https://go.dev/doc/install; /usr/local/go/bin on PATH)" >&2
  exit 1
fi
