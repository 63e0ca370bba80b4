-- Document search off the write path (issue 6). Migration 0013's triggers wrote each
-- document's trigrams into `documents_fts` inside the transaction that stored it, and again
-- when issuing gave it a number: each transaction wrote an FTS5 segment of its own, which
-- took the HTTP create + issue rate from 1 331 to 429 invoices/s (docs/benchmarks.md).
--
-- Now a write only queues the document's id. The SQLite writer thread moves the queue into
-- `documents_fts` in batches, when idle or every half second (`search_index.rs`): one
-- segment for hundreds of documents, and a document created and issued in between is
-- indexed once. Searches read the few queued rows directly, so a document is found the
-- moment its transaction commits, as before.
DROP TRIGGER documents_fts_insert;
DROP TRIGGER documents_fts_update;
DROP TRIGGER documents_fts_delete;

CREATE TABLE documents_fts_queue (document_id BLOB PRIMARY KEY) WITHOUT ROWID;

CREATE TRIGGER documents_fts_enqueue_insert AFTER INSERT ON documents BEGIN
    INSERT OR IGNORE INTO documents_fts_queue (document_id) VALUES (new.id);
END;
CREATE TRIGGER documents_fts_enqueue_update AFTER UPDATE OF number, search_text ON documents BEGIN
    INSERT OR IGNORE INTO documents_fts_queue (document_id) VALUES (new.id);
END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    DELETE FROM documents_fts_queue WHERE document_id = old.id;
    DELETE FROM documents_fts WHERE rowid = (SELECT key FROM document_search_keys WHERE document_id = old.id);
    DELETE FROM document_search_keys WHERE document_id = old.id;
END;
