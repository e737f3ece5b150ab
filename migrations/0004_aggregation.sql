-- The consensus method of a project's gold export and report (issue 10): the plurality of the votes, or a model of
-- each annotator's reliability fitted to all of them (Dawid & Skene 1979; MACE, Hovy et al. 2013). A column rather
-- than a key of `config` so the database itself refuses a method the server does not know. Existing projects keep
-- the plurality they have always had.
ALTER TABLE projects ADD COLUMN aggregation TEXT NOT NULL DEFAULT 'majority' CHECK (aggregation IN ('majority', 'dawid-skene', 'mace'));
