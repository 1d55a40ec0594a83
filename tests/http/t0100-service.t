#!/bin/bash
# t0100-service: the embedded defaults, --help, health, metrics, HTTPS with the
# generated certificate, the admin token (printed once, stored only as a
# hash), schema version and WAL mode, refusing a newer database.
. "$(dirname "$0")/lib.sh"

out=$("$LFSD" --help)
ok $? "lfsd --help exits 0"
for f in --data-dir --listen --tls-listen --max-upload --build-workers --lfsc --web-dir \
         --tls-cert --tls-key; do
	echo "$out" | grep -q -- "$f " ; ok $? "--help lists $f"
done
"$LFSD" --no-such-flag 2>"$T/err"; is "$?" 2 "unknown flag exits 2"
grep -q "unknown option '--no-such-flag'" "$T/err"; ok $? "unknown flag is named"

start_lfsd; ok $? "lfsd starts on port 0"
grep -q "^http=127.0.0.1:[1-9]" "$DATA/ports"; ok $? "ports file has the HTTP port"
grep -q "listening http=127.0.0.1:[0-9]* https=127.0.0.1:[0-9]*" "$T/lfsd.log"; ok $? "listen line on stderr"
is "$(curl -s "$URL/healthz")" '{"ok":true}' "/healthz over HTTP"
is "$(curl -s --cacert "$CACERT" "$SURL/healthz")" '{"ok":true}' "/healthz over HTTPS, certificate verifies for localhost"
openssl x509 -in "$CACERT" -noout -text | grep -q "ecdsa-with-SHA256"; ok $? "certificate is ECDSA signed"
is "$(sqlite3 "$DATA/lfsd.db" 'PRAGMA journal_mode')" wal "database in WAL mode"
is "$(sqlite3 "$DATA/lfsd.db" 'PRAGMA user_version')" "$(ls "$ROOT"/schema/*.sql | sed -n '$s|.*/0*\([0-9]*\)_.*|\1|p')" "schema at the newest migration"
is "$(curl -s -o "$T/body" -w '%{http_code}' "$URL/builds")" 401 "/builds without token: 401"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "$URL/builds")" 401 "wrong token: 401"
jq -e '.error.code == "unauthorized"' "$T/body" >/dev/null; ok $? "401 body is a JSON error"
is "$(req "$URL/builds")" 200 "token from LFSD_ADMIN_TOKEN works"
is "$(req -X DELETE "$URL/builds")" 405 "DELETE /builds: 405"
is "$(req -X POST "$URL/nowhere")" 404 "unknown route: 404"
curl -s "$URL/metrics" >"$T/metrics"
grep -q '^lfsd_http_requests_total{route="healthz",status="200"} [1-9]' "$T/metrics"; ok $? "metrics count requests by route and status"
grep -q '^lfsd_http_requests_total{route="builds",status="401"} 2' "$T/metrics"; ok $? "metrics count 401s"
grep -q '^# TYPE lfsd_build_duration_seconds histogram' "$T/metrics"; ok $? "build duration histogram"
grep -q '^lfsd_build_duration_seconds_bucket{le="+Inf"} 0' "$T/metrics"; ok $? "histogram +Inf bucket"
grep -q '^lfsd_builds_total{outcome="ok"} 0' "$T/metrics"; ok $? "builds by outcome"
stop_lfsd; is "$?" 0 "SIGTERM: clean exit 0"

# --tls-cert/--tls-key: that certificate is served, none is generated
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost \
	-keyout "$T/own.key" -out "$T/own.crt" 2>/dev/null
start_lfsd "$T/own" --tls-cert "$T/own.crt" --tls-key "$T/own.key"; ok $? "lfsd with --tls-cert/--tls-key"
is "$(curl -s --cacert "$T/own.crt" "$SURL/healthz")" '{"ok":true}' "HTTPS verifies against the given certificate"
[ ! -e "$T/own/tls/cert.pem" ]; ok $? "no certificate generated"
stop_lfsd
"$LFSD" --tls-cert "$T/own.crt" 2>"$T/err"; is "$?" 2 "--tls-cert without --tls-key: exit 2"
grep -q "lfsd: stopped" "$T/lfsd.log"; ok $? "shutdown logged"

# first start without LFSD_ADMIN_TOKEN: token printed once, only its hash stored
mkdir -p "$T/fresh"
(cd "$T/fresh" && exec "$LFSD" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 >out1 2>err1) &
p=$!; PIDS="$PIDS $p"
for i in $(seq 1 100); do [ -s "$T/fresh/var/ports" ] && break; sleep 0.05; done
[ -f "$T/fresh/var/lfsd.db" ] && [ -d "$T/fresh/var/blobs" ]; ok $? "no arguments: data in ./var"
tok=$(sed -n 's/^lfsd: admin token.*: //p' "$T/fresh/out1")
[ ${#tok} -eq 64 ]; ok $? "first start prints a token"
u=http://$(sed -n 's/^http=//p' "$T/fresh/var/ports")
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$u/builds")" 200 "printed token works"
if [ -n "$MEMFLAG" ]; then   # an AddressSanitizer lfsc cannot start under the default memory limit
	ok 0 "# skip a build with the relative data dir: lfsc built with AddressSanitizer"
else
	is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		-d '{"files":{"a.lua":"return 1"}}' "$u/build")" 201 "a build with the relative data dir ./var"
fi
kill -TERM $p; wait $p
stored=$(sqlite3 "$T/fresh/var/lfsd.db" "select value from settings where key='admin_token_sha256'")
is "$stored" "$(printf %s "$tok" | sha256sum | cut -d' ' -f1)" "only the token's sha256 is stored"
grep -rqs "$tok" "$T/fresh/var"; is "$?" 1 "the token itself is nowhere in the data dir"
rm -f "$T/fresh/var/ports"   # before the start: a fast lfsd writes it at once
(cd "$T/fresh" && exec "$LFSD" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 >out2 2>err2) &
p=$!; PIDS="$PIDS $p"
for i in $(seq 1 100); do [ -s "$T/fresh/var/ports" ] && break; sleep 0.05; done
u=http://$(sed -n 's/^http=//p' "$T/fresh/var/ports")
grep -q "admin token" "$T/fresh/out2"; is "$?" 1 "second start prints no token"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$u/builds")" 200 "token still valid after restart"
kill -TERM $p; wait $p

# a database from a newer lfsd is refused
sqlite3 "$T/fresh/var/lfsd.db" "PRAGMA user_version = 99"
(cd "$T/fresh" && "$LFSD" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 >/dev/null 2>err3)
is "$?" 1 "newer schema: lfsd refuses to start"
grep -q "schema version 99 is newer than this lfsd" "$T/fresh/err3"; ok $? "and says why"
done_testing
