-- Concord's first schema. Times are UTC epoch milliseconds.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE projects (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  type       TEXT NOT NULL CHECK (type IN ('pairwise', 'rating', 'choice')),
  -- Everything a researcher may change (redundancy, scales, instructions, ...), validated by zod.
  config     TEXT NOT NULL CHECK (json_valid(config)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE items (
  id          INTEGER PRIMARY KEY,
  project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  external_id TEXT NOT NULL,
  -- question, answer_a/answer_b | answer | options, reference, persona, rubric
  content     TEXT NOT NULL CHECK (json_valid(content)),
  -- Gold label as given ('A', 7, 'option'); no declared type, so SQLite keeps text as text and numbers as numbers.
  gold,
  meta        TEXT CHECK (meta IS NULL OR json_valid(meta)),
  created_at  INTEGER NOT NULL,
  UNIQUE (project_id, external_id)
);

CREATE TABLE annotators (
  id         INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('human', 'llm')),
  -- Identity within the project: the crowd worker id for humans, the judge's name for LLMs.
  key        TEXT NOT NULL,
  name       TEXT NOT NULL,
  -- LLMs: model, endpoint, template and version, sampling parameters. Humans: NULL.
  config     TEXT CHECK (config IS NULL OR json_valid(config)),
  -- SHA-256 of a judge's token; NULL for humans and imported annotators.
  token_hash TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  UNIQUE (project_id, kind, key)
);

CREATE TABLE invites (
  id         INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  token      TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  label      TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX invites_project ON invites (project_id);

CREATE TABLE labels (
  id              INTEGER PRIMARY KEY,
  project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  item_id         INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  annotator_id    INTEGER NOT NULL REFERENCES annotators (id) ON DELETE CASCADE,
  -- In the canonical frame (pairwise: A = the item's answer_a). NULL = a judge output that could not be parsed.
  -- No declared type (BLOB affinity): 'A', 7 and '7' are kept exactly as given.
  value,
  certainty       REAL,
  rationale       TEXT,
  -- Pairwise: the order the answers were shown in (AB = canonical).
  shown_order     TEXT CHECK (shown_order IS NULL OR shown_order IN ('AB', 'BA')),
  sample          INTEGER NOT NULL DEFAULT 0,
  -- What makes a label unique for its annotator: '' for humans (one label per item), 'AB#0' style for judges.
  slot            TEXT NOT NULL DEFAULT '',
  duration_ms     INTEGER,
  created_at      INTEGER NOT NULL,
  client_label_id TEXT,
  source          TEXT NOT NULL CHECK (source IN ('live', 'import')),
  meta            TEXT CHECK (meta IS NULL OR json_valid(meta)),
  UNIQUE (item_id, annotator_id, slot)
);
CREATE UNIQUE INDEX labels_client_id ON labels (annotator_id, client_label_id) WHERE client_label_id IS NOT NULL;
CREATE INDEX labels_project ON labels (project_id, annotator_id);
