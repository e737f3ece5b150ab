-- concord:foreign-keys-off
-- Issue 11: ranking projects, labels that order several answers, and image files stored with the items.
--
-- The first line makes the migration runner turn foreign keys off around this migration (SQLite's own procedure for
-- changing a table's CHECK, https://www.sqlite.org/lang_altertable.html#otheralter): `projects` is rebuilt to let
-- its type be 'ranking', and with foreign keys on, dropping the old table would cascade into every item and label.
-- The runner checks `PRAGMA foreign_key_check` before it commits.
CREATE TABLE projects_new (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL CHECK (type IN ('pairwise', 'rating', 'choice', 'ranking')),
  -- Everything a researcher may change (redundancy, scales, instructions, ...), validated by zod.
  config      TEXT NOT NULL CHECK (json_valid(config)),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  aggregation TEXT NOT NULL DEFAULT 'majority' CHECK (aggregation IN ('majority', 'dawid-skene', 'mace'))
);
INSERT INTO projects_new (id, name, type, config, created_at, updated_at, aggregation)
  SELECT id, name, type, config, created_at, updated_at, aggregation FROM projects;
DROP TABLE projects;
ALTER TABLE projects_new RENAME TO projects;

-- Ranking labels: `value` holds the order as JSON text in the item's frame, best first, ties as groups of answer
-- indexes ('[[2],[0,1]]'); `permutation` is the order the answers were shown in (JSON: the item's answer index at
-- each display position, '[2,0,1]' = answer 2 shown first); `scores` a score per answer in the item's order, when
-- the annotator gave them (JudgeLM scores every answer). NULL for the other types.
ALTER TABLE labels ADD COLUMN permutation TEXT CHECK (permutation IS NULL OR json_valid(permutation));
ALTER TABLE labels ADD COLUMN scores TEXT CHECK (scores IS NULL OR json_valid(scores));

-- Image files that came with an import, stored once per project by their content (SHA-256 of the bytes, hex). An
-- item's content names them as 'file:<sha256>'; they are served only inside a task that shows the item, or to the
-- researcher. Only the four types browsers and vision models all take, sniffed from the bytes.
CREATE TABLE files (
  id         INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
  media_type TEXT NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif')),
  size       INTEGER NOT NULL,
  data       BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (project_id, sha256)
);
