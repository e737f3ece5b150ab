-- Exports read a project's items in keyset pages by id. Without an index on (project_id, id), SQLite either sorts
-- the whole project for every page (the (project_id, external_id) index) or walks the rowid order through other
-- projects' items: the first page reads every item created before the project, the last every item after it
-- (37 s of blocked event loop for a 500k-item project in a 2.3M-item database; docs/BENCHMARKS.md, issue 12).
CREATE INDEX items_project_order ON items (project_id, id);
