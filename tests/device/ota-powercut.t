#!/usr/bin/env bash
# Power cut at every erase/program step of an OTA reload (one run per step)
# against a real lfsd: each run ends, after the next power-on, with the new
# image running and reported booted; no run executes a partly written image.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/lfsd" --poll-interval 1 --report-rate 60000   # a power cut per flash step: hundreds of reports a minute
KEY=$(add_device dev-p)
make_app "$T/v1" v1
cp "$APPS"/opcode_tour/*.lua "$T/v1/"
release "$(upload_build "$T/v1")" >/dev/null
device dev-p "$KEY" "$T/base" > "$T/out" 2> "$T/err"
grep -q '^MARKER v1 ' "$T/out"; ok $? "v1 installed over the air"
make_app "$T/v2" v2
cp "$APPS"/http_server/*.lua "$T/v2/"
B2=$(upload_build "$T/v2" '{"timestamp":1700000100}')
V2=$(admin GET "/builds/$B2" | jq -r .sha256)
release "$B2" >/dev/null
# the base device has not seen v2 yet: every run below starts from here

cp -r "$T/base" "$T/dry"
device dev-p "$KEY" "$T/dry" > "$T/out" 2> "$T/err"
grep -q '^MARKER v2 {"a":1}$' "$T/out"; ok $? "an uncut update runs v2"
OPS=$(sed -n 's/.*flash operations \([0-9]*\)$/\1/p' "$T/err")
[ "${OPS:-0}" -gt 10 ]; ok $? "the OTA reload takes $OPS erase/program operations"

powercut_sweep dev-p "$KEY" "$T/base" "$T/dry" "$OPS" '{"a":1}'
[ $TORN -gt 0 ]; ok $? "torn loads detected at boot and reported ($TORN of $OPS)"
is "$(admin GET /devices/dev-p | jq -r .running_sha256)" "$V2" "lfsd shows v2 running"
admin GET /devices/dev-p | jq -e '[.events[] | select(.state == "failed" and
	(.detail | test("torn LFS load detected")))] | length > 0' >/dev/null
ok $? "torn loads appear in the device's event history"
done_testing
