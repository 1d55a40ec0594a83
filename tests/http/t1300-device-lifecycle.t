#!/bin/bash
# t1300-device-lifecycle: devices are deleted (their key stops at once, the id
# can be registered afresh), given a new key (the old one is 401 at once),
# moved to another channel; a registration retried with its Idempotency-Key
# gets the same 201 and key; reports are rate-limited per device (429 with
# Retry-After) and only the last N events are kept, with counts of all and
# the release's outcomes intact; a schema-4 database is migrated with its
# history counted.
. "$(dirname "$0")/lib.sh"
# a schema-4 database with one device and three events of its history
mkdir -p "$T/data"
cat "$ROOT"/schema/000[1-4]_*.sql | sqlite3 "$T/data/lfsd.db"
sqlite3 "$T/data/lfsd.db" "INSERT INTO devices (id, channel, key_sha256, created) VALUES ('old', 'stable', '$(printf %064d 1)', 1700000000);
	INSERT INTO device_events (device_id, time, state, sha256) VALUES ('old', 1700000001, 'downloading', '$(printf %064d 7)'),
	('old', 1700000002, 'booted', '$(printf %064d 7)'), ('old', 1700000003, 'booted', '$(printf %064d 7)');"
# (no signing key was kept with it: a new one on purpose, as after a lost key)
start_lfsd "$T/data" --report-rate 10 --device-events 3 --rotate-signing-key; ok $? "lfsd started on a schema-4 database"
is "$(sqlite3 "$DATA/lfsd.db" 'PRAGMA user_version')" "$(ls "$ROOT"/schema/*.sql | wc -l)" "migrated to the newest schema"
is "$(req "$URL/devices/old")" 200 "the old device reads back"
is "$(jq -c .event_counts "$T/body")" '{"booted":2,"downloading":1}' "its history is counted"
is "$(sqlite3 "$DATA/lfsd.db" "select device_id, state, time from device_outcomes")" "old|booted|1700000003" "its outcome kept apart"

S=(-s --cacert "$CACERT")
jpost() { req -X "${3:-POST}" -H 'Content-Type: application/json' -d "$2" "$URL$1"; }
dev() { local k=$1; shift; curl "${S[@]}" -o "$T/body" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $k" "$@"; }
hdr() { tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip"; }
poll() { dev "$1" "$SURL/ota/latest?device=$2&nonce=$(openssl rand -hex 16)"; }
rep() { dev "$1" -H 'Content-Type: application/json' -d "$3" "$SURL/ota/report?device=$2"; }
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "a build"
A_ID=$(jq .id "$T/body"); A=$(jq -r .sha256 "$T/body")
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"stable\"}")" 201 "released on stable"
REL=$(jq .id "$T/body")

# registration retried with an Idempotency-Key
IK=4f1c2a9e-0b7d-4e58-9c61-2d3e4f5a6b7c
reg() { req -D "$T/h" -X POST -H 'Content-Type: application/json' -H "Idempotency-Key: $1" -d "$2" "$URL/devices"; }
is "$(reg "$IK" '{"id":"d1","channel":"stable"}')" 201 "register with an Idempotency-Key: 201"
K1=$(jq -r .key "$T/body")
is "$(reg "$IK" '{"id":"d1","channel":"stable"}')" 201 "the same request again (its answer was lost): 201"
is "$(jq -r .key "$T/body")" "$K1" "with the same key"
is "$(hdr Idempotent-Replayed)" true "marked Idempotent-Replayed"
is "$(sqlite3 "$DATA/lfsd.db" "select count(*) from device_registrations where key_sealed = '$K1' or idem_sha256 = '$IK'")" 0 "neither the key nor the Idempotency-Key is stored in clear"
is "$(reg "$IK" '{"id":"d1","channel":"beta"}')" 422 "the same Idempotency-Key with another body: 422"
is "$(reg "$IK" '{"id":"d9","channel":"stable"}')" 422 "or another id: 422"
is "$(jpost /devices '{"id":"d1","channel":"stable"}')" 409 "without the Idempotency-Key: 409 as before"
is "$(reg other-key-0123456789 '{"id":"d1","channel":"stable"}')" 409 "with another Idempotency-Key: 409"
is "$(reg short '{"id":"d2","channel":"stable"}')" 400 "an Idempotency-Key under 16 characters: 400"
is "$(poll "$K1" d1)" 200 "the key works"

# a new key: the old one stops at once
mk() { jq -r .client_config "$T/body" | sed -n 's/^  mkey = "\([0-9a-f]*\)".*/\1/p'; }
MK1=$(reg "$IK" '{"id":"d1","channel":"stable"}' >/dev/null; mk)
is "$(req -X POST "$URL/devices/d1/key")" 200 "POST /devices/d1/key: 200"
K2=$(jq -r .key "$T/body")
jq -r .client_config "$T/body" | grep -q "^  key = \"$K2\"," && [ ${#MK1} -eq 64 ] && [ "$(mk)" != "$MK1" ] &&
	[ "$(sqlite3 "$DATA/lfsd.db" "select key_generation from devices where id='d1'")" = 1 ]
ok $? "with its client configuration: the new key, and a new manifest key (generation 1)"
[ ${#K2} -eq 64 ] && [ "$K2" != "$K1" ]; ok $? "a new 64-hex key, shown once"
is "$(poll "$K1" d1)" 401 "the old key: 401 at once"
is "$(rep "$K1" d1 '{"state":"booted"}')" 401 "also for reports"
is "$(poll "$K2" d1)" 200 "the new key works"
is "$(sqlite3 "$DATA/lfsd.db" "select key_sha256 from devices where id='d1'")" "$(printf %s "$K2" | sha256sum | cut -d' ' -f1)" "only its hash is stored"
is "$(reg "$IK" '{"id":"d1","channel":"stable"}')" 409 "a retry of the first registration no longer gives a key: 409"
is "$(req -X POST "$URL/devices/nobody/key")" 404 "a new key for an unknown device: 404"

# moved to another channel
is "$(jpost /devices/d1 '{"channel":"beta"}' PATCH)" 200 "PATCH /devices/d1 channel beta: 200"
is "$(jq -r .channel "$T/body")" beta "answers the moved device"
is "$(poll "$K2" d1)" 204 "beta has no release: 204"
is "$(dev "$K2" "$SURL/ota/latest?device=d1&nonce=$(openssl rand -hex 16)&channel=stable")" 403 "it is no longer in stable: 403"
is "$(jpost /devices/d1 '{"channel":"no spaces"}' PATCH)" 400 "invalid channel: 400"
is "$(jpost /devices/d1 '{"colour":"red"}' PATCH)" 400 "unknown field: 400"
is "$(jpost /devices/nobody '{"channel":"beta"}' PATCH)" 404 "unknown device: 404"
is "$(jpost /devices/d1 '{"channel":"stable"}' PATCH)" 200 "and back to stable"
is "$(poll "$K2" d1)" 200 "offered stable's release again"

# retention (3 events) and report rate (10 a minute, 10 at once)
is "$(rep "$K2" d1 "{\"state\":\"booted\",\"sha256\":\"$A\"}")" 204 "report booted"
is "$(rep "$K2" d1 '{"state":"downloading"}')" 204 "one more report"
is "$(rep "$K2" d1 '{"state":"downloaded"}')" 204 "and another"
is "$(rep "$K2" d1 '{"state":"applied"}')" 204 "and a third: the booted event is gone"
is "$(sqlite3 "$DATA/lfsd.db" "select group_concat(state) from (select state from device_events where device_id='d1' order by id)")" \
	downloading,downloaded,applied "3 rows in SQLite, the newest"
is "$(req "$URL/releases/$REL")" 200 "GET /releases/{id}"
is "$(jq .outcomes.booted "$T/body")" 1 "the release still counts the device as booted"
codes=""
for i in $(seq 1 6); do codes="$codes$(rep "$K2" d1 "{\"state\":\"downloading\",\"sha256\":\"$A\"}") "; done
is "$codes" "204 204 204 204 204 204 " "10 reports at once: 204"
is "$(rep "$K2" d1 '{"state":"failed"}')" 429 "the 11th: 429"
ra=$(hdr Retry-After)
[ "$ra" -ge 1 ] && [ "$ra" -le 6 ]; ok $? "with Retry-After: $ra (1..6 s at 10 a minute)"
is "$(jq -r .error.code "$T/body")" too_many_requests "too_many_requests"
is "$(poll "$K2" d1)" 200 "polls are not limited"
sleep "$ra"
is "$(rep "$K2" d1 '{"state":"failed"}')" 204 "after Retry-After: 204"
is "$(req "$URL/devices/d1")" 200 "GET /devices/d1"
is "$(jq -c '[(.events | length), .events[0].state, .event_counts]' "$T/body")" \
	'[3,"failed",{"applied":1,"booted":1,"downloaded":1,"downloading":7,"failed":1}]' \
	"the last 3 events kept, counts of all 11 (the refused one not counted)"
is "$(req "$URL/devices/old")" 200 "another device"
is "$(jq '.events | length' "$T/body")" 3 "its own history untouched"

# delete
is "$(req -X DELETE "$URL/devices/d1")" 204 "DELETE /devices/d1: 204"
is "$(poll "$K2" d1)" 401 "its key: 401 at once"
is "$(req "$URL/devices/d1")" 404 "GET: 404"
is "$(sqlite3 "$DATA/lfsd.db" "select (select count(*) from device_events where device_id='d1') + (select count(*) from device_event_counts where device_id='d1') + (select count(*) from device_outcomes where device_id='d1') + (select count(*) from device_registrations where device_id='d1')")" 0 "its events, counts, outcomes and registrations are gone"
is "$(req "$URL/releases/$REL")" 200 "GET /releases/{id}"
is "$(jq .outcomes.booted "$T/body")" 0 "its outcome no longer counts"
is "$(req -X DELETE "$URL/devices/d1")" 404 "again: 404"
is "$(req "$URL/fleet")" 200 "GET /fleet"
is "$(jq .devices "$T/body")" 1 "the fleet counts one device"
is "$(reg "$IK" '{"id":"d1","channel":"stable"}')" 201 "the id can be registered again"
K3=$(jq -r .key "$T/body")
[ "$K3" != "$K1" ]; ok $? "with a new key"
is "$(poll "$K2" d1)" 401 "the deleted device's key still 401"
is "$(poll "$K3" d1)" 200 "the new one works"
is "$(req "$URL/devices/d1")" 200 "GET the new d1"
jq -e '.events == [] and .event_counts == {} and .running_sha256 == null' "$T/body" >/dev/null; ok $? "it starts afresh"

# all of it survives a restart
stop_lfsd; ok $? "stopped"
start_lfsd "$DATA"; ok $? "restarted"
is "$(poll "$K3" d1)" 200 "the new key works after a restart"
is "$(poll "$K2" d1)" 401 "the old keys do not"
healthy; ok $? "healthy"
stop_lfsd; is "$?" 0 "clean shutdown"
done_testing
