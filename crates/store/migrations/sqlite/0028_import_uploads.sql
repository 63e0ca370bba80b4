-- A file sent to the web's import page, kept between its check and its import so that
-- the user chooses the file once: the page reads it, shows its columns and the problems,
-- lets the user change which column fills which field, checks again and imports, each
-- step naming this row. Only its company reads it; the daily housekeeping removes rows
-- older than a day, and an import that succeeds removes its own.
CREATE TABLE import_uploads (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    target TEXT NOT NULL CHECK (target IN ('customers', 'products')),
    name TEXT NOT NULL,
    file_kind TEXT NOT NULL CHECK (file_kind IN ('csv', 'xlsx')),
    bytes BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX import_uploads_by_age ON import_uploads (created_at);
