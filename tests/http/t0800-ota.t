#!/bin/bash
# t0800-ota: releases, channels, devices and the device API over HTTPS:
# the signed manifest (its ECDSA signature checked with openssl against
# /ota/pubkey, its HMAC tag with the device's derived manifest key; JSON and
# text forms; the nonce), 204/304 when up to date (current=, If-None-Match,
# or the LFS's timestamp and size: lfs_time=, lfs_used=), image Range rules,
# reports, no SQLite write per poll, staged rollout by stable hash, pause,
# revoke (with a signed rollback), a booted report for an image lfsd never
# offered flagged.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
N=$(openssl rand -hex 16)   # a poll's nonce (lfsd's clients make a fresh one per poll)
mkey() {   # mkey <id> [generation]: the device's manifest key, derived from the master
	printf 'lfsd-manifest-key\0%s\0%s' "$1" "${2:-0}" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$DATA/keys/manifest.key")" | awk '{print $NF}'
}
S=(-s --cacert "$CACERT")
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "build A"
A_ID=$(jq .id "$T/body"); A=$(jq -r .sha256 "$T/body")
mapfile -t args < <(app_args state_machine)
is "$(req "${args[@]}" "$URL/build")" 201 "build B"
B_ID=$(jq .id "$T/body"); B=$(jq -r .sha256 "$T/body")
curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$A_ID/lfs.img" -o "$T/A.img"

jpost() { req -X "${3:-POST}" -H 'Content-Type: application/json' -d "$2" "$URL$1"; }
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"stable\",\"rollout_percent\":100,\"notes\":\"first\"}")" 201 "POST /releases: 201"
REL_A=$(jq .id "$T/body")
is "$(jq -c '[.channel, .number, .sha256 == "'"$A"'", .state, .rollout_percent]' "$T/body")" '["stable",1,true,"active",100]' "release 1 of stable"
is "$(jpost /releases '{"build_id":9999,"channel":"stable"}')" 404 "release of an unknown build: 404"
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"no spaces\"}")" 400 "invalid channel name: 400"
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"x\",\"rollout_percent\":101}")" 400 "rollout over 100: 400"
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"x\",\"colour\":1}")" 400 "unknown field: 400"

# signature: ECDSA P-256, DER, base64, over the SHA-256 of the image
curl -s "$URL/ota/pubkey" -o "$T/pub.pem"
grep -q "BEGIN PUBLIC KEY" "$T/pub.pem"; ok $? "GET /ota/pubkey without auth: PEM"
openssl pkey -pubin -in "$T/pub.pem" -noout -text 2>/dev/null | grep -q "prime256v1\|P-256"; ok $? "public key is P-256"
is "$(curl "${S[@]}" "$SURL/ota/pubkey" | sha256sum)" "$(sha256sum <"$T/pub.pem")" "same key over HTTPS"
jq -r .signature "$T/body" >/dev/null
req "$URL/releases/$REL_A" >/dev/null; jq -r .signature "$T/body" | base64 -d >"$T/sig.der"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig.der" "$T/A.img" | grep -q "Verified OK"; ok $? "release signature verifies over the image with openssl"
printf 'x' >>"$T/A.img.bad"; cat "$T/A.img" >>"$T/A.img.bad"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig.der" "$T/A.img.bad" 2>/dev/null | grep -q "Verified OK"; is "$?" 1 "and fails for other bytes"

# devices
is "$(jpost /devices '{"id":"dev-1","channel":"stable"}')" 201 "POST /devices: 201"
KEY=$(jq -r .key "$T/body")
[ ${#KEY} -eq 64 ]; ok $? "a 64-hex device key is returned once"
is "$(jpost /devices '{"id":"dev-1","channel":"stable"}')" 409 "same id again: 409"
# the client configuration for the NodeMCU client, issued with the key
req -X POST -H 'Content-Type: application/json' -d '{"id":"dev-cfg","channel":"stable"}' "$URL/devices" >/dev/null
jq -r .client_config "$T/body" > "$T/lfsd_cfg.lua"
"$LFSC" -p "$T/lfsd_cfg.lua"; ok $? "POST /devices: client_config is a Lua file (lfsd_cfg.lua)"
grep -q "^  host = \"127.0.0.1\", port = ${SURL##*:},$" "$T/lfsd_cfg.lua" &&
	grep -q "^  device = \"dev-cfg\", channel = \"stable\",$" "$T/lfsd_cfg.lua" &&
	grep -q "^  key = \"$(jq -r .key "$T/body")\"," "$T/lfsd_cfg.lua" &&
	grep -q '^  poll = 60, checkin = 60,$' "$T/lfsd_cfg.lua"
ok $? "... with lfsd's address and HTTPS port, the device, its key, the poll interval"
grep -A20 '^  ca = \[\[$' "$T/lfsd_cfg.lua" | sed -n '2,/END CERTIFICATE/p' | cmp -s - "$CACERT"
ok $? "... and lfsd's certificate as the CA"
MK_CFG=$(sed -n 's/^  mkey = "\([0-9a-f]*\)",.*/\1/p' "$T/lfsd_cfg.lua")
is "$MK_CFG" "$(mkey dev-cfg)" "... and its manifest key (generation 0)"
is "$(req "$URL/devices/dev-cfg/client-config")" 200 "GET /devices/{id}/client-config"
grep -q '^  key = nil' "$T/body" && grep -q '^  mkey = nil' "$T/body" && ! grep -q "$MK_CFG" "$T/body" &&
	grep -q 'device = "dev-cfg"' "$T/body"
ok $? "... the same file without the secrets (shown once)"
is "$(req "$URL/devices/nobody/client-config")" 404 "... of an unknown device: 404"
is "$(jpost /devices '{"id":"../x","channel":"stable"}')" 400 "invalid device id: 400"
is "$(sqlite3 "$DATA/lfsd.db" "select key_sha256 from devices where id='dev-1'")" "$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)" "only the key's hash is stored"
dev() { curl "${S[@]}" -o "$T/body" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $KEY" "$@"; }
hdr() { tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip"; }

is "$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL/ota/latest?device=dev-1&nonce=$N")" 403 "device API over plain HTTP: 403"
is "$(jq -r .error.code "$T/body")" tls_required "tls_required"
is "$(curl "${S[@]}" -o /dev/null -w '%{http_code}' "$SURL/ota/latest?device=dev-1&nonce=$N")" 401 "no device key: 401"
is "$(curl "${S[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$SURL/ota/latest?device=dev-1&nonce=$N")" 401 "admin token is not a device key: 401"
is "$(dev "$SURL/ota/latest?device=dev-2&nonce=$N")" 401 "unknown device: 401"
is "$(dev "$SURL/ota/latest")" 400 "missing device=: 400"
is "$(dev "$SURL/ota/latest?device=dev-1&nonce=$N&channel=beta")" 403 "other channel: 403"
is "$(dev "$SURL/ota/latest?device=dev-1&nonce=$N&channel=stable")" 200 "GET /ota/latest: 200 manifest"
jq -e --arg a "$A" --argjson r "$REL_A" '.sha256 == $a and .release == $r and .version == 1 and
	.url == "/ota/images/\($a)?device=dev-1" and .signature_alg == "ecdsa-p256-sha256" and
	(.signature | length) > 60 and .poll_interval == 60 and .channel == "stable"' "$T/body" >/dev/null
ok $? "manifest: release, version, sha256, url, signature, poll_interval"
is "$(jq .size "$T/body")" "$(stat -c %s "$T/A.img")" "manifest size"
is "$(hdr ETag)" "\"$A\"" "manifest ETag"
# the signed manifest (server/README.md "Signed manifests"): its text, the
# ECDSA signature over it, the HMAC tag under the device's manifest key
jq -j .manifest "$T/body" > "$T/mtext"
is "$(cut -d' ' -f1 "$T/mtext" | tr '\n' ,)" "lfsd-manifest,device,channel,release,version,sha256,size,target,url,rollback,nonce,issued,poll,modules," "manifest text: the fields in order"
is "$(sed -n 's/^nonce //p; s/^device //p; s/^rollback //p; s/^target //p' "$T/mtext" | tr '\n' ' ')" "dev-1 nodemcu-lua53 0 $N " "... bound to the device, the poll's nonce; no rollback"
jq -r .signature "$T/body" | base64 -d > "$T/msig.der"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/msig.der" "$T/mtext" | grep -q "Verified OK"
ok $? "the signature verifies over the text (openssl, /ota/pubkey)"
printf 'x' >> "$T/mtext"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/msig.der" "$T/mtext" 2>/dev/null | grep -q "Verified OK"
is "$?" 1 "... and not over another text"
jq -j .manifest "$T/body" > "$T/mtext"
is "$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(mkey dev-1)" < "$T/mtext" | awk '{print $NF}')" \
	"$(jq -r .mac "$T/body")" "the mac: HMAC-SHA256 of the text under the device's manifest key"
is "$(dev -H 'Accept: text/plain' "$SURL/ota/latest?device=dev-1&nonce=$N")" 200 "Accept: text/plain: the small-client form"
hdr Content-Type | grep -q '^text/plain'; ok $? "... as text/plain"
head -n -2 "$T/body" > "$T/ttext"
is "$(grep -v '^issued' "$T/ttext")" "$(grep -v '^issued' "$T/mtext")" "... the same text"
is "$(tail -n 2 "$T/body" | cut -d' ' -f1 | tr '\n' ,)" "mac,sig," "... then the mac and sig lines"
is "$(sed -n 's/^mac //p' "$T/body")" "$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(mkey dev-1)" < "$T/ttext" | awk '{print $NF}')" "... whose tag verifies"
is "$(dev "$SURL/ota/latest?device=dev-1&format=text&nonce=$N" && hdr Content-Type | cut -c1-10)" "200text/plain" "format=text: the same"
is "$(dev "$SURL/ota/latest?device=dev-1")" 400 "no nonce: 400"
is "$(jq -r .error.message "$T/body")" "nonce must be 32 lowercase hex digits, fresh for every poll" "says why"
is "$(dev "$SURL/ota/latest?device=dev-1&nonce=${N^^}")" 400 "an upper-case nonce: 400"
is "$(dev "$SURL/ota/latest?device=dev-1&nonce=$N&current=$A")" 204 "current= up to date: 204"
is "$(hdr LFSD-Poll-Interval)" 60 "with LFSD-Poll-Interval"
is "$(dev -H "If-None-Match: \"$A\"" "$SURL/ota/latest?device=dev-1&nonce=$N")" 304 "If-None-Match up to date: 304"
is "$(dev "$SURL/ota/latest?device=dev-1&nonce=$N&current=$B")" 200 "running something else: 200"
is "$(dev "$SURL/ota/latest?device=dev-1&nonce=$N&current=xyz")" 400 "malformed current=: 400"
# a first image whose SHA-256 the device does not know: its LFS's timestamp
# and flash size (node.LFS.time, node.LFS.config.lfs_used) name the release
is "$(jpost /devices '{"id":"dev-lfs","channel":"stable"}')" 201 "POST /devices dev-lfs"
KL=$(jq -r .key "$T/body")
req "$URL/builds/$A_ID" >/dev/null
AT=$(jq .effective.timestamp "$T/body") AF=$(jq .effective.flash_size "$T/body")
lfs_poll() { curl "${S[@]}" -o "$T/body" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $KL" "$SURL/ota/latest?device=dev-lfs&nonce=$N$1"; }
is "$(lfs_poll "&lfs_time=$((AT + 1))&lfs_used=$AF")" 200 "lfs_time= of another image: 200 manifest"
is "$(lfs_poll "&lfs_time=$AT&lfs_used=$((AF + 4))")" 200 "the release's lfs_time, another lfs_used: 200 manifest"
is "$(lfs_poll "&lfs_time=$AT&lfs_used=$AF&current=$B")" 200 "lfs_time= does not count with current=: 200 manifest"
is "$(req "$URL/devices/dev-lfs" >/dev/null; jq -r .running_sha256 "$T/body")" "$B" "... current= is the running image"
is "$(lfs_poll "&lfs_time=$AT&lfs_used=$AF")" 204 "the release's lfs_time and lfs_used: 204"
is "$(hdr LFSD-Poll-Interval),$(hdr ETag)" "60,\"$A\"" "... with LFSD-Poll-Interval and the release's ETag"
is "$(req "$URL/devices/dev-lfs" >/dev/null; jq -r .running_sha256 "$T/body")" "$A" "... and A is its running image"
is "$(lfs_poll "&lfs_time=$AT")" 204 "the release's lfs_time alone: 204"
for bad in abc -1 1.5 '' 0x10 1234567890123456789; do
	is "$(lfs_poll "&lfs_time=$bad")" 400 "lfs_time='$bad': 400"
done
is "$(jq -r .error.message "$T/body")" "lfs_time must be a decimal integer (digits only), not '1234567890123456789'" "... says why"
is "$(lfs_poll "&lfs_time=$AT&lfs_used=x")" 400 "lfs_used=x: 400"
is "$(lfs_poll "&lfs_used=$AF")" 400 "lfs_used= without lfs_time: 400"
is "$(req -X DELETE "$URL/devices/dev-lfs")" 204 "DELETE /devices/dev-lfs (the counts below are of the others)"

# image download
is "$(dev "$SURL/ota/images/$A?device=dev-1")" 200 "GET /ota/images/{sha}: 200"
cmp -s "$T/body" "$T/A.img"; ok $? "image bytes"
is "$(hdr ETag)" "\"$A\"" "image ETag"
is "$(dev -H 'Range: bytes=100-' "$SURL/ota/images/$A?device=dev-1")" 206 "resume with Range: 206"
cmp -s "$T/body" <(tail -c +101 "$T/A.img"); ok $? "exactly the rest"
is "$(dev -H 'Range: bytes=100-' -H "If-Range: \"$A\"" "$SURL/ota/images/$A?device=dev-1")" 206 "If-Range matching: 206"
is "$(dev -H 'Range: bytes=100-' -H "If-Range: \"$B\"" "$SURL/ota/images/$A?device=dev-1")" 200 "If-Range not matching: 200 whole"
is "$(dev -H 'Range: bytes=9-3' "$SURL/ota/images/$A?device=dev-1")" 416 "malformed Range: 416, never 200"
is "$(dev -H 'Range: bytes=0-1,4-5' "$SURL/ota/images/$A?device=dev-1")" 416 "several ranges: 416"
is "$(dev -H 'Range: bytes=999999-' "$SURL/ota/images/$A?device=dev-1")" 416 "range past the end: 416"
is "$(dev "$SURL/ota/images/$B?device=dev-1")" 404 "unreleased image: 404"
is "$(curl "${S[@]}" -o /dev/null -w '%{http_code}' "$SURL/ota/images/$A?device=dev-1")" 401 "image without key: 401"

# reports
rep() { dev -H 'Content-Type: application/json' -d "$1" "$SURL/ota/report?device=dev-1"; }
is "$(rep "{\"state\":\"downloading\",\"sha256\":\"$A\"}")" 204 "report downloading: 204"
is "$(rep "{\"device\":\"dev-1\",\"state\":\"booted\",\"sha256\":\"$A\",\"detail\":\"ok\"}")" 204 "report booted: 204"
is "$(rep '{"state":"exploded"}')" 400 "unknown state: 400"
is "$(rep '{"state":"failed","sha256":"","detail":"torn flag: LFS cleared"}')" 204 "report with an empty sha256: 204"
is "$(rep '{"state":"failed","sha256":"nothex"}')" 400 "bad sha256: 400"
is "$(rep '{"state":"failed",')" 400 "invalid JSON: 400"
# the key is checked on the headers, before the body is read
is "$(curl "${S[@]}" -o "$T/body" -w '%{http_code}' -H 'Authorization: Bearer wrong' -H 'Content-Type: application/json' \
	-d '{"state":"failed",' "$SURL/ota/report?device=dev-1")" 401 "a wrong key with a malformed body: 401, the body never parsed"
is "$(jq -r .error.message "$T/body")" "unknown device or wrong device key" "says why"
is "$(rep "{\"state\":\"failed\",\"sha256\":\"$B\",\"detail\":\"signature mismatch\"}")" 204 "report failed with a reason: 204"
is "$(req "$URL/devices/dev-1")" 200 "GET /devices/{id}"
jq -e --arg a "$A" '.running_sha256 == $a and .state == "failed" and .channel == "stable" and
	(.events | length) == 4 and .events[0].detail == "signature mismatch" and .events[2].state == "booted"' \
	"$T/body" >/dev/null; ok $? "device shows running image, state, event history"
is "$(req "$URL/devices")" 200 "GET /devices"
is "$(jq -r '[.devices[].id] | join(",")' "$T/body")" "dev-1,dev-cfg" "two devices"

# polls write nothing to SQLite per request: 100 polls, the WAL barely grows
sleep 2.5   # let the flusher write what is pending
wal0=$(stat -c %s "$DATA/lfsd.db-wal")
for i in $(seq 1 100); do echo "url = \"$SURL/ota/latest?device=dev-1&nonce=$N&current=$A\""; echo "output = /dev/null"; done >"$T/polls"
curl "${S[@]}" -H "Authorization: Bearer $KEY" -K "$T/polls"
wal1=$(stat -c %s "$DATA/lfsd.db-wal")
[ $((wal1 - wal0)) -lt $((4 * 4120)) ]; ok $? "100 polls grew the WAL by $((wal1 - wal0)) bytes (< 4 pages)"
grep -q 'lfsd_ota_polls_total{result="current"} 1[0-9][0-9]' <(curl -s "$URL/metrics"); ok $? "metrics count the polls"
is "$(jpost /devices '{"id":"dev-new","channel":"stable"}')" 201 "another device"
k2=$(jq -r .key "$T/body")
is "$(sqlite3 "$DATA/lfsd.db" "select coalesce(last_seen, 'never') from devices where id='dev-new'")" never "not seen yet"
curl "${S[@]}" -o /dev/null -H "Authorization: Bearer $k2" "$SURL/ota/latest?device=dev-new&nonce=$N&current=$B"
is "$(req "$URL/devices/dev-new")" 200 "GET /devices/dev-new"
jq -e --arg b "$B" '.last_seen > 0 and .running_sha256 == $b' "$T/body" >/dev/null; ok $? "admin API shows the poll at once (from memory)"
sleep 3
[ "$(sqlite3 "$DATA/lfsd.db" "select last_seen from devices where id='dev-new'")" -gt 1 ]; ok $? "last seen reaches SQLite in a batch within seconds"
is "$(sqlite3 "$DATA/lfsd.db" "select running_sha256 from devices where id='dev-new'")" "$B" "running image from the poll reaches SQLite"

# staged rollout: 100 devices on channel fleet, A at 100 %, B at 10 %
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"fleet\"}")" 201 "release A on fleet"
sep=""
for i in $(seq -w 1 100); do
	printf '%surl = "%s"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\n' "$sep" "$URL/devices" "$TOKEN"
	printf 'data = "{\\"id\\":\\"node-%s\\",\\"channel\\":\\"fleet\\"}"\nwrite-out = "\\n"\n' "$i"
	sep=$'next\n'
done >"$T/reg"
curl -s -K "$T/reg" | sed -n 's/.*"id":"\([^"]*\)".*"key":"\([0-9a-f]*\)".*/\1 \2/p' >"$T/keys"
is "$(wc -l <"$T/keys")" 100 "100 devices registered"
is "$(jpost /releases "{\"build_id\":$B_ID,\"channel\":\"fleet\",\"rollout_percent\":10}")" 201 "release B on fleet at 10 %"
REL_B=$(jq .id "$T/body")
bucket() { echo $(( 16#$(printf %s "$1" | sha256sum | cut -c1-8) % 100 )); }
poll_all() {   # poll_all CURRENT -> "id sha|-code" per device, one curl for all
	local id key sep=""
	while read -r id key; do
		printf '%surl = "%s"\nheader = "Authorization: Bearer %s"\noutput = "%s"\n' \
			"$sep" "$SURL/ota/latest?device=$id&nonce=$N&current=$1" "$key" "$T/m-$id"
		printf 'cacert = "%s"\nwrite-out = "%s %%{http_code}\\n"\n' "$CACERT" "$id"
		sep=$'next\n'
	done <"$T/keys" >"$T/cfg"
	curl -s -K "$T/cfg" | while read -r id code; do
		if [ "$code" = 200 ]; then echo "$id $(sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' "$T/m-$id")"
		else echo "$id -$code"; fi
		rm -f "$T/m-$id"
	done
}
poll_all "$A" >"$T/p10"
n10=$(grep -c " $B" "$T/p10")
[ "$n10" -ge 5 ] && [ "$n10" -le 20 ]; ok $? "10 %: $n10 of 100 devices offered B (5..20)"
want=$(while read -r id key; do [ "$(bucket "$id")" -lt 10 ] && echo "$id"; done <"$T/keys" | sort)
is "$(grep " $B" "$T/p10" | cut -d' ' -f1 | sort | tr '\n' ' ')" "$(echo $want) " "exactly the devices whose hash bucket is under 10"
is "$(grep -c ' -204' "$T/p10")" $((100 - n10)) "the others are up to date (204)"
is "$(jpost "/releases/$REL_B" '{"rollout_percent":50}' PATCH)" 200 "PATCH rollout_percent 50"
poll_all "$A" >"$T/p50"
n50=$(grep -c " $B" "$T/p50")
[ "$n50" -gt "$n10" ] && [ "$n50" -ge 30 ] && [ "$n50" -le 70 ]; ok $? "50 %: $n50 devices offered B"
missing=$(grep " $B" "$T/p10" | cut -d' ' -f1 | while read -r id; do grep -q "^$id $B" "$T/p50" || echo "$id"; done)
is "$missing" "" "every device in at 10 % stays in at 50 %"
img() {   # img ID: the status of device ID's download of B (its first byte)
	curl "${S[@]}" -o /dev/null -w '%{http_code}' -H 'Range: bytes=0-0' \
		-H "Authorization: Bearer $(grep "^$1 " "$T/keys" | cut -d' ' -f2)" "$SURL/ota/images/$B?device=$1"
}
in50=$(grep " $B" "$T/p50" | head -1 | cut -d' ' -f1); k=$(grep "^$in50 " "$T/keys" | cut -d' ' -f2)
out50=$(grep -- " -204" "$T/p50" | head -1 | cut -d' ' -f1)
is "$(img "$in50")" 206 "a device offered B downloads it"
is "$(img "$out50")" 404 "a device outside the rollout cannot download B by its sha256"
is "$(jpost "/releases/$REL_B" '{"action":"pause"}' PATCH)" 200 "pause B"
is "$(jq -r .state "$T/body")" paused "state paused"
is "$(img "$in50")" 404 "paused: B cannot be downloaded, not even by a device offered it"
is "$(curl "${S[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $k" "$SURL/ota/latest?device=$in50&nonce=$N&current=$B")" 204 "paused: a device on B stays on B"
is "$(curl "${S[@]}" -o "$T/m" -w '%{http_code}' -H "Authorization: Bearer $k" "$SURL/ota/latest?device=$in50&nonce=$N&current=$A")" 204 "paused: a device on A is not offered B"
is "$(jpost "/releases/$REL_B" '{"state":"active"}' PATCH)" 200 "resume B"
# $in50 takes B (offered, booted): its floor is B's release
curl "${S[@]}" -o "$T/m" -H "Authorization: Bearer $k" "$SURL/ota/latest?device=$in50&nonce=$N&current=$A"
is "$(jq -r .sha256 "$T/m")" "$B" "$in50 offered B"
curl "${S[@]}" -o /dev/null -H "Authorization: Bearer $k" -d "{\"state\":\"booted\",\"sha256\":\"$B\"}" "$SURL/ota/report?device=$in50"
is "$(req "$URL/devices/$in50" && jq -c '[.floor, .last_offer.id, .unoffered_sha256]' "$T/body")" "200[$REL_B,$REL_B,null]" "its booted report of the offer: floor = release $REL_B"
is "$(jpost "/releases/$REL_B" '{"action":"revoke"}' PATCH)" 200 "revoke B"
poll_all "$B" >"$T/prev"
is "$(grep -c " $A" "$T/prev")" 100 "revoked: every device running B is sent back to A"
curl "${S[@]}" -o "$T/m" -H "Authorization: Bearer $k" "$SURL/ota/latest?device=$in50&nonce=$N&current=$B"
jq -e --arg a "$A" '.sha256 == $a and .rollback == true and (.manifest | test("\nrollback 1\n"))' "$T/m" >/dev/null
ok $? "to $in50, whose floor B is revoked, A is a signed rollback (rollback 1)"
other=$(grep -- ' -204' "$T/p50" | head -1 | cut -d' ' -f1); ko=$(grep "^$other " "$T/keys" | cut -d' ' -f2)
curl "${S[@]}" -o "$T/m" -H "Authorization: Bearer $ko" "$SURL/ota/latest?device=$other&nonce=$N&current=$B"
jq -e '.rollback == false' "$T/m" >/dev/null; ok $? "to a device that never checked in B: rollback 0"

# a booted report for an image lfsd never offered that device: recorded, flagged
is "$(jpost /devices '{"id":"dev-u","channel":"stable"}')" 201 "dev-u"
ku=$(jq -r .key "$T/body")
rep_u() { curl "${S[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ku" -d "{\"state\":\"booted\",\"sha256\":\"$1\"}" "$SURL/ota/report?device=dev-u"; }
is "$(rep_u "$B")" 204 "dev-u reports booted B, never offered to it: accepted (recorded)"
req "$URL/devices/dev-u" >/dev/null
jq -e --arg b "$B" '.unoffered_sha256 == $b and .events[0].flag == "unoffered" and .running_sha256 == $b' "$T/body" >/dev/null
ok $? "... and flagged: the event and the device's unoffered_sha256"
grep -q "event device action=report id=dev-u state=booted sha256=$B .*flag=unoffered" "$LFSD_LOG"
ok $? "... and in the log"
curl "${S[@]}" -o "$T/m" -H "Authorization: Bearer $ku" "$SURL/ota/latest?device=dev-u&nonce=$N&current=$B"
is "$(jq -r .sha256 "$T/m")" "$A" "dev-u is offered A"
is "$(rep_u "$A")" 204 "... and reports it booted"
req "$URL/devices/dev-u" >/dev/null
jq -e '.unoffered_sha256 == null and .events[0].flag == null and .events[1].flag == "unoffered"' "$T/body" >/dev/null
ok $? "an offered image booted: not flagged, the device's flag cleared, the history kept"
is "$(jpost "/releases/$REL_B" '{"action":"resume"}' PATCH)" 409 "a revoked release cannot be resumed: 409"
is "$(jpost "/releases/$REL_B" '{"action":"explode"}' PATCH)" 400 "unknown action: 400"
is "$(jpost "/releases/99999" '{"action":"pause"}' PATCH)" 404 "unknown release: 404"
is "$(req "$URL/releases?channel=fleet")" 200 "GET /releases?channel=fleet"
is "$(jq -c '[.releases[] | [.number, .state]]' "$T/body")" '[[2,"revoked"],[1,"active"]]' "releases newest first with states"
is "$(req "$URL/channels")" 200 "GET /channels"
jq -e '.channels | map({(.name): [.releases, .devices, .latest.number]}) | add == {"fleet":[2,100,1],"stable":[1,4,1]}' "$T/body" >/dev/null
ok $? "channels: releases, devices and the live release"
healthy; ok $? "still healthy"
stop_lfsd; is "$?" 0 "clean shutdown"
done_testing
