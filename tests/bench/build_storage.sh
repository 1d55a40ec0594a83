#!/bin/bash
# build_storage.sh - the data directory after N builds of the sensor_mesh app
# (60 modules), each with one varying file, POSTed one after another over one
# connection; its disk use (du, after a clean shutdown) against the sum over
# the builds of their image size and their sources' size (the baseline), and
# against the distinct bytes (each image once plus each distinct source once).
# Target: data dir <= 1.5 x the sum of image and source sizes.
# usage: tests/bench/build_storage.sh [N]
. "$(dirname "$0")/server.lib"
N=${1:-1000}
start_lfsd "$T/data"
mkdir -p "$T/src"
cp "$APPS/sensor_mesh/"*.lua "$T/src/"
for i in $(seq 1 "$N"); do
	printf 'return "variant %d"\n' "$i" >"$T/src/v$i.var"
	[ "$i" -gt 1 ] && echo next
	echo "url = \"$URL/build\""
	echo "header = \"Authorization: Bearer $TOKEN\""
	for f in "$T/src/"*.lua; do
		[ "${f##*/}" = zz_variant.lua ] || echo "form = \"file=@$f\""
	done
	echo "form = \"file=@$T/src/v$i.var;filename=zz_variant.lua\""
	echo 'write-out = "\n"'
done >"$T/posts.cfg"
s=$(date +%s)
curl -s -K "$T/posts.cfg" >"$T/builds.jsonl"
e=$(date +%s)
stop_lfsd
ok=$(jq -r 'select(.id) | .id' "$T/builds.jsonl" | wc -l)
echo "$ok of $N builds stored in $((e - s)) s"
sum=$(jq -s 'map(select(.id) | .size + (.files | map(.size) | add)) | add' "$T/builds.jsonl")
distinct=$(jq -s '(map(select(.id) | .size) | add) +
	([.[] | select(.id) | .files[] | {key: .sha256, value: .size}] | from_entries | add)' "$T/builds.jsonl")
used=$(($(du -sk "$T/data" | cut -f1) * 1024))
files=$(find "$T/data" -type f | wc -l)
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
echo "images + sources, summed over the builds: $(mb "$sum")"
echo "distinct images and sources:               $(mb "$distinct")"
echo "data dir (du): $(mb "$used") in $files files; database $(du -sk "$T/data/lfsd.db" | cut -f1) KB"
r=$(ratio "$used" "$sum")
echo "ratio data dir / (images + sources): $r (target <= 1.5); / distinct: $(ratio "$used" "$distinct")"
[ "$ok" -eq "$N" ] && awk -v r="$r" 'BEGIN { exit !(r <= 1.5) }'
