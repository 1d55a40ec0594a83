#!/bin/bash
# build_latency.sh - POST /build of the sensor_mesh app (60 modules), 50 builds
# with distinct sources (one varying file), one after another: p50 and p95 of
# the answer time, against running lfsc directly on the same files in the
# same run (the baseline: what lfsd adds is upload, queue, process, storage).
# usage: tests/bench/build_latency.sh [count]
. "$(dirname "$0")/server.lib"
N=${1:-50}
start_lfsd "$T/data"
mkdir -p "$T/src"
cp "$APPS/sensor_mesh/"*.lua "$T/src/"
pct() {   # pct FILE P: the P-th percentile of the numbers in FILE
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}
for i in $(seq 1 "$N"); do
	printf 'return "variant %d"\n' "$i" >"$T/src/zz_variant.lua"
	args=(); for f in "$T/src/"*.lua; do args+=(-F "file=@$f"); done
	curl -s -o "$T/b.json" -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $TOKEN" \
		"${args[@]}" "$URL/build" >>"$T/posts"
done
for i in $(seq 1 "$N"); do
	printf 'return "direct %d"\n' "$i" >"$T/src/zz_variant.lua"
	s=$(date +%s%N)
	(cd "$T/src" && "$LFSC" --json -f -o "$T/direct.img" --timestamp 1 $(LC_ALL=C ls *.lua) >/dev/null)
	e=$(date +%s%N)
	awk -v d=$((e - s)) 'BEGIN { printf "%.6f\n", d / 1e9 }' >>"$T/direct"
done
stop_lfsd
ok=$(grep -c '^201 ' "$T/posts")
awk '{ print $2 }' "$T/posts" >"$T/lat"
p50=$(pct "$T/lat" 50); p95=$(pct "$T/lat" 95)
d50=$(pct "$T/direct" 50); d95=$(pct "$T/direct" 95)
echo "builds answered 201: $ok of $N"
echo "POST /build sensor_mesh: p50 ${p50}s p95 ${p95}s"
echo "lfsc directly:           p50 ${d50}s p95 ${d95}s"
echo "ratio lfsd/lfsc p50: $(ratio "$p50" "$d50")  p95: $(ratio "$p95" "$d95")"
[ "$ok" -eq "$N" ]
