-- The files of issued documents, rendered once and kept byte for byte (issue 20).
--
-- Every issued document gets its files when it is issued (`origin` 'issue'): the PDF
-- (PDF/A-3 with its Factur-X XML for invoices, deposits and credit notes; PDF/A for the
-- other kinds) and, for e-invoices, the Peppol UBL. Downloads, e-mails and exports serve
-- these bytes; nothing renders an issued document again. A format added later is a new
-- row ('later'), beside the originals. Documents issued before this migration get theirs
-- rendered once by the server's worker ('backfill', noted in their history).
--
-- A file is chained into the audit trail: `seal` = SHA-256 over the previous file seal of
-- the company, a newline, then `document seal \n format \n sha256` (core::seal), in
-- `chain_seq` order; `file_chains` holds each company's head, locked by every insert so
-- that the chain stays in order under concurrent renders. `facturier verify` re-checks
-- the bytes, the chain and each file's document seal.
CREATE TABLE document_files (
    company_id BLOB NOT NULL REFERENCES companies(id),
    document_id BLOB NOT NULL REFERENCES documents(id),
    format TEXT NOT NULL,
    bytes BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('issue', 'backfill', 'later')),
    chain_seq INTEGER NOT NULL,
    document_seal TEXT NOT NULL,
    prev_seal TEXT NOT NULL,
    seal TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (company_id, document_id, format)
);
CREATE UNIQUE INDEX document_files_chain ON document_files (company_id, chain_seq);

-- A stored file is never replaced, changed or deleted (verify still catches whoever
-- drops these triggers first).
CREATE TRIGGER document_files_never_change BEFORE UPDATE ON document_files
BEGIN SELECT RAISE(ABORT, 'an issued document''s stored file is never changed'); END;
CREATE TRIGGER document_files_never_deleted BEFORE DELETE ON document_files
BEGIN SELECT RAISE(ABORT, 'an issued document''s stored file is never deleted'); END;

CREATE TABLE file_chains (
    company_id BLOB PRIMARY KEY REFERENCES companies(id),
    head TEXT NOT NULL,
    length INTEGER NOT NULL
);
INSERT INTO file_chains (company_id, head, length)
SELECT id, '0000000000000000000000000000000000000000000000000000000000000000', 0 FROM companies;

-- Issued documents whose files are still to render, whatever issued them (the API, the
-- bulk loader, a crash between issue and render): filled by triggers when a document
-- gets its place in a seal chain, emptied when its files are stored. `not_before`
-- (Unix milliseconds) holds a document back after a failed render, and while a worker
-- has claimed it.
CREATE TABLE document_files_pending (
    company_id BLOB NOT NULL REFERENCES companies(id),
    document_id BLOB NOT NULL REFERENCES documents(id),
    origin TEXT NOT NULL CHECK (origin IN ('issue', 'backfill')),
    not_before INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (company_id, document_id)
);
CREATE INDEX document_files_pending_due ON document_files_pending (not_before);

CREATE TRIGGER document_files_pending_on_issue AFTER UPDATE OF chain_seq ON documents
WHEN NEW.chain_seq IS NOT NULL AND OLD.chain_seq IS NULL
BEGIN
    INSERT OR IGNORE INTO document_files_pending (company_id, document_id, origin, not_before, attempts)
    VALUES (NEW.company_id, NEW.id, 'issue', 0, 0);
END;
CREATE TRIGGER document_files_pending_on_insert AFTER INSERT ON documents
WHEN NEW.chain_seq IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO document_files_pending (company_id, document_id, origin, not_before, attempts)
    VALUES (NEW.company_id, NEW.id, 'issue', 0, 0);
END;

-- Everything issued before this migration: rendered once, as a backfill.
INSERT INTO document_files_pending (company_id, document_id, origin, not_before, attempts)
SELECT company_id, id, 'backfill', 0, 0 FROM documents WHERE chain_seq IS NOT NULL;
