#!/usr/bin/env bash
# build/desktop/smoke.sh BINARY: the smoke test of the desktop build (-tags desktop,...).
#
# On a private Xvfb display it launches BINARY twice on one fresh data dir (first run: the
# bundled PostgreSQL is extracted and initdb runs; then a warm run), each time with LAN sharing
# on at launch (CHELAL_LAN_ADDR=127.0.0.1:<free port>, which the desktop honours without saving
# it) and checks that:
#   - GET /api/v1/health on the LAN listener answers 200 with "database":"ok" over HTTPS, verified
#     with the clinic's CA from the data dir (lan/ca.crt), within $SMOKE_TIMEOUT s;
#   - the screen is not blank (a screenshot with more than 10 colours: the splash or the UI);
#   - SIGTERM closes the app like a window close: it exits 0 within 20 s, and no postgres of
#     the data dir is left (no postmaster.pid, no process naming the data dir).
# It prints the time from launch to health 200 (first and warm run) and the binary's size.
# The first run's screenshot is kept at $SMOKE_SHOT (default /tmp/chelal-desktop-smoke.png).
# As root, the app runs as nobody (PostgreSQL refuses root). Needs: Xvfb, ImageMagick
# (/usr/bin/import, /usr/bin/identify), curl, setsid, setpriv (as root), pgrep.
set -euo pipefail

BIN_ARG=${1:?usage: build/desktop/smoke.sh BINARY}
BIN_SRC=$(readlink -f "$BIN_ARG")
[ -x "$BIN_SRC" ] || { echo "smoke: $BIN_ARG is not an executable" >&2; exit 2; }
SHOT=${SMOKE_SHOT:-/tmp/chelal-desktop-smoke.png}
TIMEOUT=${SMOKE_TIMEOUT:-90}
STOP_TIMEOUT=20
IMPORT=/usr/bin/import     # not /usr/local/bin/convert: a stand-in on these machines
IDENTIFY=/usr/bin/identify
for tool in Xvfb "$IMPORT" "$IDENTIFY" curl setsid pgrep; do
	command -v "$tool" >/dev/null || { echo "smoke: $tool is missing (apt-get install xvfb imagemagick curl procps)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/chelal-desktop-smoke.XXXXXX)
chmod 755 "$WORK"
DATA=$WORK/data
mkdir -p "$DATA" "$WORK/home" "$WORK/run"
chmod 700 "$WORK/run"
BIN=$WORK/chelal # a copy nobody can read (the build dir may be root's 0700 folder)
cp "$BIN_SRC" "$BIN"
chmod 755 "$BIN"
AS=()
if [ "$(id -u)" = 0 ]; then
	chown -R 65534:65534 "$DATA" "$WORK/home" "$WORK/run"
	AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

APP_PID=
XVFB_PID=
LOG=
cleanup() {
	local rc=$?
	if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
		kill -KILL -- "-$APP_PID" 2>/dev/null || true
	fi
	if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null || true; fi
	# A postgres left by a killed app would outlive us: stop it.
	local pid
	for pid in $(pgrep -f -- "$DATA/" || true); do kill -KILL "$pid" 2>/dev/null || true; done
	if [ "$rc" != 0 ] || [ -n "${SMOKE_KEEP:-}" ]; then
		echo "smoke: work dir kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

fail() {
	echo "smoke: FAIL: $*" >&2
	if [ -n "$LOG" ] && [ -f "$LOG" ]; then
		echo "----- app log ($LOG) -----" >&2
		tail -n 200 "$LOG" >&2
		echo "----- end of app log -----" >&2
	fi
	exit 1
}

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		if port_free "$p"; then echo "$p"; return 0; fi
	done
	return 1
}

# A private X display: the first free number from 90, no TCP, no auth file (local only).
DISPLAY_NUM=
for n in $(seq 90 190); do
	if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then DISPLAY_NUM=$n; break; fi
done
[ -n "$DISPLAY_NUM" ] || fail "no free X display number"
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 1 100); do
	[ -S "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break
	kill -0 "$XVFB_PID" 2>/dev/null || { cat "$WORK/xvfb.log" >&2; fail "Xvfb :$DISPLAY_NUM did not start"; }
	sleep 0.05
done
[ -S "/tmp/.X11-unix/X$DISPLAY_NUM" ] || fail "Xvfb :$DISPLAY_NUM has no socket"

# run_once NAME SHOT: launch, wait for health, screenshot, SIGTERM, check the clean stop.
run_once() {
	local name=$1 shot=$2 port t0 body code ready_ms colours rc stop_ms
	port=$(free_port) || fail "no free port"
	LOG=$WORK/app-$name.log
	t0=$(date +%s%N)
	# setsid: the app leads its own process group, so the whole group can be killed if need be.
	setsid "${AS[@]}" env -i PATH=/usr/local/bin:/usr/bin:/bin \
		HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run" XDG_CONFIG_HOME="$WORK/home/.config" \
		XDG_CACHE_HOME="$WORK/home/.cache" XDG_DATA_HOME="$WORK/home/.local/share" \
		DISPLAY=":$DISPLAY_NUM" NO_AT_BRIDGE=1 LANG=C.UTF-8 \
		CHELAL_DATA_DIR="$DATA" CHELAL_LAN_ADDR="127.0.0.1:$port" CHELAL_LOG_LEVEL=info \
		"$BIN" >"$LOG" 2>&1 </dev/null &
	APP_PID=$!

	ready_ms=
	while [ "$(ms_since "$t0")" -lt $((TIMEOUT * 1000)) ]; do
		if ! kill -0 "$APP_PID" 2>/dev/null; then
			wait "$APP_PID" && rc=0 || rc=$?
			APP_PID=
			fail "$name run: the app exited (status $rc) before it was healthy"
		fi
		# LAN sharing is HTTPS with a certificate from the clinic's CA, made in the data dir at
		# the first share: curl trusts that CA and nothing else.
		body=
		if [ -s "$DATA/lan/ca.crt" ]; then
			body=$(curl -s --max-time 2 --cacert "$DATA/lan/ca.crt" -w '\n%{http_code}' "https://127.0.0.1:$port/api/v1/health" 2>/dev/null || true)
		fi
		code=${body##*$'\n'}
		if [ "$code" = 200 ] && [[ $body == *'"database":"ok"'* ]]; then
			ready_ms=$(ms_since "$t0")
			break
		fi
		sleep 0.1
	done
	[ -n "$ready_ms" ] || fail "$name run: /api/v1/health did not answer 200 with \"database\":\"ok\" within ${TIMEOUT}s (last: ${body//$'\n'/ })"
	echo "smoke: $name run: launch to health 200: ${ready_ms} ms"

	# Let the splash reload into the app, then look at the screen.
	sleep 2
	DISPLAY=":$DISPLAY_NUM" "$IMPORT" -window root "$shot" || fail "$name run: screenshot failed"
	colours=$("$IDENTIFY" -format %k "$shot")
	[ "$colours" -gt 10 ] || fail "$name run: the screen looks blank ($colours colours in $shot)"
	echo "smoke: $name run: screenshot $shot ($colours colours)"

	# SIGTERM to the group leader (the app) must close it like the window's close button.
	t0=$(date +%s%N)
	kill -TERM "$APP_PID"
	while [ -d "/proc/$APP_PID" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$APP_PID/status" 2>/dev/null; do
		[ "$(ms_since "$t0")" -lt $((STOP_TIMEOUT * 1000)) ] || fail "$name run: still running ${STOP_TIMEOUT}s after SIGTERM"
		sleep 0.05
	done
	wait "$APP_PID" && rc=0 || rc=$?
	stop_ms=$(ms_since "$t0")
	APP_PID=
	[ "$rc" = 0 ] || fail "$name run: exit status $rc after SIGTERM"
	[ ! -e "$DATA/pg/data/postmaster.pid" ] || fail "$name run: $DATA/pg/data/postmaster.pid is left: PostgreSQL was not stopped cleanly"
	if pgrep -f -- "$DATA/" >/dev/null; then
		pgrep -af -- "$DATA/" >&2
		fail "$name run: processes of the data dir are left after the app exited"
	fi
	grep -q 'embedded postgres stopped' "$LOG" || fail "$name run: the log does not say PostgreSQL stopped"
	echo "smoke: $name run: SIGTERM to exit: ${stop_ms} ms, status 0, PostgreSQL stopped, nothing left"
	eval "${name}_ms=$ready_ms"
}

size=$(stat -c %s "$BIN_SRC")
echo "smoke: binary $BIN_ARG: $size bytes ($(awk "BEGIN{printf \"%.1f\", $size/1048576}") MiB)"
mkdir -p "$(dirname "$SHOT")"
first_ms=
warm_ms=
run_once first "$SHOT"
run_once warm "$WORK/warm.png"
echo "smoke: PASS (first run ${first_ms} ms, warm run ${warm_ms} ms to health; binary $(awk "BEGIN{printf \"%.1f\", $size/1048576}") MiB; screenshot $SHOT)"
