# tests/lib.sh - shared helpers for the shell tests: TAP output, paths.
# Source it from a test: . "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LFSD_BUILD:-$ROOT/build}
SHARED=${LFSD_SHARED:-$ROOT/../shared}
CONF=$SHARED/conformance
LFSC=$BUILD/bin/lfsc
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
_n=0
_failed=0
ok() {      # ok CONDITION-EXIT-STATUS DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}
is() {      # is GOT EXPECTED DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then echo "ok $_n - $3"
	else echo "not ok $_n - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; _failed=$((_failed + 1)); fi
}
done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
