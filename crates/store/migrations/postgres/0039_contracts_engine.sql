-- The contracts engine (issue 25, continued). A contract's events also record the
-- consumer's notice reminder (art. L215-1 C. consom.), one per term: `on_date` is the
-- term's notice deadline, unique per contract, so the daily run never sends it twice.
ALTER TABLE contract_events DROP CONSTRAINT contract_events_kind_check;
ALTER TABLE contract_events ADD CONSTRAINT contract_events_kind_check
    CHECK (kind IN ('suspended', 'terminated', 'notice_given', 'notice_reminded'));
CREATE UNIQUE INDEX contract_notice_reminders ON contract_events (company_id, contract_id, on_date)
    WHERE kind = 'notice_reminded';

-- Recurring invoices without a contract: a template (an invoice's input as JSON) billed
-- every `frequency_months` from `first_date`, until `end_date` or for `occurrences`. Each
-- date billed is a row under its primary key (company, template, date): never twice.
CREATE TABLE recurring_invoices (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    status TEXT NOT NULL CHECK (status IN ('active', 'stopped', 'finished')),
    frequency_months BIGINT NOT NULL,
    first_date DATE NOT NULL,
    end_date DATE,
    occurrences BIGINT,
    issue BOOLEAN NOT NULL,
    template TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX recurring_invoices_by_status ON recurring_invoices (company_id, status, id);

CREATE TABLE recurring_occurrences (
    company_id UUID NOT NULL REFERENCES companies(id),
    template_id UUID NOT NULL REFERENCES recurring_invoices(id),
    occurrence_date DATE NOT NULL,
    invoice_id UUID NOT NULL REFERENCES documents(id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, template_id, occurrence_date)
);
