#!/usr/bin/env bash
# The emulated NodeMCU firmware (lfs-device --client lua), on both ports,
# keeps the rules of nodemcu-api.md §0, §4-§8 and §12 that need no server:
# tests/device/nodemcu/modules.lua and netsrv.lua check them from inside (one
# TAP line per rule); the rest here checks resets, RTC memory, the watchdog,
# the heap cap, the loader order and node.LFS.reload across boots (5.3: at
# the next boot; 5.1: in-line, its error strings and power cuts).
. "$(dirname "$0")/lib.sh"
N=$ROOT/tests/device/nodemcu
spiffs() { mkdir -p "$1/spiffs" && cp "$N/check.lua" "$1/spiffs/"; }

for lua in 5.3 5.1; do
port="Lua $lua:"
spiffs "$T/m$lua"
cp "$N/modules.lua" "$N/port53.lua" "$N/port51.lua" "$T/m$lua/spiffs/"
mv "$T/m$lua/spiffs/modules.lua" "$T/m$lua/spiffs/init.lua"
board "$T/m$lua" --lua $lua --spiffs-size 0x20000 --until "BOOT2 DONE" > "$T/out" 2> "$T/err"
ok $? "$port modules.lua: two boots, exit 0"
lua_checks "$T/out" 43 "$port modules.lua"
grep -q '^STILL RUNNING AFTER RESTART$' "$T/out"; ok $? "$port node.restart() is deferred until the task returns"

# net servers: the board connects to its own server (§1)
spiffs "$T/n$lua"
cp "$N/netsrv.lua" "$T/n$lua/spiffs/init.lua"
board "$T/n$lua" --lua $lua --until "NETSRV DONE" --run-for 10 > "$T/out" 2> "$T/err"
lua_checks "$T/out" 14 "$port netsrv.lua"
grep -q "^lfs-device: net: device port [0-9]* listens on 127.0.0.1:[0-9]*$" "$T/err"
ok $? "$port a server's port map is logged"

# RTC memory: kept across a reset pin start, garbage after a power-on (§13 Q9)
spiffs "$T/r$lua"
cat > "$T/r$lua/spiffs/init.lua" <<'LUA'
print("RTC " .. tostring(rtcmem.read32(0)) .. " BOOT " .. table.concat({node.bootreason()}, ","))
rtcmem.write32(0, 424242)
LUA
board "$T/r$lua" --lua $lua > "$T/out" 2>&1
board "$T/r$lua" --lua $lua --reset > "$T/out2" 2>&1
grep -q '^RTC 424242 BOOT 2,6$' "$T/out2"; ok $? "$port --reset keeps RTC memory; bootreason 2, 6"
board "$T/r$lua" --lua $lua > "$T/out3" 2>&1
grep -q '^RTC .* BOOT 1,0$' "$T/out3" && ! grep -q '^RTC 424242 ' "$T/out3"
ok $? "$port a power-on finds garbage in RTC memory; bootreason 1, 0"

# a net callback error is a PANIC: the chip resets (5.3: exception, 2, 2;
# 5.1: the handler spins until the software watchdog, 2, 3, §13 Q1)
spiffs "$T/p$lua"
cat > "$T/p$lua/spiffs/init.lua" <<'LUA'
if file.exists("panicked") then
  print("AFTER PANIC " .. table.concat({node.bootreason()}, ","))
  return
end
file.putcontents("panicked", "1")
net.dns.resolve("127.0.0.1", function() end)   -- answered inside the call: fine
local s = net.createConnection()
s:on("reconnection", function(c, err) error("callback raised " .. err) end)
s:connect(1, "127.0.0.1")   -- refused
LUA
board "$T/p$lua" --lua $lua --until "AFTER PANIC" > "$T/out" 2> "$T/err"
grep -q '^PANIC: unprotected error in call to Lua API (.*callback raised -9)$' "$T/out"
ok $? "$port an error in a net callback is a PANIC (refused connect: reconnection(sock, -9))"
if [ $lua = 5.3 ]; then
	grep -q '^AFTER PANIC 2,2,29,' "$T/out"; ok $? "$port the next boot reports an exception reset with exccause"
else
	grep -q '^AFTER PANIC 2,3$' "$T/out"; ok $? "$port the next boot reports a software watchdog reset"
fi

# out of memory outside any protected call (the firmware pushing a received
# pbuf) is a PANIC too; the simulator survives it
spiffs "$T/x$lua"
cp "$N/oom.lua" "$T/x$lua/spiffs/init.lua"
board "$T/x$lua" --lua $lua --heap 60000 --until AFTER --run-for 10 > "$T/out" 2>&1
grep -q '^PANIC: unprotected error in call to Lua API (not enough memory)$' "$T/out" &&
	grep -q "^AFTER 2,$([ $lua = 5.3 ] && echo 2 || echo 3)" "$T/out"
ok $? "$port out of memory while a receive is pushed: a PANIC, the chip resets"

# a task running away: the software watchdog resets the chip (2, 3)
spiffs "$T/w$lua"
cat > "$T/w$lua/spiffs/init.lua" <<'LUA'
if file.exists("looped") then print("AFTER WDT " .. table.concat({node.bootreason()}, ",")) return end
file.putcontents("looped", "1")
node.task.post(function() local ok = pcall(function() while true do end end) print("NOT REACHED") end)
LUA
board "$T/w$lua" --lua $lua --watchdog-ms 300 --until "AFTER WDT" > "$T/out" 2>&1
grep -q '^Soft WDT reset' "$T/out" && grep -q '^AFTER WDT 2,3$' "$T/out" && ! grep -q 'NOT REACHED' "$T/out"
ok $? "$port a task running past --watchdog-ms resets the chip; no Lua runs after it, not even after a pcall"

# the default onerror prints and restarts after 2 s (node.c:33-46)
spiffs "$T/o$lua"
cat > "$T/o$lua/spiffs/init.lua" <<'LUA'
if file.exists("errored") then print("RESTARTED " .. table.concat({node.bootreason()}, ",")) return end
file.putcontents("errored", "1")
node.task.post(function() error("task failed") end)
LUA
SECONDS=0
board "$T/o$lua" --lua $lua --until RESTARTED > "$T/out" 2>&1
grep -q 'task failed' "$T/out" && grep -q '^RESTARTED 2,4$' "$T/out"
ok $? "$port a task error is printed by the default onerror, which restarts"
[ $SECONDS -ge 2 ]; ok $? "$port the restart comes 2 s later"

# the heap cap: a clean Lua memory error, node.heap() counts down
spiffs "$T/h$lua"
cat > "$T/h$lua/spiffs/init.lua" <<'LUA'
dofile("check.lua")
local before = node.heap()
local ok, err = pcall(function()
  local keep = {}
  for i = 1, 1e6 do keep[i] = ("x"):rep(100) .. i end
end)
check(not ok and tostring(err):find("not enough memory"), "over the cap: not enough memory", err)
check(before < 60000 and before > 20000, "node.heap() is cap minus use", before)
collectgarbage()
check(node.heap() > before - 2000, "the memory comes back after a collection")
LUA
board "$T/h$lua" --lua $lua --heap 60000 > "$T/out" 2>&1
lua_checks "$T/out" 3 "$port heap cap"
done

# loader order .lc > .lua > LFS (§0, §8); node.LFS.reload through the boot load
mkdir -p "$T/app" && printf 'return "lfs"\n' > "$T/app/m.lua"
printf 'print("LFS _init")\n' > "$T/app/_init.lua"
(cd "$T/app" && "$LFSC" -f -o app.img _init.lua m.lua)
spiffs "$T/l"
cp "$T/app/app.img" "$N/loaders.lua" "$T/l/spiffs/"
cat > "$T/l/spiffs/init.lua" <<'LUA'
dofile("check.lua")
if not node.LFS.list() then
  local ok, err = pcall(node.LFS.reload, "app.img")
  check(not ok and err:find("system restarting"), "reload raises system restarting", err)
  check(node.LFS.reload("no-such.img") == "No LFS partition allocated",
        "reload of a missing file returns No LFS partition allocated")
  return
end
check(table.concat(node.LFS.list(), ",") == "_init,m", "the image is in the LFS after the reboot")
dofile("loaders.lua")
print("LOADERS DONE")
LUA
board "$T/l" --until "LOADERS DONE" > "$T/out" 2>&1
lua_checks "$T/out" 6 "LFS reload and loaders"

# a power cut during the boot load: the next boot finds no partial image
spiffs "$T/c"
cp "$T/app/app.img" "$T/c/spiffs/"
printf 'print("LIST " .. tostring(node.LFS.list() and table.concat(node.LFS.list(), ",")))\n' \
	> "$T/c/spiffs/init.lua"
board "$T/c" --reload "$T/app/app.img" --power-cut-at 3 > "$T/out" 2>&1
is $? 99 "power cut during the boot-time LFS load"
board "$T/c" > "$T/out" 2>&1
grep -q '^LFS image corrupted.$' "$T/out" && grep -q '^LIST nil$' "$T/out"
ok $? "next boot: the torn LFS is reported and erased; init.lua runs without LFS"

# a bad image: the error is printed, the LFS stays empty, Lua does not start (§13 Q2)
spiffs "$T/b"
head -c 100 "$T/app/app.img" > "$T/b/spiffs/bad.img"
printf 'print("INIT RAN")\n' > "$T/b/spiffs/init.lua"
board "$T/b" --reload "$T/b/spiffs/bad.img" > "$T/out" 2> "$T/err"
grep -q '^LFS load of bad.img failed: ' "$T/out" && ! grep -q 'INIT RAN' "$T/out"
ok $? "a bad image fails the boot load and init.lua does not run"
# ---- the 5.1 port's node.LFS.reload (§6, lfs-format.md §B4): pass 1 returns
# the firmware's strings and writes nothing; pass 2 never returns, not even
# to a pcall: the watchdog resets the chip (§13 Q1: software watchdog, 2, 3)
mkdir -p "$T/a51"
printf 'print("LFS _init " .. _VERSION)\n' > "$T/a51/_init.lua"
printf 'return "lfs"\n' > "$T/a51/m.lua"
(cd "$T/a51" && "$LFSC" --target nodemcu-lua51 -f -o app.img _init.lua m.lua > /dev/null)
spiffs "$T/l51"
cp "$T/a51/app.img" "$N/loaders.lua" "$T/l51/spiffs/"
head -c 150 "$T/a51/app.img" > "$T/l51/spiffs/short.img"
cp "$T/app/app.img" "$T/l51/spiffs/lua53.img"
python3 - "$T/a51/app.img" "$T/l51/spiffs" <<'PY'
import gzip, struct, sys
raw = gzip.decompress(open(sys.argv[1], 'rb').read())
def put(name, data): open(sys.argv[2] + '/' + name, 'wb').write(data)
def sig(v): return gzip.compress(struct.pack('<I', v) + raw[4:])   # any gzip stream (§B2)
put('version.img', sig(0xfafaa254))   # format version 2
put('build.img', sig(0xfafaa150))     # TValues not packed
put('sig.img', sig(0xfbfaa154))       # another signature
size = struct.unpack('<I', raw[4:8])[0]
put('length.img', gzip.compress(raw[:4] + struct.pack('<I', size + 4) + raw[8:]))
crc = bytearray(gzip.compress(raw)); crc[-8] ^= 1; put('crc.img', bytes(crc))
PY
cat > "$T/l51/spiffs/init.lua" <<'LUA'
dofile("check.lua")
if not node.LFS.list() then
  local want = { {"missing.img", "LFS image file not found"},
    {"short.img", "read error on LFS image file"}, {"lua53.img", "read error on LFS image file"},
    {"version.img", "Incorrect LFS header version"}, {"build.img", "Incorrect LFS build type"},
    {"sig.img", "incorrect LFS header signature"}, {"length.img", "LFS length mismatch"},
    {"crc.img", "checksum error on LFS image file"} }
  for _, w in ipairs(want) do
    local got = node.LFS.reload(w[1])
    check(got == w[2], "reload(" .. w[1] .. ") returns " .. w[2], got)
  end
  local pad, n = {}, 0
  collectgarbage()
  while node.heap() > 20000 do n = n + 1; pad[n] = ("x"):rep(400 + n) end
  check(node.LFS.reload("app.img") == "Memory allocation error",
        "with less than 22 KB free: Memory allocation error", node.heap())
  pad = nil
  collectgarbage()
  check(node.LFS.list() == nil and file.exists("app.img"), "pass 1 wrote nothing")
  print("RELOADING")
  local ok = pcall(node.LFS.reload, "app.img")
  print("RETURNED " .. tostring(ok))
  return
end
check(table.concat(node.LFS.list(), ",") == "_init,m", "the image is in the LFS after the reset")
local raw, ext = node.bootreason()
check(raw == 2 and ext == 3, "the reload ended with a software watchdog reset", raw .. "," .. ext)
check(type(node.LFS.time) == "number" and node.LFS.config.lfs_used > 0, "node.LFS.time and config")
dofile("loaders.lua")
print("LOADERS DONE")
LUA
board "$T/l51" --lua 5.1 --heap 80000 --until "LOADERS DONE" > "$T/out" 2>&1
lua_checks "$T/out" 16 "Lua 5.1: reload"
grep -q '^LFS region updated.  Restarting.$' "$T/out" && ! grep -q '^RETURNED' "$T/out"
ok $? "Lua 5.1: a good reload prints 'LFS region updated.  Restarting.' and never returns"
printf 'return "%s"\n' "$(head -c 6000 /dev/zero | tr '\0' x)" > "$T/a51/pad.lua"
(cd "$T/a51" && "$LFSC" --target nodemcu-lua51 -f -o big.img _init.lua m.lua pad.lua > /dev/null)
spiffs "$T/s51"
cp "$T/a51/big.img" "$T/s51/spiffs/"
echo 'print("GOT " .. node.LFS.reload("big.img"))' > "$T/s51/spiffs/init.lua"
board "$T/s51" --lua 5.1 --partition-size 0x1000 > "$T/out" 2>&1
grep -q '^GOT LFS Image too big for configured LFS region$' "$T/out"
ok $? "Lua 5.1: an image over the partition: LFS Image too big for configured LFS region"

# a power cut at every erase/program step of a 5.1 reload called from
# init.lua: no boot uses a partly written image (the in-progress bit: "Flash
# sig not correct"), the next boot reloads, and the partition ends as after
# an uncut reload
printf 'print("v1")\n' > "$T/a51/_init.lua"
(cd "$T/a51" && "$LFSC" --target nodemcu-lua51 -f -o v1.img _init.lua > /dev/null &&
	"$LFSC" --target nodemcu-lua51 -f -o v2.img m.lua pad.lua > /dev/null)
spiffs "$T/c51"
cp "$T/a51/v2.img" "$T/c51/spiffs/"
echo 'print("idle")' > "$T/c51/spiffs/init.lua"
board "$T/c51" --lua 5.1 --reload "$T/a51/v1.img" > "$T/out" 2>&1
cat > "$T/c51/spiffs/init.lua" <<'LUA'
local l = node.LFS.list()
if l and node.LFS.get("pad") then print("RUNNING " .. table.concat(l, ",")) return end
print("RELOAD " .. tostring(node.LFS.reload("v2.img")))
LUA
cp -a "$T/c51" "$T/c51dry"
board "$T/c51dry" --lua 5.1 --until RUNNING > "$T/out" 2>&1
grep -q '^RUNNING m,pad$' "$T/out"; ok $? "Lua 5.1: an uncut reload from init.lua runs v2"
k=0 bad=0
while :; do
	k=$((k + 1))
	rm -rf "$T/c" && cp -a "$T/c51" "$T/c"
	board "$T/c" --lua 5.1 --power-cut-at $k --until RUNNING > "$T/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && break
	[ $rc -eq 99 ] || { bad=1; echo "# step $k: exit $rc"; break; }
	board "$T/c" --lua 5.1 --until RUNNING > "$T/out2" 2>&1 || bad=1
	grep -q '^RUNNING m,pad$' "$T/out2" || { bad=1; echo "# step $k: v2 not running"; }
	cmp -s "$T/c/flash.bin" "$T/c51dry/flash.bin" || { bad=1; echo "# step $k: flash differs"; }
	cat "$T/out" "$T/out2" | grep -v '^lfs-device: ' | grep -qvxE \
		'|NodeMCU .*|	.*|RUNNING m,pad|LFS region updated.  Restarting.|No LFS image loaded|Flash sig not correct: 0xfafaa15c vs 0xfafaa154' &&
		{ bad=1; echo "# step $k: unexpected output"; }
done
[ $bad -eq 0 ] && [ $k -gt 6 ]
ok $? "Lua 5.1: a power cut at each of the reload's $((k - 1)) flash steps: v2 runs after the next boot"
done_testing
