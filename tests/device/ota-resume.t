#!/usr/bin/env bash
# A connection cut half-way through an image download: the partial file is
# kept in SPIFFS, and the next attempt resumes with Range/If-Range and
# transfers only the rest (bytes counted by a relay between device and lfsd).
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/lfsd" --poll-interval 1
KEY=$(add_device dev-r)
make_app "$T/big" big
for app in sensor_mesh oled_display opcode_tour http_server; do cp "$APPS/$app"/*.lua "$T/big/"; done
B=$(upload_build "$T/big")
SHA=$(admin GET "/builds/$B" | jq -r .sha256)
SIZE=$(admin GET "/builds/$B" | jq -r .size)
release "$B" >/dev/null
[ "$SIZE" -gt 60000 ]; ok $? "a $SIZE-byte image released"

CUT=30000
"$BUILD/test/cutproxy" "${TLS_ADDR##*:}" $CUT "$T/proxy.port" "$T/proxy.log" &
PIDS="$PIDS $!"
for i in $(seq 50); do [ -s "$T/proxy.port" ] && break; sleep 0.1; done
TLS_ADDR=127.0.0.1:$(cat "$T/proxy.port")   # device() goes through the relay

device dev-r "$KEY" "$T/d" --download-tries 1 > "$T/out" 2> "$T/err"
grep -q '^cut 1$' <(awk '{print $7, $8}' "$T/proxy.log"); ok $? "the relay cut a connection after $CUT bytes"
PART=$(stat -c %s "$T/d/spiffs/$SHA.part" 2>/dev/null || echo 0)
[ "$PART" -gt 10000 ] && [ "$PART" -lt "$SIZE" ]; ok $? "partial download kept in SPIFFS ($PART of $SIZE bytes)"
[ -s "$T/d/spiffs/$SHA.etag" ]; ok $? "its ETag kept for If-Range"
grep -q "update $SHA failed: download: " "$T/err"; ok $? "the cut download reported failed"
[ ! -e "$T/d/state.json" ] || [ "$(jq -r .current "$T/d/state.json")" = "" ]; ok $? "nothing installed"

: > "$T/proxy.log"
device dev-r "$KEY" "$T/d" > "$T/out" 2> "$T/err"
grep -q "attempt 1: $((SIZE - PART)) bytes from offset $PART$" "$T/err"
ok $? "resumed at byte $PART and received the other $((SIZE - PART)) bytes"
BIG=$(awk '{print $6}' "$T/proxy.log" | sort -n | tail -n 1)
[ "$BIG" -lt $((SIZE - PART + 8000)) ] && [ "$BIG" -ge $((SIZE - PART)) ]
ok $? "largest connection carried $BIG bytes: the rest ($((SIZE - PART))) plus TLS/HTTP overhead, not the whole image"
grep -q '^MARKER big {"a":1}$' "$T/out"; ok $? "the resumed image verified, loaded and ran"
is "$(admin GET /devices/dev-r | jq -r .running_sha256)" "$SHA" "reported running"
done_testing
