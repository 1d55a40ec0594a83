-- ota_latest.lua - wrk script for the poll benchmarks (ota_latest.sh,
-- fleet_scale.sh): every request is GET /ota/latest of the next device as an
-- up-to-date device (current = $OTA_CURRENT), with its bearer key. Devices are
-- the ones tests/bench/fleet_seed registers, derived arithmetically from
-- $OTA_DEVICES (their count), so nothing is loaded outside wrk's clock:
-- id "dev-%07d", key "bench-key-%d".
local n = tonumber(os.getenv("OTA_DEVICES"))
local current = os.getenv("OTA_CURRENT")
local i = 0

function init(args)
	i = math.random(n)      -- threads start at different devices
end

function request()
	i = i % n + 1
	return wrk.format("GET", string.format("/ota/latest?device=dev-%07d&nonce=%032x&current=%s", i, i, current),
	                  { ["Authorization"] = "Bearer bench-key-" .. i })
end
