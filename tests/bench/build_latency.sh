#!/bin/bash
# build_latency.sh - builds of the sensor_mesh app (60 modules) through lfsd
# against running lfsc directly on the same files, in the same run (the
# baseline: what lfsd adds is upload, queue, process, storage).
#  latency:    N builds with distinct sources (one varying file), each lfsd
#              build paired with one direct lfsc run right after it (the
#              machine is shared: pairs see the same load); p50 and p95 of
#              each, and their ratio. Target: p50 ratio <= 1.5.
#  throughput: C clients each POSTing K builds over one keep-alive connection
#              (one curl each, the multipart bodies made beforehand so the
#              clients cost little CPU on this machine), against C concurrent
#              shell loops each running lfsc K times; rounds alternate
#              lfsd/lfsc; builds/s of each and the ratio per round. Target:
#              median ratio >= 0.8.
# usage: tests/bench/build_latency.sh [N] [C] [K] [ROUNDS] [lfsd args...]
. "$(dirname "$0")/server.lib"
N=${1:-50}
C=${2:-8}
K=${3:-25}
ROUNDS=${4:-3}
shift $(($# < 4 ? $# : 4))
start_lfsd "$T/data" "$@"
mkdir -p "$T/src"
cp "$APPS/sensor_mesh/"*.lua "$T/src/"
pct() {   # pct FILE P: the P-th percentile of the numbers in FILE
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
now() { date +%s%N; }
secs() { awk -v d=$(($2 - $1)) 'BEGIN { printf "%.6f\n", d / 1e9 }'; }
direct() {   # direct DIR: one lfsc run the way lfsd runs it (cwd = DIR, names sorted)
	(cd "$1" && "$LFSC" --json -f -o lfs.img --timestamp 1 $(LC_ALL=C ls *.lua) >/dev/null)
}

# ---- latency: pairs of (lfsd build, direct lfsc run)
for i in $(seq 1 "$N"); do
	printf 'return "variant %d"\n' "$i" >"$T/src/zz_variant.lua"
	args=(); for f in "$T/src/"*.lua; do args+=(-F "file=@$f"); done
	curl -s -o "$T/b.json" -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $TOKEN" \
		"${args[@]}" "$URL/build" >>"$T/posts"
	printf 'return "direct %d"\n' "$i" >"$T/src/zz_variant.lua"
	s=$(now); direct "$T/src"; e=$(now)
	secs "$s" "$e" >>"$T/direct"
done
ok=$(grep -c '^201 ' "$T/posts")
awk '{ print $2 }' "$T/posts" >"$T/lat"
p50=$(pct "$T/lat" 50); p95=$(pct "$T/lat" 95)
d50=$(pct "$T/direct" 50); d95=$(pct "$T/direct" 95)
echo "latency, $N pairs: builds answered 201: $ok of $N"
echo "  POST /build sensor_mesh: p50 ${p50}s p95 ${p95}s"
echo "  lfsc directly:           p50 ${d50}s p95 ${d95}s"
lat=$(ratio "$p50" "$d50")
echo "  ratio lfsd/lfsc p50: $lat  p95: $(ratio "$p95" "$d95")  (target p50 <= 1.5)"

# ---- throughput: C clients x K builds, rounds alternating lfsd / lfsc
for c in $(seq 1 "$C"); do
	mkdir -p "$T/c$c"
	cp "$APPS/sensor_mesh/"*.lua "$T/c$c/"
done
# multipart BODY-FILE FILE...: a multipart/form-data body (boundary $BOUNDARY),
# one "file" part per FILE named by its basename, or by FILE's second word
# (path=name) when given so
BOUNDARY=lfsd-bench-boundary-7d3f
multipart() {
	local out=$1 f name
	shift
	for f in "$@"; do
		name=${f#*=}; f=${f%%=*}; [ "$name" = "$f" ] && name=${f##*/}
		printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n' "$BOUNDARY" "$name"
		printf 'Content-Type: application/octet-stream\r\n\r\n'
		cat "$f"
		printf '\r\n'
	done >"$out"
	printf -- '--%s--\r\n' "$BOUNDARY" >>"$out"
}
lfsd_round() {   # lfsd_round R: every client's K distinct builds, one curl per client;
	# the bodies are made beforehand, so the clients spend little CPU
	local r=$1 c k f pids=""
	for c in $(seq 1 "$C"); do
		for k in $(seq 1 "$K"); do
			printf 'return "round %d client %d build %d"\n' "$r" "$c" "$k" >"$T/c$c/v$k.var"
			files=()
			for f in "$T/c$c/"*.lua; do [ "${f##*/}" = zz_variant.lua ] || files+=("$f"); done
			multipart "$T/c$c/b$k.body" "${files[@]}" "$T/c$c/v$k.var=zz_variant.lua"
			[ "$k" -gt 1 ] && echo next
			echo "url = \"$URL/build\""
			echo "header = \"Authorization: Bearer $TOKEN\""
			echo "header = \"Content-Type: multipart/form-data; boundary=$BOUNDARY\""
			echo "data-binary = \"@$T/c$c/b$k.body\""
			echo "output = /dev/null"
			echo 'write-out = "%{http_code}\n"'
		done >"$T/c$c.cfg"
	done
	local s e
	s=$(now)
	for c in $(seq 1 "$C"); do curl -s -K "$T/c$c.cfg" >"$T/c$c.codes" & pids="$pids $!"; done
	wait $pids
	e=$(now)
	local good
	good=$(cat "$T"/c*.codes | grep -c '^201$')
	[ "$good" -eq $((C * K)) ] || echo "round $r: only $good of $((C * K)) builds answered 201" >&2
	awk -v n="$good" -v d=$((e - s)) 'BEGIN { printf "%.1f\n", n / (d / 1e9) }'
}
lfsc_round() {   # lfsc_round R: C loops of K direct lfsc runs
	local r=$1 c pids="" s e
	s=$(now)
	for c in $(seq 1 "$C"); do
		(for k in $(seq 1 "$K"); do
			printf 'return "round %d client %d build %d"\n' "$r" "$c" "$k" >"$T/c$c/zz_variant.lua"
			direct "$T/c$c"
		done) & pids="$pids $!"
	done
	wait $pids
	e=$(now)
	awk -v n=$((C * K)) -v d=$((e - s)) 'BEGIN { printf "%.1f\n", n / (d / 1e9) }'
}
ratios=""
for r in $(seq 1 "$ROUNDS"); do
	a=$(lfsd_round "$r"); b=$(lfsc_round "$r")
	q=$(ratio "$a" "$b")
	ratios="$ratios $q"
	echo "throughput round $r: lfsd $a builds/s, lfsc $b runs/s, ratio $q"
done
stop_lfsd
thr=$(echo "$ratios" | median)
echo "throughput, $C clients x $K builds: median ratio lfsd/lfsc $thr (rounds:$ratios; target >= 0.8)"
[ "$ok" -eq "$N" ] && awk -v l="$lat" -v t="$thr" 'BEGIN { exit !(l <= 1.5 && t >= 0.8) }'
