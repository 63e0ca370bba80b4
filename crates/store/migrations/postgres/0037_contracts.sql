-- Contracts that bill themselves (issue 25). A contract's terms (schedule, lines priced
-- per period, revision clause) are one JSON document read by `core::contract`; its events
-- (suspensions, termination, notice) are rows. A period billed is one row per line and
-- period start, under a primary key: two runs at once, or a run again, bill it once.
-- Index values are published per company, series code and month.
CREATE TABLE contracts (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'suspended', 'terminated', 'expired')),
    start_date DATE NOT NULL,
    end_date DATE,
    terms TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, reference)
);
CREATE INDEX contracts_by_customer ON contracts (company_id, customer_id);
CREATE INDEX contracts_by_status ON contracts (company_id, status, id);

CREATE TABLE contract_events (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    contract_id UUID NOT NULL REFERENCES contracts(id),
    kind TEXT NOT NULL CHECK (kind IN ('suspended', 'terminated', 'notice_given')),
    on_date DATE NOT NULL,
    until_date DATE,
    reason TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contract_events_by_contract ON contract_events (company_id, contract_id, created_at);

CREATE TABLE contract_billings (
    company_id UUID NOT NULL REFERENCES companies(id),
    contract_id UUID NOT NULL REFERENCES contracts(id),
    line BIGINT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    billing_date DATE NOT NULL,
    invoice_id UUID NOT NULL REFERENCES documents(id),
    amount TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, contract_id, line, period_start)
);
CREATE INDEX contract_billings_by_invoice ON contract_billings (company_id, invoice_id);

CREATE TABLE index_values (
    company_id UUID NOT NULL REFERENCES companies(id),
    code TEXT NOT NULL,
    month TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, code, month)
);
