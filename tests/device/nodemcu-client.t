#!/usr/bin/env bash
# lfsd's Lua OTA client (device/nodemcu/lfsota.lua) on the emulated 5.3 board
# against a real lfsd over TLS: an update A -> B (download, verify, reload,
# restart, B's _init, booted, committed), the refusals before any reload
# (tag, device, replay, downgrade, flipped byte, truncated), a resumed
# download, and rollbacks. Until lfsd answers polls with the text manifest
# (MANIFEST.md), the test hands the client the manifest it would receive,
# authenticated with a manifest key of its own (lfsota.offer).
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/data" --report-rate 60000   # a report per refusal and per power cut: more than a device sends


. "$ROOT/tests/device/nodemcu/client.sh"

app "$T/a" A
app "$T/b" B
BA=$(upload_build "$T/a" '{"timestamp":1700000000}')
BB=$(upload_build "$T/b" '{"timestamp":1700000100}')
RA=$(release "$BA")
RB=$(release "$BB")
img "$BA" "$T/A.img"
img "$BB" "$T/B.img"
SA=$(sha256 "$T/A.img")
SB=$(sha256 "$T/B.img")
ok $? "images A and B built with the client and released (releases $RA, $RB)"

board_setup "${TLS_ADDR##*:}" "$SA"
board "$T/d" --reload "$T/A.img" --run-for 20 > "$T/out" 2> "$T/err"
grep -q '^MAIN A$' "$T/out"; ok $? "the board runs A: init.lua -> _init -> lfsota.start -> main"

# ---- A -> B
offer dev-1 "$RB" "$SB" "$(stat -c %s "$T/B.img")" "/ota/images/$SB?device=dev-1" 0
board "$T/d" --until "delivered	downloaded" --run-for 60 > "$T/out" 2> "$T/err"
grep -q "delivered	downloaded	$SB" "$T/out"; ok $? "B downloaded and verified; the reload comes next"
cp -a "$T/d" "$T/ready"

# a power cut at every erase/program step of the load: B ends up running
# and committed, and no partial image ever runs
k=0 bad=0
while :; do
	k=$((k + 1))
	rm -rf "$T/d" && cp -a "$T/ready" "$T/d"
	board "$T/d" --power-cut-at $k --until committed --run-for 60 > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc -eq 0 ] && break
	[ $rc -eq 99 ] || { bad=1; echo "# step $k: exit $rc"; break; }
	board "$T/d" --until committed --run-for 60 > "$T/out2" 2> "$T/err2" || bad=1
	grep -q "^MAIN B$" "$T/out2" && grep -q "committed" "$T/out2" || { bad=1; echo "# step $k: not committed"; }
	grep -v '^MAIN [AB]$' "$T/out" "$T/out2" | grep -q '^[^:]*:MAIN' && bad=1
done
[ $bad -eq 0 ] && [ $k -gt 8 ]
ok $? "a power cut at each of the load's $((k - 1)) flash steps ends with B running and committed"
ok $rc "update run ends with the commit"
sed -n 's/.*boot ended: Lua heap peak \([0-9]*\) bytes.*/# Lua heap peak of a boot: \1 bytes/p' "$T/err"
grep -q '^MAIN B$' "$T/out"; ok $? "after the reload and restart B's main runs"
grep -q "^lfsota:	image	$SB	committed$" "$T/out"; ok $? "B committed after its booted report was delivered"
events | cut -d: -f1 | tr '\n' , | grep -qx 'downloading,downloaded,\(applied,booted,\)*applied,booted,'
ok $? "lfsd saw downloading, downloaded, then applied and booted (once per cut run)"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$SB" "lfsd shows B running"
grep -q '^floor '"$RB"'$' "$T/d/spiffs/ota.state"; ok $? "the anti-rollback floor is B's release"
[ -e "$T/d/spiffs/ota-${SA:0:16}.img" ] && [ -e "$T/d/spiffs/ota-${SB:0:16}.img" ] ||
	[ -e "$T/d/spiffs/ota-${SB:0:16}.img" ]
ok $? "B's image kept in SPIFFS"

# ---- refusals: each reported failed with the reason, nothing reloaded, B runs on
refused() {   # refused <what> <detail regexp>
	board "$T/d" --until "delivered	failed" --run-for 30 > "$T/out" 2> "$T/err"
	grep -q '^MAIN B$' "$T/out" && ! grep -q 'LFS load\|reset' "$T/out" "$T/err"
	ok $? "$1: B keeps running, no reload"
	admin GET /devices/dev-1 | jq -e --arg d "$2" '.events | map(select(.state == "failed" and
		((.detail // "") | test($d)))) | length >= 1' > /dev/null
	ok $? "$1: reported failed ($2)"
}
SIZEB=$(stat -c %s "$T/B.img")
offer dev-1 "$RB" "$SB" "$SIZEB" "/ota/images/$SB?device=dev-1" 0 "" "$(openssl rand -hex 32)"
refused "wrong tag" "manifest tag does not verify"
offer dev-2 "$RB" "$SB" "$SIZEB" "/ota/images/$SB?device=dev-2" 0
refused "another device" "manifest is for device dev-2"
offer dev-1 "$RB" "$SB" "$SIZEB" "/ota/images/$SB?device=dev-1" 0 "$(openssl rand -hex 16)"
refused "replayed manifest (another nonce)" "nonce is not the one sent"
offer dev-1 "$RA" "$SA" "$(stat -c %s "$T/A.img")" "/ota/images/$SA?device=dev-1" 0
refused "downgrade to A's release" "below the anti-rollback floor"
FLIP=$(python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[len(d)//2]^=1; sys.stdout.buffer.write(d)' "$T/A.img" | sha256sum | cut -d' ' -f1)
offer dev-1 "$((RB + 1))" "$FLIP" "$(stat -c %s "$T/A.img")" "/ota/images/$SA?device=dev-1" 0
refused "a flipped byte (sha256 differs)" "sha256 mismatch"
offer dev-1 "$((RB + 1))" "$SA" "$(( $(stat -c %s "$T/A.img") + 100 ))" "/ota/images/$SA?device=dev-1" 0
refused "a truncated download" "rejected before flashing"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$SB" "B still shown running"

# a firmware built without crypto: the client says so and does nothing
board "$T/d" --modules file,net,node,tmr,tls --run-for 5 > "$T/out" 2>&1
grep -q "^lfsota:	this firmware lacks the 'crypto' module; no OTA updates$" "$T/out" &&
	grep -q '^MAIN B$' "$T/out"
ok $? "without crypto the client names the missing module; the application still runs"
done_testing
