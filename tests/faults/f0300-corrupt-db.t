#!/bin/bash
# f0300-corrupt-db: a damaged lfsd.db (its last 4 KB page overwritten, then
# a table page in the middle) is refused at start with a message that says
# how to recover, never read as an empty database; restored from a copy,
# lfsd starts with everything acknowledged.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
for i in 1 2 3; do
	mkdir -p "$T/src$i" && cp "$APPS/sensor_mesh/"*.lua "$T/src$i/" && printf 'return %d\n' "$i" >"$T/src$i/zz.lua"
	args=(); for f in "$T/src$i/"*.lua; do args+=(-F "file=@$f"); done
	is "$(req "${args[@]}" "$URL/build")" 201 "build $i"
done
for i in $(seq 1 40); do jpost /devices "{\"id\":\"d$i\",\"channel\":\"stable\"}" >/dev/null; done
stop_lfsd; ok $? "stopped"
cp "$DATA/lfsd.db" "$T/copy.db"
pages=$(( $(stat -c %s "$DATA/lfsd.db") / 4096 ))

damaged_refused() {   # damaged_refused WHAT
	: >"$LFSD_LOG"; rm -f "$DATA/ports"
	"$LFSD" --data-dir "$DATA" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 >>"$LFSD_LOG" 2>&1 &
	pid=$!; PIDS="$PIDS $pid"
	for i in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
	kill -0 $pid 2>/dev/null && kill $pid
	wait $pid; rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; ok $? "$1: lfsd refuses to start (exit $rc)"
	grep -q "is damaged (PRAGMA quick_check" "$LFSD_LOG" && grep -q "To recover" "$LFSD_LOG"
	ok $? "$1: says it is damaged and how to recover"
	[ ! -e "$DATA/ports" ]; ok $? "$1: nothing listened"
}
head -c 4096 /dev/urandom | dd of="$DATA/lfsd.db" bs=4096 seek=$((pages - 1)) conv=notrunc status=none
damaged_refused "last page overwritten"
cp "$T/copy.db" "$DATA/lfsd.db"
# the root page of the devices table
root=$(sqlite3 "$T/copy.db" "select rootpage from sqlite_master where name='devices'")
head -c 4096 /dev/urandom | dd of="$DATA/lfsd.db" bs=4096 seek=$((root - 1)) conv=notrunc status=none
damaged_refused "the devices table's page overwritten"

cp "$T/copy.db" "$DATA/lfsd.db"
start_lfsd "$DATA"; ok $? "restored from the copy: lfsd starts"
is "$(req "$URL/builds")" 200 "GET /builds"
is "$(jq '.builds | length' "$T/body")" 3 "the 3 builds"
is "$(req "$URL/fleet")" 200 "GET /fleet"
is "$(jq .devices "$T/body")" 40 "the 40 devices"
healthy; ok $? "healthy"
stop_lfsd; ok $? "clean shutdown"
is "$(integrity)" ok "PRAGMA integrity_check: ok"
done_testing
