-- _init.lua: lfsd's example app, run from LFS at boot. NodeMCU runs it when
-- init.lua calls it (node.LFS.get("_init")()); lfs-device runs it after every
-- update. It prints one marker line, then starts the blinker.
local blink = node.LFS.get("blink")()
local ok, why = blink.start(4, 500)
print(("BLINK example: image built %d, %s"):format(node.LFS.time or 0,
	ok and "LED on GPIO4 blinking" or why))
