-- loaders.lua - nodemcu-api.md §0, §8 on either port: require searches SPIFFS
-- for m.lc, then m.lua, then (the loader appended here) the LFS, whose
-- module m returns "lfs". The .lc is a standard binary chunk of the port's
-- reference Lua (the emulator does not load luac.cross's .lc formats).
table.insert(package.loaders, function(n) return node.LFS.get(n) end)
check(require("m") == "lfs", "require finds the LFS module last")
package.loaded.m = nil
file.putcontents("m.lua", 'return "lua"')
check(require("m") == "lua", "a SPIFFS m.lua shadows the LFS module")
package.loaded.m = nil
file.putcontents("m.lc", string.dump((loadstring or load)('return "lc"')))
check(require("m") == "lc", "a SPIFFS m.lc beats m.lua")
