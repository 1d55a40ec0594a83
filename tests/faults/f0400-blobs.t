#!/bin/bash
# f0400-blobs: a missing and a truncated image blob: lfsd finds both when it
# starts, /healthz answers 503 naming them, neither is served (500 with the
# reason, never wrong bytes) nor released (409); uploading the same sources
# again repairs each, and all is served and healthy again.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
build() {   # build APP -> "id sha"
	local args
	mapfile -t args < <(app_args "$1")
	req "${args[@]}" "$URL/build" >/dev/null && jq -r '"\(.id) \(.sha256)"' "$T/body"
}
read -r A_ID A < <(build json_config)
read -r B_ID B < <(build state_machine)
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"stable\"}")" 201 "A released"
is "$(jpost /devices '{"id":"d1","channel":"stable"}')" 201 "a device"
KEY=$(jq -r .key "$T/body")
is "$(curl -s --cacert "$CACERT" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
	"$SURL/ota/latest?device=d1&nonce=$(openssl rand -hex 16)")" 200 "the device is offered A"
stop_lfsd; ok $? "stopped"
rm "$DATA/blobs/${B:0:2}/$B"
truncate -s 1000 "$DATA/blobs/${A:0:2}/$A"

UNHEALTHY=1 start_lfsd "$DATA"; ok $? "restarted: /healthz answers 503"
is "$(curl -s -o "$T/h" -w '%{http_code}' "$URL/healthz")" 503 "restarted: /healthz 503"
jq -e --arg a "$A" --arg b "$B" '.problems[] | select(.reason == "blobs") | .message | contains($a) and contains($b)' "$T/h" >/dev/null
ok $? "naming both blobs: $(jq -c '[.problems[].reason]' "$T/h")"
grep -q "blob $B is missing" "$LFSD_LOG"; ok $? "the log says B's blob is missing"
grep -q "blob $A is damaged" "$LFSD_LOG"; ok $? "and A's is damaged"
is "$(req "$URL/builds/$B_ID/lfs.img")" 500 "GET B's image: 500"
jq -r .error.message "$T/body" | grep -q "missing"; ok $? "says it is missing: $(jq -r .error.message "$T/body")"
is "$(req "$URL/builds/$A_ID/lfs.img")" 500 "GET A's truncated image: 500, not 1000 bytes"
is "$(curl -s --cacert "$CACERT" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$SURL/ota/images/$A?device=d1")" 500 "a device download of A: 500"
is "$(jpost /releases "{\"build_id\":$B_ID,\"channel\":\"stable\"}")" 409 "releasing B: 409"
is "$(req "$URL/builds/$B_ID")" 200 "B's row is kept"

read -r id sha < <(build state_machine)
is "$id $sha" "$B_ID $B" "B uploaded again: the same build"
read -r id sha < <(build json_config)
is "$id $sha" "$A_ID $A" "A uploaded again: the same build"
is "$(req "$URL/builds/$B_ID/lfs.img" ; sha256sum <"$T/body" | cut -d' ' -f1)" "200$B" "B's image served whole"
is "$(curl -s --cacert "$CACERT" -H "Authorization: Bearer $KEY" "$SURL/ota/images/$A?device=d1" | sha256sum | cut -d' ' -f1)" "$A" "A served to the device whole"
is "$(jpost /releases "{\"build_id\":$B_ID,\"channel\":\"stable\"}")" 201 "B can be released"
healthy; ok $? "/healthz 200"
stop_lfsd; ok $? "clean shutdown"
is "$(integrity)" ok "PRAGMA integrity_check: ok"
done_testing
