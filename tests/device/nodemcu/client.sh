# client.sh - helpers of the Lua client tests (sourced after lib.sh, with
# lfsd started): registers dev-1 (KEY) and picks its manifest key (MKEY); apps
# with the client, their builds, manifests (for the port in $TARGET,
# nodemcu-lua53 unless set), offers.
C=$ROOT/device/nodemcu
KEY=$(add_device dev-1)
MKEY=$(openssl rand -hex 32)
TARGET=${TARGET:-nodemcu-lua53}

# app <dir> <name> [extra main.lua line]: the client, the reference _init and a main
app() {
	mkdir -p "$1"
	cp "$C/lfsota.lua" "$C/_init.lua" "$1/"
	cat > "$1/main.lua" <<LUA
print("MAIN $2")
${3:-}
local ota = require("lfsota")
local offer = file.getcontents("offer.txt")
if offer then
  file.remove("offer.txt")
  ota.offer(offer, file.getcontents("offer.nonce"))
end
LUA
}
# manifest <device> <release> <sha> <size> <url> <rollback> <nonce> [hex key]
manifest() {
	local text
	text=$(printf 'lfsd-manifest 1\ndevice %s\nchannel stable\nrelease %s\nversion %s\nsha256 %s\nsize %s\ntarget %s\nurl %s\nrollback %s\nnonce %s\nissued 1764393600\npoll 0\nmodules _init,main,lfsota\n' \
		"$1" "$2" "$2" "$3" "$4" "$TARGET" "$5" "$6" "$7")
	printf '%s\n' "$text"
	printf '%s\n' "$text" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:${8:-$MKEY}" |
		awk '{print "mac " $NF}'
}
# offer <manifest args...>: the next boot's main hands this manifest to lfsota
offer() {
	local nonce
	nonce=$(openssl rand -hex 16)
	printf '%s' "$nonce" > "$T/d/spiffs/offer.nonce"
	manifest "$1" "$2" "$3" "$4" "$5" "$6" "${7:-$nonce}" "${8:-}" > "$T/d/spiffs/offer.txt"
}
img() { admin GET "/builds/$1/lfs.img" > "$2"; }
# build <name> <timestamp> [main line]: app <name> built by lfsd for $TARGET
# and released: $T/<name>.img, S_<name> (SHA-256), R_<name> (release), Z_<name> (size)
build() {
	app "$T/$1" "$1" "${3:-}"
	local b
	b=$(upload_build "$T/$1" "{\"timestamp\":$2,\"target\":\"$TARGET\"}")
	eval "R_$1=\$(release $b)"
	img "$b" "$T/$1.img"
	eval "S_$1=\$(sha256 \$T/$1.img); Z_$1=\$(stat -c %s \$T/$1.img)"
}
events() { admin GET /devices/dev-1 | jq -r '[.events[] | .state + ":" + (.detail // "")] | reverse | join("\n")'; }
# board_setup <tls port> <sha of the first image>: SPIFFS with the reference
# init.lua and the client configuration lfsd would issue
board_setup() {
	mkdir -p "$T/d/spiffs"
	cp "$C/init.lua" "$T/d/spiffs/"
	cat > "$T/d/spiffs/lfsd_cfg.lua" <<LUA
return { host = "localhost", ip = "127.0.0.1", port = $1, device = "dev-1",
  key = "$KEY", mkey = "$MKEY", channel = "stable", poll = 0, checkin = 5, image = "$2",
  ca = [[
$(cat "$CACERT")
]] }
LUA
}
