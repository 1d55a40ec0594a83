-- 0001_init: settings, builds, the source files of each build.
-- Blobs (sources, images, listings) are files named by their SHA-256.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE builds (
  id             INTEGER PRIMARY KEY,
  dedup_key      TEXT NOT NULL UNIQUE,   -- sha256 over file names+hashes and options
  sha256         TEXT NOT NULL,          -- image blob
  size           INTEGER NOT NULL,
  created        INTEGER NOT NULL,
  target         TEXT NOT NULL,          -- requested options ...
  strip          INTEGER NOT NULL,
  base_address   INTEGER,
  max_size       INTEGER,
  opt_seed       INTEGER,
  opt_timestamp  INTEGER,
  seed           INTEGER NOT NULL,       -- ... and what lfsc actually used
  timestamp      INTEGER NOT NULL,
  kind           TEXT NOT NULL,
  flash_size     INTEGER,
  result_json    TEXT NOT NULL,          -- lfsc --json: modules, strings, warnings
  listing_sha256 TEXT,                   -- listing blob, NULL if none
  queued_ms      INTEGER NOT NULL,
  compile_ms     INTEGER NOT NULL,
  total_ms       INTEGER NOT NULL
);

CREATE TABLE build_files (
  build_id INTEGER NOT NULL REFERENCES builds(id),
  pos      INTEGER NOT NULL,
  name     TEXT NOT NULL,
  sha256   TEXT NOT NULL,                -- source blob
  size     INTEGER NOT NULL,
  PRIMARY KEY (build_id, pos)
);

PRAGMA user_version = 1;
