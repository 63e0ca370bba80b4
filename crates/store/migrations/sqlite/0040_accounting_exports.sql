-- Export runs and period closing (issue 24). An export run is a file handed to the accountant: its format,
-- period and journals, who made it and when, its counts and its bytes, kept so that a
-- download gives the same file ever after. `seq` numbers a company's runs (1, 2…): two
-- runs started at once both want the next one, and the unique key lets one through.
--
-- Each movement (a sales document, a payment, a payment's cancellation) is marked with
-- the run that exported it first and its fixed entry number in its journal
-- (`EcritureNum`): the export is the validation. A movement is exported once unless a
-- re-export asks for it again, which writes it with the same number. The keys forbid a
-- movement marked twice and a number given twice in a journal.
CREATE TABLE accounting_exports (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    seq INTEGER NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('fec', 'ximport', 'quadratus', 'ebp', 'csv', 'xlsx')),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    journals TEXT,
    reexport INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    new_entries INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    created_by BLOB REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (company_id, seq)
);
CREATE INDEX accounting_exports_by_company ON accounting_exports (company_id, id);

CREATE TABLE accounting_export_marks (
    company_id BLOB NOT NULL REFERENCES companies(id),
    movement TEXT NOT NULL CHECK (movement IN ('sale', 'payment', 'reversal')),
    movement_id BLOB NOT NULL,
    export_id BLOB NOT NULL REFERENCES accounting_exports(id),
    journal TEXT NOT NULL,
    number INTEGER NOT NULL,
    PRIMARY KEY (company_id, movement, movement_id),
    UNIQUE (company_id, journal, number)
);
CREATE INDEX accounting_export_marks_by_export ON accounting_export_marks (company_id, export_id);

-- Period closing: a company closes its books through a day; nothing is issued, dated or
-- paid on or before the latest closing any more (app::closing). Closings only move on.
CREATE TABLE accounting_closings (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    through TEXT NOT NULL,
    created_by BLOB REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (company_id, through)
);
