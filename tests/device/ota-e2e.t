#!/usr/bin/env bash
# End to end against a real lfsd over HTTPS: a released build reaches a
# device, runs (_init marker), is reported booted and shown running; a second
# poll downloads nothing; a new image whose _init raises is rolled back; one
# that cannot check in within --boot-timeout is rolled back too.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/lfsd" --poll-interval 1
KEY=$(add_device dev-1)
[ ${#KEY} -eq 64 ]; ok $? "device registered, key issued"

make_app "$T/v1" v1
B1=$(upload_build "$T/v1")
R1=$(release "$B1")
V1=$(admin GET "/builds/$B1" | jq -r .sha256)
[ -n "$R1" ] && [ "$R1" != null ]; ok $? "v1 built ($V1) and released"

device dev-1 "$KEY" "$T/d" > "$T/out" 2> "$T/err"
ok $? "device cycle exits 0"
grep -q '^MARKER v1 {"a":1}$' "$T/out"; ok $? "v1 _init ran on the device (marker printed)"
grep -q "report booted $V1 delivered" "$T/err"; ok $? "booted reported and delivered"
dev=$(admin GET /devices/dev-1)
is "$(jq -r .running_sha256 <<<"$dev")" "$V1" "GET /devices/dev-1 shows v1 running"
is "$(jq -r .state <<<"$dev")" booted "device state is booted"
is "$(jq -r '[.events[].state] | reverse | join(",")' <<<"$dev")" \
	"downloading,downloaded,applied,booted" "events: downloading, downloaded, applied, booted"

device dev-1 "$KEY" "$T/d" > "$T/out" 2> "$T/err"
grep -q 'poll: up to date (HTTP 204)' "$T/err"; ok $? "second poll answered 204"
! grep -q 'download:' "$T/err"; ok $? "second poll downloaded nothing"
grep -q '^MARKER v1 ' "$T/out"; ok $? "v1 runs again at power-on"
is "$(admin GET /devices/dev-1 | jq '.events | length')" 4 "no new events for an up-to-date poll"

# server authentication: CA file instead of a pin; a wrong pin is refused
"$DEV" --server "https://localhost:${TLS_ADDR##*:}" --device dev-1 --key "$KEY" \
	--ca "$T/lfsd/tls/cert.pem" --data "$T/d" --once > "$T/out" 2> "$T/err"
grep -q 'poll: up to date (HTTP 204)' "$T/err"; ok $? "--ca: certificate verified against the CA file"
"$DEV" --server "https://$TLS_ADDR" --device dev-1 --key "$KEY" --pin-sha256 "$(printf '%064d' 0)" \
	--data "$T/d" --once > "$T/out" 2> "$T/err"
grep -q 'poll failed: server certificate does not match the pin' "$T/err"
ok $? "a certificate that does not match the pin is refused"
device dev-1 "0000$KEY" "$T/d" > "$T/out" 2> "$T/err"
grep -q 'poll failed: poll: HTTP 401' "$T/err"; ok $? "a wrong device key gets 401"

make_app "$T/v2" v2
V2=$(admin GET "/builds/$(upload_build "$T/v2" '{"timestamp":1700000100}')" | jq -r .sha256)
release "$(admin GET /builds | jq -r '.builds[0].id')" >/dev/null
device dev-1 "$KEY" "$T/d" > "$T/out" 2> "$T/err"
grep -q '^MARKER v2 {"a":1}$' "$T/out"; ok $? "v2 update ran"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$V2" "v2 shown running"

# v3: _init raises -> rolled back to v2
make_app "$T/v3" v3
echo 'error("v3 is broken")' >> "$T/v3/_init.lua"
B3=$(upload_build "$T/v3" '{"timestamp":1700000200}')
V3=$(admin GET "/builds/$B3" | jq -r .sha256)
release "$B3" >/dev/null
device dev-1 "$KEY" "$T/d" > "$T/out" 2> "$T/err"
grep -q '^MARKER v3 ' "$T/out"; ok $? "v3 _init started"
grep -q '_init failed: .*v3 is broken' "$T/err"; ok $? "v3 _init error seen"
is "$(tail -n 1 "$T/out")" 'MARKER v2 {"a":1}' "after the rollback v2 runs again"
dev=$(admin GET /devices/dev-1)
jq -e --arg s "$V3" '.events | map(select(.state=="rolled-back" and .sha256==$s and
	(.detail | test("_init failed.*v3 is broken")))) | length == 1' <<<"$dev" >/dev/null
ok $? "rolled-back reported for v3 with the reason"
is "$(jq -r .running_sha256 <<<"$dev")" "$V2" "v2 shown running after the rollback"
is "$(jq -r .state <<<"$dev")" rolled-back "device state is rolled-back"
jq -e '.state_detail | test("_init failed.*v3 is broken")' <<<"$dev" >/dev/null
ok $? "device state_detail gives the rollback's reason"
rel=$(admin GET "/releases?channel=stable" | jq --arg s "$V3" '.releases[] | select(.sha256==$s)')
is "$(jq -c .outcomes <<<"$rel")" '{"booted":0,"failed":0,"rolled_back":1}' "release of v3 shows one device rolled back"
rel=$(admin GET "/releases?channel=stable" | jq --arg s "$V2" '.releases[] | select(.sha256==$s)')
is "$(jq -c .outcomes <<<"$rel")" '{"booted":1,"failed":0,"rolled_back":0}' "release of v2 shows one device booted, no failures"
device dev-1 "$KEY" "$T/d" > "$T/out" 2> "$T/err"
grep -q "poll: skipping $V3" "$T/err"; ok $? "the rolled-back image is not retried"
is "$(jq -r .current "$T/d/state.json")" "$V2" "device state: v2 current"

# v4: applied while the server is unreachable -> no check-in -> rolled back
make_app "$T/v4" v4
B4=$(upload_build "$T/v4" '{"timestamp":1700000300}')
V4=$(admin GET "/builds/$B4" | jq -r .sha256)
release "$B4" >/dev/null
device dev-1 "$KEY" "$T/d" --power-cut-at 1 > "$T/out" 2> "$T/err"
is $? 99 "v4 staged, power lost at the first flash operation"
stop_lfsd
SECONDS=0
device dev-1 "$KEY" "$T/d" --boot-timeout 2 > "$T/out" 2> "$T/err"
grep -q '^MARKER v4 ' "$T/out"; ok $? "v4 loaded and booted with the server down"
grep -q 'no successful check-in within 2 s' "$T/err"; ok $? "no check-in within 2 s"
is "$(tail -n 1 "$T/out")" 'MARKER v2 {"a":1}' "v2 runs again after the rollback"
[ $SECONDS -ge 2 ]; ok $? "rollback came after the boot timeout ($SECONDS s)"
start_lfsd "$T/lfsd" --poll-interval 1
device dev-1 "$KEY" "$T/d" > "$T/out" 2> "$T/err"
dev=$(admin GET /devices/dev-1)
jq -e --arg s "$V4" '.events | map(select(.state=="rolled-back" and .sha256==$s and
	(.detail | test("no successful check-in")))) | length == 1' <<<"$dev" >/dev/null
ok $? "queued rolled-back report delivered after the server came back"
is "$(jq -r .running_sha256 <<<"$dev")" "$V2" "v2 shown running"
grep -q "poll: skipping $V4" "$T/err"; ok $? "v4 is not retried"
done_testing
