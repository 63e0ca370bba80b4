-- The catalogue in the web app (issue 22): archived products and sortable columns.
--
-- `archived_at`: an archived product stays on the documents that name it but leaves the
-- catalogue's lists and the editor's search (unless asked for). Sort keys, written by the
-- store (`products::sort_keys`): the folded reference and name (bytewise, COLLATE "C",
-- so that both backends order alike), the unit price in millionths and the tracked stock
-- in ten-thousandths (their scales), an untracked stock as the largest BIGINT so that it
-- comes after every tracked one when sorting by stock from the lowest. Each key has an
-- index that ends with `id`, for keyset pages as in the customer directory. The
-- defaults only fill the column for the statement below: every write sets the keys.
ALTER TABLE products ADD COLUMN archived_at TIMESTAMPTZ;
ALTER TABLE products ADD COLUMN sort_reference TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN sort_name TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN sort_price BIGINT NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN sort_stock BIGINT NOT NULL DEFAULT 0;
-- Existing rows: SQL's `lower()` leaves accents; the next save writes the folded form.
UPDATE products SET sort_reference = lower(reference),
    sort_name = lower(coalesce(data::jsonb ->> 'name', '')),
    sort_price = round(coalesce(data::jsonb ->> 'unit_price', '0')::numeric * 1000000)::bigint,
    sort_stock = coalesce(round((data::jsonb ->> 'stock')::numeric * 10000)::bigint, 9223372036854775807);
CREATE INDEX products_by_reference ON products (company_id, sort_reference, id);
CREATE INDEX products_by_name ON products (company_id, sort_name, id);
CREATE INDEX products_by_price ON products (company_id, sort_price, id);
CREATE INDEX products_by_stock ON products (company_id, sort_stock, id);
