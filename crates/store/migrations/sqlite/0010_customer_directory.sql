-- The customer directory (issue 6): sortable columns, attached files and a history.
--
-- Sort keys: the folded name and billing city (lower case, accents removed; written by
-- the store from `party::fold`), each with an index that ends with `id`, so that a page
-- of the directory sorted by name or city is a range of the index from the previous
-- page's last row (keyset, `(sort_name, id) > (…)`), however deep. Sorting by creation
-- uses the id itself (UUIDv7). Existing rows get SQL's `lower()`, which leaves accents;
-- the next save of a customer writes the folded form.
ALTER TABLE customers ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN sort_city TEXT NOT NULL DEFAULT '';
UPDATE customers SET sort_name = lower(name),
    sort_city = lower(coalesce(json_extract(data, '$.billing_address.city'), ''));
CREATE INDEX customers_by_name ON customers (company_id, sort_name, id);
CREATE INDEX customers_by_city ON customers (company_id, sort_city, id);

-- Files attached to a customer (contracts, Kbis, signed quotes…). Kept in the database
-- so that a backup holds them; `bytes` is loaded only to download.
CREATE TABLE customer_files (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    customer_id BLOB NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX customer_files_by_customer ON customer_files (company_id, customer_id, id);

-- What happened to a customer's record: created, updated (with the fields that
-- changed), files added and removed. Documents, payments and e-mails have their own
-- history (document_events), which the customer page merges in.
CREATE TABLE customer_events (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    customer_id BLOB NOT NULL REFERENCES customers(id),
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX customer_events_by_customer ON customer_events (company_id, customer_id, at);
