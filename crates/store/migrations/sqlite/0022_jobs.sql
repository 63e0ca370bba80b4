-- Jobs are rows (issue 21): background work — an e-mail to send, an issued document's
-- files to render, the daily housekeeping — written in the transaction that asks for it,
-- claimed atomically by one runner of one server under a lease, retried with backoff and
-- kept, done or failed, for the administration page and `facturier jobs`.
--
-- `company_id` is NULL for system jobs (the daily housekeeping). `dedup_key`, when set,
-- makes a job unique across restarts and servers ("one render job per document", "one
-- housekeeping per day"); it names its company itself when it has one, as a NULL
-- company would not take part in a unique key. Instants the runner compares (`due_at`,
-- `lease_until`) are Unix milliseconds, as the outbox's.
CREATE TABLE jobs (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    company_id BLOB REFERENCES companies(id),
    payload TEXT NOT NULL,
    dedup_key TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX jobs_dedup ON jobs (dedup_key);
-- What the runner claims: pending jobs by due time, running ones by lease end.
CREATE INDEX jobs_due ON jobs (state, due_at);
-- The administration page: a company's jobs, newest first.
CREATE INDEX jobs_by_company ON jobs (company_id, created_at);
-- `facturier jobs` and the housekeeping of finished jobs.
CREATE INDEX jobs_by_age ON jobs (created_at);

-- An issued document waiting for its files (document_files_pending, filled by the
-- triggers of 0021 whatever issued it) gets its `document.render` job in the same
-- transaction; when its files are stored, the job leaves with it unless a runner has it.
-- The job holds the lease and counts the attempts: the pending list's `not_before` and
-- `attempts` are no longer read.
-- The job is due 5 s later: the API's issue renders the files itself before it answers,
-- and a runner taking the job meanwhile would render them a second time for nothing.
-- Ids made here are random (not UUIDv7): nothing orders jobs by id. The key and the
-- payload name the document as its hyphenated UUID text, as the server writes it.
CREATE TRIGGER jobs_render_on_pending AFTER INSERT ON document_files_pending
BEGIN
    INSERT OR IGNORE INTO jobs (id, kind, company_id, payload, dedup_key, state, due_at, attempts, created_at)
    SELECT randomblob(16), 'document.render', NEW.company_id, json_object('document_id', u), 'document.render:' || u,
           'pending', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + 5000, 0,
           strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'
    FROM (SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' ||
                       substr(h, 17, 4) || '-' || substr(h, 21, 12)) AS u
          FROM (SELECT hex(NEW.document_id) AS h));
END;
CREATE TRIGGER jobs_render_done AFTER DELETE ON document_files_pending
BEGIN
    DELETE FROM jobs WHERE state = 'pending' AND dedup_key = 'document.render:' ||
        (SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' ||
                      substr(h, 17, 4) || '-' || substr(h, 21, 12)) FROM (SELECT hex(OLD.document_id) AS h));
END;

-- What was waiting before this migration: documents still to render, and messages
-- of the outbox not yet sent (each an `email.send` job, due when the message is).
INSERT INTO jobs (id, kind, company_id, payload, dedup_key, state, due_at, attempts, created_at)
SELECT randomblob(16), 'document.render', company_id, json_object('document_id', u), 'document.render:' || u,
       'pending', 0, 0, strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'
FROM (SELECT company_id, lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' ||
                               substr(h, 17, 4) || '-' || substr(h, 21, 12)) AS u
      FROM (SELECT company_id, hex(document_id) AS h FROM document_files_pending));
INSERT INTO jobs (id, kind, company_id, payload, dedup_key, state, due_at, attempts, created_at)
SELECT randomblob(16), 'email.send', company_id, json_object('email_id', u), 'email.send:' || u,
       'pending', due, 0, strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'
FROM (SELECT company_id, next_attempt_at AS due,
             lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' ||
                   substr(h, 17, 4) || '-' || substr(h, 21, 12)) AS u
      FROM (SELECT company_id, next_attempt_at, hex(id) AS h FROM outbox WHERE status IN ('pending', 'sending')));
