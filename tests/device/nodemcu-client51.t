#!/usr/bin/env bash
# lfsd's Lua OTA client (device/nodemcu/lfsota.lua) on the emulated 5.1
# board (--lua 5.1) against a real lfsd over TLS, configured with the
# lfsd_cfg.lua lfsd issued. The 5.1 port reloads in-line and never returns
# (nodemcu-api.md §6): an update A -> B from real polls, with a power cut at
# the first and last erase, the first, middle and last block and the
# signature of the reload; the next poll 204; a release of a 5.3 build
# refused (target); a reload error string reported (a 5.3 image in a
# manifest that says 5.1, made with the device's manifest key through
# tests/device/mitm.py: lfsd never makes one); a start-up that raises rolled
# back; the update within the heap budget; a first image already released,
# no `image` line: 204 from its LFS timestamp and size. What does not depend on the port
# (the other refusals, resume) is in nodemcu-client*.t.
. "$(dirname "$0")/lib.sh"
need_lfsd
start_lfsd "$T/data" --poll-interval 1 --report-rate 60000   # reports of refusals and power cuts: more than a device sends
TARGET=nodemcu-lua51 LUA_PORT="--lua 5.1"
. "$ROOT/tests/device/nodemcu/client.sh"
BUDGET=58000   # bytes of the emulated heap on 5.1 (device/nodemcu/README.md, "Heap")

"$LFSC" --target nodemcu-lua51 -p "$C"/*.lua && "$LFSC" -p "$C"/*.lua
ok $? "lfsota.lua, init.lua and _init.lua parse on both ports (lfsc -p)"
build A 1700000000
build B 1700000100
build X 1700000200 "" nodemcu-lua53
build D 1700000300 'error("D is broken")'
build F 1700000500
is "$(od -An -tx1 -N2 "$T/B.img" | tr -d ' ')" 1f8b "5.1 images built with the client (gzip, §B2)"

# the first image is A, already released; lfsd_cfg.lua has no `image` line:
# the poll's LFS timestamp and size tell lfsd the board runs A
rel A
board_setup "${TLS_ADDR##*:}"
! grep -q 'image =' "$T/d/spiffs/lfsd_cfg.lua"; ok $? "lfsd_cfg.lua without an image line"
board "$T/d" --lua 5.1 --reload "$T/A.img" --until "up to date" --run-for 20 > "$T/out" 2> "$T/err"
grep -q '^LFS region updated.  Restarting.$' "$T/out" && grep -q '^MAIN A$' "$T/out" &&
	grep -q 'up to date (HTTP 204)' "$T/out" && ! grep -q 'downloading\|report' "$T/out" &&
	[ -z "$(events)" ]
ok $? "the console reload loads A in-line; the board runs A, released: 204, nothing downloaded or reported"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$S_A" "lfsd shows A running"

# ---- A -> B, and a power cut at representative steps of the in-line reload
rel B
board "$T/d" --lua 5.1 --until "delivered	downloaded" --run-for 60 > "$T/out" 2> "$T/err"
grep -q "delivered	downloaded	$S_B" "$T/out"; ok $? "B downloaded and verified; the reload comes next"
cp -a "$T/d" "$T/ready"
# the reload's flash operations: erase sectors 0..(size-1)/4096, 2 KB blocks, signature
SIZE=$(python3 -c 'import gzip,struct,sys; print(struct.unpack("<I", gzip.decompress(open(sys.argv[1],"rb").read())[4:8])[0])' "$T/B.img")
E=$(( (SIZE - 1) / 4096 + 1 )) P=$(( (SIZE + 2047) / 2048 ))
bad=0 cuts=0
for k in 1 $E $((E + 1)) $((E + P / 2)) $((E + P)) $((E + P + 1)); do
	rm -rf "$T/d" && cp -a "$T/ready" "$T/d"
	board "$T/d" --lua 5.1 --power-cut-at $k --run-for 60 > "$T/out" 2> "$T/err"
	[ $? -eq 99 ] || { bad=1; echo "# step $k: no power cut"; continue; }
	cuts=$((cuts + 1))
	board "$T/d" --lua 5.1 --until committed --run-for 60 > "$T/out2" 2> "$T/err2" || bad=1
	grep -q "^MAIN B$" "$T/out2" && grep -q "committed" "$T/out2" || { bad=1; echo "# step $k: not committed"; }
	cat "$T/out" "$T/out2" | grep '^MAIN' | grep -qv '^MAIN [AB]$' && bad=1
done
[ $bad -eq 0 ] && [ $cuts -eq 6 ]
ok $? "a power cut at steps 1, $E, $((E + 1)), $((E + P / 2)), $((E + P)), $((E + P + 1)) of $((E + P + 1)): B runs and is committed"
rm -rf "$T/d" && cp -a "$T/ready" "$T/d"
board "$T/d" --lua 5.1 --until committed --run-for 60 > "$T/out" 2> "$T/err"
grep -q '^LFS region updated.  Restarting.$' "$T/out" && grep -q '^MAIN B$' "$T/out" &&
	grep -q "^lfsota:	image	$S_B	committed$" "$T/out"
ok $? "uncut: the reload never returns, the watchdog resets, B runs and is committed"
events | cut -d: -f1 | tr '\n' , | grep -qx 'downloading,downloaded,\(applied,booted,\)*applied,booted,'
ok $? "lfsd saw downloading, downloaded, then applied and booted (once per cut run)"
is "$(admin GET /devices/dev-1 | jq -r .running_sha256)" "$S_B" "lfsd shows B running"

# ---- refusals before the reload, and the reload's own error string
n0=$(events | wc -l)
board "$T/d" --lua 5.1 --until "up to date" --run-for 20 > "$T/out" 2> "$T/err"
grep -q 'up to date (HTTP 204)' "$T/out" && ! grep -q downloading "$T/out" && [ "$(events | wc -l)" -eq "$n0" ]
ok $? "the next poll gets 204: nothing downloaded, nothing reported"
rel X
refused "a release of a 5.3 build" "image target nodemcu-lua53 is not nodemcu-lua51"
start_mitm
cfg_port "${MITM_ADDR##*:}"
text_poll dev-1 "$KEY" "&current=$S_B" | sed 's/^target nodemcu-lua53$/target nodemcu-lua51/' > "$T/X51.txt"
grep -q "^sha256 $S_X$" "$T/X51.txt"; ok $? "lfsd's manifest of X (5.3), its target changed to 5.1"
forge "$T/X51.txt"
refused "a 5.3 image offered as a 5.1 one" "node.LFS.reload: read error on LFS image file"
mitm_honest
cfg_port "${TLS_ADDR##*:}"

# ---- rollback: D's start-up raises; the previous image is reloaded in-line
rel D
board "$T/d" --lua 5.1 --until "delivered	booted	$S_B" --run-for 60 > "$T/out" 2> "$T/err"
grep -q '^MAIN D$' "$T/out" && [ "$(grep '^MAIN' "$T/out" | tail -n 1)" = "MAIN B" ]
ok $? "D started, raised, and B runs again"
admin GET /devices/dev-1 | jq -e --arg s "$S_D" '.events | map(select(.state == "rolled-back" and
	.sha256 == $s and (.detail | test("start-up failed.*D is broken")))) | length == 1' > /dev/null
ok $? "rolled-back reported for D with the reason"

# ---- the heap budget: the update, with the 5.1 loader's 22 KB, fits in it
rel F
board "$T/d" --lua 5.1 --heap $BUDGET --rx-chunk 1 --until committed --run-for 90 > "$T/out" 2> "$T/err"
grep -q '^MAIN F$' "$T/out" && grep -q committed "$T/out" &&
	! grep -q 'Memory allocation error\|not delivered' "$T/out"
ok $? "with the budget ($BUDGET bytes) and 1-byte receive chunks F is committed, every report at once"
done_testing
