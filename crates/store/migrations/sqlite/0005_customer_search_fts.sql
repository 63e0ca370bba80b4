-- Directory search on SQLite through an FTS5 trigram index: `q` matches substrings of
-- the folded search text, as `LIKE '%word%'` does, but a word that few of 100 000
-- customers contain is found through the index instead of by walking every customer
-- (docs/benchmarks.md). Words under three letters, which trigrams cannot find, still
-- filter with LIKE.
--
-- The FTS rows are keyed by `customer_search_keys.key`, an INTEGER PRIMARY KEY that
-- VACUUM keeps (the implicit rowid of `customers` it may renumber). Triggers keep the
-- index in step with every insert, update and delete, the bulk loader's included.
CREATE TABLE customer_search_keys (
    key INTEGER PRIMARY KEY,
    customer_id BLOB NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE customers_fts USING fts5(search_text, tokenize = 'trigram');

CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customer_search_keys (customer_id) VALUES (new.id);
    INSERT INTO customers_fts (rowid, search_text)
        VALUES ((SELECT key FROM customer_search_keys WHERE customer_id = new.id), new.search_text);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF search_text ON customers BEGIN
    UPDATE customers_fts SET search_text = new.search_text
        WHERE rowid = (SELECT key FROM customer_search_keys WHERE customer_id = new.id);
END;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    DELETE FROM customers_fts WHERE rowid = (SELECT key FROM customer_search_keys WHERE customer_id = old.id);
    DELETE FROM customer_search_keys WHERE customer_id = old.id;
END;

INSERT INTO customer_search_keys (customer_id) SELECT id FROM customers ORDER BY rowid;
INSERT INTO customers_fts (rowid, search_text)
    SELECT k.key, c.search_text FROM customers c JOIN customer_search_keys k ON k.customer_id = c.id;
