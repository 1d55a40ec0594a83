#!/bin/bash
# download.sh - wrk on GET /builds/{id}/lfs.img (a ~64 KB image, 64
# connections, 10 s) against tests/bench/bare_server serving the same file
# the same way, back to back. Target: lfsd >= 0.8 of the bare server's req/s.
# usage: tests/bench/download.sh [seconds]
. "$(dirname "$0")/server.lib"
DUR=${1:-10}
start_lfsd "$T/data"

# sensor_mesh plus one long string, sized so the image is ~64 KB
mkdir -p "$T/src"
cp "$APPS/sensor_mesh/"*.lua "$T/src/"
pad=$((65536 - $(cd "$T/src" && "$LFSC" -f -o "$T/x.img" *.lua 2>/dev/null && stat -c %s "$T/x.img") - 40))
printf 'return "%s"\n' "$(head -c "$pad" /dev/zero | tr '\0' 'p')" >"$T/src/zz_pad.lua"
args=(); for f in "$T/src/"*.lua; do args+=(-F "file=@$f"); done
curl -s -H "Authorization: Bearer $TOKEN" "${args[@]}" "$URL/build" >"$T/build.json"
id=$(jq .id "$T/build.json"); size=$(jq .size "$T/build.json")
curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$id/lfs.img" -o "$T/lfs.img"
echo "image: build $id, $size bytes"

wrk -t2 -c64 -d"${DUR}s" --latency -H "Authorization: Bearer $TOKEN" "$URL/builds/$id/lfs.img" >"$T/lfsd.wrk"
stop_lfsd
start_bare --file "$T/lfs.img"
wrk -t2 -c64 -d"${DUR}s" --latency "http://127.0.0.1:$BARE_PORT/lfs.img" >"$T/bare.wrk"
stop_bare

a=$(rps "$T/lfsd.wrk"); b=$(rps "$T/bare.wrk")
echo "lfsd: $a req/s   (p99 $(awk '$1=="99%"{print $2}' "$T/lfsd.wrk"))"
echo "bare: $b req/s   (p99 $(awk '$1=="99%"{print $2}' "$T/bare.wrk"))"
r=$(ratio "$a" "$b")
echo "ratio lfsd/bare: $r (target >= 0.8)"
awk -v r="$r" 'BEGIN { exit !(r >= 0.8) }'
