-- Online payment through Stripe Checkout (issue 23).
--
-- A company's Stripe account: its secret API key and webhook signing secret are kept
-- encrypted (AES-256-GCM under the installation's secrets key, the company id as
-- associated data), never in the settings JSON and never shown back: the hint is the
-- last four characters a settings page shows.
CREATE TABLE stripe_accounts (
    company_id BLOB PRIMARY KEY REFERENCES companies(id),
    secret_key TEXT NOT NULL,
    secret_key_hint TEXT NOT NULL,
    webhook_secret TEXT NOT NULL,
    webhook_secret_hint TEXT NOT NULL,
    api_base TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The installation's key that encrypts the secrets above when the server is not given
-- one (FACTURIER_SECRETS_KEY): one row, made on first use. A system table, no company.
CREATE TABLE secrets_keys (
    name TEXT PRIMARY KEY,
    key BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- Each Checkout session started for an invoice: what it asked for and what became of it.
CREATE TABLE checkout_sessions (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    invoice_id BLOB NOT NULL REFERENCES documents(id),
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    stripe_session_id TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'failed')),
    payment_id BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX checkout_sessions_by_stripe_id ON checkout_sessions (company_id, stripe_session_id);
CREATE INDEX checkout_sessions_by_invoice ON checkout_sessions (company_id, invoice_id);

-- Stripe events already handled: a replayed event id is acknowledged and does nothing.
CREATE TABLE stripe_events (
    company_id BLOB NOT NULL REFERENCES companies(id),
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (company_id, event_id)
);

-- The public payment link of an issued invoice (`/pay/{token}`): the token is derived
-- from the installation's secrets key, so the same link can be written in every e-mail;
-- only its SHA-256 is stored, to find the invoice when the link is visited.
CREATE TABLE payment_links (
    company_id BLOB NOT NULL REFERENCES companies(id),
    invoice_id BLOB NOT NULL REFERENCES documents(id),
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (company_id, invoice_id)
);
CREATE UNIQUE INDEX payment_links_by_token ON payment_links (token_hash);
