# tests/http/lib.sh - helpers for the lfsd HTTP tests (sourced by t*.t).
# Gives the TAP helpers of tests/lib.sh ($T, ok, is, done_testing), plus:
#   start_lfsd [DATA-DIR] [lfsd args...]  lfsd on 127.0.0.1 port 0 (HTTP and
#                                          HTTPS); sets URL, SURL, CACERT, LFSD_PID,
#                                          BUILDS (its build directory root)
#   stop_lfsd / kill_lfsd                  SIGTERM and wait / SIGKILL
#   req ARGS...      curl with the admin token; body in $T/body, prints status
#   healthy          0 if /healthz answers 200
#   app_args APP     "-F file=@..." arguments for every .lua file of an app
. "$(dirname "$0")/../lib.sh"
set -u
LFSD=$BUILD/bin/lfsd
APPS=$CONF/lua53/src
TOKEN=test-admin-token-$$-$RANDOM
PIDS=""
BUILDS_ALL=""
cleanup() {
	local p
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for p in $BUILDS_ALL; do case $p in /dev/shm/lfsd-*) rm -rf "$p" ;; esac; done
	[ -n "${KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
# an lfsc built with AddressSanitizer (make check) needs a huge address space
MEMFLAG=""
if grep -q __asan_init "$LFSC" 2>/dev/null; then MEMFLAG="--build-memory 0"; fi

start_lfsd() {
	DATA=${1:-$T/data}
	[ $# -gt 0 ] && shift
	mkdir -p "$DATA"
	rm -f "$DATA/ports"
	LFSD_ADMIN_TOKEN=$TOKEN "$LFSD" --data-dir "$DATA" --listen 127.0.0.1:0 \
		--tls-listen 127.0.0.1:0 $MEMFLAG "$@" >>"$T/lfsd.out" 2>>"$T/lfsd.log" &
	LFSD_PID=$!
	PIDS="$PIDS $LFSD_PID"
	local i
	for i in $(seq 1 200); do
		[ -s "$DATA/ports" ] && break
		kill -0 "$LFSD_PID" 2>/dev/null || break
		sleep 0.05
	done
	URL=http://$(sed -n 's/^http=//p' "$DATA/ports" 2>/dev/null)
	local sp
	sp=$(sed -n 's/^https=.*://p' "$DATA/ports" 2>/dev/null)
	SURL=https://localhost:$sp
	CACERT=$DATA/tls/cert.pem
	BUILDS=$(sed -n 's/.*listening .* builds=\([^ ]*\) .*/\1/p' "$T/lfsd.log" | tail -1)
	BUILDS_ALL="$BUILDS_ALL $BUILDS"
	for i in $(seq 1 100); do
		healthy && return 0
		sleep 0.05
	done
	echo "# lfsd did not start; log:"; sed 's/^/#   /' "$T/lfsd.log"
	return 1
}
stop_lfsd() {
	kill -TERM "$LFSD_PID" 2>/dev/null
	wait "$LFSD_PID" 2>/dev/null
}
kill_lfsd() {
	kill -9 "$LFSD_PID" 2>/dev/null
	wait "$LFSD_PID" 2>/dev/null
}
req() {
	curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@"
}
healthy() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ]
}
app_args() {
	local f
	for f in $(cd "$APPS/$1" && LC_ALL=C ls *.lua); do
		printf -- '-F\nfile=@%s\n' "$APPS/$1/$f"
	done
}
# lfsc_like DIR TS [lfsc options...]: what lfsc -f gives for DIR's files, run
# the way lfsd runs it (cwd = DIR, bare names sorted bytewise); image on stdout
lfsc_like() {
	local dir=$1 ts=$2
	shift 2
	(cd "$dir" && "$LFSC" -f -o "$T/lfsc_like.img" --timestamp "$ts" "$@" \
		$(LC_ALL=C ls *.lua) >/dev/null 2>&1) && cat "$T/lfsc_like.img"
}
