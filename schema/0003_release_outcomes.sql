-- 0003_release_outcomes: find the devices that reported an image's outcome
-- (booted, failed, rolled-back) without scanning every event; a release shows
-- how many devices failed or rolled back its image.

CREATE INDEX device_events_by_image ON device_events (sha256, state, device_id);

PRAGMA user_version = 3;
