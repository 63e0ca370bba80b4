-- What each customer owes, kept up to date so that the directory can sort 100 000
-- customers by it (issue 6). `open_balance` is the sum, in thousandths of the company's
-- currency, of the `due` of the customer's issued and unsettled invoices and deposit
-- invoices (the rows `reports::open_amounts` shows), a foreign-currency one at its
-- fixed exchange rate. It is a sort key only: the amounts shown are still summed
-- exactly, per currency, from the documents. An integer, so that adding and taking
-- away never drifts.
--
-- Triggers follow every insert (the bulk loader's included), every change of status,
-- amount due or customer, and every delete, on both the sqlx and the writer-thread paths.
ALTER TABLE customers ADD COLUMN open_balance INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER customers_balance_insert AFTER INSERT ON documents
WHEN new.kind IN ('invoice', 'deposit_invoice') AND new.status IN ('issued', 'partially_paid')
BEGIN
    UPDATE customers SET open_balance = open_balance + CAST(ROUND(CAST(new.due AS REAL) * CASE
        WHEN new.currency <> (SELECT currency FROM companies WHERE id = new.company_id)
        THEN COALESCE(CAST(json_extract(new.content, '$.exchange_rate') AS REAL), 1.0) ELSE 1.0 END * 1000) AS INTEGER)
    WHERE id = new.customer_id;
END;

CREATE TRIGGER customers_balance_update AFTER UPDATE OF kind, status, due, customer_id, currency, content ON documents
WHEN (old.kind IN ('invoice', 'deposit_invoice') AND old.status IN ('issued', 'partially_paid'))
  OR (new.kind IN ('invoice', 'deposit_invoice') AND new.status IN ('issued', 'partially_paid'))
BEGIN
    UPDATE customers SET open_balance = open_balance - CAST(ROUND(CAST(old.due AS REAL) * CASE
        WHEN old.currency <> (SELECT currency FROM companies WHERE id = old.company_id)
        THEN COALESCE(CAST(json_extract(old.content, '$.exchange_rate') AS REAL), 1.0) ELSE 1.0 END * 1000) AS INTEGER)
    WHERE id = old.customer_id
      AND old.kind IN ('invoice', 'deposit_invoice') AND old.status IN ('issued', 'partially_paid');
    UPDATE customers SET open_balance = open_balance + CAST(ROUND(CAST(new.due AS REAL) * CASE
        WHEN new.currency <> (SELECT currency FROM companies WHERE id = new.company_id)
        THEN COALESCE(CAST(json_extract(new.content, '$.exchange_rate') AS REAL), 1.0) ELSE 1.0 END * 1000) AS INTEGER)
    WHERE id = new.customer_id
      AND new.kind IN ('invoice', 'deposit_invoice') AND new.status IN ('issued', 'partially_paid');
END;

CREATE TRIGGER customers_balance_delete AFTER DELETE ON documents
WHEN old.kind IN ('invoice', 'deposit_invoice') AND old.status IN ('issued', 'partially_paid')
BEGIN
    UPDATE customers SET open_balance = open_balance - CAST(ROUND(CAST(old.due AS REAL) * CASE
        WHEN old.currency <> (SELECT currency FROM companies WHERE id = old.company_id)
        THEN COALESCE(CAST(json_extract(old.content, '$.exchange_rate') AS REAL), 1.0) ELSE 1.0 END * 1000) AS INTEGER)
    WHERE id = old.customer_id;
END;

UPDATE customers SET open_balance = COALESCE((
    SELECT SUM(CAST(ROUND(CAST(d.due AS REAL) * CASE
        WHEN d.currency <> co.currency
        THEN COALESCE(CAST(json_extract(d.content, '$.exchange_rate') AS REAL), 1.0) ELSE 1.0 END * 1000) AS INTEGER))
    FROM documents d JOIN companies co ON co.id = d.company_id
    WHERE d.company_id = customers.company_id AND d.customer_id = customers.id
      AND d.kind IN ('invoice', 'deposit_invoice') AND d.status IN ('issued', 'partially_paid')), 0);

CREATE INDEX customers_by_balance ON customers (company_id, open_balance, id);
