-- lfsota.lua - lfsd's OTA client for NodeMCU firmware (ESP8266, Lua 5.1 and
-- 5.3 ports), from LFS or SPIFFS. Protocol: lfsd's signed manifest, small-
-- client form (text manifest authenticated with HMAC-SHA256 under the
-- device's manifest key); device/nodemcu/README.md is the guide.
-- Uses only net or tls, file, node, tmr and crypto (nodemcu-api.md §1-§7):
-- every net/tls callback body is protected with pcall (an error there is a
-- PANIC, §0); sends are at most 1460 bytes, the next one from `sent` (§1, §2);
-- no hold/unhold (§2); nothing is flashed before size, SHA-256, tag and
-- header are checked (the 5.3 reload checks nothing, §6).
local M = {}

local STATE, OUTBOX, PART, PARTID = "ota.state", "ota.out", "ota.part", "ota.part.id"
local RELOAD = "ota.reload"      -- read by init.lua to finish an interrupted load
local MAGIC = 1819045747         -- rtcmem word 64: boot attempts of a trial image
local FIELDS = { "lfsd-manifest", "device", "channel", "release", "version", "sha256",
  "size", "target", "url", "rollback", "nonce", "issued", "poll", "modules" }

local cfg, st, busy, poll_timer, trial_timer

local function log(...) print("lfsota:", ...) end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- The port's image target (server/README.md "Signed manifests": target)
local function target()
  return _VERSION == "Lua 5.1" and "nodemcu-lua51" or "nodemcu-lua53"
end

---------------------------------------------------------------- state files
local function readkv(name)
  local t, s = {}, file.getcontents(name)
  if s then
    for k, v in s:gmatch("(%S+) ([^\n]*)\n") do t[k] = v end
  end
  return t
end

local function writekv(name, t)
  local out = {}
  for k, v in pairs(t) do out[#out + 1] = k .. " " .. tostring(v) .. "\n" end
  local tmp = name .. "~"
  file.remove(tmp)
  if not file.putcontents(tmp, table.concat(out)) then error("cannot write " .. tmp) end
  file.remove(name)
  file.rename(tmp, name)
end

local function save() writekv(STATE, st) end

local function imgname(sha) return "ota-" .. sha:sub(1, 16) .. ".img" end

-------------------------------------------------------------------- reports
-- queued in SPIFFS, so none is lost to a reset; delivered in order
local function report(state, sha, detail)
  log("report", state, sha or "", detail or "")
  local f = file.open(OUTBOX, "a")
  if f then
    f:writeline(state .. " " .. (sha ~= "" and sha or "-") .. " " ..
      (detail or ""):gsub("[\r\n]", " "):sub(1, 200))
    f:close()
  end
end

local function jstr(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

------------------------------------------------------------------ transport
-- One HTTP/1.1 request per connection (Connection: close). on_head(status,
-- headers) may return false to stop; on_data(chunk) receives the body;
-- done(err) is called once: err nil after a complete response.
local function request(method, path, headers, body, on_head, on_data, done)
  local mod = cfg.tls == false and net or tls
  local sock, finished, head, status, hdrs, want, got = mod.createConnection(), false, "", nil, nil, nil, 0
  local out = method .. " " .. path .. " HTTP/1.1\r\nHost: " .. cfg.host ..
    "\r\nAuthorization: Bearer " .. cfg.key .. "\r\nConnection: close\r\n" ..
    (headers or "") .. (body and ("Content-Length: " .. #body .. "\r\n") or "") .. "\r\n" ..
    (body or "")
  local pos, timer = 1, tmr.create()
  local function finish(err)
    if finished then return end
    finished = true
    timer:unregister()
    if sock then pcall(sock.close, sock) end
    sock = nil
    done(err)
  end
  local function safe(f)
    return function(...)
      local ok, err = pcall(f, ...)
      if not ok then finish("client error: " .. tostring(err)) end
    end
  end
  local function push(s)   -- at most 1460 bytes, the rest from `sent`
    if pos <= #out then
      local piece = out:sub(pos, pos + 1459)
      pos = pos + #piece
      s:send(piece)
    end
  end
  local function feed(d)
    if status then
      got = got + #d
      if on_data(d) == false then finish("stopped") return end
      if want and got >= want then finish(nil) end
      return
    end
    head = head .. d
    local e = head:find("\r\n\r\n", 1, true)
    if not e then
      if #head > 2048 then finish("response header too long") end
      return
    end
    local rest = head:sub(e + 4)
    status = tonumber(head:match("^HTTP/1%.%d (%d%d%d)"))
    hdrs = {}
    for k, v in head:sub(1, e):gmatch("\n([^:\r\n]+):%s*([^\r\n]*)") do hdrs[k:lower()] = v end
    head = nil
    want = tonumber(hdrs["content-length"] or "")
    if not status then finish("malformed response") return end
    if on_head(status, hdrs) == false then finish(nil) return end
    if want == 0 then finish(nil) return end
    if #rest > 0 then feed(rest) end
  end
  timer:alarm(cfg.timeout or 30000, tmr.ALARM_SINGLE, function() finish("timeout") end)
  sock:on("connection", safe(push))
  sock:on("sent", safe(push))
  sock:on("receive", safe(function(s, d) feed(d) end))
  sock:on("disconnection", safe(function()
    sock = nil
    if status and not want then finish(nil) else finish("connection closed early") end
  end))
  sock:on("reconnection", safe(function(s, reason)
    sock = nil
    finish("connection failed: " .. tostring(reason))
  end))
  -- the TLS handshake takes 25-30 KB outside Lua, and garbage does not give
  -- way to a malloc (nodemcu-api.md §2, §10): collect first, twice, as the
  -- last connection's callbacks are freed only after its __gc ran
  collectgarbage()
  collectgarbage()
  sock:connect(cfg.port, cfg.ip or cfg.host)
end

-- Delivers queued reports in order, one flush at a time; andthen(ok) when
-- the outbox is empty or delivery stopped
local flushing
local function flush(andthen)
  if flushing then flushing[#flushing + 1] = andthen return end
  flushing = { andthen }
  local function next_report()
  local s = file.getcontents(OUTBOX)
  local line = s and s:match("^([^\n]*)\n")
  local function finish(ok)
    local waiting = flushing
    flushing = nil
    for _, f in ipairs(waiting) do f(ok) end
  end
  if not line then finish(true) return end
  local state, sha, detail = line:match("^(%S+) (%S+) ?(.*)$")
  local body = "{\"device\":" .. jstr(cfg.device) .. ",\"state\":" .. jstr(state or "failed") ..
    ",\"sha256\":" .. jstr(sha ~= "-" and sha or "") .. ",\"detail\":" .. jstr(detail or "") ..
    (cfg.running and (",\"running\":" .. jstr(cfg.running)) or "") .. "}"
  local code
  request("POST", "/ota/report?device=" .. cfg.device, "Content-Type: application/json\r\n",
    body, function(st_) code = st_ end, function() end, function(err)
      if err or not code or code >= 500 then   -- try again later
        log("report not delivered:", err or code)
        finish(false)
        return
      end
      log(code < 300 and "delivered" or "refused by lfsd", state, sha, code)
      s = file.getcontents(OUTBOX) or ""
      local rest = s:sub(#line + 2)
      file.remove(OUTBOX)
      if #rest > 0 then file.putcontents(OUTBOX, rest) end
      if state == "booted" and code < 300 and M.checked_in then M.checked_in(sha) end
      next_report()
    end)
  end
  next_report()
end
M.flush = flush

-------------------------------------------------------------- the manifest
-- server/README.md "Signed manifests", what a device checks; returns the
-- manifest table, or nil and why
function M.verify(text, nonce)
  local macpos = text:find("\nmac ", 1, true)
  if not macpos then return nil, "manifest has no mac line" end
  local signed, mac = text:sub(1, macpos), text:match("\nmac (%x+)\n", macpos)
  if not mac or #mac ~= 64 then return nil, "manifest mac is not 64 hex digits" end
  local want = hex(crypto.hmac("sha256", signed, cfg.mkey_raw))
  local diff = 0   -- every digit compared
  for i = 1, 64 do if want:byte(i) ~= mac:lower():byte(i) then diff = diff + 1 end end
  if diff ~= 0 then return nil, "manifest tag does not verify" end
  local m, i = {}, 0
  for k, v in signed:gmatch("([^ \n]+) ([^\n]*)\n") do
    i = i + 1
    -- after the fields, lfsd may name its next signing key (for the C agent)
    local want = FIELDS[i] or (i == #FIELDS + 1 and "next-key") or "(the end)"
    if want ~= k then return nil, "manifest field " .. i .. " is '" .. k .. "', not " .. want end
    m[k] = v
  end
  if i < #FIELDS then return nil, "manifest has " .. i .. " fields, not " .. #FIELDS end
  if m["lfsd-manifest"] ~= "1" then return nil, "manifest version " .. m["lfsd-manifest"] .. " unknown" end
  if m.device ~= cfg.device then return nil, "manifest is for device " .. m.device end
  if cfg.channel and m.channel ~= cfg.channel then return nil, "manifest is for channel " .. m.channel end
  if m.nonce ~= nonce then return nil, "manifest nonce is not the one sent (replayed)" end
  if m.target ~= target() then return nil, "image target " .. m.target .. " is not " .. target() end
  m.release, m.size, m.poll = tonumber(m.release), tonumber(m.size), tonumber(m.poll)
  if not (m.release and m.size and m.size > 0 and m.sha256:match("^%x+$") and #m.sha256 == 64) then
    return nil, "manifest release, size or sha256 malformed"
  end
  local floor = tonumber(st.floor or "0") or 0
  if m.release < floor and m.rollback ~= "1" then
    return nil, "release " .. m.release .. " is below the anti-rollback floor " .. floor
  end
  return m
end

--------------------------------------------------------------- the download
-- the image's compile timestamp: its last integer constant (lfs-format.md §A3.11)
local function image_time(name)
  local f = file.open(name, "r")
  if not f then return nil end
  f:seek("end", -5)
  local b = f:read(5)
  f:close()
  if not b or #b ~= 5 or b:byte(1) < 0xB0 or b:byte(1) > 0xB7 or b:byte(5) > 0x7F then return nil end
  local v = b:byte(1) - 0xB0
  for k = 2, 5 do v = v * 128 + b:byte(k) % 128 end
  return v
end

-- Hashes what an earlier attempt left in PART, a few KB per task (§0)
local function rehash(h, andthen)
  local f, n = file.open(PART, "r"), 0
  local function step()
    for _ = 1, 8 do
      local d = f and f:read(512)
      if not d then
        if f then f:close() end
        andthen(n)
        return
      end
      h:update(d)
      n = n + #d
    end
    node.task.post(step)
  end
  step()
end

local function fetch(m, tries, andthen)
  local h, id = crypto.new_hash("sha256"), readkv(PARTID)
  if id.sha ~= m.sha256 then file.remove(PART) id = { sha = m.sha256 } end
  rehash(h, function(have)
    local f, bad
    local range = (have > 0 and id.etag) and
      ("Range: bytes=" .. have .. "-\r\nIf-Range: " .. id.etag .. "\r\n") or nil
    request("GET", m.url, range, nil, function(code, hd)
      if code == 206 and range then
        f = file.open(PART, "a")
      elseif code == 200 then
        h, have = crypto.new_hash("sha256"), 0
        f = file.open(PART, "w")
      else
        bad = "download: HTTP " .. code
        return false
      end
      id.etag = hd.etag or ""
      writekv(PARTID, id)
      if not f then bad = "cannot open " .. PART end
      return f ~= nil
    end, function(d)
      if have + #d > m.size then bad = "download longer than the manifest's size" return false end
      if not f:write(d) then bad = "SPIFFS full" return false end
      h:update(d)
      have = have + #d
    end, function(err)
      if f then f:close() end
      if bad then andthen(nil, bad) return end
      if have < m.size and tries > 1 then   -- a cut: resume with Range
        log("download cut at", have, "of", m.size, err or "", "- resuming")
        local t = tmr.create()
        t:alarm(2000, tmr.ALARM_SINGLE, function() fetch(m, tries - 1, andthen) end)
        return
      end
      if have ~= m.size then andthen(nil, "size mismatch: got " .. have .. " bytes, manifest says " .. m.size) return end
      local sha = hex(h:finalize())
      if sha ~= m.sha256:lower() then
        file.remove(PART) file.remove(PARTID)
        andthen(nil, "sha256 mismatch: got " .. sha)
        return
      end
      andthen(true)
    end)
  end)
end

-- LFS header checks before the reload (5.3 reload checks nothing itself, §6)
local function header_ok(name)
  local f = file.open(name, "r")
  local b = f and f:read(16)
  if f then f:close() end
  if target() == "nodemcu-lua51" then return b ~= nil end   -- reload validates on 5.1
  return b ~= nil and b:sub(1, 6) == "\27Lua\83\11" and b:byte(13) == 4 and b:byte(15) == 4
end

------------------------------------------------------------------ updating
local function reload(img)
  -- node.LFS.reload: 5.3 raises "system restarting" (restart follows), 5.1
  -- never returns on success (it writes, then the watchdog resets the chip);
  -- a returned string is a failure on both (§6)
  local fn = node.LFS and node.LFS.reload or node.flashreload
  local ok, res = pcall(fn, img)
  if not ok and tostring(res):find("system restarting") then return nil end
  return tostring(res)
end

-- What tells LFS images apart on the 5.1 port, where the client cannot read
-- an image's timestamp from its gzip file: the LFS's timestamp and size
local function lfs_id()
  local l = node.LFS.list and node.LFS.list()
  return l and (tostring(node.LFS.time) .. "/" .. tostring(node.LFS.config.lfs_used)) or "none"
end

-- the image the last reload should have put in the LFS is there (5.3: its
-- timestamp; 5.1: the LFS is no longer the one the reload replaced)
local function loaded(want_time)
  if not node.LFS.list or not node.LFS.list() then return false end
  if target() == "nodemcu-lua51" then return lfs_id() ~= st.was end
  if want_time == "" then return true end
  return tonumber(want_time) == node.LFS.time
end

local function rollback(why)
  local prev = st.cur ~= "" and st.cur or nil
  report("rolled-back", st.target, why .. (prev and ("; back to " .. prev) or ""))
  st.bad, st.phase = st.target, prev and "rollback" or "idle"
  st.time = prev and image_time(imgname(prev)) or ""
  st.was = lfs_id()
  save()
  if not prev or not file.exists(imgname(prev)) then
    log("no previous image to go back to")
    return
  end
  file.putcontents(RELOAD, imgname(prev))
  flush(function()
    local err = reload(imgname(prev))
    if err then log("rollback reload failed:", err) end
  end)
end
M.rollback = rollback

local function apply(m, img)
  st.phase, st.target, st.release, st.loads = "applying", m.sha256, m.release, 0
  st.rollback, st.modules = m.rollback, m.modules
  st.time, st.was = image_time(img) or "", lfs_id()
  save()
  file.putcontents(RELOAD, img)
  flush(function()
    collectgarbage()
    node.task.post(function()   -- a fresh task for the reload (§6)
      local err = reload(img)
      if err then
        file.remove(RELOAD)
        st.phase, st.bad = "idle", m.sha256
        save()
        report("failed", m.sha256, "node.LFS.reload: " .. err)
        flush(function() busy = false end)
      end
    end)
  end)
end

function M.update(m)
  if m.sha256 == st.cur or m.sha256 == st.bad then return end
  busy = true
  local img = imgname(m.sha256)
  local function fail(why)
    report("failed", m.sha256, why)
    st.bad = m.sha256
    save()
    flush(function() busy = false end)
  end
  local function verified()
    if not header_ok(img) then file.remove(img) fail("not an LFS image for " .. target()) return end
    report("downloaded", m.sha256, "verified: size, sha256, manifest tag")
    apply(m, img)
  end
  if file.exists(img) then verified() return end
  report("downloading", m.sha256, m.url)
  flush(function()
    fetch(m, 4, function(ok, why)
      if not ok then fail("rejected before flashing: " .. why) return end
      file.remove(img)
      file.rename(PART, img)
      file.remove(PARTID)
      verified()
    end)
  end)
end

-- A manifest lfsd answered to the poll that sent nonce: refused (reported
-- failed with the reason, once while the same refusal repeats; nothing is
-- marked bad, so a replay cannot keep the genuine offer out) or acted on.
local refused
local function offer(text, n)
  local m, why = M.verify(text, n)
  if not m then
    log("manifest refused:", why)
    if why ~= refused then
      refused = why
      report("failed", "", "manifest refused: " .. why)
      flush(function() end)
    end
    return false
  end
  refused = nil
  if m.poll and cfg.poll ~= 0 then cfg.poll = m.poll end
  M.update(m)
  return true
end

---------------------------------------------------------------------- poll
local function nonce()
  local t = {}
  for i = 1, 16 do t[i] = string.format("%02x", node.random(0, 255)) end
  return table.concat(t)
end

-- the next poll in sec seconds, +-10 % jitter; cfg.poll = 0: no automatic polls
local function schedule(sec)
  if (cfg.poll or 60) == 0 then return end
  local tenth = math.floor(sec * 100)
  poll_timer:alarm(sec * 1000 - tenth + node.random(0, 2 * tenth), tmr.ALARM_SINGLE,
    function() M.poll() end)
end

-- Without the running image's SHA-256 (the first image, flashed by hand):
-- the LFS's timestamp and flash size, which lfsd compares with those of the
-- release it would offer (lfs-format.md §A6.5), so it does not offer the
-- image the board already runs
local function lfs_query()
  if not (node.LFS.list and node.LFS.list()) then return "" end
  return "&lfs_time=" .. string.format("%d", node.LFS.time) ..
    "&lfs_used=" .. string.format("%d", node.LFS.config.lfs_used)
end

function M.poll()
  if busy or st.phase ~= "idle" then schedule(cfg.poll or 60) return end
  if cfg.poll == 0 then cfg.poll = nil end
  busy = true
  local n, body, size, code, interval = nonce(), {}, 0, nil, nil
  local path = "/ota/latest?device=" .. cfg.device .. "&nonce=" .. n .. "&format=text" ..
    ((st.cur or "") ~= "" and ("&current=" .. st.cur) or lfs_query())
  request("GET", path, "Accept: text/plain\r\n", nil, function(c, hd)
    code, interval = c, tonumber(hd["lfsd-poll-interval"] or "")
    return c == 200
  end, function(d)   -- chunks may be 1 byte (§1): collapsed every 16; at most 6 KB
    size = size + #d
    if size > 6144 then log("manifest over 6 KB") return false end
    body[#body + 1] = d
    if #body >= 16 then body = { table.concat(body) } end
  end, function(err)
    busy = false
    if interval then cfg.poll = interval end
    if err or (code ~= 200 and code ~= 204 and code ~= 304) then
      log("poll failed:", err or ("HTTP " .. tostring(code)))
    elseif code == 200 then
      offer(table.concat(body), n)
    else
      log("up to date (HTTP " .. code .. ")")
    end
    schedule(cfg.poll or 60)
  end)
end

------------------------------------------------------------- boot and trial
-- boot attempts of a trial image: rtcmem where the firmware has it, else a file
local function attempts(add)
  if rtcmem then
    local magic, n = rtcmem.read32(64, 2)
    n = (magic == MAGIC) and n or 0
    if add then rtcmem.write32(64, MAGIC, n + add) end
    return n + (add or 0)
  end
  local n = tonumber(file.getcontents("ota.tries") or "0") or 0
  if add then file.putcontents("ota.tries", tostring(n + add)) end
  return n + (add or 0)
end

local function reset_attempts()
  if rtcmem then rtcmem.write32(64, 0, 0) else file.remove("ota.tries") end
end

-- the manifest's module names, each %XX-encoded outside [A-Za-z0-9_.-]; a
-- name whose file would pass SPIFFS's 31 characters has no file to remove
-- (file.remove raises "filename invalid" for it, nodemcu-api.md §4)
local function remove_stale(modules)
  for name in (modules or ""):gmatch("[^,]+") do
    name = name:gsub("%%(%x%x)", function(x) return string.char(tonumber(x, 16)) end)
    for _, ext in ipairs({ ".lc", ".lua" }) do
      if #name + #ext <= 31 then file.remove(name .. ext) end
    end
  end
end

function M.checked_in(sha)
  if st.phase ~= "trial" or sha ~= st.target then return end
  if trial_timer then trial_timer:unregister() end
  st.prev, st.cur, st.phase = st.cur, st.target, "idle"
  -- anti-rollback floor (server/README.md "Signed manifests"): a signed
  -- rollback lowers it too
  if st.rollback == "1" or (tonumber(st.release) or 0) > (tonumber(st.floor) or 0) then
    st.floor = st.release
  end
  save()
  reset_attempts()
  for name in pairs(file.list("^ota%-%x+%.img$")) do
    if name ~= imgname(st.cur) and (st.prev == "" or name ~= imgname(st.prev)) then file.remove(name) end
  end
  log("image", st.cur, "committed")
end

-- The boot hook: settles a pending reload or trial. started_ok = false when
-- the application's start-up raised (the reference _init passes it).
function M.boot(started_ok, why)
  local ph = st.phase
  file.remove(RELOAD)
  if ph == "applying" then
    if not loaded(st.time) then
      -- a reset before the reload, or a load that failed: try again, 3 times
      st.loads = (tonumber(st.loads) or 0) + 1
      save()
      if st.loads <= 3 and file.exists(imgname(st.target)) then
        log("the LFS does not hold", st.target, "yet; reloading")
        file.putcontents(RELOAD, imgname(st.target))
        local err = reload(imgname(st.target))
        if not err then return end
        log("reload failed:", err)
      end
      report("failed", st.target, "the reload did not load the image")
      rollback("LFS load failed")
      return
    end
    st.loads = 0
    report("applied", st.target, "LFS loaded; restarted")
    remove_stale(st.modules)
    st.phase = "trial"
    save()
    reset_attempts()
    ph = "trial"
  elseif ph == "rollback" then
    if not loaded(st.time) then   -- the reload did not happen yet (a reset came first)
      file.putcontents(RELOAD, imgname(st.cur))
      local err = reload(imgname(st.cur))
      if err then log("rollback reload failed:", err) st.phase = "idle" save() end
      return
    end
    st.phase = "idle"
    save()
    report("booted", st.cur, "rolled back")
    cfg.running = st.cur
    return
  end
  if ph == "trial" then
    if started_ok == false then rollback("start-up failed: " .. tostring(why)) return end
    if attempts(1) > 3 then rollback("restarted " .. (attempts() - 1) .. " times on trial") return end
    report("booted", st.target, "start-up ran")
    trial_timer = tmr.create()
    trial_timer:alarm((cfg.checkin or 60) * 1000, tmr.ALARM_SINGLE, function()
      if st.phase == "trial" then rollback("no successful check-in within " .. (cfg.checkin or 60) .. " s") end
    end)
  end
end

-- Starts the client: checks the firmware, loads the configuration and state.
-- c: the configuration table (lfsd issues it as lfsd_cfg.lua), or nil to load it.
function M.start(c)
  local need = { "file", "node", "tmr", "crypto" }
  need[#need + 1] = (c and c.tls == false) and "net" or "tls"
  for _, m in ipairs(need) do
    if not _G[m] then log("this firmware lacks the '" .. m .. "' module; no OTA updates") return false end
  end
  cfg = c or dofile("lfsd_cfg.lua")
  if type(cfg.key) ~= "string" or type(cfg.mkey) ~= "string" or #cfg.mkey ~= 64 then
    log("lfsd_cfg.lua has no key or mkey (lfsd shows them once, when it issues the device's key); no OTA updates")
    return false
  end
  cfg.mkey_raw = cfg.mkey:gsub("%x%x", function(x) return string.char(tonumber(x, 16)) end)
  st = readkv(STATE)
  st.phase, st.cur, st.prev, st.floor = st.phase or "idle", st.cur or cfg.image or "", st.prev or "", st.floor or "0"
  if cfg.ca and cfg.tls ~= false then
    tls.cert.verify(function(i) if i == 1 then return cfg.ca end end)
  end
  poll_timer = tmr.create()
  return true
end

-- Runs: settles the boot, delivers reports, then polls.
function M.run(started_ok, why)
  M.boot(started_ok, why)
  flush(function() schedule(1) end)
end

return M
