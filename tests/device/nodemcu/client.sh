# client.sh - helpers of the Lua client tests (sourced after lib.sh, with
# lfsd started with --poll-interval 1): registers dev-1 (KEY) and keeps the
# client configuration lfsd issued for it ($T/dev-1.json); apps with the
# client, their builds and releases (for the port in $TARGET, nodemcu-lua53
# unless set), the board's SPIFFS, manifests as only the key holder makes them.
C=$ROOT/device/nodemcu
TARGET=${TARGET:-nodemcu-lua53}
register() {   # register <id>: POST /devices -> $T/<id>.json (key, client_config)
	admin POST /devices "{\"id\":\"$1\",\"channel\":\"stable\"}" > "$T/$1.json"
}
register dev-1
KEY=$(jq -r .key "$T/dev-1.json")

# app <dir> <name> [extra main.lua line]: the client, the reference _init and a main
app() {
	mkdir -p "$1"
	cp "$C/lfsota.lua" "$C/_init.lua" "$1/"
	printf 'print("MAIN %s")\n%s\n' "$2" "${3:-}" > "$1/main.lua"
}
img() { admin GET "/builds/$1/lfs.img" > "$2"; }
# build <name> <timestamp> [main line] [target]: app <name> built by lfsd:
# $T/<name>.img, B_<name> (build id), S_<name> (SHA-256), Z_<name> (size)
build() {
	app "$T/$1" "$1" "${3:-}"
	local b
	b=$(upload_build "$T/$1" "{\"timestamp\":$2,\"target\":\"${4:-$TARGET}\"}")
	img "$b" "$T/$1.img"
	eval "B_$1=$b; S_$1=\$(sha256 \$T/$1.img); Z_$1=\$(stat -c %s \$T/$1.img)"
}
# rel <name>: releases build <name> to stable (R_<name>: the release id)
rel() { eval "R_$1=\$(release \$B_$1)"; }
events() { admin GET /devices/dev-1 | jq -r '[.events[] | .state + ":" + (.detail // "")] | reverse | join("\n")'; }
# board_setup <tls port> [sha of the first image]: SPIFFS with the reference
# init.lua and the client configuration lfsd issued at registration, the
# optional `image` (what the first image is) added when given, checkin 5 s
board_setup() {
	mkdir -p "$T/d/spiffs"
	cp "$C/init.lua" "$T/d/spiffs/"
	jq -r .client_config "$T/dev-1.json" |
		sed "${2:+s/^return {$/return { image = \"$2\",/;} s/^  host = \"\([^\"]*\)\", port = [0-9]*,$/  host = \"\1\", port = $1,/; s/checkin = 60/checkin = 5/" \
		> "$T/d/spiffs/lfsd_cfg.lua"
}
cfg_port() { sed -i "s/port = [0-9]*/port = $1/" "$T/d/spiffs/lfsd_cfg.lua"; }
# text_poll <id> <key> [query]: a text manifest as lfsd answers the device
text_poll() { poll_manifest "$1" "$2" "&format=text${3:-}"; }
# forge <manifest text file>: the mitm answers each poll with this text (its
# mac dropped), the poll's nonce put in and a mac under dev-1's manifest key
forge() {
	{ sed -n 's/^  mkey = "\([0-9a-f]*\)",.*/\1/p' "$T/d/spiffs/lfsd_cfg.lua"
	  sed '/^mac /,$d; s/^nonce .*/nonce NONCE/' "$1"; } > "$MITM/forge.tmp"
	mv "$MITM/forge.tmp" "$MITM/forge"
}
last_failure() {   # lfsd's newest failed report of dev-1 (JSON), or null
	admin GET /devices/dev-1 | jq -c 'first(.events[] | select(.state == "failed")) // null'
}
# refused <what> <detail regexp>: a board run (options of the port in $LUA_PORT,
# e.g. --lua 5.1) reports a new failure that matches; B runs on, no reload
refused() {
	local before after
	before=$(last_failure)
	board "$T/d" ${LUA_PORT:-} --until "delivered	failed" --run-for 30 > "$T/out" 2> "$T/err"
	grep -q '^MAIN B$' "$T/out" && ! grep -q 'LFS load\|LFS region updated\|reset' "$T/out" "$T/err"
	ok $? "$1: B keeps running, no reload"
	after=$(last_failure)
	[ "$after" != "$before" ] && jq -e --arg d "$2" '.detail | test($d)' <<< "$after" > /dev/null
	ok $? "$1: reported failed ($2)"
}
