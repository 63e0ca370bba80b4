-- The web's unpaid list (store::dunning_list): issued invoices and deposit invoices that
-- still owe something, or were withdrawn (cancelled, credited), in due-date order. A
-- keyset page walks this index instead of sorting every open invoice of the company; the
-- list's query repeats this WHERE clause word for word, so SQLite sees that it may use it.
CREATE INDEX documents_dunning_due ON documents (company_id, due_date, id)
    WHERE kind IN ('invoice', 'deposit_invoice') AND status IN ('issued', 'partially_paid', 'cancelled', 'credited');
