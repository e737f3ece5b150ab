-- A researcher's final label for an item (e.g. after reading a disagreement); the gold export prefers it.
CREATE TABLE adjudications (
  item_id    INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  -- No declared type: 'A', 7 and 'option' are kept exactly as given.
  value      NOT NULL,
  note       TEXT,
  by         TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
