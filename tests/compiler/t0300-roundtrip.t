#!/bin/bash
# Round trip: every image lfsc writes is accepted by the image reader, and the
# listing of the read-back image equals the listing of the compile (both
# targets, with and without -s). Same inputs and options give the same bytes.
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
done_testing
