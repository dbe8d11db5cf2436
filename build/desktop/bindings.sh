#!/usr/bin/env bash
# build/desktop/bindings.sh [DIR]: generate the Wails JS/TS bindings of the desktop's bound
# struct (app.Desktop) and the Wails runtime into DIR/wailsjs (default: frontend/wailsjs, the
# wailsjsdir of wails.json), without the wails CLI (it does not install on Go 1.26).
# This is what `wails build` does: build with -tags bindings and run main(), which reaches
# wails.Run before anything heavy and writes the files. No display, cgo or GTK is needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$(realpath -m "${1:-frontend}")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CGO_ENABLED=0 go build -tags desktop,bindings -o "$TMP/chelal-bindings" "$ROOT"
printf '{"name":"chelal","wailsjsdir":"%s"}\n' "$OUT" >"$TMP/wails.json"
# Run from TMP (it reads wails.json from the working directory); the data dir is never used.
(cd "$TMP" && env -u DISPLAY -u WAYLAND_DISPLAY CHELAL_DATA_DIR="$TMP/data" ./chelal-bindings >"$TMP/log" 2>&1) || { cat "$TMP/log" >&2; exit 1; }
[ ! -e "$TMP/data" ] || { echo "bindings: main() touched the data dir before wails.Run" >&2; exit 1; }
echo "bindings: wrote $OUT/wailsjs (go/app/Desktop.{js,d.ts}, go/models.ts, runtime/)"
