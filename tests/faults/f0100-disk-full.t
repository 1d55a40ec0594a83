#!/bin/bash
# f0100-disk-full: lfsd's data directory on a small tmpfs that is then filled:
# a build and a registration get a clear 5xx, /healthz answers 503 with the
# reason, what was acknowledged before stays readable and served; once room
# is made, /healthz is 200 again within seconds, writes work and
# PRAGMA integrity_check is ok.
. "$(dirname "$0")/lib.sh"
if ! small_fs "$T/small" 16m; then
	skip 14 "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN); f0110 fills a file-size limit instead"
	done_testing; exit
fi
start_lfsd "$T/small/data"; ok $? "lfsd started on a 16 MB tmpfs"
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "build A before the disk fills"
A_ID=$(jq .id "$T/body"); A=$(jq -r .sha256 "$T/body")
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"stable\"}")" 201 "released"
is "$(jpost /devices '{"id":"d1","channel":"stable"}')" 201 "a device registered"
KEY=$(jq -r .key "$T/body")

dd if=/dev/zero of="$T/small/filler" bs=64k 2>/dev/null
mapfile -t args < <(app_args state_machine)
code=$(req "${args[@]}" "$URL/build"); msg=$(jq -r .error.message "$T/body")
case $code in 5*) ok 0 "a build on a full disk: $code ($msg)" ;; *) ok 1 "a build on a full disk: $code" ;; esac
code=$(jpost /devices '{"id":"d2","channel":"stable"}'); msg=$(jq -r .error.message "$T/body")
is "$code" 500 "a registration on a full disk: 500 ($msg)"
for i in $(seq 1 12); do   # free space is looked at at most once a second
	code=$(curl -s -o "$T/h" -w '%{http_code}' "$URL/healthz")
	jq -e '[.problems[].reason] | index("disk") != null' "$T/h" >/dev/null 2>&1 && break
	sleep 0.25
done
is "$code" 503 "/healthz: 503"
jq -e '[.problems[].reason] | index("write") != null and index("disk") != null' "$T/h" >/dev/null
ok $? "with the reasons write and disk: $(jq -c '[.problems[].reason]' "$T/h")"
is "$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$A_ID/lfs.img" | sha256sum | cut -d' ' -f1)" "$A" "build A still downloads whole"
is "$(dev_poll "$KEY" d1)" 200 "the device is still offered A"

rm -f "$T/small/filler"
for i in $(seq 1 40); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ] && break
	sleep 0.25
done
healthy; ok $? "room made: /healthz 200 again after $((i / 4)) s"
is "$(req "${args[@]}" "$URL/build")" 201 "the build succeeds when sent again"
is "$(jpost /devices '{"id":"d2","channel":"stable"}')" 201 "and the registration"
stop_lfsd; ok $? "clean shutdown"
is "$(integrity)" ok "PRAGMA integrity_check: ok"
done_testing
