-- init.lua - the reference SPIFFS init.lua for an lfsd-updated board
-- (device/nodemcu/README.md). Kept small: it runs the LFS's _init protected
-- (nodemcu-api.md §8: never assume the LFS is loaded), and finishes an LFS
-- load that a power cut interrupted (the 5.3 port leaves the LFS empty then,
-- §6): the image lfsota verified is still in SPIFFS, named in ota.reload.
local lfs = node.LFS
local get = lfs and lfs.get or node.flashindex
local pending = file.getcontents("ota.reload")
if pending and not (lfs and lfs.list and lfs.list()) then
  local n = (tonumber(file.getcontents("ota.reload.n") or "0") or 0) + 1
  file.putcontents("ota.reload.n", tostring(n))
  if n <= 3 then
    print("init: LFS empty after an interrupted load; loading " .. pending .. " again")
    local reload = lfs and lfs.reload or node.flashreload
    print("init: " .. tostring(select(2, pcall(reload, pending))))
    return
  end
end
file.remove("ota.reload.n")
local init = get and get("_init")
if not init then
  print("init: no _init in the LFS")
else
  local ok, err = pcall(init)
  if not ok then print("init: _init failed: " .. tostring(err)) end
end
