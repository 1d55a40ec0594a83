#!/bin/bash
# t0150-operations: what an operator relies on: one lfsd per data directory
# (lock), the access log (one line per request, no secret in it) and event
# lines, --log-format json, the config file, --admin-token-file, and
# `make install` giving an lfsd that finds its dashboard without flags.
. "$(dirname "$0")/lib.sh"

# ---- the data-directory lock
start_lfsd; ok $? "first lfsd starts"
"$LFSD" --data-dir "$DATA" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 \
	>"$T/second.out" 2>"$T/second.err"; rc=$?
is $rc 1 "a second lfsd on the same data dir exits 1"
grep -q "data directory '$DATA' is in use by pid $LFSD_PID" "$T/second.err"
ok $? "it names the directory and the pid that holds it"
is "$(sed -n 's/^https=.*://p' "$DATA/ports" | grep -c .)" 1 "the ports file is untouched"
healthy; ok $? "the first lfsd still answers"

# ---- access log: one line per request, no token or key in it
: >"$T/lfsd.log.mark"
before=$(wc -l < "$T/lfsd.log")
req "$URL/builds?limit=5" >/dev/null
curl -s -o /dev/null "$URL/healthz?key=sekrit-value&token=sekrit-token&x=1"
key=$(curl -s -H "Authorization: Bearer $TOKEN" -d '{"id":"dev-1","channel":"stable"}' "$URL/devices" | jq -r .key)
curl -s -o /dev/null --cacert "$CACERT" -H "Authorization: Bearer $key" "$SURL/ota/latest?device=dev-1&nonce=$(openssl rand -hex 16)"
# the four access lines are written once each answer is sent: wait for them
# (up to 5 s on a loaded machine), then a moment more for any extra line
for _ in $(seq 1 50); do
	[ "$(tail -n +$((before + 1)) "$T/lfsd.log" | grep -c ' access ')" -ge 4 ] && break
	sleep 0.1
done
sleep 0.2
tail -n +$((before + 1)) "$T/lfsd.log" > "$T/new.log"
line=$(grep ' access .* GET /builds?limit=5 200 ' "$T/new.log")
ok $? "an access line for GET /builds"
echo "$line" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z lfsd: access 127\.0\.0\.1 GET /builds\?limit=5 200 [0-9]+B [0-9.]+ms$'
ok $? "access line: ISO 8601 time, client, method, path, status, bytes, ms"
grep -q ' GET /healthz?key=-&token=-&x=1 200 ' "$T/new.log"; ok $? "secret-looking query values are removed"
grep -q ' POST /devices 201 ' "$T/new.log"; ok $? "POST logged with its status"
grep -q ' GET /ota/latest?device=dev-1&nonce=[0-9a-f]\{32\} 204 ' "$T/new.log"; ok $? "device poll logged"
grep -q 'event device action=registered id=dev-1 channel=stable' "$T/new.log"; ok $? "device registration event"
! grep -q -e "$TOKEN" -e "$key" -e sekrit "$T/new.log"; ok $? "no token, key or secret value in the log"
is "$(grep -c ' access ' "$T/new.log")" 4 "exactly one access line per request"
stop_lfsd

# ---- config file, JSON log lines, admin token file
cat > "$T/lfsd.conf" <<CONF
; test configuration
data-dir = $T/conf-data
listen = 127.0.0.1:0
tls-listen = 127.0.0.1:0
log-format = json
poll-interval = 77
admin-token-file = $T/admin-token
CONF
"$LFSD" --config "$T/lfsd.conf" >"$T/conf.out" 2>"$T/conf.log" &
p=$!; PIDS="$PIDS $p"
for i in $(seq 1 100); do [ -s "$T/conf-data/ports" ] && break; sleep 0.05; done
[ -s "$T/conf-data/ports" ]; ok $? "data-dir and listeners from the config file"
tok=$(cat "$T/admin-token" 2>/dev/null)
[ ${#tok} -eq 64 ]; ok $? "the generated admin token went to admin-token-file"
is "$(stat -c %a "$T/admin-token")" 600 "admin-token-file is mode 0600"
is "$(wc -c < "$T/conf.out")" 0 "nothing printed on stdout"
u=http://$(sed -n 's/^http=//p' "$T/conf-data/ports")
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$u/builds")" 200 "that token works"
sleep 0.2
kill -TERM $p; wait $p
jq -e . "$T/conf.log" >/dev/null 2>&1; ok $? "--log-format json: every line is JSON"
a=$(jq -c 'select(.kind=="access" and .path=="/builds")' "$T/conf.log")
echo "$a" | jq -e '.status==200 and .method=="GET" and .client=="127.0.0.1" and (.bytes|type)=="number" and (.ms|type)=="number" and (.time|test("Z$"))' >/dev/null
ok $? "JSON access line has time, client, method, path, status, bytes, ms"
! grep -q "$tok" "$T/conf.log"; ok $? "the token is not in the JSON log"
printf 'listen = 127.0.0.1:0\nno-such-key = 1\n' > "$T/bad.conf"
"$LFSD" --config "$T/bad.conf" 2>"$T/err"; is $? 2 "a bad config file: exit 2"
grep -q "$T/bad.conf:2: unknown key 'no-such-key'" "$T/err"; ok $? "the error names file, line and key"
"$LFSD" --config "$T/none.conf" 2>"$T/err"; is $? 2 "a missing config file: exit 2"

# ---- make install: the installed lfsd serves its dashboard without flags
inst=$T/inst
make -s -C "$ROOT" BUILD="$BUILD" DESTDIR="$inst" PREFIX=/usr/local install >"$T/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr/local"
for f in bin/lfsc bin/lfsd bin/lfs-device share/lfsd/web/index.html share/lfsd/nodemcu/lfsota.lua \
         lib/systemd/system/lfsd.service lib/sysusers.d/lfsd.conf etc/lfsd/lfsd.conf; do
	[ -s "$inst/usr/local/$f" ]; ok $? "installed $f"
done
grep -q '^ExecStart=/usr/local/bin/lfsd --config /usr/local/etc/lfsd/lfsd.conf$' \
	"$inst/usr/local/lib/systemd/system/lfsd.service"; ok $? "unit runs the installed lfsd with its config"
for d in 'User=lfsd' 'StateDirectory=lfsd' 'ProtectSystem=strict' 'NoNewPrivileges=yes'; do
	grep -qx "$d" "$inst/usr/local/lib/systemd/system/lfsd.service"; ok $? "unit: $d"
done
# started by hand: start_lfsd names the checkout's web/, the point is that
# the installed lfsd finds its own without flags
(cd "$T" && LFSD_ADMIN_TOKEN=$TOKEN exec "$inst/usr/local/bin/lfsd" --data-dir inst-data \
	--listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 $MEMFLAG >/dev/null 2>"$T/inst.log") &
p=$!; PIDS="$PIDS $p"
for i in $(seq 1 100); do [ -s "$T/inst-data/ports" ] && break; sleep 0.05; done
u=http://$(sed -n 's/^http=//p' "$T/inst-data/ports")
is "$(curl -s -o "$T/index.html" -w '%{http_code}' "$u/")" 200 "installed lfsd: GET / 200"
grep -q "<title>" "$T/index.html"; ok $? "it serves the dashboard's index.html"
grep -q "web=$inst/usr/local/share/lfsd/web" "$T/inst.log"; ok $? "it found share/lfsd/web by itself"
grep -q "nodemcu=$inst/usr/local/share/lfsd/nodemcu$" "$T/inst.log"; ok $? "... and share/lfsd/nodemcu (the Lua OTA client)"
printf 'print(1)\n' > "$T/m.lua"
curl -s -H "Authorization: Bearer $TOKEN" -F "file=@$T/m.lua;filename=main.lua" \
	-F 'options={"ota_client":true};type=application/json' "$u/build" > "$T/oc.json"
is "$(jq -c '[.ota_client, [.files[].name]]' "$T/oc.json")" '[true,["_init.lua","lfsota.lua","main.lua"]]' \
	"installed lfsd: a build with ota_client gets the client from share/lfsd/nodemcu"
kill -TERM $p; wait $p
cp "$inst/usr/local/bin/lfsd" "$T/lone-lfsd"
(cd "$T" && exec ./lone-lfsd --data-dir lone --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 \
	>/dev/null 2>"$T/lone.log") &
p=$!; PIDS="$PIDS $p"
for i in $(seq 1 100); do [ -s "$T/lone/ports" ] && break; sleep 0.05; done
kill -TERM $p; wait $p
grep -q "warning: no dashboard files found" "$T/lone.log"; ok $? "an lfsd without its dashboard says so at start"
done_testing
