#!/usr/bin/env bash
# The emulated `tls` module (nodemcu-api.md §2, §12) against a real lfsd over
# TLS: the handshake, dropped sends, one sent per send, disconnection(nil),
# reconnection reasons, tls.cert.verify, the silent hang at low heap and
# unhold's crash.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd
N=$ROOT/tests/device/nodemcu
make_app "$T/app" tls
B=$(upload_build "$T/app")
admin GET "/builds/$B/lfs.img" > "$T/img"
mkdir -p "$T/d/spiffs"
cp "$N/check.lua" "$N/tls.lua" "$T/d/spiffs/"
cp "$CACERT" "$T/d/spiffs/ca.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k.pem" \
	-out "$T/d/spiffs/other.pem" -subj /CN=other -days 1 2>/dev/null
cat > "$T/d/spiffs/cfg.lua" <<LUA
return { tport = ${TLS_ADDR##*:}, token = "$TOKEN", size = $(stat -c %s "$T/img"),
         sha = "$(sha256 "$T/img")" }
LUA
echo 'dofile("tls.lua")' > "$T/d/spiffs/init.lua"
board "$T/d" --until "TLS DONE" --run-for 30 > "$T/out" 2> "$T/err"
ok $? "tls.lua ran"
lua_checks "$T/out" 16 "tls"
rm -f "$T/d/tls-cert.sector"   # a blank certificate sector again
board "$T/d" --lua 5.1 --until "TLS DONE" --run-for 30 > "$T/out" 2> "$T/err"
ok $? "Lua 5.1: tls.lua ran"
lua_checks "$T/out" 16 "Lua 5.1: tls"

# the firmware does not start a TLS connect with 18432 bytes or less free
cat > "$T/d/spiffs/init.lua" <<'LUA'
local pad = {}
while node.heap() > 17500 do pad[#pad + 1] = ("x"):rep(500) end
local s = tls.createConnection()
for _, ev in ipairs({"connection", "reconnection", "disconnection"}) do
  s:on(ev, function() print("EVENT " .. ev) end)
end
s:connect(dofile("cfg.lua").tport, "127.0.0.1")
print("HEAP " .. node.heap())
LUA
board "$T/d" --heap 120000 --run-for 2 > "$T/out" 2>&1
grep -q '^HEAP ' "$T/out" && ! grep -q '^EVENT' "$T/out"
ok $? "a TLS connect at 18432 bytes free or less never starts and fires nothing"

# tls:unhold() dereferences NULL in the firmware: the chip resets (§13 Q4)
cat > "$T/d/spiffs/init.lua" <<'LUA'
if file.exists("crashed") then print("REBOOT " .. table.concat({node.bootreason()}, ",")) return end
file.putcontents("crashed", "1")
local s = tls.createConnection()
s:on("connection", function(c) c:unhold() end)
s:connect(dofile("cfg.lua").tport, "127.0.0.1")
LUA
board "$T/d" --until REBOOT --run-for 10 > "$T/out" 2>&1
grep -q '^Fatal exception 28' "$T/out" && grep -q '^REBOOT 2,2,' "$T/out"
ok $? "tls:unhold() crashes the chip (exception reset)"
done_testing
