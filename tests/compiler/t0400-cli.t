#!/bin/bash
# lfsc's command line: luac.cross's texts and exit codes where it fixes them
# (lfs-format.md §A1), and the extras: --json, --inspect, --target, -m enforced,
# stdin, -o -, the "__" order fix, SOURCE_DATE_EPOCH.
. "$(dirname "$0")/../lib.sh"
cd "$T"
printf 'return 1\n' > a.lua
mkdir -p sub && printf 'return 2\n' > sub/a.lua
printf 'local t = {}\nfunction t.f() return "x" end\nreturn t\n' > b.lua
printf 'return "second"\n' > __second.lua

out=$("$LFSC" -f -o x.img nofile.lua 2>&1); rc=$?
is "${out#*: }" "cannot open nofile.lua: No such file or directory" "missing input: luac.cross's text"
is $rc 1 "missing input: exit 1"

out=$("$LFSC" -f -o x.img a.lua sub/a.lua 2>&1); rc=$?
is "${out#*: }" "Cannot have duplicate files ('a.lua') in LFS" "duplicate module: luac.cross's text"
is $rc 1 "duplicate module: exit 1"

out=$("$LFSC" -f -m 1000 a.lua 2>&1 | head -1); is "${out#*: }" '"-m" maximum size must be a multiple of 4,096' "-m must be a multiple of 4096"
(cd "$CONF/lua53/src/http_server" && "$LFSC" -f -m 4096 -o "$T/m.img" *.lua 2>"$T/err"); rc=$?
is $rc 1 "-m 4096 is enforced (the image needs more flash)"
grep -q 'more than the maximum of 4096' "$T/err"; ok $? "-m error says how much is needed"
[ ! -e m.img ]; ok $? "-m: no image written"
"$LFSC" -f -m 0x40000 -o m.img a.lua b.lua; ok $? "-m 0x40000 accepts a small image"

out=$("$LFSC" -f -a 0x50000000 a.lua 2>&1 | head -1)
is "${out#*: }" '"-a" absolute address must be valid flash address' "-a out of range"
out=$("$LFSC" -x 2>&1 | head -1); is "${out#*: }" "unrecognized option '-x'" "unknown option"
"$LFSC" -x >/dev/null 2>&1; is $? 2 "unknown option: exit 2 (luac.cross: 1; see compiler/README.md)"
out=$("$LFSC" 2>&1 | head -1); is "${out#*: }" "no input files given" "no input files"
is "$("$LFSC" -v)" "Lua 5.3.6  Copyright (C) 1994-2020 Lua.org, PUC-Rio" "-v"

printf 'return 1\n' | "$LFSC" -f --timestamp 5 -o s.img -; ok $? "stdin with -"
"$LFSC" --inspect s.img | grep -q '^    stdin '; ok $? "stdin module is named stdin"
"$LFSC" -f --timestamp 5 -o - a.lua > o.img && "$LFSC" -f --timestamp 5 -o f.img a.lua
cmp -s o.img f.img; ok $? "-o - writes the image to stdout"

SOURCE_DATE_EPOCH=1704067200 "$LFSC" -f -o e.img a.lua
is "$("$LFSC" --inspect e.img --json | jq .timestamp)" 1704067200 "timestamp defaults to SOURCE_DATE_EPOCH"
"$LFSC" -f --timestamp 7 --seed 0x89ba1c22 -o seed.img a.lua
is "$(od -An -tx1 -j21 -N5 seed.img | tr -d ' \n')" "c7b297c75d" "--seed 0x89ba1c22 is written as -1984291806 (§A3.2)"
"$LFSC" -f --timestamp 7 --seed 4294967295 -o seedmax.img a.lua; ok $? "--seed 4294967295 (the largest) is accepted"
"$LFSC" --inspect seedmax.img --json | jq -e '.seed == 4294967295' >/dev/null; ok $? "--seed 4294967295 is the image's seed"
for bad in 4294967296 0x100000000 -1 12x ''; do
	out=$("$LFSC" -f --seed "$bad" -o bad.img a.lua 2>&1); rc=$?
	out=$(echo "$out" | head -1)
	is "${out#*: }" "'--seed' needs a number from 0 to 4294967295, not '$bad'" \
		"--seed '$bad' is rejected with the range"
	is $rc 1 "--seed '$bad': exit 1, as other usage errors"
done
[ ! -e bad.img ]; ok $? "a rejected --seed writes no image"

j=$("$LFSC" --json -f --timestamp 9 -o j.img a.lua b.lua)
is "$(echo "$j" | jq -r '[.ok,.kind,.target,.timestamp,(.modules|map(.name)|join(","))]|map(tostring)|join(" ")')" \
	"true image nodemcu-lua53 9 a,b" "--json describes the build"
is "$(echo "$j" | jq .image_size)" "$(stat -c %s j.img)" "--json image_size is the file size"
is "$(echo "$j" | jq '[.modules[].image_bytes] | all(. > 0)')" true "--json module sizes"
fs=$("$LFSC" -f -a 0x40210000 --timestamp 9 -o abs.img a.lua b.lua && stat -c %s abs.img)
is "$(echo "$j" | jq .flash_size)" "$fs" "--json flash_size is the absolute image size"

"$LFSC" -f --target nodemcu-lua53-64 -o w.img a.lua
is "$(od -An -tx1 -j12 -N4 w.img | tr -d ' \n')" "04040808" "--target nodemcu-lua53-64 header sizes"
"$LFSC" --inspect w.img | grep -q 'target nodemcu-lua53-64'; ok $? "--inspect reports the target"

"$LFSC" -f -o u.img a.lua __second.lua 2>warn.txt
is "$("$LFSC" --inspect u.img --json | jq -r '[.modules[].name]|join(",")')" "__second,a" "'__' module moved to the front"
grep -q "warning: __second.lua: module '__second' moved" warn.txt; ok $? "the move is reported as a warning"

head -c 100 j.img > t.img
out=$("$LFSC" --inspect t.img 2>&1); rc=$?
is "$out" "$LFSC: t.img: truncated precompiled chunk" "--inspect rejects a truncated image with the loader's text"
is $rc 1 "--inspect on a bad image exits 1"
"$LFSC" -o b.lc b.lua && "$LFSC" -f --seed 1 --timestamp 1 -o from_lc.img a.lua b.lc &&
	"$LFSC" -f --seed 1 --timestamp 1 -o from_src.img a.lua b.lua
cmp -s from_lc.img from_src.img; ok $? "a precompiled .lc input gives the same image as its source (§A1.3)"
out=$("$LFSC" --target nodemcu-lua53-64 -f -o z.img b.lc 2>&1)
is "${out#*: }" "b.lc: lua_Integer size mismatch in precompiled chunk" ".lc for another target is refused"
done_testing
