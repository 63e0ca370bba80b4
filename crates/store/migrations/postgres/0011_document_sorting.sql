-- Sort orders of the web app's document lists (store::lists): each an index ending in
-- the id, so that a keyset page seeks instead of sorting the company's documents.
CREATE INDEX documents_by_number ON documents (company_id, kind, (COALESCE(number, '')), id);
CREATE INDEX documents_by_due ON documents (company_id, kind, (COALESCE(due_date, DATE '9999-12-31')), id);
CREATE INDEX documents_by_total ON documents (company_id, kind, (CAST(gross AS NUMERIC)), id);
-- Sorted by customer: customers in name order, then each one's documents. Not (name, id):
-- SQLite would then take it, covering, for every lookup of a customer by id.
CREATE INDEX customers_by_display_name ON customers (company_id, name);
CREATE INDEX documents_by_customer_id ON documents (company_id, customer_id, kind, id);
