-- Web accounts: the language a user reads the app in, and sign-in sessions.
-- (users.password_hash exists since 0001: an argon2id PHC string, NULL = no web sign-in.)
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'fr';

-- A signed-in browser. Only the SHA-256 of the cookie's secret is stored; company_id is
-- the company the session is looking at (the switcher changes it, within the user's
-- memberships). A session ends at idle or absolute expiry, or on sign-out.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    user_id UUID NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
