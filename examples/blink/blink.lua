-- blink.lua: toggles an LED every ms milliseconds (GPIO4 is the on-board LED
-- of most ESP-12 modules). Returns false and a reason where the firmware has
-- no gpio or tmr module (lfs-device's simulator has neither).
local M = {}

function M.start(pin, ms)
	if not (gpio and tmr) then
		return false, "no gpio/tmr module here, not blinking"
	end
	local level = gpio.LOW
	gpio.mode(pin, gpio.OUTPUT)
	M.timer = tmr.create()
	M.timer:alarm(ms, tmr.ALARM_AUTO, function()
		level = level == gpio.LOW and gpio.HIGH or gpio.LOW
		gpio.write(pin, level)
	end)
	return true
end

function M.stop()
	if M.timer then
		M.timer:unregister()
		M.timer = nil
	end
end

return M
