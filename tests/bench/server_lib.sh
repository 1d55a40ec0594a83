# tests/bench/server_lib.sh - helpers for the lfsd benchmarks (not part of make test).
# Builds what is needed, gives $T (removed on exit), start_lfsd and start_bare.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LFSD_BUILD:-$ROOT/build}
APPS=${LFSD_SHARED:-$ROOT/../shared}/conformance/lua53/src
LFSD=$BUILD/bin/lfsd
LFSC=$BUILD/bin/lfsc
BARE=$BUILD/bench/bare_server
TOKEN=bench-token
T=$(mktemp -d "${TMPDIR:-/tmp}/lfsd-bench.XXXXXX")
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
make -s -C "$ROOT" lfsc lfsd bench-server >&2

start_lfsd() {   # start_lfsd DATA [args...]: sets URL, SURL, PORT_HTTPS, LFSD_PID
	local data=$1 i
	shift
	mkdir -p "$data"
	rm -f "$data/ports"
	LFSD_ADMIN_TOKEN=$TOKEN "$LFSD" --data-dir "$data" --listen 127.0.0.1:0 \
		--tls-listen 127.0.0.1:0 "$@" >>"$T/lfsd.log" 2>&1 &
	LFSD_PID=$!
	PIDS="$PIDS $LFSD_PID"
	for i in $(seq 1 200); do [ -s "$data/ports" ] && break; sleep 0.05; done
	URL=http://$(sed -n 's/^http=//p' "$data/ports")
	PORT_HTTPS=$(sed -n 's/^https=.*://p' "$data/ports")
	SURL=https://127.0.0.1:$PORT_HTTPS
}
stop_lfsd() {
	kill "$LFSD_PID"
	wait "$LFSD_PID" 2>/dev/null || true
}
start_bare() {   # start_bare ARGS...: sets BARE_PORT, BARE_PID
	"$BARE" "$@" >"$T/bare.out" 2>&1 &
	BARE_PID=$!
	PIDS="$PIDS $BARE_PID"
	for i in $(seq 1 100); do grep -q port= "$T/bare.out" 2>/dev/null && break; sleep 0.05; done
	BARE_PORT=$(sed -n 's/^port=//p' "$T/bare.out")
}
stop_bare() {
	kill "$BARE_PID"
	wait "$BARE_PID" 2>/dev/null || true
}
rps() { sed -n 's/^Requests\/sec: *//p' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
