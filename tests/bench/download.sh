#!/bin/bash
# download.sh - wrk on GET /builds/{id}/lfs.img (a ~64 KB image, 64
# connections, 10 s) against tests/bench/bare_server serving the same file
# the same way, back to back, alternating for ROUNDS rounds (the machine is
# shared: the best round of each is compared). Target: lfsd >= 0.8 of the bare
# server's req/s.
# usage: tests/bench/download.sh [seconds] [rounds]
. "$(dirname "$0")/server.lib"
DUR=${1:-10}
ROUNDS=${2:-3}
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

start_bare --file "$T/lfs.img"
for r in $(seq 1 "$ROUNDS"); do
	wrk -t2 -c64 -d"${DUR}s" --latency -H "Authorization: Bearer $TOKEN" "$URL/builds/$id/lfs.img" >"$T/lfsd.$r.wrk"
	wrk -t2 -c64 -d"${DUR}s" --latency "http://127.0.0.1:$BARE_PORT/lfs.img" >"$T/bare.$r.wrk"
	echo "round $r: lfsd $(rps "$T/lfsd.$r.wrk") req/s, bare $(rps "$T/bare.$r.wrk") req/s"
done
stop_lfsd
stop_bare
best() { for f in "$T/$1".*.wrk; do echo "$(rps "$f") $f"; done | sort -rn | head -1 | cut -d' ' -f2; }
L=$(best lfsd); B=$(best bare)
a=$(rps "$L"); b=$(rps "$B")
echo "best lfsd: $a req/s   (p99 $(awk '$1=="99%"{print $2}' "$L"))"
echo "best bare: $b req/s   (p99 $(awk '$1=="99%"{print $2}' "$B"))"
r=$(ratio "$a" "$b")
echo "ratio lfsd/bare: $r (target >= 0.8)"
awk -v r="$r" 'BEGIN { exit !(r >= 0.8) }'
