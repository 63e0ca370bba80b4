-- Reads of a page of documents by id (issue 24: the FEC of a million invoices).
--
-- PostgreSQL's statistics already lead `company_id = $1 AND id IN (…)` to the primary
-- key; SQLite needs an index on both columns (see the SQLite migration), not built here.

-- The credit notes of a page's invoices (`kind = 'credit_note' AND parent_id IN (…)`).
DROP INDEX documents_by_parent;
CREATE INDEX documents_by_parent ON documents (company_id, parent_id, kind);

-- The reversals phase of the FEC reads the cancelled payments of the period: a few among
-- a million, found without walking the others.
CREATE INDEX customer_payments_cancelled ON customer_payments (company_id, paid_on, id)
    WHERE status = 'cancelled';
