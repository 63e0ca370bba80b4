-- Document list search (issue 6). `search_text` holds the folded words of a document's
-- content (title, references, notes, line texts: `Content::search_text`), so that a search
-- no longer matches the JSON keys and codes of `content` ("quantity", "EUR"). It is NULL
-- until written: the store fills the rows of earlier versions when it opens
-- (`Store::backfill_document_search`), and every write path sets it.
--
-- A trigram GIN index over the folded number and that text serves `LIKE '%word%'` on
-- exactly this expression (the list query writes it the same way), so a rare word is
-- found without reading every document.
ALTER TABLE documents ADD COLUMN search_text TEXT;
CREATE INDEX documents_search ON documents
    USING gin ((lower(COALESCE(number, '')) || ' ' || COALESCE(search_text, '')) gin_trgm_ops);

-- The rows still to fill: empty once they are, so the check at every open is one look
-- at an empty index, not a read of every document.
CREATE INDEX documents_unsearched ON documents (id) WHERE search_text IS NULL;
