#!/bin/bash
# t0810-fleet-lists: GET /devices pages with a cursor and filters by channel,
# state and id prefix on the server; each device carries its rollout bucket,
# the release it runs and the one lfsd would offer it (the dashboard computes
# no policy); GET /fleet counts devices per channel, state and release from
# memory, pending updates included.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
S=(-s --cacert "$CACERT")
jpost() { req -X POST -H 'Content-Type: application/json' -d "$2" "$URL$1"; }
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "build A"; A_ID=$(jq .id "$T/body"); A=$(jq -r .sha256 "$T/body")
mapfile -t args < <(app_args state_machine)
is "$(req "${args[@]}" "$URL/build")" 201 "build B"; B_ID=$(jq .id "$T/body"); B=$(jq -r .sha256 "$T/body")
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"lab\"}")" 201 "release A on lab"
REL_A=$(jq .id "$T/body")
for i in $(seq -w 1 24); do
	jpost /devices "{\"id\":\"unit-$i\",\"channel\":\"lab\"}" >/dev/null
	echo "unit-$i $(jq -r .key "$T/body")"
done >"$T/keys"
is "$(wc -l <"$T/keys")" 24 "24 devices on lab"
is "$(jpost /devices '{"id":"solo","channel":"quiet"}')" 201 "one device on a channel with no release"
is "$(jpost /releases "{\"build_id\":$B_ID,\"channel\":\"lab\",\"rollout_percent\":50}")" 201 "release B on lab at 50 %"
REL_B=$(jq .id "$T/body")
key() { grep "^$1 " "$T/keys" | cut -d' ' -f2; }
poll() { curl "${S[@]}" -o "$T/m" -w '%{http_code}' -H "Authorization: Bearer $(key "$1")" "$SURL/ota/latest?device=$1&nonce=$(openssl rand -hex 16)${2:+&current=$2}"; }
# units 01-12 run A; 01 and 02 report, 13-24 never polled
for i in $(seq -w 1 12); do poll "unit-$i" "$A" >/dev/null; done
rep() { curl "${S[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(key "$1")" -H 'Content-Type: application/json' -d "$2" "$SURL/ota/report?device=$1"; }
is "$(rep unit-01 "{\"state\":\"booted\",\"sha256\":\"$A\"}")" 204 "unit-01 reports booted"
is "$(rep unit-02 "{\"state\":\"failed\",\"sha256\":\"$B\",\"detail\":\"bad signature\"}")" 204 "unit-02 reports failed"

# pages
is "$(req "$URL/devices")" 200 "GET /devices"
is "$(jq '.devices | length' "$T/body")" 25 "every device fits the default page of 100"
is "$(jq -r .next "$T/body")" null "no next page"
ids=""; next="/devices?limit=10"; pages=0
while [ "$next" != null ]; do
	is "$(req "$URL$next")" 200 "page $((pages + 1)): $next"
	ids="$ids $(jq -r '.devices[].id' "$T/body" | tr '\n' ' ')"
	next=$(jq -r .next "$T/body"); pages=$((pages + 1))
done
is "$pages" 3 "25 devices in pages of 10: 3 pages"
is "$(echo $ids)" "$(echo $( (cut -d' ' -f1 "$T/keys"; echo solo) | LC_ALL=C sort))" "every device once, by id"
is "$(req "$URL/devices?limit=5&channel=lab&prefix=unit-1")" 200 "channel and prefix filters"
is "$(jq -r '[.devices[].id] | join(" ")' "$T/body")" "unit-10 unit-11 unit-12 unit-13 unit-14" "the first 5 of lab with ids unit-1*"
is "$(jq -r .next "$T/body")" "/devices?limit=5&after=unit-14&channel=lab&prefix=unit-1" "next keeps the filters"
is "$(req "$URL$(jq -r .next "$T/body")")" 200 "the next page"
is "$(jq -r '[.devices[].id] | join(" ")' "$T/body")" "unit-15 unit-16 unit-17 unit-18 unit-19" "continues after unit-14"
is "$(req "$URL/devices?state=failed")" 200 "state filter"
is "$(jq -c '[.devices[] | [.id, .state, .state_detail]]' "$T/body")" '[["unit-02","failed","bad signature"]]' "only the failed device"
is "$(req "$URL/devices?state=none&channel=lab")" 200 "devices with no report yet"
is "$(jq '.devices | length' "$T/body")" 22 "22 of lab never reported"
is "$(req "$URL/devices?channel=quiet")" 200 "a channel without releases"
is "$(jq -c '[.devices[] | [.id, .offered, .running_release]]' "$T/body")" '[["solo",null,null]]' "nothing offered, nothing running"
for bad in 'limit=0' 'limit=1001' 'after=a%20b' 'channel=x/y' 'state=exploded' 'prefix=..%2f'; do
	is "$(req "$URL/devices?$bad")" 400 "GET /devices?$bad: 400"
done

# each device: bucket, running release, offer = what a poll gives
bucket() { echo $(( 16#$(printf %s "$1" | sha256sum | cut -c1-8) % 100 )); }
bad=0; pending=0
for i in $(seq -w 1 24); do
	id=unit-$i
	req "$URL/devices/$id" >/dev/null
	[ "$(jq .bucket "$T/body")" = "$(bucket "$id")" ] || { bad=$((bad + 1)); echo "# $id: bucket $(jq .bucket "$T/body")"; }
	offered=$(jq -r '.offered.sha256 // "none"' "$T/body"); running=$(jq -r '.running_sha256 // ""' "$T/body")
	code=$(poll "$id" "$running")
	got=none; [ "$code" = 200 ] && got=$(jq -r .sha256 "$T/m")
	[ "$code" = 204 ] && [ "$offered" = "$running" ] && got=$running
	[ "$got" = "$offered" ] || { bad=$((bad + 1)); echo "# $id: offered $offered, poll gave $code $got"; }
	[ "$offered" != none ] && [ "$offered" != "$running" ] && pending=$((pending + 1))
done
is "$bad" 0 "bucket and offered release of every device agree with lfsd's polls"
req "$URL/devices/unit-03" >/dev/null
is "$(jq -c '[.running_release.id, .running_release.build_id]' "$T/body")" "[$REL_A,$A_ID]" "a device running A shows release A"

# counts
is "$(req "$URL/fleet")" 200 "GET /fleet"
is "$(jq .devices "$T/body")" 25 "25 devices"
jq -e --argjson a "$REL_A" --argjson b "$REL_B" '.channels | map({(.name): .}) | add |
	.lab.devices == 24 and .lab.states.booted == 1 and .lab.states.failed == 1 and
	.lab.states.none == 22 and ([.lab.releases[] | [.id, .devices]] == [[$b, 0], [$a, 12]]) and
	.lab.no_image == 12 and .lab.other_image == 0 and .quiet.devices == 1 and .quiet.releases == []' \
	"$T/body" >/dev/null; ok $? "per channel: devices, states, devices per release, no image"
is "$(jq '.channels[] | select(.name == "lab") | .pending' "$T/body")" "$pending" "pending: the devices offered a release they do not run ($pending)"
is "$(req "$URL/fleet?channel=quiet")" 200 "GET /fleet?channel=quiet"
is "$(jq -c '[.devices, [.channels[].name]]' "$T/body")" '[1,["quiet"]]' "only that channel"

# builds are filtered on the server too: released on a channel, image hash prefix
printf 'return "unreleased"\n' >"$T/u.lua"
is "$(req -F "file=@$T/u.lua" "$URL/build")" 201 "an unreleased build"
is "$(req "$URL/builds?channel=lab")" 200 "GET /builds?channel=lab"
is "$(jq -c '[.builds[].id]' "$T/body")" "[$B_ID,$A_ID]" "only the builds released on lab, newest first"
is "$(req "$URL/builds?sha256=${A:0:6}")" 200 "GET /builds?sha256=<prefix>"
is "$(jq -c '[.builds[].sha256]' "$T/body")" "[\"$A\"]" "the build whose image starts so"
is "$(req "$URL/builds?limit=1&channel=lab")" 200 "one per page"
is "$(jq -r .next "$T/body")" "/builds?limit=1&before=$B_ID&channel=lab" "next keeps the filter"
for bad in 'sha256=XYZ' 'sha256=' 'channel=a%20b'; do
	is "$(req "$URL/builds?$bad")" 400 "GET /builds?$bad: 400"
done
stop_lfsd
done_testing
