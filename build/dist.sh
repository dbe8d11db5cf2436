#!/usr/bin/env bash
# dist.sh: every package Chelal ships, built on this Linux machine into dist/, reproducibly (the
# same tree gives the same sha256: -trimpath, no build id, SOURCE_DATE_EPOCH from the commit,
# archives with fixed owners, modes and times).
#
#   Windows x64      chelal-<v>-windows-x64.exe (desktop, WebView2, no cgo) and its NSIS installer
#   macOS arm64/x64  chelal-<v>-macos-{arm64,x64}: the server build (the app bundle needs cgo with
#                    Apple's SDK, which no Linux machine has: see the README)
#   Linux x64/arm64  chelal-<v>-linux-{x64,arm64} (static server) and chelal_<v>_{amd64,arm64}.deb;
#                    chelal-desktop-<v>-linux-x64 (GTK/WebKit, cgo)
#   SHA256SUMS
#   FILE.sig for each of them when CHELAL_RELEASE_KEY is set (offline updates: internal/update)
#
# Usage: build/dist.sh [--only linux-x64,windows-x64,...]   (make dist; make test-dist checks them)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
only=${2:-}
[ "${1:-}" = --only ] || only=""
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

out=${DIST_DIR:-$root/dist}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
ldflags="-s -w -buildid= -X main.version=$version"
# CHELAL_RELEASE_KEY (the private key file, made by `go run ./build/releasekey gen KEY`): every
# build trusts its public key for offline updates (internal/update), and every artefact and
# SHA256SUMS get a FILE.sig. Without it the builds refuse updates from file.
if [ -n "${CHELAL_RELEASE_KEY:-}" ]; then
  ldflags="$ldflags -X chelal/internal/update.releaseKey=$(go run ./build/releasekey pub "$CHELAL_RELEASE_KEY")"
fi
mkdir -p "$out"
rm -f "$out"/SHA256SUMS "$out"/*.sig

build/deps.sh dist
make --no-print-directory frontend >/dev/null

gobuild() { # gobuild GOOS GOARCH CGO TAGS OUT [extra ldflags]
  local goos=$1 goarch=$2 cgo=$3 tags=$4 dest=$5 extra=${6:-}
  echo "dist: $(basename "$dest")"
  GOOS=$goos GOARCH=$goarch CGO_ENABLED=$cgo go build -trimpath -buildvcs=false \
    ${tags:+-tags "$tags"} -ldflags "$ldflags $extra" -o "$dest" .
}

# deb ARCH BINARY: the Debian package of the LAN server (build/dist/deb: unit, scripts).
deb() {
  local arch=$1 bin=$2 debver
  # a release tag (v1.2.3) is the version; any other build sorts by its commit time
  if [[ "$version" =~ ^v?[0-9]+\.[0-9]+ ]]; then
    debver=$(echo "${version#v}" | sed -E 's/[^A-Za-z0-9.+~]+/+/g')
  else
    debver="0.0~git$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S).$(echo "$version" | sed -E 's/[^A-Za-z0-9.+~]+/./g')"
  fi
  local stage
  stage=$(mktemp -d)
  chmod 0755 "$stage"
  install -D -m 0755 "$bin" "$stage/usr/bin/chelal"
  install -D -m 0644 build/dist/deb/chelal.service "$stage/lib/systemd/system/chelal.service"
  install -D -m 0644 build/dist/deb/default "$stage/etc/default/chelal"
  install -D -m 0644 README.md "$stage/usr/share/doc/chelal/README.md"
  install -d "$stage/DEBIAN"
  install -m 0755 build/dist/deb/postinst build/dist/deb/prerm build/dist/deb/postrm "$stage/DEBIAN/"
  echo /etc/default/chelal >"$stage/DEBIAN/conffiles"
  cat >"$stage/DEBIAN/control" <<CONTROL
Package: chelal
Version: $debver
Architecture: $arch
Maintainer: Chelal <chelal@localhost>
Depends: adduser
Section: misc
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Homepage: file:///usr/share/doc/chelal/README.md
Description: Chelal clinic management, LAN server
 Patients, appointments, consultations, pharmacy, billing and backups for a
 small clinic, served to the clinic's workstations over the LAN, with its own
 PostgreSQL inside (no other set-up, no internet). Runs as the chelal system
 user under systemd; the records live in /var/lib/chelal.
CONTROL
  find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  local dest="$out/chelal_${debver}_${arch}.deb"
  dpkg-deb --root-owner-group -Zxz --build "$stage" "$dest" >/dev/null
  rm -rf "$stage"
  echo "dist: $(basename "$dest")"
}

if want linux-x64; then
  build/bundle-postgres.sh linux-x64 >/dev/null
  gobuild linux amd64 0 "" "$out/chelal-$version-linux-x64"
  deb amd64 "$out/chelal-$version-linux-x64"
fi
if want linux-arm64; then
  build/bundle-postgres.sh linux-arm64 >/dev/null
  gobuild linux arm64 0 "" "$out/chelal-$version-linux-arm64"
  deb arm64 "$out/chelal-$version-linux-arm64"
fi
if want linux-desktop-x64; then
  build/deps.sh desktop >/dev/null
  gobuild linux amd64 1 "desktop,production,webkit2_41" "$out/chelal-desktop-$version-linux-x64"
fi
for plat in darwin-arm64 darwin-x64; do
  if want "$plat"; then
    build/bundle-postgres.sh "$plat" >/dev/null
    arch=${plat#darwin-}; goarch=${arch/x64/amd64}
    gobuild darwin "$goarch" 0 "" "$out/chelal-$version-macos-$arch"
  fi
done
if want windows-x64; then
  build/bundle-postgres.sh windows-x64 >/dev/null
  exe="$out/chelal-$version-windows-x64.exe"
  gobuild windows amd64 0 "desktop,production" "$exe" "-H windowsgui"
  makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$version" -DEXE="$exe" \
    -DOUTFILE="$out/chelal-$version-windows-x64-setup.exe" build/dist/windows/installer.nsi
  echo "dist: chelal-$version-windows-x64-setup.exe"
fi

(cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS ! -name '*.sig' -printf '%P\n' | LC_ALL=C sort | xargs -r sha256sum >SHA256SUMS)
echo "dist: $(wc -l <"$out/SHA256SUMS") artefacts in $out, listed in SHA256SUMS"
if [ -n "${CHELAL_RELEASE_KEY:-}" ]; then
  find "$out" -maxdepth 1 -type f ! -name '*.sig' | LC_ALL=C sort | xargs -r go run ./build/releasekey sign "$CHELAL_RELEASE_KEY"
  echo "dist: every artefact and SHA256SUMS signed (FILE.sig; verify: go run ./build/releasekey verify KEY.pub FILE)"
fi
