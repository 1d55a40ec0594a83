#!/bin/bash
# t0500-crash-safety: 20 concurrent builds, kill -9 of lfsd in the middle,
# restart: integrity_check ok, every build answered 201 is listed and
# downloadable with its sha256, no row points at a missing blob, and no temp
# file survives startup.
. "$(dirname "$0")/lib.sh"
start_lfsd; ok $? "lfsd started"

# 20 distinct uploads: sensor_mesh plus one file that differs per build
for i in $(seq 1 20); do
	mkdir -p "$T/src$i"
	cp "$APPS/sensor_mesh/"*.lua "$T/src$i/"
	printf 'return %d\n' "$i" >"$T/src$i/zz_variant.lua"
done
for i in $(seq 1 20); do
	args=()
	for f in "$T/src$i/"*.lua; do args+=(-F "file=@$f"); done
	curl -s -o "$T/r$i.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		"${args[@]}" "$URL/build" >"$T/c$i" 2>/dev/null &
done
# kill -9 once a few builds have been answered
for w in $(seq 1 400); do
	n=$(grep -l 201 "$T"/c* 2>/dev/null | wc -l)
	[ "$n" -ge 3 ] && break
	sleep 0.02
done
kill_lfsd
wait 2>/dev/null
answered=$(grep -l '^201$' "$T"/c* | wc -l)
[ "$answered" -ge 3 ] && [ "$answered" -lt 20 ]; ok $? "killed mid-way: $answered of 20 builds answered 201"

# a killed lfsd cannot remove its tmpfs build root; the next lfsd sweeps it
first=$DATA; first_builds=$BUILDS
case $first_builds in
/dev/shm/*)
	[ -f "$first_builds/owner" ]; ok $? "build root left behind with its owner pid"
	start_lfsd "$T/other"; ok $? "another lfsd starts"
	[ ! -e "$first_builds" ]; ok $? "and removes the dead lfsd's build root"
	stop_lfsd ;;
*)
	for k in 1 2 3; do ok 0 "# skip build root not on /dev/shm"; done ;;
esac
DATA=$first
mkdir -p "$first_builds"
# leftovers a crash can leave: a temp blob and a build directory
: >"$DATA/blobs/tmp/deadbeef.XXXXXX"
mkdir -p "$BUILDS/build-stale" "$DATA/tmp/build-old" && : >"$BUILDS/build-stale/a.lua"
start_lfsd "$DATA"; ok $? "lfsd restarts after kill -9"
is "$(sqlite3 "$DATA/lfsd.db" 'PRAGMA integrity_check')" ok "PRAGMA integrity_check: ok"
is "$(ls -A "$DATA/blobs/tmp" | wc -l)" 0 "no temp blob left after startup"
is "$(ls -A "$BUILDS" "$DATA/tmp" | grep -vc ':$\|^$\|^owner$')" 0 "no build directory left after startup"

req "$URL/builds?limit=500" >/dev/null
for i in $(seq 1 20); do
	grep -q '^201$' "$T/c$i" || continue
	id=$(jq .id "$T/r$i.json"); sha=$(jq -r .sha256 "$T/r$i.json")
	jq -e --argjson id "$id" '.builds | map(.id) | index($id) != null' "$T/body" >/dev/null
	ok $? "build $i (id $id, answered 201) is listed"
	curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$id/lfs.img" -o "$T/img"
	is "$(sha256sum <"$T/img" | cut -d' ' -f1)" "$sha" "build $i downloads with its sha256"
done

missing=0
while read -r sha; do
	[ -f "$DATA/blobs/${sha:0:2}/$sha" ] || { missing=$((missing + 1)); echo "# missing blob $sha"; }
done < <(sqlite3 "$DATA/lfsd.db" "select sha256 from builds union select sha256 from build_files")
is "$missing" 0 "no row points at a missing blob"
rows=$(sqlite3 "$DATA/lfsd.db" 'select count(*) from builds')
[ "$rows" -ge "$answered" ]; ok $? "at least every answered build has a row ($rows >= $answered)"
is "$(sqlite3 "$DATA/lfsd.db" 'select count(*) from build_files f left join builds b on b.id = f.build_id where b.id is null')" 0 "no orphan file rows"
# the interrupted uploads can simply be sent again
args=(); for f in "$T/src20/"*.lua; do args+=(-F "file=@$f"); done
code=$(req "${args[@]}" "$URL/build")
[ "$code" = 201 ] || [ "$code" = 200 ]; ok $? "an upload cut by the crash succeeds when sent again ($code)"
done_testing
