#!/bin/bash
# f0110-file-size-limit: the full disk of f0100 where no file system can be
# mounted (CI without root): lfsd runs under RLIMIT_FSIZE (ulimit -f, with
# SIGXFSZ ignored, so a write past the limit fails with EFBIG as on a full
# disk). Registrations go on until the database's write-ahead log reaches
# the limit: then a registration and a build get a clear 500, /healthz
# answers 503 with the reason; restarted without the limit, every device
# answered 201 is there, writes work and PRAGMA integrity_check is ok.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "a build"
A_ID=$(jq .id "$T/body"); A=$(jq -r .sha256 "$T/body")
stop_lfsd; ok $? "stopped"
big=$(find "$DATA" -type f -printf '%s\n' | sort -n | tail -1)
REAL=$LFSD
LFSD=$T/lfsd-limited   # start_lfsd runs $LFSD: a wrapper that sets the limit
printf '#!/bin/bash\ntrap "" XFSZ\nulimit -f %d\nexec "%s" "$@"\n' $((big / 1024 + 64)) "$REAL" >"$LFSD"
chmod +x "$LFSD"
start_lfsd "$DATA"; ok $? "restarted with files limited to $((big / 1024 + 64)) KB"
n=0
for i in $(seq 1 2000); do
	code=$(jpost /devices "{\"id\":\"d$i\",\"channel\":\"stable\"}")
	[ "$code" = 201 ] || break
	n=$i
done
[ "$n" -ge 1 ] && [ "$code" = 500 ]; ok $? "$n registrations, then $code: $(jq -r .error.message "$T/body")"
mapfile -t args < <(app_args state_machine)
is "$(req "${args[@]}" "$URL/build")" 500 "a build: 500 ($(jq -r .error.message "$T/body"))"
is "$(curl -s -o "$T/h" -w '%{http_code}' "$URL/healthz")" 503 "/healthz: 503"
is "$(jq -r '.problems[0].reason' "$T/h")" write "reason write: $(jq -r '.problems[0].message' "$T/h")"
grep -q "register a device: disk I/O error" "$LFSD_LOG"; ok $? "the log says which write failed"
is "$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$A_ID/lfs.img" | sha256sum | cut -d' ' -f1)" "$A" "reads still work"
stop_lfsd; ok $? "clean shutdown"

LFSD=$REAL
start_lfsd "$DATA"; ok $? "the limit gone: lfsd starts"
is "$(req "$URL/fleet")" 200 "GET /fleet"
is "$(jq .devices "$T/body")" "$n" "all $n acknowledged devices are there"
is "$(jpost /devices '{"id":"after","channel":"stable"}')" 201 "a registration works"
is "$(req "${args[@]}" "$URL/build")" 201 "and the build"
stop_lfsd; ok $? "clean shutdown"
is "$(integrity)" ok "PRAGMA integrity_check: ok"
done_testing
