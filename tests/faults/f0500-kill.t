#!/bin/bash
# f0500-kill: kill -9 of lfsd while builds, release changes and device
# registrations are under way at once; after the restart PRAGMA
# integrity_check is ok and nothing acknowledged is lost: every build
# answered 201 downloads with its sha256, every device answered 201 polls
# with its key, and the release has the rollout last answered (or the one
# in flight when lfsd died).
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "a build"
A_ID=$(jq .id "$T/body")
is "$(jpost /releases "{\"build_id\":$A_ID,\"channel\":\"stable\"}")" 201 "released"
REL=$(jq .id "$T/body")

registrations() {   # "id key" of each registration answered 201
	local i out
	for i in $(seq 1 1000); do
		out=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			-d "{\"id\":\"k$i\",\"channel\":\"stable\"}" "$URL/devices") || break
		case $out in *'"key":"'*) echo "k$i $(sed 's/.*"key":"\([0-9a-f]*\)".*/\1/' <<<"$out")" ;; *) break ;; esac
	done
}
rollouts() {   # each rollout_percent answered 200
	local p code
	for p in $(seq 1 1000); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: application/json' -d "{\"rollout_percent\":$((p % 100 + 1))}" \
			"$URL/releases/$REL")
		[ "$code" = 200 ] || break
		echo $((p % 100 + 1))
	done
}
registrations >"$T/regs" & PIDS="$PIDS $!"
rollouts >"$T/pcts" & PIDS="$PIDS $!"
for w in $(seq 1 300); do   # until some of each are acknowledged
	[ "$(wc -l <"$T/regs")" -ge 10 ] && [ "$(wc -l <"$T/pcts")" -ge 10 ] && break
	sleep 0.05
done
for i in $(seq 1 30); do   # then builds too, and kill once a few are answered
	mkdir -p "$T/src$i" && cp "$APPS/sensor_mesh/"*.lua "$T/src$i/" && printf 'return %d\n' "$i" >"$T/src$i/zz.lua"
	b=(); for f in "$T/src$i/"*.lua; do b+=(-F "file=@$f"); done
	curl -s -o "$T/r$i.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "${b[@]}" "$URL/build" >"$T/c$i" &
	PIDS="$PIDS $!"
done
for w in $(seq 1 3000); do
	[ "$(grep -l 201 "$T"/c* 2>/dev/null | wc -l)" -ge 2 ] && break
done
kill_lfsd
wait 2>/dev/null
nreg=$(wc -l <"$T/regs"); npct=$(wc -l <"$T/pcts"); nbuild=$(grep -l '^201$' "$T"/c* | wc -l)
[ "$nreg" -ge 10 ] && [ "$npct" -ge 10 ] && [ "$nbuild" -ge 2 ]
ok $? "killed with $nreg registrations, $npct rollout changes and $nbuild of 30 builds acknowledged (the others in flight)"
is "$(integrity)" ok "PRAGMA integrity_check after kill -9: ok"

start_lfsd "$DATA"; ok $? "lfsd restarts"
lost=0
for i in $(seq 1 30); do
	grep -q '^201$' "$T/c$i" || continue
	id=$(jq .id "$T/r$i.json"); sha=$(jq -r .sha256 "$T/r$i.json")
	[ "$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$id/lfs.img" | sha256sum | cut -d' ' -f1)" = "$sha" ] ||
		{ lost=$((lost + 1)); echo "# build $id lost"; }
done
is "$lost" 0 "every acknowledged build downloads with its sha256"
sep=""
while read -r id key; do
	printf '%surl = "%s"\nheader = "Authorization: Bearer %s"\noutput = /dev/null\n' "$sep" "$SURL/ota/latest?device=$id&nonce=$(openssl rand -hex 16)" "$key"
	printf 'cacert = "%s"\nwrite-out = "%s %%{http_code}\\n"\n' "$CACERT" "$id"
	sep=$'next\n'
done <"$T/regs" >"$T/polls"
curl -s -K "$T/polls" >"$T/codes"
is "$(grep -vc ' 20[04]$' "$T/codes")" 0 "all $nreg acknowledged devices poll with their keys"
last=$(tail -1 "$T/pcts")
is "$(req "$URL/releases/$REL")" 200 "GET the release"
got=$(jq .rollout_percent "$T/body")
[ "$got" = "$last" ] || [ "$got" = $((last % 100 + 1)) ]; ok $? "rollout $got: the last acknowledged ($last) or the one in flight"
healthy; ok $? "healthy"
stop_lfsd; ok $? "clean shutdown"
is "$(integrity)" ok "PRAGMA integrity_check: ok"
done_testing
