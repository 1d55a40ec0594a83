-- port53.lua - nodemcu-api.md §0 on the 5.3 port (dofile'd by modules.lua)
check(_VERSION == "Lua 5.3", "_VERSION is Lua 5.3")
check(node.egc == nil, "node.egc is absent on the 5.3 port")
check(math.maxinteger == 2147483647 and math.type(7 // 2) == "integer", "32-bit integers")
check(1e39 == math.huge, "32-bit floats (1e39 overflows to inf)")
check(#package.loaders == 2 and package.loaders == package.searchers,
      "package.loaders: preload, Lua-file (an alias of searchers)", #package.loaders)
