#!/bin/bash
# t1000-tls: lfsd's HTTPS front end (server/README.md "TLS"): TLS 1.2 and 1.3
# only, the ECDHE suites ESP8266 clients speak and no static-RSA one, an image
# downloaded by a client that asks for max_fragment_length 512 (openssl
# s_client aborts on any larger record), session resumption by ticket and by
# session id (TLS 1.2) and by ticket (TLS 1.3), ticket keys replaced on their
# schedule.
. "$(dirname "$0")/lib.sh"
start_lfsd "$T/data" --tls-ticket-rotation 2; ok $? "lfsd started"
sc() { openssl s_client -connect "$TLS_ADDR" -CAfile "$CACERT" -verify_return_error "$@" </dev/null 2>&1; }

# versions: 1.0 and 1.1 refused even when the client allows every cipher
for v in tls1 tls1_1; do
	sc -"$v" -cipher 'ALL:@SECLEVEL=0' | grep -q 'alert protocol version'
	ok $? "$v refused with a protocol_version alert"
done
sc -tls1_2 | grep -q '^New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256'
ok $? "TLS 1.2 picks ECDHE-ECDSA-AES128-GCM-SHA256"
sc -tls1_3 | grep -q '^New, TLSv1.3,'; ok $? "TLS 1.3 works"
# what an ESP8266 offers (nodemcu-api.md §2): ECDHE-ECDSA with AES-GCM or CBC
for c in ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES128-SHA; do
	sc -tls1_2 -cipher "$c" | grep -q "^New, .*Cipher is $c\$"; ok $? "TLS 1.2 $c"
done
sc -tls1_2 -cipher AES128-GCM-SHA256 | grep -q 'Cipher is (NONE)'; ok $? "static-RSA key exchange refused"
sc -tls1_2 -curves P-256 | grep -q 'Server Temp Key: ECDH, prime256v1'; ok $? "P-256 key exchange"

# an image through 512-byte records
mapfile -t args < <(app_args sensor_mesh)
is "$(req "${args[@]}" "$URL/build")" 201 "build"
ID=$(jq .id "$T/body"); SHA=$(jq -r .sha256 "$T/body"); SIZE=$(jq .size "$T/body")
curl -s -H "Authorization: Bearer $TOKEN" "$URL/builds/$ID/lfs.img" -o "$T/want.img"
req -H 'Content-Type: application/json' -d "{\"build_id\":$ID,\"channel\":\"stable\"}" "$URL/releases" >/dev/null
req -H 'Content-Type: application/json' -d '{"id":"dev-1","channel":"stable"}' "$URL/devices" >/dev/null
KEY=$(jq -r .key "$T/body")
# the device is offered the release (a device downloads only its offer)
curl -s --cacert "$CACERT" -o /dev/null -H "Authorization: Bearer $KEY" \
	"https://$TLS_ADDR/ota/latest?device=dev-1&nonce=$(openssl rand -hex 16)"
for mfl in 512 2048; do
	printf 'GET /ota/images/%s?device=dev-1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
		"$SHA" "$KEY" | openssl s_client -connect "$TLS_ADDR" -CAfile "$CACERT" -tls1_2 \
		-maxfraglen "$mfl" -quiet 2>"$T/mfl.err" >"$T/mfl.out"
	# the body: what follows the blank line of the head
	perl -0777 -ne 'print $1 if /\r\n\r\n(.*)\z/s' "$T/mfl.out" >"$T/got.img"
	head -1 "$T/mfl.out" | grep -q '^HTTP/1.1 200'; ok $? "max_fragment_length $mfl: 200"
	is "$(stat -c %s "$T/got.img")" "$SIZE" "max_fragment_length $mfl: every byte ($SIZE)"
	cmp -s "$T/got.img" "$T/want.img"; ok $? "max_fragment_length $mfl: the image's bytes"
	grep -qi 'too long\|overflow' "$T/mfl.err"; is $? 1 "max_fragment_length $mfl: no record too long"
done

# resumption; each connection fetches /healthz and reads until lfsd closes:
# a TLS 1.3 ticket arrives after the handshake
get() {   # get S_CLIENT-ARGS...: s_client's report of one GET /healthz
	printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		openssl s_client -connect "$TLS_ADDR" -CAfile "$CACERT" -verify_return_error -ign_eof \
		"$@" 2>&1
}
resumes() {   # resumes NAME S_CLIENT-ARGS...: a second connection resumes the first's session
	rm -f "$T/sess"
	get "$@" -sess_out "$T/sess" | grep -q '^New,'
	ok $? "$name: first connection makes a full handshake"
	get "$@" -sess_in "$T/sess" | grep -q '^Reused,'
	ok $? "$name: reconnection resumes"
}
name="TLS 1.2 ticket" resumes -tls1_2
name="TLS 1.2 session id" resumes -tls1_2 -no_ticket
name="TLS 1.3 ticket" resumes -tls1_3

# ticket keys (--tls-ticket-rotation 2): a new key every 2 s; a ticket opens
# until the end of the period after its own
ticket_name() {   # the 16-byte key name the ticket starts with
	openssl sess_id -in "$1" -noout -text | sed -n '/TLS session ticket:/,/^$/p' |
		sed -n 2p | cut -c12-58 | tr -d " -"
}
sc -tls1_2 -sess_out "$T/t1" >/dev/null; n1=$(ticket_name "$T/t1")
[ ${#n1} -eq 32 ]; ok $? "ticket names its key ($n1)"
for i in $(seq 1 12); do   # within a period the key changes
	sleep 0.25
	sc -tls1_2 -sess_out "$T/t2" >/dev/null; n2=$(ticket_name "$T/t2")
	[ "$n1" != "$n2" ] && break
done
[ ${#n2} -eq 32 ] && [ "$n1" != "$n2" ]; ok $? "the next period's key seals new tickets ($n2)"
sc -tls1_2 -sess_in "$T/t1" | grep -q '^Reused,'; ok $? "a ticket of the previous period still resumes"
sleep 2.5
sc -tls1_2 -sess_in "$T/t1" | grep -q '^New,'; ok $? "one period later it does not"
stop_lfsd
done_testing
