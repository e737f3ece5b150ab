-- Hardening for hostile crowd studies (issue 8). Times are UTC epoch milliseconds.

-- A join link may cap how many distinct worker ids it admits (a study with a known number of places).
ALTER TABLE invites ADD COLUMN max_workers INTEGER CHECK (max_workers IS NULL OR max_workers >= 1);

-- Humans: a blocked annotator is served nothing; `blocked_reason` says who blocked them ('researcher', or
-- 'qualification' when their gold-check accuracy fell below the project's bar).
ALTER TABLE annotators ADD COLUMN blocked_at INTEGER;
ALTER TABLE annotators ADD COLUMN blocked_reason TEXT CHECK (blocked_reason IS NULL OR blocked_reason IN ('researcher', 'qualification'));
-- Labels kept but left out of the report and the gold set (restorable). Set with a block by default.
ALTER TABLE annotators ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1));
-- Judges: archived judges keep their labels but are left out of the report, plots and gold until restored.
ALTER TABLE annotators ADD COLUMN archived_at INTEGER;

-- Human labels carry where they came from: the join link, and the crowd platform's study and session from the
-- join URL (Prolific STUDY_ID / SESSION_ID; MTurk hitId / assignmentId).
ALTER TABLE labels ADD COLUMN invite_id INTEGER REFERENCES invites (id) ON DELETE SET NULL;
ALTER TABLE labels ADD COLUMN study_id TEXT;
ALTER TABLE labels ADD COLUMN session_id TEXT;
-- The lease a live label was submitted on: a repeated clientLabelId is a retry of that label only if it names the
-- same lease (issue 8: reusing an id for another task is a conflict, not a duplicate).
ALTER TABLE labels ADD COLUMN lease_id TEXT;
