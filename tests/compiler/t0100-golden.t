#!/bin/bash
# Every NodeMCU golden image is reproduced byte for byte by lfsc given the
# golden's seed and timestamp (conformance/README.md): .img, .s.img, .abs.img
# (from the image, as luac.cross -F -a, and straight from the sources), .lc.
# Lua 5.1 port (nodemcu-lua51, timestamp 1704067200): the 5 apps' .img and
# .abs.img (-a 0x40296000), the 11 edge cases' .img and .lc; for the gzip
# images both the inflated content (raw image + bitmap) and the file itself.
. "$(dirname "$0")/../lib.sh"
M=$CONF/lua53/golden/MANIFEST.json
G=$CONF/lua53/golden
for app in $(jq -r 'keys[]' "$M"); do
	files=$(jq -r ".\"$app\".files[]" "$M")
	for kind in image stripped_image; do
		f=$(jq -r ".\"$app\".$kind.file" "$M")
		seed=$(jq -r ".\"$app\".$kind.seed" "$M")
		ts=$(jq -r ".\"$app\".$kind.timestamp" "$M")
		s=; [ $kind = stripped_image ] && s=-s
		(cd "$CONF/lua53/src/$app" && "$LFSC" -f $s --seed "$seed" --timestamp "$ts" \
			-o "$T/$f" $files 2>/dev/null)
		cmp -s "$T/$f" "$G/$f"; ok $? "$f byte-identical"
	done
	a=$(jq -r ".\"$app\".absolute_image.file // empty" "$M")
	[ -n "$a" ] || continue
	base=$(jq -r ".\"$app\".absolute_image.base_address" "$M")
	"$LFSC" -F "$G/$app.img" -a "$base" -o "$T/$a"
	cmp -s "$T/$a" "$G/$a"; ok $? "$a byte-identical (-F image -a $base)"
	seed=$(jq -r ".\"$app\".image.seed" "$M")
	ts=$(jq -r ".\"$app\".image.timestamp" "$M")
	(cd "$CONF/lua53/src/$app" && "$LFSC" -f -a "$base" --seed "$seed" --timestamp "$ts" \
		-o "$T/src.$a" $files 2>/dev/null)
	cmp -s "$T/src.$a" "$G/$a"; ok $? "$a byte-identical (straight from sources)"
done
for lc in "$G"/lc/*.lc; do
	b=$(basename "$lc" .lc); app=${b%%.*}; mod=${b#*.}
	(cd "$CONF/lua53/src/$app" && "$LFSC" -o "$T/$b.lc" "$mod.lua")
	cmp -s "$T/$b.lc" "$lc"; ok $? "lc/$b.lc byte-identical"
done

L51=$CONF/lua51
same_img51() {   # same_img51 GOT GOLDEN NAME: inflated content, then the file
	cmp -s <(gzip -dc < "$1") <(gzip -dc < "$2"); ok $? "$3: inflated content identical"
	cmp -s "$1" "$2"; ok $? "$3: gzip file byte-identical"
}
for order in "$L51"/golden/*.order; do
	app=$(basename "$order" .order)
	[ "$app" = limits51 ] && continue
	(cd "$L51/src/$app" && "$LFSC" --target nodemcu-lua51 -f --timestamp 1704067200 \
		-o "$T/$app.img" $(cat "$order") >/dev/null 2>&1)
	same_img51 "$T/$app.img" "$L51/golden/$app.img" "5.1 $app.img"
	(cd "$L51/src/$app" && "$LFSC" --target nodemcu-lua51 -a 0x40296000 --timestamp 1704067200 \
		-o "$T/$app.abs.img" $(cat "$order") >/dev/null 2>&1)
	cmp -s "$T/$app.abs.img" "$L51/golden/$app.abs.img"; ok $? "5.1 $app.abs.img byte-identical"
done
for src in "$L51"/edge/*.lua; do
	b=$(basename "$src" .lua)
	(cd "$L51/edge" && "$LFSC" --target nodemcu-lua51 -f --timestamp 1704067200 \
		-o "$T/$b.img" "$b.lua" >/dev/null 2>&1 &&
		"$LFSC" --target nodemcu-lua51 -o "$T/$b.lc" "$b.lua" 2>/dev/null)
	same_img51 "$T/$b.img" "$L51/edge/golden/$b.img" "5.1 edge $b.img"
	cmp -s "$T/$b.lc" "$L51/edge/golden/$b.lc"; ok $? "5.1 edge $b.lc byte-identical"
done
exp=$(sed 's/^[^:]*: //' "$L51/golden/limits51.expected-error")
got=$(cd "$L51/src/limits51" && "$LFSC" --target nodemcu-lua51 -f -o "$T/l.img" \
	$(cat "$L51/golden/limits51.order") 2>&1 >/dev/null); rc=$?
is "$(echo "$got" | grep -v ': warning: ' | sed 's/^[^:]*: //')" "$exp" \
	"5.1 limits51 refused with luac.cross's message"
is "$rc" 1 "5.1 limits51: exit 1"
done_testing
