#!/bin/bash
# Every NodeMCU golden image is reproduced byte for byte by lfsc given the
# golden's seed and timestamp (conformance/README.md): .img, .s.img, .abs.img
# (from the image, as luac.cross -F -a, and straight from the sources), .lc.
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
done_testing
