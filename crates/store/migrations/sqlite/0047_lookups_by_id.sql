-- Reads of a page of documents by id (issue 24: the FEC of a million invoices).
--
-- `WHERE company_id = ? AND id IN (…)` is how every page reads the documents it names
-- (letterings, VAT on collection, lists, dunning). Without statistics SQLite's planner
-- takes `company_id = ?` as selective and walked one of the (company_id, …) indexes
-- through every document of the company instead of looking up the ids: each page of the
-- FEC read the whole company, so the export grew with the square of its size. With both
-- columns in one index, the lookup is the cheapest plan whatever the statistics say.
CREATE INDEX documents_of_company ON documents (company_id, id);

-- The credit notes of a page's invoices (`kind = 'credit_note' AND parent_id IN (…)`):
-- with the kind in the index the lookup by parent beats the walk through every credit
-- note of the company the planner chose with (company_id, parent_id) alone.
DROP INDEX documents_by_parent;
CREATE INDEX documents_by_parent ON documents (company_id, parent_id, kind);

-- The reversals phase of the FEC reads the cancelled payments of the period: a few among
-- a million, found without walking the others.
CREATE INDEX customer_payments_cancelled ON customer_payments (company_id, paid_on, id)
    WHERE status = 'cancelled';

-- The same for a page of contracts read by id (issue 25's run, `store::contracts_of`):
-- the planner walked contracts_by_status through every contract of the company for each
-- page of 200.
CREATE INDEX contracts_of_company ON contracts (company_id, id);
