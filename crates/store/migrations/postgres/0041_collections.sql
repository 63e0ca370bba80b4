-- Collections (issue 23).
--
-- The dunning run (store::dunning_page) walks the customers with open invoices in id
-- order, a page at a time. Without this index each page's `SELECT DISTINCT customer_id`
-- read and sorted every open invoice of the company (a run over N invoices cost N × pages);
-- with it a page reads the next customers' open invoices in index order and stops. The
-- run's queries repeat this WHERE clause word for word, so SQLite sees it may use it.
CREATE INDEX documents_open_by_customer ON documents (company_id, customer_id, due_date, id)
    WHERE kind IN ('invoice', 'deposit_invoice') AND status IN ('issued', 'partially_paid');

-- A mandate's debits, to refuse amending a mandate while a batch holding one of its
-- debits awaits collection (store::sepa::amend_mandate).
CREATE INDEX sepa_batch_items_by_mandate ON sepa_batch_items (company_id, mandate_id, status);
