#!/bin/bash
# lfsc's command line: luac.cross's texts and exit codes where it fixes them
# (lfs-format.md §A1), and the extras: --json, --inspect, --target, -m enforced,
# stdin, -o -, the "__" order fix, SOURCE_DATE_EPOCH; the 5.1 port's rules
# (§B1): Image size, luac.out, 50 modules, -m, 256 KB, -s, -a, -o, -v.
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

# ---- nodemcu-lua51 (§B1) ----
T51="--target nodemcu-lua51 --timestamp 9"
mkdir -p l51 && cd l51
printf 'return 1\n' > a.lua
is "$("$LFSC" $T51 -f a.lua)" "Image size: 388" "5.1: -f prints the image size on stdout"
[ -s luac.out ]; ok $? "5.1: default output luac.out"
is "$("$LFSC" $T51 -f -o -x a.lua)" "Image size: 388" "5.1: -o takes a name starting with '-'"
[ -s ./-x ]; ok $? "5.1: ... and writes it"
"$LFSC" $T51 -f -o - a.lua > s.img 2>/dev/null && "$LFSC" $T51 -f -o f.img a.lua > /dev/null
cmp -s s.img f.img; ok $? "5.1: -o - writes only the image to stdout"
for i in $(seq 1 51); do printf 'return %d\n' "$i" > "m$i.lua"; done
out=$("$LFSC" $T51 -f -o m.img m*.lua 2>&1); rc=$?
is "${out#*: }" "'-f': Number of modules > 50" "5.1: more than 50 modules refused"
is $rc 1 "5.1: 51 modules: exit 1"
"$LFSC" $T51 -f -o m.img $(ls m*.lua | head -50) > /dev/null; ok $? "5.1: 50 modules accepted"
out=$("$LFSC" $T51 -f -m 1000 a.lua 2>&1 | head -1)
is "${out#*: }" "'-m' maximum size must be a multiple of 4,096" "5.1: -m multiple of 4096"
(cd "$CONF/lua51/src/json51" && "$LFSC" $T51 -f -m 4096 -o "$T/l51/big.img" *.lua > "$T/l51/out" 2> "$T/l51/err"); rc=$?
is "$(cat out)" "Image size: 12084" "5.1: -m: the image size is printed first"
is "$(sed 's/^[^:]*: //' err | grep -v warning)" "The image is too large for specfied LFS size" "5.1: -m enforced with luac.cross's text"
is $rc 1 "5.1: -m: exit 1"
[ ! -e big.img ]; ok $? "5.1: -m: no image written"
{ printf 'return {\n'; for i in $(seq 1 270); do printf '"%s%04d",\n' "$(head -c 1000 /dev/zero | tr '\0' x)" "$i"; done; printf '}\n'; } > huge.lua
out=$("$LFSC" $T51 -f -o huge.img huge.lua 2>&1); rc=$?
is "${out#*: }" "Out of Flash memory" "5.1: over 256 KB: Out of Flash memory"
is $rc 1 "5.1: over 256 KB: exit 1"
"$LFSC" $T51 -f -s -o s1.img a.lua > /dev/null
cmp -s s1.img f.img; ok $? "5.1: -s does not change an image"
"$LFSC" $T51 -o a.lc a.lua && "$LFSC" $T51 -s -o as.lc a.lua
is "$(od -An -tx1 -j12 -N4 as.lc | tr -d ' ')" "00000000" "5.1: -s drops the .lc source name"
[ "$(stat -c %s as.lc)" -lt "$(stat -c %s a.lc)" ]; ok $? "5.1: -s makes the .lc smaller"
out=$("$LFSC" $T51 -a 0x40200000 a.lua 2>&1 | head -1)
is "${out#*: }" "'-a' absolute address must be valid flash address" "5.1: -a below 0x40210000 refused"
"$LFSC" $T51 -a 0x40310000 -o hi.img a.lua > /dev/null; ok $? "5.1: -a 0x40310000 accepted"
is "$(od -An -tx1 -N4 hi.img | tr -d ' ')" "55a1fafa" "5.1: absolute signature 0xfafaa155"
is "$("$LFSC" --target nodemcu-lua51 -v)" "Lua 5.1.4  Copyright (C) 1994-2011 Lua.org, PUC-Rio" "5.1: -v"
out=$("$LFSC" $T51 -f -o d.img a.lua "$T/sub/a.lua" 2>&1); rc=$?
is "${out#*: }" "Cannot have duplicate files ('a.lua') in LFS" "5.1: duplicate module refused"
j=$("$LFSC" $T51 --json -f -o j.img a.lua)
is "$(echo "$j" | jq -r '[.kind,.target,.flash_size,.image_size]|map(tostring)|join(" ")')" \
	"image nodemcu-lua51 388 $(stat -c %s j.img)" "5.1: --json describes the build"
is "$("$LFSC" --inspect j.img --json | jq -r '[.target,.absolute,.flash_size,.timestamp,.modules[0].name]|map(tostring)|join(" ")')" \
	"nodemcu-lua51 false 388 9 a" "5.1: --inspect --json"
is "$("$LFSC" --inspect hi.img --json | jq -r '[.absolute,.base_address]|map(tostring)|join(" ")')" \
	"true $((0x40310000))" "--inspect reads an absolute 5.1 image"
"$LFSC" -f -a 0x40296000 --timestamp 9 -o abs53.img a.lua
is "$("$LFSC" --inspect abs53.img --json | jq -r '[.target,.absolute,.base_address]|map(tostring)|join(" ")')" \
	"nodemcu-lua53 true $((0x40296000))" "--inspect reads lfsc's own absolute 5.3 image"
head -c 205 j.img > t.img
out=$("$LFSC" --inspect t.img 2>&1); rc=$?
is "${out#*: t.img: }" "inflated size 1048970753 is over the 5.1 port's maximum of 270336 bytes" \
	"5.1: a truncated image is refused before inflating"
is $rc 1 "5.1: --inspect on a bad image exits 1"
done_testing
