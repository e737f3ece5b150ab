-- Issue 14: the report worker keeps a project's label columns in a file beside the database (a snapshot), so the
-- first report after a restart reads only the labels added since. A snapshot is used only while nothing it captured
-- has changed; inserts show in counts and ids, but an item or a label changed in place (an import with `upsert`), or
-- an item deleted, leaves neither. So every such change bumps the project's epoch here, in the same statement's
-- transaction, whatever code made it (server/reports/column-snapshot.ts). Inserts are not counted: live labels and
-- plain imports pay nothing. Labels are deleted only with their annotator, item or project, each seen otherwise.
-- No foreign key: a project's deletion deletes its items, whose trigger writes here while the project goes.
CREATE TABLE report_epochs (
  project_id INTEGER PRIMARY KEY,
  epoch      INTEGER NOT NULL
);

CREATE TRIGGER items_updated_report_epoch AFTER UPDATE ON items BEGIN
  INSERT INTO report_epochs (project_id, epoch) VALUES (new.project_id, 1)
    ON CONFLICT (project_id) DO UPDATE SET epoch = epoch + 1;
  INSERT INTO report_epochs (project_id, epoch) SELECT old.project_id, 1 WHERE old.project_id <> new.project_id
    ON CONFLICT (project_id) DO UPDATE SET epoch = epoch + 1;
END;

CREATE TRIGGER items_deleted_report_epoch AFTER DELETE ON items BEGIN
  INSERT INTO report_epochs (project_id, epoch) VALUES (old.project_id, 1)
    ON CONFLICT (project_id) DO UPDATE SET epoch = epoch + 1;
END;

CREATE TRIGGER labels_updated_report_epoch AFTER UPDATE ON labels BEGIN
  INSERT INTO report_epochs (project_id, epoch) VALUES (new.project_id, 1)
    ON CONFLICT (project_id) DO UPDATE SET epoch = epoch + 1;
  INSERT INTO report_epochs (project_id, epoch) SELECT old.project_id, 1 WHERE old.project_id <> new.project_id
    ON CONFLICT (project_id) DO UPDATE SET epoch = epoch + 1;
END;
