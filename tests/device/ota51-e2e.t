#!/usr/bin/env bash
# The Lua 5.1 port end to end against a real lfsd: lfsd builds a 5.1 app
# ("target":"nodemcu-lua51") with an _init; a 5.1 lfs-device updates, loads
# it with the 5.1 loader (lfs-format.md §B4), restarts, runs _init with the
# reference Lua 5.1 and reports booted; a 5.3 device refuses the 5.1 image
# before flashing, with the reason. Then a power cut at every erase/program
# step of a 5.1 update: each run ends with the new image running and
# reported, and no run executes a partly written image.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/lfsd" --poll-interval 1 --report-rate 60000   # a power cut per flash step: hundreds of reports a minute
L51=$CONF/lua51/src
make_app51() {   # make_app51 <dir> <marker> <apps...>: 5.1 apps + an _init marker
	local dir=$1 marker=$2 app
	shift 2
	mkdir -p "$dir"
	for app in "$@"; do cp "$L51/$app"/*.lua "$dir"/; done
	cat > "$dir/_init.lua" <<LUA
local json = node.LFS.get("json")()
print("MARKER $marker " .. json.encode({a = 1}) .. " " .. _VERSION .. " " .. 7 / 2)
LUA
}
opts51() { echo "{\"timestamp\":$1,\"target\":\"nodemcu-lua51\"}"; }

KEY=$(add_device dev-51)
make_app51 "$T/v1" v1 json51
B1=$(upload_build "$T/v1" "$(opts51 1700000000)")
is "$(admin GET "/builds/$B1" | jq -r .options.target)" nodemcu-lua51 "lfsd built the app for nodemcu-lua51"
V1=$(admin GET "/builds/$B1" | jq -r .sha256)
release "$B1" >/dev/null
curl -sS -H "Authorization: Bearer $TOKEN" "$URL/builds/$B1/lfs.img" -o "$T/v1.img"
is "$(od -An -tx1 -N2 "$T/v1.img" | tr -d ' ')" 1f8b "the 5.1 image is a gzip file (§B2)"
grep -q '^lfsd_target_builds_total{target="nodemcu-lua51",result="ok"} 1$' \
	<(curl -s "$URL/metrics"); ok $? "/metrics counts the build under its target"

device dev-51 "$KEY" "$T/d" --target nodemcu-lua51 > "$T/out" 2> "$T/err"
ok $? "5.1 device cycle exits 0"
grep -q '^MARKER v1 {"a":1} Lua 5.1 3.5$' "$T/out"; ok $? "_init ran on the reference Lua 5.1 (doubles)"
grep -q "report booted $V1 delivered" "$T/err"; ok $? "booted reported and delivered"
dev=$(admin GET /devices/dev-51)
is "$(jq -r .running_sha256 <<<"$dev")" "$V1" "lfsd shows the 5.1 image running"
is "$(jq -r '[.events[].state] | reverse | join(",")' <<<"$dev")" \
	"downloading,downloaded,applied,booted" "events: downloading, downloaded, applied, booted"
"$LFSC" -F "$T/v1.img" -a 0x40296000 -o "$T/v1.abs"
cmp -s <(head -c "$(stat -c %s "$T/v1.abs")" "$T/d/flash.bin" | tail -c +5) <(tail -c +5 "$T/v1.abs")
ok $? "the partition holds the relocated image (lfsc -a, §B4 pass 2)"
is "$(od -An -tx1 -N4 "$T/d/flash.bin" | tr -d ' ')" 54a1fafa "with the port's signature 0xfafaa154"

KEY53=$(add_device dev-53)
device dev-53 "$KEY53" "$T/d53" > "$T/out" 2> "$T/err"
grep -q "manifest refused: image target nodemcu-lua51 is not nodemcu-lua53" "$T/err"
ok $? "a 5.3 device refuses the 5.1 image before flashing, with the reason"
[ ! -s "$T/d53/flash.bin" ] || ! od -An -tx1 -N4 "$T/d53/flash.bin" | grep -qv 'ff ff ff ff'
ok $? "... and its flash is untouched"

# power cut at every flash step of a 5.1 update (v1 -> v2)
make_app51 "$T/v2" v2 json51 irrigation51 telnet51
B2=$(upload_build "$T/v2" "$(opts51 1700000100)")
V2=$(admin GET "/builds/$B2" | jq -r .sha256)
release "$B2" >/dev/null
cp -r "$T/d" "$T/dry"
device dev-51 "$KEY" "$T/dry" --target nodemcu-lua51 > "$T/out" 2> "$T/err"
grep -q '^MARKER v2 {"a":1} Lua 5.1 3.5$' "$T/out"; ok $? "an uncut 5.1 update runs v2"
OPS=$(sed -n 's/.*flash operations \([0-9]*\)$/\1/p' "$T/err")
[ "${OPS:-0}" -gt 5 ]; ok $? "the 5.1 reload takes $OPS erase/program operations"
powercut_sweep dev-51 "$KEY" "$T/d" "$T/dry" "$OPS" '{"a":1} Lua 5.1 3.5' --target nodemcu-lua51
[ $TORN -gt 0 ]; ok $? "interrupted loads (in-progress bit) detected at boot ($TORN of $OPS)"
done_testing
