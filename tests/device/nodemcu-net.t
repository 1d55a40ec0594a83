#!/usr/bin/env bash
# The emulated `net` module (nodemcu-api.md §1, §12) against a real lfsd over
# plain HTTP: chunk sizes for --rx-chunk 1460, 1 and random give the same
# bytes; TCP_SND_BUF; sent per segment; FIN and error events; close rules;
# names; hold's window; the nil socket after close() inside receive.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd
N=$ROOT/tests/device/nodemcu
make_app "$T/app" net
B=$(upload_build "$T/app")
admin GET "/builds/$B/lfs.img" > "$T/img"
SIZE=$(stat -c %s "$T/img")
[ "$B" = 1 ] && [ "$SIZE" -gt 8000 ]; ok $? "build 1: an image of $SIZE bytes to download"
mkdir -p "$T/d/spiffs"
cp "$N/check.lua" "$N/net.lua" "$N/netclose.lua" "$T/d/spiffs/"
cat > "$T/d/spiffs/cfg.lua" <<LUA
return { port = ${URL##*:}, token = "$TOKEN", size = $SIZE, sha = "$(sha256 "$T/img")" }
LUA
echo 'dofile("net.lua")' > "$T/d/spiffs/init.lua"

board "$T/d" --until "NET DONE" --run-for 30 > "$T/out" 2> "$T/err"
ok $? "net.lua ran (1460-byte chunks)"
lua_checks "$T/out" 17 "net"
max=$(sed -n 's/^CHUNKS max=\([0-9]*\).*/\1/p' "$T/out")
is "$max" 1460 "receive chunks are at most, and up to, 1460 bytes"

board "$T/d" --until "NET DONE" --run-for 30 --rx-chunk 1 > "$T/out" 2>&1
grep -q '^ok the whole image arrives intact$' "$T/out" && grep -q '^CHUNKS max=1 ' "$T/out"
ok $? "1-byte chunks: the same image"
board "$T/d" --until "NET DONE" --run-for 30 --rx-chunk random --seed 7 > "$T/out" 2>&1
n=$(sed -n 's/^CHUNKS max=[0-9]* n=\([0-9]*\)/\1/p' "$T/out")
grep -q '^ok the whole image arrives intact$' "$T/out" && [ "$n" -gt $((SIZE / 1460 + 1)) ]
ok $? "random chunks in random bursts: the same image ($n receive calls)"

# the same rules on the 5.1 port (the module code is shared; its Lua is not)
board "$T/d" --lua 5.1 --until "NET DONE" --run-for 30 > "$T/out" 2> "$T/err"
ok $? "Lua 5.1: net.lua ran"
lua_checks "$T/out" 17 "Lua 5.1: net"

echo 'dofile("netclose.lua")' > "$T/d/spiffs/init.lua"
board "$T/d" --until "NET DONE" --run-for 30 --rx-chunk 1 > "$T/out" 2>&1
lua_checks "$T/out" 1 "close in receive"
done_testing
