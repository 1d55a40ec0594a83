-- 0006_device_lifecycle: devices can be deleted, moved and given a new key;
-- their event history is bounded (the last N events per device plus counts
-- of all); registrations can be retried with an Idempotency-Key.

-- how many reports of each state a device ever sent (events beyond the
-- last N are deleted; their counts stay)
CREATE TABLE device_event_counts (
  device_id TEXT NOT NULL REFERENCES devices(id),
  state     TEXT NOT NULL,
  count     INTEGER NOT NULL,
  PRIMARY KEY (device_id, state)
) WITHOUT ROWID;
INSERT INTO device_event_counts
  SELECT device_id, state, COUNT(*) FROM device_events GROUP BY device_id, state;

-- a release's outcomes (devices that booted, failed or rolled back its image)
-- outlive the events they came from: the latest time of each
CREATE TABLE device_outcomes (
  device_id TEXT NOT NULL REFERENCES devices(id),
  sha256    TEXT NOT NULL,
  state     TEXT NOT NULL,                -- booted | failed | rolled-back
  time      INTEGER NOT NULL,
  PRIMARY KEY (device_id, sha256, state)
) WITHOUT ROWID;
CREATE INDEX device_outcomes_by_image ON device_outcomes (sha256, state, time);
INSERT INTO device_outcomes
  SELECT device_id, sha256, state, MAX(time) FROM device_events
  WHERE sha256 IS NOT NULL AND state IN ('booted', 'failed', 'rolled-back')
  GROUP BY device_id, sha256, state;
DROP INDEX device_events_by_image;

-- POST /devices with an Idempotency-Key: the answer of the first request,
-- the device key sealed with a key derived from the Idempotency-Key (which
-- only the client holds; stored here only as its SHA-256)
CREATE TABLE device_registrations (
  idem_sha256 TEXT PRIMARY KEY,
  device_id   TEXT NOT NULL,
  channel     TEXT NOT NULL,
  key_sealed  TEXT NOT NULL,              -- hex: device key XOR HKDF(Idempotency-Key)
  created     INTEGER NOT NULL
);
CREATE INDEX device_registrations_by_device ON device_registrations (device_id);

PRAGMA user_version = 6;
