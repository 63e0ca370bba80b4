-- Collections (issue 23).
--
-- The dunning run (store::dunning_page) walks the customers with open invoices in id
-- order, a page at a time: with this index a page reads only the next customers' open
-- invoices, in index order, and stops (documents_by_customer_id gives the order too, but
-- visits every document of each customer, paid ones included, with a table read each).
-- The run's queries repeat this WHERE clause word for word, so SQLite sees it may use it.
CREATE INDEX documents_open_by_customer ON documents (company_id, customer_id, due_date, id)
    WHERE kind IN ('invoice', 'deposit_invoice') AND status IN ('issued', 'partially_paid');

-- A mandate's debits, to refuse amending a mandate while a batch holding one of its
-- debits awaits collection (store::sepa::amend_mandate).
CREATE INDEX sepa_batch_items_by_mandate ON sepa_batch_items (company_id, mandate_id, status);
