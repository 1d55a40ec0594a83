-- ota_latest.lua - wrk script for tests/bench/ota_latest.sh: every request is
-- GET /ota/latest of the next device in $OTA_DEVICES (lines "id key"), as an
-- up-to-date device (current = $OTA_CURRENT), with its bearer key.
local devices = {}
local n, i = 0, 0
local current = os.getenv("OTA_CURRENT")

function init(args)
	for line in io.lines(os.getenv("OTA_DEVICES")) do
		local id, key = line:match("^(%S+) (%S+)$")
		if id then
			n = n + 1
			devices[n] = { id, "Bearer " .. key }
		end
	end
	i = math.random(n)      -- threads start at different devices
end

function request()
	i = i % n + 1
	local d = devices[i]
	return wrk.format("GET", "/ota/latest?device=" .. d[1] .. "&current=" .. current,
	                  { ["Authorization"] = d[2] })
end
