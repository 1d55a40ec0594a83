#!/usr/bin/env bash
# The simulator's node.LFS lookup follows the firmware's rules (lfs-format.md
# §A6.6): a module name over 40 characters is stored but never found by get(),
# and list() stops right after it; modules after it are still found by get().
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/app" && cd "$T/app"
printf 'return "A"\n' > a.lua
printf 'return "LONG"\n' > a_module_name_that_is_longer_than_forty_characters.lua
printf 'return "B"\n' > b.lua
cat > _init.lua <<'LUA'
print("LIST " .. table.concat(node.LFS.list(), ","))
print("GETB " .. tostring(node.LFS.get("b") and node.LFS.get("b")()))
print("GETLONG " .. tostring(node.LFS.get("a_module_name_that_is_longer_than_forty_characters")))
print("FIELD " .. tostring(node.LFS.a and node.LFS.a()))
LUA
"$LFSC" -f -o app.img _init.lua a.lua a_module_name_that_is_longer_than_forty_characters.lua b.lua 2>/dev/null
"$DEV" --data "$T/d" --reload app.img --once > "$T/out" 2> "$T/err"
ok $? "the image with a long module name loads and runs _init"
is "$(sed -n 's/^LIST //p' "$T/out")" "_init,a,a_module_name_that_is_longer_than_forty_characters" "list() stops after the long name (b is left out)"
is "$(sed -n 's/^GETB //p' "$T/out")" "B" "get('b') still finds the module after it"
is "$(sed -n 's/^GETLONG //p' "$T/out")" "nil" "get() never finds the long name"
is "$(sed -n 's/^FIELD //p' "$T/out")" "A" "node.LFS.a is node.LFS.get('a')"
done_testing
