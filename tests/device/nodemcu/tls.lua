-- tls.lua - nodemcu-api.md §2 rules of the emulated `tls` against a real lfsd
-- over TLS. cfg.lua gives tport, token, size, sha; ca.pem is lfsd's certificate,
-- other.pem another one.
dofile("check.lua")
local cfg = dofile("cfg.lua")
local function req(path, close)
  return "GET " .. path .. " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " .. cfg.token ..
    (close and "\r\nConnection: close" or "") .. "\r\n\r\n"
end
local steps = {}
local function nxt() local f = table.remove(steps, 1) if f then f() else print("TLS DONE") end end
local function later(ms, f) local t = tmr.create() t:alarm(ms, tmr.ALARM_SINGLE, f) end
local function count(s, pat) local n = 0 for _ in s:gmatch(pat) do n = n + 1 end return n end

-- 1. a download; sends during the handshake are dropped; chunks <= 1460
steps[#steps + 1] = function()
  local s, body, max, connected = tls.createConnection(), {}, 0, false
  s:on("receive", function(c, d)
    if #d > max then max = #d end
    body[#body + 1] = d
  end)
  s:on("disconnection", function(c)
    local all = table.concat(body)
    local b = all:sub((all:find("\r\n\r\n", 1, true) or 0) + 4)
    check(c == nil, "a clean close gives disconnection(nil)")
    check(#b == cfg.size and encoder.toHex(crypto.hash("sha256", b)) == cfg.sha,
          "the whole image arrives intact over TLS", #b)
    check(max <= 1460, "TLS receive chunks are at most 1460 bytes", max)
    nxt()
  end)
  s:on("connection", function(c)
    connected = true
    local ip, port = c:getpeer()
    check(ip == "127.0.0.1" and port == cfg.tport, "getpeer gives ip, port")
    later(300, function()
      check(#body == 0, "a send before the handshake ended was dropped")
      c:send(req("/builds/1/lfs.img", true))
    end)
  end)
  s:connect(cfg.tport, "127.0.0.1")
  s:send(req("/healthz", true))   -- the handshake has not even started
  local ok, err = pcall(s.connect, s, cfg.tport, "127.0.0.1")
  check(not ok and err:find("already connected"), "a second connect raises already connected")
end

-- 2. a send while the previous one is busy is dropped; one sent per send,
--    also for a send of several records
steps[#steps + 1] = function()
  local s, got, sent = tls.createConnection(), "", 0
  s:on("sent", function() sent = sent + 1 end)
  s:on("receive", function(c, d) got = got .. d end)
  s:on("connection", function(c)
    c:send(req("/healthz"))
    c:send(req("/healthz"))   -- busy: dropped
    later(500, function()
      check(count(got, "HTTP/1.1 200") == 1, "the second send while busy was dropped",
            count(got, "HTTP/1.1 200"))
      check(sent == 1, "one sent per send", sent)
      got, sent = "", 0
      local pad = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " .. ("p"):rep(3000) .. "\r\n\r\n"
      c:send(pad)
      later(500, function()
        check(count(got, "HTTP/1.1 200") == 1 and sent == 1,
              "a 3 KB send goes out as several records with one sent", sent)
        c:close()
        check(true, "close() returns at once")
      end)
    end)
  end)
  s:on("disconnection", function(c)
    check(c == nil, "a local close comes back as disconnection(nil)")
    nxt()
  end)
  s:connect(cfg.tport, "127.0.0.1")
end

-- 3. errors only through reconnection; the reason is a string for TCP errors
steps[#steps + 1] = function()
  local s = tls.createConnection()
  s:on("reconnection", function(c, reason)
    check(c ~= nil and reason == "Connection reset", "refused: reconnection(sock, Connection reset)",
          reason)
    nxt()
  end)
  s:connect(1, "127.0.0.1")
end

-- 4. tls.cert.verify: chain only; a function's certificates; none at all fails
steps[#steps + 1] = function()
  local ok, err = pcall(tls.cert.verify, true)
  check(not ok and err:find("no certificates found"), "verify(true) with an empty sector raises")
  tls.cert.verify(function(i) if i == 1 then return file.getcontents("other.pem") end end)
  local s = tls.createConnection()
  s:on("connection", function() check(false, "a server not signed by the given CA is refused") end)
  s:on("reconnection", function(c, reason)
    check(reason == nil, "a certificate failure gives reconnection(sock, nil)")
    tls.cert.verify(function(i) return nil end)
    local s2 = tls.createConnection()
    s2:on("reconnection", function()
      check(true, "verification with no certificate at all fails (§13 Q3)")
      tls.cert.verify(file.getcontents("ca.pem"))   -- into the flash sector
      tls.cert.verify(true)
      local s3 = tls.createConnection()
      s3:on("connection", function(c)
        check(true, "lfsd's own certificate (name localhost, address 127.0.0.1) is accepted")
        c:close()
      end)
      s3:on("disconnection", function() tls.cert.verify(false) nxt() end)
      s3:connect(cfg.tport, "127.0.0.1")
    end)
    s2:connect(cfg.tport, "127.0.0.1")
  end)
  s:connect(cfg.tport, "127.0.0.1")
end

nxt()
