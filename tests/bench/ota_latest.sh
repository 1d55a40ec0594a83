#!/bin/bash
# ota_latest.sh - wrk cycling through 10,000 registered devices calling
# GET /ota/latest over HTTPS (up-to-date case: 204; 64 connections, 10 s)
# against tests/bench/bare_server answering a fixed 204 over TLS the same way,
# back to back, alternating for ROUNDS rounds (the machine is shared: the best
# round of each is compared). Targets: >= 0.8 of the bare server's req/s,
# p99 < 10 ms, lfsd resident memory < 64 MB with 10,000 devices.
# usage: tests/bench/ota_latest.sh [seconds] [devices] [rounds]
. "$(dirname "$0")/server.lib"
DUR=${1:-10}
NDEV=${2:-10000}
ROUNDS=${3:-3}
start_lfsd "$T/data"
cmd() { curl -s -H "Authorization: Bearer $TOKEN" "$@"; }
args=(); for f in "$APPS/json_config/"*.lua; do args+=(-F "file=@$f"); done
cmd "${args[@]}" "$URL/build" >"$T/build.json"
sha=$(jq -r .sha256 "$T/build.json")
cmd -H 'Content-Type: application/json' -d "{\"build_id\":$(jq .id "$T/build.json"),\"channel\":\"bench\"}" "$URL/releases" >/dev/null
stop_lfsd

# register the devices straight into the database (the API would fsync each)
echo "registering $NDEV devices" >&2
"$SEED" "$T/data/lfsd.db" "$NDEV" bench

start_lfsd "$T/data"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer bench-key-1" "https://$TLS_ADDR/ota/latest?device=dev-0000001&nonce=$(openssl rand -hex 16)&current=$sha")
echo "check: /ota/latest for dev-0000001 -> $code"
[ "$code" = 204 ]
export OTA_DEVICES=$NDEV OTA_CURRENT=$sha
start_bare --204 --tls "$T/data/tls/cert.pem" "$T/data/tls/key.pem"
script=$(dirname "$0")/ota_latest.lua
for r in $(seq 1 "$ROUNDS"); do
	wrk -t2 -c64 -d"${DUR}s" --latency -s "$script" "https://$TLS_ADDR" >"$T/lfsd.$r.wrk"
	wrk -t2 -c64 -d"${DUR}s" --latency -s "$script" "https://127.0.0.1:$BARE_PORT" >"$T/bare.$r.wrk"
	echo "round $r: lfsd $(rps "$T/lfsd.$r.wrk") req/s p99 $(awk '$1=="99%"{print $2}' "$T/lfsd.$r.wrk"), bare $(rps "$T/bare.$r.wrk") req/s p99 $(awk '$1=="99%"{print $2}' "$T/bare.$r.wrk")"
done
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$LFSD_PID/status")
polls=$(curl -s "$URL/metrics" | sed -n 's/^lfsd_ota_polls_total{result="current"} //p')
stop_lfsd
stop_bare
best() { for f in "$T/$1".*.wrk; do echo "$(rps "$f") $f"; done | sort -rn | head -1 | cut -d' ' -f2; }
L=$(best lfsd); B=$(best bare)
a=$(rps "$L"); b=$(rps "$B")
p99=$(awk '$1=="99%"{print $2}' "$L")
bad=$(cat "$T"/lfsd.*.wrk | sed -n 's/^ *Non-2xx or 3xx responses: *//p' | head -1)
echo "best lfsd: $a req/s, p50 $(awk '$1=="50%"{print $2}' "$L") p99 $p99, non-2xx ${bad:-0}, up-to-date polls counted $polls"
echo "best bare: $b req/s, p50 $(awk '$1=="50%"{print $2}' "$B") p99 $(awk '$1=="99%"{print $2}' "$B")"
r=$(ratio "$a" "$b")
echo "ratio lfsd/bare: $r (target >= 0.8)"
echo "lfsd resident memory with $NDEV devices: $((rss / 1024)) MB (target < 64 MB)"
p99ms=$(echo "$p99" | awk '/us$/ { print $1 / 1000; next } /ms$/ { print $1 + 0; next } { print $1 * 1000 }')
echo "p99: $p99ms ms (target < 10 ms)"
awk -v r="$r" -v p="$p99ms" -v m="$rss" 'BEGIN { exit !(r >= 0.8 && p < 10 && m < 65536) }'
