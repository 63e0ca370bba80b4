-- The e-mail outbox: a message is written here in the transaction that asks for it and
-- sent by the worker afterwards, retried with backoff until the SMTP server takes it.
-- The attachment is stored rendered, so what goes out is what was asked for.
-- Instants the worker compares (next_attempt_at, locked_until) are Unix milliseconds.
CREATE TABLE outbox (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    document_id UUID REFERENCES documents(id),
    sender TEXT,
    sender_name TEXT NOT NULL,
    recipients TEXT NOT NULL,
    cc TEXT NOT NULL DEFAULT '[]',
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attachment_name TEXT,
    attachment BYTEA,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    message_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_document ON outbox (company_id, document_id, id);
