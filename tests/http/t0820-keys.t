#!/bin/bash
# t0820-keys: custody of lfsd's keys (server/keystore.h): the signing key's
# and the manifest master key's fingerprints recorded; once the database has
# releases or devices, a missing, unreadable or different key stops lfsd with
# a message saying how to recover; --rotate-signing-key keeps the previous key
# signing for the devices that pin it (with a next-key line) until its file
# is removed; a lost key replaced; --rotate-manifest-key changes every
# device's manifest key.
. "$(dirname "$0")/lib.sh"
D=$T/data
K=$D/keys
master_fp() { perl -ne 'chomp; print pack("H*", $_)' "$K/manifest.key" | sha256sum | cut -d' ' -f1; }
setting() { sqlite3 "$D/lfsd.db" "select value from settings where key='$1'"; }
fp() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1; }
# refuses <what> <message regexp> [lfsd args]: lfsd exits 1 at start with the message
refuses() {
	local what=$1 msg=$2 rc
	shift 2
	timeout 20 "$LFSD" --data-dir "$D" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 "$@" \
		> "$T/out" 2> "$T/err"
	rc=$?
	is "$rc" 1 "$what: lfsd refuses to start"
	grep -Eq "$msg" "$T/err"; ok $? "$what: it says so ($msg)"
	[ $rc -eq 1 ] || sed 's/^/#   /' "$T/err"
}

start_lfsd "$D"; ok $? "a first start on an empty data directory"
is "$(setting signing_key_sha256)" "$(fp "$K/signing.pem")" "the signing key's fingerprint is recorded"
is "$(stat -c %a "$K/signing.pem") $(stat -c %a "$K/manifest.key")" "600 600" "both key files are 0600"
is "$(setting manifest_key_sha256)" "$(master_fp)" "the master key's fingerprint is recorded"
KEY=$(curl -s -H "Authorization: Bearer $TOKEN" -d '{"id":"dev-1","channel":"stable"}' "$URL/devices" | jq -r .key)
stop_lfsd
OLD=$(fp "$K/signing.pem")

cp -a "$K" "$T/keys.good"
mv "$K/signing.pem" "$T/signing.pem"
refuses "signing key missing" "the signing key '.*signing.pem' is missing, but this database has releases or devices, which pin the key with fingerprint $OLD\\. Restore the file from a backup .* --rotate-signing-key"
[ ! -e "$K/signing.pem" ]; ok $? "... and makes no new key"
echo "not a key" > "$K/signing.pem"
refuses "signing key unreadable" "the signing key '.*' is unreadable"
mkdir -p "$T/other" && (cd "$T/other" && openssl ecparam -name prime256v1 -genkey -noout -out other.pem 2>/dev/null)
cp "$T/other/other.pem" "$K/signing.pem"
refuses "another signing key" "is not the signing key this database recorded: its fingerprint is $(fp "$T/other/other.pem"), the recorded one $OLD"
cp "$T/signing.pem" "$K/signing.pem"
mv "$K/manifest.key" "$T/manifest.key"
refuses "manifest master key missing" "the manifest master key '.*manifest.key' is missing, but this database has devices .* --rotate-manifest-key"
openssl rand -hex 32 > "$K/manifest.key"
refuses "another manifest master key" "is not the manifest master key this database recorded"
cp "$T/manifest.key" "$K/manifest.key"
printf 'rotate-signing-key = on\n' > "$T/conf"
timeout 20 "$LFSD" --config "$T/conf" --data-dir "$D" > "$T/out" 2> "$T/err"
is "$?" 2 "--rotate-signing-key in a config file: refused"
grep -q "is an action for one start: give it on the command line" "$T/err"; ok $? "... it belongs on the command line"
start_lfsd "$D"; ok $? "the right keys back: lfsd starts"
is "$(curl -s "$URL/ota/pubkey" | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)" "$OLD" "the same public key"
stop_lfsd

# ---- a rotation: the previous key vouches for the new one
start_lfsd "$D" --rotate-signing-key; ok $? "--rotate-signing-key"
NEW=$(fp "$K/signing.pem")
[ "$NEW" != "$OLD" ] && [ "$(fp "$K/signing.prev.pem")" = "$OLD" ]; ok $? "a new key; the previous one in signing.prev.pem"
is "$(setting signing_key_sha256) $(setting signing_key_prev_sha256)" "$NEW $OLD" "both fingerprints recorded"
grep -q "signing key rotated: new key ${NEW:0:16}; the previous key ${OLD:0:16} signs" "$LFSD_LOG"; ok $? "logged"
B=$(curl -s -H "Authorization: Bearer $TOKEN" -F "file=@$APPS/json_config/defaults.lua" "$URL/build" | jq .id)
curl -s -H "Authorization: Bearer $TOKEN" -d "{\"build_id\":$B,\"channel\":\"stable\"}" "$URL/releases" > /dev/null
poll() {   # poll [keyid]: the JSON manifest dev-1 gets
	curl -s --cacert "$CACERT" -H "Authorization: Bearer $KEY" \
		"$SURL/ota/latest?device=dev-1&nonce=$(openssl rand -hex 16)${1:+&keyid=$1}"
}
verifies() {   # verifies <manifest.json> <key.pem>
	jq -j .manifest "$1" > "$T/text"; jq -r .signature "$1" | base64 -d > "$T/sig"
	openssl pkey -in "$2" -pubout > "$T/pub" 2>/dev/null
	openssl dgst -sha256 -verify "$T/pub" -signature "$T/sig" "$T/text" > /dev/null 2>&1
}
poll "${OLD:0:16}" > "$T/m-old"
verifies "$T/m-old" "$K/signing.prev.pem"; ok $? "a device pinning the previous key: its manifest is signed by that key"
is "$(jq -j .manifest "$T/m-old" | sed -n 's/^next-key //p')" "$(openssl pkey -in "$K/signing.pem" -pubout -outform DER | base64 -w0)" "... and names the new key (next-key, its SubjectPublicKeyInfo)"
is "$(jq -r .key_id "$T/m-old")" "${OLD:0:16}" "... key_id says which key signed"
poll "${NEW:0:16}" > "$T/m-new"
verifies "$T/m-new" "$K/signing.pem" && ! jq -j .manifest "$T/m-new" | grep -q '^next-key'
ok $? "a device pinning the new key: signed by it, no next-key"
is "$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/fleet" | jq -c .signing_key)" \
	"{\"id\":\"${NEW:0:16}\",\"previous\":\"${OLD:0:16}\",\"devices\":{\"current\":1,\"previous\":0,\"other\":0,\"not_polled\":0}}" \
	"GET /fleet counts the devices by the key their last poll pinned"
stop_lfsd
refuses "a second rotation while one is under way" "a rotation is under way .* remove that file" --rotate-signing-key
start_lfsd "$D"; ok $? "restarted during the rotation"
grep -q "signing-key rotation under way: previous key ${OLD:0:16}, current key ${NEW:0:16}" "$LFSD_LOG"; ok $? "... which goes on"
poll "${OLD:0:16}" > "$T/m2"
verifies "$T/m2" "$K/signing.prev.pem"; ok $? "... the previous key still signs for the devices that pin it"
stop_lfsd
rm "$K/signing.prev.pem"
start_lfsd "$D"; ok $? "signing.prev.pem removed: the rotation ends"
is "$(setting signing_key_prev_sha256)" "" "the previous fingerprint is cleared"
poll "${OLD:0:16}" > "$T/m3"
verifies "$T/m3" "$K/signing.pem"; ok $? "every manifest is now signed by the new key"
stop_lfsd

# ---- a lost key replaced on purpose; the manifest master key rotated
rm "$K/signing.pem"
start_lfsd "$D" --rotate-signing-key; ok $? "--rotate-signing-key with the key lost: a new key"
grep -q "warning: the signing key was lost; new key .* Devices that pin the old key $NEW refuse every manifest until they are given the new public key" "$LFSD_LOG"
ok $? "... with a warning that devices need the new public key by hand"
MK0=$(poll | jq -r .mac)
stop_lfsd
start_lfsd "$D" --rotate-manifest-key; ok $? "--rotate-manifest-key"
grep -q "every device's manifest key changed" "$LFSD_LOG"; ok $? "... logged"
is "$(setting manifest_key_sha256)" "$(master_fp)" "the new master's fingerprint recorded"
poll > "$T/m4"
mk=$(printf 'lfsd-manifest-key\0%s\0%s' dev-1 0 | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$K/manifest.key")" | awk '{print $NF}')
is "$(jq -j .manifest "$T/m4" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$mk" | awk '{print $NF}')" "$(jq -r .mac "$T/m4")" "manifests are tagged with keys derived from the new master"
stop_lfsd; is "$?" 0 "clean shutdown"
done_testing
