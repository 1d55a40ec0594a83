-- 0005_manifest: signed manifests v1 (server/README.md "Signed manifests").
-- Per device: the generation of its manifest key (bumped when its key is
-- replaced), the last release lfsd offered it and whether that offer
-- authorized a rollback, its anti-rollback floor as lfsd knows it, and the
-- image of a booted report lfsd never offered it (flagged); per event, the flag.

ALTER TABLE devices ADD COLUMN key_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN offered_release INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN offered_rollback INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN floor_release INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN unoffered_sha256 TEXT;
ALTER TABLE device_events ADD COLUMN flag TEXT;

PRAGMA user_version = 5;
