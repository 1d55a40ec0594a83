-- 0007_client: which OTA client a device runs, as its polls show it
-- (server/README.md "Signed manifests"): 'lua' (the NodeMCU client, which
-- asks for the text manifest), 'c' (the JSON form: lfs-device's C agent),
-- NULL until its first poll. Releases to a channel with Lua-client devices
-- must keep the client (POST /releases).

ALTER TABLE devices ADD COLUMN client TEXT;

PRAGMA user_version = 7;
