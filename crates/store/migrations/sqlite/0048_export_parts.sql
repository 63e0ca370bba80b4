-- An export run's file in parts (issue 24). The FEC of a million invoices is about a
-- gigabyte: the run writes it a part at a time as it streams its entries, so neither the
-- run nor a download holds the whole file in memory. Parts are written before the run is
-- recorded (the record and its marks are one short transaction at the end), so they
-- cannot reference it; parts of a run that was never recorded (it failed, or lost to a
-- concurrent run and was rebuilt under another id) are deleted by it, or, after a crash,
-- by the company's next run once they are an hour old.
CREATE TABLE accounting_export_parts (
    company_id BLOB NOT NULL REFERENCES companies(id),
    export_id BLOB NOT NULL,
    part INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (company_id, export_id, part)
);

-- `parts` 0: the file is `bytes` (runs recorded before); otherwise `bytes` is empty and
-- the file is its parts 0 to parts − 1, `size` bytes in all.
ALTER TABLE accounting_exports ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounting_exports ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
UPDATE accounting_exports SET size = LENGTH(bytes);
