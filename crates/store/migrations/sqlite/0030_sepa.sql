-- SEPA direct debit. A mandate is a customer's signed authorisation to debit an IBAN
-- under a unique reference (RUM); its sequencing (FRST, then RCUR) counts the collections
-- presented under it (`presented`), which an amendment of its IBAN or reference keeps:
-- the amended mandate is the same row, the previous values kept in `original_*` until the
-- next collection reports them (`AmdmntInfDtls`). A batch is the debits of one collection
-- date, with what its pain.008 file writes (creditor, amounts, mandates) copied at
-- creation so the file reads the same ever after; its items record the payment a
-- collection made and a bank's reject.
CREATE TABLE sepa_mandates (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    customer_id BLOB NOT NULL REFERENCES customers(id),
    reference TEXT NOT NULL,
    iban TEXT NOT NULL,
    bic TEXT,
    signed_on TEXT NOT NULL,
    signed_at_place TEXT,
    recurrence TEXT NOT NULL DEFAULT 'recurrent' CHECK (recurrence IN ('recurrent', 'one_off')),
    presented INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    original_reference TEXT,
    original_iban TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (company_id, reference)
);
CREATE INDEX sepa_mandates_by_customer ON sepa_mandates (company_id, customer_id, created_at);

CREATE TABLE sepa_batches (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    message_id TEXT NOT NULL,
    collection_date TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'collected')),
    collected_on TEXT,
    creditor_id TEXT NOT NULL,
    creditor_name TEXT NOT NULL,
    creditor_iban TEXT NOT NULL,
    creditor_bic TEXT,
    control_sum TEXT NOT NULL,
    item_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (company_id, message_id)
);
CREATE INDEX sepa_batches_by_date ON sepa_batches (company_id, created_at);

CREATE TABLE sepa_batch_items (
    company_id BLOB NOT NULL REFERENCES companies(id),
    batch_id BLOB NOT NULL REFERENCES sepa_batches(id),
    invoice_id BLOB NOT NULL REFERENCES documents(id),
    position INTEGER NOT NULL,
    number TEXT NOT NULL,
    amount TEXT NOT NULL,
    mandate_id BLOB NOT NULL REFERENCES sepa_mandates(id),
    mandate_reference TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    debtor_name TEXT NOT NULL,
    debtor_iban TEXT NOT NULL,
    debtor_bic TEXT,
    sequence TEXT NOT NULL CHECK (sequence IN ('FRST', 'RCUR', 'OOFF', 'FNAL')),
    original_reference TEXT,
    original_iban TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'collected', 'rejected')),
    payment_id BLOB,
    reject_reason TEXT,
    reject_fee TEXT,
    rejected_on TEXT,
    PRIMARY KEY (batch_id, invoice_id)
);
CREATE INDEX sepa_batch_items_by_invoice ON sepa_batch_items (company_id, invoice_id);
