#!/usr/bin/env bash
# lfsd's Lua OTA client (device/nodemcu/lfsota.lua) on the emulated 5.3 board
# against a real lfsd over TLS, configured with the lfsd_cfg.lua lfsd issued
# at registration: an update A -> B from real polls (download, verify,
# reload, restart, B's _init, booted, committed), then 204 and nothing
# downloaded; the refusals before any reload, with genuine lfsd manifests
# through a relay that holds lfsd's TLS identity (tests/device/mitm.py): a
# field changed (tag), another device's manifest, an older release's replayed
# manifest, a downgrade with a valid tag (made with the device's manifest
# key, as only lfsd could), a flipped byte, a truncated download.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/data" --poll-interval 1 --report-rate 60000   # a report per refusal and per power cut: more than a device sends
. "$ROOT/tests/device/nodemcu/client.sh"

build A 1700000000
build B 1700000100
build C 1700000200
rel A
ok $? "images A, B, C built with the client; A released ($R_A)"
register dev-2
text_poll dev-1 "$KEY" "&current=$(printf '0%.0s' $(seq 64))" > "$T/oldA.txt"
grep -q "^release $R_A$" "$T/oldA.txt" && grep -q '^mac ' "$T/oldA.txt"
ok $? "a genuine manifest of release $R_A for dev-1 recorded (for a replay later)"

board_setup "${TLS_ADDR##*:}"   # no `image` line: the poll says A's LFS timestamp and size
board "$T/d" --reload "$T/A.img" --until "up to date" --run-for 20 > "$T/out" 2> "$T/err"
grep -q '^MAIN A$' "$T/out" && grep -q 'up to date (HTTP 204)' "$T/out" && ! grep -q downloading "$T/out"
ok $? "the board runs A (init.lua -> _init -> lfsota.start -> main) and its poll gets 204"

# ---- A -> B: lfsd releases B, the board's next poll takes it
rel B
board "$T/d" --until "delivered	downloaded" --run-for 60 > "$T/out" 2> "$T/err"
grep -q "delivered	downloaded	$S_B" "$T/out"; ok $? "B polled, downloaded and verified; the reload comes next"
grep -q "report	downloading	$S_B	/ota/images/$S_B?device=dev-1" "$T/out"; ok $? "... from lfsd's manifest (its url)"
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
grep -q "^lfsota:	image	$S_B	committed$" "$T/out"; ok $? "B committed after its booted report was delivered"
events | cut -d: -f1 | tr '\n' , | grep -qx 'downloading,downloaded,\(applied,booted,\)*applied,booted,'
ok $? "lfsd saw downloading, downloaded, then applied and booted (once per cut run)"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$S_B" "lfsd shows B running"
grep -q '^floor '"$R_B"'$' "$T/d/spiffs/ota.state"; ok $? "the anti-rollback floor is B's release"
[ -e "$T/d/spiffs/ota-${S_A:0:16}.img" ] && [ -e "$T/d/spiffs/ota-${S_B:0:16}.img" ] ||
	[ -e "$T/d/spiffs/ota-${S_B:0:16}.img" ]
ok $? "B's image kept in SPIFFS"

# ---- the second poll: up to date, nothing downloaded
n0=$(events | wc -l)
board "$T/d" --until "up to date" --run-for 20 > "$T/out" 2> "$T/err"
grep -q 'up to date (HTTP 204)' "$T/out" && ! grep -q 'downloading' "$T/out" && [ "$(events | wc -l)" -eq "$n0" ]
ok $? "the next poll gets 204: nothing downloaded, nothing reported"

# ---- refusals: each reported failed with the reason, nothing reloaded, B runs on
start_mitm
cfg_port "${MITM_ADDR##*:}"
text_poll dev-1 "$KEY" "&current=$S_A" > "$T/B.txt"
sed "s/^release $R_B$/release $((R_B + 9))/" "$T/B.txt" > "$T/Bx.txt"
mitm_set replay "$(cat "$T/Bx.txt")"$'\n'; mitm_set replay.type text/plain
refused "lfsd's manifest with its release changed" "manifest tag does not verify"
mitm_honest; mitm_set as "dev-2 $(jq -r .key "$T/dev-2.json")"; mitm_set current none
refused "another device's manifest (dev-2's, fresh from lfsd)" "manifest tag does not verify"
grep -q 'tampered /ota/latest' "$MITM/log"; ok $? "... the relay asked lfsd as dev-2"
mitm_honest; mitm_set replay "$(cat "$T/oldA.txt")"$'\n'; mitm_set replay.type text/plain
refused "release $R_A's recorded manifest replayed (downgrade)" "nonce is not the one sent"
mitm_honest; forge "$T/oldA.txt"
refused "release $R_A with a valid tag and the poll's nonce" "release $R_A is below the anti-rollback floor $R_B"
mitm_honest; mitm_set flip 1
rel C
refused "C with a flipped byte" "sha256 mismatch"
sed -i "/^bad /d" "$T/d/spiffs/ota.state"
mitm_honest; mitm_set cut 1
refused "C truncated" "size mismatch"
grep -q 'cut after' "$MITM/log"; ok $? "... the relay cut the download"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$S_B" "B still shown running"
mitm_honest

# a firmware built without crypto: the client says so and does nothing
board "$T/d" --modules file,net,node,tmr,tls --run-for 5 > "$T/out" 2>&1
grep -q "^lfsota:	this firmware lacks the 'crypto' module; no OTA updates$" "$T/out" &&
	grep -q '^MAIN B$' "$T/out"
ok $? "without crypto the client names the missing module; the application still runs"
done_testing
