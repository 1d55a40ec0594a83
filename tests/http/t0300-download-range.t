#!/bin/bash
# t0300-download-range: GET /builds/{id}/lfs.img - strong ETag, If-None-Match,
# Range (bytes 100-199, open-ended, suffix), If-Range (fresh and stale),
# unsatisfiable ranges, Content-Disposition, HEAD.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"
mapfile -t args < <(app_args http_server)
is "$(req "${args[@]}" "$URL/build")" 201 "build http_server"
id=$(jq .id "$T/body"); sha=$(jq -r .sha256 "$T/body"); size=$(jq .size "$T/body")
img=$URL/builds/$id/lfs.img
auth=(-H "Authorization: Bearer $TOKEN")
curl -s "${auth[@]}" "$img" -o "$T/full.img"
[ "$size" -gt 300 ]; ok $? "image is larger than 300 bytes ($size)"
hdr() { tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip"; }

code=$(curl -s "${auth[@]}" -D "$T/h" -o /dev/null -w '%{http_code}' "$img")
is "$code" 200 "full download 200"
is "$(hdr ETag)" "\"$sha\"" "strong ETag = sha256"
is "$(hdr Content-Disposition)" 'attachment; filename="lfs.img"' "Content-Disposition"
is "$(hdr Accept-Ranges)" bytes "Accept-Ranges: bytes"
is "$(hdr Content-Length)" "$size" "Content-Length"

code=$(curl -s "${auth[@]}" -D "$T/h" -o "$T/part" -w '%{http_code}' -H 'Range: bytes=100-199' "$img")
is "$code" 206 "Range bytes=100-199: 206"
is "$(hdr Content-Range)" "bytes 100-199/$size" "Content-Range"
cmp -s "$T/part" <(tail -c +101 "$T/full.img" | head -c 100); ok $? "exactly bytes 100-199"
is "$(stat -c %s "$T/part")" 100 "100 bytes"

code=$(curl -s "${auth[@]}" -D "$T/h" -o "$T/part" -w '%{http_code}' -H 'Range: bytes=200-' "$img")
is "$code" 206 "open-ended Range bytes=200-: 206"
is "$(hdr Content-Range)" "bytes 200-$((size - 1))/$size" "Content-Range of open range"
cmp -s "$T/part" <(tail -c +201 "$T/full.img"); ok $? "exactly bytes 200-end"

code=$(curl -s "${auth[@]}" -D "$T/h" -o "$T/part" -w '%{http_code}' -H 'Range: bytes=-50' "$img")
is "$code" 206 "suffix Range bytes=-50: 206"
cmp -s "$T/part" <(tail -c 50 "$T/full.img"); ok $? "exactly the last 50 bytes"

code=$(curl -s "${auth[@]}" -D "$T/h" -o "$T/part" -w '%{http_code}' -H "Range: bytes=100-199" -H "If-Range: \"$sha\"" "$img")
is "$code" 206 "If-Range with the current ETag: 206"
code=$(curl -s "${auth[@]}" -D "$T/h" -o "$T/part" -w '%{http_code}' -H "Range: bytes=100-199" -H "If-Range: \"$(printf %064d 0)\"" "$img")
is "$code" 200 "If-Range with a stale ETag: 200"
cmp -s "$T/part" "$T/full.img"; ok $? "stale If-Range gives the whole image"

code=$(curl -s "${auth[@]}" -D "$T/h" -o /dev/null -w '%{http_code}' -H "Range: bytes=$size-" "$img")
is "$code" 416 "Range starting at the size: 416"
is "$(hdr Content-Range)" "bytes */$size" "416 carries Content-Range bytes */size"
is "$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code}' -H 'Range: bytes=0-1,5-6' "$img")" 416 "several ranges: 416"
is "$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code}' -H 'Range: bytes=9-3' "$img")" 200 "malformed Range ignored on the admin route: 200"
code=$(curl -s "${auth[@]}" -o "$T/part" -w '%{http_code}' -H "Range: bytes=100-999999" "$img")
is "$code" 206 "range end past the size is clipped: 206"
cmp -s "$T/part" <(tail -c +101 "$T/full.img"); ok $? "clipped to the end"

rm -f "$T/part"; : >"$T/part"
code=$(curl -s "${auth[@]}" -D "$T/h" -o "$T/part" -w '%{http_code}' -H "If-None-Match: \"$sha\"" "$img")
is "$code" 304 "If-None-Match with the ETag: 304"
is "$(stat -c %s "$T/part")" 0 "304 has no body"
is "$(hdr ETag)" "\"$sha\"" "304 carries the ETag"
is "$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code}' -H 'If-None-Match: "abc"' "$img")" 200 "other ETag: 200"
code=$(curl -s "${auth[@]}" -I -o "$T/h" -w '%{http_code}' "$img")
is "$code" 200 "HEAD: 200"
is "$(hdr Content-Length)" "$size" "HEAD gives the length"
is "$(curl -s -o /dev/null -w '%{http_code}' "$img")" 401 "image needs the admin token"
done_testing
