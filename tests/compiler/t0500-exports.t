#!/bin/bash
# The library exports exactly the public API listed in compiler/lfsc.sym
# (style.md §2: internal cross-file functions are LFSC_INTERNAL, hidden).
. "$(dirname "$0")/../lib.sh"
readelf -sW "$BUILD/lib/liblfsc.a" | awk '$5=="GLOBAL" && $6=="DEFAULT" && $7!="UND" {print $8}' |
	sort -u > "$T/exports"
diff -u "$ROOT/compiler/lfsc.sym" "$T/exports" >&2; ok $? "exported symbols equal compiler/lfsc.sym"
grep -v '^lfsc_' "$T/exports" >&2; [ $? -ne 0 ]; ok $? "every export carries the lfsc_ prefix"
missing=0
for sym in $(grep -v '^lfsc_test_' "$ROOT/compiler/lfsc.sym"); do
	grep -qw "$sym" "$ROOT"/compiler/include/*.h || { echo "# $sym not declared" >&2; missing=1; }
done
ok $missing "every export but the test hooks is declared in a public header"
done_testing
