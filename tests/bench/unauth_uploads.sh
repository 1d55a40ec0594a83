#!/bin/bash
# unauth_uploads.sh - lfsd's peak resident memory (VmHWM) while 100 clients
# at once POST 4 MB bodies with a wrong device key to /ota/report over HTTPS,
# sending the body whether asked or not (no Expect: 100-continue): once with
# device= in the query (refused on the headers), once naming the device only
# in the body (read up to the 64 KB device limit, then refused). Target: the
# peak grows by less than 32 MB (it grew by ~380 MB when device requests were
# buffered up to --max-upload before the key was checked).
# usage: tests/bench/unauth_uploads.sh [clients]
. "$(dirname "$0")/server.lib"
N=${1:-100}
start_lfsd "$T/data"
curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-d '{"id":"dev-1","channel":"stable"}' "$URL/devices" >/dev/null
head -c $((4 << 20)) /dev/zero | tr '\0' ' ' >"$T/body"
hwm() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$LFSD_PID/status"; }
attack() {   # attack QUERY: N uploads at once; prints their status codes, counted
	local i
	for i in $(seq 1 "$N"); do
		curl -s -o /dev/null -w '%{http_code}\n' --cacert "$CACERT" -H 'Expect:' \
			-H 'Authorization: Bearer wrong-key' -H 'Content-Type: application/json' \
			--data-binary @"$T/body" "$SURL/ota/report$1" &
	done | sort | uniq -c | tr '\n' ' '
	wait
}
before=$(hwm)
echo "peak RSS at start: $before MB"
echo "device= in the query: $(attack '?device=dev-1')"
q=$(hwm)
echo "peak RSS after $N unauthenticated 4 MB uploads: $q MB"
echo "device only in the body: $(attack '')"
b=$(hwm)
echo "peak RSS after $N more: $b MB"
stop_lfsd
echo "growth: $((b - before)) MB (target < 32)"
[ $((b - before)) -lt 32 ]
