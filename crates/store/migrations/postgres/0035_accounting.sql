-- Accounting hand-off (issue 24).
--
-- A customer's own auxiliary account (`accounting_account`, e.g. `411DURAND`); without
-- one, the entries use `411` + a code from its name and id (core::accounting::chart).
-- The FEC reads issued documents by issue date in keyset pages: an index for it.
ALTER TABLE customers ADD COLUMN accounting_account TEXT;
CREATE INDEX documents_by_issue_date ON documents (company_id, issue_date, id);
