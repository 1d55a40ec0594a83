#!/bin/bash
# t0600-shutdown: SIGTERM while builds are queued and running: every request
# already accepted is answered 201, lfsd exits 0, and after a restart all of
# those builds are there.
. "$(dirname "$0")/lib.sh"
# lfsc behind a wrapper that takes 0.3 s more, so builds are still queued at SIGTERM
printf '#!/bin/sh\nsleep 0.3\nexec "%s" "$@"\n' "$LFSC" >"$T/slow-lfsc"
chmod +x "$T/slow-lfsc"
start_lfsd "$T/data" --build-workers 1 --lfsc "$T/slow-lfsc"; ok $? "lfsd started with one build worker"
for i in $(seq 1 6); do
	mkdir -p "$T/src$i"
	cp "$APPS/sensor_mesh/"*.lua "$T/src$i/"
	printf 'return %d\n' "$i" >"$T/src$i/zz_variant.lua"
done
for i in $(seq 1 6); do
	args=()
	for f in "$T/src$i/"*.lua; do args+=(-F "file=@$f"); done
	curl -s -o "$T/r$i.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		"${args[@]}" "$URL/build" >"$T/c$i" &
done
# SIGTERM once the first build is running (its directory exists) and the
# other requests have had time to arrive
for w in $(seq 1 300); do
	[ "$(ls "$BUILDS" 2>/dev/null | grep -c '^build-')" -ge 1 ] && break
	sleep 0.01
done
sleep 0.2
before=$(grep -l '^201$' "$T"/c* 2>/dev/null | wc -l)
[ "$before" -lt 6 ]; ok $? "SIGTERM arrives with builds pending ($before of 6 answered)"
kill -TERM "$LFSD_PID"
wait "$LFSD_PID"; is "$?" 0 "lfsd exits 0 on SIGTERM"
wait
n201=$(grep -l '^201$' "$T"/c* | wc -l)
is "$n201" 6 "all six accepted builds were answered 201"
grep -q "signal 15: shutting down" "$T/lfsd.log"; ok $? "shutdown logged"
start_lfsd "$T/data"; ok $? "restart"
is "$(sqlite3 "$DATA/lfsd.db" 'select count(*) from builds')" 6 "six builds stored"
for i in $(seq 1 6); do
	id=$(jq .id "$T/r$i.json")
	is "$(req "$URL/builds/$id")" 200 "build $i readable after restart"
done
done_testing
