-- Payments that can be corrected (issue 19).
--
-- A payment (`customer_payments`) is money received from a customer (`receipt`), customer
-- credit set against an invoice (`credit`) or credit paid back (`refund`, outgoing). A
-- receipt or a credit application is allocated over one or several invoices: one
-- `payments` row per invoice (what settles it, `applied`), pointing at its payment by
-- `payment_id`. What a receipt brings beyond its allocations is `to_credit`, written to
-- `customer_credits` too. A payment is never deleted: cancelling it sets `status`
-- (on the payment and its rows), `cancelled_at` and `cancel_reason`, and the invoices'
-- paid/due/status are recomputed (the customer balance triggers of 0014 follow `due`).
--
-- Existing payments become receipts of one allocation, `recorded`, with the same id.
CREATE TABLE customer_payments (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'credit', 'refund')),
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    to_credit TEXT NOT NULL,
    paid_on DATE NOT NULL,
    method TEXT NOT NULL,
    reference TEXT,
    status TEXT NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded', 'cancelled')),
    cancelled_at TIMESTAMPTZ,
    cancel_reason TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX customer_payments_by_date ON customer_payments (company_id, paid_on, id);
CREATE INDEX customer_payments_by_customer ON customer_payments (company_id, customer_id, paid_on, id);

ALTER TABLE payments ADD COLUMN payment_id UUID;
ALTER TABLE payments ADD COLUMN status TEXT NOT NULL DEFAULT 'recorded';

INSERT INTO customer_payments
    (id, company_id, customer_id, kind, currency, amount, to_credit, paid_on, method, reference, status, created_at)
SELECT p.id, p.company_id, d.customer_id, 'receipt', d.currency, p.amount,
       COALESCE((SELECT c.amount FROM customer_credits c
                 WHERE c.company_id = p.company_id AND c.source_kind = 'payment' AND c.source_id = p.id), '0'),
       p.paid_on, p.method, p.reference, 'recorded', p.created_at
FROM payments p JOIN documents d ON d.company_id = p.company_id AND d.id = p.document_id;

UPDATE payments SET payment_id = id;
CREATE INDEX payments_by_payment ON payments (company_id, payment_id);
