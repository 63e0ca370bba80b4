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
