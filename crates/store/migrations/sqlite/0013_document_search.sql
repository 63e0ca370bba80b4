-- Document list search (issue 6). `search_text` holds the folded words of a document's
-- content (title, references, notes, line texts: `Content::search_text`), so that a search
-- no longer matches the JSON keys and codes of `content` ("quantity", "EUR"). It is NULL
-- until written: the store fills the rows of earlier versions when it opens
-- (`Store::backfill_document_search`), and every write path sets it.
--
-- An FTS5 trigram index over the folded number and that text finds a rare word among a
-- million documents without reading them all, as `customers_fts` (0005) does for the
-- directory. Rows are keyed by `document_search_keys.key`, which VACUUM keeps; triggers
-- keep the index in step with inserts (the bulk loader's included), the number given at
-- issue, text edits and deletes.
ALTER TABLE documents ADD COLUMN search_text TEXT;

CREATE TABLE document_search_keys (
    key INTEGER PRIMARY KEY,
    document_id BLOB NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE documents_fts USING fts5(number, search_text, tokenize = 'trigram');

CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO document_search_keys (document_id) VALUES (new.id);
    INSERT INTO documents_fts (rowid, number, search_text)
        VALUES ((SELECT key FROM document_search_keys WHERE document_id = new.id),
                lower(COALESCE(new.number, '')), COALESCE(new.search_text, ''));
END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF number, search_text ON documents BEGIN
    UPDATE documents_fts SET number = lower(COALESCE(new.number, '')), search_text = COALESCE(new.search_text, '')
        WHERE rowid = (SELECT key FROM document_search_keys WHERE document_id = new.id);
END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    DELETE FROM documents_fts WHERE rowid = (SELECT key FROM document_search_keys WHERE document_id = old.id);
    DELETE FROM document_search_keys WHERE document_id = old.id;
END;

INSERT INTO document_search_keys (document_id) SELECT id FROM documents ORDER BY rowid;
INSERT INTO documents_fts (rowid, number, search_text)
    SELECT k.key, lower(COALESCE(d.number, '')), '' FROM documents d JOIN document_search_keys k ON k.document_id = d.id;

-- The rows still to fill: empty once they are, so the check at every open is one look
-- at an empty index, not a read of every document.
CREATE INDEX documents_unsearched ON documents (id) WHERE search_text IS NULL;
