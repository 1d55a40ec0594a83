#!/bin/bash
# Every syntax-error case fails with luac.cross's message (program name aside)
# and exit status 1, with -p and when building an image; with --target
# nodemcu-lua51 the 5.1 port's message (.expected51), or success where the
# 5.1 port accepts the source (an empty .expected51).
. "$(dirname "$0")/../lib.sh"
cd "$CONF/errors"
for f in *.lua; do
	exp=$(sed 's/^[^:]*: //' "${f%.lua}.expected53")
	got=$("$LFSC" -p "$f" 2>&1); rc=$?
	is "${got#*: }" "$exp" "$f: message"
	is "$rc" 1 "$f: exit status"
	got=$("$LFSC" -f -o "$T/x.img" "$f" 2>&1)
	is "${got#*: }" "$exp" "$f: message with -f"
	[ ! -e "$T/x.img" ]; ok $? "$f: no image written"
	line=$(echo "$exp" | sed -n 's/^[^:]*:\([0-9]*\):.*/\1/p')
	j=$("$LFSC" --json -p "$f" 2>/dev/null)
	is "$(echo "$j" | jq -r '[.ok, .error.code, .error.file, .error.line] | map(tostring) | join(" ")')" \
		"false compile_error $f $line" "$f: --json error with file and line"
done
for f in *.lua; do
	exp=$(sed 's/^[^:]*: //' "${f%.lua}.expected51")
	got=$("$LFSC" --target nodemcu-lua51 -p "$f" 2>&1); rc=$?
	is "${got#*: }" "$exp" "$f: 5.1 message"
	is "$rc" "$([ -n "$exp" ] && echo 1 || echo 0)" "$f: 5.1 exit status"
	rm -f "$T/x.img"
	"$LFSC" --target nodemcu-lua51 -f -o "$T/x.img" "$f" >/dev/null 2>&1
	[ -e "$T/x.img" ]; is $? "$([ -n "$exp" ] && echo 1 || echo 0)" "$f: 5.1 image written only when it compiles"
done
done_testing
