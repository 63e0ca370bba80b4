-- A large import runs in the background (job `import.run`) so that the page can show how
-- far it got: queued, checking row by row, writing in one transaction, then done (the
-- counts) or failed (checked again on the page to show why). The file is dropped once its
-- rows are written; the row stays for the page until the housekeeping removes it.
ALTER TABLE import_uploads ADD COLUMN run_state TEXT CHECK (run_state IN ('queued', 'checking', 'writing', 'done', 'failed'));
ALTER TABLE import_uploads ADD COLUMN run_mapping TEXT;
ALTER TABLE import_uploads ADD COLUMN rows_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_uploads ADD COLUMN rows_checked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_uploads ADD COLUMN rows_created INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_uploads ADD COLUMN rows_updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_uploads ADD COLUMN run_error TEXT;
