-- The contracts engine (issue 25, continued). A contract's events also record the
-- consumer's notice reminder (art. L215-1 C. consom.), one per term: `on_date` is the
-- term's notice deadline, unique per contract, so the daily run never sends it twice.
ALTER TABLE contract_events DROP CONSTRAINT contract_events_kind_check;
ALTER TABLE contract_events ADD CONSTRAINT contract_events_kind_check
    CHECK (kind IN ('suspended', 'terminated', 'notice_given', 'notice_reminded'));
CREATE UNIQUE INDEX contract_notice_reminders ON contract_events (company_id, contract_id, on_date)
    WHERE kind = 'notice_reminded';
