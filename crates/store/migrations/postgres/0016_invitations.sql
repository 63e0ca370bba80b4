-- Membership by invitation (issue 18). An admin who adds an e-mail that already has an
-- account only invites it: nothing changes for that user until they accept, signed in
-- as themselves. One pending invitation per user and company.
CREATE TABLE invitations (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    user_id UUID NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    invited_by UUID NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, user_id)
);
CREATE INDEX invitations_by_user ON invitations (user_id);

-- The company a user's next sign-in opens: the one they last worked in, never one
-- chosen by the order of company names (which another company's admin controls).
ALTER TABLE users ADD COLUMN last_company_id UUID;

-- Sign-in attempts are recorded before the password is checked, and counted per
-- address, per client and per known device: the device is the hash of a cookie set at a
-- successful sign-in ('' when unknown), so failures from elsewhere cannot lock a user
-- out of the browser they already use.
ALTER TABLE login_failures ADD COLUMN device TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_by_device ON login_failures (email, device, at_ms);

CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX known_devices_by_user ON known_devices (user_id);

-- "Forgot password" requests, counted per address and per client before a link is
-- sent: one mail per request would otherwise let anyone flood a mailbox. Not tenant
-- data, like the sign-in attempts.
CREATE TABLE reset_requests (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX reset_requests_by_email ON reset_requests (email, at_ms);
CREATE INDEX reset_requests_by_ip ON reset_requests (ip, at_ms);
