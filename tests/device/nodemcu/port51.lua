-- port51.lua - nodemcu-api.md §0, §6 on the 5.1 port (dofile'd by modules.lua)
check(_VERSION == "Lua 5.1", "_VERSION is Lua 5.1")
check(node.egc and node.egc.ALWAYS == 4 and node.egc.ON_MEM_LIMIT == 2,
      "node.egc is present on the 5.1 port")
local ok, err = pcall(node.egc.setmode, 8)
local ok2, err2 = pcall(node.egc.setmode, node.egc.ON_MEM_LIMIT)
check(not ok and err:find("invalid mode") and not ok2 and err2:find("limit must be non%-zero")
      and pcall(node.egc.setmode, node.egc.ON_MEM_LIMIT, -4096), "node.egc.setmode checks its arguments")
check(7 / 2 == 3.5 and 2^31 + 1 == 2147483649 and 1e39 ~= math.huge, "double numbers")
check(#package.loaders == 4 and package.searchers == nil,
      "package.loaders: preload, Lua-file, C, Croot", #package.loaders)
