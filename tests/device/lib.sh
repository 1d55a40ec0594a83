# tests/device/lib.sh - helpers for lfs-device tests (sourced by *.t).
# Gives: $T (temp dir, removed on exit), $DEV (lfs-device), $LFSC, TAP helpers
# ok/is/done_testing, make_app (a conformance app + an _init printing a
# marker), and, for the end-to-end tests, lfsd start/stop and admin calls.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LFSD_BUILD:-$ROOT/build}
DEV=$BUILD/bin/lfs-device
LFSC=$BUILD/bin/lfsc
LFSD=$BUILD/bin/lfsd
CONF=${LFSD_SHARED:-$ROOT/../shared}/conformance/lua53/src   # as tests/lib.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/lfs-device-test.XXXXXX")
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

TAP_N=0
TAP_FAIL=0
ok() {   # ok <status> <description>
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else
		echo "not ok $TAP_N - $2"; TAP_FAIL=$((TAP_FAIL + 1)); fi
}
is() {   # is <got> <expected> <description>
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi
}
done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAIL" -eq 0 ]
}
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# make_app <dir> <marker> [lfsc options...]: json_config app + _init printing
# "MARKER <marker> {"a":1}" (json_encode runs from flash); image in <dir>/app.img
make_app() {
	local dir=$1 marker=$2
	shift 2
	mkdir -p "$dir"
	cp "$CONF"/json_config/*.lua "$dir"/
	cat > "$dir/_init.lua" <<LUA
local encode = node.LFS.get("json_encode")()
print("MARKER $marker " .. encode({a = 1}))
LUA
	(cd "$dir" && "$LFSC" -f -o app.img --timestamp 1700000000 "$@" ./*.lua >/dev/null)
}
