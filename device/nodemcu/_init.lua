-- _init.lua - the reference _init module for an image that keeps lfsd's OTA
-- client (device/nodemcu/README.md). It makes `require` find LFS modules after
-- SPIFFS ones (nodemcu-api.md §8), starts lfsota, starts the application
-- (module "main") protected, and hands the outcome to the client: a start-up
-- that raises puts the previous image back (rolled-back).
local get = node.LFS and node.LFS.get or node.flashindex
local loaders = package.loaders or package.searchers
loaders[#loaders + 1] = function(name)
  return get(name) or ("\n\tno LFS module '" .. name .. "'")
end
local ota = require("lfsota")   -- one instance: package.loaded keeps it
local ready = ota.start()
local started, err = pcall(function()
  if get("main") then require("main") end
end)
if not started then print("_init: start-up failed: " .. tostring(err)) end
if ready then ota.run(started, err) end
