-- What each customer owes, kept up to date so that the directory can sort 100 000
-- customers by it (issue 6). `open_balance` is the sum, in thousandths of the company's
-- currency, of the `due` of the customer's issued and unsettled invoices and deposit
-- invoices (the rows `reports::open_amounts` shows), a foreign-currency one at its
-- fixed exchange rate. It is a sort key only: the amounts shown are still summed
-- exactly, per currency, from the documents. An integer, so that adding and taking
-- away never drifts. A trigger follows every insert, change and delete of a document.
ALTER TABLE customers ADD COLUMN open_balance BIGINT NOT NULL DEFAULT 0;

-- A document's part of its customer's balance (0 unless an unsettled invoice).
CREATE FUNCTION document_open_milli(kind TEXT, status TEXT, due TEXT, currency TEXT, content TEXT, company UUID)
RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN kind IN ('invoice', 'deposit_invoice') AND status IN ('issued', 'partially_paid') THEN
        round(due::numeric * CASE
            WHEN currency <> (SELECT c.currency FROM companies c WHERE c.id = company)
            THEN COALESCE((content::jsonb ->> 'exchange_rate')::numeric, 1) ELSE 1 END * 1000)::bigint
    ELSE 0 END
$$;

CREATE FUNCTION customers_balance_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before BIGINT := 0;
    after BIGINT := 0;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        before := document_open_milli(OLD.kind, OLD.status, OLD.due, OLD.currency, OLD.content, OLD.company_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        after := document_open_milli(NEW.kind, NEW.status, NEW.due, NEW.currency, NEW.content, NEW.company_id);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.customer_id = NEW.customer_id THEN
        IF after <> before THEN
            UPDATE customers SET open_balance = open_balance + after - before WHERE id = NEW.customer_id;
        END IF;
    ELSE
        IF before <> 0 THEN
            UPDATE customers SET open_balance = open_balance - before WHERE id = OLD.customer_id;
        END IF;
        IF after <> 0 THEN
            UPDATE customers SET open_balance = open_balance + after WHERE id = NEW.customer_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER customers_balance AFTER INSERT OR DELETE OR UPDATE OF kind, status, due, customer_id, currency, content
    ON documents FOR EACH ROW EXECUTE FUNCTION customers_balance_follow();

UPDATE customers cu SET open_balance = s.total FROM (
    SELECT d.customer_id, SUM(document_open_milli(d.kind, d.status, d.due, d.currency, d.content, d.company_id)) AS total
    FROM documents d WHERE d.kind IN ('invoice', 'deposit_invoice') AND d.status IN ('issued', 'partially_paid')
    GROUP BY d.customer_id) s
WHERE cu.id = s.customer_id;

CREATE INDEX customers_by_balance ON customers (company_id, open_balance, id);
