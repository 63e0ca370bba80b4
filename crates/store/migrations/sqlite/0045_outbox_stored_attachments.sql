-- A reminder's attachments name the issued files they are (document and format) instead
-- of copying their bytes: an issued document's files never change, so the e-mail reads
-- them when it is sent. A run over 100 000 invoices wrote ~5 GB of copies before.
-- SQLite cannot drop a NOT NULL: the table is made again.
CREATE TABLE outbox_attachments_new (
    company_id BLOB NOT NULL REFERENCES companies(id),
    email_id BLOB NOT NULL REFERENCES outbox(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    bytes BLOB,
    document_id BLOB REFERENCES documents(id),
    format TEXT,
    PRIMARY KEY (email_id, position),
    CHECK ((bytes IS NULL) = (document_id IS NOT NULL) AND (document_id IS NULL) = (format IS NULL))
);
INSERT INTO outbox_attachments_new (company_id, email_id, position, name, bytes)
    SELECT company_id, email_id, position, name, bytes FROM outbox_attachments;
DROP TABLE outbox_attachments;
ALTER TABLE outbox_attachments_new RENAME TO outbox_attachments;
