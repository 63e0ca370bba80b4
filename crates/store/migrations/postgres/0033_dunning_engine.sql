-- The dunning engine (issue 23): key accounts ("grand compte"), whose reminders use the
-- company's key-account texts; and the late fees invoiced when a level is taken, one per
-- invoice and level ever (the unique key keeps two runs at once from billing it twice).
-- Undoing the step cancels an issued fee by a credit note (credit_note_id); the fee
-- invoice itself, issued, never changes.
CREATE TABLE customer_key_accounts (
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, customer_id)
);

CREATE TABLE dunning_fees (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    invoice_id UUID NOT NULL REFERENCES documents(id),
    level TEXT NOT NULL,
    step_id UUID NOT NULL,
    fee_invoice_id UUID REFERENCES documents(id),
    credit_note_id UUID REFERENCES documents(id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, invoice_id, level)
);
CREATE INDEX dunning_fees_by_step ON dunning_fees (company_id, step_id);

