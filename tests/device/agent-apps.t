#!/usr/bin/env bash
# Apps really run in the C agent mode (lfs-device --client c): its `_init`
# runs on the emulated NodeMCU firmware of the board (device/runtime.c), whose
# event loop runs while the agent waits, with TCP servers on mapped ports. The
# conformance app telnet_console answers a real TCP client; node.LFS.reload
# goes through the agent's loader; a first image whose _init raises is kept
# and reported failed with the reason, as there is nothing to go back to; a
# crash in _init leaves the firmware down, not boot-looping.
. "$(dirname "$0")/lib.sh"

(cd "$APPS/telnet_console" && "$LFSC" -f -o "$T/telnet.img" ./*.lua) > /dev/null
"$DEV" --data "$T/d" --reload "$T/telnet.img" --once --run-for 30 --heap 40000 \
	--port-offset any --until BYE > "$T/out" 2> "$T/err" &
DEVPID=$!
PIDS="$PIDS $DEVPID"
for i in $(seq 100); do grep -qs '^2323 ' "$T/d/ports" && break; sleep 0.1; done
P=$(awk '$1 == 2323 {print $2}' "$T/d/ports" 2>/dev/null)
[ -n "$P" ]; ok $? "telnet_console listens on device port 2323, on 127.0.0.1:${P:-?} (DATA/ports)"
grep -q "^lfs-device: net: device port 2323 listens on 127.0.0.1:$P$" "$T/err"; ok $? "the port map is logged"
heap=""
if [ -n "$P" ] && exec 3<>"/dev/tcp/127.0.0.1/$P"; then
	printf 'heap\r\n' >&3
	while IFS= read -r -t 5 line <&3; do
		case $line in *"heap: "*) heap=$(sed 's/.*heap: \([0-9]*\) bytes.*/\1/' <<<"$line"); break ;; esac
	done
	printf 'lua print("BYE")\r\n' >&3
fi
[ -n "$heap" ] && [ "$heap" -gt 10000 ] && [ "$heap" -lt 40000 ]
ok $? "a real TCP client gets the answer to 'heap': $heap bytes free of the 40000-byte heap"
wait $DEVPID
ok $? "the console printed BYE (the 'lua' command): --until switched the device off, exit 0"
exec 3>&- 3<&-
grep -q '^BYE$' "$T/out"; ok $? "the app's print reached the console"
grep -q 'boot: _init ran' "$T/err" && grep -q 'committed' "$T/err"; ok $? "the agent ran _init and committed the image"

# node.LFS.reload(file) in this mode: the agent stages the SPIFFS file and
# loads it with its failsafe loader at the restart
make_app "$T/v2" v2
mkdir -p "$T/v1" "$T/r/spiffs"
printf 'print("v1 reloads")\nnode.LFS.reload("v2.img")\n' > "$T/v1/_init.lua"
(cd "$T/v1" && "$LFSC" -f -o app.img _init.lua)
cp "$T/v2/app.img" "$T/r/spiffs/v2.img"
"$DEV" --data "$T/r" --reload "$T/v1/app.img" --once > "$T/out" 2> "$T/err"
ok $? "a reload from _init: the run exits 0"
grep -q "node.LFS.reload(\"v2.img\"): staged as $(sha256 "$T/v2/app.img")" "$T/err" &&
	[ "$(tail -n 1 "$T/out")" = 'MARKER v2 {"a":1}' ]
ok $? "node.LFS.reload: staged, loaded at the restart, v2's _init runs"

# a first image whose _init raises stays: nothing better to go back to
mkdir -p "$T/bad"
printf 'print("BAD STARTS")\nerror("bad _init")\n' > "$T/bad/_init.lua"
(cd "$T/bad" && "$LFSC" -f -o app.img _init.lua)
SBAD=$(sha256 "$T/bad/app.img")
"$DEV" --data "$T/b" --reload "$T/bad/app.img" --once > "$T/out" 2> "$T/err"
ok $? "a first image with a failing _init: the run exits 0"
grep -q "report failed $SBAD: _init failed: .*bad _init; no previous image to go back to: kept" "$T/err"
ok $? "reported failed with the reason: kept, no previous image"
jq -e --arg s "$SBAD" '.phase == "idle" and .current == $s and (.outbox | map(select(.state ==
	"failed" and .running == $s)) | length == 1)' "$T/b/state.json" > /dev/null
ok $? "the image is current; the queued report says it runs"
"$DEV" --data "$T/b" --once > "$T/out" 2> "$T/err"
grep -q '^BAD STARTS$' "$T/out" && grep -q 'LFS image loaded' "$T/err"
ok $? "the next power-on runs it again (the LFS was not erased)"

# an _init that runs away: the watchdog resets the chip; the image is kept
# (first image) and at the next power-on the firmware stays down after the
# reset instead of boot-looping, so the agent can still poll for a fix
mkdir -p "$T/loop"
printf 'print("LOOPING")\nwhile true do end\n' > "$T/loop/_init.lua"
(cd "$T/loop" && "$LFSC" -f -o app.img _init.lua)
"$DEV" --data "$T/w" --reload "$T/loop/app.img" --once --watchdog-ms 300 > "$T/out" 2> "$T/err"
grep -q 'Soft WDT reset' "$T/out" && grep -q 'report failed .*watchdog reset.*kept' "$T/err"
ok $? "a runaway _init: Soft WDT reset, reported failed, kept"
"$DEV" --data "$T/w" --once --watchdog-ms 300 > "$T/out" 2> "$T/err"
ok $? "the next power-on ends its cycle normally (no restart loop)"
grep -q 'it stays down until the next restart' "$T/err"; ok $? "... with the firmware down after the reset"
done_testing
