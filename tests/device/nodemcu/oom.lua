-- oom.lua - nodemcu-api.md §0: out of memory while the firmware pushes a
-- received pbuf (outside any protected call) is a PANIC: the chip resets.
-- The heap is filled with live data, then 1400 bytes arrive.
if file.exists("done") then print("AFTER " .. table.concat({node.bootreason()}, ",")) return end
file.putcontents("done", "1")
local srv = net.createServer()
srv:listen(0, function(c) c:send(("z"):rep(1400)) end)
local port = srv:getaddr()
local cl = net.createConnection()
pad = {}
cl:on("receive", function(c, d) print("GOT", #d) end)
cl:on("connection", function()
  local n = 0
  collectgarbage() while node.heap() > 1000 do n = n + 1; pad[n] = ("y"):rep(200 + n) end collectgarbage()
  print("FULL", node.heap())
end)
cl:connect(port, "127.0.0.1")
