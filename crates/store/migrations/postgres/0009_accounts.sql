-- Accounts (issue 6): API tokens revocable and dated by use, password reset links, and
-- the sign-in attempts that rate limiting counts.
ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMPTZ;

-- A password reset link. Only the SHA-256 of the link's random secret is stored; the
-- link works once (used_at) and until expires_at. company_id is the company the e-mail
-- was sent from (the user's first membership).
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    user_id UUID NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

-- Failed sign-ins, counted per e-mail (lower case) and per client address over a
-- window. Not tenant data: a sign-in is tried before any company is known. Instants
-- are Unix milliseconds so that both backends compare them the same way.
CREATE TABLE login_failures (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures (email, at_ms);
CREATE INDEX login_failures_by_ip ON login_failures (ip, at_ms);
