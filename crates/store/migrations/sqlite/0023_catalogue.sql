-- The catalogue in the web app (issue 22): archived products and sortable columns.
--
-- `archived_at`: an archived product stays on the documents that name it but leaves the
-- catalogue's lists and the editor's search (unless asked for). Sort keys, written by the
-- store (`products::sort_keys`): the folded reference and name, the unit price in
-- millionths and the tracked stock in ten-thousandths (their scales), an untracked stock
-- as the largest integer so that it comes after every tracked one when sorting by stock
-- from the lowest. Each key has an index that ends with `id`, for keyset pages as in the
-- customer directory. The defaults only fill the column for the statement below: every
-- write sets the keys.
ALTER TABLE products ADD COLUMN archived_at TEXT;
ALTER TABLE products ADD COLUMN sort_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN sort_price INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN sort_stock INTEGER NOT NULL DEFAULT 0;
-- Existing rows: SQL's `lower()` leaves accents (the next save writes the folded form);
-- SQLite has no exact decimal, but a price of at most 10^9 with 6 decimals, scaled and
-- rounded, is the exact integer (only a sort key: the amount itself stays text in `data`).
UPDATE products SET sort_reference = lower(reference),
    sort_name = lower(coalesce(json_extract(data, '$.name'), '')),
    sort_price = CAST(round(CAST(coalesce(json_extract(data, '$.unit_price'), '0') AS REAL) * 1000000) AS INTEGER),
    sort_stock = coalesce(CAST(round(CAST(json_extract(data, '$.stock') AS REAL) * 10000) AS INTEGER),
        9223372036854775807);
CREATE INDEX products_by_reference ON products (company_id, sort_reference, id);
CREATE INDEX products_by_name ON products (company_id, sort_name, id);
CREATE INDEX products_by_price ON products (company_id, sort_price, id);
CREATE INDEX products_by_stock ON products (company_id, sort_stock, id);
