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
cleanup() {   # KEEP_T=1 keeps the temp dir for a look after a failure
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	if [ -n "${KEEP_T:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
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

# ---- end-to-end helpers: a real lfsd on 127.0.0.1, ephemeral ports ----
need_lfsd() {   # skips the whole test when lfsd is not built
	if [ ! -x "$LFSD" ]; then echo "1..0 # SKIP lfsd not built"; exit 0; fi
}
# start_lfsd [dir]: starts lfsd with its data in dir (default $T/lfsd); sets
# HTTP (admin base URL), SERVER (https base URL for devices), PIN, LFSD_PID
start_lfsd() {
	local dir=${1:-$T/lfsd} i
	mkdir -p "$dir"
	rm -f "$dir/ports"
	LFSD_ADMIN_TOKEN=${LFSD_ADMIN_TOKEN:-device-test-admin-token}
	export LFSD_ADMIN_TOKEN
	# a sanitizer build of lfsc needs more address space than lfsd's build limit
	local memflag=
	grep -q __asan_init "$LFSC" 2>/dev/null && memflag="--build-memory 0"
	"$LFSD" --data-dir "$dir" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 \
		--poll-interval 1 $memflag >>"$dir.log" 2>&1 &
	LFSD_PID=$!
	PIDS="$PIDS $LFSD_PID"
	for i in $(seq 100); do
		[ -s "$dir/ports" ] && grep -q https= "$dir/ports" && break
		sleep 0.1
	done
	HTTP=http://$(sed -n 's/^http=//p' "$dir/ports")
	SERVER=https://$(sed -n 's/^https=//p' "$dir/ports")
	PIN=$("$DEV" --show-pin "$dir/tls/cert.pem")
}
stop_lfsd() {
	kill "$LFSD_PID" 2>/dev/null
	wait "$LFSD_PID" 2>/dev/null
}
admin() {   # admin METHOD PATH [JSON]
	if [ $# -ge 3 ]; then
		curl -sS -X "$1" -H "Authorization: Bearer $LFSD_ADMIN_TOKEN" \
			-H 'Content-Type: application/json' -d "$3" "$HTTP$2"
	else
		curl -sS -X "$1" -H "Authorization: Bearer $LFSD_ADMIN_TOKEN" "$HTTP$2"
	fi
}
# upload_build <dir> [options-json]: every .lua of dir -> build id on stdout
upload_build() {
	local dir=$1 opts=${2:-'{"timestamp":1700000000}'} f args=()
	for f in "$dir"/*.lua; do args+=(-F "file=@$f"); done
	curl -sS -H "Authorization: Bearer $LFSD_ADMIN_TOKEN" "${args[@]}" \
		-F "options=$opts;type=application/json" "$HTTP/build" | jq -r .id
}
release() {   # release <build id> [percent] [channel] -> release id
	admin POST /releases "{\"build_id\":$1,\"channel\":\"${3:-stable}\",\"rollout_percent\":${2:-100}}" |
		jq -r .id
}
add_device() {   # add_device <id> [channel] -> key
	admin POST /devices "{\"id\":\"$1\",\"channel\":\"${2:-stable}\"}" | jq -r .key
}
# device <id> <key> <datadir> [options...]: one --once cycle against $SERVER
device() {
	local id=$1 key=$2 data=$3
	shift 3
	"$DEV" --server "$SERVER" --device "$id" --key "$key" --pin-sha256 "$PIN" \
		--data "$data" --once "$@"
}

# ---- the emulated NodeMCU board (lfs-device --client lua) ----
# board <datadir> [options...]: one run of the board; init.lua and the other
# SPIFFS files are in <datadir>/spiffs/
board() {
	local data=$1
	shift
	"$DEV" --client lua --data "$data" "$@"
}
# lua_checks <output file> <count> <what>: the Lua scripts print "ok NAME" or
# "not ok NAME" (see check() in tests/device/nodemcu/*.lua); each becomes one
# TAP test, and exactly <count> of them must have run
lua_checks() {
	local out=$1 want=$2 what=$3 line n=0
	while IFS= read -r line; do
		case $line in
		"ok "*) ok 0 "$what: ${line#ok }"; n=$((n + 1)) ;;
		"not ok "*) ok 1 "$what: ${line#not ok }"; n=$((n + 1)) ;;
		esac
	done < "$out"
	is "$n" "$want" "$what: all $want checks ran"
}
