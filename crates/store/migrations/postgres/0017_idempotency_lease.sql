-- Idempotency keys get an owner and a lifetime (issue 18).
--
-- A key is now one user's in one company, not the company's: another user's identical
-- key is another request. An unanswered key carries a lease (`holder`, `lease_until`)
-- that the running request refreshes; once it lapses (the process died) the next
-- request with the same key and body takes it over. `created_at` starts the 24-hour
-- lifetime after which the key is new again; `idempotency_keys_by_age` finds the old
-- rows to sweep.
--
-- The rows written so far were the company's and cannot be given a user: they are
-- dropped. They only served retries of the last hours; a retry of a request answered
-- before the upgrade runs again.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    company_id UUID NOT NULL REFERENCES companies(id),
    user_id UUID NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    holder UUID NOT NULL,
    lease_until TIMESTAMPTZ,
    status_code BIGINT,
    response TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, user_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (company_id, created_at);
