-- A reminder's attachments name the issued files they are (document and format) instead
-- of copying their bytes: an issued document's files never change, so the e-mail reads
-- them when it is sent. A run over 100 000 invoices wrote ~5 GB of copies before.
ALTER TABLE outbox_attachments ALTER COLUMN bytes DROP NOT NULL;
ALTER TABLE outbox_attachments ADD COLUMN document_id UUID REFERENCES documents(id);
ALTER TABLE outbox_attachments ADD COLUMN format TEXT;
ALTER TABLE outbox_attachments ADD CONSTRAINT outbox_attachments_bytes_or_file
    CHECK ((bytes IS NULL) = (document_id IS NOT NULL) AND (document_id IS NULL) = (format IS NULL));
