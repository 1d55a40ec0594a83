#!/usr/bin/env bash
# The C agent against an attacker who holds lfsd's TLS identity
# (tests/device/mitm.py relays to the real lfsd with lfsd's certificate and
# key): a replayed manifest of an older release (downgrade), a replayed
# manifest of a revoked release, a poll relayed as a device of another
# channel, a relay that lies about the running image while the device's
# release is paused (lfsd then offers an older release, without a signed
# rollback) - each refused before flash with the reason, reported failed, the
# old image running on. A device configured for another channel than lfsd's
# refuses its offers. Then the legitimate way down: a revoke with fallback,
# signed "rollback 1", lowers the floor.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/lfsd" --poll-interval 1
start_mitm
KEY=$(add_device dev-r)
KEYB=$(add_device dev-b beta)
KEYC=$(add_device dev-c beta)
for v in 1 2 3 4; do make_app "$T/v$v" "v$v"; done
up() { upload_build "$T/v$1" "{\"timestamp\":170000000$1}"; }
B1=$(up 1) B2=$(up 2) B3=$(up 3) B4=$(up 4)
run() { device dev-r "$KEY" "$T/d" --channel stable "$@" > "$T/out" 2> "$T/err"; }
cur() { jq -r .current "$T/d/state.json"; }

# what the attacker recorded: lfsd's offers of v1, v2 and v3 to this device
R1=$(release "$B1")
poll_manifest dev-r "$KEY" > "$T/m1.json"
run
grep -q '^MARKER v1 ' "$T/out"; ok $? "v1 (release $R1) installed from lfsd"
R2=$(release "$B2")
poll_manifest dev-r "$KEY" "&current=$(cur)" > "$T/m2.json"
run
grep -q '^MARKER v2 ' "$T/out"; ok $? "v2 (release $R2) installed"
V2=$(cur)
R3=$(release "$B3")
poll_manifest dev-r "$KEY" "&current=$V2" > "$T/m3.json"
jq -e --argjson r "$R3" '.release == $r' "$T/m3.json" > /dev/null; ok $? "release $R3 offered and recorded"
admin PATCH "/releases/$R3" '{"action":"revoke"}' > /dev/null
is "$(jq .floor "$T/d/state.json")" "$R2" "the device's anti-rollback floor is release $R2"
is "$(admin GET /devices/dev-r | jq .floor)" "$R2" "lfsd knows it (the booted report of its own offer)"

# refused <what> <reason>: one cycle through the mitm: refused before
# anything was downloaded or flashed, failed reported with the reason, v2 runs
refused() {
	local before after
	before=$(sha256 "$T/d/flash.bin")
	VIA=$MITM_ADDR run
	after=$(sha256 "$T/d/flash.bin")
	grep -q "manifest refused: $2" "$T/err"; ok $? "$1: refused ($2)"
	is "$after" "$before" "$1: flash unchanged"
	grep -q 'done: .*flash operations 0$' "$T/err" && ! grep -q 'download:' "$T/err"
	ok $? "$1: nothing downloaded, erased or programmed"
	grep -q '^MARKER v2 ' "$T/out" && [ "$(cur)" = "$V2" ]; ok $? "$1: v2 keeps running"
	admin GET /devices/dev-r | jq -e --arg r "manifest refused: $2" \
		'.events[0] | .state == "failed" and (.detail | startswith($r))' > /dev/null
	ok $? "$1: reported failed with the reason"
}

mitm_honest; cp "$T/m1.json" "$MITM/replay"
refused "downgrade: the recorded offer of v1 replayed" "manifest nonce is not the one sent (replayed)"
mitm_honest; cp "$T/m3.json" "$MITM/replay"
refused "the recorded offer of revoked v3 replayed" "manifest nonce is not the one sent (replayed)"
R4=$(release "$B4" 100 beta)
mitm_honest; mitm_set as "dev-b $KEYB"
refused "the poll relayed as beta device dev-b" "manifest is for device dev-b"
grep -q "tampered /ota/latest" "$MITM/log"; ok $? "(the mitm relayed it, with the device's nonce)"
# a relay that says the device runs nothing while v2 is paused: lfsd offers
# v1, below the device's floor, and signs no rollback for it
admin PATCH "/releases/$R2" '{"action":"pause"}' > /dev/null
mitm_honest; mitm_set current none
refused "downgrade by a relay lying about the running image" \
	"release $R1 is below the anti-rollback floor $R2"
admin GET /devices/dev-r | jq -e --argjson r "$R1" '.last_offer.id == $r and
	.last_offer.rollback == false' > /dev/null
ok $? "lfsd offered release $R1 without a signed rollback (v2 paused, not revoked)"
admin PATCH "/releases/$R2" '{"action":"resume"}' > /dev/null
mitm_honest
run
grep -q 'poll: up to date' "$T/err" && [ "$(cur)" = "$V2" ]; ok $? "straight to lfsd: up to date on v2"

# lfsd has dev-c in beta; the device was set up for stable
device dev-c "$KEYC" "$T/dc" --channel stable > "$T/out" 2> "$T/err"
grep -q 'manifest refused: manifest is for channel beta' "$T/err" &&
	grep -q 'done: .*flash operations 0$' "$T/err"
ok $? "a device set up for stable refuses an offer of channel beta, before flash"

# the legitimate way down: v2 revoked, lfsd falls back to v1 and signs it
# as a rollback for this device; the floor comes down with it
admin PATCH "/releases/$R2" '{"action":"revoke"}' > /dev/null
run
grep -q "poll: update to .*release $R1.*a signed rollback" "$T/err" && grep -q '^MARKER v1 ' "$T/out"
ok $? "revoke with fallback: v1 offered with rollback 1 and installed"
is "$(jq .floor "$T/d/state.json")" "$R1" "the floor is release $R1 again"
admin GET /devices/dev-r | jq -e --argjson r "$R1" '.floor == $r and .last_offer.rollback == true and
	.unoffered_sha256 == null' > /dev/null
ok $? "lfsd: floor $R1, its last offer a signed rollback, no booted report flagged"
done_testing
