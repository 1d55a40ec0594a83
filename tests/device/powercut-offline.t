#!/usr/bin/env bash
# Power cut at every erase/program step of a console reload (no server):
# after each cut the next power-on finishes the load, the new image's _init
# runs, the partition equals lfsc's absolute image, and no run ever prints
# anything from a partly written image.
. "$(dirname "$0")/lib.sh"

make_app "$T/v1" v1
make_app "$T/v2" v2
cp "$APPS"/http_server/*.lua "$T/v2/" && (cd "$T/v2" && "$LFSC" -f -o app.img --timestamp 1700000000 ./*.lua)
(cd "$T/v2" && "$LFSC" -a 0x40296000 -o abs.img --timestamp 1700000000 ./*.lua)
V2=$(sha256 "$T/v2/app.img")

"$DEV" --data "$T/base" --reload "$T/v1/app.img" --once > "$T/out" 2> "$T/err"
ok $? "v1 installed from the console"
grep -q '^MARKER v1 {"a":1}$' "$T/out"; ok $? "v1 _init ran from flash"

cp -r "$T/base" "$T/dry"
"$DEV" --data "$T/dry" --reload "$T/v2/app.img" --once > "$T/out" 2> "$T/err"
grep -q '^MARKER v2 {"a":1}$' "$T/out"; ok $? "an uncut reload runs v2"
OPS=$(sed -n 's/.*flash operations \([0-9]*\)$/\1/p' "$T/err")
[ "${OPS:-0}" -gt 10 ]; ok $? "a reload takes $OPS erase/program operations"

bad_exit=0; bad_boot=0; bad_flash=0; partial=0; bad_state=0; torn=0
for n in $(seq 1 "$OPS"); do
	d=$T/cut$n
	cp -r "$T/base" "$d"
	"$DEV" --data "$d" --reload "$T/v2/app.img" --once --power-cut-at "$n" > "$d.out1" 2> "$d.err1"
	[ $? -eq 99 ] || { bad_exit=1; echo "# step $n: no power cut"; }
	"$DEV" --data "$d" --once > "$d.out2" 2> "$d.err2"
	grep -q '^MARKER v2 {"a":1}$' "$d.out2" || { bad_boot=1; echo "# step $n: v2 did not run"; }
	grep -q 'torn LFS load detected' "$d.err2" && torn=$((torn + 1))
	# every line any run printed is a whole marker of v1 or v2
	cat "$d.out1" "$d.out2" | grep -v -E '^MARKER v[12] \{"a":1\}$' | grep -q . && partial=1
	cmp -s "$T/v2/abs.img" <(head -c "$(stat -c %s "$T/v2/abs.img")" "$d/flash.bin") ||
		{ bad_flash=1; echo "# step $n: flash differs from lfsc -a"; }
	[ "$(jq -r .current "$d/state.json")/$(jq -r .phase "$d/state.json")" = "$V2/idle" ] &&
		jq -e --arg s "$V2" '[.outbox[] | select(.state=="booted" and .sha256==$s)] | length == 1' \
			"$d/state.json" >/dev/null || { bad_state=1; echo "# step $n: state"; }
done
ok $bad_exit "each of the $OPS runs ended in a power cut"
ok $bad_boot "after each cut the next power-on runs v2"
ok $partial "no run printed anything but whole v1/v2 markers"
ok $bad_flash "after each cut the partition equals lfsc's absolute image of v2"
ok $bad_state "after each cut v2 is current and its booted report is queued"
[ $torn -gt 0 ]; ok $? "torn loads were detected at boot ($torn of $OPS)"

# the same over a failed update: v3's _init raises, the device rolls back to v1;
# a cut anywhere in the v3 load or in the rollback load ends with v1 running
make_app "$T/v3" v3
echo 'error("v3 is broken")' >> "$T/v3/_init.lua"
(cd "$T/v3" && "$LFSC" -f -o app.img --timestamp 1700000000 ./*.lua)
V1=$(jq -r .current "$T/base/state.json")
V3=$(sha256 "$T/v3/app.img")
cp -r "$T/base" "$T/dry3"
"$DEV" --data "$T/dry3" --reload "$T/v3/app.img" --once > "$T/out" 2> "$T/err"
is "$(tail -n 1 "$T/out")" 'MARKER v1 {"a":1}' "an uncut failed update rolls back to v1"
OPS3=$(sed -n 's/.*flash operations \([0-9]*\)$/\1/p' "$T/err")
[ "${OPS3:-0}" -gt "$OPS" ]; ok $? "load of v3 plus the rollback load take $OPS3 operations"
bad=0
for n in $(seq 1 "$OPS3"); do
	d=$T/rb$n
	cp -r "$T/base" "$d"
	"$DEV" --data "$d" --reload "$T/v3/app.img" --once --power-cut-at "$n" > "$d.out1" 2> "$d.err1"
	[ $? -eq 99 ] || { bad=1; echo "# step $n: no power cut"; }
	"$DEV" --data "$d" --once > "$d.out2" 2> "$d.err2"
	[ "$(tail -n 1 "$d.out2")" = 'MARKER v1 {"a":1}' ] || { bad=1; echo "# step $n: v1 not running"; }
	cmp -s "$T/dry3/flash.bin" "$d/flash.bin" || { bad=1; echo "# step $n: flash differs"; }
	[ "$(jq -r '.current + " " + .bad + " " + .phase' "$d/state.json")" = "$V1 $V3 idle" ] &&
		jq -e --arg s "$V3" '[.outbox[] | select(.state == "rolled-back" and .sha256 == $s)] |
			length == 1' "$d/state.json" > /dev/null || { bad=1; echo "# step $n: state"; }
done
ok $bad "a cut at each of the $OPS3 steps of a failed update ends with v1 running, v3 rolled back"
done_testing
