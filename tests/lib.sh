# tests/lib.sh - the one shell helper of the tests: paths, a temporary
# directory, clean-up on exit, and TAP output. Source it from a test:
#   . "$(dirname "$0")/../lib.sh"
# Gives $ROOT $BUILD $SHARED $CONF (conformance) $APPS (its Lua 5.3 apps)
# $LFSC, $T (removed on exit; KEEP=1 keeps it), $PIDS (background processes,
# killed on exit: append what you start), ok/is/done_testing (TAP).
# tests/lfsd.sh adds start_lfsd; tests/README.md describes both.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LFSD_BUILD:-$ROOT/build}
SHARED=${LFSD_SHARED:-$ROOT/../shared}
CONF=$SHARED/conformance
APPS=$CONF/lua53/src
LFSC=$BUILD/bin/lfsc
T=$(mktemp -d "${TMPDIR:-/tmp}/lfsd-test.XXXXXX")
PIDS=""
CLEAN_DIRS="$T"     # removed on exit (tests/lfsd.sh adds lfsd's build directories)
cleanup() {
	local p
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf $CLEAN_DIRS; fi
}
trap cleanup EXIT
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
