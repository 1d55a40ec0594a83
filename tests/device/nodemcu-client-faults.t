#!/usr/bin/env bash
# lfsd's Lua OTA client under faults, on the emulated 5.3 board against a real
# lfsd over TLS: a download cut half-way resumes with Range (random receive
# bursts); a start-up that raises and an image that cannot check in (after a
# power cut during its load) are rolled back; the heap budget. Each update
# is a release of lfsd, taken by the board's own polls.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/data" --poll-interval 1 --report-rate 60000   # reports of refusals and power cuts: more than a device sends
. "$ROOT/tests/device/nodemcu/client.sh"
BUDGET=58000   # bytes of the emulated heap (device/nodemcu/README.md, "Heap")

build A 1700000000
for a in sensor_mesh oled_display opcode_tour; do cp "$APPS/$a"/*.lua "$T/C/" 2>/dev/null || { mkdir -p "$T/C"; cp "$APPS/$a"/*.lua "$T/C/"; }; done
build C 1700000200
build D 1700000300 'error("D is broken")'
build E 1700000400
build F 1700000500
[ "$Z_C" -gt 40000 ]; ok $? "images built; C has $Z_C bytes"

"$BUILD/test/cutproxy" "${TLS_ADDR##*:}" 20000 "$T/proxy.port" "$T/proxy.log" &
PIDS="$PIDS $!"
for i in $(seq 50); do [ -s "$T/proxy.port" ] && break; sleep 0.1; done
board_setup "$(cat "$T/proxy.port")" "$S_A"
board "$T/d" --reload "$T/A.img" --until "up to date" --run-for 20 > "$T/out" 2>&1
grep -q '^MAIN A$' "$T/out"; ok $? "the board runs A"

# ---- resume: the relay cuts the download after 20000 bytes
rel C
board "$T/d" --until committed --run-for 60 --rx-chunk random --seed 11 > "$T/out" 2> "$T/err"
grep -q '^MAIN C$' "$T/out" && grep -q "committed" "$T/out"; ok $? "C downloaded through a cut, loaded, committed"
cut=$(grep -a 'download cut at' "$T/out" | head -1 | awk -F'\t' '{print $3}')
[ -n "$cut" ] && [ "$cut" -gt 10000 ] && [ "$cut" -lt "$Z_C" ]; ok $? "the download was cut at byte $cut"
grep -q ' cut 1$' "$T/proxy.log"; ok $? "the relay cut one connection"
big=$(awk '{print $6}' "$T/proxy.log" | sort -n | tail -n 2 | head -n 1)
last=$(awk '{print $6}' "$T/proxy.log" | sort -n | tail -n 1)
[ "$last" -lt $((Z_C - cut + 6000)) ]; ok $? "no connection carried the whole image again (largest $last bytes)"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$S_C" "lfsd shows C running"

# ---- rollback: D's start-up raises
rel D
board "$T/d" --until "delivered	booted	$S_C" --run-for 60 > "$T/out" 2> "$T/err"
grep -q '^MAIN D$' "$T/out" && [ "$(grep '^MAIN' "$T/out" | tail -n 1)" = "MAIN C" ]
ok $? "D started, raised, and C runs again"
admin GET /devices/dev-1 | jq -e --arg s "$S_D" '.events | map(select(.state == "rolled-back" and
	.sha256 == $s and (.detail | test("start-up failed.*D is broken")))) | length == 1' > /dev/null
ok $? "rolled-back reported for D with the reason"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$S_C" "lfsd shows C running again"

# ---- a power cut during E's load, then no check-in (lfsd down): back to C
rel E
board "$T/d" --power-cut-at 2 --run-for 60 > "$T/out" 2> "$T/err"
is $? 99 "power cut at the 2nd flash operation of E's load"
stop_lfsd
board "$T/d" --until "MAIN C" --run-for 30 > "$T/out" 2> "$T/err"
grep -q '^init: LFS empty after an interrupted load; loading' "$T/out"; ok $? "init.lua loads the verified image again"
grep -q '^MAIN E$' "$T/out"; ok $? "E runs after the reload"
grep -qa 'rolled-back.*no successful check-in within 5 s' "$T/out"; ok $? "no check-in within 5 s: rolled back"
[ "$(grep '^MAIN' "$T/out" | tail -n 1)" = "MAIN C" ]; ok $? "C runs again"
start_lfsd "$DATA" --listen "${URL#http://}" --tls-listen "$TLS_ADDR" --poll-interval 1 --report-rate 60000
# the relay gave up while lfsd was down: straight to lfsd from now on
sed -i "s/port = [0-9]*/port = ${TLS_ADDR##*:}/" "$T/d/spiffs/lfsd_cfg.lua"
board "$T/d" --until "delivered	booted	$S_C" --run-for 30 > "$T/out" 2>&1
admin GET /devices/dev-1 | jq -e --arg s "$S_E" '.events | map(select(.state == "rolled-back" and
	.sha256 == $s and (.detail | test("no successful check-in")))) | length == 1' > /dev/null
ok $? "the queued rolled-back report reaches lfsd once it is back"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$S_C" "lfsd shows C running"

# ---- the heap budget: the update fits in it; below it polls fail cleanly
rel F
# below it the poll's TLS handshake finds no memory: a report cannot reach
# lfsd either, so the client just fails each poll cleanly
board "$T/d" --heap $((BUDGET - 18000)) --run-for 8 > "$T/out" 2> "$T/err"
! grep -q 'PANIC' "$T/out" && grep -q '^MAIN C$' "$T/out" &&
	grep -q '^lfsota:	poll failed:	connection failed' "$T/out" && ! grep -q 'downloading' "$T/out"
ok $? "below the budget ($((BUDGET - 18000)) bytes): no crash, C runs, each poll fails cleanly"
board "$T/d" --heap $BUDGET --rx-chunk 1 --until committed --run-for 90 > "$T/out" 2> "$T/err"
grep -q '^MAIN F$' "$T/out" && grep -q committed "$T/out"
ok $? "with the budget ($BUDGET bytes) and 1-byte receive chunks F is committed"
sed -n 's/.*boot ended: Lua heap peak \([0-9]*\) bytes.*/# heap peak \1/p' "$T/err"
done_testing
