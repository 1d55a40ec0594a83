#!/bin/bash
# f0200-read-only: lfsd on a data directory that has become read-only (the
# file system remounted read-only; chmod when not root; skipped for root
# without CAP_SYS_ADMIN, which writes through any mode) refuses to start
# with a message naming what it cannot write, and changes nothing; once the
# directory is writable again it starts with every build and device.
. "$(dirname "$0")/lib.sh"
if small_fs "$T/ro" 16m; then how=remount
elif [ "$(id -u)" != 0 ]; then how=chmod
else skip 12 "root without the right to mount: no way to make a directory read-only"; done_testing; exit
fi
D=$T/ro/data
start_lfsd "$D"; ok $? "lfsd started"
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "a build"
A_ID=$(jq .id "$T/body"); A=$(jq -r .sha256 "$T/body")
is "$(jpost /devices '{"id":"d1","channel":"stable"}')" 201 "a device"
KEY=$(jq -r .key "$T/body")
stop_lfsd; ok $? "stopped"
before=$(cd "$D" && find . -type f -exec sha256sum {} + | sort)

if [ $how = remount ]; then mount -o remount,ro "$T/ro"; else chmod -R a-w "$D"; fi
: >"$LFSD_LOG"
"$LFSD" --data-dir "$D" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 >>"$LFSD_LOG" 2>&1 &
pid=$!; PIDS="$PIDS $pid"
for i in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
wait $pid; rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; ok $? "read-only ($how): lfsd exits $rc"
grep -i -q "read-only\|readonly\|permission denied" "$LFSD_LOG"; ok $? "and says why: $(grep -v access "$LFSD_LOG" | tail -1 | cut -c1-150)"
is "$(cd "$D" && find . -type f -exec sha256sum {} + | sort)" "$before" "no file in the data directory changed"

if [ $how = remount ]; then mount -o remount,rw "$T/ro"; else chmod -R u+w "$D"; fi
start_lfsd "$D"; ok $? "writable again: lfsd starts"
is "$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$A_ID/lfs.img" | sha256sum | cut -d' ' -f1)" "$A" "the build is there"
is "$(dev_poll "$KEY" d1)" 204 "the device's key works"
stop_lfsd; ok $? "clean shutdown"
is "$(integrity)" ok "PRAGMA integrity_check: ok"
done_testing
