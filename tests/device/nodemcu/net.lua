-- net.lua - nodemcu-api.md §1 rules of the emulated `net` against a real lfsd
-- (plain HTTP). cfg.lua gives port, token, size (of build 1's image) and sha.
dofile("check.lua")
local cfg = dofile("cfg.lua")
local req = "GET /builds/1/lfs.img HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " ..
  cfg.token .. "\r\nConnection: close\r\n\r\n"
local steps = {}
local function nxt() local f = table.remove(steps, 1) if f then f() else print("NET DONE") end end

-- 1. a download: chunk sizes, FIN, the bytes
steps[#steps + 1] = function()
  local s, body, max, n, hdr = net.createConnection(), {}, 0, 0, true
  s:on("receive", function(c, d)
    n = n + 1
    if #d > max then max = #d end
    body[#body + 1] = d
  end)
  s:on("disconnection", function(c, err)
    local all = table.concat(body)
    local b = all:sub((all:find("\r\n\r\n", 1, true) or 0) + 4)
    check(err == 0 and c ~= nil, "a remote FIN gives disconnection(sock, 0)")
    check(#b == cfg.size and encoder.toHex(crypto.hash("sha256", b)) == cfg.sha,
          "the whole image arrives intact", #b)
    print("CHUNKS max=" .. max .. " n=" .. n)
    check(not pcall(c.close, c), "close() after the FIN raises (no pcb)")
    nxt()
  end)
  s:on("connection", function(c)
    local port, ip = c:getpeer()
    check(port == cfg.port and ip == "127.0.0.1", "getpeer gives port, ip")
    c:send(req)
  end)
  s:connect(cfg.port, "127.0.0.1")
end

-- 2. send: 2920 bytes of TCP_SND_BUF, empty string, sent per segment
steps[#steps + 1] = function()
  local s, sent = net.createConnection(), 0
  s:on("sent", function() sent = sent + 1 end)
  s:on("receive", function() end)
  s:on("connection", function(c)
    local first = "GET /healthz HTTP/1.1\r\nX: "
    check(pcall(c.send, c, first .. ("x"):rep(2000 - #first)), "2000 bytes fit")
    local ok, err = pcall(c.send, c, ("y"):rep(921))
    check(not ok and err:find("out of memory"), "over 2920 unacknowledged bytes raises out of memory", err)
    check(pcall(c.send, c, ("y"):rep(920)), "exactly 2920 bytes fit")
    ok, err = pcall(c.send, c, "")
    check(not ok and err:find("no data to send"), "an empty send raises no data to send")
    local t = tmr.create()
    t:alarm(300, tmr.ALARM_SINGLE, function()
      check(sent >= 2, "one 2920-byte burst fires sent per segment", sent)
      c:close()
      check(not pcall(c.close, c), "a second close raises")
      local t2 = tmr.create()
      t2:alarm(200, tmr.ALARM_SINGLE, nxt)
    end)
  end)
  s:on("disconnection", function() check(false, "a local close fires no event") end)
  s:connect(cfg.port, "127.0.0.1")
end

-- 3. errors: reconnection if registered, else disconnection
steps[#steps + 1] = function()
  local a = net.createConnection()
  a:on("reconnection", function(c, err)
    check(err == -9, "a refused connect gives reconnection(sock, -9)", err)
    local b = net.createConnection()
    b:on("disconnection", function(c2, err2)
      check(err2 == -9, "without reconnection the error goes to disconnection", err2)
      nxt()
    end)
    b:connect(1, "127.0.0.1")
  end)
  a:connect(1, "127.0.0.1")
end

-- 4. names
steps[#steps + 1] = function()
  net.dns.resolve("localhost", function(sk, ip)
    check(sk == nil and ip == "127.0.0.1", "net.dns.resolve(localhost) gives nil, 127.0.0.1")
    net.dns.resolve("no-such-host.invalid", function(sk2, ip2)
      check(ip2 == nil, "an unknown name resolves to nil")
      local s, dns = net.createConnection(), nil
      s:on("dns", function(c, ip3) dns = ip3 end)
      s:on("connection", function(c)
        check(dns == "127.0.0.1", "connect by name: dns(sock, ip) first, then connection")
        c:close()
        nxt()
      end)
      s:connect(cfg.port, "localhost")
    end)
  end)
end

-- 5. hold lets the open window (5840 bytes) through, then nothing until unhold
steps[#steps + 1] = function()
  local s, held_at, total = net.createConnection(), nil, 0
  s:on("receive", function(c, d)
    total = total + #d
    if not held_at then
      c:hold()
      held_at = total
      local t = tmr.create()
      t:alarm(400, tmr.ALARM_SINGLE, function()
        check(total - held_at <= 5840 and total < cfg.size,
              "hold() still lets at most 5840 bytes through", total - held_at)
        c:unhold()
      end)
    end
  end)
  s:on("disconnection", function()
    check(total > cfg.size, "unhold() lets the rest through")
    nxt()
  end)
  s:on("connection", function(c) c:send(req) end)
  s:connect(cfg.port, "127.0.0.1")
end

nxt()
