-- netclose.lua - nodemcu-api.md §1 [inf]: after close() inside receive the
-- rest of the received chain is still delivered, with a nil socket. Run with
-- --rx-chunk 1, so any read of 2 bytes or more is a chain.
dofile("check.lua")
local cfg = dofile("cfg.lua")
local req = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
local s, calls, nils = net.createConnection(), 0, 0
s:on("receive", function(c, d)
  calls = calls + 1
  if c == nil then nils = nils + 1 end
  if calls == 1 then
    c:close()
    local t = tmr.create()
    t:alarm(300, tmr.ALARM_SINGLE, function()
      check(calls > 1 and nils == calls - 1,
            "after close() in receive the chain goes on with a nil socket", calls .. "/" .. nils)
      print("NET DONE")
    end)
  end
end)
s:on("connection", function(c) c:send(req) end)
s:connect(cfg.port, "127.0.0.1")
