#!/usr/bin/env bash
# The emulated NodeMCU firmware (lfs-device --client lua) keeps the rules of
# nodemcu-api.md §0, §4-§8 and §12 that need no network: tests/device/
# nodemcu/modules.lua checks them from inside (one TAP line per rule); the
# rest here checks resets, RTC memory, the heap cap, the loader order and
# node.LFS.reload across boots.
. "$(dirname "$0")/lib.sh"
N=$ROOT/tests/device/nodemcu
spiffs() { mkdir -p "$1/spiffs" && cp "$N/check.lua" "$1/spiffs/"; }

spiffs "$T/m"
cp "$N/modules.lua" "$T/m/spiffs/init.lua"
board "$T/m" --spiffs-size 0x20000 --until "BOOT2 DONE" > "$T/out" 2> "$T/err"
ok $? "modules.lua: two boots, exit 0"
lua_checks "$T/out" 42 "modules.lua"
grep -q '^STILL RUNNING AFTER RESTART$' "$T/out"; ok $? "node.restart() is deferred until the task returns"

# RTC memory: kept across a reset pin start, garbage after a power-on (§13 Q9)
spiffs "$T/r"
cat > "$T/r/spiffs/init.lua" <<'LUA'
print("RTC " .. tostring(rtcmem.read32(0)) .. " BOOT " .. table.concat({node.bootreason()}, ","))
rtcmem.write32(0, 424242)
LUA
board "$T/r" > "$T/out" 2>&1
board "$T/r" --reset > "$T/out2" 2>&1
grep -q '^RTC 424242 BOOT 2,6$' "$T/out2"; ok $? "--reset keeps RTC memory; bootreason 2, 6"
board "$T/r" > "$T/out3" 2>&1
grep -q '^RTC .* BOOT 1,0$' "$T/out3" && ! grep -q '^RTC 424242 ' "$T/out3"
ok $? "a power-on finds garbage in RTC memory; bootreason 1, 0"

# a net callback error is a PANIC: the chip resets (5.3: exception, 2, 2)
spiffs "$T/p"
cat > "$T/p/spiffs/init.lua" <<'LUA'
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
board "$T/p" --until "AFTER PANIC" > "$T/out" 2> "$T/err"
grep -q '^PANIC: unprotected error in call to Lua API (.*callback raised -9)$' "$T/out"
ok $? "an error in a net callback is a PANIC (refused connect: reconnection(sock, -9))"
grep -q '^AFTER PANIC 2,2,29,' "$T/out"; ok $? "the next boot reports an exception reset with exccause"

# the default onerror prints and restarts after 2 s (node.c:33-46)
spiffs "$T/o"
cat > "$T/o/spiffs/init.lua" <<'LUA'
if file.exists("errored") then print("RESTARTED " .. table.concat({node.bootreason()}, ",")) return end
file.putcontents("errored", "1")
node.task.post(function() error("task failed") end)
LUA
SECONDS=0
board "$T/o" --until RESTARTED > "$T/out" 2>&1
grep -q 'task failed' "$T/out" && grep -q '^RESTARTED 2,4$' "$T/out"
ok $? "a task error is printed by the default onerror, which restarts"
[ $SECONDS -ge 2 ]; ok $? "the restart comes 2 s later"

# the heap cap: a clean Lua memory error, node.heap() counts down
spiffs "$T/h"
cat > "$T/h/spiffs/init.lua" <<'LUA'
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
board "$T/h" --heap 60000 > "$T/out" 2>&1
lua_checks "$T/out" 3 "heap cap"

# loader order .lc > .lua > LFS (§0, §8); node.LFS.reload through the boot load
mkdir -p "$T/app" && printf 'return "lfs"\n' > "$T/app/m.lua"
printf 'print("LFS _init")\n' > "$T/app/_init.lua"
(cd "$T/app" && "$LFSC" -f -o app.img _init.lua m.lua)
spiffs "$T/l"
cp "$T/app/app.img" "$T/l/spiffs/"
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
table.insert(package.loaders, function(n) return node.LFS.get(n) end)
check(require("m") == "lfs", "require finds the LFS module last")
package.loaded.m = nil
file.putcontents("m.lua", 'return "lua"')
check(require("m") == "lua", "a SPIFFS m.lua shadows the LFS module")
package.loaded.m = nil
-- a binary chunk; the emulator loads standard 5.3 chunks (not luac.cross's format 10)
file.putcontents("m.lc", string.dump(load('return "lc"')))
check(require("m") == "lc", "a SPIFFS m.lc beats m.lua")
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
done_testing
