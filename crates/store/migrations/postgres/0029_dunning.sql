-- Dunning (relances). A step is a level of the company's policy taken for an invoice
-- (kind 'auto', by a run) or an entry by hand (a call, a promise to pay, a note). The
-- partial unique index keeps one live step per invoice and level: two runs at once take
-- each step once, and an undone step (undone_at set) frees its level to be taken again.
CREATE TABLE dunning_steps (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    invoice_id UUID NOT NULL REFERENCES documents(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL CHECK (kind IN ('auto', 'call', 'promise', 'note')),
    level TEXT,
    channel TEXT CHECK (channel IN ('email', 'letter')),
    taken_on DATE NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL,
    by_user UUID REFERENCES users(id),
    note TEXT,
    email_id UUID,
    letter_id UUID,
    undone_at TIMESTAMPTZ,
    CHECK ((kind = 'auto') = (level IS NOT NULL))
);
CREATE UNIQUE INDEX dunning_steps_live ON dunning_steps (company_id, invoice_id, level)
    WHERE kind = 'auto' AND undone_at IS NULL;
CREATE INDEX dunning_steps_by_customer ON dunning_steps (company_id, customer_id, taken_at);

-- "Never dun" for a customer or an invoice: a row here, none for "auto". Kept outside the
-- documents so that an issued invoice's sealed content never changes.
CREATE TABLE dunning_holds (
    company_id UUID NOT NULL REFERENCES companies(id),
    subject_id UUID NOT NULL,
    subject TEXT NOT NULL CHECK (subject IN ('customer', 'invoice')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, subject_id)
);

-- A printable letter of a run: one per customer, listing the invoices it dunned.
CREATE TABLE dunning_letters (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    level TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    pdf BYTEA NOT NULL
);
CREATE INDEX dunning_letters_by_customer ON dunning_letters (company_id, customer_id, created_at);

-- Attachments of a message beyond the outbox row's own (a reminder carries every
-- invoice it lists), in order.
CREATE TABLE outbox_attachments (
    company_id UUID NOT NULL REFERENCES companies(id),
    email_id UUID NOT NULL REFERENCES outbox(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (email_id, position)
);
