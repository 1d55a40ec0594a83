# tests/device/lib.sh - helpers for lfs-device tests (sourced by *.t).
# Gives tests/lib.sh ($T, $APPS, $LFSC, ok, is, done_testing) and
# tests/lfsd.sh (start_lfsd, stop_lfsd, $URL, $TLS_ADDR, $PIN, $TOKEN, ...),
# plus $DEV (lfs-device), sha256, make_app (a conformance app + an _init
# printing a marker) and, for the end-to-end tests, admin calls and one
# device cycle against the lfsd started last.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lfsd.sh"
set -u
DEV=$BUILD/bin/lfs-device
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# make_app <dir> <marker> [lfsc options...]: json_config app + _init printing
# "MARKER <marker> {"a":1}" (json_encode runs from flash); image in <dir>/app.img
make_app() {
	local dir=$1 marker=$2
	shift 2
	mkdir -p "$dir"
	cp "$APPS"/json_config/*.lua "$dir"/
	cat > "$dir/_init.lua" <<LUA
local encode = node.LFS.get("json_encode")()
print("MARKER $marker " .. encode({a = 1}))
LUA
	(cd "$dir" && "$LFSC" -f -o app.img --timestamp 1700000000 "$@" ./*.lua >/dev/null)
}

# ---- end-to-end helpers: a real lfsd (start_lfsd DIR --poll-interval 1) ----
need_lfsd() {   # skips the whole test when lfsd is not built
	if [ ! -x "$LFSD" ]; then echo "1..0 # SKIP lfsd not built"; exit 0; fi
}
admin() {   # admin METHOD PATH [JSON]
	if [ $# -ge 3 ]; then
		curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: application/json' -d "$3" "$URL$2"
	else
		curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" "$URL$2"
	fi
}
# upload_build <dir> [options-json]: every .lua of dir -> build id on stdout
upload_build() {
	local dir=$1 opts=${2:-'{"timestamp":1700000000}'} f args=()
	for f in "$dir"/*.lua; do args+=(-F "file=@$f"); done
	curl -sS -H "Authorization: Bearer $TOKEN" "${args[@]}" \
		-F "options=$opts;type=application/json" "$URL/build" | jq -r .id
}
release() {   # release <build id> [percent] [channel] -> release id
	admin POST /releases "{\"build_id\":$1,\"channel\":\"${3:-stable}\",\"rollout_percent\":${2:-100}}" |
		jq -r .id
}
add_device() {   # add_device <id> [channel] -> key
	admin POST /devices "{\"id\":\"$1\",\"channel\":\"${2:-stable}\"}" | jq -r .key
}
# device <id> <key> <datadir> [options...]: one --once cycle against lfsd's
# HTTPS listener (or $VIA, host:port, e.g. the mitm), its certificate pinned
device() {
	local id=$1 key=$2 data=$3
	shift 3
	"$DEV" --server "https://${VIA:-$TLS_ADDR}" --device "$id" --key "$key" \
		--pin-sha256 "$PIN" --data "$data" --once "$@"
}
# poll_manifest <id> <key> [query]: a poll as the device would make it, with a
# nonce of its own (the body on stdout; JSON form unless query has format=text)
# powercut_sweep ID KEY BASE DRY OPS TAIL [ARGS...]: an update cut at every
# flash step: for n in 1..OPS a copy of BASE runs device ID (ARGS added) with
# --power-cut-at n, then powers on again. Checks (five oks): every run ended
# in the cut; the next power-on runs "MARKER v2 TAIL"; no run printed
# anything but whole v1/v2 markers; the partition equals DRY's (the uncut
# update's); lfsd's last event is v2 (sha $V2) booted with every report
# delivered. Sets TORN to the runs whose boot detected a torn LFS load.
powercut_sweep() {
	local id=$1 key=$2 base=$3 dry=$4 ops=$5 tail=$6 n d ev
	local bad_exit=0 bad_boot=0 partial=0 bad_flash=0 bad_report=0
	shift 6
	TORN=0
	for n in $(seq 1 "$ops"); do
		d=$T/cut$n
		cp -r "$base" "$d"
		device "$id" "$key" "$d" "$@" --power-cut-at "$n" > "$d.out1" 2> "$d.err1"
		[ $? -eq 99 ] || { bad_exit=1; echo "# step $n: no power cut"; }
		device "$id" "$key" "$d" "$@" > "$d.out2" 2> "$d.err2"
		grep -qxF "MARKER v2 $tail" "$d.out2" || { bad_boot=1; echo "# step $n: v2 did not run"; }
		grep -q 'torn LFS load detected' "$d.err2" && TORN=$((TORN + 1))
		cat "$d.out1" "$d.out2" | grep -vxF -e "MARKER v1 $tail" -e "MARKER v2 $tail" |
			grep -q . && partial=1
		cmp -s "$dry/flash.bin" "$d/flash.bin" || { bad_flash=1; echo "# step $n: flash differs"; }
		ev=$(admin GET "/devices/$id" | jq -c '.events[0] | [.state, .sha256]')
		[ "$ev" = "[\"booted\",\"$V2\"]" ] && [ "$(jq '.outbox | length' "$d/state.json")" = 0 ] ||
			{ bad_report=1; echo "# step $n: last event $ev"; }
	done
	ok $bad_exit "each of the $ops runs ended in a power cut"
	ok $bad_boot "after each cut the next power-on runs v2"
	ok $partial "no run printed anything but whole v1/v2 markers"
	ok $bad_flash "after each cut the partition equals the uncut update's"
	ok $bad_report "after each cut v2 is reported booted and every report delivered"
}

poll_manifest() {
	curl -sS --cacert "$CACERT" -H "Authorization: Bearer $2" \
		"https://localhost:${TLS_ADDR##*:}/ota/latest?device=$1&nonce=$(openssl rand -hex 16)${3:-}"
}

# ---- an attacker who holds lfsd's TLS identity (tests/device/mitm.py) ----
# start_mitm: relays to the lfsd started last with its certificate and key;
# MITM_ADDR (127.0.0.1:port), MITM (its control directory). mitm_honest
# clears every tampering; mitm_set <file> <content> sets one.
start_mitm() {
	MITM=$T/mitm
	mkdir -p "$MITM"
	rm -f "$T/mitm.port"
	python3 "$ROOT/tests/device/mitm.py" "$DATA/tls/cert.pem" "$DATA/tls/key.pem" \
		"${TLS_ADDR##*:}" "$T/mitm.port" "$MITM" 2>> "$MITM/log" &
	PIDS="$PIDS $!"
	local i
	for i in $(seq 100); do [ -s "$T/mitm.port" ] && break; sleep 0.05; done
	MITM_ADDR=127.0.0.1:$(cat "$T/mitm.port")
}
mitm_honest() { rm -f "$MITM/replay" "$MITM/replay.type" "$MITM/as" "$MITM/current" "$MITM/forge" "$MITM/flip" "$MITM/cut"; }
mitm_set() { printf '%s' "$2" > "$MITM/$1"; }

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
