#!/bin/bash
# t0830-ota-client: releases that keep the NodeMCU client able to update.
# POST /build's option "ota_client" adds lfsd's Lua OTA client (lfsota.lua,
# and the reference _init.lua when the sources have none) from the checkout's
# device/nodemcu; the build says ota_client. A device's client ("lua" when it
# polls for the text manifest, else "c") is recorded and stored; a release
# without the client to a channel with Lua-client devices is refused (409)
# unless forced.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
C=$ROOT/device/nodemcu
mkdir -p "$T/app"
printf 'print("main")\n' > "$T/app/main.lua"
printf 'print("my _init")\n' > "$T/app/_init.lua"
build() {   # build <options json> <files...>: POST /build -> status, body in $T/body
	local o=$1 f args=()
	shift
	for f in "$@"; do args+=(-F "file=@$f"); done
	req "${args[@]}" -F "options=$o;type=application/json" "$URL/build"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

is "$(build '{"ota_client":true,"timestamp":1700000000}' "$T/app/main.lua")" 201 "a build with ota_client"
WITH=$(jq .id "$T/body")
is "$(jq -c '[.ota_client, [.files[] | .name + ":" + .sha256]]' "$T/body")" \
	"[true,[\"_init.lua:$(sha "$C/_init.lua")\",\"lfsota.lua:$(sha "$C/lfsota.lua")\",\"main.lua:$(sha "$T/app/main.lua")\"]]" \
	"... has lfsd's lfsota.lua and reference _init.lua beside main.lua; ota_client: true"
is "$(jq -c '[.modules[].name]' "$T/body")" '["_init","lfsota","main"]' "... the image lists the lfsota module"
curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$WITH/lfs.img" -o "$T/with.img"
"$LFSC" --inspect "$T/with.img" | grep -Eq '^    lfsota +[0-9]+ bytes'
ok $? "... and the image holds it (lfsc --inspect)"
is "$(build '{"ota_client":true,"timestamp":1700000000}' "$T/app/main.lua" "$T/app/_init.lua")" 201 "ota_client with an _init.lua of its own"
is "$(jq -r '.files[] | select(.name == "_init.lua") | .sha256' "$T/body")" "$(sha "$T/app/_init.lua")" "... keeps that _init"
cp "$C/lfsota.lua" "$T/app/"
is "$(build '{"ota_client":true}' "$T/app/main.lua" "$T/app/lfsota.lua")" 400 "ota_client and an uploaded lfsota.lua: 400"
is "$(jq -r .error.message "$T/body")" "option 'ota_client' adds lfsota.lua, which the upload also has: drop the file or the option" "... says why"
is "$(build '{"ota_client":"yes"}' "$T/app/main.lua")" 400 "ota_client not a boolean: 400"
is "$(build '{"timestamp":1700000000}' "$T/app/main.lua")" 201 "a build without the client"
WITHOUT=$(jq .id "$T/body")
is "$(jq .ota_client "$T/body")" false "... ota_client: false"

# which client each device polls with
jpost() { req -X POST -H 'Content-Type: application/json' -d "$2" "$URL$1"; }
is "$(jpost /devices '{"id":"nm-1","channel":"lua"}')" 201 "device nm-1 on channel lua"
KL=$(jq -r .key "$T/body")
is "$(jpost /devices '{"id":"agent-1","channel":"c"}')" 201 "device agent-1 on channel c"
KC=$(jq -r .key "$T/body")
poll() { curl -s -o /dev/null -w '%{http_code}' --cacert "$CACERT" -H "Authorization: Bearer $2" "$SURL/ota/latest?device=$1&nonce=$(openssl rand -hex 16)$3"; }
is "$(req "$URL/devices/nm-1" >/dev/null; jq .client "$T/body")" null "before any poll: client null"
is "$(poll nm-1 "$KL" '&format=text')" 204 "nm-1 polls for the text manifest"
is "$(poll agent-1 "$KC" '')" 204 "agent-1 polls for JSON"
is "$(req "$URL/devices/nm-1" >/dev/null; jq -r .client "$T/body")" lua "nm-1: client lua"
is "$(req "$URL/devices/agent-1" >/dev/null; jq -r .client "$T/body")" c "agent-1: client c"
sleep 2.5   # the fleet's flush
is "$(sqlite3 "$DATA/lfsd.db" "select group_concat(id || '=' || client) from (select * from devices order by id)")" \
	"agent-1=c,nm-1=lua" "stored with the device"

# releases that would cut the Lua client off
is "$(jpost /releases "{\"build_id\":$WITHOUT,\"channel\":\"lua\"}")" 409 "a build without the client to channel lua: 409"
jq -r .error.message "$T/body" | grep -q "build $WITHOUT has no lfsota module (lfsd's OTA client), but 1 device of channel 'lua' updates with it.*\"ota_client\": true.*\"force\": true"
ok $? "... says why and what to do"
is "$(req "$URL/releases?channel=lua" >/dev/null; jq '.releases | length' "$T/body")" 0 "... no release made"
is "$(jpost /releases "{\"build_id\":$WITHOUT,\"channel\":\"lua\",\"force\":\"yes\"}")" 400 "force not a boolean: 400"
is "$(jpost /releases "{\"build_id\":$WITH,\"channel\":\"lua\"}")" 201 "the build with the client: 201"
is "$(jpost /releases "{\"build_id\":$WITHOUT,\"channel\":\"c\"}")" 201 "without the client to a channel of C agents: 201"
is "$(jpost /releases "{\"build_id\":$WITHOUT,\"channel\":\"lua\",\"force\":true}")" 201 "forced: 201"
# restarted, lfsd still knows nm-1 runs the Lua client
stop_lfsd
start_lfsd "$DATA"; ok $? "lfsd restarted"
is "$(jpost /releases "{\"build_id\":$WITHOUT,\"channel\":\"lua\"}")" 409 "after a restart still refused"
stop_lfsd; is "$?" 0 "clean shutdown"
done_testing
