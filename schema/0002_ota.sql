-- 0002_ota: releases per channel, devices and their event history.

CREATE TABLE releases (
  id              INTEGER PRIMARY KEY,
  channel         TEXT NOT NULL,
  number          INTEGER NOT NULL,       -- 1, 2, ... within the channel
  build_id        INTEGER NOT NULL REFERENCES builds(id),
  sha256          TEXT NOT NULL,
  size            INTEGER NOT NULL,
  rollout_percent INTEGER NOT NULL,
  state           TEXT NOT NULL,          -- active | paused | revoked
  notes           TEXT NOT NULL DEFAULT '',
  signature       TEXT NOT NULL,          -- base64 DER ECDSA P-256 over the image digest
  created         INTEGER NOT NULL,
  updated         INTEGER NOT NULL,
  UNIQUE (channel, number)
);

CREATE TABLE devices (
  id             TEXT PRIMARY KEY,
  channel        TEXT NOT NULL,
  key_sha256     TEXT NOT NULL,           -- the secret key itself is never stored
  created        INTEGER NOT NULL,
  last_seen      INTEGER,
  running_sha256 TEXT,
  state          TEXT,
  state_detail   TEXT,
  state_time     INTEGER
);

CREATE TABLE device_events (
  id        INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(id),
  time      INTEGER NOT NULL,
  state     TEXT NOT NULL,
  sha256    TEXT,
  detail    TEXT
);
CREATE INDEX device_events_by_device ON device_events (device_id, id);

PRAGMA user_version = 2;
