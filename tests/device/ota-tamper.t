#!/usr/bin/env bash
# Tampered images are rejected before flash is touched, reported failed with
# the reason, and the old image keeps running: one flipped byte and a
# truncated image in lfsd's blob store (lfsd checks a blob against its sha256
# before serving it and answers 500; uploading the sources again repairs it),
# a manifest whose signature does not verify with the key the device pins,
# a valid image of the wrong target.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/lfsd" --poll-interval 1
KEY=$(add_device dev-t)
make_app "$T/v1" v1
release "$(upload_build "$T/v1")" >/dev/null
device dev-t "$KEY" "$T/d" > "$T/out" 2> "$T/err"
grep -q '^MARKER v1 ' "$T/out"; ok $? "v1 installed"
V1=$(jq -r .current "$T/d/state.json")

# tamper <name> <reason regex> [device options...]: the newest release must be
# rejected (its image, or already its manifest); flash unchanged, failed
# reported with the reason, v1 still runs
tamper() {
	local name=$1 reason=$2 sha before after
	shift 2
	sha=$(admin GET /releases?channel=stable | jq -r '.releases[0].sha256')
	before=$(sha256 "$T/d/flash.bin")
	device dev-t "$KEY" "$T/d" "$@" > "$T/out" 2> "$T/err"
	after=$(sha256 "$T/d/flash.bin")
	grep -q "poll: update to $sha\|manifest refused" "$T/err"; ok $? "$name: update offered"
	is "$after" "$before" "$name: flash content unchanged"
	grep -q 'done: .*flash operations 0$' "$T/err"; ok $? "$name: no erase or program happened"
	grep -E -q "(update $sha failed|manifest refused): .*($reason)" "$T/err"
	ok $? "$name: rejected ($reason)"
	admin GET /devices/dev-t | jq -e --arg s "$sha" --arg r "$reason" \
		'.events[0] | .state == "failed" and .sha256 == $s and (.detail | test($r))' >/dev/null
	ok $? "$name: reported failed with the reason"
	grep -q '^MARKER v1 ' "$T/out"; ok $? "$name: v1 keeps running"
	is "$(jq -r .current "$T/d/state.json")" "$V1" "$name: v1 still current"
	[ ! -e "$T/d/spiffs/$sha.img" ]; ok $? "$name: not staged as an image"
}

# 1. one flipped byte in the served image (the server's blob store)
make_app "$T/a" a
BA=$(upload_build "$T/a" '{"timestamp":1700000001}')
SA=$(admin GET "/builds/$BA" | jq -r .sha256)
release "$BA" >/dev/null
blob=$T/lfsd/blobs/${SA:0:2}/$SA
printf '\x5a' | dd of="$blob" bs=1 seek=200 conv=notrunc status=none
tamper "flipped byte" "HTTP 500" --download-tries 1
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 503 "flipped byte: lfsd's /healthz reports the damaged blob"
is "$(upload_build "$T/a" '{"timestamp":1700000001}')" "$BA" "flipped byte: uploading the sources again repairs it"
is "$(sha256 "$blob")" "$SA" "flipped byte: the blob is whole again"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200 "flipped byte: healthy again"

# 2. a manifest signed by another key (the device pins another lfsd's key)
stop_lfsd   # one lfsd per data directory: the first one's is locked while it runs
start_lfsd "$T/other" && curl -sS "$URL/ota/pubkey" > "$T/other.pem" && stop_lfsd
start_lfsd "$T/lfsd" --poll-interval 1
grep -q 'BEGIN PUBLIC KEY' "$T/other.pem"; ok $? "a second lfsd's signing key"
make_app "$T/b" b
release "$(upload_build "$T/b" '{"timestamp":1700000002}')" >/dev/null
mv "$T/d/pubkey.pem" "$T/d/pubkey.pem.good"
tamper "wrong signature" "manifest signature invalid" --pubkey "$T/other.pem"
mv "$T/d/pubkey.pem.good" "$T/d/pubkey.pem"

# 3. a truncated image
make_app "$T/c" c
BC=$(upload_build "$T/c" '{"timestamp":1700000003}')
SC=$(admin GET "/builds/$BC" | jq -r .sha256)
release "$BC" >/dev/null
truncate -s 3000 "$T/lfsd/blobs/${SC:0:2}/$SC"
tamper "truncated image" "HTTP 500" --download-tries 1
is "$(upload_build "$T/c" '{"timestamp":1700000003}')" "$BC" "truncated image: uploading the sources again repairs it"
grep "update $SC failed" "$T/err" | sed 's/^/# /'

# 4. a valid, correctly signed image for the 64-bit number target
make_app "$T/e" e
release "$(upload_build "$T/e" '{"timestamp":1700000004,"target":"nodemcu-lua53-64"}')" >/dev/null
tamper "wrong target" "image target nodemcu-lua53-64 is not nodemcu-lua53"
done_testing
