-- The contracts engine (issue 25, continued). A contract's events also record the
-- consumer's notice reminder (art. L215-1 C. consom.), one per term: `on_date` is the
-- term's notice deadline, unique per contract, so the daily run never sends it twice.
-- SQLite cannot change a CHECK in place: the table is rebuilt (nothing references it).
CREATE TABLE contract_events_0039 (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    contract_id BLOB NOT NULL REFERENCES contracts(id),
    kind TEXT NOT NULL CHECK (kind IN ('suspended', 'terminated', 'notice_given', 'notice_reminded')),
    on_date TEXT NOT NULL,
    until_date TEXT,
    reason TEXT,
    created_at TEXT NOT NULL
);
INSERT INTO contract_events_0039 (id, company_id, contract_id, kind, on_date, until_date, reason, created_at)
    SELECT id, company_id, contract_id, kind, on_date, until_date, reason, created_at FROM contract_events;
DROP TABLE contract_events;
ALTER TABLE contract_events_0039 RENAME TO contract_events;
CREATE INDEX contract_events_by_contract ON contract_events (company_id, contract_id, created_at);
CREATE UNIQUE INDEX contract_notice_reminders ON contract_events (company_id, contract_id, on_date)
    WHERE kind = 'notice_reminded';

-- Recurring invoices without a contract: a template (an invoice's input as JSON) billed
-- every `frequency_months` from `first_date`, until `end_date` or for `occurrences`. Each
-- date billed is a row under its primary key (company, template, date): never twice.
CREATE TABLE recurring_invoices (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    customer_id BLOB NOT NULL REFERENCES customers(id),
    status TEXT NOT NULL CHECK (status IN ('active', 'stopped', 'finished')),
    frequency_months INTEGER NOT NULL,
    first_date TEXT NOT NULL,
    end_date TEXT,
    occurrences INTEGER,
    issue INTEGER NOT NULL,
    template TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX recurring_invoices_by_status ON recurring_invoices (company_id, status, id);

CREATE TABLE recurring_occurrences (
    company_id BLOB NOT NULL REFERENCES companies(id),
    template_id BLOB NOT NULL REFERENCES recurring_invoices(id),
    occurrence_date TEXT NOT NULL,
    invoice_id BLOB NOT NULL REFERENCES documents(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (company_id, template_id, occurrence_date)
);
