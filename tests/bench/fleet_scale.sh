#!/bin/bash
# fleet_scale.sh - lfsd with a large fleet: NDEV devices registered straight
# into the database (tests/bench/fleet_seed), then
#  1. start-up: from exec to the first 200 of /healthz (target < 3 s);
#  2. idle: lfsd's CPU over IDLE seconds with no request (share of one core);
#  3. ROUNDS rounds alternating lfsd and tests/bench/bare_server (a bare
#     libmicrohttpd 204 over TLS): wrk polls GET /ota/latest for DUR seconds
#     cycling through every device (tests/bench/ota_latest.lua), while a pager
#     walks GET /devices?limit=100 from page to page (following "next", one
#     request every 100 ms; against the bare server the same requests);
#     targets: lfsd >= 0.8 of the bare server's polls/s (median of the
#     per-round ratios) with p99 < 10 ms, a page < 50 ms (p95). Each round
#     also has wrk fetch lfsd's own /healthz (a constant answer) through the
#     same listener: polls against it are what the fleet adds to lfsd's HTTPS
#     stack (the gate, TLS, libmicrohttpd, the access log), apart from what
#     that stack costs against the bare server (information, no target);
#  4. lfsd's peak resident memory over all of it (VmHWM; target < 512 MB);
#  5. build latency with the fleet loaded (compile_ms of a few builds).
# usage: tests/bench/fleet_scale.sh [devices] [seconds] [rounds] [idle seconds]
. "$(dirname "$0")/server.lib"
NDEV=${1:-1000000}
DUR=${2:-10}
ROUNDS=${3:-3}
IDLE=${4:-10}
ms() { awk -v d="$1" 'BEGIN { printf "%.1f", d / 1e6 }'; }
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
tomsec() { echo "$1" | awk '/us$/ { print $1 / 1000; next } /ms$/ { print $1 + 0; next } /s$/ { print $1 * 1000; next } { print $1 }'; }
cmd() { curl -s -H "Authorization: Bearer $TOKEN" "$@"; }

# a release every device is up to date with
start_lfsd "$T/data"
args=(); for f in "$APPS/json_config/"*.lua; do args+=(-F "file=@$f"); done
cmd "${args[@]}" "$URL/build" >"$T/build.json"
sha=$(jq -r .sha256 "$T/build.json")
cmd -H 'Content-Type: application/json' -d "{\"build_id\":$(jq .id "$T/build.json"),\"channel\":\"bench\"}" "$URL/releases" >/dev/null
stop_lfsd
s=$(date +%s%N)
"$SEED" "$T/data/lfsd.db" "$NDEV" bench
echo "registered $NDEV devices in $(ms $(($(date +%s%N) - s))) ms; database $(du -m "$T/data/lfsd.db" | cut -f1) MB"

# 1. start-up to the first /healthz
rm -f "$T/data/ports"
s=$(date +%s%N)
LFSD_ADMIN_TOKEN=$TOKEN "$LFSD" --data-dir "$T/data" --listen 127.0.0.1:0 \
	--tls-listen 127.0.0.1:0 >>"$T/lfsd.log" 2>&1 &
LFSD_PID=$!
PIDS="$PIDS $LFSD_PID"
up=""
for i in $(seq 1 6000); do
	if [ -s "$T/data/ports" ]; then
		URL=http://$(sed -n 's/^http=//p' "$T/data/ports")
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ]; then
			up=$(($(date +%s%N) - s))
			break
		fi
	fi
	kill -0 "$LFSD_PID" 2>/dev/null || break
	sleep 0.01
done
[ -n "$up" ] || { echo "lfsd did not start; its log:" >&2; tail "$T/lfsd.log" >&2; exit 1; }
PORT_HTTPS=$(sed -n 's/^https=.*://p' "$T/data/ports")
SURL=https://127.0.0.1:$PORT_HTTPS
startup=$(ms "$up")
echo "start-up to the first /healthz: $startup ms (target < 3000)"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer bench-key-$NDEV" \
	"$SURL/ota/latest?device=$(printf 'dev-%07d' "$NDEV")&nonce=$(openssl rand -hex 16)&current=$sha")
echo "check: /ota/latest for the last device -> $code"
[ "$code" = 204 ]

# 2. idle CPU
c0=$(cpu_ticks "$LFSD_PID"); sleep "$IDLE"; c1=$(cpu_ticks "$LFSD_PID")
idle=$(awk -v t=$((c1 - c0)) -v s="$IDLE" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", 100 * t / hz / s }')
echo "idle for $IDLE s: $idle % of one core"

# 3. polls and pages, alternating with the bare server
export OTA_DEVICES=$NDEV OTA_CURRENT=$sha
start_bare --204 --tls "$T/data/tls/cert.pem" "$T/data/tls/key.pem"
pager() {   # pager BASE-URL OUT: pages until $T/stop exists; one time per line in OUT
	local base=$1 out=$2 next="/devices?limit=100" line
	while [ ! -e "$T/stop" ]; do
		line=$(curl -sk -o "$T/page.json" -w '%{http_code} %{time_total}' \
			-H "Authorization: Bearer $TOKEN" "$base$next" || true)
		echo "${line#* }" >>"$out"
		next=$(jq -r '.next // empty' "$T/page.json" 2>/dev/null || true)
		[ -n "$next" ] || next="/devices?limit=100"
		sleep 0.1
	done
}
script=$(dirname "$0")/ota_latest.lua
ratios=""
stack=""
for r in $(seq 1 "$ROUNDS"); do
	rm -f "$T/stop"; pager "$URL" "$T/pages.lfsd" & pp=$!
	wrk -t2 -c64 -d"${DUR}s" --latency -s "$script" "$SURL" >"$T/lfsd.$r.wrk"
	touch "$T/stop"; wait $pp || true
	rm -f "$T/stop"; pager "https://127.0.0.1:$BARE_PORT" "$T/pages.bare" & pp=$!
	wrk -t2 -c64 -d"${DUR}s" --latency -s "$script" "https://127.0.0.1:$BARE_PORT" >"$T/bare.$r.wrk"
	touch "$T/stop"; wait $pp || true
	wrk -t2 -c64 -d"${DUR}s" "$SURL/healthz" >"$T/healthz.$r.wrk"
	a=$(rps "$T/lfsd.$r.wrk"); b=$(rps "$T/bare.$r.wrk"); h=$(rps "$T/healthz.$r.wrk")
	q=$(ratio "$a" "$b")
	ratios="$ratios $q"
	stack="$stack $(ratio "$a" "$h")"
	echo "round $r: lfsd $a polls/s p99 $(awk '$1=="99%"{print $2}' "$T/lfsd.$r.wrk"), bare $b polls/s p99 $(awk '$1=="99%"{print $2}' "$T/bare.$r.wrk"), ratio $q; lfsd /healthz $h/s"
done
stop_bare
bad=$(cat "$T"/lfsd.*.wrk | sed -n 's/^ *Non-2xx or 3xx responses: *//p' | awk '{ s += $1 } END { print s + 0 }')
p99=0
for f in "$T"/lfsd.*.wrk; do p99=$(awk -v a="$p99" -v b="$(tomsec "$(awk '$1=="99%"{print $2}' "$f")")" 'BEGIN { print (b > a ? b : a) }'); done
q=$(echo "$ratios" | median)
echo "polls: median ratio lfsd/bare $q (rounds:$ratios; target >= 0.8), worst lfsd p99 $p99 ms (target < 10), non-2xx $bad"
echo "polls against lfsd's own /healthz: median ratio $(echo "$stack" | median) (rounds:$stack)"
np=$(wc -l <"$T/pages.lfsd")
pg50=$(awk '{ print $1 * 1000 }' "$T/pages.lfsd" >"$T/pages.ms"; pct "$T/pages.ms" 50)
pg95=$(pct "$T/pages.ms" 95); pgmax=$(pct "$T/pages.ms" 100)
echo "pages of GET /devices?limit=100 during the polls: $np, p50 $pg50 ms p95 $pg95 ms max $pgmax ms (target p95 < 50)"
# the same pages as lfsd timed them (its access log: head read to answer sent),
# apart from the client's own scheduling on a loaded machine
sed -n 's/.* access .* GET \/devices?[^ ]* 200 .* \([0-9.]*\)ms$/\1/p' "$T/lfsd.log" >"$T/pages.srv"
echo "the same pages in lfsd's access log: p50 $(pct "$T/pages.srv" 50) ms p95 $(pct "$T/pages.srv" 95) ms max $(pct "$T/pages.srv" 100) ms"

# 5. builds with the fleet loaded
for i in 1 2 3 4 5; do
	printf 'return %d\n' "$i" >"$T/v.lua"
	cmd "${args[@]}" -F "file=@$T/v.lua" "$URL/build" | jq -r '.timings.compile_ms' >>"$T/compile_ms"
done
echo "compile_ms of 5 builds with $NDEV devices: $(tr '\n' ' ' <"$T/compile_ms")"

# 4. memory
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$LFSD_PID/status")
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$LFSD_PID/status")
stop_lfsd
echo "lfsd memory with $NDEV devices: peak $((hwm / 1024)) MB, now $((rss / 1024)) MB (target peak < 512)"
awk -v s="$startup" -v q="$q" -v p="$p99" -v g="$pg95" -v m="$hwm" \
	'BEGIN { exit !(s < 3000 && q >= 0.8 && p < 10 && g < 50 && m < 524288) }'
