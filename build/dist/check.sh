#!/usr/bin/env bash
# check.sh DIST_DIR: what can be checked here of the packages build/dist.sh wrote.
#   - SHA256SUMS matches every artefact; when signed, every .sig verifies (CHELAL_RELEASE_KEY);
#   - the Linux x64 .deb installs for real (apt), its unit passes systemd-analyze verify, the
#     service's command runs as the chelal user on /var/lib/chelal and answers /api/v1/health,
#     and removing (even purging) the package keeps the clinic's data;
#   - the arm64 server prints its version under qemu-user;
#   - the Windows executable and installer are PE32+ x86-64 (GUI), and the executable carries the
#     windows-x64 PostgreSQL bundle (its sha256 is in the binary); wine is not installed here;
#   - a second build of the Linux server, the .deb and the Windows executable and installer gives
#     the same sha256 (reproducible).
# Needs root (or sudo): it installs and removes the package on this machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dist=${1:-$root/dist}
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
fail() { echo "dist check: FAILED: $*" >&2; exit 1; }
cd "$dist"

echo "== dist check: SHA256SUMS"
sha256sum --quiet -c SHA256SUMS || fail "an artefact does not match SHA256SUMS"

if compgen -G '*.sig' >/dev/null; then
  # signed (CHELAL_RELEASE_KEY was set for dist.sh): every artefact and SHA256SUMS verify
  echo "== dist check: signatures"
  [ -n "${CHELAL_RELEASE_KEY:-}" ] || fail "the artefacts are signed: set CHELAL_RELEASE_KEY to check them"
  rk=$(mktemp -d)
  (cd "$root" && go build -o "$rk/releasekey" ./build/releasekey)
  pub=$("$rk/releasekey" pub "$CHELAL_RELEASE_KEY")
  for f in SHA256SUMS $(awk '{print $2}' SHA256SUMS); do
    "$rk/releasekey" verify "$pub" "$f" >/dev/null || fail "$f.sig does not verify"
  done
  rm -rf "$rk"
fi

deb=$(ls chelal_*_amd64.deb)
echo "== dist check: install $deb"
if getent passwd chelal >/dev/null || [ -e /var/lib/chelal ]; then
  fail "this machine already has a chelal user or /var/lib/chelal: the check would touch a real installation"
fi
cleanup() {
  $sudo pkill -u chelal -f '/usr/bin/chelal' 2>/dev/null || true
  $sudo dpkg --purge chelal >/dev/null 2>&1 || true
  $sudo rm -rf /var/lib/chelal
  getent passwd chelal >/dev/null && $sudo deluser --quiet chelal >/dev/null 2>&1 || true
  getent group chelal >/dev/null && $sudo delgroup --quiet chelal >/dev/null 2>&1 || true
}
trap cleanup EXIT
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
[[ "$(getent passwd chelal)" == *":/var/lib/chelal:"* ]] || fail "no chelal system user"
[ "$(stat -c '%U %a' /var/lib/chelal)" = "chelal 700" ] || fail "/var/lib/chelal is $(stat -c '%U %a' /var/lib/chelal), want chelal 700"
# (the output is read whole before it is searched: grep -q would close the pipe early, and the
# writer's SIGPIPE fail the pipeline under pipefail)
out=$(/usr/bin/chelal version) && [[ "$out" == *"PostgreSQL 18"* ]] || fail "chelal version: $out"

echo "== dist check: systemd-analyze verify chelal.service"
systemd-analyze verify --man=no --recursive-errors=no /lib/systemd/system/chelal.service || fail "the unit does not verify"
for opt in 'StateDirectory=chelal' 'KillMode=mixed' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'User=chelal'; do
  grep -qx "$opt" /lib/systemd/system/chelal.service || fail "the unit lacks $opt"
done

echo "== dist check: the service's command as the chelal user (no systemd here to start it)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
$sudo setpriv --reuid=chelal --regid=chelal --init-groups env -i PATH=/usr/bin:/bin HOME=/var/lib/chelal \
  CHELAL_DATA_DIR=/var/lib/chelal CHELAL_ADDR="127.0.0.1:$port" /usr/bin/chelal serve >"$log" 2>&1 &
pid=$!
ok=""
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 1
done
[ -n "$ok" ] || { cat "$log"; fail "the installed Chelal did not answer /api/v1/health"; }
$sudo kill -TERM $pid; wait $pid || true
[ -f /var/lib/chelal/pg/data/PG_VERSION ] || fail "no database in /var/lib/chelal"

echo "== dist check: remove and purge keep the clinic's data"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq chelal >/dev/null
[ -f /var/lib/chelal/pg/data/PG_VERSION ] || fail "apt remove deleted the data"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq chelal >/dev/null
[ -f /var/lib/chelal/pg/data/PG_VERSION ] || fail "apt purge deleted the data"
[ ! -e /usr/bin/chelal ] || fail "the program is still installed after purge"

echo "== dist check: arm64 server under qemu-user"
arm=$(ls chelal-*-linux-arm64)
out=$(qemu-aarch64-static "./$arm" version) && [[ "$out" == *"PostgreSQL 18"* ]] || fail "the arm64 build does not run under qemu: $out"
[ "$(dpkg-deb -f chelal_*_arm64.deb Architecture)" = arm64 ] || fail "the arm64 .deb"

echo "== dist check: Windows executable and installer (PE headers, embedded bundle)"
python3 - "$root/internal/db/pgbundle/windows-amd64/postgres.txz.sha256" chelal-*-windows-x64.exe chelal-*-windows-x64-setup.exe <<'PY'
import struct, sys
bundle_sum = open(sys.argv[1]).read().strip().encode()
for i, path in enumerate(sys.argv[2:]):
    b = open(path, 'rb').read()
    assert b[:2] == b'MZ', f'{path}: not a PE file'
    pe = struct.unpack_from('<I', b, 0x3c)[0]
    assert b[pe:pe+4] == b'PE\0\0', f'{path}: no PE header'
    machine = struct.unpack_from('<H', b, pe + 4)[0]
    opt = pe + 24
    magic = struct.unpack_from('<H', b, opt)[0]
    subsystem = struct.unpack_from('<H', b, opt + 68)[0]
    if i == 0:
        assert machine == 0x8664 and magic == 0x20b, f'{path}: machine {machine:#x} magic {magic:#x}, want PE32+ x86-64'
        assert bundle_sum in b, f'{path}: the windows-x64 PostgreSQL bundle is not embedded'
    else:
        assert machine in (0x14c, 0x8664), f'{path}: machine {machine:#x}'
        assert b'Nullsoft' in b or b'NSIS' in b, f'{path}: not an NSIS installer'
    assert subsystem == 2, f'{path}: subsystem {subsystem}, want 2 (Windows GUI)'
    print(f'{path}: PE ok, {len(b)/1048576:.1f} MB')
PY

echo "== dist check: reproducible (a second build of the Linux server, the .deb and the Windows installer)"
again=$(mktemp -d)
DIST_DIR=$again "$root/build/dist.sh" --only linux-x64,windows-x64 >/dev/null
for f in "$again"/chelal-*-linux-x64 "$again"/chelal_*_amd64.deb "$again"/chelal-*-windows-x64.exe "$again"/chelal-*-windows-x64-setup.exe; do
  a=$(sha256sum <"$f"); b=$(sha256sum <"$(basename "$f")")
  [ "$a" = "$b" ] || fail "$(basename "$f") differs between two builds"
done
rm -rf "$again"
echo "== dist check: passed"
