#!/bin/bash
# Round trip: every image lfsc writes is accepted by the image reader, and the
# listing of the read-back image equals the listing of the compile (both
# targets, with and without -s). Same inputs and options give the same bytes.
# nodemcu-lua51: the gzip image and the absolute image read back list as the
# compile did; the absolute image laid out again from the read-back image
# (-F img -a) is the one built from the sources; .lc files of each input
# build the same image as the sources.
. "$(dirname "$0")/../lib.sh"
for app in "$CONF"/lua53/src/*/; do
	app=$(basename "$app")
	for target in nodemcu-lua53 nodemcu-lua53-64; do
		for s in "" -s; do
			name="$app $target ${s:-(no -s)}"
			(cd "$CONF/lua53/src/$app" && "$LFSC" -f $s --target $target --timestamp 1700000000 \
				-l -l -o "$T/a.img" *.lua > "$T/compile.lst" 2>/dev/null)
			"$LFSC" -F "$T/a.img" -l -l > "$T/read.lst" 2>"$T/err"
			ok $? "$name: image reader accepts the image"
			cmp -s "$T/compile.lst" "$T/read.lst"; ok $? "$name: read-back listing equals compile listing"
		done
	done
	(cd "$CONF/lua53/src/$app" && "$LFSC" -f --timestamp 1 -o "$T/b.img" *.lua 2>/dev/null)
	cmp -s "$T/a.img" "$T/b.img" 2>/dev/null
	(cd "$CONF/lua53/src/$app" && "$LFSC" -f --timestamp 1 -o "$T/c.img" *.lua 2>/dev/null)
	cmp -s "$T/b.img" "$T/c.img"; ok $? "$app: same inputs and options give the same bytes"
done
for dir in "$CONF"/lua51/src/*/ "$CONF"/lua51/edge/; do
	app=$(basename "$dir")
	[ "$app" = limits51 ] && continue
	cd "$dir"
	opt="--target nodemcu-lua51 --timestamp 1700000000"
	"$LFSC" $opt -f -l -l -o "$T/a.img" *.lua 2>/dev/null | grep -v '^Image size: ' > "$T/compile.lst"
	"$LFSC" -F "$T/a.img" -l -l > "$T/read.lst" 2>"$T/err"
	ok $? "5.1 $app: image reader accepts the image"
	cmp -s "$T/compile.lst" "$T/read.lst"; ok $? "5.1 $app: read-back listing equals compile listing"
	"$LFSC" $opt -a 0x40296000 -o "$T/a.abs" *.lua >/dev/null 2>&1
	"$LFSC" -F "$T/a.abs" -l -l > "$T/abs.lst" 2>"$T/err"
	ok $? "5.1 $app: the absolute image reads back"
	cmp -s "$T/compile.lst" "$T/abs.lst"; ok $? "5.1 $app: absolute image lists as the compile"
	"$LFSC" -F "$T/a.img" -a 0x40296000 -o "$T/b.abs"
	cmp -s "$T/a.abs" "$T/b.abs"; ok $? "5.1 $app: -F image -a gives the absolute image of the sources"
	"$LFSC" $opt -f -o "$T/b.img" *.lua >/dev/null 2>&1
	cmp -s "$T/a.img" "$T/b.img"; ok $? "5.1 $app: same inputs and options give the same bytes"
	for f in *.lua; do "$LFSC" --target nodemcu-lua51 -o "$T/${f%.lua}.lc" "$f" 2>/dev/null; done
	(cd "$T" && "$LFSC" $opt -f -o c.img $(cd "$dir" && ls *.lua | sed 's/\.lua$/.lc/') >/dev/null 2>&1)
	cmp -s "$T/a.img" "$T/c.img"; ok $? "5.1 $app: .lc inputs give the image of their sources"
	rm -f "$T"/*.lc
done
done_testing
