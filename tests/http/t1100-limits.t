#!/bin/bash
# t1100-limits: limits before any body is read, and the connection gate
# (server/gate.h, server/README.md "Connections"): device and admin requests
# refused on their headers (401/413 with no body sent), connections per
# address, deadlines that a byte every half second does not extend, and 300
# slow connections that do not lock out /healthz or a device poll.
. "$(dirname "$0")/lib.sh"
SLOW="$(dirname "$0")/slow_clients.pl"
start_lfsd "$T/data" --request-timeout 2 --max-connections 100 --max-connections-per-ip 40
ok $? "lfsd started"
HPORT=${URL##*:}; SPORT=${TLS_ADDR##*:}
mapfile -t args < <(app_args json_config)
is "$(req "${args[@]}" "$URL/build")" 201 "build"
ID=$(jq .id "$T/body")
req -H 'Content-Type: application/json' -d "{\"build_id\":$ID,\"channel\":\"stable\"}" "$URL/releases" >/dev/null
req -H 'Content-Type: application/json' -d '{"id":"dev-1","channel":"stable"}' "$URL/devices" >/dev/null
KEY=$(jq -r .key "$T/body")

# a head announcing a 4 MB body, and no body: the answer comes anyway
head_only() {   # head_only http|https METHOD PATH AUTH [LENGTH]: the status code
	local fmt='%s %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n'
	if [ "$1" = https ]; then
		{ printf "$fmt" "$2" "$3" "$4" "${5:-4000000}"; sleep 3; } |
			timeout 5 openssl s_client -connect "$TLS_ADDR" -quiet 2>/dev/null | head -1 | cut -d' ' -f2
	else
		exec 3<>"/dev/tcp/127.0.0.1/$HPORT"
		printf "$fmt" "$2" "$3" "$4" "${5:-4000000}" >&3
		timeout 3 head -1 <&3 | cut -d' ' -f2
		exec 3<&-
	fi
}
is "$(head_only https POST '/ota/report?device=dev-1' wrong)" 401 \
	"device report with a wrong key: 401 before its body"
is "$(head_only https POST '/ota/report' "$KEY" 100000)" 413 \
	"device report announcing 100 KB: 413 before its body"
is "$(head_only http POST /build wrong-token)" 401 \
	"upload with a wrong admin token: 401 before its body"
is "$(head_only http POST /releases "$TOKEN" 8000000)" 413 \
	"admin body over --max-upload: 413 before its body"
S=(-s --cacert "$CACERT" -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json')
is "$(curl "${S[@]}" -H "Authorization: Bearer $KEY" -d '{"device":"dev-1","state":"downloading"}' \
	"$SURL/ota/report")" 204 "a report naming its device only in the body still works"
is "$(curl "${S[@]}" -H "Authorization: Bearer wrong" -d '{"device":"dev-1","state":"downloading"}' \
	"$SURL/ota/report")" 401 "and is refused with a wrong key"
is "$(jq -r .error.message "$T/body")" "unknown device or wrong device key" "the same message"

# connections per address (--max-connections-per-ip 40): 50 idle ones from 127.0.0.2
read -r r < <("$SLOW" "$HPORT" 50 1.5 idle --first 2)
echo "# $r"
case $r in *refused=10\ *open=40\ *) ok 0 "50 connections from one address: 10 refused, 40 open" ;;
	*) ok 1 "50 connections from one address: 10 refused, 40 open" ;; esac
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200 "another address is served meanwhile"

# deadlines (--request-timeout 2) that a byte every 0.5 s does not extend
for m in "head $HPORT request head" "tls $SPORT TLS handshake"; do
	set -- $m
	read -r r < <("$SLOW" "$2" 1 5 "$1" --first 3)
	echo "# $r"
	life=$(sed -n 's/.*expired=1 .*life_max=\([0-9.]*\).*/\1/p' <<<"$r")
	awk -v l="${life:-0}" 'BEGIN { exit !(l >= 1.5 && l <= 3.5) }'
	ok $? "a $3 sending a byte every 0.5 s is closed at its deadline (${life:-never} s)"
done

# 300 slow connections on each listener for 8 s, from 10 addresses (the
# total limit is 100 a listener: new ones replace the oldest waiting ones),
# while a client polls and checks health
"$SLOW" "$HPORT" 300 8 head --first 10 --per 30 --reopen >"$T/slow_http" &
s1=$!
"$SLOW" "$SPORT" 300 8 tls --first 40 --per 30 --reopen >"$T/slow_https" &
s2=$!
PIDS="$PIDS $s1 $s2"
sleep 1.5
good=0
for i in 1 2 3 4; do
	h=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$URL/healthz")
	s=$(curl -s -m 3 --cacert "$CACERT" -o /dev/null -w '%{http_code}' "$SURL/healthz")
	p=$(curl -s -m 3 --cacert "$CACERT" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
		"$SURL/ota/latest?device=dev-1&nonce=$(openssl rand -hex 16)")
	echo "# round $i: healthz http $h, https $s, device poll $p"
	[ "$h$s$p" = 200200200 ] && good=$((good + 1))
	sleep 1
done
is "$good" 4 "under 600 slow connections every health check and device poll is answered"
wait "$s1" "$s2"
for l in http https; do
	echo "# slow $l: $(cat "$T/slow_$l")"
	n=$(sed -n 's/^opened=\([0-9]*\).*/\1/p' "$T/slow_$l")
	[ "${n:-0}" -gt 300 ]; ok $? "slow $l connections were closed by lfsd and opened again ($n opened)"
done
healthy; ok $? "lfsd still healthy"
stop_lfsd; ok $? "clean stop"
done_testing
