#!/usr/bin/env bash
# Staged rollout with 100 devices: at rollout_percent 10 between 5 and 20
# update (exactly those whose bucket is < 10); raising it to 50 keeps them and
# adds more; revoking the release brings every device back to the previous one.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/lfsd" --poll-interval 1
make_app "$T/v1" v1
B1=$(upload_build "$T/v1")
V1=$(admin GET "/builds/$B1" | jq -r .sha256)
release "$B1" >/dev/null
for i in $(seq -w 0 99); do echo "dev-$i $(add_device "dev-$i")"; done > "$T/keys"
is "$(awk 'length($2) == 64' "$T/keys" | wc -l)" 100 "100 devices registered"

# every device starts out running v1 (installed from the console, no download)
curl -sS -H "Authorization: Bearer $TOKEN" "$URL/builds/$B1/lfs.img" -o "$T/v1.img"
"$DEV" --data "$T/template" --reload "$T/v1.img" --once > /dev/null 2>&1
is "$(jq -r .current "$T/template/state.json")" "$V1" "template device runs v1"
mkdir -p "$T/dev"
while read -r id key; do cp -r "$T/template" "$T/dev/$id"; done < "$T/keys"

run_all() {   # one --once cycle of every device, 6 at a time
	local id key
	while read -r id key; do
		while [ "$(jobs -rp | wc -l)" -gt 6 ]; do wait -n; done
		device "$id" "$key" "$T/dev/$id" > "$T/dev/$id.out" 2> "$T/dev/$id.err" &
	done < "$T/keys"
	while [ "$(jobs -rp | wc -l)" -gt 1 ]; do wait -n; done   # lfsd stays
}
on() {   # devices whose current image is $1, one id per line
	local id key
	while read -r id key; do
		[ "$(jq -r .current "$T/dev/$id/state.json")" = "$1" ] && echo "$id"
	done < "$T/keys"
}
bucket_below() {   # ids whose rollout bucket (server/README.md) is < $1
	local id key h
	while read -r id key; do
		h=$(printf %s "$id" | sha256sum | cut -c1-8)
		[ $((16#$h % 100)) -lt "$1" ] && echo "$id"
	done < "$T/keys"
}

run_all
is "$(on "$V1" | wc -l)" 100 "all 100 devices up to date on v1"

make_app "$T/v2" v2
B2=$(upload_build "$T/v2" '{"timestamp":1700000100}')
V2=$(admin GET "/builds/$B2" | jq -r .sha256)
R2=$(release "$B2" 10)
run_all
on "$V2" > "$T/at10"
N10=$(wc -l < "$T/at10")
[ "$N10" -ge 5 ] && [ "$N10" -le 20 ]; ok $? "rollout 10%: $N10 devices updated (5..20)"
is "$(cat "$T/at10")" "$(bucket_below 10)" "exactly the devices whose bucket is < 10"
grep -l '^MARKER v2 ' "$T"/dev/*.out | wc -l > "$T/ran"
is "$(cat "$T/ran")" "$N10" "v2's _init ran on each of them"

admin PATCH "/releases/$R2" '{"rollout_percent":50}' >/dev/null
run_all
on "$V2" > "$T/at50"
N50=$(wc -l < "$T/at50")
[ -z "$(comm -23 "$T/at10" "$T/at50")" ]; ok $? "rollout 50%: every device from 10% kept v2"
[ "$N50" -gt "$N10" ]; ok $? "rollout 50%: more devices updated ($N50)"
is "$(cat "$T/at50")" "$(bucket_below 50)" "exactly the devices whose bucket is < 50"
[ "$(on "$V1" | wc -l)" -eq $((100 - N50)) ]; ok $? "the others still run v1"

admin PATCH "/releases/$R2" '{"state":"revoked"}' >/dev/null
run_all
is "$(on "$V1" | wc -l)" 100 "revoked: all 100 devices back on v1"
! grep -l 'download:' $(sed 's|$|.err|; s|^|'"$T"'/dev/|' "$T/at50") > /dev/null
ok $? "going back used the kept previous image (no download)"
is "$(admin GET /devices | jq --arg s "$V1" '[.devices[] | select(.running_sha256 == $s)] | length')" \
	100 "lfsd shows all 100 running v1"
done_testing
