-- 0004_typed_builds: what lfsc reported about a build lives in typed columns
-- and tables (no longer its --json text); listings are derived on demand
-- from the stored image (no listing blobs); indexes for paging devices by
-- channel or state and for finding the releases of a build.

CREATE TABLE build_modules (
  build_id    INTEGER NOT NULL REFERENCES builds(id),
  pos         INTEGER NOT NULL,          -- order in the image's module index
  name        TEXT NOT NULL,
  file        TEXT NOT NULL,
  image_bytes INTEGER NOT NULL,
  flash_bytes INTEGER NOT NULL,
  functions   INTEGER NOT NULL,
  PRIMARY KEY (build_id, pos)
) WITHOUT ROWID;

CREATE TABLE build_warnings (
  build_id INTEGER NOT NULL REFERENCES builds(id),
  pos      INTEGER NOT NULL,
  file     TEXT NOT NULL,
  line     INTEGER NOT NULL,
  message  TEXT NOT NULL,
  PRIMARY KEY (build_id, pos)
) WITHOUT ROWID;

ALTER TABLE builds ADD COLUMN strings_vector INTEGER NOT NULL DEFAULT 0;
ALTER TABLE builds ADD COLUMN strings_short INTEGER NOT NULL DEFAULT 0;
ALTER TABLE builds ADD COLUMN strings_long INTEGER NOT NULL DEFAULT 0;

INSERT INTO build_modules
  SELECT b.id, m.key, json_extract(m.value, '$.name'), json_extract(m.value, '$.file'),
         json_extract(m.value, '$.image_bytes'), json_extract(m.value, '$.flash_bytes'),
         json_extract(m.value, '$.functions')
  FROM builds b, json_each(b.result_json, '$.modules') m;
INSERT INTO build_warnings
  SELECT b.id, w.key, json_extract(w.value, '$.file'), json_extract(w.value, '$.line'),
         json_extract(w.value, '$.message')
  FROM builds b, json_each(b.result_json, '$.warnings') w;
UPDATE builds SET
  strings_vector = coalesce(json_extract(result_json, '$.strings.vector'), 0),
  strings_short = coalesce(json_extract(result_json, '$.strings.short'), 0),
  strings_long = coalesce(json_extract(result_json, '$.strings.long'), 0);
ALTER TABLE builds DROP COLUMN result_json;
ALTER TABLE builds DROP COLUMN listing_sha256;

-- build_files again, without a rowid (half the space: the key is the row)
CREATE TABLE build_files_new (
  build_id INTEGER NOT NULL REFERENCES builds(id),
  pos      INTEGER NOT NULL,
  name     TEXT NOT NULL,
  sha256   TEXT NOT NULL,                -- source blob
  size     INTEGER NOT NULL,
  PRIMARY KEY (build_id, pos)
) WITHOUT ROWID;
INSERT INTO build_files_new SELECT build_id, pos, name, sha256, size FROM build_files;
DROP TABLE build_files;
ALTER TABLE build_files_new RENAME TO build_files;

CREATE INDEX releases_by_build ON releases (build_id);
CREATE INDEX devices_by_channel ON devices (channel, id);
CREATE INDEX devices_by_state ON devices (state, id);

PRAGMA user_version = 4;
