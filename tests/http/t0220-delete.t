#!/bin/bash
# t0220-delete: DELETE /builds/{id} removes a build never released, with its
# blobs (not the ones another build shares); a released build is kept (409);
# ids are never used twice; blobs no row names are swept at start-up.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "build A"
A=$(jq .id "$T/body"); A_SHA=$(jq -r .sha256 "$T/body")
is "$(req "${args[@]}" -F 'options={"strip":true}' "$URL/build")" 201 "build B: same sources, stripped"
B=$(jq .id "$T/body")
printf 'return "only in C"\n' >"$T/c.lua"
is "$(req -F "file=@$T/c.lua" "$URL/build")" 201 "build C: a source of its own"
C=$(jq .id "$T/body"); C_SHA=$(jq -r .sha256 "$T/body"); C_SRC=$(jq -r '.files[0].sha256' "$T/body")
is "$(req -H 'Content-Type: application/json' -d "{\"build_id\":$B,\"channel\":\"stable\"}" "$URL/releases")" 201 "B released"
blob() { [ -f "$DATA/blobs/${1:0:2}/$1" ]; }

is "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/builds/$A")" 401 "DELETE without token: 401"
is "$(req -X DELETE "$URL/builds/$A")" 204 "DELETE /builds/A: 204"
is "$(req "$URL/builds/$A")" 404 "A is gone"
is "$(req "$URL/builds/$A/lfs.img")" 404 "and so is its image"
blob "$A_SHA"; is $? 1 "A's image blob removed"
src=$(sqlite3 "$DATA/lfsd.db" "select sha256 from build_files where build_id = $B limit 1")
blob "$src"; ok $? "sources B shares are kept"
is "$(req -X DELETE "$URL/builds/$B")" 409 "a released build cannot be deleted: 409"
is "$(jq -r .error.code "$T/body")" conflict "conflict"
is "$(req -X DELETE "$URL/builds/$A")" 404 "deleting twice: 404"
is "$(req -X DELETE "$URL/builds/abc")" 404 "a malformed id: 404"

is "$(req -X DELETE "$URL/builds/$C")" 204 "delete the newest build, C"
blob "$C_SHA"; is $? 1 "C's image removed"
blob "$C_SRC"; is $? 1 "C's own source removed"
is "$(req -F "file=@$T/c.lua" "$URL/build")" 201 "C's sources again: a new build"
[ "$(jq .id "$T/body")" -gt "$C" ]; ok $? "with a new id, not C's again"

# a blob no row names (a crash between blob and row) goes at start-up
stop_lfsd
orphan=$(printf 'nobody' | sha256sum | cut -d' ' -f1)
mkdir -p "$DATA/blobs/${orphan:0:2}" && printf 'nobody' >"$DATA/blobs/${orphan:0:2}/$orphan"
start_lfsd "$DATA"; ok $? "restart"
blob "$orphan"; is $? 1 "the unnamed blob was swept"
grep -q "blob sweep: removed 1 blobs" "$T/lfsd.log"; ok $? "and the sweep says so"
is "$(req "$URL/builds/$B/lfs.img" -o /dev/null)" 200 "B's image still served"
stop_lfsd
done_testing
